// Keyboard handling and live checks of the paper-form keying screen.
//
// Enter moves to the next visible field in document order, which is the
// order of the club's sign-up form. Enter in the last field or Ctrl+Enter
// submits. The server checks everything again on save, because this script
// only helps the clerk.
(function () {
  "use strict";

  const form = document.getElementById("paper-form");
  if (!form) {
    return;
  }

  const texts = JSON.parse(document.getElementById("keying-texts").textContent);
  const districtCity = JSON.parse(
    document.getElementById("keying-districts").textContent,
  );
  const field = (name) => form.elements.namedItem(name);
  const saveButton = document.getElementById("keying-save");
  const linesBody = document.querySelector("#product-lines tbody");
  const totalForms = field("lines-TOTAL_FORMS");

  // A failed live check only leaves its hint out, because saving checks again.
  function debounce(callback, wait) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        callback(...args).catch((error) => console.warn("Keying check failed:", error));
      }, wait);
    };
  }

  async function getJson(url, params) {
    const query = new URLSearchParams(params).toString();
    const response = await fetch(`${url}?${query}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      throw new Error(`${url} returned HTTP ${response.status}`);
    }
    return response.json();
  }

  function showStatus(id, message, kind) {
    const status = document.getElementById(id);
    status.textContent = message;
    status.classList.remove("is-ok", "is-wrong", "is-warning");
    if (message) {
      status.classList.add(`is-${kind}`);
    }
  }

  // Navigation ---------------------------------------------------------------

  function isVisible(element) {
    return !element.disabled && element.getClientRects().length > 0;
  }

  // The fields that Enter visits, in document order. Of a radio group only
  // the checked radio (or the first) is visited, as with Tab.
  function navigableFields() {
    const seenGroups = new Set();
    const fields = [];
    for (const element of form.querySelectorAll("input, select, textarea")) {
      if (element.type === "hidden" || !isVisible(element)) {
        continue;
      }
      if (element.type === "radio") {
        if (seenGroups.has(element.name)) {
          continue;
        }
        seenGroups.add(element.name);
        const group = form.querySelectorAll(`input[name="${element.name}"]`);
        fields.push(Array.from(group).find((radio) => radio.checked) || element);
        continue;
      }
      fields.push(element);
    }
    return fields;
  }

  function lineOf(element) {
    return element.closest("tr.keying-line");
  }

  function lineIsBlank(row) {
    return Array.from(row.querySelectorAll("input, select")).every(
      (input) => !input.value,
    );
  }

  function nextField(current) {
    const fields = navigableFields();
    let index = fields.indexOf(current);
    if (index < 0) {
      return null;
    }
    // Enter on a blank product line leaves the lines for the amount.
    const row = lineOf(current);
    if (row && lineIsBlank(row)) {
      while (index + 1 < fields.length && lineOf(fields[index + 1])) {
        index += 1;
      }
    }
    return fields[index + 1] || null;
  }

  function save() {
    if (saveButton.disabled) {
      return;
    }
    form.requestSubmit(saveButton);
  }

  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) {
      return;
    }
    const target = event.target;
    if (target.tagName === "BUTTON" || target.tagName === "TEXTAREA") {
      return;
    }
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      save();
      return;
    }
    if (target.name === "card_number") {
      checkCardSoon();
    }
    const next = nextField(target);
    if (next) {
      next.focus();
      if (next.select && next.tagName === "INPUT" && next.type === "text") {
        next.select();
      }
    } else {
      save();
    }
  });

  // A double click submits once: the button is disabled at the first
  // submit, and the form token makes a repeated request save nothing new.
  form.addEventListener("submit", () => {
    setTimeout(() => {
      saveButton.disabled = true;
    }, 0);
  });

  // Product lines ------------------------------------------------------------

  function addLineIfLastFilled() {
    const rows = linesBody.querySelectorAll("tr.keying-line");
    const last = rows[rows.length - 1];
    if (last && lineIsBlank(last)) {
      return;
    }
    const index = Number(totalForms.value);
    const template = document.getElementById("empty-line").innerHTML;
    linesBody.insertAdjacentHTML(
      "beforeend",
      template.replace(/__prefix__/g, String(index)),
    );
    totalForms.value = String(index + 1);
  }

  linesBody.addEventListener("input", addLineIfLastFilled);
  linesBody.addEventListener("change", addLineIfLastFilled);

  // City and district --------------------------------------------------------

  const city = field("city");
  const district = field("district");
  const citySource = field("city_source");

  function filterDistricts() {
    for (const option of district.options) {
      if (!option.value) {
        continue;
      }
      const belongs = String(districtCity[option.value]) === city.value;
      option.hidden = !belongs;
      option.disabled = !belongs;
    }
    if (district.value && district.selectedOptions[0].disabled) {
      district.value = "";
    }
  }

  function hasOption(select, value) {
    return Array.from(select.options).some((option) => option.value === value);
  }

  async function proposeRegion() {
    const address = field("address").value.trim();
    if (!address) {
      showStatus("region-status", "", "ok");
      return;
    }
    const proposal = await getJson(form.dataset.proposalUrl, { address });
    const kind = proposal.outside_scope || proposal.candidates.length ? "warning" : "ok";
    showStatus("region-status", proposal.message, kind);
    if (citySource.value === "clerk" || !proposal.city || proposal.outside_scope) {
      return;
    }
    const cityId = String(proposal.city.id);
    if (!hasOption(city, cityId)) {
      return;
    }
    city.value = cityId;
    filterDistricts();
    const districtId = proposal.district ? String(proposal.district.id) : "";
    district.value = hasOption(district, districtId) ? districtId : "";
    citySource.value = "proposal";
    findMatchesSoon();
  }

  field("address").addEventListener("input", debounce(proposeRegion, 250));
  city.addEventListener("change", () => {
    citySource.value = "clerk";
    filterDistricts();
  });
  district.addEventListener("change", () => {
    citySource.value = "clerk";
  });
  filterDistricts();

  // Card number --------------------------------------------------------------

  function chosenHousehold() {
    const chosen = form.querySelector('input[name="household"]:checked');
    return chosen && chosen.value !== "new" ? chosen.value : "";
  }

  async function checkCard() {
    const number = field("card_number").value.trim();
    if (!number) {
      showStatus("card-status", "", "ok");
      return;
    }
    const result = await getJson(form.dataset.cardUrl, {
      number,
      household: chosenHousehold(),
    });
    if (field("card_number").value.trim() !== number) {
      return;
    }
    field("card_number").dataset.state = result.state;
    showStatus("card-status", result.message, result.usable ? "ok" : "wrong");
  }

  const checkCardSoon = debounce(checkCard, 300);
  field("card_number").addEventListener("input", checkCardSoon);

  // Admission note and venue appear only where they apply --------------------

  function toggle(name, visible) {
    document.getElementById(`field-${name}`).classList.toggle("keying-hidden", !visible);
  }

  function updateOptionalFields() {
    toggle("admission_note", field("admission_basis").value !== "qualifying_slip");
    toggle("venue", field("signup_activity").value !== "store");
  }

  field("admission_basis").addEventListener("change", updateOptionalFields);
  field("signup_activity").addEventListener("change", updateOptionalFields);
  updateOptionalFields();

  // Similar households -------------------------------------------------------

  const matchesPanel = document.getElementById("household-matches");
  const matchOptions = document.getElementById("match-options");

  function optionLabel(value, title, detail, checked) {
    const label = document.createElement("label");
    label.className = "keying-option";
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "household";
    radio.value = value;
    radio.checked = checked;
    radio.addEventListener("change", checkCardSoon);
    const titleSpan = document.createElement("span");
    titleSpan.textContent = title;
    label.append(radio, titleSpan);
    if (detail) {
      const detailSpan = document.createElement("span");
      detailSpan.className = "keying-match-detail";
      detailSpan.textContent = detail;
      label.append(detailSpan);
    }
    return label;
  }

  function renderMatches(matches) {
    const chosen = form.querySelector('input[name="household"]:checked');
    const chosenValue = chosen ? chosen.value : "";
    matchOptions.replaceChildren();
    for (const match of matches) {
      const detail = [
        match.city,
        match.phone || "-",
        match.address || "-",
        `${texts.card} ${match.card_number || "-"}`,
        match.reasons.join(", "),
      ].join(" · ");
      const title = `${texts.update} ${match.number} ${match.name}`;
      matchOptions.append(
        optionLabel(String(match.id), title, detail, chosenValue === String(match.id)),
      );
    }
    if (matches.length) {
      matchOptions.append(optionLabel("new", texts.create, "", chosenValue === "new"));
    }
    matchesPanel.classList.toggle("keying-hidden", matches.length === 0);
  }

  async function findMatches() {
    const params = {
      name: field("name").value,
      phone: field("phone").value,
      address: field("address").value,
      city: city.value,
    };
    if (!params.phone.trim() && !(params.name.trim() && params.address.trim())) {
      renderMatches([]);
      return;
    }
    const result = await getJson(form.dataset.matchesUrl, params);
    renderMatches(result.matches);
  }

  const findMatchesSoon = debounce(findMatches, 400);
  for (const name of ["name", "phone", "address"]) {
    field(name).addEventListener("input", findMatchesSoon);
  }
  city.addEventListener("change", findMatchesSoon);
  for (const radio of matchOptions.querySelectorAll('input[name="household"]')) {
    radio.addEventListener("change", checkCardSoon);
  }

  // Start --------------------------------------------------------------------

  if (field("card_number").value) {
    checkCardSoon();
  }
  const firstError = form.querySelector(".errors input, .errors select");
  (firstError || field("name")).focus();
})();

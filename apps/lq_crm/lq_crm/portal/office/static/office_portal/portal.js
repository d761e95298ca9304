// The office portal's small behaviours: card look-up before submitting, adding
// slip lines, and one submit per form. Every page still works without them.
"use strict";

(function () {
  const LOOKUP_DELAY_MS = 400;
  const MIN_CARD_DIGITS = 6;

  // Card look-up: show the household of a typed card number.
  function setUpLookup(info) {
    const form = info.closest("form");
    const input = form && form.querySelector("input.card-number");
    if (!input) {
      return;
    }
    const error = info.querySelector("[data-info-error]");
    const found = info.querySelector("[data-info-found]");
    let timer = null;
    let lastNumber = "";

    function show(data, ok) {
      info.hidden = false;
      error.hidden = ok;
      found.hidden = !ok;
      if (!ok) {
        error.textContent = data.error || "";
        return;
      }
      found.querySelectorAll("[data-field]").forEach(function (cell) {
        const value = data[cell.dataset.field];
        cell.textContent = value === undefined || value === null ? "" : String(value);
      });
    }

    function lookUp() {
      const number = input.value.replace(/\s+/g, "");
      if (!number || number === lastNumber) {
        return;
      }
      lastNumber = number;
      const url = info.dataset.lookupUrl + "?number=" + encodeURIComponent(number);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (data) {
            if (number === lastNumber) {
              show(data, response.ok);
            }
          });
        })
        .catch(function () {
          lastNumber = "";
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      if (input.value.replace(/\s+/g, "").length >= MIN_CARD_DIGITS) {
        timer = window.setTimeout(lookUp, LOOKUP_DELAY_MS);
      }
    });
    input.addEventListener("change", lookUp);
    const button = form.querySelector("[data-lookup-button]");
    if (button) {
      button.addEventListener("click", function () {
        lastNumber = "";
        lookUp();
      });
    }
    if (input.value) {
      lookUp();
    }
  }

  // Slip lines: copy the empty line and count it in the formset's total.
  function setUpLines(button) {
    const form = button.closest("form") || document;
    const lines = form.querySelector("[data-lines]");
    const template = form.querySelector("template[data-line-template]");
    const total = form.querySelector("input[name='" + lines.dataset.prefix + "-TOTAL_FORMS']");
    const maximum = form.querySelector("input[name='" + lines.dataset.prefix + "-MAX_NUM_FORMS']");
    button.addEventListener("click", function () {
      const index = Number(total.value);
      if (maximum && index >= Number(maximum.value)) {
        button.disabled = true;
        return;
      }
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      lines.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  }

  // One submit per form: a second tap while the first is on its way is ignored.
  function setUpSubmitOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "yes") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "yes";
      form.querySelectorAll("button[type='submit']").forEach(function (button) {
        button.disabled = true;
      });
    });
  }

  // A page restored from the back-forward cache must accept a submit again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.submitting;
      form.querySelectorAll("button[type='submit']").forEach(function (button) {
        button.disabled = false;
      });
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-card-info]").forEach(setUpLookup);
    document.querySelectorAll("[data-add-line]").forEach(setUpLines);
    document.querySelectorAll("form[data-submit-once]").forEach(setUpSubmitOnce);
  });
})();

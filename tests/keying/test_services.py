"""key_paper_form: household, card and slip saved together, on MariaDB."""

from __future__ import annotations

import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.store.models import Store
from lq_crm.keying.models import KeyedForm
from lq_crm.keying.paper import KeyingError, PaperLine, current_year
from lq_crm.keying.services import key_paper_form
from tests.conftest import make_user
from tests.factories import CardFactory, MemberFactory, submitted_slip
from tests.keying.conftest import health, mistyped, paper_form, stock_card

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return (
        Member.objects.count(),
        PurchaseSlip.objects.count(),
        KeyedForm.objects.count(),
    )


def test_new_household_gets_card_and_slip(
    service_clerk: User, jinan_store: Store, card_in_stock: Card, jinan: Region
) -> None:
    form = paper_form(jinan_store, card_in_stock, consent_marketing=True)

    result = key_paper_form(form, service_clerk)

    member = Member.objects.get()
    assert result.member == member
    assert result.created_member
    assert not result.replayed
    assert member.name == "王秀英"
    assert member.gender == "female"
    assert member.phone == "+8613912340001"
    assert member.city == jinan
    assert member.district is not None
    assert member.district.name == "历下区"
    assert member.birth_year == current_year() - 45
    assert member.occupation == "教师"
    assert member.signup_store == jinan_store
    assert member.consent_method == Member.ConsentMethod.PAPER_FORM
    assert member.consent_given_at is not None
    assert member.consent_marketing
    assert member.owner == service_clerk

    card = Card.objects.get(pk=card_in_stock.pk)
    assert card.member == member
    assert card.admission_basis == Card.AdmissionBasis.QUALIFYING_SLIP
    assert card.admission_slip == result.slip
    assert card.status == Card.Status.ACTIVE

    slip = PurchaseSlip.objects.get()
    assert slip == result.slip
    assert slip.status == PurchaseSlip.Status.SUBMITTED
    assert slip.source == PurchaseSlip.Source.DESK
    assert slip.total == Decimal("268.00")
    assert slip.store == jinan_store
    assert slip.member == member
    assert KeyedForm.objects.get().slip == slip


def test_single_line_takes_form_amount(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    form = paper_form(
        jinan_store,
        card_in_stock,
        lines=[PaperLine(category=health())],
        amount=Decimal("300"),
    )

    result = key_paper_form(form, service_clerk)

    assert result.slip is not None
    assert result.slip.total == Decimal("300.00")


def test_lines_must_add_up_to_amount(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    form = paper_form(
        jinan_store,
        card_in_stock,
        lines=[
            PaperLine(category=health(), amount=Decimal("200")),
            PaperLine(category=health(), amount=Decimal("100")),
        ],
        amount=Decimal("280"),
    )

    with pytest.raises(KeyingError) as raised:
        key_paper_form(form, service_clerk)

    assert "add up to ¥300.00" in raised.value.errors["amount"][0]
    assert counts() == (0, 0, 0)


def test_update_existing_household_records_slip(
    service_clerk: User, jinan_store: Store
) -> None:
    member = MemberFactory(name="王秀英", phone="+8613912340001", occupation="")
    card = CardFactory(member=member)
    form = paper_form(
        jinan_store,
        card,
        household=member,
        lines=[PaperLine(category=health(), amount=Decimal("50"))],
        amount=Decimal("50"),
    )

    result = key_paper_form(form, service_clerk)

    assert not result.created_member
    assert result.member == member
    assert result.card == card
    assert Member.objects.count() == 1
    member.refresh_from_db()
    assert member.occupation == "教师"
    assert member.address == "济南市历下区泉城路12号"
    assert result.slip is not None
    assert result.slip.card == card
    assert result.slip.total == Decimal("50.00")
    assert result.slip.status == PurchaseSlip.Status.SUBMITTED


def test_update_household_without_card_issues_one(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    member = MemberFactory(name="王秀英")

    result = key_paper_form(
        paper_form(jinan_store, card_in_stock, household=member), service_clerk
    )

    assert result.card == card_in_stock
    card_in_stock.refresh_from_db()
    assert card_in_stock.member == member
    assert Member.objects.count() == 1


def test_household_with_card_cannot_take_another(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    member = MemberFactory()
    current = CardFactory(member=member)

    with pytest.raises(KeyingError) as raised:
        key_paper_form(
            paper_form(jinan_store, card_in_stock, household=member), service_clerk
        )

    assert current.card_number in raised.value.errors["card_number"][0]


def test_wrong_check_digit_rejected(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    form = paper_form(
        jinan_store,
        card_in_stock,
        card_number=mistyped(card_in_stock.card_number),
    )

    with pytest.raises(KeyingError) as raised:
        key_paper_form(form, service_clerk)

    message = raised.value.errors["card_number"][0]
    assert "check digit" in message
    assert "Check it against the card" in message
    assert counts() == (0, 0, 0)


def test_issued_card_rejected(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    other = CardFactory()

    with pytest.raises(KeyingError) as raised:
        key_paper_form(
            paper_form(jinan_store, card_in_stock, card_number=other.card_number),
            service_clerk,
        )

    message = raised.value.errors["card_number"][0]
    assert "already issued" in message
    assert other.member.number in message
    assert Member.objects.count() == 1


def test_lost_card_rejected(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    lost = CardFactory(status=Card.Status.LOST)

    with pytest.raises(KeyingError) as raised:
        key_paper_form(
            paper_form(jinan_store, card_in_stock, card_number=lost.card_number),
            service_clerk,
        )

    assert "Reported lost" in raised.value.errors["card_number"][0]


def test_purchase_below_admission_amount_rejected(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    form = paper_form(
        jinan_store,
        card_in_stock,
        lines=[PaperLine(category=health(), amount=Decimal("150"))],
        amount=Decimal("150"),
    )

    with pytest.raises(KeyingError) as raised:
        key_paper_form(form, service_clerk)

    assert "¥50.00 short" in raised.value.errors["amount"][0]
    assert counts() == (0, 0, 0)
    card_in_stock.refresh_from_db()
    assert card_in_stock.status == Card.Status.IN_STOCK


def test_product_box_admits_without_purchase(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    form = paper_form(
        jinan_store,
        card_in_stock,
        lines=[],
        amount=None,
        admission_basis=Card.AdmissionBasis.PRODUCT_BOX,
        admission_note="蛇粉礼盒",
    )

    result = key_paper_form(form, service_clerk)

    assert result.slip is None
    assert result.card.admission_basis == Card.AdmissionBasis.PRODUCT_BOX
    assert result.card.admission_note == "蛇粉礼盒"


def test_every_problem_reported_at_once(
    service_clerk: User, card_in_stock: Card
) -> None:
    form = paper_form(
        None,
        card_in_stock,
        name=" ",
        phone="12345",
        age_or_birth_year="300",
        consent=False,
        signup_activity="community",
        card_number=mistyped(card_in_stock.card_number),
    )

    with pytest.raises(KeyingError) as raised:
        key_paper_form(form, service_clerk)

    errors = raised.value.errors
    assert "name" in errors
    assert "phone" in errors
    assert "age_or_birth_year" in errors
    assert "consent" in errors
    assert "store" in errors
    assert "venue" in errors
    assert "card_number" in errors


def test_double_submit_saves_once(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    form = paper_form(jinan_store, card_in_stock)

    first = key_paper_form(form, service_clerk)
    second = key_paper_form(form, service_clerk)

    assert second.replayed
    assert second.member == first.member
    assert second.slip == first.slip
    assert counts() == (1, 1, 1)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submits_save_once(jinan: Region) -> None:
    clerk = make_user("service-clerk", "service_centre")
    store = Store.objects.create(code="JN-T1", name="泉城路店", city=jinan)
    form = paper_form(store, stock_card(20_000_002))
    barrier = threading.Barrier(2)
    results = []
    failures: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait()
            results.append(key_paper_form(form, clerk))
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(results) == 2
    assert sorted(result.replayed for result in results) == [False, True]
    assert counts() == (1, 1, 1)


def test_failed_form_can_be_saved_after_fixing(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    form = paper_form(jinan_store, card_in_stock, consent=False)
    with pytest.raises(KeyingError):
        key_paper_form(form, service_clerk)

    result = key_paper_form(replace(form, consent=True), service_clerk)

    assert not result.replayed
    assert counts() == (1, 1, 1)


def test_late_failure_rolls_everything_back(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    submitted_slip(CardFactory(), "10", store=jinan_store, receipt_number="R-77")
    before = counts()

    with pytest.raises(KeyingError) as raised:
        key_paper_form(
            paper_form(jinan_store, card_in_stock, receipt_number="R-77"),
            service_clerk,
        )

    assert "R-77" in raised.value.errors["receipt_number"][0]
    assert counts() == before
    card_in_stock.refresh_from_db()
    assert card_in_stock.status == Card.Status.IN_STOCK


def test_same_phone_asks_for_a_choice(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    existing = MemberFactory(name="王秀英", phone="+8613912340001")
    form = paper_form(jinan_store, card_in_stock)

    with pytest.raises(KeyingError) as raised:
        key_paper_form(form, service_clerk)

    assert "household" in raised.value.errors
    assert [match.member for match in raised.value.matches] == [existing]

    result = key_paper_form(replace(form, create_new=True), service_clerk)

    assert result.created_member
    assert Member.objects.count() == 2


def test_region_proposed_from_address(
    service_clerk: User, qingdao_store: Store, card_in_stock: Card, qingdao: Region
) -> None:
    form = paper_form(qingdao_store, card_in_stock, address="崂山区海尔路1号")

    result = key_paper_form(form, service_clerk)

    assert result.member.city == qingdao
    assert result.member.district is not None
    assert result.member.district.name == "崂山区"


def test_chosen_city_overrides_proposal(
    service_clerk: User, qingdao_store: Store, card_in_stock: Card, qingdao: Region
) -> None:
    form = paper_form(qingdao_store, card_in_stock, city=qingdao)

    result = key_paper_form(form, service_clerk)

    assert result.member.city == qingdao
    assert result.member.district is None


def test_clerk_keys_only_own_cities(
    qingdao_clerk: User, qingdao_store: Store, card_in_stock: Card
) -> None:
    form = paper_form(qingdao_store, card_in_stock)

    with pytest.raises(KeyingError) as raised:
        key_paper_form(form, qingdao_clerk)

    assert "济南市 is outside your cities" in raised.value.errors["city"][0]
    assert counts() == (0, 0, 0)


def test_clerk_cannot_use_other_city_store(
    jinan_clerk: User, qingdao_store: Store, card_in_stock: Card
) -> None:
    with pytest.raises(KeyingError) as raised:
        key_paper_form(paper_form(qingdao_store, card_in_stock), jinan_clerk)

    assert "outside your cities" in raised.value.errors["store"][0]


def test_office_keys_own_city_form(
    jinan_office: User, jinan_store: Store, card_in_stock: Card, jinan: Region
) -> None:
    result = key_paper_form(paper_form(jinan_store, card_in_stock), jinan_office)

    assert result.member.city == jinan
    assert result.slip is not None


def test_store_clerk_may_not_issue_cards(
    jinan_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    with pytest.raises(KeyingError) as raised:
        key_paper_form(paper_form(jinan_store, card_in_stock), jinan_clerk)

    assert "You may not issue cards" in raised.value.errors["card_number"][0]
    assert counts() == (0, 0, 0)


def test_clerk_cannot_update_other_city_household(
    qingdao_clerk: User, qingdao_store: Store, card_in_stock: Card, qingdao: Region
) -> None:
    jinan_member = MemberFactory()
    form = paper_form(
        qingdao_store, card_in_stock, household=jinan_member, city=qingdao
    )

    with pytest.raises(KeyingError) as raised:
        key_paper_form(form, qingdao_clerk)

    assert jinan_member.number in raised.value.errors["household"][0]


def test_merged_household_cannot_be_updated(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    survivor = MemberFactory()
    merged = MemberFactory(merged_into=survivor)

    with pytest.raises(KeyingError) as raised:
        key_paper_form(
            paper_form(jinan_store, card_in_stock, household=merged), service_clerk
        )

    assert "merged into another household" in raised.value.errors["household"][0]


def test_masked_user_keeps_stored_personal_data(
    jinan_office: User, jinan_store: Store
) -> None:
    member = MemberFactory(
        phone="+8613800000000", address="历下区旧址1号", occupation=""
    )
    card = CardFactory(member=member)
    form = paper_form(jinan_store, card, household=member)

    result = key_paper_form(form, jinan_office)

    member.refresh_from_db()
    assert member.phone == "+8613800000000"
    assert member.address == "历下区旧址1号"
    assert member.occupation == "教师"
    assert member.birth_year == current_year() - 45
    assert set(result.kept_fields) == {"phone", "address"}


def test_user_without_change_right_only_adds_slip(
    jinan_clerk: User, jinan_store: Store
) -> None:
    member = MemberFactory(name="王秀英", occupation="")
    card = CardFactory(member=member)

    result = key_paper_form(
        paper_form(jinan_store, card, household=member), jinan_clerk
    )

    member.refresh_from_db()
    assert member.occupation == ""
    assert "occupation" in result.kept_fields
    assert result.slip is not None


def test_user_without_rights_denied(
    jinan: Region, jinan_store: Store, card_in_stock: Card
) -> None:
    member_user = make_user("household-user", "member", [jinan])

    with pytest.raises(PermissionDenied):
        key_paper_form(paper_form(jinan_store, card_in_stock), member_user)

"""Custom fields in the member desk: form, list, filters, purge and export."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from lq_crm.customize.models import CustomField, FieldLabel, FormLayout, FormSection
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from tests.conftest import make_user
from tests.factories import MemberFactory

from .conftest import define_field, define_source_field

CHANGELIST = reverse("admin:member_member_changelist")


def change_url(member: Member) -> str:
    return reverse("admin:member_member_change", args=[member.pk])


def member_data(member: Member, **custom: str) -> dict[str, str]:
    return {
        "name": member.name,
        "gender": member.gender,
        "phone": member.phone,
        "city": str(member.city_id),
        "signup_activity": member.signup_activity,
        "joined_on": member.joined_on.isoformat(),
        "persons-TOTAL_FORMS": "0",
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "0",
        "persons-MAX_NUM_FORMS": "1000",
        **custom,
    }


def fieldset_of(response: Any, name: str) -> str:
    for fieldset in response.context["adminform"]:
        if name in [field for line in fieldset for field in line.fields]:
            return str(fieldset.name)
    raise AssertionError(f"{name} is in no fieldset")


@pytest.fixture
def member(db: None) -> Member:
    return MemberFactory(name="孙丽华")


def test_form_shows_select_field(admin_client: Client, member: Member) -> None:
    define_source_field(Member, section="会员来源", help_text="第一次听说俱乐部的地方")

    response = admin_client.get(change_url(member))

    field = response.context["adminform"].form.fields["source"]
    assert field.label == "获知渠道"
    assert field.help_text == "第一次听说俱乐部的地方"
    assert ("万人游蛇园", "万人游蛇园") in field.choices
    assert fieldset_of(response, "source") == "会员来源"


@pytest.mark.parametrize("field_type", CustomField.FieldType.values)
def test_form_field_has_themed_widget(
    admin_client: Client, member: Member, field_type: str
) -> None:
    # Django's plain widgets render without a border in the desk's theme.
    extra: dict[str, Any] = {}
    if field_type == CustomField.FieldType.SELECT:
        extra["options"] = "甲\n乙"
    if field_type == CustomField.FieldType.LINK:
        extra["link_type"] = ContentType.objects.get_for_model(Region)
    define_field(Member, "extra", field_type=field_type, **extra)

    response = admin_client.get(change_url(member))

    widget = response.context["adminform"].form.fields["extra"].widget
    themed = type(widget).__module__.startswith("unfold.")
    assert themed or "border" in widget.attrs.get("class", "")


def test_date_field_keeps_iso_value(admin_client: Client, member: Member) -> None:
    # The Chinese desk formats dates as 2026/01/05, which a date input drops.
    define_field(Member, "visited", field_type=CustomField.FieldType.DATE)
    member.custom = {"visited": "2026-01-05"}
    member.save()

    page = admin_client.get(change_url(member)).content.decode()

    assert 'value="2026-01-05"' in page


def test_form_field_joins_existing_section(
    admin_client: Client, member: Member
) -> None:
    define_field(Member, "wechat", label_zh="微信号", section="Sign-up")

    response = admin_client.get(change_url(member), HTTP_ACCEPT_LANGUAGE="en")

    assert fieldset_of(response, "wechat") == "Sign-up"
    assert fieldset_of(response, "joined_on") == "Sign-up"


def test_form_saves_value(admin_client: Client, member: Member) -> None:
    define_source_field(Member)

    response = admin_client.post(change_url(member), member_data(member, source="校园"))

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.custom == {"source": "校园"}


def test_form_rejects_unknown_option(admin_client: Client, member: Member) -> None:
    define_source_field(Member)

    response = admin_client.post(change_url(member), member_data(member, source="网络"))

    assert response.status_code == 200
    assert "source" in response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.custom == {}


def test_form_rejects_wrong_type(admin_client: Client, member: Member) -> None:
    define_field(Member, "children", label_zh="子女数", field_type="integer")

    response = admin_client.post(change_url(member), member_data(member, children="两"))

    assert "children" in response.context["adminform"].form.errors


def test_form_requires_required_field(admin_client: Client, member: Member) -> None:
    define_source_field(Member, required=True)

    response = admin_client.post(change_url(member), member_data(member))

    assert "source" in response.context["adminform"].form.errors


def test_form_keeps_inactive_values(admin_client: Client, member: Member) -> None:
    define_source_field(Member)
    old = define_field(Member, "legacy_note", label_zh="旧备注")
    Member.objects.filter(pk=member.pk).update(custom={"legacy_note": "老系统"})
    old.active = False
    old.save()

    response = admin_client.get(change_url(member))
    assert "legacy_note" not in response.context["adminform"].form.fields
    admin_client.post(change_url(member), member_data(member, source="门店"))

    member.refresh_from_db()
    assert member.custom == {"legacy_note": "老系统", "source": "门店"}


def test_list_column_and_filter(admin_client: Client, db: None) -> None:
    define_source_field(Member)
    campus = MemberFactory(custom={"source": "校园"})
    store = MemberFactory(custom={"source": "门店"})

    response = admin_client.get(CHANGELIST)
    assert "获知渠道" in response.content.decode()
    assert "校园" in response.content.decode()

    response = admin_client.get(CHANGELIST, {"custom_source": "校园"})
    shown = [row.pk for row in response.context["cl"].result_list]
    assert shown == [campus.pk]
    assert store.pk not in shown


def test_check_filter_counts_missing_as_no(admin_client: Client, db: None) -> None:
    define_field(Member, "newsletter", label_zh="订阅简报", field_type="check")
    ticked = MemberFactory(custom={"newsletter": True})
    unticked = MemberFactory(custom={"newsletter": False})
    untouched = MemberFactory()

    def shown(value: str) -> set[int]:
        response = admin_client.get(CHANGELIST, {"custom_newsletter": value})
        return {row.pk for row in response.context["cl"].result_list}

    assert shown("1") == {ticked.pk}
    assert shown("0") == {unticked.pk, untouched.pk}


def purge(client: Client, field: CustomField) -> Any:
    return client.post(
        reverse("admin:customize_customfield_changelist"),
        {"action": "purge", "_selected_action": [field.pk]},
        follow=True,
    )


def test_purge_refuses_active_field(admin_client: Client, db: None) -> None:
    field = define_source_field(Member)
    member = MemberFactory(custom={"source": "校园"})

    purge(admin_client, field)

    member.refresh_from_db()
    assert member.custom == {"source": "校园"}


def test_purge_removes_values(admin_client: Client, db: None) -> None:
    field = define_source_field(Member)
    define_field(Member, "wechat")
    member = MemberFactory(custom={"source": "校园", "wechat": "sun_lh"})
    modified = member.modified
    field.active = False
    field.save()

    purge(admin_client, field)

    member.refresh_from_db()
    assert member.custom == {"wechat": "sun_lh"}
    assert member.modified == modified


def export(client: Client, members: list[Member]) -> list[tuple[Any, ...]]:
    response = client.post(
        CHANGELIST,
        {"action": "export_excel", "_selected_action": [m.pk for m in members]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_export_has_columns_and_custom(admin_client: Client, db: None) -> None:
    define_source_field(Member)
    define_field(Member, "children", label_zh="子女数", field_type="integer")
    member = MemberFactory(name="孙丽华", custom={"source": "校园", "children": 2})

    header, row = export(admin_client, [member])

    assert header[0] == "编号"
    assert header[-2:] == ("获知渠道", "子女数")
    assert row[0] == member.number
    assert "孙丽华" in row
    assert row[-2:] == ("校园", 2)


def test_export_limited_to_user_scope(jinan: Region, qingdao: Region) -> None:
    define_source_field(Member)
    jinan_member = MemberFactory(city=jinan, custom={"source": "社区"})
    qingdao_member = MemberFactory(city=qingdao, custom={"source": "门店"})
    client = Client()
    client.force_login(make_user("jinan-centre", "service_centre", [jinan]))

    rows = export(client, [jinan_member, qingdao_member])

    assert [row[0] for row in rows[1:]] == [jinan_member.number]


def layout_for_members() -> FormLayout:
    layout = FormLayout(
        document_type=ContentType.objects.get_for_model(Member),
        hidden_fields="occupation",
        readonly_fields="email",
    )
    layout.full_clean()
    layout.save()
    FormSection.objects.create(
        layout=layout, title_zh="联系", title_en="Contact", fields="name\nsource\nphone"
    )
    FieldLabel.objects.create(layout=layout, field="name", label_zh="户主姓名")
    return layout


def test_layout_arranges_form(admin_client: Client, member: Member) -> None:
    define_source_field(Member, section="会员来源")
    layout_for_members()

    response = admin_client.get(change_url(member))

    adminform = response.context["adminform"]
    first = next(iter(adminform))
    assert first.name == "联系"
    assert [f for line in first for f in line.fields] == ["name", "source", "phone"]
    assert "occupation" not in adminform.form.fields
    assert "email" not in adminform.form.fields
    assert "email" in adminform.readonly_fields
    assert adminform.form.fields["name"].label == "户主姓名"


def test_layout_rejects_hiding_required(db: None) -> None:
    layout = FormLayout(
        document_type=ContentType.objects.get_for_model(Member),
        hidden_fields="name\nshoe_size",
    )

    with pytest.raises(ValidationError) as caught:
        layout.full_clean()

    messages = " ".join(caught.value.message_dict["hidden_fields"])
    assert "shoe_size" in messages
    assert "Required fields cannot be hidden: name" in messages


def test_view_only_page_shows_value(jinan: Region) -> None:
    define_source_field(Member)
    member = MemberFactory(city=jinan, custom={"source": "社区"})
    client = Client()
    client.force_login(make_user("jinan-shop", "store_clerk", [jinan]))

    response = client.get(change_url(member))

    assert response.status_code == 200
    assert "获知渠道" in response.content.decode()
    assert "社区" in response.content.decode()

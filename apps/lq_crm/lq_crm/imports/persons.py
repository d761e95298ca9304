"""Import the persons of households: spouses, children, parents.

A row names its household by card number or household phone, and a person
on file is matched by household and name (spaces ignored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lq_crm.core.bulk import insert_history, insert_rows
from lq_crm.customize.values import merge_values
from lq_crm.doctype.member.models import HouseholdPerson
from lq_crm.imports.cleaning import (
    CleaningError,
    birth_year_from_age,
    clean_birth_year,
    clean_card_number,
    clean_gender,
    clean_name,
    clean_phone,
    clean_text,
    name_key,
)
from lq_crm.imports.columns import Column
from lq_crm.imports.engine import CREATE, UNCHANGED, UPDATE, Importer, Pending
from lq_crm.imports.households import HouseholdLookup
from lq_crm.imports.source import SourceRow

PERSON_COLUMNS = (
    Column(
        "household_card",
        gettext_lazy("household card number"),
        ("会员卡号", "卡号", "card number", "cardno"),
    ),
    Column(
        "household_phone",
        gettext_lazy("household phone"),
        ("户主电话", "会员电话", "户主手机"),
    ),
    Column("name", gettext_lazy("name"), ("姓名", "成员姓名"), required=True),
    Column("relation", gettext_lazy("relation"), ("关系", "与户主关系")),
    Column("gender", gettext_lazy("gender"), ("性别", "sex")),
    Column(
        "birth_year", gettext_lazy("birth year"), ("出生年份", "出生年", "birthyear")
    ),
    Column("age", gettext_lazy("age"), ("年龄",)),
    Column("phone", gettext_lazy("phone"), ("电话", "手机", "手机号", "mobile")),
)

RELATION_WORDS: dict[str, str] = {
    "户主": HouseholdPerson.Relation.HEAD,
    "本人": HouseholdPerson.Relation.HEAD,
    "配偶": HouseholdPerson.Relation.SPOUSE,
    "丈夫": HouseholdPerson.Relation.SPOUSE,
    "妻子": HouseholdPerson.Relation.SPOUSE,
    "子女": HouseholdPerson.Relation.CHILD,
    "儿子": HouseholdPerson.Relation.CHILD,
    "女儿": HouseholdPerson.Relation.CHILD,
    "父母": HouseholdPerson.Relation.PARENT,
    "父亲": HouseholdPerson.Relation.PARENT,
    "母亲": HouseholdPerson.Relation.PARENT,
    "其他": HouseholdPerson.Relation.OTHER,
}
RELATION_WORDS.update({value: value for value in HouseholdPerson.Relation.values})


@dataclass
class PersonRow:
    values: dict[str, Any]
    name_key: str
    card_number: str
    household_phone: str
    custom: dict[str, Any] = field(default_factory=dict)
    # Set by plan() once the household is found; 0 until then.
    member_id: int = 0


def clean_relation(text: str) -> str:
    """Return a Relation value from 户主/配偶/子女/父母/其他 or the English words."""
    word = clean_text(text).lower()
    relation = RELATION_WORDS.get(word)
    if relation is None:
        raise CleaningError(
            _("Relation %(value)s is invalid: use 户主, 配偶, 子女, 父母 or 其他.")
            % {"value": text.strip()}
        )
    return relation


class PersonImporter(Importer):
    kind = "persons"
    model = HouseholdPerson
    columns = PERSON_COLUMNS
    alternatives = (("household_card", "household_phone"),)
    add_permission = "member.add_householdperson"
    change_permission = "member.change_householdperson"

    def parse(self, row: SourceRow) -> PersonRow:
        name = clean_name(self.value(row, "name"))
        values: dict[str, Any] = {"name": name}
        if relation := self.value(row, "relation").strip():
            values["relation"] = clean_relation(relation)
        if gender := self.value(row, "gender").strip():
            values["gender"] = clean_gender(gender)
        if year := self.value(row, "birth_year").strip():
            values["birth_year"] = clean_birth_year(year)
        elif age := self.value(row, "age").strip():
            values["birth_year"] = birth_year_from_age(age)
        if phone := self.value(row, "phone").strip():
            values["phone"] = clean_phone(phone)

        card_text = self.value(row, "household_card")
        phone_text = self.value(row, "household_phone")
        if not card_text.strip() and not phone_text.strip():
            raise CleaningError(
                _("The household is missing: give its card number or its phone.")
            )
        return PersonRow(
            values=values,
            name_key=name_key(name),
            card_number=(
                clean_card_number(card_text, self.context.card_lengths)
                if card_text.strip()
                else ""
            ),
            household_phone=clean_phone(phone_text) if phone_text.strip() else "",
            custom=self.custom_values(row),
        )

    def file_keys(self, data: PersonRow) -> list[str]:
        household = data.card_number or data.household_phone
        return [f"person:{household}:{data.name_key}"]

    def plan(self, rows: list[Pending], *, lock: bool) -> None:
        households = HouseholdLookup(
            [row.data.card_number for row in rows if row.data.card_number],
            [row.data.household_phone for row in rows if row.data.household_phone],
        )
        for row in rows:
            try:
                member = households.find(row.data.card_number, row.data.household_phone)
            except LookupError as error:
                row.fail(str(error.args[0]))
                continue
            if not self.context.in_scope(member.city_id):
                row.fail(self.context.scope_message(member.city_id))
                continue
            row.data.member_id = member.pk

        planned = [row for row in rows if row.data.member_id]
        persons = HouseholdPerson.objects.filter(
            member_id__in={row.data.member_id for row in planned}
        )
        if lock:
            persons = persons.select_for_update()
        on_file = {(p.member_id, name_key(p.name)): p for p in persons.order_by("-pk")}
        for row in planned:
            person = on_file.get((row.data.member_id, row.data.name_key))
            if person is None:
                self.plan_create(row)
            else:
                self.plan_update(row, person)

    def plan_create(self, row: Pending) -> None:
        try:
            row.data.custom = self.complete_custom(row, row.data.custom)
        except CleaningError as error:
            row.fail(str(error))
            return
        self.decide(row, CREATE)

    def plan_update(self, row: Pending, person: HouseholdPerson) -> None:
        data: PersonRow = row.data
        changes = {
            key: value
            for key, value in data.values.items()
            if getattr(person, key) != value
        }
        custom = merge_values(person.custom, data.custom)
        row.target = person
        if not changes and custom == person.custom:
            row.action = UNCHANGED
            return

        data.values = changes
        data.custom = custom
        self.decide(row, UPDATE)

    def write(self, rows: list[Pending]) -> None:
        created = []
        for row in rows:
            data: PersonRow = row.data
            if row.action == CREATE:
                person = HouseholdPerson(
                    member_id=data.member_id, custom=data.custom, **data.values
                )
                row.target = person
                created.append(person)
                continue

            person = row.target
            for key, value in data.values.items():
                setattr(person, key, value)
            person.custom = data.custom
            person._change_reason = self.context.change_reason
            if self.context.user is not None:
                person._history_user = self.context.user
            person.save(update_fields=[*data.values, "custom"])

        if created:
            insert_rows(created)
            insert_history(
                created,
                user=self.context.user,
                change_reason=self.context.change_reason,
            )

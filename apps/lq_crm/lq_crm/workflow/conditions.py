"""A small, safe expression language for transition conditions.

A condition reads the document's concrete fields by name and combines them
with literals, comparisons, ``and``/``or``/``not``, arithmetic, list, tuple
and set literals and ``len()``. There is no attribute access, subscripting,
comprehension or any other call, so an expression typed in the desk cannot
reach Python objects. The syntax tree is checked against an allow-list
before simpleeval evaluates it, and simpleeval gets the same restrictions, so
each layer alone would reject an unsafe expression.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _
from simpleeval import EvalWithCompoundTypes, InvalidExpression

MAX_CONDITION_LENGTH = 500

FUNCTIONS = {"len": len}

ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.IfExp,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Call,
)

# Names that are literals rather than fields.
CONSTANT_NAMES = {"True": True, "False": False, "None": None}


class ConditionError(ValueError):
    """A condition that is invalid or unsafe, with the reason."""


def validate_condition(expression: str, field_names: Iterable[str]) -> None:
    """Raise ConditionError unless ``expression`` is a safe, valid condition.

    ``field_names`` are the names the expression may read.
    """
    if len(expression) > MAX_CONDITION_LENGTH:
        raise ConditionError(
            _("The condition is longer than %(max)d characters.")
            % {"max": MAX_CONDITION_LENGTH}
        )

    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ConditionError(
            _("The condition is not a valid expression: %(error)s")
            % {"error": error.msg}
        ) from None

    allowed_names = set(field_names)
    for node in ast.walk(tree):
        check_node(node, allowed_names)


def check_node(node: ast.AST, allowed_names: set[str]) -> None:
    if not isinstance(node, ALLOWED_NODES):
        raise ConditionError(
            _("The condition uses %(construct)s, which conditions do not allow.")
            % {"construct": type(node).__name__}
        )

    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ConditionError(
                _("The condition calls a function other than %(functions)s.")
                % {"functions": ", ".join(sorted(FUNCTIONS))}
            )
        if node.keywords:
            raise ConditionError(_("The condition passes keyword arguments."))

    if isinstance(node, ast.Name) and not is_known_name(node.id, allowed_names):
        raise ConditionError(
            _("The condition reads %(name)r, which is not a field. Fields: %(fields)s.")
            % {"name": node.id, "fields": ", ".join(sorted(allowed_names))}
        )

    if isinstance(node, ast.Constant) and not isinstance(
        node.value, str | int | float | bool | type(None)
    ):
        raise ConditionError(
            _("The condition contains the literal %(value)r, which is not allowed.")
            % {"value": node.value}
        )


def is_known_name(name: str, allowed_names: set[str]) -> bool:
    return name in allowed_names or name in CONSTANT_NAMES or name in FUNCTIONS


def field_names(model: type[Model]) -> list[str]:
    """Return the names that a condition over ``model`` may read."""
    return [field.name for field in model._meta.concrete_fields]


def document_values(document: Model) -> dict[str, Any]:
    """Return the condition names of ``document`` with their values.

    A foreign key gives the related row's primary key, so that reading it
    needs no query and exposes no related object.
    """
    return {
        field.name: getattr(document, field.attname)
        for field in document._meta.concrete_fields
    }


def evaluate_condition(expression: str, document: Model) -> bool:
    """Return whether ``expression`` is true for ``document``.

    Raises ConditionError when the expression is invalid or fails on the
    document's values (for example a comparison of None with a number).
    """
    validate_condition(expression, field_names(type(document)))
    evaluator = EvalWithCompoundTypes(
        names={**CONSTANT_NAMES, **document_values(document)},
        functions=dict(FUNCTIONS),
    )
    for node_type in (
        ast.Attribute,
        ast.Subscript,
        ast.ListComp,
        ast.GeneratorExp,
        ast.DictComp,
        ast.SetComp,
        ast.Dict,
        ast.JoinedStr,
        ast.FormattedValue,
    ):
        evaluator.nodes.pop(node_type, None)

    try:
        return bool(evaluator.eval(expression.strip()))
    except (InvalidExpression, TypeError, ValueError, ArithmeticError) as error:
        raise ConditionError(
            _("The condition %(condition)r could not be evaluated: %(error)s")
            % {"condition": expression, "error": error}
        ) from None

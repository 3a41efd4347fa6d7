"""The value types of the settings: exact numbers, names and codes, each with its check.

Each check raises ``PydanticCustomError`` with a message that reads after the key path
(``defaults.currency: 'usd' is not a three-letter ISO 4217 code such as USD``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from oms_connector.domain.money import hours_to_seconds


def _exact_decimal(value: object) -> object:
    """Decimal from a string, an int or a Decimal; a binary float is refused, never rounded."""
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "must be a number, not a boolean")
    if isinstance(value, float):
        raise PydanticCustomError(
            "float_number",
            'must be written as a quoted decimal string such as "35.50", not a float',
        )
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise PydanticCustomError(
                "decimal_parsing", "'{value}' is not a decimal number", {"value": value}
            ) from None
    return value


def _whole_seconds(value: Decimal) -> Decimal:
    try:
        hours_to_seconds(value)
    except ValueError as error:
        raise PydanticCustomError("whole_seconds", "{error}", {"error": str(error)}) from None
    return value


def _at_most_places(places: int) -> AfterValidator:
    """Refuse more decimal places than the store keeps; ``35.000`` is 35.00 and passes."""

    def check(value: Decimal) -> Decimal:
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -places:
            raise PydanticCustomError(
                "decimal_places",
                "{value} has more than {places} decimal places",
                {"value": str(value), "places": places},
            )
        return value

    return AfterValidator(check)


Money = Annotated[Decimal, BeforeValidator(_exact_decimal), Field(ge=0), _at_most_places(2)]
"""A rate: exact, finite, not negative, in whole cents."""

Hours = Annotated[
    Decimal,
    BeforeValidator(_exact_decimal),
    AfterValidator(_whole_seconds),
    Field(ge=0),
]
"""Hours that are a whole number of seconds: a multiple of 1/400 h (9 s), so at most 4
decimal places, which the store keeps exactly (rounding increments are such hours)."""


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        raise PydanticCustomError(
            "unknown_timezone", "unknown timezone '{name}'", {"name": name}
        ) from None
    return name


TimezoneName = Annotated[str, AfterValidator(_known_timezone)]

_CURRENCY = re.compile(r"[A-Z]{3}")


def _currency_code(code: str) -> str:
    if not _CURRENCY.fullmatch(code):
        raise PydanticCustomError(
            "currency", "'{code}' is not a three-letter ISO 4217 code such as USD", {"code": code}
        )
    return code


Currency = Annotated[str, AfterValidator(_currency_code)]

_PLAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def _plan_id(value: str) -> str:
    if not _PLAN_ID.fullmatch(value):
        raise PydanticCustomError(
            "plan_id",
            "'{value}' must be 1 to 64 letters, digits, '-' or '_' (it is part of statement "
            "numbers), starting with a letter or digit",
            {"value": value},
        )
    return value


_PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9_]+")


def _project_key(value: str) -> str:
    if not _PROJECT_KEY.fullmatch(value):
        raise PydanticCustomError(
            "project_key",
            "'{value}' is not a Jira project key (capital letters, digits and underscores, "
            "starting with a letter, such as ACME)",
            {"value": value},
        )
    return value


def _label(value: str) -> str:
    if not value or any(c.isspace() for c in value):
        raise PydanticCustomError(
            "jira_label", "'{value}' is not a Jira label (one word, no spaces)", {"value": value}
        )
    return value


def nonblank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _one_or_many(value: object) -> object:
    """``labels: urgent`` means ``labels: [urgent]``."""
    return [value] if isinstance(value, str) else value


def _pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise PydanticCustomError(
            "regex", "invalid regular expression: {error}", {"error": str(error)}
        ) from None
    return value


Text = Annotated[str, AfterValidator(nonblank)]
PlanId = Annotated[str, AfterValidator(_plan_id)]
ProjectKey = Annotated[str, AfterValidator(_project_key)]
Label = Annotated[str, AfterValidator(_label)]
Names = Annotated[list[Text], BeforeValidator(_one_or_many)]
RegularExpression = Annotated[str, AfterValidator(_pattern)]
WorkTypeName = Literal["oms", "priority"]

FieldValueName = Literal[
    "work_type", "reason", "plan_id", "hours_included", "hours_used", "hours_remaining"
]
"""What a write-back custom field can hold (the services' ``FieldValue`` values)."""

QuickBooksDateFormat = Literal["MM/DD/YYYY", "DD/MM/YYYY", "YYYY-MM-DD"]


def _sorted_unique(values: tuple[int, ...]) -> tuple[int, ...]:
    for i, value in enumerate(values):
        if value in values[:i]:
            raise PydanticCustomError(
                "duplicate_threshold", "{value} is listed twice", {"value": value}
            )
    return tuple(sorted(values))


def _code_text(value: object) -> object:
    """An account code written as a bare number (``200``) is kept as its text."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


_BEANCOUNT_ACCOUNT = re.compile(r"[A-Z][A-Za-z0-9-]*(:[A-Z0-9][A-Za-z0-9-]*)+")


def _beancount_account(root: str) -> AfterValidator:
    def check(account: str) -> str:
        if not _BEANCOUNT_ACCOUNT.fullmatch(account) or account.split(":", 1)[0] != root:
            raise PydanticCustomError(
                "beancount_account",
                "'{account}' is not a Beancount account under {root} (such as {root}:Example, "
                "components starting with a capital letter or a digit)",
                {"account": account, "root": root},
            )
        return account

    return AfterValidator(check)


Threshold = Annotated[int, Field(strict=True, ge=1, le=1000)]
Thresholds = Annotated[tuple[Threshold, ...], AfterValidator(_sorted_unique)]
"""Percentages of a month's hours, 1 to 1000, each once; kept in increasing order."""
AccountCode = Annotated[str, BeforeValidator(_code_text), AfterValidator(nonblank)]
IncomeAccount = Annotated[str, _beancount_account("Income")]
ReceivableAccount = Annotated[str, _beancount_account("Assets")]

"""A plan's billing terms: what its statements were computed with.

Statements are immutable, and each new statement recomputes what every earlier
period should have billed. Doing that with terms other than those the earlier
periods were billed with would re-price closed periods, so each statement records
the terms it was computed with, and new terms are compared with them. The customer's
name and the prepaid bank's purchases are not terms: a name may be corrected, and
purchases are added over time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from oms_connector.domain.plans import Plan


class RecordedTermsError(ValueError):
    """Recorded terms that cannot be read back."""


@dataclass(frozen=True)
class PlanTerms:
    """The terms of a plan that change what its statements bill.

    Field names are the configuration keys an operator would edit.
    """

    hours_per_month: Decimal
    term_months: int
    enrolled_on: date
    timezone: str
    auto_renew: bool
    oms_rate: Decimal
    priority_rate: Decimal
    currency: str
    rounding_increment_hours: Decimal
    overage_uses_priority_bank: bool

    @classmethod
    def of(cls, plan: Plan) -> PlanTerms:
        return cls(
            hours_per_month=plan.hours_per_month,
            term_months=plan.term_months,
            enrolled_on=plan.enrolled_on,
            timezone=plan.timezone.key,
            auto_renew=plan.auto_renew,
            oms_rate=plan.oms_rate,
            priority_rate=plan.priority_rate,
            currency=plan.currency,
            rounding_increment_hours=plan.rounding_increment,
            overage_uses_priority_bank=plan.overage_uses_priority_bank,
        )

    def to_json(self) -> str:
        """Canonical JSON text: keys sorted, numbers and dates as strings."""
        values = {item.name: _text(getattr(self, item.name)) for item in fields(self)}
        return json.dumps(values, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> PlanTerms:
        """The terms ``to_json`` wrote; ``RecordedTermsError`` naming what is wrong otherwise."""
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            raise RecordedTermsError(f"recorded plan terms are not JSON: {error}") from None
        if not isinstance(values, dict):
            raise RecordedTermsError(f"recorded plan terms are not a JSON object: {text!r}")
        parsed: dict[str, Any] = {}
        for item in fields(cls):
            if item.name not in values:
                raise RecordedTermsError(f"recorded plan terms lack {item.name}: {text!r}")
            parsed[item.name] = _parse(item.name, values[item.name])
        return cls(**parsed)


@dataclass(frozen=True)
class TermChange:
    key: str
    old: str
    new: str


def differences(old: PlanTerms, new: PlanTerms) -> list[TermChange]:
    """The terms that differ, in field order; numbers compare by value (10 equals 10.00)."""
    return [
        TermChange(item.name, _text(before), _text(after))
        for item in fields(PlanTerms)
        if (before := getattr(old, item.name)) != (after := getattr(new, item.name))
    ]


def changed_terms_message(plan_id: str, since: str, changes: list[TermChange]) -> str:
    """One line naming the plan, the statement whose terms differ, and each change."""
    listed = ", ".join(f"{c.key} changed from {c.old} to {c.new}" for c in changes)
    return (
        f"plan {plan_id}: {listed} since {since}; billed periods keep their terms: "
        'restore them (see "Changing a plan" in docs/billing.md)'
    )


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _decimal(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a finite decimal number")
    return number


def _boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"{text!r} is not true or false")
    return text == "true"


_PARSERS: dict[str, Callable[[str], object]] = {
    "hours_per_month": _decimal,
    "term_months": int,
    "enrolled_on": date.fromisoformat,
    "timezone": str,
    "auto_renew": _boolean,
    "oms_rate": _decimal,
    "priority_rate": _decimal,
    "currency": str,
    "rounding_increment_hours": _decimal,
    "overage_uses_priority_bank": _boolean,
}


def _parse(key: str, value: object) -> object:
    if not isinstance(value, str):
        raise RecordedTermsError(f"recorded plan terms: {key} is {value!r}, not a string")
    try:
        return _PARSERS[key](value)
    except ValueError as error:
        raise RecordedTermsError(f"recorded plan terms: {key}: {error}") from None

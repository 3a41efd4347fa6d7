"""What was billed keeps its terms: the terms each statement was computed with.

Statements are immutable, and each new statement recomputes what every earlier
period should have billed. Statement *k* bills the subscription of period *k* and
the arrears of period *k - 1*, so once it is settled (written, or skipped with
nothing to bill) the terms covering periods up to *k* are fixed. Each written
statement records them (``BilledTerms``); a configuration that would cover one of
those periods differently is refused (``first_change``), and new terms for later
periods are accepted. The customer's name and the prepaid bank's purchases are not
terms: a name may be corrected, and purchases are added over time (a purchase
recorded late is billed by an adjustment).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oms_connector.domain.money import CENT
from oms_connector.domain.plans import Plan, single_term


class RecordedTermsError(ValueError):
    """Recorded terms that cannot be read back."""


@dataclass(frozen=True)
class PeriodTerms:
    """How one period is billed: its term's hours and rates, or none.

    Numbers compare by value (10 equals 10.00), as ``Decimal`` does.
    """

    hours: Decimal | None
    """The period's OMS hours; ``None`` when no term covers it."""
    oms_rate: Decimal | None
    priority_rate: Decimal

    @property
    def covered(self) -> bool:
        return self.hours is not None

    def describe(self) -> str:
        priority = f"priority {_money(self.priority_rate)}"
        if self.hours is None or self.oms_rate is None:
            return f"no term ({priority})"
        return f"{_number(self.hours)} h at {_money(self.oms_rate)} ({priority})"


def period_terms(plan: Plan, index: int) -> PeriodTerms:
    calendar = plan.calendar
    covering = calendar.coverage(index)
    if covering is None:
        return PeriodTerms(None, None, calendar.priority_rate(index))
    return PeriodTerms(covering.hours_per_month, covering.oms_rate, covering.priority_rate)


PLAN_WIDE = (
    "enrolled_on",
    "timezone",
    "currency",
    "rounding_increment_hours",
    "overage_uses_priority_bank",
    "billing_starts_on",
)
"""The settings that re-price every billed period when they change."""


@dataclass(frozen=True)
class BilledTerms:
    """The terms of periods ``first .. first + len(periods) - 1`` when a statement was written."""

    enrolled_on: date
    timezone: str
    currency: str
    rounding_increment_hours: Decimal
    overage_uses_priority_bank: bool
    billing_starts_on: date
    first: int
    periods: tuple[PeriodTerms, ...]
    sales_from: int | None = None
    """The first statement that sells prepaid purchases. ``None`` for terms recorded
    before the connector sold them: every purchase up to the statements written then was
    invoiced by other means."""

    @classmethod
    def of(cls, plan: Plan, through: int, sales_from: int = 0) -> BilledTerms:
        """The terms statement ``through`` fixes: those of every period it and earlier bill."""
        first = plan.calendar.first_billed_period()
        return cls(
            enrolled_on=plan.enrolled_on,
            timezone=plan.timezone.key,
            currency=plan.currency,
            rounding_increment_hours=plan.rounding_increment,
            overage_uses_priority_bank=plan.overage_uses_priority_bank,
            billing_starts_on=plan.calendar.billing_date(plan.calendar.first_statement),
            first=first,
            periods=tuple(period_terms(plan, k) for k in range(first, through + 1)),
            sales_from=sales_from,
        )

    @property
    def through(self) -> int:
        return self.first + len(self.periods) - 1

    def plan_wide(self) -> dict[str, str]:
        return {name: _text(getattr(self, name)) for name in PLAN_WIDE}

    def to_json(self) -> str:
        """Canonical JSON text: keys sorted, numbers and dates as strings, runs of periods."""
        values: dict[str, Any] = {"version": 2, **self.plan_wide(), "periods": self._runs()}
        if self.sales_from is not None:
            values["sales_from"] = self.sales_from
        return json.dumps(values, sort_keys=True, separators=(",", ":"))

    def _runs(self) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = []
        for offset, terms in enumerate(self.periods):
            index = self.first + offset
            if runs and runs[-1]["terms"] == terms:
                runs[-1]["through"] = index
                continue
            runs.append({"from": index, "through": index, "terms": terms})
        return [{**_period_json(run.pop("terms")), **run} for run in runs]

    @classmethod
    def from_json(cls, text: str, through: int) -> BilledTerms:
        """The terms ``to_json`` wrote for statement ``through``.

        Statements written before terms were recorded per period hold one flat set of
        terms: the one-term shorthand, read as such. ``RecordedTermsError`` names what
        is wrong with anything else.
        """
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            raise RecordedTermsError(f"recorded plan terms are not JSON: {error}") from None
        if not isinstance(values, dict):
            raise RecordedTermsError(f"recorded plan terms are not a JSON object: {text!r}")
        try:
            if values.get("version") == 2:
                return _from_runs(values)
            return _from_flat(values, through)
        except (KeyError, TypeError, ValueError, ZoneInfoNotFoundError) as error:
            raise RecordedTermsError(
                f"recorded plan terms cannot be read ({type(error).__name__}: {error}): {text!r}"
            ) from None


def _plan_wide(plan: Plan) -> dict[str, str]:
    """The plan-wide settings of ``BilledTerms``, without any period."""
    return BilledTerms.of(plan, through=plan.calendar.first_billed_period() - 1).plan_wide()


@dataclass(frozen=True)
class PlanWideChange:
    key: str
    old: str
    new: str


@dataclass(frozen=True)
class PeriodChange:
    index: int
    old: PeriodTerms
    new: PeriodTerms


Change = PlanWideChange | PeriodChange


def first_change(plan: Plan, recorded: BilledTerms | None, settled_through: int) -> Change | None:
    """The first difference between the plan and what its settled statements fixed.

    ``recorded`` holds the terms of the latest written statement; statements after it
    up to ``settled_through`` were skipped, which only a period that no term covers
    (and that follows one no term covers) can be: such a period must stay uncovered.
    """
    if recorded is not None:
        new_wide = _plan_wide(plan)
        for key, old in recorded.plan_wide().items():
            if new_wide[key] != old:
                return PlanWideChange(key, old, new_wide[key])
        for offset, old_terms in enumerate(recorded.periods):
            index = recorded.first + offset
            new_terms = period_terms(plan, index)
            if new_terms != old_terms:
                return PeriodChange(index, old_terms, new_terms)
    start = plan.calendar.first_billed_period() if recorded is None else recorded.through + 1
    for index in range(start, settled_through + 1):
        new_terms = period_terms(plan, index)
        if new_terms.covered:
            return PeriodChange(index, PeriodTerms(None, None, new_terms.priority_rate), new_terms)
    return None


def refusal_message(plan: Plan, change: Change, settled_through: int) -> str:
    """One line: the plan, the first period affected and its statement, what to do instead."""
    calendar = plan.calendar
    earliest = calendar.billing_date(settled_through + 1).isoformat()
    remedy = (
        f"billed periods keep their terms: restore them, and start a new term on {earliest} "
        'or later (see "Changing a plan" in docs/billing.md)'
    )
    if isinstance(change, PlanWideChange):
        first = calendar.first_statement
        return (
            f"plan {plan.id}: {change.key} changed from {change.old} to {change.new}, but "
            f"{calendar.statement_number(first)} and later statements are settled with it; "
            'billed periods keep their terms: restore it (see "Changing a plan" in '
            "docs/billing.md)"
        )
    index = change.index
    current = calendar.period(index)
    statement = calendar.statement_number(max(index, calendar.first_statement))
    return (
        f"plan {plan.id}: period {index} ({current.start_date.isoformat()} to "
        f"{current.end_date.isoformat()}) would change from {change.old.describe()} to "
        f"{change.new.describe()}, but {statement} settled it; {remedy}"
    )


def _period_json(terms: PeriodTerms) -> dict[str, str]:
    values = {"priority_rate": str(terms.priority_rate)}
    if terms.hours is not None and terms.oms_rate is not None:
        values |= {"hours": str(terms.hours), "oms_rate": str(terms.oms_rate)}
    return values


def _from_runs(values: dict[str, Any]) -> BilledTerms:
    periods: list[PeriodTerms] = []
    runs = values["periods"]
    if not isinstance(runs, list) or not runs:
        raise ValueError("periods must be a non-empty list")
    first = int(runs[0]["from"])
    for run in runs:
        start, through = int(run["from"]), int(run["through"])
        if start != first + len(periods) or through < start:
            raise ValueError(f"periods {start} to {through} do not follow on")
        hours = run.get("hours")
        terms = PeriodTerms(
            hours=None if hours is None else _decimal(hours),
            oms_rate=None if hours is None else _decimal(run["oms_rate"]),
            priority_rate=_decimal(run["priority_rate"]),
        )
        periods.extend([terms] * (through - start + 1))
    return BilledTerms(
        enrolled_on=date.fromisoformat(values["enrolled_on"]),
        timezone=str(ZoneInfo(values["timezone"])),
        currency=str(values["currency"]),
        rounding_increment_hours=_decimal(values["rounding_increment_hours"]),
        overage_uses_priority_bank=_boolean(values["overage_uses_priority_bank"]),
        billing_starts_on=date.fromisoformat(values["billing_starts_on"]),
        first=first,
        periods=tuple(periods),
        sales_from=None if values.get("sales_from") is None else int(values["sales_from"]),
    )


_FLAT_KEYS = (
    "hours_per_month",
    "term_months",
    "enrolled_on",
    "timezone",
    "auto_renew",
    "oms_rate",
    "priority_rate",
    "currency",
    "rounding_increment_hours",
    "overage_uses_priority_bank",
)


def _from_flat(values: dict[str, Any], through: int) -> BilledTerms:
    missing = [key for key in _FLAT_KEYS if key not in values]
    if missing:
        raise ValueError(f"lacks {', '.join(missing)}")
    plan = single_term(
        id="recorded",
        customer="",
        hours_per_month=_decimal(values["hours_per_month"]),
        term_months=int(values["term_months"]),
        enrolled_on=date.fromisoformat(values["enrolled_on"]),
        timezone=ZoneInfo(values["timezone"]),
        auto_renew=_boolean(values["auto_renew"]),
        oms_rate=_decimal(values["oms_rate"]),
        priority_rate=_decimal(values["priority_rate"]),
        currency=str(values["currency"]),
        rounding_increment=_decimal(values["rounding_increment_hours"]),
        overage_uses_priority_bank=_boolean(values["overage_uses_priority_bank"]),
    )
    return replace(BilledTerms.of(plan, through), sales_from=None)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _number(value)
    return str(value)


def _number(value: Decimal) -> str:
    """A number without trailing zeros (10.00 is 10), so equal values read alike."""
    return format(value.normalize(), "f")


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _decimal(text: object) -> Decimal:
    if not isinstance(text, str):
        raise TypeError(f"{text!r} is not a string")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a finite decimal number")
    return number


def _boolean(text: object) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"{text!r} is not true or false")
    return text == "true"

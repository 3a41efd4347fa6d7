"""A plan's agreement as configured: its terms and dates, checked, and the domain plan.

Each problem is one line naming the key and the fix. Dates are checked against the
plan's own calendar (``domain.calendar``): a term, the end of the agreement and the
first statement written all fall on billing dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from oms_connector.config.sections import DefaultsSettings, PlanSettings
from oms_connector.domain.calendar import PlanCalendar
from oms_connector.domain.plans import BankPurchase, Plan, Term

_T = TypeVar("_T")


def domain_plan(plan: PlanSettings, defaults: DefaultsSettings) -> Plan:
    """The plan the billing rules see; ``plan`` has passed ``agreement_problems``."""
    return Plan(
        id=plan.id,
        customer=plan.customer,
        enrolled_on=plan.enrolled_on,
        timezone=ZoneInfo(plan.timezone or defaults.timezone),
        terms=_terms(plan),
        auto_renew=plan.auto_renew,
        ends_on=plan.ends_on,
        billing_starts_on=plan.billing_starts_on,
        oms_rate=_either(plan.oms_rate, defaults.oms_rate),
        priority_rate=_either(plan.priority_rate, defaults.priority_rate),
        currency=plan.currency or defaults.currency,
        rounding_increment=_either(
            plan.rounding_increment_hours, defaults.rounding_increment_hours
        ),
        priority_bank=tuple(
            BankPurchase(
                purchased_on=p.purchased_on, hours=p.hours, price=p.price, invoice=p.invoice
            )
            for p in plan.priority_bank
        ),
        overage_uses_priority_bank=_either(
            plan.overage_uses_priority_bank, defaults.overage_uses_priority_bank
        ),
        jira_projects=tuple(plan.jira_projects),
    )


def _terms(plan: PlanSettings) -> tuple[Term, ...]:
    if plan.terms is not None:
        return tuple(
            Term(
                starts_on=term.starts_on,
                hours_per_month=term.hours_per_month,
                term_months=term.term_months,
                oms_rate=term.oms_rate,
                priority_rate=term.priority_rate,
            )
            for term in plan.terms
        )
    assert plan.hours_per_month is not None
    assert plan.term_months is not None
    return (Term(plan.enrolled_on, plan.hours_per_month, plan.term_months),)


def _either(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def agreement_problems(plan: PlanSettings, where: str, defaults: DefaultsSettings) -> Iterator[str]:
    """One line per problem of the plan's terms and dates."""
    shape = list(_shape_problems(plan, where))
    if shape:
        yield from shape
        return
    calendar = PlanCalendar(domain_plan(plan, defaults))
    if plan.terms is None:
        yield from _minimum_problems(
            where, plan.hours_per_month or Decimal(0), plan.term_months or 0, defaults
        )
    else:
        yield from _term_problems(plan, where, calendar, defaults)
    yield from _end_problems(plan, where, calendar)
    if plan.billing_starts_on is not None:
        yield from _billing_date_problems(
            f"{where}.billing_starts_on", plan.billing_starts_on, plan, calendar
        )


def _shape_problems(plan: PlanSettings, where: str) -> Iterator[str]:
    flat = {"hours_per_month": plan.hours_per_month, "term_months": plan.term_months}
    given = [key for key, value in flat.items() if value is not None]
    if plan.terms is not None:
        for key in given:
            yield (
                f"{where}.{key}: plan {plan.id!r} gives terms, so its hours and months go in "
                f"each term: move {key} into the terms, or drop terms for the one-term shorthand"
            )
        return
    missing = [key for key in flat if key not in given]
    if len(missing) == len(flat):
        yield (
            f"{where}: plan {plan.id!r} has no terms: give terms (an empty list for priority "
            "support only), or hours_per_month and term_months for one term from enrolled_on"
        )
    elif missing:
        yield (
            f"{where}.{missing[0]}: missing beside {given[0]} (the one-term shorthand needs "
            "both hours_per_month and term_months)"
        )


def _minimum_problems(
    where: str, hours: Decimal, months: int, defaults: DefaultsSettings
) -> Iterator[str]:
    if hours < defaults.min_hours_per_month:
        yield (
            f"{where}.hours_per_month: {hours} is below the minimum of "
            f"{defaults.min_hours_per_month} hours a month"
        )
    if months < defaults.min_term_months:
        yield (
            f"{where}.term_months: {months} is below the minimum term of "
            f"{defaults.min_term_months} months"
        )


def _term_problems(
    plan: PlanSettings, where: str, calendar: PlanCalendar, defaults: DefaultsSettings
) -> Iterator[str]:
    assert plan.terms is not None
    previous: date | None = None
    for j, term in enumerate(plan.terms):
        at = f"{where}.terms[{j}]"
        yield from _minimum_problems(at, term.hours_per_month, term.term_months, defaults)
        yield from _billing_date_problems(f"{at}.starts_on", term.starts_on, plan, calendar)
        if previous is not None and term.starts_on <= previous:
            yield (
                f"{at}.starts_on: {term.starts_on.isoformat()} is not after "
                f"terms[{j - 1}].starts_on ({previous.isoformat()}): list the terms in order "
                "of starts_on, each on a date of its own"
            )
        previous = term.starts_on
    if plan.auto_renew and not plan.terms:
        yield (
            f"{where}.auto_renew: plan {plan.id!r} has no terms to renew (priority support "
            "only): remove auto_renew or add a term"
        )


def _end_problems(plan: PlanSettings, where: str, calendar: PlanCalendar) -> Iterator[str]:
    if plan.ends_on is None:
        return
    key = f"{where}.ends_on"
    yield from _billing_date_problems(key, plan.ends_on, plan, calendar)
    if plan.ends_on == plan.enrolled_on:
        yield (
            f"{key}: {plan.ends_on.isoformat()} is the enrolment date: the agreement would "
            "end before it starts"
        )
    last = plan.terms[-1].starts_on if plan.terms else None
    if last is None or plan.ends_on > last:
        return
    if plan.auto_renew and plan.ends_on < last:
        yield (
            f"{key}: {plan.ends_on.isoformat()} is before the last term's start "
            f"({last.isoformat()}), which auto_renew renews until ends_on: move ends_on after "
            "it, or remove that term"
        )
    else:
        yield (
            f"{key}: {plan.ends_on.isoformat()} is not after the last term's start "
            f"({last.isoformat()}), which would then cover nothing: move ends_on after it, "
            "or remove that term"
        )


def _billing_date_problems(
    key: str, day: date, plan: PlanSettings, calendar: PlanCalendar
) -> Iterator[str]:
    if day < plan.enrolled_on:
        yield (
            f"{key}: {day.isoformat()} is before the enrolment on "
            f"{plan.enrolled_on.isoformat()}: the first billing date is "
            f"{plan.enrolled_on.isoformat()}"
        )
    elif not calendar.is_anniversary(day):
        before, after = calendar.nearest_anniversaries(day)
        yield (
            f"{key}: {day.isoformat()} is not a billing date of plan {plan.id!r} (enrolled on "
            f"{plan.enrolled_on.isoformat()}): the nearest are {before.isoformat()} and "
            f"{after.isoformat()}"
        )

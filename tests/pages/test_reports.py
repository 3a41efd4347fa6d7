"""The reports service: statements selected for export, views of one statement and of plans."""

from __future__ import annotations

from datetime import date

import pytest

from oms_connector.services.reports import StatementReports, UnknownStatementError
from tests.domain.builders import ny
from webhook_app.pages import render_statement

from .conftest import JIRA_URL, acme_plan, worked_store
from .fakes import FixedClock, ReadOnlyStore


@pytest.mark.parametrize(
    ("plan_id", "since", "until", "numbers"),
    [
        (
            None,
            date(2026, 3, 31),
            None,
            ["acme-20260331", "acme-bank-20260331", "acme-20260430", "acme-bank-20260430"],
        ),
        ("acme", date(2026, 2, 28), None, ["acme-20260228", "acme-20260331", "acme-20260430"]),
        ("acme-bank", None, date(2026, 2, 28), ["acme-bank-20260131", "acme-bank-20260228"]),
        ("acme", date(2026, 3, 1), date(2026, 3, 30), []),
    ],
)
def test_statements_are_selected_by_plan_and_billing_date_in_billing_order(
    reports: StatementReports,
    plan_id: str | None,
    since: date | None,
    until: date | None,
    numbers: list[str],
) -> None:
    assert [s.number for s in reports.statements(plan_id, since, until)] == numbers


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("acme-20260101", "no statement acme-20260101"),
        ("acme", "'acme' is not a statement number"),
        ("<script>-20260131", "is not a statement number"),
    ],
)
def test_unknown_statement_is_reported(
    reports: StatementReports, number: str, message: str
) -> None:
    with pytest.raises(UnknownStatementError, match=message):
        reports.statement(number)


def test_statement_of_a_plan_no_longer_configured_shows_its_lines_alone() -> None:
    store = worked_store(acme_plan())
    reports = StatementReports(store, [], FixedClock(ny(2026, 5, 1)))
    view = reports.statement("acme-20260331")
    assert (view.plan, view.usage, view.history) == (None, None, ())
    html = render_statement(view, JIRA_URL)
    assert 'id="used"' not in html
    assert '<td class="num" id="total">573.76 USD</td>' in html


def test_plan_before_its_enrolment_has_no_current_period() -> None:
    reports = StatementReports(ReadOnlyStore(), [acme_plan()], FixedClock(ny(2026, 1, 20)))
    [view] = reports.plans()
    assert (view.today, view.current, view.in_term, view.statements) == (
        date(2026, 1, 20),
        None,
        False,
        (),
    )


def test_plan_after_its_term_has_no_hours_left() -> None:
    reports = StatementReports(worked_store(acme_plan()), [acme_plan()], FixedClock(ny(2026, 5, 2)))
    [view] = reports.plans()
    assert view.current is not None
    assert (view.current.index, view.in_term, view.current.allotment, view.current.hours_left) == (
        3,
        False,
        0,
        0,
    )

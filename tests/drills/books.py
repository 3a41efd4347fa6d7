"""The check every drill ends with: the books equal those computed from the ground truth.

The ground truth is the sandbox's final state: its issues and their worklogs. From
it, this module computes what must be billed, with the domain alone (``classify``,
``usage_by_period``, ``build_statement``), never through the store or the services.
The connector's store must then hold exactly the same live work, to the worklog and
the second (no hour lost, none counted twice), and exactly the same statements, line
for line and cent for cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date

from oms_connector.config import Settings
from oms_connector.domain.classification import IssueSnapshot, classify
from oms_connector.domain.lines import Line
from oms_connector.domain.plans import Plan
from oms_connector.domain.statements import Statement, build_statement
from oms_connector.domain.usage import LoggedWork, usage_by_period
from oms_connector.sandbox.state import Issue, SandboxState
from tests.drills.connector import store_on


@dataclass(frozen=True)
class Books:
    work: dict[str, list[LoggedWork]]
    """Per plan, its live worklogs with their issues' work types, by worklog id."""
    statements: dict[str, list[Statement]]
    """Per plan, its statements in order."""


def snapshot(issue: Issue) -> IssueSnapshot:
    """What classification reads of a sandbox issue (the drills' rules read type and labels)."""
    return IssueSnapshot(
        id=issue.id,
        key=issue.key,
        project_key=issue.project.key,
        summary=issue.summary,
        issue_type=issue.issue_type.name,
        priority=issue.priority.name if issue.priority else "",
        labels=frozenset(issue.labels),
        components=frozenset(c.name for c in issue.components),
    )


def ground_truth(
    settings: Settings, state: SandboxState, issue_keys: Sequence[str], as_of: date
) -> Books:
    classifier = settings.classifier()
    work: dict[str, list[LoggedWork]] = {}
    statements: dict[str, list[Statement]] = {}
    for plan in settings.domain_plans():
        logged = []
        for key in issue_keys:
            issue = state.issue(key)
            if issue.project.key not in plan.jira_projects:
                continue
            work_type = classify(snapshot(issue), classifier).work_type
            logged += [
                LoggedWork(str(w.id), issue.key, work_type, w.started, w.seconds)
                for w in state.issue_worklogs(key)
            ]
        work[plan.id] = sorted(logged)
        statements[plan.id] = _statements(plan, logged, settings.defaults.close_grace_days, as_of)
    return Books(work, statements)


def _statements(
    plan: Plan, logged: Sequence[LoggedWork], grace_days: int, as_of: date
) -> list[Statement]:
    """Every statement due at ``as_of``, each built from the ones before it."""
    usage = usage_by_period(plan, logged)
    now = plan.calendar.local_midnight(as_of)
    written: list[Statement] = []
    billed: list[Line] = []
    index = 0
    while index == 0 or plan.calendar.close_instant(index - 1, grace_days) <= now:
        statement = build_statement(plan, index, usage, billed)
        if statement is not None:
            written.append(statement)
            billed += statement.lines
        index += 1
    return written


def stored_books(settings: Settings, database_url: str) -> Books:
    with store_on(database_url) as store, store.unit_of_work() as uow:
        plans = settings.domain_plans()
        work = {p.id: sorted(uow.worklogs.logged_work(list(p.jira_projects))) for p in plans}
        statements = {p.id: uow.statements.list(p.id) for p in plans}
    return Books(work, statements)


def assert_books_match(
    settings: Settings,
    state: SandboxState,
    issue_keys: Sequence[str],
    database_url: str,
    as_of: date,
) -> Books:
    """The store's work and statements are the ground truth's, exactly; returns the truth."""
    truth = ground_truth(settings, state, issue_keys, as_of)
    stored = stored_books(settings, database_url)
    for plan_id, expected in truth.work.items():
        found = stored.work[plan_id]
        assert [_work(w) for w in found] == [_work(w) for w in expected], plan_id
    assert truth.statements == {
        plan_id: [_comparable(s) for s in found] for plan_id, found in stored.statements.items()
    }
    # The drill must have billed something: overage, priority work and adjustments-free books.
    assert all(len(found) >= 4 for found in truth.statements.values()), truth.statements
    return truth


def _work(work: LoggedWork) -> tuple[str, str, str, str, int]:
    started = work.started.astimezone(UTC).isoformat()
    return (work.worklog_id, work.issue_key, work.work_type.value, started, work.seconds)


def _comparable(statement: Statement) -> Statement:
    """The stored statement with its lines' issue keys and worklog ids in a stable order."""
    return statement

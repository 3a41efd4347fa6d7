"""Period close: write every statement that is due, once, in one transaction each.

Statement 0 is due on the enrolment date; statement ``k + 1`` once period ``k`` has
closed (its end plus the grace days). Usage is recomputed from the stored worklogs,
and each statement is built from the lines already billed, so changes to a closed
period come out as adjustments on the next statement. The store refuses a second
copy of a statement (unique constraints), so concurrent closers write each once.

A statement that is not always issued (no subscription, no final arrears of a term)
and has nothing on it is not written but settled as skipped (also once), so it is
never built later with its old billing date: a correction that comes afterwards
lands on the next statement due.

Each statement records the terms of the periods it and the earlier ones bill. A plan
whose configuration would cover a settled period differently is refused, with one
line naming the first period affected (``domain.terms``): recomputing billed periods
with other terms would re-price them. Every plan with a settled statement is checked
at every close, whether or not a statement of it is due. The other plans still close.

A close reads in bulk, a batch of plans at a time: the usage and the lines billed of
every plan in the batch, in a few queries. Then it writes the batch's statements, one
transaction each, on one connection. The next batch is read meanwhile, on a thread of
its own, in a read-only unit of work: the reads spend most of their time inside the
database, which lets go of the GIL, so reading and writing share two cores.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

from oms_connector.domain.lines import Line
from oms_connector.domain.plans import Plan
from oms_connector.domain.statements import build_statement
from oms_connector.domain.terms import (
    BilledTerms,
    RecordedTermsError,
    first_change,
    refusal_message,
)
from oms_connector.domain.usage import PeriodUsage
from oms_connector.domain.work_groups import WorkGroup, usage_from_groups
from oms_connector.services.ports import Clock, RecordedTerms, Store, UnitOfWork

PLANS_PER_BATCH = 200
"""Plans read together: two batches' usage and billed lines (the one written, the one
read meanwhile) are what a close holds in memory."""

Batch = Sequence[tuple[Plan, list[int]]]
"""Plans with the indexes of their missing statements."""


@dataclass
class CloseReport:
    written: list[str] = field(default_factory=list)
    """Numbers of the statements this run wrote."""
    already_written: list[str] = field(default_factory=list)
    """Due statements found settled (earlier, or by a concurrent closer)."""
    skipped: list[str] = field(default_factory=list)
    """Numbers of the statements this run settled with nothing on them."""
    refused: list[str] = field(default_factory=list)
    """One line per plan not closed: it would cover a settled period differently."""


@dataclass(frozen=True)
class BatchReads:
    groups: dict[str, list[WorkGroup]]
    """Per plan, the work of the periods its statements bill."""
    billed: dict[str, list[Line]]
    """Per plan, the lines billed when the batch was read."""


@dataclass(frozen=True)
class SettledState:
    """What a plan's settled statements say about its next close."""

    refusal: str | None = None
    """Why it may not close (``domain.terms``); ``None`` when it may."""
    sales_from: int = 0
    """The first statement that sells prepaid purchases (``BilledTerms.sales_from``)."""


def settled_states(
    uow: UnitOfWork, plans: Sequence[Plan], settled: dict[str, set[int]] | None = None
) -> dict[str, SettledState]:
    """The state of each plan with a settled statement, from the terms recorded on them.

    ``settled`` is ``written_by_plan()`` when the caller has read it already.
    """
    if settled is None:
        settled = uow.statements.written_by_plan()
    checked = [plan for plan in plans if settled.get(plan.id)]
    ids = [plan.id for plan in checked]
    recorded = uow.statements.latest_terms(ids)
    skipped = uow.statements.skipped_sales_from(ids)
    return {
        plan.id: _state(plan, recorded.get(plan.id), skipped.get(plan.id), max(settled[plan.id]))
        for plan in checked
    }


def refusals(
    uow: UnitOfWork, plans: Sequence[Plan], settled: dict[str, set[int]] | None = None
) -> dict[str, str]:
    """Per plan that may not close, the one line saying why."""
    states = settled_states(uow, plans, settled)
    return {plan_id: s.refusal for plan_id, s in states.items() if s.refusal is not None}


class CloseService:
    def __init__(
        self,
        store: Store,
        plans: Sequence[Plan],
        grace_days: int,
        clock: Clock,
        *,
        plans_per_batch: int = PLANS_PER_BATCH,
    ) -> None:
        if grace_days < 0:
            raise ValueError(f"close grace days must be 0 or more, got {grace_days}")
        if plans_per_batch < 1:
            raise ValueError(f"plans per batch must be 1 or more, got {plans_per_batch}")
        self._plans_per_batch = plans_per_batch
        self._store = store
        self._plans = plans
        self._grace_days = grace_days
        self._clock = clock

    def close(self, as_of: date | None = None) -> CloseReport:
        """Close what is due now, or at the start of ``as_of`` in each plan's time zone."""
        report = CloseReport()
        with self._store.unit_of_work() as uow:
            written = uow.statements.written_by_plan()
            states = settled_states(uow, self._plans, written)
            uow.rollback()
            todo: list[tuple[Plan, list[int]]] = []
            for plan in self._plans:
                state = states.get(plan.id, SettledState())
                if state.refusal is not None:
                    report.refused.append(state.refusal)
                    continue
                calendar = plan.calendar
                now = self._clock.now() if as_of is None else calendar.local_midnight(as_of)
                done = written.get(plan.id, set())
                missing = [k for k in calendar.due(now, self._grace_days) if k not in done]
                if missing:
                    todo.append((plan, missing))
            size = self._plans_per_batch
            batches = [todo[start : start + size] for start in range(0, len(todo), size)]
            # Leaving this block, on an error too, waits for a read under way (which then
            # closes its connection). A failed read raises here when its batch is due: no
            # statement of that batch or a later one is written.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="close-read") as reader:
                for batch, reads in self._read_ahead(reader, batches):
                    # Usage is built here, not in the reader: the reads are the longer half.
                    for plan, missing in batch:
                        self._write(
                            uow,
                            plan,
                            missing,
                            usage=usage_from_groups(plan, reads.groups.get(plan.id, [])),
                            billed=reads.billed.get(plan.id, []),
                            sales_from=states.get(plan.id, SettledState()).sales_from,
                            report=report,
                        )
        return report

    def _read_ahead(
        self, reader: Executor, batches: Sequence[Batch]
    ) -> Iterator[tuple[Batch, BatchReads]]:
        """Each batch with its reads; the next batch is read while the caller writes one.

        Batches hold distinct plans, so reading one before the previous one's statements
        are committed reads nothing those statements change.
        """
        submitted = (reader.submit(self._read, batch) for batch in batches)  # one at a time
        upcoming = deque(islice(submitted, 1))
        for batch in batches:
            reads = upcoming.popleft().result()
            # Only once this read succeeded: after a failure nothing more is read.
            upcoming.extend(islice(submitted, 1))
            yield batch, reads

    def _read(self, batch: Batch) -> BatchReads:
        # Read-only: no write lock, so the statements are written meanwhile.
        with self._store.unit_of_work(read_only=True) as uow:
            # Statement 0 bills no usage; statement k bills the periods before k, so the
            # last statement due needs the usage of the periods before it, no more.
            wanted = [(plan, missing[-1]) for plan, missing in batch if missing[-1]]
            plan_ids = [plan.id for plan, _ in batch]
            return BatchReads(
                groups=self._work_groups(uow, wanted),
                billed=uow.statements.billed_lines_by_plan(plan_ids),
            )

    def _work_groups(
        self, uow: UnitOfWork, wanted: Sequence[tuple[Plan, int]]
    ) -> dict[str, list[WorkGroup]]:
        """Work per plan in its periods before ``periods`` (work before enrolment in 0).

        Work from period ``periods`` on is not read: no statement written here bills it.
        Plans whose periods share their boundaries share one read.
        """
        calendars: dict[tuple[datetime, ...], list[Plan]] = defaultdict(list)
        for plan, periods in wanted:
            # The starts of periods 0 .. periods: the last one ends what is read.
            calendars[tuple(plan.calendar.bounds(periods + 1))].append(plan)
        groups: dict[str, list[WorkGroup]] = defaultdict(list)
        for bounds, plans in calendars.items():
            owner = {key: plan.id for plan in plans for key in plan.jira_projects}
            for group in uow.worklogs.work_groups(list(owner), bounds[:-1], until=bounds[-1]):
                groups[owner[group.project_key]].append(group)
        return groups

    def _write(
        self,
        uow: UnitOfWork,
        plan: Plan,
        missing: Sequence[int],
        *,
        usage: dict[int, PeriodUsage],
        billed: list[Line],
        sales_from: int,
        report: CloseReport,
    ) -> None:
        """Write the plan's missing statements in order, each in a transaction of its own.

        ``billed`` is what the plan had billed when the close read it. Statements are
        append-only, so it stays exact as long as this run is the only writer: the lines
        of each statement written here are added to it. A statement found settled means
        a concurrent closer got there first, perhaps with another configuration or with
        usage read later: this run writes nothing more for the plan, and the next close
        checks the plan again and builds on what was written. A statement with nothing on
        it that is not always issued is settled as skipped instead of written.
        """
        for index in missing:
            statement = build_statement(plan, index, usage, billed, sales_from=sales_from)
            if statement is None:
                if not self._skip(uow, plan, index, sales_from, report):
                    return
                continue
            # Only a statement not always issued can have been skipped, by a concurrent closer.
            if not plan.calendar.always_issued(index) and uow.statements.is_skipped(plan.id, index):
                uow.rollback()
                report.already_written.append(statement.number)
                return
            terms = BilledTerms.of(plan, through=index, sales_from=sales_from)
            if not uow.statements.add(statement, self._clock.now(), terms=terms):
                uow.rollback()
                report.already_written.append(statement.number)
                return
            uow.commit()
            report.written.append(statement.number)
            billed = [*billed, *statement.lines]

    def _skip(
        self, uow: UnitOfWork, plan: Plan, index: int, sales_from: int, report: CloseReport
    ) -> bool:
        """Settle a statement with nothing on it; False if a concurrent closer settled it."""
        number = plan.calendar.statement_number(index)
        when = plan.calendar.billing_date(index)
        if uow.statements.skip(plan.id, index, when, self._clock.now(), sales_from=sales_from):
            uow.commit()
            report.skipped.append(number)
            return True
        uow.rollback()
        report.already_written.append(number)
        return False


def _state(
    plan: Plan, recorded: RecordedTerms | None, skipped_from: int | None, settled_through: int
) -> SettledState:
    """Whether the plan may close (it must cover its settled periods as they were billed),
    and from which statement it sells prepaid purchases."""
    try:
        billed = None if recorded is None else BilledTerms.from_json(recorded.terms, recorded.index)
    except RecordedTermsError as error:
        assert recorded is not None
        return SettledState(f"plan {plan.id}: {error} on {recorded.number}; the plan is not closed")
    change = first_change(plan, billed, settled_through)
    refusal = None if change is None else refusal_message(plan, change, settled_through)
    if billed is not None and billed.sales_from is not None:
        return SettledState(refusal, billed.sales_from)
    if skipped_from is not None:
        return SettledState(refusal, skipped_from)
    # Every statement was settled by a version that did not sell prepaid hours: the
    # purchases due by then were invoiced by other means, and never are again.
    return SettledState(refusal, settled_through + 1)

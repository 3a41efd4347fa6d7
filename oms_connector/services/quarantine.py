"""The worklogs held in quarantine, and the agency's acceptance of one of them.

A held worklog is counted again when Jira sends a plausible version of it (``Ingest``),
or when the agency confirms it here: a 30-hour worklog that was real, a migration of
work older than the plan allows.
"""

from __future__ import annotations

from collections.abc import Sequence

from oms_connector.domain.plans import Plan
from oms_connector.domain.plausibility import Plausibility
from oms_connector.services.ports import Clock, HeldWorklog, Store


class QuarantineError(ValueError):
    """A worklog that cannot be accepted; the message says why."""


class QuarantineService:
    def __init__(
        self, store: Store, plans: Sequence[Plan], plausibility: Plausibility, clock: Clock
    ) -> None:
        self._store = store
        self._plan_of_project = {key: plan.id for plan in plans for key in plan.jira_projects}
        self._plausibility = plausibility
        self._clock = clock

    def held(self) -> list[HeldWorklog]:
        with self._store.unit_of_work(read_only=True) as uow:
            return uow.quarantine.held()

    def plan_of(self, held: HeldWorklog) -> str | None:
        """The plan the worklog would count for, when its issue is stored and mapped."""
        return self._plan_of_project.get(held.project_key or "")

    def accept(self, worklog_id: str) -> HeldWorklog:
        """Count the held worklog ``worklog_id`` as Jira sent it."""
        now = self._clock.now()
        with self._store.unit_of_work() as uow:
            held = uow.quarantine.find(worklog_id)
            if held is None:
                raise QuarantineError(f"no worklog {worklog_id!r} is held in quarantine")
            refusal = self._plausibility.acceptable(held.worklog, now)
            if refusal is not None:
                raise QuarantineError(f"worklog {worklog_id} cannot be counted: {refusal}")
            if not uow.quarantine.accept(held, now):  # released by a newer version meanwhile
                raise QuarantineError(f"no worklog {worklog_id!r} is held in quarantine")
            uow.follow_ups.add(held.worklog.issue_id, worklog_id, now)
            uow.commit()
        return held

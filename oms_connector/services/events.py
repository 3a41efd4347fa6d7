"""What each Jira webhook event means to the connector: the facts the inbox applies.

``JiraEvents`` is the inbox processor's event parser. A table maps every event the
connector uses to its handler; the supported events are derived from it. Events Jira
sends that the connector has no use for are listed in ``IGNORED_EVENTS``: the webhook
acknowledges them and stores nothing. Anything else is unknown (also acknowledged, and
counted apart, so that a new Jira event shows up in the metrics).

Handlers read Jira (an issue the store does not know yet, the worklogs of a
``jira:worklog_updated``) before the processor opens its transaction, so no lock is
held while Jira answers.

A worklog is deleted only on positive evidence: a ``worklog_deleted`` webhook (or the
sync's ``worklog/deleted`` feed). ``worklog/list`` leaves out the worklogs the
connector's account may not view as well as deleted ones, so a worklog a
``jira:worklog_updated`` names that it does not return is left as stored (and counted
in a warning).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.jira_port import JiraGateway
from oms_connector.services.ports import (
    Clock,
    EventFacts,
    IssueFact,
    Store,
    UnusableEventError,
)
from oms_connector.services.writeback import only_own_labels_changed

LOG = logging.getLogger(__name__)


# --- what the body parser gives ----------------------------------------------------------


class ChangedIssue(Protocol):
    @property
    def snapshot(self) -> IssueSnapshot: ...

    @property
    def updated(self) -> datetime: ...

    @property
    def sent_at(self) -> datetime | None: ...

    @property
    def actor(self) -> frozenset[str]:
        """Every identity (account id, user name, e-mail) of who made the change, case-folded."""
        ...

    @property
    def touches_classification(self) -> bool: ...

    @property
    def actor_name(self) -> str | None:
        """The display name of who made the change, when the event names one."""
        ...


class IssueWorklogs(Protocol):
    @property
    def issue_id(self) -> str: ...

    @property
    def worklog_ids(self) -> Sequence[str]: ...

    @property
    def actor(self) -> frozenset[str]: ...


class OwnAccount(Protocol):
    """Where the connector's own accountId is asked when it is not configured."""

    def account_id(self) -> str | None:
        """The accountId of the connector's account, ``None`` when Jira gives none."""
        ...


class WebhookBodyParser(Protocol):
    """Reads stored webhook bodies; raises ``ValueError`` for one without what is needed."""

    def issue(self, body: bytes) -> ChangedIssue: ...

    def worklog(self, body: bytes, *, deleted: bool = False) -> Worklog: ...

    def issue_worklogs(self, body: bytes) -> IssueWorklogs: ...


# --- the events ------------------------------------------------------------------------


class Disposition(StrEnum):
    SUPPORTED = "supported"
    IGNORED = "ignored"
    UNKNOWN = "unknown"


IGNORED_EVENTS = frozenset(
    {
        "comment_created",
        "comment_updated",
        "comment_deleted",
        "attachment_created",
        "attachment_deleted",
        "issuelink_created",
        "issuelink_deleted",
        "issue_property_set",
        "issue_property_deleted",
        "issuetype_created",
        "issuetype_updated",
        "issuetype_deleted",
        "project_created",
        "project_updated",
        "project_deleted",
        "project_soft_deleted",
        "project_restored_deleted",
        "project_archived",
        "project_restored_archived",
        "jira:version_created",
        "jira:version_updated",
        "jira:version_deleted",
        "jira:version_released",
        "jira:version_unreleased",
        "jira:version_moved",
        "jira:version_merged",
        "jira:version_archived",
        "jira:version_unarchived",
        "sprint_created",
        "sprint_updated",
        "sprint_deleted",
        "sprint_started",
        "sprint_closed",
        "board_created",
        "board_updated",
        "board_deleted",
        "board_configuration_changed",
        "filter_created",
        "filter_updated",
        "filter_deleted",
        "user_created",
        "user_updated",
        "user_deleted",
        "option_voting_changed",
        "option_watching_changed",
        "option_unassigned_issues_changed",
        "option_subtasks_changed",
        "option_attachments_changed",
        "option_issuelinks_changed",
        "option_timetracking_changed",
    }
)
"""Events Jira can send that carry nothing the connector uses."""


class JiraEvents:
    """Turns a stored webhook body into the facts to ingest (the inbox's ``EventParser``)."""

    def __init__(
        self,
        bodies: WebhookBodyParser,
        store: Store,
        gateway: JiraGateway,
        clock: Clock,
        own_accounts: frozenset[str] = frozenset(),
        *,
        own_labels: frozenset[str] = frozenset(),
        own_account: OwnAccount | None = None,
    ) -> None:
        """``own_accounts`` are the connector's identities (user, e-mail, accountId);
        ``own_account``, when given, is asked once for the accountId, on the first
        issue update not already recognised as the connector's own."""
        self._bodies = bodies
        self._store = store
        self._gateway = gateway
        self._clock = clock
        self._own_accounts = frozenset(a.casefold() for a in own_accounts if a)
        self._own_labels = own_labels
        self._own_account = own_account

    def parse(self, body: bytes) -> EventFacts:
        name = event_name(body)
        handler = EVENT_HANDLERS.get(name)
        if handler is None:
            # Stored by an older version, or by hand: nothing to do with it.
            LOG.info("inbox event %r is not one the connector uses", name)
            return EventFacts()
        try:
            return handler(self, body)
        except ValueError as error:
            raise UnusableEventError(str(error)) from error

    # -- issues

    def issue_created(self, body: bytes) -> EventFacts:
        change = self._bodies.issue(body)
        fact = IssueFact(change.snapshot, change.updated, changed_by=change.actor_name)
        return EventFacts(issues=(fact,))

    def issue_updated(self, body: bytes) -> EventFacts:
        change = self._bodies.issue(body)
        if self._by_the_connector(change.actor):
            return EventFacts()  # the connector's own write-back coming back
        stored = self._stored_snapshot(change.snapshot.id)
        if stored is not None and (
            not change.touches_classification
            or only_own_labels_changed(change.snapshot, stored, self._own_labels)
        ):
            return EventFacts()  # nothing classification reads changed, or only our labels
        fact = IssueFact(change.snapshot, change.updated, changed_by=change.actor_name)
        return EventFacts(issues=(fact,))

    def issue_deleted(self, body: bytes) -> EventFacts:
        change = self._bodies.issue(body)
        deleted_at = max(change.updated, change.sent_at or change.updated)
        return EventFacts(issues=(IssueFact(change.snapshot, deleted_at, deleted=True),))

    # -- worklogs

    def worklog_changed(self, body: bytes) -> EventFacts:
        worklog = self._bodies.worklog(body)
        return EventFacts(issues=self._unknown_issue(worklog.issue_id), worklogs=(worklog,))

    def worklog_deleted(self, body: bytes) -> EventFacts:
        # The body carries the whole worklog; its issue does not matter to a tombstone.
        return EventFacts(worklogs=(self._bodies.worklog(body, deleted=True),))

    def issue_worklogs_changed(self, body: bytes) -> EventFacts:
        change = self._bodies.issue_worklogs(body)
        if not change.worklog_ids:
            LOG.info("jira:worklog_updated for issue %s names no worklog", change.issue_id)
            return EventFacts()
        current = self._gateway.worklogs(list(change.worklog_ids))
        found = {worklog.id for worklog in current}
        missing = len({i for i in change.worklog_ids if i not in found})
        if missing:
            LOG.warning(
                "jira:worklog_updated for issue %s: worklog/list did not return %d of the "
                "worklogs it names (deleted, or not visible to the connector's account); "
                "they are left as stored",
                change.issue_id,
                missing,
            )
        return EventFacts(issues=self._unknown_issue(change.issue_id), worklogs=tuple(current))

    # -- reads

    def _by_the_connector(self, actor: frozenset[str]) -> bool:
        if actor & self._own_accounts:
            return True
        if self._own_account is None or not actor:
            return False
        # Asked once: a failure propagates (the event is tried again later) and asks again.
        account_id = self._own_account.account_id()
        self._own_account = None
        if account_id:
            self._own_accounts |= {account_id.casefold()}
        return account_id is not None and account_id.casefold() in actor

    def _issue_known(self, issue_id: str) -> bool:
        return self._stored_snapshot(issue_id) is not None

    def _stored_snapshot(self, issue_id: str) -> IssueSnapshot | None:
        with self._store.unit_of_work() as uow:
            stored = uow.issues.get(issue_id)
        return None if stored is None else stored.snapshot

    def _unknown_issue(self, issue_id: str) -> tuple[IssueFact, ...]:
        """The issue from Jira when the store does not know it yet, else nothing."""
        if self._issue_known(issue_id):
            return ()
        return tuple(
            IssueFact(issue.snapshot, issue.updated or self._clock.now())
            for issue in self._gateway.issues([issue_id])
        )


Handler = Callable[[JiraEvents, bytes], EventFacts]

EVENT_HANDLERS: Mapping[str, Handler] = {
    "jira:issue_created": JiraEvents.issue_created,
    "jira:issue_updated": JiraEvents.issue_updated,
    "jira:issue_deleted": JiraEvents.issue_deleted,
    "worklog_created": JiraEvents.worklog_changed,
    "worklog_updated": JiraEvents.worklog_changed,
    "worklog_deleted": JiraEvents.worklog_deleted,
    "jira:worklog_updated": JiraEvents.issue_worklogs_changed,
}

SUPPORTED_EVENTS = frozenset(EVENT_HANDLERS)


def disposition(name: str) -> Disposition:
    """What the webhook does with an event: store it, acknowledge it, or count it as unknown."""
    if name in SUPPORTED_EVENTS:
        return Disposition.SUPPORTED
    if name in IGNORED_EVENTS:
        return Disposition.IGNORED
    return Disposition.UNKNOWN


class BodyProblem(StrEnum):
    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"
    NO_EVENT = "no_event"


_PROBLEM_TEXT = {
    BodyProblem.NOT_JSON: "the body is not JSON (UTF-8)",
    BodyProblem.NOT_OBJECT: "the body is not a JSON object",
    BodyProblem.NO_EVENT: "the body has no webhookEvent string",
}


class EventNameError(UnusableEventError):
    """A body with no event name; ``problem`` says why, for counting."""

    def __init__(self, problem: BodyProblem) -> None:
        self.problem = problem
        super().__init__(_PROBLEM_TEXT[problem])


def event_name(body: bytes) -> str:
    """The ``webhookEvent`` of a JSON body; ``EventNameError`` says what is wrong."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise EventNameError(BodyProblem.NOT_JSON) from None
    if not isinstance(document, dict):
        raise EventNameError(BodyProblem.NOT_OBJECT)
    name = document.get("webhookEvent")
    if not isinstance(name, str) or not name.strip():
        raise EventNameError(BodyProblem.NO_EVENT)
    return name

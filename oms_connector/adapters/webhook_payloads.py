"""Pydantic models for the envelopes of Jira webhook bodies, and the values read from them.

The ``issue`` and ``worklog`` members are parsed by the models of ``jira_payloads``
(v2 plain text and v3 documents alike); this module adds what only a webhook carries:
the event name, the sender's ``timestamp`` (epoch milliseconds), the acting ``user``
and the ``changelog``. Fields the connector does not use are ignored. A body without
what the connector needs raises ``PayloadError`` naming the missing field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from oms_connector.adapters.jira_payloads import (
    IssueFieldIds,
    IssuePayload,
    JiraId,
    PayloadError,
    UserPayload,
    WorklogPayload,
    epoch_ms_to_datetime,
    parse,
)
from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.worklogs import Worklog

CLASSIFIED_JIRA_FIELDS = frozenset(
    {
        "project",
        "key",
        "summary",
        "description",
        "issuetype",
        "priority",
        "labels",
        "components",
        "resolution",
    }
)
"""Changelog ``fieldId``s (or lower-cased ``field`` names on old servers) classification reads."""

_CLASSIFIED_FIELD_NAMES = frozenset({"issue type", "component"})
"""Changelog ``field`` names that differ from the ``fieldId`` (``Component``, ``Issue Type``)."""

WORKLOG_ID_FIELD = "worklogid"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class WebhookUserPayload(UserPayload):
    email_address: str | None = Field(default=None, alias="emailAddress")

    @property
    def identities(self) -> frozenset[str]:
        """Every name the account goes by: accountId, user name, key, e-mail address."""
        names = (self.account_id, self.name, self.key, self.email_address)
        return frozenset(n.casefold() for n in names if n)


class ChangelogItemPayload(_Payload):
    field: str = ""
    field_id: str | None = Field(default=None, alias="fieldId")
    from_value: str | None = Field(default=None, alias="from")
    to_value: str | None = Field(default=None, alias="to")

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n.casefold() for n in (self.field, self.field_id) if n)


class ChangelogPayload(_Payload):
    items: list[ChangelogItemPayload] = Field(default_factory=list)


def _epoch_ms(value: object) -> int | None:
    # Some senders (and proxies that log bodies) write a date string here: not usable.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53:
        return value
    return None


class EnvelopePayload(_Payload):
    webhook_event: str = Field(alias="webhookEvent", min_length=1)
    timestamp: Annotated[int | None, BeforeValidator(_epoch_ms)] = None
    user: WebhookUserPayload | None = None

    @property
    def sent_at(self) -> datetime | None:
        return None if self.timestamp is None else epoch_ms_to_datetime(self.timestamp)

    @property
    def actor(self) -> frozenset[str]:
        return self.user.identities if self.user is not None else frozenset()


class IssueEventPayload(EnvelopePayload):
    """``jira:issue_created``, ``jira:issue_updated``, ``jira:issue_deleted``."""

    issue: IssuePayload
    changelog: ChangelogPayload | None = None


class WorklogEventPayload(EnvelopePayload):
    """``worklog_created``, ``worklog_updated``, ``worklog_deleted``: the worklog, no issue."""

    worklog: WorklogPayload


class IssueReferencePayload(_Payload):
    id: JiraId


class IssueWorklogEventPayload(EnvelopePayload):
    """``jira:worklog_updated``: an issue (fields trimmed) and the worklog ids in its changelog."""

    issue: IssueReferencePayload
    changelog: ChangelogPayload | None = None


@dataclass(frozen=True)
class ChangedIssue:
    snapshot: IssueSnapshot
    updated: datetime
    """The issue's ``updated`` field, else the time the event was sent."""
    sent_at: datetime | None
    actor: frozenset[str]
    touches_classification: bool
    """Whether the change may alter the classification (always for a body without changelog)."""
    actor_name: str | None = None
    """The display name of who made the change, when the event names one."""


@dataclass(frozen=True)
class IssueWorklogs:
    issue_id: str
    worklog_ids: tuple[str, ...]
    actor: frozenset[str]


class WebhookBodies:
    """Reads the webhook bodies the inbox stored into domain values."""

    def __init__(self, field_ids: IssueFieldIds | None = None) -> None:
        self._field_ids = field_ids or IssueFieldIds()
        self._classified = CLASSIFIED_JIRA_FIELDS | _CLASSIFIED_FIELD_NAMES
        self._classified |= {f.casefold() for f in self._field_ids.requested()}

    def issue(self, body: bytes) -> ChangedIssue:
        payload = parse(IssueEventPayload, _document(body), "issue event")
        updated = payload.issue.updated or payload.sent_at
        if updated is None:
            raise PayloadError(
                "malformed Jira issue event: neither issue.fields.updated nor timestamp"
            )
        return ChangedIssue(
            snapshot=payload.issue.to_snapshot(self._field_ids),
            updated=updated,
            sent_at=payload.sent_at,
            actor=payload.actor,
            touches_classification=self._touches(payload.changelog),
            actor_name=payload.user.display_name if payload.user is not None else None,
        )

    def worklog(self, body: bytes, *, deleted: bool = False) -> Worklog:
        payload = parse(WorklogEventPayload, _document(body), "worklog event")
        return payload.worklog.to_worklog(deleted=deleted)

    def issue_worklogs(self, body: bytes) -> IssueWorklogs:
        payload = parse(IssueWorklogEventPayload, _document(body), "issue worklog event")
        items = payload.changelog.items if payload.changelog is not None else []
        return IssueWorklogs(
            issue_id=payload.issue.id,
            worklog_ids=_worklog_ids(items),
            actor=payload.actor,
        )

    def _touches(self, changelog: ChangelogPayload | None) -> bool:
        if changelog is None:
            return True
        return any(item.names & self._classified for item in changelog.items)


def _worklog_ids(items: Iterable[ChangelogItemPayload]) -> tuple[str, ...]:
    ids: dict[str, None] = {}
    for item in items:
        if item.field.casefold() != WORKLOG_ID_FIELD:
            continue
        for value in (item.from_value, item.to_value):
            if value and value.strip():
                ids[value.strip()] = None
    return tuple(ids)


def _document(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise PayloadError(f"the body is not JSON: {error}") from None

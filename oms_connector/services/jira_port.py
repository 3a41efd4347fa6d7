"""What the services need from Jira: the gateway port and the shapes it returns.

The shapes are protocols so that the adapter's own frozen values satisfy them
without either side importing the other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeAlias
from zoneinfo import ZoneInfo

from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.worklogs import Worklog

JsonValue: TypeAlias = (
    str | int | float | bool | Sequence["JsonValue"] | Mapping[str, "JsonValue"] | None
)


class WorklogChange(Protocol):
    """One entry of Jira's changed-worklog lists: an id and when it changed (or was deleted)."""

    @property
    def worklog_id(self) -> str: ...

    @property
    def updated(self) -> datetime: ...


class WorklogChangePage(Protocol):
    """One page of worklog changes, oldest first; ``until`` is the youngest change on it."""

    @property
    def changes(self) -> Sequence[WorklogChange]: ...

    @property
    def until(self) -> datetime | None: ...


class FetchedIssue(Protocol):
    """An issue as Jira returned it: what classification reads, and Jira's ``updated``."""

    @property
    def snapshot(self) -> IssueSnapshot: ...

    @property
    def updated(self) -> datetime: ...


class JiraField(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def custom(self) -> bool: ...


class JiraGateway(Protocol):
    """Reads and writes of Jira; every method retries transient failures itself.

    Errors that remain after the retries propagate: the caller stops and keeps its
    checkpoints.
    """

    def worklog_changes(self, since: datetime) -> Iterator[WorklogChangePage]:
        """Worklogs created or updated after ``since``, page by page.

        Jira leaves out the minute before the request.
        """
        ...

    def worklog_deletions(self, since: datetime) -> Iterator[WorklogChangePage]:
        """Worklogs deleted after ``since``, page by page."""
        ...

    def worklogs(self, ids: Sequence[str]) -> list[Worklog]:
        """The current versions of these worklogs; deleted ones are simply absent."""
        ...

    def issue_worklogs(self, issue_id: str) -> list[Worklog]:
        """Every worklog of one issue as it is now, the last minute's changes included."""
        ...

    def search_issues(self, jql: str) -> Iterator[Sequence[FetchedIssue]]:
        """Issues matching ``jql``, page by page, with only the fields classification reads."""
        ...

    def issues(self, ids: Sequence[str]) -> Sequence[FetchedIssue]:
        """These issues by id or key; ones Jira cannot return are absent."""
        ...

    def user_timezone(self) -> ZoneInfo | None:
        """The time zone Jira uses for the connector's account in JQL dates, if Jira says."""
        ...

    def fields(self) -> Sequence[JiraField]:
        """Every field the connector's account can see."""
        ...

    def set_issue_property(self, issue: str, key: str, value: JsonValue) -> None: ...

    def change_labels(
        self, issue: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None: ...

    def add_comment(self, issue: str, body: str | Mapping[str, JsonValue]) -> None:
        """A plain-text body becomes a document on REST v3; a document is sent as is."""
        ...

    def set_fields(self, issue: str, fields: Mapping[str, JsonValue]) -> None: ...

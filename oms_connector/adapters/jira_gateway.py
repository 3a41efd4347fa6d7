"""The one module that talks to Jira, through the ``jira`` package's client and session.

The package has no wrappers for the incremental worklog endpoints, ``search/jql`` by
token, or bulk fetch, and its wrappers elsewhere fetch ``*all`` fields and return
resource objects; so every call goes through the client's own session and URL
builder, here, in ``_send``. The package's retries are switched off
(``max_retries=0``) so that retrying is decided in one place, with an injectable
clock: 429 and 503 wait as long as ``Retry-After`` says (capped); other 5xx,
timeouts and connection errors back off exponentially with jitter. Jira's errors
become this module's exceptions exactly once.
"""

from __future__ import annotations

import json
import logging
import random as random_module
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, cast
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jira
import requests
from jira.resilientsession import parse_error_msg

from oms_connector.adapters.deadline import deadline, watch_session
from oms_connector.adapters.jira_payloads import (
    CLASSIFICATION_FIELDS,
    BulkFetchPayload,
    ChangedWorklogsPayload,
    FieldPayload,
    IssueFieldIds,
    IssuePayload,
    MyselfPayload,
    PayloadError,
    SearchPagePayload,
    WorklogPagePayload,
    document_text,
    parse,
    parse_field_list,
    parse_worklog_list,
)
from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.worklogs import Worklog

LOG = logging.getLogger(__name__)

WORKLOG_IDS_PER_CALL = 1000
ISSUES_PER_BULK_FETCH = 100
ISSUE_WORKLOGS_PER_PAGE = 5000
ISSUES_PER_SEARCH_PAGE = 100
TIME_TRACKING_FIELD = "timetracking"
BULK_PROPERTY_ISSUES = 1000
"""Issues per bulk property call (Jira documents no bound; this keeps a request small)."""
TASK_POLL_SECONDS = 0.5
TASK_WAIT_SECONDS = 120.0
PER_ISSUE_PAUSE_SECONDS = 0.1
"""Data Center: the pause between the per-issue property writes of one plan."""

Json = Any
"""Decoded JSON as ``json.loads`` returns it; the payload models give it a shape."""


class Deployment(StrEnum):
    CLOUD = "cloud"
    DATA_CENTER = "datacenter"


class JiraError(Exception):
    """Anything that went wrong talking to Jira."""


class JiraAuthError(JiraError):
    """Jira refused the credentials (401) or the permission (403): retrying cannot help."""


class JiraUnavailable(JiraError):  # noqa: N818 (the name says what the caller needs to know)
    """Jira kept failing (429, 5xx, timeouts, connection errors) after every retry."""


class JiraRequestError(JiraError):
    """Jira rejected a request (4xx other than 401/403/429)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class JiraResponseError(JiraError):
    """Jira answered with something that is not what its API describes."""


@dataclass(frozen=True)
class JiraConnection:
    url: str
    user: str
    token: str = field(repr=False)
    deployment: Deployment = Deployment.CLOUD
    timeout_seconds: float = 30.0
    """The longest one request may take, from sending it to the last byte of the answer."""

    @property
    def api_version(self) -> str:
        return "3" if self.deployment is Deployment.CLOUD else "2"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    """Tries per request, the first included."""
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 60.0
    retry_after_cap_seconds: float = 300.0

    def backoff(self, attempt: int, draw: float) -> float:
        """Exponential in ``attempt`` (1-based), capped, scaled into [50 %, 100 %) by ``draw``."""
        ceiling = min(self.backoff_cap_seconds, self.backoff_base_seconds * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * draw)

    def retry_after(self, header: str | None) -> float | None:
        if header is None:
            return None
        try:
            seconds = float(header.strip())
        except ValueError:
            return None  # an HTTP date: fall back to backoff rather than trust our clock
        return min(max(seconds, 0.0), self.retry_after_cap_seconds)


@dataclass(frozen=True)
class Change:
    worklog_id: str
    updated: datetime


@dataclass(frozen=True)
class ChangePage:
    changes: tuple[Change, ...]
    until: datetime | None


@dataclass(frozen=True)
class IssueRecord:
    snapshot: IssueSnapshot
    updated: datetime


@dataclass(frozen=True)
class EstimatedIssue:
    snapshot: IssueSnapshot
    updated: datetime
    remaining_seconds: int | None
    """The remaining estimate; ``None`` when the issue has none."""


def build_client(connection: JiraConnection) -> jira.JIRA:
    """A ``jira.JIRA`` that never calls Jira by itself and never retries by itself."""
    options = {"rest_api_version": connection.api_version, "check_update": False}
    auth: dict[str, Any] = (
        {"basic_auth": (connection.user, connection.token)}
        if connection.deployment is Deployment.CLOUD
        else {"token_auth": connection.token}
    )
    return jira.JIRA(
        connection.url,
        options=options,
        get_server_info=False,
        max_retries=0,
        timeout=connection.timeout_seconds,
        **auth,
    )


class JiraRestGateway:
    """Implements the services' ``JiraGateway`` port over REST v3 (Cloud) or v2 (Data Center)."""

    def __init__(
        self,
        connection: JiraConnection,
        *,
        field_ids: IssueFieldIds | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = random_module.random,
        client: jira.JIRA | None = None,
    ) -> None:
        self._connection = connection
        self._field_ids = field_ids or IssueFieldIds()
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._per_issue_pause = PER_ISSUE_PAUSE_SECONDS
        self._random = random
        self._client = client if client is not None else build_client(connection)
        self._session = watch_session(self._client._session)
        self._myself: MyselfPayload | None = None
        self._timezone: tuple[ZoneInfo | None] | None = None

    @property
    def client(self) -> jira.JIRA:
        """The ``jira`` client, to share its session with another gateway."""
        return self._client

    @property
    def field_ids(self) -> IssueFieldIds:
        return self._field_ids

    def close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]

    @property
    def _cloud(self) -> bool:
        return self._connection.deployment is Deployment.CLOUD

    @property
    def _issue_fields(self) -> list[str]:
        return [*CLASSIFICATION_FIELDS, *self._field_ids.requested()]

    # -- worklogs ---------------------------------------------------------------------------

    def worklog_changes(self, since: datetime) -> Iterator[ChangePage]:
        return self._changed_worklogs("worklog/updated", since)

    def worklog_deletions(self, since: datetime) -> Iterator[ChangePage]:
        return self._changed_worklogs("worklog/deleted", since)

    def _changed_worklogs(self, path: str, since: datetime) -> Iterator[ChangePage]:
        since_ms = _epoch_ms(since)
        while True:
            data = self._send("GET", path, params={"since": since_ms})
            page = self._parse(ChangedWorklogsPayload, data, f"{path} page")
            yield ChangePage(
                changes=tuple(Change(v.worklog_id, v.updated) for v in page.values),
                until=page.until_time,
            )
            if page.last_page:
                return
            next_since = _next_since(page)
            if next_since is None or next_since <= since_ms:
                raise JiraResponseError(
                    f"Jira's {path} page after since={since_ms} is not the last page "
                    f"but does not move on (nextPage {page.next_page!r}, until {page.until!r})"
                )
            since_ms = next_since

    def worklogs(self, ids: Sequence[str]) -> list[Worklog]:
        numeric = list(dict.fromkeys(_numeric_id(i) for i in ids))
        found: list[Worklog] = []
        for start in range(0, len(numeric), WORKLOG_IDS_PER_CALL):
            chunk = numeric[start : start + WORKLOG_IDS_PER_CALL]
            data = self._send("POST", "worklog/list", body={"ids": chunk})
            try:
                payloads = parse_worklog_list(data, "worklog/list answer")
            except PayloadError as exc:
                raise JiraResponseError(str(exc)) from exc
            found.extend(p.to_worklog() for p in payloads)
        return found

    def issue_worklogs(self, issue_id: str) -> list[Worklog]:
        """Every worklog of one issue, ``ISSUE_WORKLOGS_PER_PAGE`` a call."""
        path = f"issue/{_segment(issue_id)}/worklog"
        found: list[Worklog] = []
        while True:
            params = {"startAt": len(found), "maxResults": ISSUE_WORKLOGS_PER_PAGE}
            data = self._send("GET", path, params=params)
            page = self._parse(WorklogPagePayload, data, f"{path} page")
            found.extend(p.to_worklog() for p in page.worklogs)
            if not page.worklogs or len(found) >= page.total:
                return found

    # -- issues -----------------------------------------------------------------------------

    def search_issues(self, jql: str) -> Iterator[list[IssueRecord]]:
        return (self._records(page) for page in self._search(jql, self._issue_fields))

    def search_estimates(self, jql: str) -> Iterator[list[EstimatedIssue]]:
        """Issues matching ``jql`` in its order, page by page, with their remaining estimates."""
        fields = [*self._issue_fields, TIME_TRACKING_FIELD]
        return (
            [
                EstimatedIssue(record.snapshot, record.updated, _remaining_seconds(issue))
                for issue, record in zip(page, self._records(page), strict=True)
            ]
            for page in self._search(jql, fields)
        )

    def _search(self, jql: str, fields: list[str]) -> Iterator[list[IssuePayload]]:
        if self._cloud:
            return self._search_by_token(jql, fields)
        return self._search_by_offset(jql, "strict", fields)

    def _search_by_token(self, jql: str, fields: list[str]) -> Iterator[list[IssuePayload]]:
        token: str | None = None
        seen: set[str] = set()
        while True:
            body: dict[str, Json] = {
                "jql": jql,
                "fields": fields,
                "maxResults": ISSUES_PER_SEARCH_PAGE,
            }
            if token is not None:
                body["nextPageToken"] = token
            data = self._send("POST", "search/jql", body=body)
            page = self._parse(SearchPagePayload, data, "search/jql page")
            yield page.issues
            token = page.next_page_token
            if token is None or page.is_last is True:
                return
            if token in seen:
                raise JiraResponseError(f"Jira's search/jql repeated the page token {token!r}")
            seen.add(token)

    def _search_by_offset(
        self, jql: str, validate: str, fields: list[str]
    ) -> Iterator[list[IssuePayload]]:
        start = 0
        while True:
            body: dict[str, Json] = {
                "jql": jql,
                "fields": fields,
                "startAt": start,
                "maxResults": ISSUES_PER_SEARCH_PAGE,
                "validateQuery": validate,
            }
            page = self._parse(SearchPagePayload, self._send("POST", "search", body=body), "search")
            yield page.issues
            start += len(page.issues)
            if not page.issues or page.total is None or start >= page.total:
                return

    def issues(self, ids: Sequence[str]) -> list[IssueRecord]:
        wanted = list(dict.fromkeys(ids))
        found: list[IssueRecord] = []
        for start in range(0, len(wanted), ISSUES_PER_BULK_FETCH):
            chunk = wanted[start : start + ISSUES_PER_BULK_FETCH]
            if self._cloud:
                body = {"issueIdsOrKeys": chunk, "fields": self._issue_fields}
                data = self._send("POST", "issue/bulkfetch", body=body)
                found.extend(self._records(self._parse(BulkFetchPayload, data, "bulkfetch").issues))
            else:
                jql = f"issue in ({', '.join(_jql_quote(i) for i in chunk)})"
                for page in self._search_by_offset(jql, "warn", self._issue_fields):
                    found.extend(self._records(page))
        return found

    def _records(self, issues: Sequence[IssuePayload]) -> list[IssueRecord]:
        records = []
        for issue in issues:
            if issue.updated is None:
                raise JiraResponseError(f"Jira returned issue {issue.key} without its updated time")
            records.append(IssueRecord(issue.to_snapshot(self._field_ids), issue.updated))
        return records

    # -- account and fields -----------------------------------------------------------------

    def user_timezone(self) -> ZoneInfo | None:
        if self._timezone is None:
            self._timezone = (_zone(self._me().time_zone),)
        return self._timezone[0]

    def account_id(self) -> str | None:
        """The connector's own accountId (Jira Cloud); ``None`` where Jira gives none."""
        return self._me().account_id

    def _me(self) -> MyselfPayload:
        """The connector's account, read once (``GET myself``)."""
        if self._myself is None:
            self._myself = self._parse(MyselfPayload, self._send("GET", "myself"), "myself")
        return self._myself

    def fields(self) -> list[FieldPayload]:
        try:
            return parse_field_list(self._send("GET", "field"), "field list")
        except PayloadError as exc:
            raise JiraResponseError(str(exc)) from exc

    # -- write-back -------------------------------------------------------------------------

    def set_issue_property(self, issue: str, key: str, value: Json) -> None:
        self._send("PUT", f"issue/{_segment(issue)}/properties/{_segment(key)}", body=value)

    def set_property_on_issues(self, key: str, value: Json, issue_ids: Sequence[str]) -> None:
        """One value of an issue property on many issues.

        On Cloud, one bulk call (``PUT issue/properties/{key}`` filtered by ``entityIds``)
        per ``BULK_PROPERTY_ISSUES`` issues; Jira answers 303 to the task it runs, which
        is followed until it ends. Data Center has no bulk endpoint: one call per issue,
        ``per_issue_pause_seconds`` apart, so a large plan does not hit its rate limit.
        """
        ids = list(dict.fromkeys(issue_ids))
        if not self._cloud:
            for position, issue_id in enumerate(ids):
                if position:
                    self._sleep(self._per_issue_pause)
                self.set_issue_property(issue_id, key, value)
            return
        for start in range(0, len(ids), BULK_PROPERTY_ISSUES):
            chunk = [_entity_id(i) for i in ids[start : start + BULK_PROPERTY_ISSUES]]
            task = self._send(
                "PUT",
                f"issue/properties/{_segment(key)}",
                body={"value": value, "filter": {"entityIds": chunk}},
            )
            self._follow_task(task, f"PUT issue/properties/{key}")

    def _follow_task(self, task: Json, what: str) -> None:
        """Wait for a Jira task (``GET task/{id}``) to end; a failed one raises."""
        waited = 0.0
        while True:
            status, task_id = _task_state(task, what)
            if status == "COMPLETE":
                return
            if status not in {"ENQUEUED", "RUNNING"}:
                raise JiraResponseError(f"Jira's task {task_id} for {what} ended {status}")
            if waited >= TASK_WAIT_SECONDS:
                raise JiraUnavailable(
                    f"Jira's task {task_id} for {what} is still {status} after {waited:.0f} s"
                )
            self._sleep(TASK_POLL_SECONDS)
            waited += TASK_POLL_SECONDS
            task = self._send("GET", f"task/{_segment(task_id)}")

    def change_labels(
        self, issue: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        operations = [{"add": label} for label in add] + [{"remove": label} for label in remove]
        if operations:
            body = {"update": {"labels": operations}}
            self._send("PUT", f"issue/{_segment(issue)}", body=body)

    def add_comment(self, issue: str, body: str | Mapping[str, Json]) -> None:
        """Comment ``body``, plain text (or a document), as plain text on either Jira.

        Cloud's documents hold text as it is; Data Center reads a string as wiki markup,
        so a name such as ``[~admin]`` or ``{html}`` in it is escaped, not obeyed.
        """
        if self._cloud:
            document = text_document(body) if isinstance(body, str) else dict(body)
            payload: dict[str, Json] = {"body": document}
        else:
            text = body if isinstance(body, str) else _document_plain(body)
            payload = {"body": wiki_escaped(text)}
        self._send("POST", f"issue/{_segment(issue)}/comment", body=payload)

    def set_fields(self, issue: str, fields: Mapping[str, Json]) -> None:
        self._send("PUT", f"issue/{_segment(issue)}", body={"fields": dict(fields)})

    # -- transport --------------------------------------------------------------------------

    def _parse(self, model: type[Any], data: Json, what: str) -> Any:
        try:
            return parse(model, data, what)
        except PayloadError as exc:
            raise JiraResponseError(str(exc)) from exc

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Json] | None = None,
        body: Json = None,
    ) -> Json:
        url = self._client._get_url(path)
        kwargs: dict[str, Any] = {"params": dict(params or {})}
        if body is not None:
            kwargs["data"] = json.dumps(body)
        last = ""
        for attempt in range(1, self._retry.attempts + 1):
            try:
                response = self._request(method, url, kwargs)
            except (requests.Timeout, requests.ConnectionError) as exc:
                delay = self._retry.backoff(attempt, self._random())
                last = f"{type(exc).__name__}"
            else:
                if response.ok:
                    return _decode(response.content, response.status_code, method, path)
                delay, last = self._after_refusal(response, method, path, attempt)
            if attempt == self._retry.attempts:
                break
            LOG.warning(
                "Jira %s %s failed (%s); retry %d of %d in %.1f s",
                method,
                path,
                last,
                attempt,
                self._retry.attempts - 1,
                delay,
            )
            self._sleep(delay)
        raise JiraUnavailable(
            f"Jira at {self._connection.url} did not answer {method} {path} after "
            f"{self._retry.attempts} attempts (last: {last})"
        )

    def _request(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        """One request, its whole answer read within ``timeout_seconds``.

        Sent by the client's session as a plain ``requests`` session: the ``jira``
        package's own ``request`` retries by itself.
        """
        timeout = self._connection.timeout_seconds
        with deadline(timeout):
            return requests.Session.request(self._session, method, url, timeout=timeout, **kwargs)

    def _after_refusal(
        self, response: requests.Response, method: str, path: str, attempt: int
    ) -> tuple[float, str]:
        """The delay before retrying a refused request, or the exception that ends it."""
        status = response.status_code
        where = f"{method} {path}"
        if status == 401:
            raise JiraAuthError(
                f"Jira at {self._connection.url} refused the credentials of "
                f"{self._connection.user} (401). Check the user and its "
                f"{'API token' if self._cloud else 'personal access token'}."
            )
        if status == 403:
            raise JiraAuthError(
                f"Jira at {self._connection.url} denied {self._connection.user} "
                f"permission for {where} (403): {_jira_message(response)}"
            )
        if status in (429, 503):
            header = response.headers.get("Retry-After")
            told = self._retry.retry_after(header)
            if told is not None:
                return told, f"{status}, Retry-After {header}"
            return self._retry.backoff(attempt, self._random()), str(status)
        if status >= 500:
            return self._retry.backoff(attempt, self._random()), str(status)
        raise JiraRequestError(
            f"Jira at {self._connection.url} rejected {where} ({status}): "
            f"{_jira_message(response)}",
            status,
        )


WIKI_MARKUP = re.compile(r"([\\\[\]{}!*_+^~|#])")
"""What starts wiki markup on Data Center: links and mentions, macros, images, emphasis,
tables, numbered lists (a line starting with ``-`` or ``h1.`` is left: it only styles)."""


def wiki_escaped(text: str) -> str:
    """``text`` as Data Center's wiki renderer shows it literally."""
    return WIKI_MARKUP.sub(r"\\\1", text)


def text_document(text: str) -> dict[str, Json]:
    """Plain text as an Atlassian Document: one paragraph per blank-line-separated block."""
    paragraphs = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line]
        content: list[dict[str, Json]] = []
        for line in lines:
            if content:
                content.append({"type": "hardBreak"})
            content.append({"type": "text", "text": line})
        if content:
            paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


def _remaining_seconds(issue: IssuePayload) -> int | None:
    """``timetracking.remainingEstimateSeconds``: absent when no estimate is set."""
    tracking = issue.fields.custom(TIME_TRACKING_FIELD)
    seconds = tracking.get("remainingEstimateSeconds") if isinstance(tracking, dict) else tracking
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
        raise JiraResponseError(
            f"Jira returned issue {issue.key} with a remaining estimate that is not a "
            f"number of seconds: {tracking!r}"
        )
    return seconds


def _document_plain(document: Mapping[str, Json]) -> str:
    return document_text(dict(document))


def resolve_field_id(fields: Sequence[FieldPayload], name_or_id: str) -> str:
    """A configured field, given by id (``customfield_10010``), key or name, as its id."""
    for f in fields:
        if name_or_id in (f.id, f.key):
            return f.id
    matches = [f.id for f in fields if f.name.casefold() == name_or_id.casefold()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise JiraRequestError(f"Jira has no field named {name_or_id!r}", 404)
    raise JiraRequestError(
        f"Jira has several fields named {name_or_id!r} ({', '.join(matches)}): configure the id",
        409,
    )


def _entity_id(issue_id: str) -> int:
    if not issue_id.isdigit():
        raise JiraResponseError(f"issue id {issue_id!r} is not a Jira issue id")
    return int(issue_id)


def _task_state(task: Json, what: str) -> tuple[str, str]:
    """A task's status and id, from the answer to a bulk request or a ``GET task``."""
    if not isinstance(task, Mapping):
        raise JiraResponseError(f"Jira answered {what} without its task")
    status, task_id = task.get("status"), task.get("id")
    if not isinstance(status, str) or not isinstance(task_id, str | int):
        raise JiraResponseError(f"Jira answered {what} with a task without status or id")
    return status, str(task_id)


def _decode(body: bytes, status: int, method: str, path: str) -> Json:
    if not body:
        return None
    try:
        return cast("Json", json.loads(body))
    except ValueError as exc:
        raise JiraResponseError(
            f"Jira answered {method} {path} with {status} but not JSON"
        ) from exc


def _jira_message(response: requests.Response) -> str:
    return parse_error_msg(response) or response.reason or "no message"


def _epoch_ms(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise ValueError(f"{instant!r} has no time zone")
    return int(instant.timestamp() * 1000)


def _next_since(page: ChangedWorklogsPayload) -> int | None:
    if page.next_page:
        values = parse_qs(urlsplit(page.next_page).query).get("since")
        if values and values[0].isdigit():
            return int(values[0])
    return page.until


def _numeric_id(worklog_id: str) -> int:
    if not worklog_id.isdigit():
        raise ValueError(f"worklog id {worklog_id!r} is not a Jira worklog id")
    return int(worklog_id)


def _segment(value: str) -> str:
    if not value:
        raise ValueError("an issue id, key or property key must not be empty")
    return quote(value, safe="")


def _jql_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        LOG.warning("Jira reports an unknown time zone %r for the connector's account", name)
        return None

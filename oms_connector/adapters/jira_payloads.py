"""Pydantic models for the Jira JSON the connector reads, and their conversion to domain values.

One set of models serves REST v3 (comments and descriptions in Atlassian Document
Format), REST v2 and webhook bodies (plain strings). Ids arrive as strings or
integers and are normalised to strings. Fields the connector does not use are
ignored; a payload missing a field it needs raises ``PayloadError`` naming it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.worklogs import Worklog


class PayloadError(ValueError):
    """A Jira payload that does not have the shape the connector needs."""


def _jira_id(value: object) -> str:
    # bool is an int subclass: True must not become the id "True". Pydantic reports
    # ValueError (not TypeError) as a validation error, hence the noqa below.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("expected an id (string or integer)")  # noqa: TRY004
    text = str(value).strip()
    if not text:
        raise ValueError("expected a non-empty id")
    return text


def _jira_worklog_id(value: object) -> str:
    # Jira's worklog ids are 64-bit integers. Holding to that keeps every stored id
    # free of separators and quotes, which the store relies on to list ids in bulk.
    text = _jira_id(value)
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"expected a worklog id made of decimal digits, got {text!r}")
    return text


def parse_jira_time(value: object) -> datetime:
    """Jira's ``2021-01-17T12:34:00.000+0000``; ``+05:30`` and ``Z`` offsets are accepted too."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"expected a time like 2021-01-17T12:34:00.000+0000, got {value!r}"
            ) from None
    else:
        raise ValueError(f"expected a time like 2021-01-17T12:34:00.000+0000, got {value!r}")  # noqa: TRY004
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return parsed


def epoch_ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


JiraId = Annotated[str, BeforeValidator(_jira_id)]
JiraWorklogId = Annotated[str, BeforeValidator(_jira_worklog_id)]
JiraTime = Annotated[datetime, BeforeValidator(parse_jira_time)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


def document_text(node: object) -> str:
    """Plain text of an Atlassian Document Format node, or the string itself (v2, webhooks).

    Blocks are separated by newlines; mentions, emoji and links keep their visible text.
    """
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    return "".join(_adf_parts(node)).strip("\n")


_BLOCK_NODES = frozenset(
    {"paragraph", "heading", "blockquote", "codeBlock", "listItem", "panel", "tableRow", "rule"}
)


def _adf_parts(node: object) -> Iterator[str]:
    if isinstance(node, list):
        for child in node:
            yield from _adf_parts(child)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    attrs = node.get("attrs") if isinstance(node.get("attrs"), dict) else {}
    assert isinstance(attrs, dict)
    if kind == "text" and isinstance(node.get("text"), str):
        yield node["text"]
    elif kind == "hardBreak":
        yield "\n"
    elif kind in {"mention", "emoji", "status", "date"}:
        label = attrs.get("text") or attrs.get("shortName") or ""
        yield str(label)
    elif kind == "inlineCard" and isinstance(attrs.get("url"), str):
        yield attrs["url"]
    yield from _adf_parts(node.get("content"))
    if kind in _BLOCK_NODES:
        yield "\n"


class UserPayload(_Payload):
    account_id: str | None = Field(default=None, alias="accountId")
    name: str | None = None
    key: str | None = None
    display_name: str | None = Field(default=None, alias="displayName")

    @property
    def identity(self) -> str:
        """The stable identifier: accountId on Cloud, name or key on Data Center."""
        return self.account_id or self.name or self.key or self.display_name or ""


class WorklogPayload(_Payload):
    """A worklog from REST (v2 or v3) or from the ``worklog`` member of a webhook body."""

    id: JiraWorklogId
    issue_id: JiraId = Field(alias="issueId")
    started: JiraTime
    updated: JiraTime
    time_spent_seconds: int = Field(alias="timeSpentSeconds", ge=0, strict=True)
    author: UserPayload | None = None
    update_author: UserPayload | None = Field(default=None, alias="updateAuthor")
    comment: str | dict[str, Any] | None = None

    @property
    def comment_text(self) -> str:
        return document_text(self.comment)

    def to_worklog(self, *, deleted: bool = False) -> Worklog:
        author = self.author.identity if self.author is not None else ""
        return Worklog(
            id=self.id,
            issue_id=self.issue_id,
            started=self.started,
            seconds=self.time_spent_seconds,
            updated=self.updated,
            author=author,
            deleted=deleted,
        )


class NamedPayload(_Payload):
    name: str = ""


class ProjectPayload(_Payload):
    key: str = Field(min_length=1)


@dataclass(frozen=True)
class IssueFieldIds:
    """Custom fields whose ids come from configuration (``customfield_10010``...)."""

    request_type: str | None = None
    override: str | None = None

    def requested(self) -> list[str]:
        return [f for f in (self.request_type, self.override) if f]


CLASSIFICATION_FIELDS: tuple[str, ...] = (
    "project",
    "summary",
    "description",
    "issuetype",
    "priority",
    "labels",
    "components",
    "resolution",
    "updated",
)
"""The issue fields classification reads, requested instead of Jira's ``*all``."""


class IssueFieldsPayload(_Payload):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    project: ProjectPayload
    summary: str | None = None
    description: str | dict[str, Any] | None = None
    issue_type: NamedPayload | None = Field(default=None, alias="issuetype")
    priority: NamedPayload | None = None
    labels: list[str] | None = None
    components: list[NamedPayload] | None = None
    resolution: NamedPayload | None = None
    updated: JiraTime | None = None

    def custom(self, field_id: str | None) -> object:
        if not field_id:
            return None
        return (self.model_extra or {}).get(field_id)


class IssuePayload(_Payload):
    """An issue from REST search, bulk fetch, GET issue, or a webhook's ``issue`` member."""

    id: JiraId
    key: str = Field(min_length=1)
    fields: IssueFieldsPayload

    @property
    def updated(self) -> datetime | None:
        return self.fields.updated

    def to_snapshot(self, field_ids: IssueFieldIds | None = None) -> IssueSnapshot:
        ids = field_ids or IssueFieldIds()
        f = self.fields
        return IssueSnapshot(
            id=self.id,
            key=self.key,
            project_key=f.project.key,
            summary=f.summary or "",
            description=document_text(f.description),
            issue_type=f.issue_type.name if f.issue_type else "",
            priority=f.priority.name if f.priority else "",
            labels=frozenset(f.labels or ()),
            components=frozenset(c.name for c in f.components or () if c.name),
            request_type=request_type_name(f.custom(ids.request_type)),
            override_field=option_text(f.custom(ids.override)),
            resolved=f.resolution is not None,
        )


def request_type_name(value: object) -> str:
    """The name in a Jira Service Management request-type field (``{requestType: {name}}``)."""
    if isinstance(value, Mapping):
        inner = value.get("requestType")
        if isinstance(inner, Mapping) and isinstance(inner.get("name"), str):
            return str(inner["name"])
        return option_text(value)
    return option_text(value)


def option_text(value: object) -> str:
    """A custom field's value as text: a string, a select option, or a one-item list of them."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for member in ("value", "name"):
            if isinstance(value.get(member), str):
                return str(value[member])
        return ""
    if isinstance(value, list) and len(value) == 1:
        return option_text(value[0])
    return ""


class ChangedWorklogPayload(_Payload):
    worklog_id: JiraWorklogId = Field(alias="worklogId")
    updated_time: int = Field(alias="updatedTime", ge=0)
    properties: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def updated(self) -> datetime:
        return epoch_ms_to_datetime(self.updated_time)


class ChangedWorklogsPayload(_Payload):
    """A page of ``worklog/updated`` or ``worklog/deleted``."""

    values: list[ChangedWorklogPayload]
    since: int | None = None
    until: int | None = None
    last_page: bool = Field(default=True, alias="lastPage")
    next_page: str | None = Field(default=None, alias="nextPage")
    self_url: str | None = Field(default=None, alias="self")

    @property
    def worklog_ids(self) -> list[str]:
        return [v.worklog_id for v in self.values]

    @property
    def until_time(self) -> datetime | None:
        return None if self.until is None else epoch_ms_to_datetime(self.until)


class WorklogPagePayload(_Payload):
    """A page of ``issue/{id}/worklog``."""

    worklogs: list[WorklogPayload]
    start_at: int = Field(default=0, alias="startAt", ge=0)
    total: int = Field(default=0, ge=0)


class SearchPagePayload(_Payload):
    """A page of ``search/jql`` (``nextPageToken``) or of Data Center's ``search`` (``startAt``)."""

    issues: list[IssuePayload]
    next_page_token: str | None = Field(default=None, alias="nextPageToken")
    is_last: bool | None = Field(default=None, alias="isLast")
    start_at: int | None = Field(default=None, alias="startAt")
    total: int | None = None


class IssueErrorPayload(_Payload):
    id: str | None = Field(default=None, validation_alias=AliasChoices("id", "issueIdOrKey"))
    error_message: str | None = Field(default=None, alias="errorMessage")
    status: int | None = None


class BulkFetchPayload(_Payload):
    issues: list[IssuePayload] = Field(default_factory=list)
    issue_errors: list[IssueErrorPayload] = Field(default_factory=list, alias="issueErrors")


class FieldPayload(_Payload):
    id: str = Field(min_length=1)
    name: str = ""
    key: str | None = None
    custom: bool = False
    clause_names: list[str] = Field(default_factory=list, alias="clauseNames")


class MyselfPayload(_Payload):
    account_id: str | None = Field(default=None, alias="accountId")
    name: str | None = None
    time_zone: str | None = Field(default=None, alias="timeZone")


_M = TypeVar("_M", bound=BaseModel)

_WORKLOG_LIST: TypeAdapter[list[WorklogPayload]] = TypeAdapter(list[WorklogPayload])
_FIELD_LIST: TypeAdapter[list[FieldPayload]] = TypeAdapter(list[FieldPayload])


def parse(model: type[_M], data: object, what: str) -> _M:
    """Validate ``data`` as ``model``; a failure names every wrong field of ``what``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PayloadError(_describe(what, exc)) from None


def parse_worklog_list(data: object, what: str = "worklog list") -> list[WorklogPayload]:
    try:
        return _WORKLOG_LIST.validate_python(data)
    except ValidationError as exc:
        raise PayloadError(_describe(what, exc)) from None


def parse_field_list(data: object, what: str = "field list") -> list[FieldPayload]:
    try:
        return _FIELD_LIST.validate_python(data)
    except ValidationError as exc:
        raise PayloadError(_describe(what, exc)) from None


def _describe(what: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False, include_context=False):
        location = ".".join(str(part) for part in error["loc"]) or "(body)"
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{location}: {message}")
    return f"malformed Jira {what}: " + "; ".join(problems)

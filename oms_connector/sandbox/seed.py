"""The seed file: the sandbox's starting users, projects, custom fields, issues and worklogs.

See ``SEED.md`` next to this module for the format. Loading never sends webhooks:
the seed is the site as it was before the connector was installed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oms_connector.sandbox.catalogue import OVERRIDE_FIELD, REQUEST_TYPE_FIELD, FieldDef, FieldKind
from oms_connector.sandbox.catalogue import Named as _Named
from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.documents import Document, text_document
from oms_connector.sandbox.errors import ApiError
from oms_connector.sandbox.state import Adjustment, EstimateChange, SandboxState, User
from oms_connector.sandbox.times import TimeFormatError, parse_time

DEFAULT_EMAIL = "connector@example.com"
DEFAULT_TOKEN = "local-sandbox-token"  # noqa: S105 (a documented credential of a local test double)


class SeedError(ValueError):
    """A seed file that cannot be loaded; the message names every problem."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Text = Annotated[str, Field(min_length=1)]
Rich = str | dict[str, Any] | None


class SeedUser(_Model):
    account_id: Text = Field(alias="accountId")
    display_name: Text = Field(alias="displayName")
    email: str = ""
    api_token: str | None = Field(default=None, alias="apiToken")
    time_zone: str = Field(default="UTC", alias="timeZone")


class SeedProject(_Model):
    key: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,9}$")]
    name: Text
    components: list[Text] = Field(default_factory=list)


class SeedField(_Model):
    id: Annotated[str, Field(pattern=r"^customfield_\d+$")]
    name: Text
    type: Literal["select", "text", "number"]
    options: list[Text] = Field(default_factory=list)


class SeedWorklog(_Model):
    id: Annotated[int, Field(gt=0)] | None = None
    author: str | None = None
    started: Text
    time_spent_seconds: Annotated[int, Field(gt=0, strict=True)] = Field(alias="timeSpentSeconds")
    created: str | None = None
    updated: str | None = None
    comment: Rich = None


class SeedIssue(_Model):
    key: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,9}-\d+$")] | None = None
    project: Text
    summary: Text
    description: Rich = None
    issue_type: Text = Field(default="Task", alias="issueType")
    priority: str | None = "Medium"
    status: str | None = None
    labels: list[Text] = Field(default_factory=list)
    components: list[Text] = Field(default_factory=list)
    work_type_override: str | None = Field(default=None, alias="workTypeOverride")
    request_type: str | None = Field(default=None, alias="requestType")
    fields: dict[str, Any] = Field(default_factory=dict)
    original_estimate_seconds: int | None = Field(default=None, alias="originalEstimateSeconds")
    remaining_estimate_seconds: int | None = Field(default=None, alias="remainingEstimateSeconds")
    reporter: str | None = None
    created: str | None = None
    updated: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    worklogs: list[SeedWorklog] = Field(default_factory=list)


class Seed(_Model):
    now: str | None = None
    users: list[SeedUser] = Field(min_length=1)
    projects: list[SeedProject] = Field(default_factory=list)
    fields: list[SeedField] = Field(default_factory=list)
    request_types: list[Text] = Field(default_factory=list, alias="requestTypes")
    issues: list[SeedIssue] = Field(default_factory=list)

    def start(self) -> datetime | None:
        return None if self.now is None else _time(self.now, "now")


DEFAULT_SEED = Seed.model_validate(
    {
        "users": [
            {
                "accountId": "557058:sandbox-connector",
                "displayName": "OMS Connector",
                "email": DEFAULT_EMAIL,
                "apiToken": DEFAULT_TOKEN,
            }
        ],
        "projects": [{"key": "DEMO", "name": "Demo client"}],
    }
)
"""Used when no seed file is given: one user to log in as and one empty project."""


def read_seed(path: Path) -> Seed:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(f"cannot read the seed file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise SeedError(f"the seed file {path} is not JSON: {exc}") from None
    return parse_seed(data, str(path))


def parse_seed(data: object, source: str = "seed") -> Seed:
    try:
        return Seed.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        ]
        raise SeedError(f"{source} is not a valid seed:\n  " + "\n  ".join(problems)) from None


def build_state(seed: Seed, clock: SandboxClock) -> SandboxState:
    """A sandbox holding everything the seed describes."""
    state = SandboxState(clock)
    if seed.request_types:
        numbered = [_Named(str(n), name) for n, name in enumerate(seed.request_types, 1)]
        state.catalogue.request_types = tuple(numbered)
    try:
        for user in seed.users:
            state.add_user(
                User(user.account_id, user.display_name, user.email, user.api_token, user.time_zone)
            )
        for project in seed.projects:
            state.add_project(project.key, project.name, project.components)
        for definition in seed.fields:
            state.add_field(_field(definition))
        for number, issue in enumerate(seed.issues):
            _add_issue(state, issue, f"issues.{number}")
    except ApiError as exc:
        raise SeedError(f"the seed does not load: {exc}") from None
    except (ValueError, LookupError) as exc:
        raise SeedError(f"the seed does not load: {exc}") from None
    return state


def _field(definition: SeedField) -> FieldDef:
    number = int(definition.id.removeprefix("customfield_"))
    options = tuple(
        _Named(str(number * 100 + n), name) for n, name in enumerate(definition.options)
    )
    kinds = {"select": FieldKind.SELECT, "text": FieldKind.TEXT, "number": FieldKind.NUMBER}
    return FieldDef(definition.id, definition.name, kinds[definition.type], options=options)


def _add_issue(state: SandboxState, seed: SeedIssue, where: str) -> None:
    fields: dict[str, Any] = {
        "project": {"key": seed.project},
        "summary": seed.summary,
        "issuetype": {"name": seed.issue_type},
        "labels": seed.labels,
        "components": [{"name": c} for c in seed.components],
        "description": _document(seed.description),
    }
    if seed.priority is not None:
        fields["priority"] = {"name": seed.priority}
    if seed.work_type_override is not None:
        fields[OVERRIDE_FIELD] = {"value": seed.work_type_override}
    if seed.request_type is not None:
        fields[REQUEST_TYPE_FIELD] = seed.request_type
    estimates = {
        "originalEstimate": _minutes(seed.original_estimate_seconds),
        "remainingEstimate": _minutes(seed.remaining_estimate_seconds),
    }
    if any(estimates.values()):
        fields["timetracking"] = {k: v for k, v in estimates.items() if v}
    fields.update(seed.fields)
    reporter = state.user(seed.reporter) if seed.reporter else state.users()[0]
    created = _time(seed.created, f"{where}.created") if seed.created else None
    updated = _time(seed.updated, f"{where}.updated") if seed.updated else None
    issue = state.create_issue(
        fields,
        reporter,
        key=seed.key,
        status=seed.status,
        created=created,
        updated=updated,
        notify=False,
    )
    for key, value in seed.properties.items():
        state.set_issue_property(issue.id, key, value, len(json.dumps(value)))
    for number, worklog in enumerate(seed.worklogs):
        _add_worklog(state, issue.id, worklog, f"{where}.worklogs.{number}", created)


def _add_worklog(
    state: SandboxState, issue_id: str, seed: SeedWorklog, where: str, default: datetime | None
) -> None:
    started = _time(seed.started, f"{where}.started")
    created = _time(seed.created, f"{where}.created") if seed.created else default or started
    updated = _time(seed.updated, f"{where}.updated") if seed.updated else created
    author = state.user(seed.author) if seed.author else state.users()[0]
    state.add_worklog(
        issue_id,
        author,
        started,
        seed.time_spent_seconds,
        comment=_document(seed.comment),
        estimate=EstimateChange(Adjustment.LEAVE),
        created=created,
        updated=updated,
        worklog_id=seed.id,
        notify=False,
    )


def _document(value: str | dict[str, Any] | None) -> Document | None:
    if value is None or isinstance(value, dict):
        return value
    return text_document(value)


def _minutes(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    if seconds % 60:
        raise SeedError(f"estimates are whole minutes in Jira; {seconds} seconds is not")
    return f"{seconds // 60}m"


def _time(text: str, where: str) -> datetime:
    try:
        return parse_time(text, where)
    except TimeFormatError as exc:
        raise SeedError(str(exc)) from None

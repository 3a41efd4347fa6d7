"""The sandbox Jira's data and every change to it, behind one lock.

Everything the REST API and the seed loader do goes through :class:`SandboxState`;
each change that Jira would announce by webhook is handed to the subscribers as an
:class:`Event` (a copy of what changed, taken under the lock, so events leave in the
order the changes happened). Times come from the injected clock.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from oms_connector.sandbox.catalogue import (
    Catalogue,
    FieldDef,
    FieldKind,
    Named,
    Status,
    find_named,
    status_category,
)
from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.documents import Document, document_text, is_document
from oms_connector.sandbox.durations import DurationError, parse_duration
from oms_connector.sandbox.errors import ApiError, bad_request, not_found_issue
from oms_connector.sandbox.jql import Direction, Query, ValueFilter
from oms_connector.sandbox.times import epoch_ms

CHANGES_PER_PAGE = 1000
CHANGE_LAG = timedelta(minutes=1)
"""Jira leaves out of ``worklog/updated`` and ``worklog/deleted`` the last minute's changes."""
PROPERTY_MAX_BYTES = 32768
FIRST_ID = 10000


@dataclass(frozen=True)
class User:
    account_id: str
    display_name: str
    email: str = ""
    api_token: str | None = field(default=None, repr=False)
    time_zone: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class Project:
    id: str
    key: str
    name: str
    components: tuple[Named, ...] = ()
    project_type: str = "software"


@dataclass
class Comment:
    id: str
    author: User
    body: Document
    created: datetime
    updated: datetime


@dataclass
class Issue:
    id: str
    key: str
    project: Project
    summary: str
    issue_type: Named
    status: Status
    reporter: User
    created: datetime
    updated: datetime
    rank: int
    description: Document | None = None
    priority: Named | None = None
    labels: list[str] = field(default_factory=list)
    components: list[Named] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    """Custom field id -> value: a ``Named`` option or request type, a string or a number."""
    original_estimate: int | None = None
    remaining_estimate: int | None = None
    time_spent: int = 0
    properties: dict[str, Any] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])


@dataclass
class Worklog:
    id: int
    issue_id: str
    author: User
    update_author: User
    started: datetime
    seconds: int
    created: datetime
    updated: datetime
    comment: Document | None = None


class EventKind(StrEnum):
    ISSUE_CREATED = "jira:issue_created"
    ISSUE_UPDATED = "jira:issue_updated"
    ISSUE_DELETED = "jira:issue_deleted"
    WORKLOG_CREATED = "worklog_created"
    WORKLOG_UPDATED = "worklog_updated"
    WORKLOG_DELETED = "worklog_deleted"


@dataclass(frozen=True)
class Event:
    kind: EventKind
    at: datetime
    actor: User
    issue: Issue | None = None
    worklog: Worklog | None = None
    changelog: tuple[dict[str, Any], ...] = ()
    changelog_id: str = ""


@dataclass(frozen=True)
class ChangePage:
    """One page of ``worklog/updated`` or ``worklog/deleted``: (id, epoch ms) oldest first."""

    values: tuple[tuple[int, int], ...]
    since: int
    until: int
    last: bool


class Adjustment(StrEnum):
    """``adjustEstimate``: how a worklog change moves the issue's remaining estimate."""

    AUTO = "auto"
    LEAVE = "leave"
    NEW = "new"
    MANUAL = "manual"


@dataclass(frozen=True)
class EstimateChange:
    how: Adjustment = Adjustment.AUTO
    seconds: int | None = None
    """The new estimate (``new``) or the amount to move it by (``manual``)."""


Listener = Callable[[Event], None]


class SandboxState:
    def __init__(self, clock: SandboxClock, catalogue: Catalogue | None = None) -> None:
        self.clock = clock
        self.catalogue = catalogue or Catalogue()
        self._lock = threading.RLock()
        self._users: dict[str, User] = {}
        self._projects: dict[str, Project] = {}
        self._issues: dict[str, Issue] = {}
        self._worklogs: dict[int, Worklog] = {}
        self._deleted: dict[int, datetime] = {}
        self._listeners: list[Listener] = []
        self._next = {"project": FIRST_ID, "issue": FIRST_ID, "worklog": FIRST_ID}
        self._next.update({"comment": FIRST_ID, "changelog": FIRST_ID, "rank": 1})
        self._next["task"] = FIRST_ID
        self._tasks: dict[str, int] = {}
        """Task id -> times read (a bulk update's task reads RUNNING once, then COMPLETE)."""
        self.bulk_property_calls = 0

    # -- set-up ------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def add_user(self, user: User) -> None:
        with self._lock:
            if user.account_id in self._users:
                raise ValueError(f"user {user.account_id!r} is defined twice")
            self._users[user.account_id] = user

    def add_project(self, key: str, name: str, components: Iterable[str] = ()) -> Project:
        with self._lock:
            if key in {p.key for p in self._projects.values()}:
                raise ValueError(f"project {key!r} is defined twice")
            project_id = self._take("project")
            named = tuple(Named(str(int(project_id) * 10 + n), c) for n, c in enumerate(components))
            project = Project(project_id, key, name, named)
            self._projects[project_id] = project
            return project

    def add_field(self, definition: FieldDef) -> None:
        with self._lock:
            if self.catalogue.field(definition.id) is not None:
                raise ValueError(f"field {definition.id!r} is defined twice")
            self.catalogue.fields = (*self.catalogue.fields, definition)

    # -- reading -----------------------------------------------------------------------------

    def authenticate(self, email: str, token: str) -> User | None:
        with self._lock:
            for user in self._users.values():
                if user.api_token is not None and (email, token) == (user.email, user.api_token):
                    return user
            return None

    def user(self, account_id: str) -> User:
        with self._lock:
            try:
                return self._users[account_id]
            except KeyError:
                raise bad_request(f"There is no user with the account id {account_id!r}.") from None

    def users(self) -> list[User]:
        with self._lock:
            return list(self._users.values())

    def projects(self) -> list[Project]:
        with self._lock:
            return sorted(self._projects.values(), key=lambda p: p.key)

    def project(self, reference: str) -> Project | None:
        with self._lock:
            for project in self._projects.values():
                if reference in (project.id, project.key) or reference == project.name:
                    return project
            return None

    def issue(self, id_or_key: str) -> Issue:
        """A copy of the issue, safe to read outside the lock."""
        with self._lock:
            return copy.deepcopy(self._find(id_or_key))

    def _find(self, id_or_key: str) -> Issue:
        issue = self._issues.get(id_or_key)
        if issue is None:
            issue = next((i for i in self._issues.values() if i.key == id_or_key.upper()), None)
        if issue is None:
            raise not_found_issue()
        return issue

    def search(self, query: Query) -> list[Issue]:
        with self._lock:
            tests = [self._filter(f) for f in query.filters]
            found = [
                issue
                for issue in self._issues.values()
                if all(test(issue) for test in tests)
                and all(bound.admits(getattr(issue, bound.field)) for bound in query.times)
            ]
            return copy.deepcopy(_sorted(found, query.order or (("created", Direction.DESC),)))

    def _filter(self, clause: ValueFilter) -> Callable[[Issue], bool]:
        """A test of one clause; a value naming nothing is a 400, as in Jira."""
        if clause.field == "issue":
            refs = {v.upper() for v in clause.values}
            return lambda issue: (issue.id in refs or issue.key in refs) != clause.negated
        names: dict[str, Callable[[Issue], set[str]]] = {
            "project": lambda i: _folded(i.project.id, i.project.key, i.project.name),
            "status": lambda i: _folded(i.status.id, i.status.name),
            "statusCategory": lambda i: _category_names(i.status.category),
        }
        wanted = {value.casefold() for value in clause.values}
        for value in clause.values:
            if value.casefold() not in self._vocabulary(clause.field):
                raise bad_request(
                    f"The value '{value}' does not exist for the field '{clause.field}'."
                )
        return lambda issue: bool(names[clause.field](issue) & wanted) != clause.negated

    def _vocabulary(self, field_name: str) -> set[str]:
        if field_name == "project":
            return {n for p in self._projects.values() for n in _folded(p.id, p.key, p.name)}
        if field_name == "status":
            return {n for s in self.catalogue.statuses for n in _folded(s.id, s.name)}
        return {n for key in ("new", "indeterminate", "done") for n in _category_names(key)}

    def issue_worklogs(self, id_or_key: str) -> list[Worklog]:
        """The issue's worklogs, oldest created first, as ``GET issue/{key}/worklog`` lists them."""
        with self._lock:
            issue = self._find(id_or_key)
            found = [w for w in self._worklogs.values() if w.issue_id == issue.id]
            return copy.deepcopy(sorted(found, key=lambda w: (w.created, w.id)))

    def worklog(self, id_or_key: str, worklog_id: str) -> Worklog:
        with self._lock:
            return copy.deepcopy(self._find_worklog(self._find(id_or_key), worklog_id))

    def _find_worklog(self, issue: Issue, worklog_id: str) -> Worklog:
        worklog = self._worklogs.get(int(worklog_id)) if worklog_id.isdigit() else None
        if worklog is None or worklog.issue_id != issue.id:
            raise ApiError(404, f"Cannot find worklog with id: {worklog_id}.")
        return worklog

    def worklogs(self, ids: Iterable[int]) -> list[Worklog]:
        """``worklog/list``: the worklogs that exist, in the order asked; unknown ids left out."""
        with self._lock:
            return copy.deepcopy([self._worklogs[i] for i in ids if i in self._worklogs])

    def changed_worklogs(self, since_ms: int) -> ChangePage:
        with self._lock:
            changes = [(w.id, epoch_ms(w.updated)) for w in self._worklogs.values()]
            return self._page(changes, since_ms)

    def deleted_worklogs(self, since_ms: int) -> ChangePage:
        with self._lock:
            return self._page([(i, epoch_ms(at)) for i, at in self._deleted.items()], since_ms)

    def _page(self, changes: list[tuple[int, int]], since_ms: int) -> ChangePage:
        """Changes at or after ``since``, older than a minute, 1000 a page, oldest first.

        ``since`` is inclusive, so a client resuming from ``until`` sees the boundary
        change again (a repeat, never a loss). ``until`` is the last change's time, or
        ``since`` when the page is empty.
        """
        cutoff = epoch_ms(self.clock.now() - CHANGE_LAG)
        visible = sorted((ms, i) for i, ms in changes if since_ms <= ms <= cutoff)
        page = visible[:CHANGES_PER_PAGE]
        until = page[-1][0] if page else since_ms
        return ChangePage(
            tuple((i, ms) for ms, i in page), since_ms, until, len(visible) <= CHANGES_PER_PAGE
        )

    def issue_property(self, id_or_key: str, key: str) -> Any:
        with self._lock:
            properties = self._find(id_or_key).properties
            if key not in properties:
                raise ApiError(404, f"The property with key '{key}' does not exist.")
            return copy.deepcopy(properties[key])

    # -- issues ------------------------------------------------------------------------------

    def create_issue(
        self,
        fields: Mapping[str, Any],
        actor: User,
        *,
        key: str | None = None,
        status: str | None = None,
        created: datetime | None = None,
        updated: datetime | None = None,
        notify: bool = True,
    ) -> Issue:
        """A new issue from REST-shaped ``fields``; the keyword arguments serve the seed."""
        with self._lock:
            errors: dict[str, str] = {}
            project = self._project_field(fields.get("project"), errors)
            summary = fields.get("summary")
            if not isinstance(summary, str) or not summary.strip():
                errors["summary"] = "You must specify a summary of the issue."
            types = self.catalogue.issue_types
            chosen = _named(types, fields.get("issuetype"), "issuetype", errors)
            if errors or project is None or chosen is None or not isinstance(summary, str):
                raise bad_request(errors=errors)
            key = key or f"{project.key}-{self._next_number(project)}"
            if not key.startswith(f"{project.key}-"):
                raise bad_request(f"The key {key} is not a key of the project {project.key}.")
            if any(i.key == key for i in self._issues.values()):
                raise bad_request(f"An issue with key {key} already exists.")
            now = self.clock.now()
            issue = Issue(
                id="",
                key=key,
                project=project,
                summary=summary,
                issue_type=chosen,
                status=self._status(status),
                reporter=actor,
                created=created or now,
                updated=updated or created or now,
                rank=0,
            )
            rest = {k: v for k, v in fields.items() if k not in {"project", "summary", "issuetype"}}
            self._apply(issue, self._coerce_all(issue, rest, {}))
            issue.id, issue.rank = self._take("issue"), self._take_int("rank")
            self._issues[issue.id] = issue
            if notify:
                self._emit(Event(EventKind.ISSUE_CREATED, now, actor, copy.deepcopy(issue)))
            return copy.deepcopy(issue)

    def edit_issue(
        self,
        id_or_key: str,
        fields: Mapping[str, Any],
        update: Mapping[str, Any],
        actor: User,
    ) -> None:
        """``PUT issue``: validate everything, then apply; one event with the changelog."""
        with self._lock:
            issue = self._find(id_or_key)
            values = self._coerce_all(issue, fields, update)
            before = copy.deepcopy(issue)
            self._apply(issue, values)
            items = self._changelog(before, issue)
            if not items:
                return
            issue.updated = self.clock.now()
            self._emit(
                Event(
                    EventKind.ISSUE_UPDATED,
                    issue.updated,
                    actor,
                    copy.deepcopy(issue),
                    changelog=tuple(items),
                    changelog_id=self._take("changelog"),
                )
            )

    def delete_issue(self, id_or_key: str, actor: User) -> None:
        with self._lock:
            issue = self._find(id_or_key)
            now = self.clock.now()
            for worklog in [w for w in self._worklogs.values() if w.issue_id == issue.id]:
                del self._worklogs[worklog.id]
                self._deleted[worklog.id] = now
            del self._issues[issue.id]
            self._emit(Event(EventKind.ISSUE_DELETED, now, actor, copy.deepcopy(issue)))

    def set_issue_property(self, id_or_key: str, key: str, value: Any, size: int) -> bool:
        """Store a property; True when it is new (Jira answers 201), False when replaced (200)."""
        with self._lock:
            issue = self._find(id_or_key)
            if not key or len(key) > 255:
                raise bad_request("The property key must be between 1 and 255 characters long.")
            if size > PROPERTY_MAX_BYTES:
                raise bad_request(
                    f"The property value is {size} bytes; the limit is {PROPERTY_MAX_BYTES}."
                )
            created = key not in issue.properties
            issue.properties[key] = copy.deepcopy(value)
            return created

    def set_property_on_issues(self, key: str, value: Any, entity_ids: list[int], size: int) -> str:
        """The bulk property update: every listed issue that exists gets the value; the id
        of the task that did it. Unknown ids are skipped, as Jira's filter skips them."""
        with self._lock:
            if size > PROPERTY_MAX_BYTES:
                raise bad_request(
                    f"The property value is {size} bytes; the limit is {PROPERTY_MAX_BYTES}."
                )
            if not key or len(key) > 255:
                raise bad_request("The property key must be between 1 and 255 characters long.")
            for entity_id in entity_ids:
                issue = self._issues.get(str(entity_id))
                if issue is not None:
                    issue.properties[key] = copy.deepcopy(value)
            task_id = self._take("task")
            self._tasks[task_id] = 0
            self.bulk_property_calls += 1
            return task_id

    def task(self, task_id: str, base: str) -> dict[str, Any]:
        """A task's progress: RUNNING on its first read, COMPLETE after."""
        with self._lock:
            if task_id not in self._tasks:
                raise ApiError(404, f"Task {task_id} does not exist.")
            reads = self._tasks[task_id]
            self._tasks[task_id] = reads + 1
        done = reads > 0
        return {
            "self": f"{base}/{task_id}",
            "id": task_id,
            "description": "Bulk issue property update",
            "status": "COMPLETE" if done else "RUNNING",
            "progress": 100 if done else 50,
            "elapsedRuntime": 1,
            "submitted": 0,
            "lastUpdate": 0,
            "submittedBy": 0,
        }

    def add_comment(self, id_or_key: str, body: Document, actor: User) -> Comment:
        with self._lock:
            issue = self._find(id_or_key)
            now = self.clock.now()
            comment = Comment(self._take("comment"), actor, copy.deepcopy(body), now, now)
            issue.comments.append(comment)
            issue.updated = now
            return copy.deepcopy(comment)

    def comments(self, id_or_key: str) -> list[Comment]:
        with self._lock:
            return copy.deepcopy(self._find(id_or_key).comments)

    # -- worklogs ----------------------------------------------------------------------------

    def add_worklog(
        self,
        id_or_key: str,
        actor: User,
        started: datetime,
        seconds: int,
        *,
        comment: Document | None = None,
        estimate: EstimateChange | None = None,
        created: datetime | None = None,
        updated: datetime | None = None,
        worklog_id: int | None = None,
        notify: bool = True,
    ) -> Worklog:
        with self._lock:
            issue = self._find(id_or_key)
            _check_seconds(seconds)
            now = self.clock.now()
            if worklog_id is not None and (
                worklog_id in self._worklogs or worklog_id in self._deleted
            ):
                raise ValueError(f"worklog id {worklog_id} is used twice")
            new_id = worklog_id if worklog_id is not None else int(self._take("worklog"))
            self._next["worklog"] = max(self._next["worklog"], new_id + 1)
            at = created or now
            worklog = Worklog(
                new_id, issue.id, actor, actor, started, seconds, at, updated or at, comment
            )
            self._worklogs[worklog.id] = worklog
            self._spend(issue, seconds, estimate or EstimateChange(), now if notify else None)
            if notify:
                self._emit(Event(EventKind.WORKLOG_CREATED, now, actor, worklog=replace(worklog)))
            return copy.deepcopy(worklog)

    def update_worklog(
        self,
        id_or_key: str,
        worklog_id: str,
        actor: User,
        *,
        started: datetime | None = None,
        seconds: int | None = None,
        comment: Document | None = None,
        estimate: EstimateChange | None = None,
    ) -> Worklog:
        with self._lock:
            issue = self._find(id_or_key)
            worklog = self._find_worklog(issue, worklog_id)
            if seconds is not None:
                _check_seconds(seconds)
                self._spend(issue, seconds - worklog.seconds, estimate or EstimateChange(), None)
                worklog.seconds = seconds
            if started is not None:
                worklog.started = started
            if comment is not None:
                worklog.comment = comment
            now = self.clock.now()
            worklog.updated = now
            worklog.update_author = actor
            issue.updated = now
            self._emit(Event(EventKind.WORKLOG_UPDATED, now, actor, worklog=replace(worklog)))
            return copy.deepcopy(worklog)

    def delete_worklog(
        self,
        id_or_key: str,
        worklog_id: str,
        actor: User,
        estimate: EstimateChange | None = None,
    ) -> None:
        with self._lock:
            issue = self._find(id_or_key)
            worklog = self._find_worklog(issue, worklog_id)
            now = self.clock.now()
            del self._worklogs[worklog.id]
            self._deleted[worklog.id] = now
            self._spend(issue, -worklog.seconds, estimate or EstimateChange(), now)
            self._emit(Event(EventKind.WORKLOG_DELETED, now, actor, worklog=replace(worklog)))

    def _spend(
        self, issue: Issue, seconds: int, estimate: EstimateChange, now: datetime | None
    ) -> None:
        issue.time_spent = max(0, issue.time_spent + seconds)
        if now is not None:
            issue.updated = now
        match estimate.how:
            case Adjustment.NEW:
                issue.remaining_estimate = estimate.seconds
            case Adjustment.MANUAL if issue.remaining_estimate is not None:
                change = estimate.seconds or 0
                issue.remaining_estimate = max(
                    0, issue.remaining_estimate + (change if seconds < 0 else -change)
                )
            case Adjustment.AUTO if issue.remaining_estimate is not None:
                issue.remaining_estimate = max(0, issue.remaining_estimate - seconds)
            case _:
                pass

    # -- field values ------------------------------------------------------------------------

    def _coerce_all(
        self, issue: Issue, fields: Mapping[str, Any], update: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Every field's new value, or a 400 naming each field that cannot take its value."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        for field_id, value in fields.items():
            values[field_id] = self._coerce(issue, field_id, value, errors)
        for field_id, operations in update.items():
            if field_id != "labels":
                errors[field_id] = (
                    f"Field '{field_id}' cannot be updated with operations in the sandbox "
                    "(only labels)."
                )
                continue
            current = values.get("labels", issue.labels)
            values["labels"] = _label_operations(current, operations, errors)
        if errors:
            raise bad_request(errors=errors)
        return values

    def _coerce(self, issue: Issue, field_id: str, value: Any, errors: dict[str, str]) -> Any:
        definition = self.catalogue.field(field_id)
        unsettable = {"project", "status", "created", "updated", "reporter"}
        if definition is None or definition.kind is FieldKind.RANK or field_id in unsettable:
            errors[field_id] = (
                f"Field '{field_id}' cannot be set. "
                "It is not on the appropriate screen, or unknown."
            )
            return None
        if definition.custom:
            return self._custom_value(definition, value, errors)
        system: dict[str, Callable[[], Any]] = {
            "summary": lambda: _summary(value, errors),
            "description": lambda: _document_value(value, field_id, errors),
            "issuetype": lambda: _named(self.catalogue.issue_types, value, field_id, errors),
            "priority": lambda: _named(
                self.catalogue.priorities, value, field_id, errors, nullable=True
            ),
            "labels": lambda: _labels(value, errors),
            "components": lambda: _components(issue.project, value, errors),
            "timetracking": lambda: _timetracking(value, errors),
        }
        return system[field_id]()

    def _custom_value(self, definition: FieldDef, value: Any, errors: dict[str, str]) -> Any:
        accepted: Any = None
        match definition.kind:
            case _ if value is None:
                return None
            case FieldKind.TEXT if isinstance(value, str):
                accepted = value
            case FieldKind.NUMBER if isinstance(value, int | float) and not isinstance(value, bool):
                accepted = value
            case FieldKind.SELECT if isinstance(value, dict):
                reference = value.get("id", value.get("value"))
                accepted = definition.option(reference) if isinstance(reference, str) else None
            case FieldKind.REQUEST_TYPE:
                accepted = find_named(self.catalogue.request_types, value)
        if accepted is None:
            errors[definition.id] = (
                f"The value {value!r} is not valid for the field '{definition.name}'."
            )
        return accepted

    def _apply(self, issue: Issue, values: Mapping[str, Any]) -> None:
        attributes = {"issuetype": "issue_type", "summary": "summary", "description": "description"}
        attributes |= {"priority": "priority", "labels": "labels", "components": "components"}
        for field_id, value in values.items():
            if field_id in attributes:
                setattr(issue, attributes[field_id], value)
            elif field_id == "timetracking":
                _apply_estimates(issue, *value)
            elif value is None:
                issue.custom.pop(field_id, None)
            else:
                issue.custom[field_id] = value

    def _changelog(self, before: Issue, after: Issue) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        if before.summary != after.summary:
            items.append(
                _item("summary", "jira", "summary", (None, before.summary), (None, after.summary))
            )
        if before.description != after.description:
            old_text, new_text = document_text(before.description), document_text(after.description)
            items.append(
                _item("description", "jira", "description", (None, old_text), (None, new_text))
            )
        for field_id, attribute in (("issuetype", "issue_type"), ("priority", "priority")):
            old, new = getattr(before, attribute), getattr(after, attribute)
            if old != new:
                items.append(_named_item(field_id, "jira", field_id, old, new))
        if before.labels != after.labels:
            old_labels, new_labels = " ".join(before.labels), " ".join(after.labels)
            items.append(_item("labels", "jira", "labels", (None, old_labels), (None, new_labels)))
        items.extend(_component_items(before.components, after.components))
        items.extend(_estimate_items(before, after))
        for definition in self.catalogue.fields:
            old, new = before.custom.get(definition.id), after.custom.get(definition.id)
            if definition.custom and old != new:
                items.append(_named_item(definition.name, "custom", definition.id, old, new))
        return items

    # -- helpers -----------------------------------------------------------------------------

    def _project_field(self, value: Any, errors: dict[str, str]) -> Project | None:
        reference = value.get("key", value.get("id")) if isinstance(value, dict) else value
        project = self.project(reference) if isinstance(reference, str) else None
        if project is None:
            errors["project"] = "Specify a valid project ID or key"
        return project

    def _status(self, name: str | None) -> Status:
        if name is None:
            return self.catalogue.statuses[0]
        status = self.catalogue.status(name)
        if status is None:
            known = ", ".join(s.name for s in self.catalogue.statuses)
            raise ValueError(f"unknown status {name!r} (known: {known})")
        return status

    def _next_number(self, project: Project) -> int:
        numbers = [i.number for i in self._issues.values() if i.project.id == project.id]
        return max(numbers, default=0) + 1

    def _take(self, counter: str) -> str:
        return str(self._take_int(counter))

    def _take_int(self, counter: str) -> int:
        value = self._next[counter]
        self._next[counter] = value + 1
        return value

    def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)


def _folded(*names: str) -> set[str]:
    return {name.casefold() for name in names}


def _category_names(key: str) -> set[str]:
    category = status_category(key)
    return _folded(key, str(category["id"]), str(category["name"]))


def _sorted(issues: list[Issue], order: tuple[tuple[str, Direction], ...]) -> list[Issue]:
    ordered = sorted(issues, key=lambda i: int(i.id))
    for name, direction in reversed(order):
        ordered.sort(key=_sort_key(name), reverse=direction is Direction.DESC)
    return ordered


def _sort_key(name: str) -> Callable[[Issue], Any]:
    keys: dict[str, Callable[[Issue], Any]] = {
        "updated": lambda i: i.updated,
        "created": lambda i: i.created,
        "key": lambda i: (i.project.key, i.number),
        "id": lambda i: int(i.id),
        "rank": lambda i: i.rank,
    }
    return keys[name]


def _apply_estimates(issue: Issue, original: int | None, remaining: int | None) -> None:
    if original is not None:
        issue.original_estimate = original
        if issue.remaining_estimate is None and remaining is None:
            remaining = original
    if remaining is not None:
        issue.remaining_estimate = remaining


def _summary(value: Any, errors: dict[str, str]) -> Any:
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        errors["summary"] = "The summary must be 1 to 255 characters."
    return value


def _check_seconds(seconds: int) -> None:
    if seconds <= 0:
        raise bad_request(errors={"timeLogged": "You must indicate the time spent working."})


def _named(
    choices: tuple[Named, ...],
    value: Any,
    field_id: str,
    errors: dict[str, str],
    *,
    nullable: bool = False,
) -> Named | None:
    if value is None and nullable:
        return None
    found = find_named(choices, value)
    if found is None:
        errors[field_id] = f"Specify a valid '{field_id}' id or name (got {value!r})."
    return found


def _document_value(value: Any, field_id: str, errors: dict[str, str]) -> Document | None:
    if value is None or is_document(value):
        return copy.deepcopy(value)  # type: ignore[no-any-return]
    errors[field_id] = (
        "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
    )
    return None


def _labels(value: Any, errors: dict[str, str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors["labels"] = "The labels must be a list of strings."
        return []
    for label in value:
        if not label or " " in label:
            errors["labels"] = f"The label '{label}' contains spaces which is invalid."
    return list(dict.fromkeys(value))


def _label_operations(current: list[str], operations: Any, errors: dict[str, str]) -> list[str]:
    labels = list(current)
    if not isinstance(operations, list):
        errors["labels"] = "The labels update must be a list of operations."
        return labels
    for operation in operations:
        if not isinstance(operation, dict) or len(operation) != 1:
            errors["labels"] = f"Unsupported labels operation {operation!r}."
            continue
        ((verb, value),) = operation.items()
        if verb == "set":
            labels = _labels(value, errors)
        elif verb in {"add", "remove"} and isinstance(value, str) and value and " " not in value:
            if verb == "add" and value not in labels:
                labels.append(value)
            if verb == "remove" and value in labels:
                labels.remove(value)
        else:
            errors["labels"] = f"Unsupported labels operation {operation!r}."
    return labels


def _components(project: Project, value: Any, errors: dict[str, str]) -> list[Named]:
    if not isinstance(value, list):
        errors["components"] = "The components must be a list of {id} or {name} objects."
        return []
    found = []
    for reference in value:
        component = find_named(project.components, reference)
        if component is None:
            errors["components"] = f"Component {reference!r} is not valid for {project.key}."
        else:
            found.append(component)
    return found


def _timetracking(value: Any, errors: dict[str, str]) -> tuple[int | None, int | None]:
    if not isinstance(value, dict):
        errors["timetracking"] = "Time tracking must be an object."
        return None, None
    parsed: list[int | None] = []
    for name in ("originalEstimate", "remainingEstimate"):
        text = value.get(name)
        try:
            parsed.append(None if text is None else parse_duration(str(text)))
        except DurationError as exc:
            errors["timetracking"] = str(exc)
            parsed.append(None)
    return parsed[0], parsed[1]


Texts = tuple[str | None, str | None]
"""A changelog side: the stored value (an id) and its display string."""


def _item(name: str, kind: str, field_id: str, old: Texts, new: Texts) -> dict[str, Any]:
    return {
        "field": name,
        "fieldtype": kind,
        "fieldId": field_id,
        "from": old[0],
        "fromString": old[1],
        "to": new[0],
        "toString": new[1],
    }


def _as_text(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, Named):
        return value.id, value.name
    return None, str(value)


def _named_item(name: str, kind: str, field_id: str, old: Any, new: Any) -> dict[str, Any]:
    return _item(name, kind, field_id, _as_text(old), _as_text(new))


def _component_items(before: list[Named], after: list[Named]) -> list[dict[str, Any]]:
    removed = [c for c in before if c not in after]
    added = [c for c in after if c not in before]
    items = [_named_item("Component", "jira", "components", c, None) for c in removed]
    return items + [_named_item("Component", "jira", "components", None, c) for c in added]


def _estimate_items(before: Issue, after: Issue) -> list[dict[str, Any]]:
    items = []
    for name, attribute in (
        ("timeoriginalestimate", "original_estimate"),
        ("timeestimate", "remaining_estimate"),
    ):
        old, new = getattr(before, attribute), getattr(after, attribute)
        if old != new:
            old_text = None if old is None else str(old)
            new_text = None if new is None else str(new)
            items.append(_item(name, "jira", name, (old_text, old_text), (new_text, new_text)))
    return items

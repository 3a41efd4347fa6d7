"""The sandbox's objects as Jira writes them: REST v3 JSON, and v2 JSON for webhook bodies.

The two differ as the real ones do: ``self`` links name the API version, and rich
text (descriptions, worklog comments) is an Atlassian Document in v3 and plain text
in v2 (webhooks carry v2, as every captured payload does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from oms_connector.sandbox.catalogue import (
    Catalogue,
    FieldDef,
    FieldKind,
    Named,
    Status,
    status_category,
)
from oms_connector.sandbox.documents import Document, document_text
from oms_connector.sandbox.durations import duration_text
from oms_connector.sandbox.state import Comment, Event, EventKind, Issue, Project, User, Worklog
from oms_connector.sandbox.times import epoch_ms, jira_time

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
NOT_NAVIGABLE = frozenset({"timetracking"})


def select_fields(catalogue: Catalogue, requested: Iterable[str] | None, default: str) -> list[str]:
    """The field ids a ``fields`` parameter asks for (``*all``, ``*navigable``, ``-name``, ids).

    Unknown names are ignored, as Jira does; ``id`` and ``key`` are always in the issue.
    """
    items = [i.strip() for text in requested or [default] for i in text.split(",") if i.strip()]
    known = [d.id for d in catalogue.fields]
    chosen: list[str] = []
    for item in items:
        if item == "*all":
            chosen.extend(known)
        elif item == "*navigable":
            chosen.extend(f for f in known if f not in NOT_NAVIGABLE)
        elif item in known:
            chosen.append(item)
    excluded = {item[1:] for item in items if item.startswith("-")}
    return [f for f in dict.fromkeys(chosen) if f not in excluded]


class Representation:
    def __init__(self, catalogue: Catalogue, base_url: str, version: str = "3") -> None:
        self._catalogue = catalogue
        self._base = base_url.rstrip("/")
        self._version = version
        self.api = f"{self._base}/rest/api/{version}"

    @property
    def rich_text(self) -> bool:
        return self._version == "3"

    def text(self, document: Document | None) -> Any:
        return document if self.rich_text else document_text(document)

    # -- people and projects -----------------------------------------------------------------

    def user(self, user: User, *, email: bool = True) -> dict[str, Any]:
        avatar = f"{self._base}/secure/useravatar?ownerId={quote(user.account_id)}"
        body: dict[str, Any] = {
            "self": f"{self.api}/user?accountId={quote(user.account_id)}",
            "accountId": user.account_id,
            "avatarUrls": {size: f"{avatar}&size={size}" for size in _AVATAR_SIZES},
            "displayName": user.display_name,
            "active": True,
            "timeZone": user.time_zone,
            "accountType": "atlassian",
        }
        if email and user.email:
            body["emailAddress"] = user.email
        return body

    def myself(self, user: User) -> dict[str, Any]:
        return {**self.user(user), "locale": "en_US"}

    def project(self, project: Project) -> dict[str, Any]:
        avatar = f"{self._base}/secure/projectavatar?pid={project.id}"
        return {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "self": f"{self.api}/project/{project.id}",
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "avatarUrls": {size: f"{avatar}&size={size}" for size in _AVATAR_SIZES},
            "projectTypeKey": project.project_type,
            "simplified": False,
            "style": "classic",
            "isPrivate": False,
            "properties": {},
        }

    def field(self, definition: FieldDef) -> dict[str, Any]:
        return {
            "id": definition.id,
            "key": definition.id,
            "name": definition.name,
            "custom": definition.custom,
            "orderable": definition.kind is not FieldKind.RANK,
            "navigable": definition.id not in NOT_NAVIGABLE,
            "searchable": definition.searchable,
            "clauseNames": definition.clause_names(),
            "schema": definition.schema(),
        }

    # -- issues ------------------------------------------------------------------------------

    def issue(self, issue: Issue, fields: Iterable[str]) -> dict[str, Any]:
        return {
            "expand": ISSUE_EXPAND,
            "id": issue.id,
            "self": f"{self.api}/issue/{issue.id}",
            "key": issue.key,
            "fields": {field_id: self.value(issue, field_id) for field_id in fields},
        }

    def value(self, issue: Issue, field_id: str) -> Any:
        system: dict[str, Callable[[], Any]] = {
            "summary": lambda: issue.summary,
            "description": lambda: self.text(issue.description) or None,
            "project": lambda: self._project_ref(issue.project),
            "issuetype": lambda: self._issue_type(issue.issue_type),
            "priority": lambda: self._priority(issue.priority),
            "status": lambda: self._status(issue.status),
            "resolution": lambda: self._resolution(issue.status),
            "labels": lambda: list(issue.labels),
            "components": lambda: [self._component(c) for c in issue.components],
            "reporter": lambda: self.user(issue.reporter),
            "created": lambda: jira_time(issue.created),
            "updated": lambda: jira_time(issue.updated),
            "timetracking": lambda: _timetracking(issue),
        }
        if field_id in system:
            return system[field_id]()
        definition = self._catalogue.field(field_id)
        if definition is None:
            return None
        if definition.kind is FieldKind.RANK:
            return f"0|i{issue.rank:05d}:"
        return self._custom(definition, issue, issue.custom.get(field_id))

    def _custom(self, definition: FieldDef, issue: Issue, value: Any) -> Any:
        if isinstance(value, Named) and definition.kind is FieldKind.SELECT:
            option_url = f"{self.api}/customFieldOption/{value.id}"
            return {"self": option_url, "value": value.name, "id": value.id}
        if isinstance(value, Named):
            return {
                "requestType": {"id": value.id, "name": value.name, "serviceDeskId": "1"},
                "currentStatus": {"status": issue.status.name},
            }
        return value

    def _project_ref(self, project: Project) -> dict[str, Any]:
        full = self.project(project)
        return {k: full[k] for k in ("self", "id", "key", "name", "projectTypeKey", "avatarUrls")}

    def _issue_type(self, issue_type: Named) -> dict[str, Any]:
        return {
            "self": f"{self.api}/issuetype/{issue_type.id}",
            "id": issue_type.id,
            "description": "",
            "iconUrl": f"{self._base}/images/icons/issuetypes/{issue_type.id}.svg",
            "name": issue_type.name,
            "subtask": False,
            "hierarchyLevel": 0,
        }

    def _priority(self, priority: Named | None) -> dict[str, Any] | None:
        if priority is None:
            return None
        return {
            "self": f"{self.api}/priority/{priority.id}",
            "iconUrl": f"{self._base}/images/icons/priorities/{priority.name.lower()}.svg",
            "name": priority.name,
            "id": priority.id,
        }

    def _status(self, status: Status) -> dict[str, Any]:
        category = status_category(status.category)
        return {
            "self": f"{self.api}/status/{status.id}",
            "description": "",
            "iconUrl": f"{self._base}/images/icons/statuses/generic.png",
            "name": status.name,
            "id": status.id,
            "statusCategory": {"self": f"{self.api}/statuscategory/{category['id']}", **category},
        }

    def _resolution(self, status: Status) -> dict[str, Any] | None:
        """Set (``Done``) on an issue in a status of the done category, as a workflow does."""
        if status.category != "done":
            return None
        return {
            "self": f"{self.api}/resolution/10000",
            "id": "10000",
            "description": "Work has been completed on this issue.",
            "name": "Done",
        }

    def _component(self, component: Named) -> dict[str, Any]:
        return {
            "self": f"{self.api}/component/{component.id}",
            "id": component.id,
            "name": component.name,
        }

    # -- worklogs and comments ---------------------------------------------------------------

    def worklog(self, worklog: Worklog) -> dict[str, Any]:
        body: dict[str, Any] = {
            "self": f"{self.api}/issue/{worklog.issue_id}/worklog/{worklog.id}",
            "author": self.user(worklog.author, email=False),
            "updateAuthor": self.user(worklog.update_author, email=False),
        }
        if worklog.comment is not None or not self.rich_text:
            body["comment"] = self.text(worklog.comment)
        body |= {
            "created": jira_time(worklog.created),
            "updated": jira_time(worklog.updated),
            "started": jira_time(worklog.started),
            "timeSpent": duration_text(worklog.seconds),
            "timeSpentSeconds": worklog.seconds,
            "id": str(worklog.id),
            "issueId": worklog.issue_id,
        }
        return body

    def comment(self, issue_id: str, comment: Comment) -> dict[str, Any]:
        return {
            "self": f"{self.api}/issue/{issue_id}/comment/{comment.id}",
            "id": comment.id,
            "author": self.user(comment.author, email=False),
            "body": self.text(comment.body),
            "updateAuthor": self.user(comment.author, email=False),
            "created": jira_time(comment.created),
            "updated": jira_time(comment.updated),
            "jsdPublic": True,
        }

    # -- webhook bodies ----------------------------------------------------------------------

    def event(self, event: Event) -> dict[str, Any]:
        """The body Jira posts for ``event`` (use a v2 representation, like Jira)."""
        body: dict[str, Any] = {"timestamp": epoch_ms(event.at), "webhookEvent": str(event.kind)}
        if event.worklog is not None:
            body["worklog"] = self.worklog(event.worklog)
            if event.kind is not EventKind.WORKLOG_UPDATED:
                body["isFromIssueLimitTransformation"] = False
            return body
        assert event.issue is not None
        body["issue_event_type_name"] = _ISSUE_EVENT_TYPES[event.kind]
        body["user"] = self.user(event.actor)
        body["issue"] = self.issue(event.issue, [d.id for d in self._catalogue.fields])
        del body["issue"]["expand"]
        if event.kind is EventKind.ISSUE_UPDATED:
            body["changelog"] = {"id": event.changelog_id, "items": list(event.changelog)}
        return body


_AVATAR_SIZES = ("48x48", "24x24", "16x16", "32x32")
_ISSUE_EVENT_TYPES = {
    EventKind.ISSUE_CREATED: "issue_created",
    EventKind.ISSUE_UPDATED: "issue_updated",
    EventKind.ISSUE_DELETED: "issue_deleted",
}


def _timetracking(issue: Issue) -> dict[str, Any]:
    tracking: dict[str, Any] = {}
    for name, seconds in (
        ("originalEstimate", issue.original_estimate),
        ("remainingEstimate", issue.remaining_estimate),
        ("timeSpent", issue.time_spent or None),
    ):
        if seconds is not None:
            tracking[name] = duration_text(seconds)
            tracking[f"{name}Seconds"] = seconds
    return tracking

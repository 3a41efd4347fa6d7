"""Fixed vocabularies of the sandbox site: issue types, priorities, statuses and fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Named:
    """Anything Jira names and numbers: an issue type, a priority, a status, an option."""

    id: str
    name: str


class FieldKind(StrEnum):
    SYSTEM = "system"
    SELECT = "select"
    TEXT = "text"
    NUMBER = "number"
    REQUEST_TYPE = "request_type"
    RANK = "rank"


_CUSTOM_TYPES: dict[FieldKind, tuple[str, str]] = {
    FieldKind.SELECT: ("option", "com.atlassian.jira.plugin.system.customfieldtypes:select"),
    FieldKind.TEXT: ("string", "com.atlassian.jira.plugin.system.customfieldtypes:textfield"),
    FieldKind.NUMBER: ("number", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
    FieldKind.REQUEST_TYPE: ("sd-customerrequesttype", "com.atlassian.servicedesk:vp-origin"),
    FieldKind.RANK: ("any", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
}


@dataclass(frozen=True)
class FieldDef:
    id: str
    name: str
    kind: FieldKind
    system_type: str = ""
    items: str = ""
    options: tuple[Named, ...] = ()
    searchable: bool = True

    @property
    def custom(self) -> bool:
        return self.kind is not FieldKind.SYSTEM

    def schema(self) -> dict[str, Any]:
        if not self.custom:
            schema: dict[str, Any] = {"type": self.system_type, "system": self.id}
            if self.items:
                schema["items"] = self.items
            return schema
        kind, uri = _CUSTOM_TYPES[self.kind]
        return {"type": kind, "custom": uri, "customId": int(self.id.removeprefix("customfield_"))}

    def clause_names(self) -> list[str]:
        if self.custom:
            return [f"cf[{self.id.removeprefix('customfield_')}]", self.name]
        return [self.id]

    def option(self, value: str) -> Named | None:
        for option in self.options:
            if value in (option.id, option.name):
                return option
        return None


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: str
    """``new``, ``indeterminate`` or ``done``."""


_CATEGORIES = {"new": (2, "To Do", "blue-gray"), "indeterminate": (4, "In Progress", "yellow")}
_CATEGORIES["done"] = (3, "Done", "green")


def status_category(key: str) -> dict[str, Any]:
    number, name, colour = _CATEGORIES[key]
    return {"id": number, "key": key, "colorName": colour, "name": name}


SYSTEM_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("summary", "Summary", FieldKind.SYSTEM, "string"),
    FieldDef("description", "Description", FieldKind.SYSTEM, "string"),
    FieldDef("project", "Project", FieldKind.SYSTEM, "project"),
    FieldDef("issuetype", "Issue Type", FieldKind.SYSTEM, "issuetype"),
    FieldDef("priority", "Priority", FieldKind.SYSTEM, "priority"),
    FieldDef("status", "Status", FieldKind.SYSTEM, "status"),
    FieldDef("labels", "Labels", FieldKind.SYSTEM, "array", "string"),
    FieldDef("components", "Components", FieldKind.SYSTEM, "array", "component"),
    FieldDef("reporter", "Reporter", FieldKind.SYSTEM, "user"),
    FieldDef("created", "Created", FieldKind.SYSTEM, "datetime"),
    FieldDef("updated", "Updated", FieldKind.SYSTEM, "datetime"),
    FieldDef("timetracking", "Time tracking", FieldKind.SYSTEM, "timetracking", searchable=False),
)

RANK_FIELD = "customfield_10019"
REQUEST_TYPE_FIELD = "customfield_10010"
OVERRIDE_FIELD = "customfield_10050"

DEFAULT_CUSTOM_FIELDS: tuple[FieldDef, ...] = (
    FieldDef(RANK_FIELD, "Rank", FieldKind.RANK),
    FieldDef(REQUEST_TYPE_FIELD, "Request Type", FieldKind.REQUEST_TYPE),
    FieldDef(
        OVERRIDE_FIELD,
        "Work type override",
        FieldKind.SELECT,
        options=(Named("10100", "OMS"), Named("10101", "PRIORITY")),
    ),
    FieldDef("customfield_10060", "OMS hours remaining", FieldKind.NUMBER),
    FieldDef("customfield_10061", "OMS work type", FieldKind.TEXT),
)

ISSUE_TYPES = (
    Named("10001", "Task"),
    Named("10002", "Bug"),
    Named("10003", "Story"),
    Named("10004", "Epic"),
    Named("10005", "Service Request"),
    Named("10006", "Incident"),
)
PRIORITIES = (
    Named("1", "Highest"),
    Named("2", "High"),
    Named("3", "Medium"),
    Named("4", "Low"),
    Named("5", "Lowest"),
)
STATUSES = (
    Status("10000", "To Do", "new"),
    Status("3", "In Progress", "indeterminate"),
    Status("10001", "Done", "done"),
)
REQUEST_TYPES = (
    Named("1", "Get IT help"),
    Named("2", "Report a bug"),
    Named("3", "Emergency"),
    Named("4", "Request a change"),
)


def find_named(choices: tuple[Named, ...], reference: object) -> Named | None:
    """A choice given as ``{"id": ...}``, ``{"name": ...}`` or a bare id or name."""
    if isinstance(reference, dict):
        reference = reference.get("id", reference.get("name"))
    if not isinstance(reference, str):
        return None
    for choice in choices:
        if reference in (choice.id, choice.name) or reference.casefold() == choice.name.casefold():
            return choice
    return None


@dataclass
class Catalogue:
    """The site's vocabularies; a seed can add custom fields, request types and options."""

    issue_types: tuple[Named, ...] = ISSUE_TYPES
    priorities: tuple[Named, ...] = PRIORITIES
    statuses: tuple[Status, ...] = STATUSES
    request_types: tuple[Named, ...] = REQUEST_TYPES
    fields: tuple[FieldDef, ...] = field(default=SYSTEM_FIELDS + DEFAULT_CUSTOM_FIELDS)

    def field(self, field_id: str) -> FieldDef | None:
        for definition in self.fields:
            if field_id == definition.id:
                return definition
        return None

    def status(self, name: str) -> Status | None:
        for status in self.statuses:
            if name.casefold() == status.name.casefold() or name == status.id:
                return status
        return None

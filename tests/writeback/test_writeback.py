"""Write-back through the real gateway: each target, only changed values, switchable."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
import responses

from oms_connector.adapters.jira_gateway import JiraRestGateway
from oms_connector.domain.classification import WorkType
from oms_connector.services.writeback import (
    FieldValue,
    Target,
    WritebackOptions,
    WritebackService,
)
from tests.domain.builders import NEW_YORK
from tests.gateway.jira_json import API
from tests.services.memory_store import MemoryStore
from tests.writeback.board import FixedClock, logged, plan, seed, stored_issue

PLANNED_TEXT = (
    "Planned OMS work (rule: default). Plan acme: 10 h a month; 6.50 h left until 2026-12-14."
)
PROPERTY = {
    "version": 1,
    "plan": "acme",
    "customer": "Acme Corp",
    "work_type": "oms",
    "reason_kind": "default",
    "reason": "rule: default",
    "override_by": None,
}


def document(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def sent(http: responses.RequestsMock) -> list[tuple[str, str, object]]:
    return [
        (c.request.method or "", c.request.url or "", json.loads(c.request.body or b"null"))
        for c in http.calls
    ]


@pytest.fixture
def http() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.put(f"{API}/issue/10001", status=204)
        mock.put(f"{API}/issue/10001/properties/oms-connector", status=200)
        mock.post(f"{API}/issue/10001/comment", status=201, json={"id": "1"})
        yield mock


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    seed(store, [stored_issue()], [logged("1", 150), logged("2", 60)])
    return store


def service(
    store: MemoryStore,
    gateway: JiraRestGateway,
    options: WritebackOptions | None = None,
    clock: FixedClock | None = None,
) -> WritebackService:
    return WritebackService(
        store, gateway, [plan()], options or WritebackOptions(), clock or FixedClock()
    )


def test_a_newly_classified_planned_ticket_gets_its_label_property_and_comment(
    http: responses.RequestsMock, store: MemoryStore, gateway: JiraRestGateway
) -> None:
    report = service(store, gateway).write_back(["10001"])

    assert sent(http) == [
        (
            "PUT",
            f"{API}/issue/10001",
            {"update": {"labels": [{"add": "oms-planned"}, {"remove": "priority-support"}]}},
        ),
        ("PUT", f"{API}/issue/10001/properties/oms-connector", PROPERTY),
        ("POST", f"{API}/issue/10001/comment", {"body": document(PLANNED_TEXT)}),
    ]
    assert report.sent == [
        ("ACME-1", Target.LABEL),
        ("ACME-1", Target.PROPERTY),
        ("ACME-1", Target.COMMENT),
    ]


def test_a_priority_ticket_is_told_its_rate_and_loses_the_planned_label(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    store = MemoryStore()
    seed(store, [stored_issue(work_type=WorkType.PRIORITY, reason="rule: urgent")])

    service(store, gateway).write_back(["10001"])

    labels, _, comment = sent(http)
    assert labels[2] == {
        "update": {"labels": [{"add": "priority-support"}, {"remove": "oms-planned"}]}
    }
    assert comment[2] == {
        "body": document("Reactive PRIORITY work (rule: urgent), billed at 62.50 USD/h.")
    }


def test_unchanged_values_cause_no_request(
    http: responses.RequestsMock, store: MemoryStore, gateway: JiraRestGateway
) -> None:
    writer = service(store, gateway)
    writer.write_back(["10001"])
    http.calls.reset()

    report = writer.write_back(["10001", "10001"])
    again = service(store, gateway).write_back(["10001"])

    assert len(http.calls) == 0
    assert report.sent == again.sent == []
    assert [target for _, target in again.unchanged] == [
        Target.LABEL,
        Target.PROPERTY,
        Target.COMMENT,
    ]


def test_a_new_worklog_leaves_the_ticket_s_own_values_as_they_are(
    http: responses.RequestsMock, store: MemoryStore, gateway: JiraRestGateway
) -> None:
    service(store, gateway).write_back(["10001"])
    seed(store, worklogs=[logged("3", 45)])
    http.calls.reset()

    service(store, gateway).write_back(["10001"])

    assert sent(http) == []  # the plan's budget is the other property, refreshed in bulk


def test_a_changed_work_type_moves_the_label_and_comments_again(
    http: responses.RequestsMock, store: MemoryStore, gateway: JiraRestGateway
) -> None:
    service(store, gateway).write_back(["10001"])
    reason = "override: label oms-override-priority, set by Jane Doe"
    with store.unit_of_work() as uow:
        old = uow.issues.get("10001")
        assert old is not None
        changed = replace(old, work_type=WorkType.PRIORITY, reason=reason, overridden=True)
        uow.issues.save_if_not_older(changed, datetime(2026, 12, 1, tzinfo=NEW_YORK))
        uow.commit()
    http.calls.reset()

    service(store, gateway).write_back(["10001"])

    labels, prop, comment = sent(http)
    assert labels[2] == {
        "update": {"labels": [{"add": "priority-support"}, {"remove": "oms-planned"}]}
    }
    assert prop[2] == {
        **PROPERTY,
        "work_type": "priority",
        "reason_kind": "override",
        "reason": "override: label oms-override-priority",
        "override_by": "Jane Doe",
    }
    assert comment[2] == {
        "body": document(
            "Reactive PRIORITY work (override: label oms-override-priority, set by Jane Doe), "
            "billed at 62.50 USD/h."
        )
    }


@pytest.mark.parametrize(
    ("switches", "requests"),
    [
        ({"label": True}, [("PUT", f"{API}/issue/10001")]),
        ({"property": True}, [("PUT", f"{API}/issue/10001/properties/oms-connector")]),
        ({"comment": True}, [("POST", f"{API}/issue/10001/comment")]),
        ({}, []),
        ({"label": True, "property": True, "comment": True, "enabled": False}, []),
    ],
)
def test_each_target_is_written_only_when_switched_on(
    switches: dict[str, bool],
    requests: list[tuple[str, str]],
    http: responses.RequestsMock,
    store: MemoryStore,
    gateway: JiraRestGateway,
) -> None:
    off = {"label": False, "property": False, "comment": False}
    options = WritebackOptions(**{**off, **switches})  # type: ignore[arg-type]

    service(store, gateway, options).write_back(["10001"])

    assert [(method, url) for method, url, _ in sent(http)] == requests


def test_configured_names_are_used_for_labels_and_the_property(
    http: responses.RequestsMock, store: MemoryStore, gateway: JiraRestGateway
) -> None:
    http.put(f"{API}/issue/10001/properties/agency.budget", status=201)
    options = WritebackOptions(
        comment=False, oms_label="planned", priority_label="urgent", property_key="agency.budget"
    )

    service(store, gateway, options).write_back(["10001"])

    assert [(url, body) for _, url, body in sent(http)] == [
        (f"{API}/issue/10001", {"update": {"labels": [{"add": "planned"}, {"remove": "urgent"}]}}),
        (f"{API}/issue/10001/properties/agency.budget", PROPERTY),
    ]


def test_a_label_jira_already_shows_is_recorded_without_a_request(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    store = MemoryStore()
    seed(store, [stored_issue(labels=["oms-planned", "seo"])])
    options = WritebackOptions(property=False, comment=False)

    first = service(store, gateway, options).write_back(["10001"])
    second = service(store, gateway, options).write_back(["10001"])

    assert len(http.calls) == 0
    assert first.sent == [("ACME-1", Target.LABEL)]
    assert second.unchanged == [("ACME-1", Target.LABEL)]


@pytest.mark.parametrize(
    "issue",
    [
        stored_issue(deleted=True),
        stored_issue(work_type=None),
        stored_issue(key="OTHER-1"),
    ],
    ids=["deleted", "unclassified", "unmapped project"],
)
def test_issues_with_nothing_to_show_are_skipped(
    issue: Any, http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    store = MemoryStore()
    seed(store, [issue])

    report = service(store, gateway).write_back(["10001", "99999"])

    assert len(http.calls) == 0
    assert report.skipped == ["10001", "99999"]


FIELD_LIST = [
    {"id": "summary", "name": "Summary", "custom": False},
    {"id": "customfield_10050", "name": "OMS work type", "custom": True},
    {"id": "customfield_10051", "name": "OMS hours left", "custom": True},
]


def test_custom_fields_are_resolved_by_name_once_and_set_as_text(
    http: responses.RequestsMock, store: MemoryStore, gateway: JiraRestGateway
) -> None:
    http.get(f"{API}/field", json=FIELD_LIST)
    options = WritebackOptions(
        label=False,
        property=False,
        comment=False,
        fields=True,
        field_names={
            FieldValue.WORK_TYPE: "oms work type",
            FieldValue.HOURS_REMAINING: "customfield_10051",
        },
    )
    writer = service(store, gateway, options)

    writer.write_back(["10001"])
    seed(store, worklogs=[logged("3", 30)])
    writer.write_back(["10001"])

    assert sent(http) == [
        ("GET", f"{API}/field", None),
        (
            "PUT",
            f"{API}/issue/10001",
            {"fields": {"customfield_10050": "oms", "customfield_10051": "6.50"}},
        ),
        (
            "PUT",
            f"{API}/issue/10001",
            {"fields": {"customfield_10050": "oms", "customfield_10051": "6.00"}},
        ),
    ]


def test_an_unknown_custom_field_is_reported_and_the_other_targets_still_written(
    http: responses.RequestsMock, store: MemoryStore, gateway: JiraRestGateway
) -> None:
    http.get(f"{API}/field", json=FIELD_LIST)
    options = WritebackOptions(
        label=False, comment=False, fields=True, field_names={FieldValue.REASON: "Why"}
    )

    report = service(store, gateway, options).write_back(["10001"])

    assert report.sent == [("ACME-1", Target.PROPERTY)]
    assert report.problems == ["writeback field for reason: Jira has no field named 'Why'"]


@pytest.mark.parametrize(
    ("enrolled_on", "now", "last_day"),
    [
        (date(2026, 9, 15), datetime(2026, 12, 1, 12, 0, tzinfo=NEW_YORK), "2026-12-14"),
        (date(2026, 1, 31), datetime(2026, 2, 10, 12, 0, tzinfo=NEW_YORK), "2026-02-27"),
        (date(2026, 1, 31), datetime(2026, 3, 31, 0, 0, tzinfo=NEW_YORK), "2026-04-29"),
        (date(2026, 1, 31), datetime(2026, 3, 30, 23, 59, tzinfo=NEW_YORK), "2026-03-30"),
    ],
)
def test_the_comment_names_the_last_day_of_the_period(
    enrolled_on: date,
    now: datetime,
    last_day: str,
    http: responses.RequestsMock,
    gateway: JiraRestGateway,
) -> None:
    store = MemoryStore()
    seed(store, [stored_issue()])
    options = WritebackOptions(label=False, property=False)
    writer = WritebackService(
        store, gateway, [plan(enrolled_on=enrolled_on)], options, FixedClock(now)
    )

    writer.write_back(["10001"])

    text = sent(http)[0][2]["body"]["content"][0]["content"][0]["text"]  # type: ignore[index]
    assert text == (
        f"Planned OMS work (rule: default). Plan acme: 10 h a month; 10.00 h left until {last_day}."
    )


def test_a_spent_budget_is_said_in_the_comment(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    store = MemoryStore()
    seed(store, [stored_issue(reason="rule: roadmap")], [logged("1", 660)])

    service(store, gateway, WritebackOptions(label=False, property=False)).write_back(["10001"])

    assert sent(http)[0][2] == {
        "body": document(
            "Planned OMS work (rule: roadmap). Plan acme: 10 h a month; 0.00 h left until "
            "2026-12-14. Further OMS work is billed at the priority rate, 62.50 USD/h."
        )
    }

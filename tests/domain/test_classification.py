from __future__ import annotations

import re

import pytest

from oms_connector.domain.classification import (
    Classifier,
    Decision,
    IssueSnapshot,
    ReasonKind,
    Rule,
    WorkType,
    classify,
)

OMS, PRIORITY = WorkType.OMS, WorkType.PRIORITY

CLASSIFIER = Classifier(
    default=OMS,
    override_labels={OMS: "oms-override-oms", PRIORITY: "oms-override-priority"},
    rules=(
        Rule("urgent", PRIORITY, priorities=frozenset({"Highest", "High"})),
        Rule("incidents", PRIORITY, issue_types=frozenset({"Bug", "Incident"})),
        Rule("urgent-label", PRIORITY, labels=frozenset({"urgent"})),
        Rule("reactive-words", PRIORITY, text=re.compile(r"(?i)\b(outage|down|broken|asap)\b")),
        Rule("site-down-request", PRIORITY, request_types=frozenset({"Report a problem"})),
        Rule(
            "hosting-bugs",
            PRIORITY,
            components=frozenset({"Hosting"}),
            issue_types=frozenset({"Task"}),
        ),
    ),
)


def issue(**fields: object) -> IssueSnapshot:
    base: dict[str, object] = {
        "id": "10001",
        "key": "ACME-1",
        "project_key": "ACME",
        "summary": "New landing page",
        "issue_type": "Story",
        "priority": "Medium",
    }
    base.update(fields)
    return IssueSnapshot(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, (OMS, ReasonKind.DEFAULT, "default")),
        ({"priority": "Highest"}, (PRIORITY, ReasonKind.RULE, "rule: urgent")),
        ({"priority": "high"}, (PRIORITY, ReasonKind.RULE, "rule: urgent")),
        ({"issue_type": "Bug"}, (PRIORITY, ReasonKind.RULE, "rule: incidents")),
        (
            {"issue_type": "Bug", "priority": "High"},
            (PRIORITY, ReasonKind.RULE, "rule: urgent"),
        ),
        (
            {"labels": frozenset({"seo", "Urgent"})},
            (PRIORITY, ReasonKind.RULE, "rule: urgent-label"),
        ),
        (
            {"summary": "Checkout broken on iOS"},
            (PRIORITY, ReasonKind.RULE, "rule: reactive-words"),
        ),
        (
            {"description": "Site is DOWN since 9am"},
            (PRIORITY, ReasonKind.RULE, "rule: reactive-words"),
        ),
        ({"summary": "Breakdown of Q3 marketing"}, (OMS, ReasonKind.DEFAULT, "default")),
        (
            {"request_type": "Report a problem"},
            (PRIORITY, ReasonKind.RULE, "rule: site-down-request"),
        ),
        ({"components": frozenset({"Hosting"})}, (OMS, ReasonKind.DEFAULT, "default")),
        (
            {"components": frozenset({"Hosting"}), "issue_type": "Task"},
            (PRIORITY, ReasonKind.RULE, "rule: hosting-bugs"),
        ),
        (
            {"priority": "Highest", "labels": frozenset({"oms-override-oms"})},
            (OMS, ReasonKind.OVERRIDE, "override: label oms-override-oms"),
        ),
        (
            {"labels": frozenset({"oms-override-priority"})},
            (PRIORITY, ReasonKind.OVERRIDE, "override: label oms-override-priority"),
        ),
        (
            {"labels": frozenset({"oms-override-priority", "oms-override-oms"})},
            (PRIORITY, ReasonKind.OVERRIDE, "override: conflicting labels, priority wins"),
        ),
        (
            {"issue_type": "Bug", "override_field": "OMS"},
            (OMS, ReasonKind.OVERRIDE, "override: field set to oms"),
        ),
        ({"override_field": "maybe"}, (OMS, ReasonKind.DEFAULT, "default")),
    ],
)
def test_override_then_first_matching_rule_then_default(
    fields: dict[str, object], expected: tuple[WorkType, ReasonKind, str]
) -> None:
    assert classify(issue(**fields), CLASSIFIER) == Decision(*expected)


def test_the_default_work_type_is_configurable() -> None:
    decision = classify(issue(), Classifier(default=PRIORITY))
    assert decision == Decision(PRIORITY, ReasonKind.DEFAULT, "default")
    assert not decision.overridden


def test_an_override_decision_says_so() -> None:
    assert classify(issue(labels=frozenset({"oms-override-oms"})), CLASSIFIER).overridden

"""The settings as the domain's plans and classifier."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from oms_connector.config import load_settings
from oms_connector.domain.classification import IssueSnapshot, WorkType, classify
from oms_connector.domain.plans import BankPurchase, Plan, Term
from tests.config.files import EXAMPLE, VALID, write


def test_plans_take_the_defaults_unless_they_set_their_own() -> None:
    acme, globex, initech, delta = load_settings(EXAMPLE).domain_plans()

    assert acme == Plan(
        id="acme",
        customer="Acme Corp",
        enrolled_on=date(2026, 1, 31),
        timezone=ZoneInfo("America/New_York"),
        terms=(
            Term(date(2026, 1, 31), Decimal(10), 3),
            Term(
                date(2026, 4, 30),
                Decimal(20),
                6,
                oms_rate=Decimal("34.00"),
                priority_rate=Decimal("62.50"),
            ),
        ),
        auto_renew=True,
        ends_on=date(2027, 1, 31),
        billing_starts_on=date(2026, 1, 31),
        oms_rate=Decimal("35.00"),
        priority_rate=Decimal("62.50"),
        currency="USD",
        rounding_increment=Decimal("0.25"),
        priority_bank=(),
        overage_uses_priority_bank=True,
        jira_projects=("ACME",),
    )
    assert globex.terms == (Term(date(2026, 2, 15), Decimal(20), 6),)
    assert globex.rounding_increment == Decimal("0.01")
    assert delta.terms == ()
    assert delta.priority_bank == (
        BankPurchase(date(2026, 3, 20), Decimal(10), price=Decimal("600.00")),
    )
    assert globex.timezone == ZoneInfo("Europe/London")
    assert globex.priority_bank == (
        BankPurchase(date(2026, 2, 15), Decimal(10), price=Decimal("600.00")),
        BankPurchase(date(2026, 4, 1), Decimal("7.5"), invoice=False),
    )
    assert (initech.oms_rate, initech.priority_rate) == (Decimal("33.00"), Decimal("60.00"))
    assert initech.timezone == ZoneInfo("America/New_York")
    assert initech.auto_renew is True
    assert initech.overage_uses_priority_bank is False


def test_a_plan_is_found_by_id() -> None:
    settings = load_settings(EXAMPLE)

    assert settings.plan("globex").customer == "Globex Ltd"
    with pytest.raises(KeyError):
        settings.plan("nobody")


def issue(**fields: object) -> IssueSnapshot:
    return IssueSnapshot(id="1", key="ACME-1", project_key="ACME", **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("snapshot", "work_type", "reason"),
    [
        (issue(summary="New landing page"), WorkType.OMS, "default"),
        (issue(priority="High"), WorkType.PRIORITY, "rule: urgent"),
        (issue(issue_type="incident"), WorkType.PRIORITY, "rule: incidents"),
        (issue(labels=frozenset({"Urgent"})), WorkType.PRIORITY, "rule: urgent-label"),
        (issue(summary="Checkout is DOWN"), WorkType.PRIORITY, "rule: reactive-words"),
        (issue(summary="Downtime report"), WorkType.OMS, "default"),
        (issue(components=frozenset({"Hosting"})), WorkType.PRIORITY, "rule: hosting-incidents"),
        (
            issue(request_type="Report a system problem"),
            WorkType.PRIORITY,
            "rule: service-desk-problems",
        ),
        (
            issue(priority="Highest", labels=frozenset({"oms-override-oms"})),
            WorkType.OMS,
            "override: label oms-override-oms",
        ),
    ],
)
def test_the_example_rules_classify_tickets(
    snapshot: IssueSnapshot, work_type: WorkType, reason: str
) -> None:
    decision = classify(snapshot, load_settings(EXAMPLE).classifier())

    assert (decision.work_type, decision.reason) == (work_type, reason)


def test_rules_become_domain_rules_in_order_with_compiled_patterns() -> None:
    classifier = load_settings(EXAMPLE).classifier()

    assert classifier.default is WorkType.OMS
    assert classifier.override_labels == {
        WorkType.OMS: "oms-override-oms",
        WorkType.PRIORITY: "oms-override-priority",
    }
    urgent, incidents, label, words, hosting, desk = classifier.rules
    assert urgent.priorities == frozenset({"Highest", "High"})
    assert incidents.issue_types == frozenset({"Bug", "Incident"})
    assert label.labels == frozenset({"urgent"})
    assert words.text is not None
    assert words.text.pattern == r"(?i)\b(outage|down|broken|asap)\b"
    assert hosting.components == frozenset({"Hosting"})
    assert desk.request_types == frozenset({"Report a system problem"})


def test_a_single_value_condition_means_a_list_of_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        VALID + "classification:\n  default: priority\n  rules:\n"
        "    - {name: planned, work_type: oms, labels: planned}\n",
    )

    classifier = load_settings(path).classifier()

    assert classifier.default is WorkType.PRIORITY
    assert classifier.rules[0].labels == frozenset({"planned"})

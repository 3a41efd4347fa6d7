"""The classification settings' fingerprint: reclassification at start runs once per change."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from oms_connector.domain.classification import Classifier, Rule, WorkType
from oms_connector.services.ports import Store
from oms_connector.services.reclassify import (
    FINGERPRINT_CHECKPOINT,
    ReclassifyService,
    fingerprint,
)
from tests.reclassify.test_reclassify_service import snapshot, store_issues
from tests.services.builders import CLASSIFIER, acme_plan
from tests.services.fakes import FakeClock

URGENT = Rule("urgent-label", WorkType.PRIORITY, labels=frozenset({"urgent", "hot"}))
TEXT = Rule("outage", WorkType.PRIORITY, text=re.compile("outage"))


def test_the_same_settings_give_the_same_fingerprint_whatever_the_order_of_a_list() -> None:
    listed = Rule("urgent-label", WorkType.PRIORITY, labels=frozenset(["hot", "urgent"]))

    assert fingerprint(replace(CLASSIFIER, rules=(URGENT,)), "Billing") == fingerprint(
        replace(CLASSIFIER, rules=(listed,)), "Billing"
    )


@pytest.mark.parametrize(
    ("changed", "override_field"),
    [
        pytest.param(replace(CLASSIFIER, default=WorkType.PRIORITY), None, id="default"),
        pytest.param(
            replace(CLASSIFIER, override_labels={WorkType.OMS: "a", WorkType.PRIORITY: "b"}),
            None,
            id="override labels",
        ),
        pytest.param(CLASSIFIER, "Billing", id="override field"),
        pytest.param(
            replace(CLASSIFIER, rules=(URGENT, TEXT, replace(TEXT, name="down"))),
            None,
            id="rule added",
        ),
        pytest.param(replace(CLASSIFIER, rules=(URGENT,)), None, id="rule removed"),
        pytest.param(replace(CLASSIFIER, rules=(TEXT, URGENT)), None, id="rules reordered"),
        pytest.param(
            replace(CLASSIFIER, rules=(replace(TEXT, text=re.compile("outage", re.I)),)),
            None,
            id="pattern flags",
        ),
    ],
)
def test_every_classification_setting_changes_the_fingerprint(
    changed: Classifier, override_field: str | None
) -> None:
    base = replace(CLASSIFIER, rules=(URGENT, TEXT))

    assert fingerprint(changed, override_field) != fingerprint(base, None)


def test_reclassification_at_start_runs_once_per_change_of_the_settings(
    store: Store, clock: FakeClock
) -> None:
    store_issues(store, clock, snapshot("1"))
    changed = replace(CLASSIFIER, default=WorkType.PRIORITY)

    def start(classifier: Classifier) -> tuple[int, int] | None:
        service = ReclassifyService(store, [acme_plan()], classifier, clock)
        report = service.reclassify_if_settings_changed()
        return None if report is None else (report.checked, len(report.changes))

    assert start(CLASSIFIER) == (1, 0)
    assert start(CLASSIFIER) is None
    assert start(changed) == (1, 1)
    assert start(changed) is None
    with store.unit_of_work(read_only=True) as uow:
        assert uow.checkpoints.get(FINGERPRINT_CHECKPOINT) == fingerprint(changed, None)

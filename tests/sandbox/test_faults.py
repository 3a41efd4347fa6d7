"""Fault injection: off by default, reproducible, failing calls change nothing."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from oms_connector.sandbox.app import create_sandbox_app
from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.faults import FaultKind, FaultPlan, FaultPlanError, plan_from_json
from oms_connector.sandbox.seed import build_state, parse_seed
from tests.sandbox.conftest import EMAIL, SEED, START, TOKEN

AUTH = {"Authorization": "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()}


def client(faults: FaultPlan | None) -> FlaskClient:
    state = build_state(parse_seed(SEED), SandboxClock(START, frozen=True))
    return create_sandbox_app(state, faults=faults).test_client()


def statuses(test_client: FlaskClient, count: int) -> list[int]:
    return [test_client.get("/rest/api/3/myself", headers=AUTH).status_code for _ in range(count)]


def test_without_a_fault_plan_every_call_is_served() -> None:
    assert statuses(client(None), 50) == [200] * 50


def test_a_plan_fails_about_its_rate_of_calls_with_each_kind() -> None:
    plan = FaultPlan(rate=0.2, seed=11, hang_seconds=0)
    found = statuses(client(plan), 1000)
    counts = plan.counts()
    failed = counts["429"] + counts["500"] + counts["timeout"]
    assert counts["requests"] == 1000
    assert 150 <= failed <= 250
    assert found.count(429) == counts["429"] > 0
    assert found.count(500) == counts["500"] > 0
    assert found.count(504) == counts["timeout"] > 0
    assert found.count(200) == 1000 - failed


def test_the_same_seed_fails_the_same_calls() -> None:
    first = statuses(client(FaultPlan(rate=0.3, seed=5, hang_seconds=0)), 200)
    second = statuses(client(FaultPlan(rate=0.3, seed=5, hang_seconds=0)), 200)
    assert first == second


def test_a_rate_limited_call_says_when_to_retry() -> None:
    test_client = client(FaultPlan(rate=1, kinds=(FaultKind.RATE_LIMITED,), retry_after_seconds=7))
    response = test_client.get("/rest/api/3/myself", headers=AUTH)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.get_json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}


def test_a_timeout_hangs_before_answering() -> None:
    test_client = client(FaultPlan(rate=1, kinds=(FaultKind.TIMEOUT,), hang_seconds=0.2))
    began = time.monotonic()
    response = test_client.get("/rest/api/3/myself", headers=AUTH)
    assert response.status_code == 504
    assert time.monotonic() - began >= 0.2


def test_a_failed_call_changes_nothing() -> None:
    test_client = client(FaultPlan(rate=1, kinds=(FaultKind.SERVER_ERROR,)))
    body = {"started": "2026-02-02T09:00:00.000+0000", "timeSpentSeconds": 600}
    response = test_client.post("/rest/api/3/issue/ACME-1/worklog", json=body, headers=AUTH)
    assert response.status_code == 500
    test_client.post("/_sandbox/faults", json={"rate": 0}, headers=AUTH)
    worklogs = test_client.get("/rest/api/3/issue/ACME-1/worklog", headers=AUTH).get_json()
    assert [w["timeSpentSeconds"] for w in worklogs["worklogs"]] == [3600]


def test_the_control_route_sets_reads_and_turns_off_the_plan() -> None:
    test_client = client(None)
    assert test_client.get("/_sandbox/faults", headers=AUTH).get_json() == {
        "rate": 0,
        "counts": {},
    }
    plan = {"rate": 1, "seed": 3, "kinds": ["500"]}
    assert test_client.post("/_sandbox/faults", json=plan, headers=AUTH).status_code == 200
    assert test_client.get("/rest/api/3/myself", headers=AUTH).status_code == 500
    status = test_client.get("/_sandbox/faults", headers=AUTH).get_json()
    assert status == {
        "rate": 1.0,
        "seed": 3,
        "kinds": ["500"],
        "retryAfterSeconds": 1,
        "hangSeconds": 1.0,
        "counts": {"requests": 1, "429": 0, "500": 1, "timeout": 0},
    }
    test_client.post("/_sandbox/faults", json={"rate": 0}, headers=AUTH)
    assert statuses(test_client, 20) == [200] * 20


def test_the_control_routes_themselves_never_fail() -> None:
    test_client = client(FaultPlan(rate=1))
    assert test_client.get("/_sandbox/clock", headers=AUTH).status_code == 200


def test_calls_without_credentials_are_refused_before_any_fault() -> None:
    test_client = client(FaultPlan(rate=1))
    assert test_client.get("/rest/api/3/myself").status_code == 401


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "rate must be a number from 0 to 1"),
        ({"rate": "0.2"}, "rate must be a number from 0 to 1"),
        ({"rate": 1.5}, "rate must be a number from 0 to 1, got 1.5"),
        ({"rate": True}, "rate must be a number from 0 to 1"),
        ({"rate": 0.1, "seed": 1.5}, "seed and retryAfterSeconds must be whole numbers"),
        ({"rate": 0.1, "kinds": ["404"]}, 'kinds must be a list of "429", "500" and "timeout"'),
        ({"rate": 0.1, "kinds": []}, "kinds must name at least one fault: 429, 500 or timeout"),
        ({"rate": 0.1, "hangSeconds": -1}, "hang_seconds must be 0 or more, got -1.0"),
        ({"rate": 0.1, "retryAfterSeconds": -2}, "retry_after_seconds must be 0 or more, got -2"),
        ({"rate": 0.1, "often": True}, "unknown fault setting(s): often"),
    ],
)
def test_a_bad_fault_plan_is_refused_naming_the_setting(body: dict[str, Any], message: str) -> None:
    with pytest.raises(FaultPlanError) as caught:
        plan_from_json(body)
    assert str(caught.value) == message
    response = client(None).post("/_sandbox/faults", json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["errorMessages"] == [message]


def test_a_plan_fails_its_exact_share_of_calls_and_every_kind_in_turn() -> None:
    plan = FaultPlan(rate=0.2, seed=3, hang_seconds=0)
    statuses(client(plan), 40)
    counts = plan.counts()
    assert counts["requests"] == 40
    assert counts["429"] + counts["500"] + counts["timeout"] in {7, 8, 9}
    assert min(counts["429"], counts["500"], counts["timeout"]) >= 2

"""The seed file: what it loads, and the errors that name what is wrong in it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.seed import (
    DEFAULT_EMAIL,
    DEFAULT_SEED,
    DEFAULT_TOKEN,
    SeedError,
    build_state,
    parse_seed,
    read_seed,
)
from tests.sandbox.conftest import SEED, START

SEED_DOC = Path(__file__).parent.parent.parent / "oms_connector" / "sandbox" / "SEED.md"


def _with(change: dict[str, Any], at: str = "") -> dict[str, Any]:
    seed = copy.deepcopy(SEED)
    target = seed
    for part in filter(None, at.split(".")):
        target = target[int(part)] if isinstance(target, list) else target[part]
    target.update(change)
    return seed


def test_a_seed_loads_its_users_projects_issues_and_worklogs() -> None:
    state = build_state(parse_seed(SEED), SandboxClock(START, frozen=True))

    acme_2 = state.issue("ACME-2")
    assert [u.account_id for u in state.users()] == ["557058:bot", "557058:alice"]
    assert [(p.key, [c.name for c in p.components]) for p in state.projects()] == [
        ("ACME", ["Website", "Hosting"]),
        ("BETA", []),
    ]
    assert (acme_2.id, acme_2.status.name, acme_2.issue_type.name) == (
        "10001",
        "In Progress",
        "Bug",
    )
    assert acme_2.custom["customfield_10050"].name == "PRIORITY"
    assert acme_2.custom["customfield_10010"].name == "Emergency"
    assert [(w.id, w.author.account_id) for w in state.issue_worklogs("ACME-2")] == [
        (20002, "557058:alice")
    ]
    assert state.issue("ACME-1").time_spent == 3600
    assert state.authenticate("bot@example.com", "s3cret-token-0123456789") is not None


def test_the_default_seed_has_one_user_to_log_in_as_and_one_project() -> None:
    state = build_state(DEFAULT_SEED, SandboxClock(START, frozen=True))

    assert state.authenticate(DEFAULT_EMAIL, DEFAULT_TOKEN) is not None
    assert [p.key for p in state.projects()] == ["DEMO"]


def test_the_documented_example_loads_as_described() -> None:
    text = SEED_DOC.read_text(encoding="utf-8")
    example = json.loads(text.split("```json", 1)[1].split("```", 1)[0])
    seed = parse_seed(example)

    state = build_state(seed, SandboxClock(START, frozen=True))

    issue = state.issue("ACME-1")
    assert seed.start() == START
    assert state.authenticate("connector@example.com", "local-sandbox-token") is not None
    assert (issue.status.name, issue.reporter.account_id) == ("In Progress", "557058:alice")
    assert issue.custom["customfield_10200"].name == "Gold"
    assert issue.properties == {"example.note": {"seeded": True}}
    assert [w.id for w in state.issue_worklogs("ACME-1")] == [20001]


def test_custom_fields_and_request_types_can_be_added() -> None:
    seed = _with(
        {
            "fields": [
                {
                    "id": "customfield_10200",
                    "name": "Client tier",
                    "type": "select",
                    "options": ["Gold", "Silver"],
                }
            ],
            "requestTypes": ["Outage", "Question"],
        }
    )
    seed["issues"][2]["fields"] = {"customfield_10200": {"value": "Gold"}}
    seed["issues"][1]["requestType"] = "Outage"

    state = build_state(parse_seed(seed), SandboxClock(START, frozen=True))

    assert state.issue("BETA-1").custom["customfield_10200"].id == "1020000"
    assert state.issue("ACME-2").custom["customfield_10010"].name == "Outage"


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        (_with({"apitoken": "x"}, "users.0"), "users.0.apitoken: Extra inputs are not permitted"),
        ({"users": []}, "users: List should have at least 1 item after validation, not 0"),
        (_with({"key": "acme"}, "projects.0"), "projects.0.key: String should match pattern"),
        (
            _with({"timeSpentSeconds": 0}, "issues.0.worklogs.0"),
            "issues.0.worklogs.0.timeSpentSeconds: Input should be greater than 0",
        ),
        (
            _with({"timeSpentSeconds": "60"}, "issues.0.worklogs.0"),
            "issues.0.worklogs.0.timeSpentSeconds: Input should be a valid integer",
        ),
    ],
    ids=["misspelt key", "no user", "lower-case project", "zero seconds", "seconds as text"],
)
def test_a_malformed_seed_names_each_problem(seed: dict[str, Any], message: str) -> None:
    with pytest.raises(SeedError, match="not a valid seed") as raised:
        parse_seed(seed)

    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        (
            _with({"started": "2026-01-06 09:00"}, "issues.0.worklogs.0"),
            "issues.0.worklogs.0.started '2026-01-06 09:00' has no UTC offset",
        ),
        (
            _with({"author": "557058:nobody"}, "issues.0.worklogs.0"),
            "There is no user with the account id '557058:nobody'.",
        ),
        (
            _with({"status": "Closed"}, "issues.1"),
            "unknown status 'Closed' (known: To Do, In Progress, Done)",
        ),
        (_with({"project": "NOPE"}, "issues.1"), "project: Specify a valid project ID or key"),
        (
            _with({"components": ["Nope"]}, "issues.0"),
            "components: Component {'name': 'Nope'} is not valid for ACME.",
        ),
        (
            _with({"workTypeOverride": "Maybe"}, "issues.0"),
            (
                "customfield_10050: The value {'value': 'Maybe'} is not valid for the "
                "field 'Work type override'."
            ),
        ),
        (_with({"key": "ACME-2"}, "issues.0"), "An issue with key ACME-2 already exists."),
        (_with({"key": "BETA-9"}, "issues.0"), "The key BETA-9 is not a key of the project ACME."),
        (_with({"id": 20001}, "issues.1.worklogs.0"), "worklog id 20001 is used twice"),
        (
            _with({"remainingEstimateSeconds": 90}, "issues.0"),
            "estimates are whole minutes in Jira; 90 seconds is not",
        ),
    ],
    ids=[
        "naive time",
        "unknown author",
        "unknown status",
        "unknown project",
        "unknown component",
        "unknown option",
        "duplicate key",
        "key of another project",
        "duplicate worklog id",
        "odd estimate",
    ],
)
def test_a_seed_that_does_not_load_says_why(seed: dict[str, Any], message: str) -> None:
    with pytest.raises(SeedError) as raised:
        build_state(parse_seed(seed), SandboxClock(START, frozen=True))

    assert message in str(raised.value)


def test_a_seed_file_that_is_not_json_is_reported_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text("{users: []}", encoding="utf-8")

    with pytest.raises(SeedError, match=f"the seed file {path} is not JSON"):
        read_seed(path)


def test_a_missing_seed_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match=r"cannot read the seed file .*missing\.json: No such file"):
        read_seed(tmp_path / "missing.json")


def test_a_seed_file_round_trips_through_json(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED), encoding="utf-8")

    assert read_seed(path) == parse_seed(SEED)

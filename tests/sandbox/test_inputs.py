"""Bad input to the sandbox gets Jira's 400 shape naming what is wrong; values and threads."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oms_connector.sandbox.clock import ClockError, SandboxClock
from oms_connector.sandbox.durations import DurationError, duration_text, parse_duration
from oms_connector.sandbox.state import SandboxState
from oms_connector.sandbox.times import (
    TimeFormatError,
    epoch_ms,
    from_epoch_ms,
    jira_time,
    parse_time,
)
from tests.sandbox.conftest import START, JiraClient

API = "/rest/api/3"
STARTED = "2026-01-17T12:34:00.000+0000"
ADF_REQUIRED = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"


@pytest.mark.parametrize(
    ("body", "query", "errors", "messages"),
    [
        ({"timeSpentSeconds": 60}, {}, {"started": "The started date is required."}, []),
        (
            {"started": "2026-01-17 12:34", "timeSpentSeconds": 60},
            {},
            {"started": "started '2026-01-17 12:34' has no UTC offset"},
            [],
        ),
        (
            {"started": STARTED, "timeSpentSeconds": 60, "timeSpent": "1m"},
            {},
            {"timeLogged": "Give either timeSpent or timeSpentSeconds."},
            [],
        ),
        (
            {"started": STARTED, "timeSpent": "an hour"},
            {},
            {"timeLogged": "invalid duration 'an hour' (expected something like '3h 20m')"},
            [],
        ),
        (
            {"started": STARTED, "timeSpentSeconds": 0},
            {},
            {"timeLogged": "You must indicate the time spent working."},
            [],
        ),
        (
            {"started": STARTED, "timeSpentSeconds": 60, "comment": "text"},
            {},
            {"comment": ADF_REQUIRED},
            [],
        ),
        (
            {"started": STARTED, "timeSpentSeconds": 60},
            {"adjustEstimate": "new"},
            {},
            ["adjustEstimate=new needs the parameter newEstimate."],
        ),
    ],
    ids=[
        "no start",
        "naive start",
        "both times",
        "bad duration",
        "zero",
        "text comment",
        "no new estimate",
    ],
)
def test_a_bad_worklog_is_refused_naming_the_problem(
    jira: JiraClient,
    body: dict[str, Any],
    query: dict[str, str],
    errors: dict[str, str],
    messages: list[str],
) -> None:
    response = jira.call(
        "POST", f"{API}/issue/ACME-1/worklog", body=body, query=query, validate=False
    )

    assert response.status_code == 400
    assert response.json == {"errorMessages": messages, "errors": errors}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "No content to map to Object due to end of input"),
        (b"{nope", "Unexpected character in the request body: it is not JSON."),
        (b"[1]", "The request body of issue/bulkfetch must be a JSON object."),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    jira: JiraClient, raw: bytes, message: str
) -> None:
    response = jira.call("POST", f"{API}/issue/bulkfetch", raw=raw, validate=False)

    assert response.status_code == 400
    assert response.json == {"errorMessages": [message], "errors": {}}


def test_a_non_numeric_paging_parameter_is_refused(jira: JiraClient) -> None:
    response = jira.call(
        "GET", f"{API}/worklog/updated", query={"since": "yesterday"}, validate=False
    )

    assert response.status_code == 400
    assert response.json == {
        "errorMessages": ["The value 'yesterday' of the parameter 'since' is not a number."],
        "errors": {},
    }


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0m"), (59, "0m"), (60, "1m"), (12000, "3h 20m"), (28800, "1d"), (180000, "1w 1d 2h")],
)
def test_durations_are_written_like_jira(seconds: int, text: str) -> None:
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3h 20m", 12000), ("1d", 28800), ("1w", 144000), ("90", 5400), ("1.5h", 5400), ("2H", 7200)],
)
def test_durations_are_read_like_jira(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "3x", "h", "3h and 2m"])
def test_a_duration_jira_would_refuse_is_refused(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("2026-01-17T12:34:00.000+0000", "2026-01-17T12:34:00.000+0000"),
        ("2026-01-17T18:04:00.5+05:30", "2026-01-17T12:34:00.500+0000"),
        ("2026-01-17T12:34:00Z", "2026-01-17T12:34:00.000+0000"),
    ],
)
def test_times_are_read_with_any_offset_and_written_in_utc_like_jira(
    text: str, written: str
) -> None:
    assert jira_time(parse_time(text, "started")) == written


@pytest.mark.parametrize("value", ["2026-01-17T12:34:00", "soon", 1700000000])
def test_a_time_without_an_offset_is_refused(value: object) -> None:
    with pytest.raises(TimeFormatError):
        parse_time(value, "started")


def test_epoch_milliseconds_are_exact() -> None:
    instant = datetime(2026, 2, 1, 9, 0, 0, 123000, tzinfo=UTC)

    assert epoch_ms(instant) == 1769936400123
    assert from_epoch_ms(1769936400123) == instant


def test_a_running_clock_follows_the_wall_clock_from_its_start() -> None:
    wall = [datetime(2030, 1, 1, tzinfo=UTC)]
    clock = SandboxClock(START, wall=lambda: wall[0])

    wall[0] += timedelta(seconds=10)
    clock.advance(timedelta(minutes=1))

    assert clock.now() == START + timedelta(seconds=70)


def test_a_clock_refuses_a_start_without_a_time_zone() -> None:
    with pytest.raises(ClockError, match="has no time zone"):
        SandboxClock(datetime(2026, 1, 1))


def test_concurrent_requests_get_distinct_worklog_ids(
    jira: JiraClient, state: SandboxState
) -> None:
    bot = state.users()[0]
    created: list[int] = []
    lock = threading.Lock()

    def log_work() -> None:
        for _ in range(25):
            worklog = state.add_worklog("ACME-1", bot, START, 60)
            with lock:
                created.append(worklog.id)

    threads = [threading.Thread(target=log_work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(created)) == 200
    assert state.issue("ACME-1").time_spent == 3600 + 200 * 60

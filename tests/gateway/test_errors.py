"""Retries, waits and the translation of Jira's errors."""

from __future__ import annotations

import pytest
import requests
import responses

from oms_connector.adapters.jira_gateway import (
    JiraAuthError,
    JiraRequestError,
    JiraResponseError,
    JiraRestGateway,
    JiraUnavailable,
    RetryPolicy,
)
from tests.gateway.conftest import TOKEN, GatewayFactory, Sleeps
from tests.gateway.jira_json import API, SITE

FIELD = f"{API}/field"


def test_429_waits_as_long_as_retry_after_says_then_succeeds(
    http: responses.RequestsMock, gateway: JiraRestGateway, sleeps: Sleeps
) -> None:
    http.get(FIELD, status=429, headers={"Retry-After": "7"})
    http.get(FIELD, status=429, headers={"Retry-After": "2"})
    http.get(FIELD, json=[])

    assert gateway.fields() == []
    assert sleeps == [7.0, 2.0]
    assert len(http.calls) == 3


def test_a_long_retry_after_is_capped(
    http: responses.RequestsMock, gateway: JiraRestGateway, sleeps: Sleeps
) -> None:
    http.get(FIELD, status=429, headers={"Retry-After": "86400"})
    http.get(FIELD, json=[])

    gateway.fields()

    assert sleeps == [300.0]


def test_503_with_retry_after_waits_as_told(
    http: responses.RequestsMock, gateway: JiraRestGateway, sleeps: Sleeps
) -> None:
    http.get(FIELD, status=503, headers={"Retry-After": "3"})
    http.get(FIELD, json=[])

    gateway.fields()

    assert sleeps == [3.0]


@pytest.mark.parametrize("status", [429, 503, 500, 502, 504])
def test_a_transient_status_without_retry_after_backs_off_exponentially_with_jitter(
    http: responses.RequestsMock, gateway: JiraRestGateway, sleeps: Sleeps, status: int
) -> None:
    for _ in range(3):
        http.get(FIELD, status=status)
    http.get(FIELD, json=[])

    gateway.fields()

    # base 1 s doubling, scaled by 0.5 + 0.5 * 0.5 (the injected random draw)
    assert sleeps == [0.75, 1.5, 3.0]


def test_500_then_success_returns_the_answer(
    http: responses.RequestsMock, gateway: JiraRestGateway, sleeps: Sleeps
) -> None:
    http.get(FIELD, status=500, json={"errorMessages": ["Internal server error"]})
    http.get(FIELD, json=[{"id": "summary", "name": "Summary"}])

    assert [f.id for f in gateway.fields()] == ["summary"]
    assert sleeps == [0.75]


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(backoff_base_seconds=1.0, backoff_cap_seconds=60.0)

    assert [policy.backoff(n, 0.999) for n in (6, 7, 12)] == pytest.approx([31.984] + [59.97] * 2)
    assert [policy.backoff(n, 0.0) for n in (1, 7)] == [0.5, 30.0]


@pytest.mark.parametrize(
    "failure",
    [requests.exceptions.ReadTimeout("read timed out"), requests.ConnectionError("refused")],
)
def test_a_timeout_or_connection_error_is_retried(
    http: responses.RequestsMock, gateway: JiraRestGateway, sleeps: Sleeps, failure: Exception
) -> None:
    http.get(FIELD, body=failure)
    http.get(FIELD, json=[])

    assert gateway.fields() == []
    assert sleeps == [0.75]


def test_after_the_last_attempt_jira_is_unavailable(
    http: responses.RequestsMock, gateway: JiraRestGateway, sleeps: Sleeps
) -> None:
    http.get(FIELD, status=502)

    with pytest.raises(JiraUnavailable) as raised:
        gateway.fields()

    assert str(raised.value) == (
        f"Jira at {SITE} did not answer GET field after 6 attempts (last: 502)"
    )
    assert sleeps == [0.75, 1.5, 3.0, 6.0, 12.0]
    assert len(http.calls) == 6


def test_timeouts_to_the_end_say_so(
    http: responses.RequestsMock, make_gateway: GatewayFactory, sleeps: Sleeps
) -> None:
    gateway = make_gateway(retry=RetryPolicy(attempts=2))
    http.get(FIELD, body=requests.exceptions.ConnectTimeout("slow"))

    with pytest.raises(JiraUnavailable, match=r"after 2 attempts \(last: ConnectTimeout\)$"):
        gateway.fields()
    assert sleeps == [0.75]


def test_401_names_the_site_and_the_user_but_never_the_token(
    http: responses.RequestsMock, gateway: JiraRestGateway, sleeps: Sleeps
) -> None:
    http.get(FIELD, status=401, body="Unauthorized")

    with pytest.raises(JiraAuthError) as raised:
        gateway.fields()

    assert str(raised.value) == (
        "Jira at https://your-domain.atlassian.net refused the credentials of "
        "bot@example.com (401). Check the user and its API token."
    )
    assert TOKEN not in str(raised.value)
    assert sleeps == []
    assert len(http.calls) == 1


def test_403_names_the_site_the_user_and_the_request(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.get(FIELD, status=403, json={"errorMessages": ["You do not have permission."]})

    with pytest.raises(JiraAuthError) as raised:
        gateway.fields()

    assert str(raised.value) == (
        "Jira at https://your-domain.atlassian.net denied bot@example.com permission for "
        "GET field (403): You do not have permission."
    )


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (400, {"errorMessages": ["Bad JQL"], "errors": {}}, "Bad JQL"),
        (404, {"errorMessages": [], "errors": {"field": "no such field"}}, "no such field"),
        (
            410,
            {"message": "The requested API has been removed."},
            "The requested API has been removed.",
        ),
    ],
)
def test_other_client_errors_fail_at_once_with_jiras_message(
    http: responses.RequestsMock,
    gateway: JiraRestGateway,
    sleeps: Sleeps,
    status: int,
    body: dict[str, object],
    message: str,
) -> None:
    http.get(FIELD, status=status, json=body)

    with pytest.raises(JiraRequestError) as raised:
        gateway.fields()

    assert str(raised.value) == f"Jira at {SITE} rejected GET field ({status}): {message}"
    assert raised.value.status == status
    assert sleeps == []


def test_an_answer_that_is_not_json_is_a_response_error(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.get(FIELD, body="<html>maintenance</html>")

    with pytest.raises(JiraResponseError, match=r"^Jira answered GET field with 200 but not JSON$"):
        gateway.fields()


def test_a_malformed_field_list_names_the_entry(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.get(FIELD, json=[{"id": "summary"}, {"name": "no id"}])

    with pytest.raises(
        JiraResponseError, match=r"^malformed Jira field list: 1.id: Field required$"
    ):
        gateway.fields()


def test_a_retry_after_date_falls_back_to_backoff(
    http: responses.RequestsMock, gateway: JiraRestGateway, sleeps: Sleeps
) -> None:
    http.get(FIELD, status=429, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})
    http.get(FIELD, json=[])

    gateway.fields()

    assert sleeps == [0.75]


def test_a_search_that_repeats_its_page_token_is_a_response_error(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.post(f"{API}/search/jql", json={"issues": [], "nextPageToken": "same"})

    with pytest.raises(JiraResponseError, match="repeated the page token 'same'"):
        list(gateway.search_issues("project = ACME"))
    assert len(http.calls) == 2


def test_a_malformed_worklog_list_names_the_entry_and_field(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.post(f"{API}/worklog/list", json=[{"id": "1", "issueId": "2"}])

    with pytest.raises(JiraResponseError) as raised:
        gateway.worklogs(["1"])

    assert str(raised.value) == (
        "malformed Jira worklog/list answer: 0.started: Field required; "
        "0.updated: Field required; 0.timeSpentSeconds: Field required"
    )

"""Every request the gateway makes, validated against Atlassian's OpenAPI description.

The gateway is driven through each of its methods (pagination included) against
``responses``; every recorded request (method, path, query, JSON body) is then checked
by openapi-core's request validator. The description itself does not pass a strict
OpenAPI check (an enum default of ``''``), so its own spec check is switched off.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.validation.request.exceptions import (
    InvalidRequestBody,
    ParameterValidationError,
)

from oms_connector.adapters.jira_gateway import JiraConnection, JiraRestGateway
from oms_connector.adapters.jira_payloads import IssueFieldIds
from oms_connector.domain.classification import Classifier
from oms_connector.services.advice import AdviceService, open_work_jql
from oms_connector.services.alerts import AlertService
from oms_connector.services.writeback import WritebackOptions, WritebackService
from tests.gateway.jira_json import API, SITE, changed, issue, worklog
from tests.services.memory_store import MemoryStore
from tests.writeback.board import FixedClock, logged, plan, seed, stored_issue

FIXTURE = (
    Path(__file__).parent.parent / "fixtures" / "jira_openapi" / "jira-platform-openapi-v3.json.gz"
)
START_MS = 1769904000000
SHA256 = "f9730c06a55b7dd8c680283183a572904f17d8dd52398cf9894479c467d4c05d"

pytestmark = pytest.mark.filterwarnings(
    # openapi-core warns once per OAuth 2.0 scheme it cannot check; auth is not what we validate.
    "ignore:Unsupported scheme type:UserWarning"
)


def _description_bytes() -> bytes:
    override = os.environ.get("OMS_JIRA_OPENAPI")
    path = Path(override) if override else FIXTURE
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    if not override:
        assert hashlib.sha256(raw).hexdigest() == SHA256, f"{path} is not the noted copy"
    return raw


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(
        json.loads(_description_bytes()), config=Config(spec_validator_cls=None)
    )


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def gateway() -> Iterator[JiraRestGateway]:
    gateway = JiraRestGateway(
        JiraConnection(SITE, "bot@example.com", "token"),
        field_ids=IssueFieldIds("customfield_10010", "customfield_10020"),
        sleep=lambda seconds: None,
    )
    yield gateway
    gateway.close()


def _validate(openapi: OpenAPI, request: requests.PreparedRequest) -> None:
    openapi.validate_request(RequestsOpenAPIRequest(request))


Exercise = Callable[[responses.RequestsMock, JiraRestGateway], object]


def _changed_worklogs(path: str) -> Exercise:
    def exercise(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
        first = changed([1], since=START_MS, until=START_MS + 1000, last=False, path=path)
        http.get(f"{API}/{path}", json=first)
        http.get(f"{API}/{path}", json=changed([2], since=START_MS + 1000, until=START_MS + 2000))
        reader = gateway.worklog_changes if path == "worklog/updated" else gateway.worklog_deletions
        return list(reader(datetime(2026, 2, 1, tzinfo=UTC)))

    return exercise


def _worklog_list(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    http.post(f"{API}/worklog/list", json=[worklog(1)])
    return gateway.worklogs(["1", "2", "3"])


def _issue_worklogs(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    first = {"startAt": 0, "maxResults": 1, "total": 2, "worklogs": [worklog(1, 10001)]}
    second = {"startAt": 1, "maxResults": 1, "total": 2, "worklogs": [worklog(2, 10001)]}
    http.get(f"{API}/issue/10001/worklog", json=first)
    http.get(f"{API}/issue/10001/worklog", json=second)
    return gateway.issue_worklogs("10001")


def _search(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    http.post(f"{API}/search/jql", json={"issues": [issue(1, "ACME-1")], "nextPageToken": "n2"})
    http.post(f"{API}/search/jql", json={"issues": [issue(2, "ACME-2")]})
    return list(gateway.search_issues('project in ("ACME") AND updated >= "2026/02/01 09:00"'))


def _bulkfetch(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    http.post(f"{API}/issue/bulkfetch", json={"issues": [issue(1, "ACME-1")], "issueErrors": []})
    return gateway.issues(["10001", "ACME-2"])


def _fields(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    http.get(f"{API}/field", json=[{"id": "summary", "name": "Summary"}])
    return gateway.fields()


def _myself(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    http.get(f"{API}/myself", json={"accountId": "x", "timeZone": "UTC"})
    return gateway.user_timezone()


def _property(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    http.put(f"{API}/issue/ACME-1/properties/oms.plan", status=201)
    value = {"plan": "acme", "work_type": "oms", "remaining_hours": "6.50"}
    gateway.set_issue_property("ACME-1", "oms.plan", value)
    return None


def _bulk_property(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    """One value on many issues: 303 to the task, followed until it is complete."""
    location = {"Location": f"{API}/task/10000"}
    http.put(f"{API}/issue/properties/oms-connector-budget", status=303, headers=location)
    http.get(f"{API}/task/10000", json={"id": "10000", "status": "RUNNING"})
    http.get(f"{API}/task/10000", json={"id": "10000", "status": "COMPLETE"})
    value = {"version": 1, "plan": "acme", "hours": {"remaining": "6.50"}}
    gateway.set_property_on_issues("oms-connector-budget", value, ["10001", "10002"])
    return None


def _labels(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    http.put(f"{API}/issue/ACME-1", status=204)
    gateway.change_labels("ACME-1", add=["oms-planned"], remove=["priority-support"])
    return None


def _comment(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    http.post(f"{API}/issue/ACME-1/comment", status=201, json={"id": "1"})
    gateway.add_comment("ACME-1", "Planned OMS work (rule: default).\n\n6.50 h left.")
    return None


def _custom_fields(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    http.put(f"{API}/issue/ACME-1", status=204)
    gateway.set_fields("ACME-1", {"customfield_10050": "oms", "customfield_10051": 6.5})
    return None


def _search_estimates(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    tracked = issue(1, "ACME-1", timetracking={"remainingEstimateSeconds": 7200})
    http.post(f"{API}/search/jql", json={"issues": [tracked], "nextPageToken": "n2"})
    http.post(f"{API}/search/jql", json={"issues": [issue(2, "ACME-2", timetracking={})]})
    return list(gateway.search_estimates(open_work_jql(["ACME", "WEB"])))


def _writeback(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    """Label, property and classification comment, as the write-back service sends them."""
    http.put(f"{API}/issue/10001", status=204)
    http.put(f"{API}/issue/10001/properties/oms-connector", status=201)
    http.post(f"{API}/issue/10001/comment", status=201, json={"id": "1"})
    store = MemoryStore()
    seed(store, [stored_issue(reason="override: label oms-override-oms, set by Jane Doe")])
    options = WritebackOptions(fields=True)
    return WritebackService(store, gateway, [plan()], options, FixedClock()).write_back(["10001"])


def _alert_comment(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    http.post(f"{API}/issue/10001/comment", status=201, json={"id": "1"})
    store = MemoryStore()
    seed(store, [stored_issue()], [logged("1", 630)])
    return AlertService(store, gateway, [plan()], FixedClock()).after_worklog(logged("1", 630))


def _advice_comment(http: responses.RequestsMock, gateway: JiraRestGateway) -> object:
    tracked = issue(
        10001, "ACME-1", issue_type="Task", timetracking={"remainingEstimateSeconds": 39600}
    )
    http.post(f"{API}/search/jql", json={"issues": [tracked]})
    http.post(f"{API}/issue/10001/comment", status=201, json={"id": "1"})
    advice = AdviceService(MemoryStore(), gateway, Classifier(), FixedClock())
    return advice.comment_oversized(advice.advise(plan()))


EXERCISES: dict[str, tuple[Exercise, int]] = {
    "worklog/updated with its next page": (_changed_worklogs("worklog/updated"), 2),
    "worklog/deleted with its next page": (_changed_worklogs("worklog/deleted"), 2),
    "worklog/list": (_worklog_list, 1),
    "issue worklogs with their next page": (_issue_worklogs, 2),
    "search/jql with its next page token": (_search, 2),
    "issue/bulkfetch": (_bulkfetch, 1),
    "field": (_fields, 1),
    "myself": (_myself, 1),
    "issue property": (_property, 1),
    "bulk issue property and its task": (_bulk_property, 3),
    "labels": (_labels, 1),
    "comment": (_comment, 1),
    "custom fields": (_custom_fields, 1),
    "search/jql with remaining estimates": (_search_estimates, 2),
    "write-back of label, property and comment": (_writeback, 3),
    "budget alert comment": (_alert_comment, 1),
    "deferral advice search and comment": (_advice_comment, 2),
}


@pytest.mark.parametrize("name", EXERCISES)
def test_every_request_the_gateway_makes_is_valid_for_jiras_openapi_description(
    name: str, openapi: OpenAPI, http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    exercise, expected_calls = EXERCISES[name]

    exercise(http, gateway)

    assert len(http.calls) == expected_calls
    for call in http.calls:
        assert isinstance(call.request, requests.PreparedRequest)
        _validate(openapi, call.request)


@pytest.mark.parametrize(
    ("method", "path", "body", "error"),
    [
        ("POST", "/rest/api/3/worklog/list", {"ids": "abc"}, InvalidRequestBody),
        ("POST", "/rest/api/3/search/jql", {"jql": "x", "fieldz": []}, InvalidRequestBody),
        ("GET", "/rest/api/3/worklog/updated?since=yesterday", None, ParameterValidationError),
        ("GET", "/rest/api/3/no/such/path", None, PathNotFound),
    ],
)
def test_the_validator_rejects_requests_jira_would_not_accept(
    openapi: OpenAPI, method: str, path: str, body: Any, error: type[OpenAPIError]
) -> None:
    request = requests.Request(method, SITE + path, json=body).prepare()

    with pytest.raises(error):
        _validate(openapi, request)

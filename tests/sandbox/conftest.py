"""A seeded sandbox on a frozen clock, and a client that validates every exchange.

``jira`` calls the sandbox app the way the connector calls Jira Cloud (basic auth,
JSON) and checks each request and each response against Atlassian's OpenAPI
description (see ``tests/openapi_spec.py``), so every test that uses it is also a
contract test. ``/_sandbox`` routes are the double's own and are not validated.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.response.exceptions import MissingData
from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.test import TestResponse

from oms_connector.sandbox.app import create_sandbox_app
from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.seed import build_state, parse_seed
from oms_connector.sandbox.state import SandboxState
from tests.openapi_spec import SERVER, jira_openapi, may_be_empty

START = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
EMAIL = "bot@example.com"
TOKEN = "s3cret-token-0123456789"

SEED: dict[str, Any] = {
    "users": [
        {
            "accountId": "557058:bot",
            "displayName": "OMS Connector",
            "email": EMAIL,
            "apiToken": TOKEN,
        },
        {"accountId": "557058:alice", "displayName": "Alice Able", "timeZone": "Europe/Paris"},
    ],
    "projects": [
        {"key": "ACME", "name": "Acme Ltd", "components": ["Website", "Hosting"]},
        {"key": "BETA", "name": "Beta GmbH"},
    ],
    "issues": [
        {
            "key": "ACME-1",
            "project": "ACME",
            "summary": "Monthly plugin updates",
            "description": "Update every plugin.\nCheck the shop.",
            "issueType": "Task",
            "priority": "Medium",
            "labels": ["maintenance"],
            "components": ["Website"],
            "originalEstimateSeconds": 7200,
            "remainingEstimateSeconds": 3600,
            "created": "2026-01-05T08:00:00.000+0000",
            "updated": "2026-01-20T10:00:00.000+0000",
            "worklogs": [
                {
                    "id": 20001,
                    "author": "557058:alice",
                    "started": "2026-01-06T09:00:00.000+0100",
                    "timeSpentSeconds": 3600,
                    "created": "2026-01-06T10:00:00.000+0000",
                    "updated": "2026-01-06T10:00:00.000+0000",
                    "comment": "Updated WooCommerce.",
                },
            ],
        },
        {
            "key": "ACME-2",
            "project": "ACME",
            "summary": "Shop is down",
            "issueType": "Bug",
            "priority": "Highest",
            "status": "In Progress",
            "requestType": "Emergency",
            "workTypeOverride": "PRIORITY",
            "created": "2026-01-10T08:00:00.000+0000",
            "updated": "2026-01-25T12:30:00.000+0000",
            "worklogs": [
                {
                    "id": 20002,
                    "author": "557058:alice",
                    "started": "2026-01-10T09:00:00.000+0000",
                    "timeSpentSeconds": 5400,
                    "created": "2026-01-10T11:00:00.000+0000",
                    "updated": "2026-01-12T11:00:00.000+0000",
                },
            ],
        },
        {
            "key": "BETA-1",
            "project": "BETA",
            "summary": "New landing page",
            "issueType": "Story",
            "created": "2026-01-15T08:00:00.000+0000",
            "updated": "2026-01-15T08:00:00.000+0000",
        },
    ],
}


def basic(email: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()


@dataclass
class OpenApiRequest:
    """What openapi-core needs to know about a request (its ``Request`` protocol)."""

    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters


class JiraClient:
    """Calls the sandbox like the connector calls Jira, validating each exchange."""

    def __init__(self, app: Flask, openapi: OpenAPI) -> None:
        self._client = app.test_client()
        self._openapi = openapi
        self.auth = basic(EMAIL, TOKEN)

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, str | list[str]] | None = None,
        raw: bytes | None = None,
        validate: bool = True,
    ) -> TestResponse:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = Headers({"Authorization": self.auth})
        content_type = "application/json" if data is not None else ""
        response = self._client.open(
            path,
            method=method,
            base_url=SERVER,
            query_string=dict(query or {}),
            data=data,
            headers=headers,
            content_type=content_type or None,
        )
        if validate and not path.startswith("/_sandbox"):
            pairs = [
                (k, v)
                for k, vs in (query or {}).items()
                for v in ([vs] if isinstance(vs, str) else vs)
            ]
            request = OpenApiRequest(
                host_url=SERVER + "/",
                path=path,
                method=method.lower(),
                body=data,
                content_type=content_type or "application/octet-stream",
                parameters=RequestParameters(
                    query=ImmutableMultiDict(pairs), header=headers, cookie=ImmutableMultiDict()
                ),
            )
            self._openapi.validate_request(request)
            try:
                self._openapi.validate_response(request, WerkzeugOpenAPIResponse(response))
            except MissingData:
                if response.data or not may_be_empty(method, path, response.status_code):
                    raise
        return response

    def get(self, path: str, **query: str | list[str]) -> TestResponse:
        return self.call("GET", path, query=query)

    def post(self, path: str, body: Any, **query: str) -> TestResponse:
        return self.call("POST", path, body=body, query=query)

    def put(self, path: str, body: Any, **query: str) -> TestResponse:
        return self.call("PUT", path, body=body, query=query)

    def delete(self, path: str, **query: str) -> TestResponse:
        return self.call("DELETE", path, query=query)


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(START, frozen=True)


@pytest.fixture
def state(clock: SandboxClock) -> SandboxState:
    return build_state(parse_seed(SEED), clock)


@pytest.fixture
def app(state: SandboxState) -> Flask:
    return create_sandbox_app(state)


@pytest.fixture
def jira(app: Flask) -> JiraClient:
    return JiraClient(app, jira_openapi())

"""The sandbox counts every authenticated call by caller, method and route."""

from __future__ import annotations

import base64

from oms_connector.sandbox.app import create_sandbox_app
from oms_connector.sandbox.calls import Call, CallLog
from oms_connector.sandbox.state import SandboxState
from tests.sandbox.conftest import EMAIL, TOKEN

ISSUE = "/rest/api/3/issue/<id_or_key>"


def test_calls_are_counted_by_route_not_by_issue(state: SandboxState) -> None:
    calls = CallLog()
    client = create_sandbox_app(state, calls=calls).test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()}
    assert client.get("/rest/api/3/issue/ACME-1", headers=auth).status_code == 200
    assert client.get("/rest/api/3/issue/ACME-2", headers=auth).status_code == 200
    assert client.get("/rest/api/3/myself", headers=auth).status_code == 200
    assert client.get("/rest/api/3/myself").status_code == 401  # not authenticated: not counted

    assert calls.counts() == {
        Call(EMAIL, "GET", ISSUE): 2,
        Call(EMAIL, "GET", "/rest/api/3/myself"): 1,
    }
    assert calls.counts("someone@example.com") == {}

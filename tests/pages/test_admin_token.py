"""The pages need the admin token, as a bearer token or a basic-auth password."""

from __future__ import annotations

import base64

import pytest
from flask.testing import FlaskClient

from oms_connector.services.reports import StatementReports

from .conftest import TOKEN, page_settings, pages_app

PATHS = ["/plans", "/statements/acme-20260331"]


def basic(user: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer "},
        basic("admin", "wrong-token"),
        basic(TOKEN, ""),
        {"Authorization": f"Token {TOKEN}"},
        {"Authorization": f"Digest username=admin, response={TOKEN}"},
    ],
    ids=[
        "none",
        "wrong bearer",
        "longer bearer",
        "empty bearer",
        "wrong password",
        "token as user",
        "other scheme",
        "digest",
    ],
)
def test_without_the_token_the_page_is_refused_with_a_challenge(
    client: FlaskClient, path: str, headers: dict[str, str]
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers.getlist("WWW-Authenticate") == [
        'Basic realm="oms-connector statements", charset="UTF-8"',
        'Bearer realm="oms-connector statements"',
    ]
    assert "acme" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "headers",
    [{"Authorization": f"Bearer {TOKEN}"}, basic("admin", TOKEN), basic("", TOKEN)],
    ids=["bearer", "basic", "basic without user"],
)
def test_with_the_token_the_page_is_served(
    client: FlaskClient, path: str, headers: dict[str, str]
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none';")
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_without_a_configured_token_every_request_is_refused(
    reports: StatementReports, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMS_TEST_UNSET_TOKEN", raising=False)
    client = pages_app(reports, page_settings("OMS_TEST_UNSET_TOKEN")).test_client()
    for headers in ({}, {"Authorization": "Bearer "}, basic("admin", "")):
        assert client.get("/plans", headers=headers).status_code == 401

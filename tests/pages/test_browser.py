"""Headless Chromium against the running pages: figures, screenshots, and refusal without token.

Chromium takes the admin token as basic-auth credentials in the URL
(``http://admin:TOKEN@host/...``): it answers the 401 challenge with them. The
screenshots and the printed PDF are left in ``tests/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest
from flask import Flask, Response, request
from werkzeug.serving import make_server

from oms_connector.services.reports import StatementReports

from .conftest import TOKEN, TOKEN_ENV, page_settings, pages_app

ARTIFACTS = Path(__file__).parents[1] / "artifacts"


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed: CI installs Debian's chromium package")
    pytest.skip("chromium is not installed (apt-get install -y chromium)")


@dataclass
class LiveServer:
    base: str
    seen: list[tuple[str, int]] = field(default_factory=list)
    """(path, status) of every response, in order."""

    def url(self, path: str, user: str | None = None, password: str = "") -> str:
        if user is None:
            return f"http://{self.base}{path}"
        return f"http://{user}:{password}@{self.base}{path}"


@pytest.fixture
def live_server(reports: StatementReports, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    app: Flask = pages_app(reports, page_settings())
    server = make_server("127.0.0.1", 0, app)
    live = LiveServer(f"127.0.0.1:{server.server_port}")

    @app.after_request
    def record(response: Response) -> Response:
        live.seen.append((request.path, response.status_code))
        return response

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",  # tests run as root in CI
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def visible_text(dom: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', dom, re.S)
    assert match is not None, f"no element {element_id} in the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", "", match[2])).split())


def test_statement_page_in_chromium_shows_the_figures(
    chromium: str, live_server: LiveServer, tmp_path: Path
) -> None:
    url = live_server.url("/statements/acme-20260331", "admin", TOKEN)
    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", url).stdout
    shown = {
        key: visible_text(dom, key) for key in ("used", "overage", "priority", "saved", "total")
    }
    assert shown == {
        "used": "12.25 h",
        "overage": "2.25 h",
        "priority": "1.33 h",
        "saved": "275.00 USD",
        "total": "573.76 USD",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "statement-acme-20260331.png"
    screenshot.unlink(missing_ok=True)
    run_chromium(
        chromium, tmp_path / "profile", "--window-size=1100,1500", f"--screenshot={screenshot}", url
    )
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = ARTIFACTS / "statement-acme-20260331.pdf"
    printed.unlink(missing_ok=True)
    run_chromium(
        chromium, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={printed}", url
    )
    assert printed.read_bytes()[:5] == b"%PDF-"


def test_plans_page_in_chromium_shows_the_hours_left(
    chromium: str, live_server: LiveServer, tmp_path: Path
) -> None:
    url = live_server.url("/plans", "admin", TOKEN)
    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", url).stdout
    row = re.search(r'id="plan-acme">(.*?)</tr>', dom, re.S)
    assert row is not None
    assert re.search(r'class="num hours-left">1\.50 h<', row[1])
    assert re.search(r'class="used-text">8\.50 of 10\.00 h<', row[1])
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "plans.png"
    screenshot.unlink(missing_ok=True)
    run_chromium(
        chromium, tmp_path / "profile", "--window-size=1100,700", f"--screenshot={screenshot}", url
    )
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("user", "password"), [(None, ""), ("admin", "not-the-token")])
def test_chromium_without_the_token_is_refused(
    chromium: str, live_server: LiveServer, tmp_path: Path, user: str | None, password: str
) -> None:
    url = live_server.url("/statements/acme-20260331", user, password)
    result = run_chromium(chromium, tmp_path / "profile", "--dump-dom", url)
    assert "12.25" not in result.stdout
    assert "ERR_INVALID_AUTH_CREDENTIALS" in result.stderr
    assert live_server.seen
    assert set(live_server.seen) == {("/statements/acme-20260331", 401)}

"""The app follows the running configuration: ``/readyz`` names its file, the pages its plans."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.config import CurrentConfig, load_config
from oms_connector.services.inbox import InboxService
from webhook_app import create_app
from webhook_app.dependencies import AppServices, CurrentReports, StoreProbe

from .conftest import SECRET, SECRET_ENV, FixedClock, settings_mapping

ADMIN_TOKEN = "pages-token-5b1e"
STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RELOADED = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
GLOBEX = {
    "id": "globex",
    "customer": "Globex Ltd",
    "jira_projects": ["GLX"],
    "hours_per_month": 20,
    "term_months": 3,
    "enrolled_on": "2026-02-15",
}


def write(path: Path, mapping: dict[str, Any]) -> str:
    data = yaml.safe_dump(mapping, sort_keys=False).encode("utf-8")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_readiness_and_the_plans_page_follow_a_reload(
    tmp_path: Path, sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv("OMS_ADMIN_TOKEN", ADMIN_TOKEN)
    path = tmp_path / "config.yaml"
    first = write(path, settings_mapping())
    config = CurrentConfig(load_config(path, lambda: STARTED), now=lambda: RELOADED)
    clock = FixedClock()
    services = AppServices(
        InboxService(sql_store, clock),
        StoreProbe(sql_store),
        clock.now,
        reports=CurrentReports(config, sql_store, clock),
        config=config,
    )
    client = create_app(config.current().settings, services).test_client()
    pages = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    assert client.get("/readyz").json == {
        "status": "ready",
        "config": {"sha256": first, "loaded_at": "2026-03-02T09:00:00+00:00", "restart_needed": []},
    }
    assert "Globex Ltd" not in client.get("/plans", headers=pages).text

    mapping = settings_mapping()
    mapping["jira"]["url"] = "https://moved.atlassian.net"
    mapping["plans"].append(GLOBEX)
    second = write(path, mapping)
    assert config.reload() is not None

    assert client.get("/readyz").json == {
        "status": "ready",
        "config": {
            "sha256": second,
            "loaded_at": "2026-03-02T09:30:15+00:00",
            "restart_needed": ["jira.url"],
        },
    }
    assert "Globex Ltd" in client.get("/plans", headers=pages).text

"""Configuration files for tests: a small valid one and a way to write variants."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"

JIRA = 'jira: {url: "https://example.atlassian.net", user: bot@example.com}\n'
ACME = (
    "  - {id: acme, customer: Acme Corp, jira_projects: [ACME], hours_per_month: 10,\n"
    "     term_months: 3, enrolled_on: 2026-01-31}\n"
)
GLOBEX = (
    "  - {id: globex, customer: Globex, jira_projects: [GLX], hours_per_month: 20,\n"
    "     term_months: 6, enrolled_on: 2026-02-15}\n"
)
VALID = JIRA + "plans:\n" + ACME


def write(directory: Path, text: str, name: str = "config.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def clear_oms_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests must not see the OMS_ variables of the shell that runs them."""
    for name in list(os.environ):
        if name.upper().startswith("OMS_"):
            monkeypatch.delenv(name)

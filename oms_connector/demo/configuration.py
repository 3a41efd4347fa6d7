"""What the demo writes before it starts anything: the configuration and the sandbox seed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from oms_connector.demo.scenario import CLASSIFICATION_RULES, PLANS, SANDBOX_START

CONNECTOR_EMAIL = "connector@example.com"
CONNECTOR_TOKEN = "local-sandbox-token"  # noqa: S105 - the sandbox's documented demo account
DEVELOPER_EMAIL = "dana@example.com"
DEVELOPER_TOKEN = "dana-sandbox-token"  # noqa: S105 - a local sandbox account

JIRA_TOKEN_ENV = "OMS_DEMO_JIRA_TOKEN"  # noqa: S105 - a variable name
WEBHOOK_SECRET_ENV = "OMS_DEMO_WEBHOOK_SECRET"  # noqa: S105 - a variable name
ADMIN_TOKEN_ENV = "OMS_DEMO_ADMIN_TOKEN"  # noqa: S105 - a variable name

WORKER_INTERVAL_SECONDS = 3600
"""The worker's own sync runs when ``serve`` starts, then hourly: the demo runs its pass itself."""


BUDGET_REFRESH_SECONDS = 1
"""A plan's budget is written to its tickets at most once a second: the story is quick."""


@dataclass(frozen=True)
class Secrets:
    webhook_secret: str
    admin_token: str

    def environment(self) -> dict[str, str]:
        """The variables the configuration names, with their values."""
        return {
            JIRA_TOKEN_ENV: CONNECTOR_TOKEN,
            WEBHOOK_SECRET_ENV: self.webhook_secret,
            ADMIN_TOKEN_ENV: self.admin_token,
        }


def config_document(jira_url: str, database: Path) -> dict[str, Any]:
    """The connector's configuration: the three plans, urgent-ticket rules, SQLite."""
    return {
        "jira": {
            "url": jira_url,
            "deployment": "cloud",
            "user": CONNECTOR_EMAIL,
            "token_env": JIRA_TOKEN_ENV,
        },
        "database": {"url": f"sqlite:///{database}"},
        "webhook": {"secret_env": WEBHOOK_SECRET_ENV},
        "pages": {"admin_token_env": ADMIN_TOKEN_ENV},
        "defaults": {
            "oms_rate": "35.00",
            "priority_rate": "62.50",
            "currency": "USD",
            "timezone": "America/New_York",
            "close_grace_days": 3,
        },
        "plans": [
            {
                "id": plan.id,
                "customer": plan.customer,
                "jira_projects": [plan.project],
                **plan.settings,
            }
            for plan in PLANS
        ],
        "classification": {
            "default": "oms",
            "rules": [dict(rule) for rule in CLASSIFICATION_RULES],
        },
        "worker": {"interval_seconds": WORKER_INTERVAL_SECONDS},
        "writeback": {"refresh_seconds": BUDGET_REFRESH_SECONDS},
    }


def seed_document() -> dict[str, Any]:
    """The sandbox Jira before the connector is installed: two accounts, three empty projects."""
    return {
        "now": SANDBOX_START.isoformat(),
        "users": [
            {
                "accountId": "557058:connector",
                "displayName": "OMS Connector",
                "email": CONNECTOR_EMAIL,
                "apiToken": CONNECTOR_TOKEN,
            },
            {
                "accountId": "557058:dana",
                "displayName": "Dana Developer",
                "email": DEVELOPER_EMAIL,
                "apiToken": DEVELOPER_TOKEN,
                "timeZone": "America/New_York",
            },
        ],
        "projects": [{"key": plan.project, "name": plan.project_name} for plan in PLANS],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_config(path: Path, document: dict[str, Any]) -> None:
    header = "# Written by `oms-connector demo`: the connector's configuration for the sandbox.\n"
    body = yaml.safe_dump(_plain(document), sort_keys=False, allow_unicode=True)
    path.write_text(header + body, encoding="utf-8")


def write_seed(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

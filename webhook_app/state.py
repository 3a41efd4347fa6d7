"""What the app's views share, kept in ``app.extensions`` (no module-level state)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app

from webhook_app.counters import WebhookCounters
from webhook_app.dependencies import AppServices

EXTENSION = "oms_connector"


@dataclass
class AppState:
    services: AppServices
    secret: bytes | None
    """``None`` only when the settings allow unsigned webhooks and no secret is set."""
    max_body_bytes: int
    counters: WebhookCounters = field(default_factory=WebhookCounters)


def init_app(app: Flask, state: AppState) -> None:
    app.extensions[EXTENSION] = state


def app_state() -> AppState:
    state = current_app.extensions[EXTENSION]
    assert isinstance(state, AppState)
    return state

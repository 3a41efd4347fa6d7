"""Flask app receiving Jira webhooks and serving health and metrics.

``create_app(settings, services=None)`` builds everything at call time: nothing is
created at import. Without ``services`` the app's dependencies are built from the
settings through ``oms_connector.bootstrap``.
"""

from __future__ import annotations

import logging

from flask import Flask

from oms_connector.config import ConfigError, Settings
from webhook_app import health, webhook
from webhook_app.dependencies import AppServices, build_services
from webhook_app.pages import register_pages
from webhook_app.state import AppState, init_app

LOG = logging.getLogger(__name__)

__all__ = ["AppServices", "create_app"]


def create_app(settings: Settings, services: AppServices | None = None) -> Flask:
    """The app; raises ``ConfigError`` when no webhook secret is set and unsigned is not
    allowed, or when the webhook secret or the admin token is blank or too short."""
    _refuse_unusable_secrets(settings)
    secret = _webhook_secret(settings)
    app = Flask(__name__)
    # One byte more than allowed: on a body without Content-Length (chunked) Werkzeug
    # stops reading at the maximum without saying so, so a streamed body of exactly
    # limit + 1 bytes is how the view tells "too large" from "just fits".
    app.config["MAX_CONTENT_LENGTH"] = settings.webhook.max_body_bytes + 1
    if services is None:
        services = build_services(settings)
    init_app(app, AppState(services, secret, settings.webhook.max_body_bytes))
    app.register_blueprint(webhook.blueprint)
    app.register_blueprint(health.blueprint)
    if services.reports is not None:
        register_pages(app, services.reports, settings)
    return app


def _refuse_unusable_secrets(settings: Settings) -> None:
    """A blank or too short webhook secret or admin token stops the start, named."""
    secrets = (settings.webhook.environment_secret, settings.pages.environment_secret)
    problems = [secret.problem for secret in secrets if secret.problem is not None]
    if problems:
        raise ConfigError(problems)


def _webhook_secret(settings: Settings) -> bytes | None:
    secret = settings.webhook.secret
    if secret is not None:
        return secret.get_secret_value().encode("utf-8")
    if not settings.webhook.allow_unsigned:
        settings.webhook.require_secret()  # raises ConfigError naming the variable
    LOG.warning(
        "webhook.allow_unsigned is true and %s is not set: accepting UNSIGNED webhooks; "
        "anyone who can reach this URL can write events",
        settings.webhook.secret_env,
    )
    return None

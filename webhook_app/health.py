"""``/healthz`` (the process answers), ``/readyz`` (the database answers) and ``/metrics``.

``/readyz`` also names the configuration file running: the SHA-256 of its bytes, when it
was loaded, and the keys changed in it that wait for a restart.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from oms_connector.services.ports import StoreUnavailableError
from webhook_app.metrics import CONTENT_TYPE, render
from webhook_app.state import app_state

blueprint = Blueprint("health", __name__)


def _unavailable() -> Response:
    response = jsonify(status="unavailable", reason="the database is unavailable")
    response.status_code = 503
    response.headers["Retry-After"] = "30"
    return response


@blueprint.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> Response:
    services = app_state().services
    try:
        services.probe.check()
    except StoreUnavailableError:
        return _unavailable()
    if services.config is None:
        return jsonify(status="ready")
    loaded = services.config.current()
    config = {
        "sha256": loaded.sha256,
        "loaded_at": loaded.loaded_at.isoformat(timespec="seconds"),
        "restart_needed": list(loaded.restart_needed),
    }
    return jsonify(status="ready", config=config)


@blueprint.get("/metrics")
def metrics() -> Response:
    state = app_state()
    services = state.services
    try:
        inbox = services.inbox.counts()
        last_sync = services.probe.last_sync()
    except StoreUnavailableError:
        return _unavailable()
    text = render(inbox, state.counters, last_sync, services.now())
    return Response(text, content_type=CONTENT_TYPE)

"""``/healthz`` (the process answers), ``/readyz`` (the database answers) and ``/metrics``."""

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
    try:
        app_state().services.probe.check()
    except StoreUnavailableError:
        return _unavailable()
    return jsonify(status="ready")


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

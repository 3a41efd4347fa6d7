"""``POST /webhooks/jira``: verify, store the raw event, acknowledge.

Order matters: the size is bounded before the body is read, the signature is checked
over the raw bytes before anything parses them, and the event is stored (committed)
before the 204. Bad input gets a 4xx that Jira does not retry; only an unreachable
database gets a 503, so that Jira delivers again later.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from oms_connector.services.events import Disposition, EventNameError, disposition, event_name
from oms_connector.services.ports import StoreUnavailableError
from webhook_app.signature import SIGNATURE_HEADER, SignatureCheck, check_signature
from webhook_app.state import AppState, app_state

DELIVERY_HEADER = "X-Atlassian-Webhook-Identifier"
MAX_DELIVERY_ID_LENGTH = 128
RETRY_AFTER_SECONDS = 30

blueprint = Blueprint("webhook", __name__)


def problem(status: int, reason: str, message: str) -> Response:
    response = jsonify(error=reason, message=message)
    response.status_code = status
    return response


@blueprint.post("/webhooks/jira")
def receive_jira() -> Response:
    state = app_state()
    if (request.content_length or 0) > state.max_body_bytes:
        return _too_large(state)
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _too_large(state)
    if len(body) > state.max_body_bytes:
        return _too_large(state)
    if state.secret is not None:
        checked = check_signature(state.secret, body, request.headers.get(SIGNATURE_HEADER))
        if checked is not SignatureCheck.VALID:
            state.counters.rejected(checked.value)
            return problem(401, checked.value, f"{SIGNATURE_HEADER} is missing or wrong")
    try:
        name = event_name(body)
    except EventNameError as error:
        state.counters.rejected(error.problem.value)
        return problem(400, error.problem.value, str(error))
    return _dispatch(state, name, body)


def _too_large(state: AppState) -> Response:
    state.counters.rejected("too_large")
    return problem(413, "too_large", f"the body exceeds {state.max_body_bytes} bytes")


def _dispatch(state: AppState, name: str, body: bytes) -> Response:
    kind = disposition(name)
    if kind is Disposition.IGNORED:
        state.counters.ignored(name)
        return Response(status=204)
    if kind is Disposition.UNKNOWN:
        state.counters.unknown()
        return Response(status=204)
    delivery_id = request.headers.get(DELIVERY_HEADER, "").strip() or None
    if delivery_id is not None and not _plausible_delivery_id(delivery_id):
        state.counters.rejected("bad_delivery_id")
        return problem(
            400,
            "bad_delivery_id",
            f"{DELIVERY_HEADER} must be 1 to {MAX_DELIVERY_ID_LENGTH} printable ASCII characters",
        )
    try:
        new = state.services.inbox.receive(body, delivery_id, name)
    except StoreUnavailableError:
        response = problem(503, "store_unavailable", "the database is unavailable; retry later")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if not new:
        state.counters.duplicate()
    return Response(status=204)


def _plausible_delivery_id(value: str) -> bool:
    return len(value) <= MAX_DELIVERY_ID_LENGTH and value.isascii() and value.isprintable()

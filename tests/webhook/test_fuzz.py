"""Random bodies and headers: never a 5xx, never a row without a valid signature."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from oms_connector.adapters.sql.schema import inbox
from oms_connector.adapters.sql.store import SqlStore
from webhook_app.signature import sign

from .conftest import SECRET, fixture_bytes

REAL_BODIES = [
    fixture_bytes("zulip/worklog_created.json"),
    fixture_bytes("zulip/issue_created.json"),
    fixture_bytes("zulip/comment_created.json"),
]

header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
event_names = st.sampled_from(
    ["jira:issue_created", "worklog_created", "comment_created", "nope", ""]
) | st.text(max_size=20)
bodies = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from(REAL_BODIES),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.builds(
        lambda name, extra: json.dumps({"webhookEvent": name, **extra}).encode(),
        event_names,
        st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    ),
)
signature_kinds = st.sampled_from(["valid", "other_secret", "random", "absent"])


def _count(store: SqlStore) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(inbox)).scalar_one())


def _signature(kind: str, body: bytes, random_text: str) -> str | None:
    if kind == "valid":
        return sign(SECRET.encode(), body)
    if kind == "other_secret":
        return sign(b"not the secret", body)
    if kind == "random":
        return random_text
    return None


@settings(
    max_examples=1200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=bodies,
    kind=signature_kinds,
    random_signature=header_text,
    delivery=st.none() | header_text,
    content_type=st.none() | header_text,
)
def test_random_deliveries_never_get_a_5xx_nor_store_anything_unsigned(
    client: FlaskClient,
    sql_store: SqlStore,
    body: bytes,
    kind: str,
    random_signature: str,
    delivery: str | None,
    content_type: str | None,
) -> None:
    headers = {}
    signature = _signature(kind, body, random_signature)
    if signature is not None:
        headers["X-Hub-Signature"] = signature
    if delivery is not None:
        headers["X-Atlassian-Webhook-Identifier"] = delivery
    if content_type is not None:
        headers["Content-Type"] = content_type
    before = _count(sql_store)

    response = client.post("/webhooks/jira", data=body, headers=headers)

    assert response.status_code < 500
    if kind != "valid":
        assert response.status_code == 401
        assert _count(sql_store) == before
    else:
        assert response.status_code in {204, 400}
        assert _count(sql_store) - before in {0, 1}

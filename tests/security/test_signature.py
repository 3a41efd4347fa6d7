"""The webhook signature: every malformed header refused, digests compared in constant time.

Decisions, by form of the ``X-Hub-Signature`` header (all refused with 401, nothing stored):

- missing: no header, an empty or a blank one -> ``signature_missing``;
- malformed: not ``sha256=`` followed by exactly 64 hex digits (another algorithm, no
  digest, a short, long or non-hex digest, two signatures, whitespace or a separator
  inside) -> ``signature_malformed``;
- wrong: well formed, but not the HMAC of this body under this secret ->
  ``signature_mismatch``.

Accepted forms of the right digest: Jira's own (lowercase ``sha256=`` and hex), an
uppercase algorithm name or hex digits (hex is case-insensitive), and whitespace
around the whole value (HTTP strips it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from flask import Flask

from oms_connector.config import load_settings
from tests.drills.connector import WEBHOOK_SECRET, inbox_counts, write_config
from webhook_app import create_app, signature

BODY = b'{"webhookEvent": "jira:issue_created", "timestamp": 1, "issue": {"id": "1"}}'
DIGEST = hmac.new(WEBHOOK_SECRET.encode(), BODY, hashlib.sha256).hexdigest()
OTHER = hmac.new(b"another secret", BODY, hashlib.sha256).hexdigest()
BASE64 = base64.b64encode(bytes.fromhex(DIGEST)).decode()
OFF_BY_ONE = DIGEST[:-1] + ("0" if DIGEST[-1] != "0" else "1")


@pytest.fixture
def app(tmp_path: Path, secrets: None) -> Iterator[tuple[Flask, str]]:
    database_url = f"sqlite:///{tmp_path / 'oms.sqlite3'}"
    application = create_app(
        load_settings(write_config(tmp_path, "https://example.atlassian.net", database_url))
    )
    yield application, database_url
    application.extensions["oms_connector"].services.close()


REFUSED = [
    ("no header", None, "signature_missing"),
    ("empty", "", "signature_missing"),
    ("blank", "   ", "signature_missing"),
    ("algorithm only", "sha256=", "signature_malformed"),
    ("no separator", f"sha256{DIGEST}", "signature_malformed"),
    ("bare digest", DIGEST, "signature_malformed"),
    ("sha1", "sha1=" + hashlib.sha1(BODY).hexdigest(), "signature_malformed"),
    ("sha512", "sha512=" + hashlib.sha512(BODY).hexdigest(), "signature_malformed"),
    ("short digest", f"sha256={DIGEST[:-1]}", "signature_malformed"),
    ("long digest", f"sha256={DIGEST}0", "signature_malformed"),
    ("non-hex digit", f"sha256={DIGEST[:-1]}g", "signature_malformed"),
    (
        "base64 digest",
        "sha256=" + hashlib.sha256(BODY).digest().hex()[:43] + "=",
        "signature_malformed",
    ),
    ("two signatures", f"sha256={DIGEST},sha256={DIGEST}", "signature_malformed"),
    ("two, space", f"sha256={DIGEST} sha256={DIGEST}", "signature_malformed"),
    ("space inside", f"sha256= {DIGEST}", "signature_malformed"),
    ("space before =", f"sha256 ={DIGEST}", "signature_malformed"),
    ("colon", f"sha256:{DIGEST}", "signature_malformed"),
    ("double =", f"sha256=={DIGEST}", "signature_malformed"),
    ("other secret", f"sha256={OTHER}", "signature_mismatch"),
    ("zeros", "sha256=" + "0" * 64, "signature_mismatch"),
    (
        "one digit off",
        f"sha256={DIGEST[:-1]}{'0' if DIGEST[-1] != '0' else '1'}",
        "signature_mismatch",
    ),
]


@pytest.mark.parametrize(
    ("header", "reason"), [(h, r) for _, h, r in REFUSED], ids=[i for i, _, _ in REFUSED]
)
def test_a_bad_signature_header_is_refused_with_its_reason_and_nothing_is_stored(
    app: tuple[Flask, str], header: str | None, reason: str
) -> None:
    application, database_url = app
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["X-Hub-Signature"] = header
    response = application.test_client().post("/webhooks/jira", data=BODY, headers=headers)
    assert response.status_code == 401
    assert response.get_json() == {
        "error": reason,
        "message": "X-Hub-Signature is missing or wrong",
    }
    assert sum(inbox_counts(database_url).values()) == 0


ACCEPTED = [
    ("as Jira sends it", f"sha256={DIGEST}"),
    ("uppercase hex", f"sha256={DIGEST.upper()}"),
    ("uppercase algorithm", f"SHA256={DIGEST}"),
    ("surrounding whitespace", f"  sha256={DIGEST}\t"),
]


@pytest.mark.parametrize("header", [h for _, h in ACCEPTED], ids=[i for i, _ in ACCEPTED])
def test_the_right_digest_is_accepted_in_each_equivalent_form(
    app: tuple[Flask, str], header: str
) -> None:
    application, database_url = app
    headers = {"Content-Type": "application/json", "X-Hub-Signature": header}
    response = application.test_client().post("/webhooks/jira", data=BODY, headers=headers)
    assert response.status_code == 204
    assert sum(inbox_counts(database_url).values()) == 1


def test_a_signature_of_another_body_is_refused() -> None:
    header = signature.sign(WEBHOOK_SECRET.encode(), BODY + b" ")
    assert signature.check_signature(WEBHOOK_SECRET.encode(), BODY, header) == "signature_mismatch"


@pytest.mark.parametrize("header", [f"sha256={DIGEST}", f"sha256={OTHER}"], ids=["right", "wrong"])
def test_digests_are_compared_with_compare_digest_and_nothing_else(header: str) -> None:
    real = hmac.compare_digest
    with mock.patch("webhook_app.signature.hmac.compare_digest", side_effect=real) as compare:
        outcome = signature.check_signature(WEBHOOK_SECRET.encode(), BODY, header)
    expected = DIGEST if header.endswith(DIGEST) else OTHER
    compare.assert_called_once_with(DIGEST.encode(), expected.encode())
    assert outcome == ("valid" if expected == DIGEST else "signature_mismatch")


def test_the_check_does_not_compare_digests_with_equality() -> None:
    # Constant time is the comparison's property, not something to measure: the module
    # must leave the comparison of secrets to hmac.compare_digest alone.
    source = Path(signature.__file__).read_text()
    code = "\n".join(line.split("#")[0] for line in source.splitlines())
    assert "compare_digest(" in code
    assert "expected ==" not in code
    assert "== expected" not in code
    assert "digest ==" not in code

"""The ``X-Hub-Signature`` check: HMAC-SHA256 of the raw body, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum

SIGNATURE_HEADER = "X-Hub-Signature"

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class SignatureCheck(StrEnum):
    """The outcome of a check; every value but ``VALID`` is a rejection reason."""

    VALID = "valid"
    MISSING = "signature_missing"
    MALFORMED = "signature_malformed"
    MISMATCH = "signature_mismatch"


def sign(secret: bytes, body: bytes) -> str:
    """The header value Jira sends for ``body``: ``sha256=<lowercase hex>``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def check_signature(secret: bytes, body: bytes, header: str | None) -> SignatureCheck:
    """Whether ``header`` is the WebSub-style signature of ``body`` under ``secret``.

    Only the form (``sha256=`` and 64 hex digits) is checked before the comparison; the
    digests themselves are compared with ``hmac.compare_digest``.
    """
    if header is None or not header.strip():
        return SignatureCheck.MISSING
    algorithm, separator, digest = header.strip().partition("=")
    digest = digest.lower()
    if separator != "=" or algorithm.lower() != "sha256" or not _SHA256_HEX.fullmatch(digest):
        return SignatureCheck.MALFORMED
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    if hmac.compare_digest(expected.encode("ascii"), digest.encode("ascii")):
        return SignatureCheck.VALID
    return SignatureCheck.MISMATCH

"""Atlassian's OpenAPI description of the Jira Cloud REST API, ready for openapi-core.

Loaded once per test session from the gzip copy in ``tests/fixtures/jira_openapi/``
(checked against its noted sha256), or from ``OMS_JIRA_OPENAPI`` when set. Two
settings make it usable, as noted in the Jira notes:

- the description fails a strict OpenAPI check (an enum default of ``''``), so the
  validator's own spec check is switched off;
- Jira writes ``date-time`` values with an offset without a colon
  (``2021-01-17T12:34:00.000+0000``, as in the description's own examples), which is
  not RFC 3339; the ``date-time`` format check accepts that offset too, and still
  rejects anything that is not a timestamp with an offset.

A few operations answer with no body (``PUT issue`` 204, ``PUT`` of an issue property
200/201) while the description declares an ``application/json`` content of schema
``{}`` (anything) for them; :func:`may_be_empty` tells those cases apart so that a
validator can accept the empty body there, and nowhere else.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI

FIXTURE = Path(__file__).parent / "fixtures" / "jira_openapi" / "jira-platform-openapi-v3.json.gz"
SHA256 = "f9730c06a55b7dd8c680283183a572904f17d8dd52398cf9894479c467d4c05d"
SERVER = "https://your-domain.atlassian.net"
"""The description's only server: requests must be addressed to it to be matched."""

_JIRA_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)")


@functools.cache
def description() -> dict[str, Any]:
    override = os.environ.get("OMS_JIRA_OPENAPI")
    path = Path(override) if override else FIXTURE
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    if not override and hashlib.sha256(raw).hexdigest() != SHA256:
        raise AssertionError(f"{path} is not the noted copy of the description")
    data: dict[str, Any] = json.loads(raw)
    return data


def jira_date_time(value: object) -> bool:
    """The ``date-time`` check: RFC 3339, or Jira's ``+0000`` offset without a colon."""
    if not isinstance(value, str) or _JIRA_DATE_TIME.fullmatch(value) is None:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def may_be_empty(method: str, path: str, status: int) -> bool:
    """Whether the description leaves the body of this answer unconstrained (schema ``{}``)."""
    for template, operations in _paths():
        if template.fullmatch(path):
            operation = operations.get(method.lower(), {})
            content = operation.get("responses", {}).get(str(status), {}).get("content", {})
            return all(media.get("schema") == {} for media in content.values())
    return False


@functools.cache
def _paths() -> list[tuple[re.Pattern[str], dict[str, Any]]]:
    found = []
    for template, operations in description()["paths"].items():
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        found.append((re.compile(pattern), operations))
    # Literal paths first: /issue/bulkfetch is not /issue/{issueIdOrKey}.
    return sorted(found, key=lambda item: item[0].pattern.count("[^/]+"))


@functools.cache
def jira_openapi() -> OpenAPI:
    config = Config(
        spec_validator_cls=None,
        extra_format_validators={"date-time": jira_date_time},
    )
    return OpenAPI.from_dict(description(), config=config)

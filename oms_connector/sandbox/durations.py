"""Jira's duration strings (``1w 2d 3h 20m``) with its default 8-hour day and 5-day week."""

from __future__ import annotations

import re

_UNITS = (("w", 5 * 8 * 3600), ("d", 8 * 3600), ("h", 3600), ("m", 60))
_SECONDS = dict(_UNITS)
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhm])", re.IGNORECASE)


class DurationError(ValueError):
    """A duration string Jira would not accept."""


def duration_text(seconds: int) -> str:
    """``12000`` -> ``3h 20m``; below a minute Jira writes ``0m``."""
    parts = []
    rest = seconds
    for unit, size in _UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0m"


def parse_duration(text: str) -> int:
    """``3h 20m`` -> ``12000``; a bare number means minutes, as in Jira."""
    cleaned = text.strip()
    if cleaned.isdigit():
        return int(cleaned) * 60
    matches = list(_PART.finditer(cleaned))
    if not matches or _PART.sub("", cleaned).strip():
        raise DurationError(f"invalid duration {text!r} (expected something like '3h 20m')")
    return round(sum(float(m.group(1)) * _SECONDS[m.group(2).lower()] for m in matches))

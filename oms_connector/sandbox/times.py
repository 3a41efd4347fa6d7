"""Jira's timestamps: ``2021-01-17T12:34:00.000+0000`` in JSON, epoch milliseconds elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TimeFormatError(ValueError):
    """A timestamp without a time zone, or not a timestamp at all."""


def jira_time(instant: datetime) -> str:
    """The format Jira writes: milliseconds and an offset without a colon."""
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def parse_time(text: object, what: str) -> datetime:
    """A Jira or ISO 8601 timestamp with an offset (``+0000``, ``+05:30`` or ``Z``)."""
    if not isinstance(text, str):
        raise TimeFormatError(f"{what} must be a timestamp string, got {text!r}")
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeFormatError(
            f"{what} {text!r} is not a timestamp like 2021-01-17T12:34:00.000+0000"
        ) from None
    if parsed.tzinfo is None:
        raise TimeFormatError(f"{what} {text!r} has no UTC offset")
    return parsed


def epoch_ms(instant: datetime) -> int:
    return (instant - _EPOCH) // timedelta(milliseconds=1)


def from_epoch_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)

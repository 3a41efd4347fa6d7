"""Column types that keep instants aware and money exact on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_CENT = Decimal("0.01")


def epoch_micros(instant: datetime) -> int:
    """Microseconds since the Unix epoch: exact, and ordered like the instants."""
    if instant.tzinfo is None:
        raise ValueError(f"instant {instant.isoformat()} is not timezone-aware")
    return (instant - _EPOCH) // _MICROSECOND


_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def from_epoch_micros(micros: int) -> datetime:
    """The instant; one beyond the years 1 to 9999 (written before instants were checked
    on the way in) reads as the nearest one a ``datetime`` holds, so no read fails on it."""
    try:
        return _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return _EARLIEST if micros < 0 else _LATEST


def in_utc(instant: datetime) -> datetime:
    """``instant`` in UTC; ``ValueError`` naming it when UTC has no such day (0001-01-01
    at 00:30 +01:00 is in the year 0 in UTC)."""
    if instant.tzinfo is None:
        raise ValueError(f"instant {instant.isoformat()} is not timezone-aware")
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        raise ValueError(
            f"instant {instant.isoformat()} is outside the years 1 to 9999 in UTC"
        ) from None


class UtcInstant(TypeDecorator[datetime]):
    """An aware instant, returned in UTC.

    PostgreSQL keeps it in ``timestamp with time zone``; SQLite, which has no such
    type, keeps integer microseconds since the epoch, so comparisons in SQL stay exact.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        in_utc_value = in_utc(value)
        if dialect.name == "sqlite":
            return epoch_micros(in_utc_value)
        return in_utc_value

    def process_result_value(self, value: Any, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, int):
            return from_epoch_micros(value)
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        raise TypeError(f"unexpected stored instant {value!r}")


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal that never passes through a float: ``numeric`` on PostgreSQL, text on SQLite."""

    impl = Numeric(18, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(18, 4, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"expected a Decimal, got {value!r}")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, _dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        # numeric(18, 4) pads to four places: give back the two of money when they suffice.
        cents = number.quantize(_CENT)
        return cents if cents == number else number.normalize()

"""Exact quantities and money: integer seconds in, rounded Decimal hours and cents out."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SECONDS_PER_HOUR = 3600
CENT = Decimal("0.01")
DEFAULT_INCREMENT = Decimal("0.01")


def hours_exact(seconds: int) -> Decimal:
    """Seconds as hours, without rounding (used for shares and comparisons, never for lines)."""
    return Decimal(seconds) / SECONDS_PER_HOUR


def round_hours(seconds: int, increment: Decimal = DEFAULT_INCREMENT) -> Decimal:
    """Hours rounded half-up to a multiple of ``increment`` (0.01 h by default).

    Rounding is symmetric: -1.005 h rounds to -1.01 h, as 1.005 h rounds to 1.01 h,
    so a credit mirrors the charge it reverses.
    """
    if increment <= 0:
        raise ValueError(f"rounding increment must be positive, got {increment}")
    steps = (Decimal(seconds) / SECONDS_PER_HOUR / increment).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return (steps * increment).quantize(increment)


def amount(quantity: Decimal, rate: Decimal) -> Decimal:
    """``quantity × rate`` rounded half-up to the cent."""
    return (quantity * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def hours_to_seconds(hours: Decimal) -> int:
    """Whole seconds in ``hours``; refuses a value that is not a whole number of seconds."""
    seconds = hours * SECONDS_PER_HOUR
    if seconds != seconds.to_integral_value():
        raise ValueError(f"{hours} h is not a whole number of seconds")
    return int(seconds)

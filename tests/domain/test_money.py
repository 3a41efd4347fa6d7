from __future__ import annotations

from decimal import Decimal

import pytest

from oms_connector.domain.money import amount, hours_to_seconds, round_hours


@pytest.mark.parametrize(
    ("seconds", "increment", "expected"),
    [
        (4800, "0.01", "1.33"),  # 1 h 20 m = 1.333… h
        (8100, "0.01", "2.25"),
        (3618, "0.01", "1.01"),  # 1.005 h rounds half-up
        (-3618, "0.01", "-1.01"),  # a credit mirrors the charge
        (0, "0.01", "0.00"),
        (4800, "0.25", "1.25"),
        (5850, "0.25", "1.75"),  # 1.625 h is half-way: up
        (4500, "0.5", "1.5"),
    ],
)
def test_hours_round_half_up_to_the_increment(seconds: int, increment: str, expected: str) -> None:
    assert str(round_hours(seconds, Decimal(increment))) == expected


@pytest.mark.parametrize(
    ("hours", "rate", "expected"),
    [("2.25", "62.50", "140.63"), ("1.33", "62.50", "83.13"), ("10.00", "35.00", "350.00")],
)
def test_amounts_round_half_up_to_the_cent(hours: str, rate: str, expected: str) -> None:
    assert str(amount(Decimal(hours), Decimal(rate))) == expected


def test_a_non_positive_increment_is_refused() -> None:
    with pytest.raises(ValueError, match="rounding increment must be positive, got 0"):
        round_hours(60, Decimal(0))


def test_hours_must_be_whole_seconds() -> None:
    assert hours_to_seconds(Decimal("10.5")) == 37800
    with pytest.raises(ValueError, match=r"0\.0001 h is not a whole number of seconds"):
        hours_to_seconds(Decimal("0.0001"))

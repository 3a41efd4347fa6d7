from __future__ import annotations

from decimal import Decimal

import pytest

from oms_connector.domain.deferral import Advice, PlannedTicket, Split, advise

H = 3600
RATE = Decimal("62.50")


def tickets(*hours: float | None) -> list[PlannedTicket]:
    return [
        PlannedTicket(f"ACME-{n}", None if h is None else int(h * H))
        for n, h in enumerate(hours, start=1)
    ]


def keys(items: tuple[PlannedTicket, ...]) -> list[str]:
    return [t.key for t in items]


@pytest.mark.parametrize(
    ("hours", "left", "fits", "split", "deferred", "overage", "cost"),
    [
        # exact fit: everything fits, nothing to move
        ((2, 3, 1.5), 6.5, ["ACME-1", "ACME-2", "ACME-3"], None, [], "0.00", "0.00"),
        # split: the third ticket straddles the end of the period
        (
            (2, 3, 4, 1),
            6.5,
            ["ACME-1", "ACME-2"],
            ("ACME-3", 1.5, 2.5),
            ["ACME-4"],
            "3.50",
            "218.75",
        ),
        # nothing fits: no hours left at all
        ((2, 1), 0, [], None, ["ACME-1", "ACME-2"], "3.00", "187.50"),
        # already in overage: the whole list is overage if done now
        ((1,), -2, [], None, ["ACME-1"], "1.00", "62.50"),
        # rank order kept: a later small ticket does not jump the split one
        ((5, 0.5), 4, [], ("ACME-1", 4, 1), ["ACME-2"], "1.50", "93.75"),
        # exact fit on the first, the rest moves whole
        ((4, 2), 4, ["ACME-1"], None, ["ACME-2"], "2.00", "125.00"),
    ],
)
def test_advice_in_rank_order(
    hours: tuple[float, ...],
    left: float,
    fits: list[str],
    split: tuple[str, float, float] | None,
    deferred: list[str],
    overage: str,
    cost: str,
) -> None:
    advice = advise(tickets(*hours), int(left * H), RATE)
    assert keys(advice.fits) == fits
    expected_split = (
        None if split is None else Split(split[0], int(split[1] * H), int(split[2] * H))
    )
    assert advice.split == expected_split
    assert keys(advice.deferred) == deferred
    assert (str(advice.overage_hours), str(advice.overage_cost)) == (overage, cost)
    assert advice.needs_deferral is (overage != "0.00")


def test_tickets_without_estimates_are_listed_apart() -> None:
    advice = advise(tickets(None, 2, None), 10 * H, RATE)
    assert advice == Advice(
        left_seconds=10 * H,
        fits=(PlannedTicket("ACME-2", 2 * H),),
        split=None,
        deferred=(),
        unestimated=("ACME-1", "ACME-3"),
        overage_seconds=0,
        overage_hours=Decimal("0.00"),
        overage_cost=Decimal("0.00"),
    )


def test_a_negative_estimate_is_refused() -> None:
    with pytest.raises(ValueError, match="ACME-1: remaining estimate must not be negative"):
        advise([PlannedTicket("ACME-1", -1)], H, RATE)

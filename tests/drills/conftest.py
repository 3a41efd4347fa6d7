"""Fixtures of the drills: a seeded random source and the connector's secrets in the environment.

Each drill draws from its own seeded generator, so a failure is reproducible: the seed
is in the test's id and can be changed with ``OMS_DRILL_SEED``.
"""

from __future__ import annotations

import os
import random

import pytest

from tests.drills.connector import SECRETS

DRILL_SEED = int(os.environ.get("OMS_DRILL_SEED", "20270115"))


@pytest.fixture
def rng() -> random.Random:
    return random.Random(DRILL_SEED)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connector's secrets where ``load_settings`` reads them, and no stray overrides."""
    for name in list(os.environ):
        if name.startswith("OMS_") and name != "OMS_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)

"""Service tests run on the in-memory fake store and on the SQL store of each backend
(the ``store`` fixture of ``tests/conftest.py``); their clock is fixed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.services.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))

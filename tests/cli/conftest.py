from __future__ import annotations

import pytest

from tests.config.files import clear_oms_environment


@pytest.fixture(autouse=True)
def _no_oms_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_oms_environment(monkeypatch)

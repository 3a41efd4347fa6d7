from __future__ import annotations

from collections.abc import Iterator

import pytest

from oms_connector.adapters.jira_gateway import JiraRestGateway
from tests.writeback.board import open_gateway


@pytest.fixture
def gateway() -> Iterator[JiraRestGateway]:
    made = open_gateway()
    yield made
    made.close()

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import responses

from oms_connector.adapters.jira_gateway import (
    Deployment,
    JiraConnection,
    JiraRestGateway,
    RetryPolicy,
)
from oms_connector.adapters.jira_payloads import IssueFieldIds
from tests.gateway.jira_json import SITE

TOKEN = "s3cret-api-token"


class Sleeps(list[float]):
    """Records the waits the gateway asks for instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


GatewayFactory = Callable[..., JiraRestGateway]


@pytest.fixture
def make_gateway(sleeps: Sleeps) -> Iterator[GatewayFactory]:
    made: list[JiraRestGateway] = []

    def make(
        deployment: Deployment = Deployment.CLOUD,
        *,
        field_ids: IssueFieldIds | None = None,
        retry: RetryPolicy | None = None,
    ) -> JiraRestGateway:
        gateway = JiraRestGateway(
            JiraConnection(SITE, "bot@example.com", TOKEN, deployment),
            field_ids=field_ids,
            retry=retry,
            sleep=sleeps,
            random=lambda: 0.5,
        )
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        gateway.close()


@pytest.fixture
def gateway(make_gateway: GatewayFactory) -> JiraRestGateway:
    return make_gateway()

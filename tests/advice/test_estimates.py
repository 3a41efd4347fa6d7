"""The gateway's search with remaining estimates, through ``search/jql`` (Cloud) or ``search``."""

from __future__ import annotations

import json

import pytest
import responses

from oms_connector.adapters.jira_gateway import (
    Deployment,
    JiraConnection,
    JiraResponseError,
    JiraRestGateway,
)
from tests.gateway.jira_json import API, API_V2, SITE, issue

JQL = 'project in ("ACME") AND statusCategory != Done ORDER BY Rank ASC'


def estimated(issue_id: int, key: str, tracking: object) -> dict[str, object]:
    return issue(issue_id, key, timetracking=tracking)


@responses.activate
def test_estimates_come_page_by_page_in_rank_order(gateway: JiraRestGateway) -> None:
    responses.post(
        f"{API}/search/jql",
        json={
            "issues": [
                estimated(
                    1, "ACME-1", {"remainingEstimate": "2h", "remainingEstimateSeconds": 7200}
                )
            ],
            "nextPageToken": "p2",
        },
    )
    responses.post(
        f"{API}/search/jql",
        json={"issues": [estimated(2, "ACME-2", {}), issue(3, "ACME-3")], "isLast": True},
    )

    pages = list(gateway.search_estimates(JQL))

    assert [[(i.snapshot.key, i.remaining_seconds) for i in page] for page in pages] == [
        [("ACME-1", 7200)],
        [("ACME-2", None), ("ACME-3", None)],
    ]
    bodies = [json.loads(c.request.body or b"") for c in responses.calls]
    assert [(b["jql"], b.get("nextPageToken"), "timetracking" in b["fields"]) for b in bodies] == [
        (JQL, None, True),
        (JQL, "p2", True),
    ]


@responses.activate
def test_data_center_estimates_come_from_the_v2_search() -> None:
    gateway = JiraRestGateway(
        JiraConnection(SITE, "bot", "pat", Deployment.DATA_CENTER), sleep=lambda s: None
    )
    responses.post(
        f"{API_V2}/search",
        json={
            "startAt": 0,
            "total": 1,
            "issues": [estimated(1, "ACME-1", {"remainingEstimateSeconds": 900})],
        },
    )

    pages = list(gateway.search_estimates(JQL))
    gateway.close()

    assert [(i.snapshot.key, i.remaining_seconds) for i in pages[0]] == [("ACME-1", 900)]


@responses.activate
@pytest.mark.parametrize("tracking", [{"remainingEstimateSeconds": "2h"}, -5, "soon"])
def test_an_estimate_that_is_not_seconds_is_a_response_error(
    tracking: object, gateway: JiraRestGateway
) -> None:
    value = tracking if isinstance(tracking, dict) else {"remainingEstimateSeconds": tracking}
    responses.post(f"{API}/search/jql", json={"issues": [estimated(1, "ACME-1", value)]})

    with pytest.raises(JiraResponseError, match=r"^Jira returned issue ACME-1 with a remaining"):
        list(gateway.search_estimates(JQL))

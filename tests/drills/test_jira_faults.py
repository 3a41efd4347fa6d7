"""Drill: Jira answering 20 % of the connector's calls with 429 (Retry-After), 500 or a timeout.

Work is done on the sandbox and a fifth of its webhooks are lost; then the sandbox
starts failing calls and the worker's own steps (inbox, then sync) run on it through
the real gateway. The gateway's retries must carry every step through: the books
equal the ground truth, and the waits it took are the ones Jira asked for (capped).

The gateway's waits are made short with its own settings (``RetryPolicy``: a small
backoff, a small cap on ``Retry-After``) and a client timeout below the sandbox's hang.
The timeout leaves room for a loaded machine: a sound answer slower than it would
be retried too, and counted as a wait no fault asked for.
"""

from __future__ import annotations

import random
from pathlib import Path

from oms_connector import cli
from oms_connector.adapters.jira_gateway import JiraConnection, JiraRestGateway, RetryPolicy
from oms_connector.config import load_settings
from oms_connector.sandbox.faults import FaultPlan
from tests.drills.books import assert_books_match
from tests.drills.connector import CLOSE_AS_OF, post_webhooks, worker, write_config
from tests.drills.site import EMAIL, JIRA_TOKEN, Activity, sandbox

CHANGES = 600
RETRY_AFTER_CAP = 0.05
RETRY = RetryPolicy(
    attempts=10,
    backoff_base_seconds=0.005,
    backoff_cap_seconds=0.02,
    retry_after_cap_seconds=RETRY_AFTER_CAP,
)


def test_the_books_survive_jira_failing_a_fifth_of_the_calls(
    tmp_path: Path, rng: random.Random, secrets: None
) -> None:
    database_url = f"sqlite:///{tmp_path / 'oms.sqlite3'}"
    faults = FaultPlan(rate=0, seed=rng.randrange(1 << 30), hang_seconds=1.5)
    with sandbox(faults=faults) as site:
        Activity(site, rng).run(CHANGES)
        site.settle()
        settings = load_settings(write_config(tmp_path, site.url, database_url))
        delivered = rng.sample(site.captured, len(site.captured) * 4 // 5)
        assert set(post_webhooks(settings, ((w, 0) for w in delivered))) == {204}

        faults.rate = 0.2
        waits: list[float] = []
        connection = JiraConnection(site.url, EMAIL, JIRA_TOKEN, timeout_seconds=0.75)
        gateway = JiraRestGateway(connection, retry=RETRY, sleep=waits.append)
        with worker(settings, gateway) as steps:
            steps.drain_inbox()
            steps.sync()
            steps.drain_inbox()
        counts = faults.counts()
        faults.rate = 0

        config_path = str(tmp_path / "config.yaml")
        assert cli.main(["--config", config_path, "close", "--as-of", str(CLOSE_AS_OF)]) == 0
        assert_books_match(settings, site.state, site.issue_keys, database_url, CLOSE_AS_OF)

    failed = counts["429"] + counts["500"] + counts["timeout"]
    assert min(counts["429"], counts["500"], counts["timeout"]) >= 2, counts
    assert 0.1 < failed / counts["requests"] < 0.3, counts
    assert len(waits) == failed
    # A 429 says Retry-After: 1, which the gateway honours up to its cap.
    assert waits.count(RETRY_AFTER_CAP) == counts["429"]
    assert all(0 < wait <= RETRY_AFTER_CAP for wait in waits)

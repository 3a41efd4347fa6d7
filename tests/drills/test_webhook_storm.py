"""Drill: 2,000 webhook deliveries, 30 % of them repeats, shuffled, 20 % of the events lost.

1,750 changes are made on the sandbox; 350 of their webhooks are never delivered; the
1,400 others are delivered once each, and 600 of them a second time (half as Jira's
retry of the same delivery, half under a fresh identifier, as when Jira sends an event
twice, which the inbox knows by the body). The 2,000 deliveries reach the real app in a
random order. The worker then processes the inbox, one sync pass reads what the lost
webhooks did not say, and the due periods are closed: the books must equal the ground
truth.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

from oms_connector import cli
from oms_connector.bootstrap import open_gateway
from oms_connector.config import load_settings
from oms_connector.services.ports import InboxStatus
from tests.drills.books import assert_books_match
from tests.drills.connector import (
    CLOSE_AS_OF,
    inbox_counts,
    post_webhooks,
    worker,
    write_config,
)
from tests.drills.site import Activity, Captured, sandbox

EVENTS = 1_750
LOST = 350
REPEATS = 600


def deliveries(captured: list[Captured], rng: random.Random) -> list[tuple[Captured, int]]:
    """(webhook, retry number) for every delivery, shuffled; the lost ones left out."""
    delivered = rng.sample(captured, len(captured) - LOST)
    repeated = rng.sample(delivered, REPEATS)
    sends = [(webhook, 0) for webhook in delivered]
    for n, webhook in enumerate(repeated):
        if n % 2:
            sends.append((webhook, 1))  # Jira's retry: the same delivery identifier
        else:  # the same event sent again as a new delivery
            sends.append((Captured(str(uuid.uuid4()), webhook.event, webhook.body), 0))
    rng.shuffle(sends)
    return sends


def test_the_books_survive_lost_repeated_and_shuffled_webhooks_and_one_sync_pass(
    tmp_path: Path, rng: random.Random, secrets: None
) -> None:
    database_url = f"sqlite:///{tmp_path / 'oms.sqlite3'}"
    with sandbox() as site:
        activity = Activity(site, rng)
        while len(site.captured) < EVENTS:
            activity.step()
        site.settle()
        settings = load_settings(write_config(tmp_path, site.url, database_url))
        sends = deliveries(site.captured, rng)
        assert len(sends) == 2_000

        assert post_webhooks(settings, sends) == [204] * 2_000
        # A repeat is stored once, under its identifier or a fresh one: its body is stored.
        assert sum(inbox_counts(database_url).values()) == EVENTS - LOST

        with worker(settings, open_gateway(settings)) as steps:
            steps.drain_inbox()
            steps.sync()
            steps.drain_inbox()
        counts = inbox_counts(database_url)
        assert counts[InboxStatus.PENDING] == counts[InboxStatus.FAILED] == 0
        config_path = str(tmp_path / "config.yaml")
        assert cli.main(["--config", config_path, "close", "--as-of", str(CLOSE_AS_OF)]) == 0

        assert_books_match(settings, site.state, site.issue_keys, database_url, CLOSE_AS_OF)

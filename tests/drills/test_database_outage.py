"""Drill: the database goes away under load; webhooks get 503 and Jira delivers them again.

The real app runs over HTTP in front of PostgreSQL reached through a proxy the drill
takes down for two seconds while the sandbox posts the webhooks of 500 changes as
they happen (its sender retries a 503 with a doubling back-off, as Jira does).
Every delivery answered 204 must be in the inbox; every delivery answered 503 must
have been retried until it got its 204; nothing else may be answered. Then the worker
processes the inbox and syncs, the periods are closed, and the books must equal the
ground truth.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from oms_connector import cli
from oms_connector.adapters.sql.engine import create_store_engine, upgrade
from oms_connector.adapters.sql.schema import inbox
from oms_connector.bootstrap import open_gateway
from oms_connector.config import load_settings
from oms_connector.sandbox.webhooks import DeliveryPolicy
from tests.drills.books import assert_books_match
from tests.drills.connector import CLOSE_AS_OF, WEBHOOK_SECRET, store_on, worker, write_config
from tests.drills.proxy import TcpProxy
from tests.drills.site import Activity, sandbox
from webhook_app import create_app

CHANGES = 500
OUTAGE_SECONDS = 2.0
POLICY = DeliveryPolicy(retries=8, backoff_seconds=0.1, timeout_seconds=10)
"""Retries 0.1 s, 0.2 s, ... 12.8 s after the first attempt: long enough to outlast the outage."""


def through(proxy: TcpProxy, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


def stored_delivery_ids(database_url: str) -> set[str]:
    with store_on(database_url) as store, store.engine.connect() as connection:
        keys = connection.execute(select(inbox.c.dedup_key)).scalars()
        return {key.removeprefix("delivery:") for key in keys}


def test_nothing_acknowledged_is_lost_while_the_database_is_away(
    tmp_path: Path, rng: random.Random, secrets: None, postgres_url: str
) -> None:
    engine = create_store_engine(postgres_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    direct = make_url(postgres_url)
    with TcpProxy(direct.host or "127.0.0.1", direct.port or 5432) as proxy:
        app_settings = load_settings(
            write_config(tmp_path, "http://127.0.0.1:9", through(proxy, postgres_url))
        )
        app = create_app(app_settings)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        serving = threading.Thread(target=server.serve_forever, daemon=True)
        serving.start()
        try:
            webhook_url = f"http://127.0.0.1:{server.port}/webhooks/jira"
            with sandbox(
                webhook_url=webhook_url, webhook_secret=WEBHOOK_SECRET, policy=POLICY
            ) as site:
                load = threading.Thread(target=Activity(site, rng).run, args=(CHANGES,))
                load.start()
                time.sleep(0.5)
                proxy.down()
                time.sleep(OUTAGE_SECONDS)
                proxy.up()
                load.join()
                assert site.server.webhooks.wait_until_idle(timeout=60)
                deliveries = site.server.webhooks.deliveries()
                site.settle()

                assert len(deliveries) == len(site.captured) > CHANGES * 9 // 10
                attempts = Counter(a for d in deliveries for a in d["attempts"])
                assert set(attempts) == {"204", "503"}, attempts
                assert attempts["503"] > 0, "the outage answered nothing"
                assert all(d["attempts"][-1] == "204" for d in deliveries)
                acknowledged = {d["identifier"] for d in deliveries}
                assert acknowledged <= stored_delivery_ids(postgres_url)

                settings = load_settings(write_config(tmp_path, site.url, postgres_url))
                with worker(settings, open_gateway(settings)) as steps:
                    steps.drain_inbox()
                    steps.sync()
                config_path = str(tmp_path / "config.yaml")
                close = ["--config", config_path, "close", "--as-of", str(CLOSE_AS_OF)]
                assert cli.main(close) == 0
                assert_books_match(settings, site.state, site.issue_keys, postgres_url, CLOSE_AS_OF)
        finally:
            server.shutdown()
            serving.join()
            server.server_close()
            app.extensions["oms_connector"].services.close()

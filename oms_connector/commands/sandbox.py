"""``sandbox``: a local Jira Cloud double (REST API and signed webhooks) for demos and tests.

It needs no configuration file: the seed file (``--seed``, see
``oms_connector/sandbox/SEED.md``) gives its users, projects, issues and worklogs;
without one it starts with one user (``connector@example.com``, API token
``local-sandbox-token``) and one empty project, ``DEMO``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path

from oms_connector.commands import (
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    add_command_without_settings,
    positive_int,
)
from oms_connector.commands.sync import stop_on_signals
from oms_connector.sandbox.seed import DEFAULT_SEED, SeedError, read_seed
from oms_connector.sandbox.server import SandboxServer
from oms_connector.sandbox.webhooks import DeliveryPolicy

LOG = logging.getLogger(__name__)


def register(subparsers: Subparsers) -> None:
    parser = add_command_without_settings(
        subparsers,
        "sandbox",
        run_sandbox,
        help="serve a local sandbox Jira (REST API and signed webhooks) for demos and tests",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=positive_int(65535), default=8090, help="port to listen on (8090)"
    )
    parser.add_argument("--seed", type=Path, metavar="FILE", help="seed file (JSON)")
    parser.add_argument("--webhook-url", metavar="URL", help="where to post Jira webhooks")
    parser.add_argument(
        "--webhook-secret-env",
        metavar="VAR",
        help="environment variable holding the webhook secret (deliveries are signed with it)",
    )
    parser.add_argument(
        "--webhook-retries",
        type=positive_int(10),
        default=3,
        help="retries of a failed delivery (3)",
    )
    parser.add_argument(
        "--webhook-backoff",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="wait before the first retry, doubled for each next one (1.0)",
    )


def run_sandbox(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    secret = None
    if args.webhook_secret_env:
        secret = os.environ.get(args.webhook_secret_env)
        if not secret:
            print(f"sandbox: ${args.webhook_secret_env} is not set or empty", file=sys.stderr)
            return EXIT_USAGE
    if args.webhook_backoff < 0:
        print("sandbox: --webhook-backoff must not be negative", file=sys.stderr)
        return EXIT_USAGE
    try:
        seed = read_seed(args.seed) if args.seed else DEFAULT_SEED
        server = SandboxServer(
            seed,
            host=args.host,
            port=args.port,
            webhook_url=args.webhook_url,
            webhook_secret=secret,
            policy=DeliveryPolicy(args.webhook_retries, args.webhook_backoff),
        )
    except (SeedError, OSError) as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return EXIT_USAGE
    stop = threading.Event()
    with server, stop_on_signals(stop):
        users = ", ".join(u.email for u in server.state.users() if u.api_token)
        LOG.info("sandbox Jira at %s (users with an API token: %s)", server.url, users)
        if args.webhook_url:
            LOG.info("webhooks to %s%s", args.webhook_url, " (signed)" if secret else "")
        stop.wait()
    return EXIT_OK

"""The whole product on one machine: sandbox Jira, ``oms-connector serve``, three months of work.

``run_demo`` writes a configuration and a sandbox seed in a temporary directory,
starts the sandbox (in this process) and ``oms-connector serve`` (a process of its
own, on SQLite), then plays the story of :mod:`oms_connector.demo.scenario` through
the sandbox's REST API, with the sandbox clock moved forward to each moment, and
ends on today's date with a ticket the connector learns only by a sync pass. The
webhooks carry the work to the connector; before every close and every drill the
demo waits until each delivery is stored and processed. Periods are closed with
``close --as-of`` on the day each statement falls due, the statements are printed
with ``statements``, and every export is written with ``export`` and ``statement``.
These are the connector's own commands, run in this process.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import requests

# cli lists the demo command: bound at import, its main is looked up when a command runs.
from oms_connector import bootstrap, cli
from oms_connector.commands.sync import stop_on_signals
from oms_connector.config import Settings, load_settings
from oms_connector.demo.configuration import (
    DEVELOPER_EMAIL,
    DEVELOPER_TOKEN,
    Secrets,
    config_document,
    seed_document,
    write_config,
    write_seed,
)
from oms_connector.demo.connector_process import ConnectorProcess, demo_environment, free_port
from oms_connector.demo.sandbox_client import DemoError, SandboxClient
from oms_connector.demo.scenario import Drill
from oms_connector.demo.timeline import Close, LogWork, OpenTicket, Sync, timeline
from oms_connector.demo.today import Stage, play_today
from oms_connector.domain.plans import Plan
from oms_connector.sandbox.seed import read_seed
from oms_connector.sandbox.server import SandboxServer
from oms_connector.sandbox.webhooks import DeliveryPolicy
from oms_connector.services.inbox import InboxService
from oms_connector.services.ports import InboxStatus

SETTLE_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.02
EXPORTS = (
    ("json", "statements.json"),
    ("csv", "statements.csv"),
    ("xero", "xero-invoices.csv"),
    ("quickbooks", "quickbooks-invoices.csv"),
    ("beancount", "statements.beancount"),
)
"""Every export format, with the file it is written to."""
PAGES_FOLDER = "statements"


@dataclass(frozen=True)
class DemoOptions:
    output: Path
    serve: bool = True
    port: int | None = None
    out: TextIO | None = None
    """Where the story is told; standard output by default."""


@dataclass
class _Run:
    """What the running demo holds: its files, the sandbox, the connector and their clients."""

    options: DemoOptions
    config: Path
    settings: Settings
    sandbox: SandboxClient
    connector: ConnectorProcess
    inbox: InboxService

    def say(self, text: str = "") -> None:
        print(text, file=self.options.out or sys.stdout, flush=True)

    def command(self, *argv: str) -> None:
        self.say(f"$ oms-connector {' '.join(argv)}")
        status = cli.main(["--config", str(self.config), *argv])
        if status != 0:
            raise DemoError(f"`oms-connector {' '.join(argv)}` exited with status {status}")


def run_demo(options: DemoOptions) -> int:
    started = time.monotonic()
    options.output.mkdir(parents=True, exist_ok=True)
    demo_secrets = Secrets(secrets.token_urlsafe(24), secrets.token_urlsafe(18))
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="oms-demo-")))
        environment = stack.enter_context(demo_environment(demo_secrets.environment()))
        run = _start(options, work, environment, demo_secrets, stack)
        run.say(
            f"Sandbox Jira at {run.settings.jira.url}; oms-connector serve at {run.connector.url}."
        )
        _introduce(run)
        _play(run)
        _today(run)
        _report(run)
        run.say(f"\nDemo finished in {time.monotonic() - started:.1f} s.")
        if options.serve:
            _keep_serving(run, demo_secrets.admin_token)
    return 0


# --- start -----------------------------------------------------------------------------


def _start(
    options: DemoOptions,
    work: Path,
    environment: dict[str, str],
    demo_secrets: Secrets,
    stack: ExitStack,
) -> _Run:
    port = options.port or free_port()
    _quiet_request_log(stack)
    seed_path = work / "sandbox-seed.json"
    write_seed(seed_path, seed_document())
    sandbox = SandboxServer(
        read_seed(seed_path),
        webhook_url=f"http://127.0.0.1:{port}/webhooks/jira",
        webhook_secret=demo_secrets.webhook_secret,
        policy=DeliveryPolicy(retries=5, backoff_seconds=0.2),
    )
    stack.enter_context(sandbox)
    config = work / "config.yaml"
    write_config(config, config_document(sandbox.url, work / "oms-demo.sqlite3"))
    for source in (config, seed_path):
        shutil.copyfile(source, options.output / source.name)
    settings = load_settings(config)
    store, release = bootstrap.open_store(settings)  # also creates the SQLite schema
    stack.callback(release)
    connector = ConnectorProcess(config, port, environment, options.output / "serve.log")
    stack.callback(connector.stop)
    connector.wait_until_ready()
    client = SandboxClient(sandbox.url, DEVELOPER_EMAIL, DEVELOPER_TOKEN)
    stack.callback(client.close)
    inbox = InboxService(store, bootstrap.system_clock())
    return _Run(options, config, settings, client, connector, inbox)


def _quiet_request_log(stack: ExitStack) -> None:
    """The sandbox's HTTP server logs every request: the demo tells the story instead."""
    requests_log = logging.getLogger("werkzeug")
    level = requests_log.level
    requests_log.setLevel(logging.WARNING)
    stack.callback(requests_log.setLevel, level)


# --- the three months --------------------------------------------------------------------


def _introduce(run: _Run) -> None:
    plans = run.settings.domain_plans()
    run.say(f"{len(plans)} clients, three months (times are each client's local time):")
    for plan in plans:
        bank = sum(purchase.hours for purchase in plan.priority_bank)
        extra = f", {bank} prepaid PRIORITY hours" if bank else ""
        run.say(
            f"  {plan.id:<8} {plan.customer:<12} {_terms_text(plan)}, Jira project "
            f"{', '.join(plan.jira_projects)}{extra}"
        )
    rules = ", ".join(rule.name for rule in run.settings.classification.rules)
    run.say(f"Urgent tickets are PRIORITY work (rules: {rules}); the rest is OMS work.\n")


def _terms_text(plan: Plan) -> str:
    """The plan's terms in a few words: ``10 h/month at 35.00 for 3 months from ...``."""
    if not plan.terms:
        return f"PRIORITY support only at {plan.priority_rate}, from {plan.enrolled_on}"
    parts = [
        f"{term.hours_per_month} h/month at {term.oms_rate or plan.oms_rate} for "
        f"{term.term_months} months from {term.starts_on.isoformat()}"
        for term in plan.terms
    ]
    renews = ", renewing" if plan.auto_renew else ""
    return f"{', then '.join(parts)}{renews} (PRIORITY {plan.priority_rate})"


def _play(run: _Run) -> None:
    plans = run.settings.domain_plans()
    zones = {plan.jira_projects[0]: plan.timezone for plan in plans}
    for event in timeline(plans, run.settings.defaults.close_grace_days):
        if not isinstance(event, OpenTicket | LogWork):
            _settle(run)
        run.sandbox.move_clock(event.at)
        if isinstance(event, OpenTicket):
            ticket = event.ticket
            when = event.at.astimezone(zones[ticket.project])
            kind = f"{ticket.issue_type}, {ticket.priority}" + "".join(
                f", label {label}" for label in ticket.labels
            )
            run.say(f"{when:%Y-%m-%d %H:%M %Z}  {ticket.key} opened: {ticket.summary} ({kind})")
            run.sandbox.create_issue(ticket)
        elif isinstance(event, LogWork):
            _log_work(run, event, zones)
        elif isinstance(event, Sync):
            run.say("\nA webhook was lost: a sync pass reads what Jira changed since the last one.")
            run.command("sync", "--once")
            run.say()
        else:
            _close(run, event)
    _settle(run)


def _today(run: _Run) -> None:
    """The last act, on the connector's own clock: see :mod:`oms_connector.demo.today`."""
    stage = Stage(run.sandbox, run.say, run.command, lambda: _settle(run))
    play_today(stage, run.settings.domain_plans(), bootstrap.system_clock())


def _log_work(run: _Run, event: LogWork, zones: dict[str, Any]) -> None:
    entry = event.entry
    zone = zones[entry.ticket.rsplit("-", 1)[0]]
    length = f"{entry.seconds // 3600}h{entry.seconds % 3600 // 60:02d}m"
    note = ""
    if entry.drill is not None:
        _settle(run)
        run.sandbox.drill(entry.drill)
        note = {
            Drill.DUPLICATE: "  [its webhook is delivered twice]",
            Drill.DROP: "  [its webhook is lost]",
        }[entry.drill]
    shown = entry.started
    if entry.logged is not None:
        shown = entry.logged
        day = entry.started.astimezone(zone)
        note += f"  [work of {day:%Y-%m-%d}, logged after its period closed]"
    run.say(
        f"{shown.astimezone(zone):%Y-%m-%d %H:%M %Z}  {entry.ticket} {length} {entry.comment}{note}"
    )
    run.sandbox.log_work(entry)


def _close(run: _Run, event: Close) -> None:
    run.command("close", "--as-of", event.as_of.isoformat())


def _settle(run: _Run) -> None:
    """Wait until the sandbox has delivered every webhook and the connector processed it.

    Processing a webhook may write back to Jira, which sends webhooks again: repeat
    until a round brings nothing new.
    """
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while True:
        before = _mark(run.sandbox.wait_for_deliveries())
        _wait_for_inbox(run, deadline)
        after = run.sandbox.deliveries()
        if after["pending"] == 0 and _mark(after) == before:
            return
        if time.monotonic() > deadline:
            raise DemoError("the sandbox kept sending webhooks; see serve.log")


def _mark(status: dict[str, Any]) -> tuple[int, str | None]:
    deliveries = status["deliveries"]
    return len(deliveries), deliveries[-1]["identifier"] if deliveries else None


def _wait_for_inbox(run: _Run, deadline: float) -> None:
    while True:
        counts = run.inbox.counts()
        if counts.get(InboxStatus.FAILED, 0):
            raise DemoError(
                "the connector parked an event it could not process: see serve.log and "
                "`oms-connector inbox --failed`"
            )
        if not counts.get(InboxStatus.PENDING, 0):
            return
        if time.monotonic() > deadline:
            raise DemoError("the connector did not process its inbox in time; see serve.log")
        time.sleep(POLL_SECONDS)


# --- statements and exports ----------------------------------------------------------------


def _report(run: _Run) -> None:
    _deliveries_summary(run)
    run.say("\nThe statements:\n")
    run.command("statements")
    output = run.options.output
    run.say("\nExports:")
    for name, filename in EXPORTS:
        run.command("export", "--format", name, "--output", str(output / filename))
    pages = output / PAGES_FOLDER
    pages.mkdir(exist_ok=True)
    for number in _statement_numbers(run):
        run.command("statement", number, "--html", str(pages / f"{number}.html"))
    _check_pages(run)
    run.say(f"\nEverything is in {output.resolve()}/")


def _deliveries_summary(run: _Run) -> None:
    deliveries: Sequence[dict[str, Any]] = run.sandbox.deliveries()["deliveries"]
    outcomes = Counter(d["outcome"] for d in deliveries)
    identifiers = Counter(d["identifier"] for d in deliveries)
    repeated = sum(1 for count in identifiers.values() if count > 1)
    counts = {status.value: n for status, n in run.inbox.counts().items()}
    run.say(
        f"\nWebhooks: {outcomes.get('delivered', 0)} delivered ({repeated} of them twice, "
        f"stored once), {outcomes.get('dropped', 0)} lost. Connector inbox: {counts}."
    )


def _statement_numbers(run: _Run) -> list[str]:
    store, release = bootstrap.open_store(run.settings)
    try:
        with store.unit_of_work() as uow:
            return [statement.number for statement in uow.statements.list(None)]
    finally:
        release()


def _check_pages(run: _Run) -> None:
    token = run.settings.pages.require_admin_token().get_secret_value()
    response = requests.get(
        f"{run.connector.url}/plans", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    if response.status_code != 200:
        raise DemoError(f"the statement pages answered {response.status_code} at /plans")


def _keep_serving(run: _Run, admin_token: str) -> None:
    url = run.connector.url
    run.say(
        f"\nStatement pages: {url}/plans  and  {url}/statements/<number>\n"
        f"Sign in with any user name and the admin token as password: {admin_token}\n"
        "Press Ctrl-C to stop."
    )
    stop = threading.Event()
    with stop_on_signals(stop):  # Ctrl-C or SIGTERM: stop serve and the sandbox cleanly
        while run.connector.running() and not stop.wait(0.5):
            pass
    if not stop.is_set():
        raise DemoError("oms-connector serve stopped; see serve.log")
    run.say("Stopping.")

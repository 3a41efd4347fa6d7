"""``reclassify``: decide the stored issues again with the configured classification.

``reclassify [--dry-run] [--format table|json]`` prints every issue whose work type or
reason changed (or would change, with ``--dry-run``). The worker and ``serve`` do the
same at start and after a reload when the classification settings changed
(:func:`reclassify_at_start`), and write the changed decisions back to Jira; this
command stores them, and each is written back to Jira the next time its issue is
touched.
"""

from __future__ import annotations

import argparse
import logging

from oms_connector import bootstrap
from oms_connector.commands import EXIT_OK, Subparsers, add_command
from oms_connector.commands.tables import Column, add_format_option, format_table, to_json
from oms_connector.config import Settings
from oms_connector.services.ports import Clock, Store
from oms_connector.services.reclassify import ChangedIssues, ReclassifyReport, summary

LOG = logging.getLogger(__name__)

COLUMNS = (
    Column("key", "issue"),
    Column("old_work_type", "was"),
    Column("old_reason", "reason was"),
    Column("new_work_type", "now"),
    Column("new_reason", "reason now"),
)


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "reclassify",
        run_reclassify,
        help="decide the stored issues again with the configured classification rules",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would change; store nothing"
    )
    add_format_option(parser)


def run_reclassify(args: argparse.Namespace, settings: Settings) -> int:
    store, close_store = bootstrap.open_store(settings)
    try:
        service = bootstrap.reclassify_service(settings, store, bootstrap.system_clock())
        report = service.reclassify(dry_run=args.dry_run)
    finally:
        close_store()
    print(render(report, args.format, dry_run=args.dry_run), end="")
    return EXIT_OK


def render(report: ReclassifyReport, output: str, *, dry_run: bool) -> str:
    rows = [
        {
            "key": change.key,
            "old_work_type": change.old_work_type,
            "old_reason": change.old_reason,
            "new_work_type": change.new_work_type,
            "new_reason": change.new_reason,
        }
        for change in report.changes
    ]
    if output == "json":
        return to_json(
            {
                "dry_run": dry_run,
                "checked": report.checked,
                "superseded": report.superseded,
                "changes": rows,
            }
        )
    verb = "would change" if dry_run else "changed"
    head = f"{report.checked:,} issues checked, {len(rows):,} {verb}"
    if report.superseded:
        head += f", {report.superseded:,} left to newer versions stored meanwhile"
    return head + "\n" + (format_table(COLUMNS, rows) if rows else "")


def reclassify_at_start(
    settings: Settings, store: Store, clock: Clock, changed: ChangedIssues | None = None
) -> None:
    """Reclassify the stored issues when the classification settings changed; log a summary.

    Also run after a reload replaced the configuration. A failure is logged and the
    process goes on: the settings' fingerprint is stored only after a complete pass, so
    the next start (or reload) tries again.
    """
    service = bootstrap.reclassify_service(settings, store, clock, changed)
    try:
        report = service.reclassify_if_settings_changed()
    except Exception as error:  # the worker must start even when this cannot run now
        LOG.error("reclassification failed, tried again at next start or reload: %s", error)  # noqa: TRY400
        return
    if report is None:
        LOG.info("classification settings unchanged: no reclassification")
    else:
        LOG.info("classification settings changed: %s", summary(report))

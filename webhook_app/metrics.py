"""The Prometheus text exposition of the webhook's and the inbox's counts.

Counts of stored events come from the inbox table, shared by every worker; see
``counters`` for the ones kept per process.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from oms_connector.services.ports import InboxStatus
from webhook_app.counters import WebhookCounters

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Sample = tuple[Mapping[str, str], float | int]


def _family(name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        rendered = ",".join(f'{key}="{_escape(text)}"' for key, text in sorted(labels.items()))
        lines.append(f"{name}{{{rendered}}} {value}" if rendered else f"{name} {value}")
    return lines


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(
    inbox: Mapping[InboxStatus, int],
    counters: WebhookCounters,
    last_sync: datetime | None,
    now: datetime,
) -> str:
    rejected, ignored, unknown, duplicates = counters.snapshot()
    lines = [
        *_family(
            "oms_webhook_events_received_total",
            "counter",
            "Events stored in the inbox (every worker; from the database).",
            [({}, sum(inbox.values()))],
        ),
        *_family(
            "oms_inbox_events",
            "gauge",
            "Inbox events by status: pending is the depth, done processed, failed parked.",
            [({"status": status.value}, inbox.get(status, 0)) for status in InboxStatus],
        ),
        *_family(
            "oms_webhook_events_processed_total",
            "counter",
            "Inbox events processed (every worker; from the database).",
            [({}, inbox.get(InboxStatus.DONE, 0))],
        ),
        *_family(
            "oms_webhook_events_failed_total",
            "counter",
            "Inbox events parked after their last attempt (every worker; from the database).",
            [({}, inbox.get(InboxStatus.FAILED, 0))],
        ),
        *_family(
            "oms_inbox_depth",
            "gauge",
            "Inbox events waiting to be processed.",
            [({}, inbox.get(InboxStatus.PENDING, 0))],
        ),
        *_family(
            "oms_webhook_rejected_total",
            "counter",
            "Deliveries refused, by reason (this process).",
            [({"reason": reason}, count) for reason, count in sorted(rejected.items())],
        ),
        *_family(
            "oms_webhook_ignored_total",
            "counter",
            "Known events the connector does not use, acknowledged, not stored (this process).",
            [({"event": event}, count) for event, count in sorted(ignored.items())],
        ),
        *_family(
            "oms_webhook_unknown_total",
            "counter",
            "Events with a name the connector does not know, acknowledged (this process).",
            [({}, unknown)],
        ),
        *_family(
            "oms_webhook_duplicates_total",
            "counter",
            "Repeated deliveries acknowledged without storing (this process).",
            [({}, duplicates)],
        ),
    ]
    if last_sync is not None:
        lines += _family(
            "oms_sync_last_success_age_seconds",
            "gauge",
            "Seconds since the last completed sync pass.",
            [({}, round(max((now - last_sync).total_seconds(), 0.0), 3))],
        )
    return "\n".join(lines) + "\n"

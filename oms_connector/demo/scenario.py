"""The demo's story: four clients, their Jira tickets and the work logged on them.

Three months (February to May 2026) of three OMS plans and a priority-only client:

- ``acme``, 10 h a month, enrolled on the 31st: exactly the worked example of the
  billing rules (an overage and priority work in its second period), with a worklog
  started late on 27 February that still belongs to the first period; renewed on new
  terms from 30 April (20 h a month at 34.00), as in the rules' section 10, then
  renewing itself, so that today (the demo's last act) is in its term;
- ``globex``, 20 h a month in London, with 10 prepaid PRIORITY hours: the bank pays
  for urgent work and part of an overage until it runs out;
- ``initech``, 40 h a month at its own rates, whose first period gets a worklog after
  it was closed: the next statement carries the adjustment;
- ``delta``, PRIORITY support only, which buys 10 prepaid hours: they are invoiced on
  its next statement, pay for its urgent work, and a month with nothing to bill is
  skipped.

Two webhook drills ride on acme's work: one delivery arrives twice and one is lost,
then found again by a sync pass. Neither changes a total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")

SANDBOX_START = datetime.fromisoformat("2026-01-30T14:00:00+00:00")
"""The sandbox clock's start: the day before the first enrolment."""


class Drill(StrEnum):
    """What happens to the webhook a worklog sends."""

    DUPLICATE = "duplicate"
    """Delivered twice under the same identifier (a retry Jira makes)."""
    DROP = "drop"
    """Lost: only a sync pass brings the worklog in."""


@dataclass(frozen=True)
class ClientPlan:
    """One client: its plan's configuration and the zone its people log work in."""

    id: str
    customer: str
    project: str
    project_name: str
    zone: ZoneInfo
    settings: dict[str, Any]


@dataclass(frozen=True)
class Ticket:
    key: str
    """The key the sandbox gives it: tickets are created in the order of this list."""
    summary: str
    opened: datetime
    issue_type: str = "Task"
    priority: str = "Medium"
    labels: tuple[str, ...] = ()

    @property
    def project(self) -> str:
        return self.key.rsplit("-", 1)[0]


@dataclass(frozen=True)
class WorkEntry:
    ticket: str
    started: datetime
    seconds: int
    comment: str
    logged: datetime | None = None
    """When it is logged in Jira; by default as the work ends."""
    drill: Drill | None = None

    @property
    def logged_at(self) -> datetime:
        return self.logged or self.started + timedelta(seconds=self.seconds)


def local(zone: ZoneInfo, text: str) -> datetime:
    """``2026-02-03 10:00`` in ``zone``."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def hours(h: int, m: int = 0) -> int:
    return h * 3600 + m * 60


PLANS: tuple[ClientPlan, ...] = (
    ClientPlan(
        id="acme",
        customer="Acme Corp",
        project="ACME",
        project_name="Acme Corp website",
        zone=NEW_YORK,
        settings={
            "enrolled_on": date(2026, 1, 31),
            "timezone": "America/New_York",
            "terms": [
                {"starts_on": date(2026, 1, 31), "hours_per_month": 10, "term_months": 3},
                {
                    "starts_on": date(2026, 4, 30),
                    "hours_per_month": 20,
                    "term_months": 6,
                    "oms_rate": "34.00",
                },
            ],
            "auto_renew": True,
        },
    ),
    ClientPlan(
        id="globex",
        customer="Globex Ltd",
        project="GLX",
        project_name="Globex shop",
        zone=LONDON,
        settings={
            "hours_per_month": 20,
            "term_months": 3,
            "enrolled_on": date(2026, 2, 1),
            "timezone": "Europe/London",
            "priority_bank": [{"purchased_on": date(2026, 2, 1), "hours": 10}],
        },
    ),
    ClientPlan(
        id="initech",
        customer="Initech Inc",
        project="INI",
        project_name="Initech intranet",
        zone=NEW_YORK,
        settings={
            "hours_per_month": 40,
            "term_months": 6,
            "enrolled_on": date(2026, 2, 15),
            "timezone": "America/New_York",
            "oms_rate": "33.00",
            "priority_rate": "60.00",
        },
    ),
    ClientPlan(
        id="delta",
        customer="Delta LLC",
        project="DEL",
        project_name="Delta web shop",
        zone=NEW_YORK,
        settings={
            "enrolled_on": date(2026, 2, 5),
            "timezone": "America/New_York",
            "terms": [],
            "priority_bank": [
                {"purchased_on": date(2026, 2, 20), "hours": 10, "price": "600.00"},
            ],
        },
    ),
)

CLASSIFICATION_RULES: tuple[dict[str, Any], ...] = (
    {"name": "urgent", "work_type": "priority", "priority": ["Highest", "High"]},
    {"name": "urgent-label", "work_type": "priority", "labels": ["urgent"]},
    {
        "name": "reactive-words",
        "work_type": "priority",
        "text": r"(?i)\b(outage|down|broken|asap)\b",
    },
)
"""Urgent tickets are PRIORITY work: by priority, by label or by their words."""

_NY, _LDN = NEW_YORK, LONDON

TICKETS: tuple[Ticket, ...] = (
    Ticket("ACME-1", "Monthly plugin and theme updates", local(_NY, "2026-02-02 09:00")),
    Ticket(
        "ACME-2",
        "Spring campaign landing page",
        local(_NY, "2026-03-02 09:00"),
        issue_type="Story",
    ),
    Ticket(
        "ACME-3",
        "Checkout fails after the payment provider update",
        local(_NY, "2026-03-09 15:30"),
        priority="Highest",
    ),
    Ticket(
        "ACME-4", "Newsletter template refresh", local(_NY, "2026-04-02 09:00"), issue_type="Story"
    ),
    Ticket("GLX-1", "Spring catalogue import", local(_LDN, "2026-02-02 09:00"), issue_type="Story"),
    Ticket(
        "GLX-2",
        "Payment page unreachable: certificate expired",
        local(_LDN, "2026-02-10 10:30"),
        priority="High",
    ),
    Ticket("GLX-3", "Product filter redesign", local(_LDN, "2026-03-02 09:00"), issue_type="Story"),
    Ticket("GLX-4", "Blog migration to the new theme", local(_LDN, "2026-03-05 09:00")),
    Ticket(
        "GLX-5",
        "Mobile search returns no results",
        local(_LDN, "2026-03-11 09:30"),
        labels=("urgent",),
    ),
    Ticket("GLX-6", "Image uploads broken in the editor", local(_LDN, "2026-04-14 14:00")),
    Ticket(
        "INI-1",
        "Partner portal: single sign-on",
        local(_NY, "2026-02-16 09:00"),
        issue_type="Story",
    ),
    Ticket("INI-2", "Accessibility audit fixes", local(_NY, "2026-02-19 09:00")),
    Ticket("INI-3", "Reporting dashboard", local(_NY, "2026-03-16 08:00"), issue_type="Story"),
    Ticket("INI-4", "Intranet down after the DNS change", local(_NY, "2026-03-24 08:30")),
    Ticket(
        "INI-5",
        "Data export for the finance team",
        local(_NY, "2026-04-16 08:00"),
        issue_type="Story",
    ),
    Ticket("DEL-1", "Shop down after the hosting move", local(_NY, "2026-02-23 08:00")),
    Ticket("DEL-2", "Orders stuck in payment", local(_NY, "2026-03-16 09:00"), priority="High"),
    Ticket("DEL-3", "Checkout broken on mobile", local(_NY, "2026-04-20 09:00")),
)

WORK: tuple[WorkEntry, ...] = (
    # acme, period 0 (Jan 31 - Feb 28): 8 h 30 m of OMS work.
    WorkEntry("ACME-1", local(_NY, "2026-02-03 10:00"), hours(3), "Plugin updates"),
    WorkEntry("ACME-1", local(_NY, "2026-02-12 14:00"), hours(4, 30), "Theme update and checks"),
    # 23:30 in New York is 04:30 UTC on the 28th: still period 0.
    WorkEntry("ACME-1", local(_NY, "2026-02-27 23:30"), hours(1), "Late-evening security patch"),
    # acme, period 1 (Feb 28 - Mar 31): 12 h 15 m OMS, 1 h 20 m urgent.
    WorkEntry("ACME-2", local(_NY, "2026-03-04 09:00"), hours(5), "Layout", drill=Drill.DUPLICATE),
    WorkEntry("ACME-3", local(_NY, "2026-03-09 16:00"), hours(1, 20), "Hotfix for the checkout"),
    WorkEntry("ACME-2", local(_NY, "2026-03-12 09:00"), hours(4), "Forms and tracking"),
    WorkEntry("ACME-2", local(_NY, "2026-03-20 13:00"), hours(3, 15), "Copy changes and launch"),
    # acme, period 2 (Mar 31 - Apr 30): exactly 10 h.
    WorkEntry("ACME-4", local(_NY, "2026-04-06 09:00"), hours(6), "New template"),
    WorkEntry("ACME-4", local(_NY, "2026-04-21 10:00"), hours(4), "Test sends", drill=Drill.DROP),
    # globex, period 0 (Feb 1 - Mar 1): 14 h OMS, 3 h urgent (from the bank).
    WorkEntry("GLX-1", local(_LDN, "2026-02-05 09:00"), hours(8), "Import mapping"),
    WorkEntry("GLX-2", local(_LDN, "2026-02-10 11:00"), hours(3), "Renewed the certificate"),
    WorkEntry("GLX-1", local(_LDN, "2026-02-18 09:00"), hours(6), "Import run and fixes"),
    # globex, period 1 (Mar 1 - Apr 1): 23 h OMS, 5 h urgent.
    WorkEntry("GLX-3", local(_LDN, "2026-03-03 09:00"), hours(9), "Filter design"),
    WorkEntry("GLX-4", local(_LDN, "2026-03-05 10:00"), hours(6), "Content migration"),
    WorkEntry("GLX-5", local(_LDN, "2026-03-11 10:00"), hours(5), "Search index rebuilt"),
    WorkEntry("GLX-3", local(_LDN, "2026-03-17 09:00"), hours(8), "Filter build"),
    # globex, period 2 (Apr 1 - May 1): 18 h 45 m OMS, 2 h 30 m urgent (bank empty).
    WorkEntry("GLX-3", local(_LDN, "2026-04-07 09:00"), hours(8), "Filter facets"),
    WorkEntry("GLX-6", local(_LDN, "2026-04-14 15:00"), hours(2, 30), "Upload handler fixed"),
    WorkEntry("GLX-4", local(_LDN, "2026-04-15 09:00"), hours(6), "Redirects"),
    WorkEntry("GLX-3", local(_LDN, "2026-04-22 09:00"), hours(4, 45), "Filter polish"),
    # initech, period 0 (Feb 15 - Mar 15): 41 h 30 m OMS, then 2 h logged after the close.
    WorkEntry("INI-1", local(_NY, "2026-02-17 09:00"), hours(8), "Identity provider set-up"),
    WorkEntry("INI-2", local(_NY, "2026-02-20 09:00"), hours(8), "Contrast and labels"),
    WorkEntry("INI-1", local(_NY, "2026-02-24 09:00"), hours(8), "Login flow"),
    WorkEntry("INI-1", local(_NY, "2026-03-03 09:00"), hours(8), "Partner roles"),
    WorkEntry("INI-2", local(_NY, "2026-03-10 08:00"), hours(9, 30), "Keyboard navigation"),
    WorkEntry(
        "INI-2",
        local(_NY, "2026-03-13 09:00"),
        hours(2),
        "Screen reader fixes (logged late)",
        logged=local(_NY, "2026-03-20 10:00"),
    ),
    # initech, period 1 (Mar 15 - Apr 15): 32 h OMS, 1 h 45 m urgent.
    WorkEntry("INI-3", local(_NY, "2026-03-16 09:00"), hours(8), "Data model"),
    WorkEntry("INI-3", local(_NY, "2026-03-23 09:00"), hours(8), "Charts"),
    WorkEntry("INI-4", local(_NY, "2026-03-24 09:00"), hours(1, 45), "DNS records restored"),
    WorkEntry("INI-3", local(_NY, "2026-03-30 09:00"), hours(8), "Filters"),
    WorkEntry("INI-3", local(_NY, "2026-04-06 09:00"), hours(8), "Exports"),
    # initech, period 2 (Apr 15 - May 15): 38 h 20 m OMS.
    WorkEntry("INI-5", local(_NY, "2026-04-16 09:00"), hours(8), "Requirements"),
    WorkEntry("INI-5", local(_NY, "2026-04-23 09:00"), hours(8), "Export jobs"),
    WorkEntry("INI-5", local(_NY, "2026-04-30 09:00"), hours(8), "File formats"),
    WorkEntry("INI-5", local(_NY, "2026-05-07 09:00"), hours(8), "Scheduling"),
    WorkEntry("INI-5", local(_NY, "2026-05-12 09:00"), hours(6, 20), "Hand-over"),
    # delta, priority only, 10 prepaid hours bought on 20 February.
    WorkEntry("DEL-1", local(_NY, "2026-02-23 09:00"), hours(3), "Restored the shop"),
    WorkEntry("DEL-2", local(_NY, "2026-03-16 10:00"), hours(5, 30), "Payment queue fixed"),
    WorkEntry("DEL-3", local(_NY, "2026-04-20 10:00"), hours(3), "Mobile checkout fixed"),
)

RECOVERY_SYNC_AT = local(_NY, "2026-04-22 09:00")
"""When a sync pass runs to find what the lost webhook did not bring."""

"""Budget alerts: thresholds of the month's hours, each fired once per period and channel."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pytest

from oms_connector.domain.classification import WorkType
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.alerts import AlertOptions, AlertService
from oms_connector.services.jira_port import JsonValue
from tests.domain.builders import NEW_YORK
from tests.services.memory_store import MemoryStore
from tests.writeback.board import FixedClock, logged, plan, seed, stored_issue

AT_80 = (
    "Budget alert (80 %): plan acme has used 8.00 h of its 10 h for the period until "
    "2026-12-14 (80 %); 2.00 h left."
)
AT_100 = (
    "Budget alert (100 %): plan acme has used 10.50 h of its 10 h for the period until "
    "2026-12-14 (105 %); no OMS hours left. Further OMS work is billed at the priority "
    "rate, 62.50 USD/h."
)


class Comments(list[tuple[str, str]]):
    """A fake of the gateway's comment port: records (issue, text)."""

    def add_comment(self, issue: str, body: str | Mapping[str, JsonValue]) -> None:
        assert isinstance(body, str)
        self.append((issue, body))


class Notifications(list[Mapping[str, JsonValue]]):
    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.failures = failures

    def notify(self, message: Mapping[str, JsonValue]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("bridge down")
        self.append(message)


def board(*worklogs: Worklog, work_type: WorkType = WorkType.OMS) -> MemoryStore:
    store = MemoryStore()
    seed(
        store,
        [stored_issue(work_type=work_type), stored_issue("10002", "ACME-2")],
        worklogs,
    )
    return store


def service(
    store: MemoryStore,
    comments: Comments,
    notifier: Notifications | None = None,
    options: AlertOptions | None = None,
    now: datetime | None = None,
) -> AlertService:
    return AlertService(
        store,
        comments,
        [plan()],
        FixedClock(now) if now else FixedClock(),
        options=options,
        notifier=notifier,
    )


def log(store: MemoryStore, worklog: Worklog) -> Worklog:
    seed(store, worklogs=[worklog])
    return worklog


def test_crossing_80_percent_comments_on_the_ticket_whose_worklog_crossed_it() -> None:
    store = board(logged("1", 420))
    comments = Comments()
    alerts = service(store, comments)

    fired = alerts.after_worklog(log(store, logged("2", 60, issue_id="10002")))

    assert comments == [("10002", AT_80)]
    assert [(a.threshold, a.channel, a.issue_key) for a in fired] == [(80, "comment", "ACME-2")]


def test_an_alert_fires_once_per_period_even_when_events_repeat() -> None:
    store = board(logged("1", 480))
    comments = Comments()
    alerts = service(store, comments)
    worklog = logged("1", 480)

    alerts.after_worklog(worklog)
    alerts.after_worklog(worklog)
    alerts.after_worklog(log(store, logged("2", 15)))
    service(store, comments).after_worklog(worklog)

    assert comments == [("10001", AT_80)]


def test_the_100_percent_alert_says_further_oms_work_is_billed_at_the_priority_rate() -> None:
    store = board(logged("1", 480))
    comments = Comments()
    alerts = service(store, comments)
    alerts.after_worklog(logged("1", 480))

    alerts.after_worklog(log(store, logged("2", 150)))

    assert comments == [("10001", AT_80), ("10001", AT_100)]


def test_several_thresholds_crossed_at_once_make_one_message_and_are_all_recorded() -> None:
    store = board(logged("1", 630))
    comments = Comments()

    fired = service(store, comments).after_worklog(logged("1", 630))

    assert comments == [("10001", AT_100)]
    assert [a.threshold for a in fired] == [80, 100]
    with store.unit_of_work() as uow:
        assert [a.threshold for a in uow.alerts.fired("acme", 2)] == [80, 100]


def test_the_next_period_fires_its_thresholds_again() -> None:
    next_period = datetime(2026, 12, 20, 9, 0, tzinfo=NEW_YORK)
    store = board(logged("1", 480), logged("2", 480, started=next_period))
    comments = Comments()
    service(store, comments).after_worklog(logged("1", 480))

    service(store, comments, now=datetime(2026, 12, 21, tzinfo=NEW_YORK)).after_worklog(
        logged("2", 480, started=next_period)
    )

    assert [text.split(" for the period until ")[1][:10] for _, text in comments] == [
        "2026-12-14",
        "2027-01-14",
    ]


@pytest.mark.parametrize(
    ("worklogs", "trigger"),
    [
        ([logged("1", 420)], logged("1", 420)),
        ([logged("1", 600, started=datetime(2026, 11, 1, tzinfo=NEW_YORK))], None),
        ([logged("1", 600)], logged("1", 600, issue_id="99999")),
    ],
    ids=["below the first threshold", "work of the previous period", "unknown issue"],
)
def test_nothing_fires_without_a_crossing_in_the_current_period(
    worklogs: list[Worklog], trigger: Worklog | None
) -> None:
    store = board(*worklogs)
    comments = Comments()

    fired = service(store, comments).after_worklog(trigger or worklogs[0])

    assert (fired, comments) == ([], [])


def test_priority_work_moves_no_oms_threshold() -> None:
    store = board(logged("1", 600), work_type=WorkType.PRIORITY)
    comments = Comments()

    assert service(store, comments).after_worklog(logged("1", 600)) == []
    assert comments == []


def test_a_deleted_worklog_fires_nothing() -> None:
    store = board(logged("1", 600))
    comments = Comments()
    live = logged("1", 600)
    deleted = Worklog(
        live.id, live.issue_id, live.started, live.seconds, live.updated, deleted=True
    )

    assert service(store, comments).after_worklogs([deleted]) == []


def test_a_plan_can_have_its_own_thresholds() -> None:
    store = board(logged("1", 300))
    comments = Comments()
    options = AlertOptions(thresholds=(80, 100), plan_thresholds={"acme": (50,)})

    service(store, comments, options=options).after_worklog(logged("1", 300))

    assert comments == [
        (
            "10001",
            "Budget alert (50 %): plan acme has used 5.00 h of its 10 h for the period until "
            "2026-12-14 (50 %); 5.00 h left.",
        )
    ]


def test_the_notification_url_gets_the_alert_as_json() -> None:
    store = board(logged("1", 630))
    comments, notes = Comments(), Notifications()

    service(store, comments, notes).after_worklog(logged("1", 630))

    assert notes == [
        {
            "event": "budget_alert",
            "plan_id": "acme",
            "customer": "Acme Corp",
            "threshold": 100,
            "percent_used": "105.00",
            "issue_key": "ACME-1",
            "period": {"start": "2026-11-15", "end": "2026-12-15"},
            "hours": {"included": "10.00", "used": "10.50", "remaining": "0.00"},
            "rates": {"oms": "35.00", "priority": "62.50"},
            "currency": "USD",
            "text": AT_100,
        }
    ]


def test_a_failed_notification_is_withdrawn_and_sent_with_a_later_event() -> None:
    store = board(logged("1", 480))
    comments, notes = Comments(), Notifications(failures=1)
    alerts = service(store, comments, notes)

    with pytest.raises(ConnectionError):
        alerts.after_worklog(logged("1", 480))
    alerts.after_worklog(logged("1", 480))

    assert comments == [("10001", AT_80)]
    assert [n["threshold"] for n in notes] == [80]


def test_comments_can_be_switched_off_leaving_the_notification() -> None:
    store = board(logged("1", 480))
    comments, notes = Comments(), Notifications()

    service(store, comments, notes, AlertOptions(comment=False)).after_worklog(logged("1", 480))

    assert (comments, len(notes)) == ([], 1)


@pytest.mark.parametrize("thresholds", [(0,), (80, -5), (1001,)])
def test_thresholds_must_be_positive_percentages(thresholds: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="thresholds must be percentages above 0"):
        AlertOptions(thresholds=thresholds)

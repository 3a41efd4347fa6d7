"""The HTTP notifier: one JSON POST per alert; failures name the host, never the URL."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from oms_connector.adapters.notifier import HttpNotifier, NotificationError

URL = "https://hooks.example.com/services/T000/B000/s3cr3t"


@pytest.fixture
def notifier() -> HttpNotifier:
    return HttpNotifier(URL, timeout_seconds=2.5)


@responses.activate
def test_an_alert_is_posted_as_json(notifier: HttpNotifier) -> None:
    responses.post(URL, status=200)

    notifier.notify({"event": "budget_alert", "threshold": 80, "hours": {"used": "8.00"}})
    notifier.close()

    call = responses.calls[0]
    assert call.request.headers["Content-Type"] == "application/json"
    assert json.loads(call.request.body or b"") == {
        "event": "budget_alert",
        "threshold": 80,
        "hours": {"used": "8.00"},
    }


@responses.activate
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": 500}, "the alert was refused by hooks.example.com (500)"),
        ({"status": 404}, "the alert was refused by hooks.example.com (404)"),
        (
            {"body": requests.ConnectionError("refused")},
            "the alert could not be posted to hooks.example.com: ConnectionError",
        ),
        (
            {"body": requests.Timeout("slow")},
            "the alert could not be posted to hooks.example.com: Timeout",
        ),
    ],
)
def test_a_failed_post_raises_without_revealing_the_url(
    notifier: HttpNotifier, answer: dict[str, object], message: str
) -> None:
    responses.post(URL, **answer)  # type: ignore[arg-type]

    with pytest.raises(NotificationError) as raised:
        notifier.notify({"event": "budget_alert"})
    notifier.close()

    assert str(raised.value) == message
    assert "s3cr3t" not in str(raised.value)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "not a url", "https://"])
def test_a_notification_url_must_be_http(url: str) -> None:
    with pytest.raises(ValueError, match=r"^alerts\.notify_url: must be an http or https address$"):
        HttpNotifier(url)


@responses.activate
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_the_message_goes_nowhere_else(
    notifier: HttpNotifier, status: int
) -> None:
    elsewhere = "https://elsewhere.example/collect"
    responses.post(URL, status=status, headers={"Location": elsewhere})
    responses.post(elsewhere, status=200)

    with pytest.raises(NotificationError) as error:
        notifier.notify({"text": "Budget alert"})

    assert str(error.value) == (
        f"the alert was not posted: hooks.example.com answered with a redirect ({status}), "
        "which is not followed; set alerts.notify_url to the final address"
    )
    assert [call.request.url for call in responses.calls] == [URL]

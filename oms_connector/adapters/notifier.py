"""Budget alert messages posted as JSON to a configured URL (a chat or e-mail bridge).

Such URLs often carry a token in their path, so errors and logs name the host only,
and a redirect is not followed: it would post the message, and the token, elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from oms_connector.adapters.deadline import deadline, watch_session


class NotificationError(Exception):
    """The notification URL did not take the message."""


class HttpNotifier:
    """Implements the alert service's ``Notifier`` port with one ``POST`` per message."""

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("alerts.notify_url: must be an http or https address")
        self._url = url
        self._host = parts.hostname
        self._timeout = timeout_seconds
        self._session = watch_session(session or requests.Session())

    def notify(self, message: Mapping[str, Any]) -> None:
        try:
            with deadline(self._timeout):
                response = self._session.post(
                    self._url,
                    data=json.dumps(message),
                    headers={"Content-Type": "application/json"},
                    timeout=self._timeout,
                    allow_redirects=False,
                )
        except requests.RequestException as error:
            raise NotificationError(
                f"the alert could not be posted to {self._host}: {type(error).__name__}"
            ) from None
        if response.is_redirect:
            raise NotificationError(
                f"the alert was not posted: {self._host} answered with a redirect "
                f"({response.status_code}), which is not followed; set alerts.notify_url "
                "to the final address"
            )
        if response.status_code >= 300:
            raise NotificationError(
                f"the alert was refused by {self._host} ({response.status_code})"
            )

    def close(self) -> None:
        self._session.close()

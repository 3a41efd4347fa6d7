"""Errors the sandbox answers in Jira's shape: ``{"errorMessages": [...], "errors": {...}}``."""

from __future__ import annotations

from collections.abc import Mapping


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        *messages: str,
        errors: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__("; ".join([*messages, *(f"{k}: {v}" for k, v in (errors or {}).items())]))
        self.status = status
        self.messages = list(messages)
        self.errors = dict(errors or {})

    def body(self) -> dict[str, object]:
        return {"errorMessages": self.messages, "errors": self.errors}


def not_found_issue() -> ApiError:
    return ApiError(404, "Issue does not exist or you do not have permission to see it.")


def bad_request(*messages: str, errors: Mapping[str, str] | None = None) -> ApiError:
    return ApiError(400, *messages, errors=errors)

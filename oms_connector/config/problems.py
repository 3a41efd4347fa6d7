"""Problems of a configuration: one line each, naming the key path that is wrong.

Pydantic's errors are translated here: ``plans[1].term_months: ...``, with the
environment variable named when the value came from one, and secrets never echoed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic_core import ErrorDetails


class ConfigError(Exception):
    """A configuration that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


_SECRET_WORDS = ("token", "secret", "password", "passwd", "apikey", "api_key", "credential")
_SECRET_VARIABLE_KEY = {
    "jira": "jira.token_env",
    "webhook": "webhook.secret_env",
    "pages": "pages.admin_token_env",
}


def problem_line(details: ErrorDetails, from_environment: Mapping[tuple[str, ...], str]) -> str:
    loc = details["loc"]
    line = f"{key_path(loc)}: {_reason(details)}"
    for length in range(len(loc), 0, -1):
        variable = from_environment.get(tuple(str(part) for part in loc[:length]))
        if variable is not None:
            return f"{line} (set by the environment variable {variable})"
    return line


def key_path(loc: Sequence[int | str]) -> str:
    """``("plans", 1, "term_months")`` -> ``plans[1].term_months``."""
    path = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker of a mapping key: the path already names it
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else part
    return path or "(top level)"


def _reason(details: ErrorDetails) -> str:
    kind, loc = details["type"], details["loc"]
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return _unknown_key_reason(loc)
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "must be a mapping of keys to values"
    message = details["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _unknown_key_reason(loc: tuple[int | str, ...]) -> str:
    key = str(loc[-1]).casefold()
    if key.endswith("_env") or not any(word in key for word in _SECRET_WORDS):
        return "unknown key"
    variable_key = _SECRET_VARIABLE_KEY.get(str(loc[0]))
    if variable_key is None:
        return "secrets must not be written in the configuration file; set them in the environment"
    return (
        "secrets must not be written in the configuration file; set the environment variable "
        f"named by {variable_key}"
    )

"""Addresses and identities: site, database and alert URLs, the Jira account, secret names.

None of these checks echoes a refused value: it may be a pasted credential.
"""

from __future__ import annotations

import re
from ipaddress import ip_address
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, SecretStr
from pydantic_core import PydanticCustomError

from oms_connector.config.values import nonblank

_CREDENTIAL_HINTS = ("atatt", "bearer ", "basic ")

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def _environment_variable_name(name: str) -> str:
    # The value is not echoed: a pasted secret must not end up in a log.
    if not _ENV_NAME.fullmatch(name):
        raise PydanticCustomError(
            "env_name",
            "must be the name of an environment variable (capital letters, digits and "
            "underscores), not the secret itself",
        )
    return name


EnvironmentVariable = Annotated[str, AfterValidator(_environment_variable_name)]


_ACCOUNT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9:-]{0,127}")


def _account_id(value: str) -> str:
    # Not echoed either: a pasted token must not end up in a log.
    if value.casefold().startswith(_CREDENTIAL_HINTS) or not _ACCOUNT_ID.fullmatch(value):
        raise PydanticCustomError(
            "account_id",
            "must be a Jira Cloud accountId (letters, digits, ':' and '-', such as "
            "5b10ac8d82e05b22cc7d4ef5), not a name or a credential",
        )
    return value


def _notify_url(value: object) -> object:
    # The URL may carry a token in its path or query: only its host is ever shown.
    if not isinstance(value, str):
        return value
    try:
        parts = urlsplit(value)
        usable = parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:
        usable = False
    if not usable:
        raise PydanticCustomError(
            "notify_url", "must be an http or https address such as https://hooks.example.com/..."
        )
    return value


def _site_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise PydanticCustomError(
            "site_url", "must be an http or https address such as https://example.atlassian.net"
        )
    if parts.username or parts.password or parts.query:
        raise PydanticCustomError(
            "credential_in_url",
            "must not carry credentials or a query; set the token in the environment variable "
            "named by jira.token_env",
        )
    return url.rstrip("/")


def is_insecure_http(url: str) -> bool:
    """Whether ``url`` is plain http to another machine (loopback traffic stays here)."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ip_address(host).is_loopback
    except ValueError:
        return True


def _account(user: str) -> str:
    if ":" in user or user.casefold().startswith(_CREDENTIAL_HINTS):
        raise PydanticCustomError(
            "credential_in_user",
            "looks like a credential; write the account (e-mail address or user name) here and "
            "set the token in the environment variable named by jira.token_env",
        )
    return user


def _database_url(url: str) -> str:
    scheme = url.partition(":")[0].partition("+")[0]
    if scheme not in {"sqlite", "postgresql"} or "://" not in url:
        raise PydanticCustomError(
            "database_url", "must be sqlite:///PATH or postgresql+psycopg://USER@HOST/NAME"
        )
    return url


AccountId = Annotated[str, AfterValidator(_account_id)]

NotifyUrl = Annotated[SecretStr, BeforeValidator(_notify_url)]
SiteUrl = Annotated[str, AfterValidator(_site_url)]
"""The site's base URL, without a trailing slash."""
JiraUser = Annotated[str, AfterValidator(nonblank), AfterValidator(_account)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]

"""Loading the settings: the file's values, the environment's overrides, every problem."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from pydantic_settings import SettingsError

from oms_connector.config.files import read_config_file
from oms_connector.config.problems import ConfigError, problem_line
from oms_connector.config.tree import ENV_NESTED_DELIMITER, ENV_PREFIX, Settings


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """The settings of the file at ``path`` with the environment's overrides.

    Raises ``ConfigError`` listing every problem found, one line each.
    """
    return settings_from_mapping(read_config_file(Path(path)))


def settings_from_mapping(data: Mapping[Any, Any]) -> Settings:
    """Validate a parsed configuration (with the environment's overrides)."""
    problems = [f"{key}: unknown key" for key in data if not _plain_key(key)]
    problems.extend(_secrets_in_file(data))
    fields = {key: value for key, value in data.items() if _plain_key(key)}
    try:
        from_environment = _environment_paths()
        settings = Settings(**fields)
    except ValidationError as error:
        problems.extend(problem_line(details, from_environment) for details in error.errors())
    except ConfigError as error:
        problems.extend(error.problems)
    except SettingsError as error:
        problems.append(f"environment: {error}")
    if problems:
        raise ConfigError(problems)
    return settings


def _plain_key(key: object) -> bool:
    # Keyword arguments starting with "_" configure pydantic-settings itself (which files
    # it reads): the file must never reach them.
    return isinstance(key, str) and not key.startswith("_")


def _secrets_in_file(data: Mapping[Any, Any]) -> Iterator[str]:
    database = data.get("database")
    url = database.get("url") if isinstance(database, dict) else None
    if isinstance(url, str) and urlsplit(url).password:
        env_name = ENV_PREFIX + "DATABASE" + ENV_NESTED_DELIMITER + "URL"
        yield (
            "database.url: a password must not be written in the configuration file; "
            f"set the whole URL in the environment variable {env_name}"
        )


def _environment_paths() -> dict[tuple[str, ...], str]:
    """Key paths set from the environment, with the variable that sets each."""
    paths: dict[tuple[str, ...], str] = {}
    for name in os.environ:
        if name.upper().startswith(ENV_PREFIX):
            path = tuple(name[len(ENV_PREFIX) :].lower().split(ENV_NESTED_DELIMITER))
            if path[0] in Settings.model_fields:
                paths[path] = name
    return paths

"""The running configuration of a long-lived process, and reloading it from its file.

``serve`` and ``worker`` hold their settings in a :class:`CurrentConfig`; on SIGHUP the
worker thread calls :meth:`CurrentConfig.reload`, which reads the same file the
process started with, with the same environment overrides. A file that does not
load is refused, each problem logged, and the running configuration is kept.

Some parts are read once at start and cannot change under a running process (see
``RESTART_ONLY``): a reloaded file that changes them keeps the running values for
those parts, says so at WARNING, and lists them in ``restart_needed``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oms_connector.config.files import parse_config, read_config_bytes
from oms_connector.config.loading import settings_from_mapping
from oms_connector.config.problems import ConfigError
from oms_connector.config.tree import Settings

LOG = logging.getLogger(__name__)

RESTART_ONLY = ("database", "jira", "webhook", "pages", "classification.override_field")
"""Sections (or keys) fixed at start: the database's engine, Jira's connection (with its
fields resolved to ids), the webhook's secret and body limit, the pages' admin token."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LoadedConfig:
    """Settings, and the file they were read from: its path, its bytes' SHA-256, when."""

    settings: Settings
    path: Path
    sha256: str
    loaded_at: datetime
    restart_needed: tuple[str, ...] = ()
    """Keys whose value in the file differs from the running one until the next restart."""


def load_config(
    path: str | os.PathLike[str], now: Callable[[], datetime] = _utc_now
) -> LoadedConfig:
    """The file at ``path`` read once, validated with the environment's overrides, hashed.

    Raises ``ConfigError`` listing every problem found, one line each.
    """
    path = Path(path)
    data = read_config_bytes(path)
    settings = settings_from_mapping(parse_config(data))
    return LoadedConfig(settings, path, hashlib.sha256(data).hexdigest(), now())


class CurrentConfig:
    """The configuration a process runs with; :meth:`reload` replaces it from its file."""

    def __init__(self, loaded: LoadedConfig, now: Callable[[], datetime] = _utc_now) -> None:
        self._loaded = loaded
        self._now = now
        self._lock = threading.Lock()

    def current(self) -> LoadedConfig:
        with self._lock:
            return self._loaded

    def reload(self) -> LoadedConfig | None:
        """Read the file again; the new configuration when it replaced the running one.

        ``None`` when the file is unchanged (same bytes) or refused: then each problem
        is logged at ERROR, prefixed by the file's path, and the running one is kept.
        """
        running = self.current()
        path = running.path
        try:
            loaded = load_config(path, self._now)
        except ConfigError as error:
            for problem in error.problems:
                LOG.error("%s: %s", path, problem)  # noqa: TRY400 - one line a problem
            LOG.warning(
                "%s: not reloaded; still running the configuration of sha256 %s",
                path,
                running.sha256,
            )
            return None
        if loaded.sha256 == running.sha256:
            LOG.info("%s: unchanged (sha256 %s); nothing to reload", path, loaded.sha256)
            return None
        settings, restart_needed = kept_until_restart(running.settings, loaded.settings)
        for key in restart_needed:
            LOG.warning(
                "%s: %s changed; it takes effect at the next restart (the running value is kept)",
                path,
                key,
            )
        replacement = LoadedConfig(settings, path, loaded.sha256, loaded.loaded_at, restart_needed)
        with self._lock:
            self._loaded = replacement
        LOG.info("%s: reloaded (sha256 %s)", path, replacement.sha256)
        return replacement


def kept_until_restart(running: Settings, loaded: Settings) -> tuple[Settings, tuple[str, ...]]:
    """``loaded`` with the running values of ``RESTART_ONLY``; the keys that differed."""
    updates: dict[str, Any] = {}
    differing: list[str] = []
    for entry in RESTART_ONLY:
        section, _, key = entry.partition(".")
        old, new = getattr(running, section), getattr(loaded, section)
        keys = [key] if key else list(type(old).model_fields)
        changed = [name for name in keys if getattr(old, name) != getattr(new, name)]
        if not changed:
            continue
        differing.extend(f"{section}.{name}" for name in changed)
        if key:
            base = updates.get(section, new)
            updates[section] = base.model_copy(update={key: getattr(old, key)})
        else:
            updates[section] = old
    if not updates:
        return loaded, ()
    return loaded.model_copy(update=updates), tuple(differing)

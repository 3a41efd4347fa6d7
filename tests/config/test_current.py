"""The running configuration: a valid file replaces it, anything else is refused and logged."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oms_connector.config import CurrentConfig, LoadedConfig, load_config
from tests.config.files import ACME, GLOBEX, JIRA, VALID, write

LOGGER = "oms_connector.config.current"
STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RELOADED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ACME_AGAIN = ACME.replace(
    "customer: Acme Corp, jira_projects: [ACME]", "customer: Again, jira_projects: [AGN]"
)
UNCLOSED = "expected the node content, but found '<stream end>'"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def running(path: Path) -> CurrentConfig:
    return CurrentConfig(load_config(path, lambda: STARTED), now=lambda: RELOADED)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write(tmp_path, VALID)


def test_a_loaded_file_is_hashed_from_its_bytes(config_file: Path) -> None:
    loaded = load_config(config_file, lambda: STARTED)

    assert loaded.sha256 == hashlib.sha256(VALID.encode("utf-8")).hexdigest()
    assert (loaded.path, loaded.loaded_at, loaded.restart_needed) == (config_file, STARTED, ())
    assert [plan.id for plan in loaded.settings.plans] == ["acme"]


def test_a_valid_file_replaces_the_running_configuration(
    config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = running(config_file)
    write(config_file.parent, VALID + GLOBEX)

    with caplog.at_level(logging.INFO, LOGGER):
        reloaded = config.reload()

    assert reloaded is config.current()
    assert isinstance(reloaded, LoadedConfig)
    assert [plan.id for plan in reloaded.settings.plans] == ["acme", "globex"]
    assert (reloaded.sha256, reloaded.loaded_at) == (sha256(config_file), RELOADED)
    assert caplog.record_tuples == [
        (LOGGER, logging.INFO, f"{config_file}: reloaded (sha256 {sha256(config_file)})")
    ]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            JIRA + "plans:\n" + ACME.replace("term_months: 3", "term_months: 2") + ACME_AGAIN,
            [
                "plans[0].term_months: 2 is below the minimum term of 3 months",
                "plans[1].id: 'acme' is already the id of plans[0]",
            ],
        ),
        (
            VALID + "plans: [\n",
            ["invalid YAML at line 6, column 1: " + UNCLOSED],
        ),
        (
            "- just\n- a list\n",
            ["must hold a mapping of sections (jira, database, plans, ...) at the top level"],
        ),
    ],
    ids=["two problems", "bad YAML", "not a mapping"],
)
def test_a_file_that_does_not_load_is_refused_each_problem_logged_and_the_old_one_kept(
    config_file: Path, caplog: pytest.LogCaptureFixture, text: str, problems: list[str]
) -> None:
    config = running(config_file)
    before = config.current()
    write(config_file.parent, text)

    with caplog.at_level(logging.INFO, LOGGER):
        assert config.reload() is None

    assert config.current() is before
    assert caplog.record_tuples == [
        *((LOGGER, logging.ERROR, f"{config_file}: {problem}") for problem in problems),
        (
            LOGGER,
            logging.WARNING,
            f"{config_file}: not reloaded; still running the configuration of sha256 "
            f"{before.sha256}",
        ),
    ]


def test_a_missing_file_is_refused_and_the_old_one_kept(
    config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = running(config_file)
    before = config.current()
    config_file.unlink()

    with caplog.at_level(logging.ERROR, LOGGER):
        assert config.reload() is None

    assert config.current() is before
    assert caplog.record_tuples == [
        (
            LOGGER,
            logging.ERROR,
            f"{config_file}: no such file (give --config PATH or set OMS_CONFIG)",
        )
    ]


def test_an_unchanged_file_is_not_reloaded(
    config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = running(config_file)
    before = config.current()

    with caplog.at_level(logging.INFO, LOGGER):
        assert config.reload() is None

    assert config.current() is before
    assert caplog.messages == [
        f"{config_file}: unchanged (sha256 {before.sha256}); nothing to reload"
    ]


def test_the_environment_overrides_a_reloaded_file_as_it_did_the_first(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_WORKER__INTERVAL_SECONDS", "15")
    config = running(config_file)
    write(
        config_file.parent,
        VALID + "worker: {interval_seconds: 300}\n" + "sync: {overlap_seconds: 90}\n",
    )

    reloaded = config.reload()

    assert reloaded is not None
    assert reloaded.settings.worker.interval_seconds == 15
    assert reloaded.settings.sync.overlap_seconds == 90


def test_what_needs_a_restart_keeps_its_running_value_and_is_named(
    config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = running(config_file)
    changed = (
        'jira: {url: "https://other.atlassian.net", user: bot@example.com}\n'
        "database: {url: 'sqlite:///elsewhere.sqlite3'}\n"
        "classification:\n"
        "  override_field: customfield_10300\n"
        "  rules: [{name: bugs, work_type: priority, issue_type: [Bug]}]\n"
        "plans:\n" + ACME + GLOBEX
    )
    write(config_file.parent, changed)

    with caplog.at_level(logging.WARNING, LOGGER):
        reloaded = config.reload()

    assert reloaded is not None
    settings = reloaded.settings
    assert reloaded.restart_needed == ("database.url", "jira.url", "classification.override_field")
    assert (settings.jira.url, settings.database.url) == (
        "https://example.atlassian.net",
        "sqlite:///oms.sqlite3",
    )
    assert settings.classification.override_field is None
    assert [rule.name for rule in settings.classification.rules] == ["bugs"]
    assert [plan.id for plan in settings.plans] == ["acme", "globex"]
    assert caplog.messages == [
        f"{config_file}: {key} changed; it takes effect at the next restart "
        "(the running value is kept)"
        for key in ("database.url", "jira.url", "classification.override_field")
    ]

"""An unusable database URL is reported without the URL, which may carry a password."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from oms_connector.adapters.sql.engine import DatabaseUrlError, create_store_engine
from oms_connector.cli import main
from tests.config.files import VALID, clear_oms_environment, write

FORMS = "write it as sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/NAME"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param(
            "postgresql+psycopg://oms:s3cret@db:port/oms",
            "database.url: cannot parse the postgresql+psycopg URL (not shown: it may hold a "
            f"password); {FORMS}",
            id="port that is not a number",
        ),
        pytest.param(
            "postgresql+psycopg://oms@db:s3cret/oms",
            "database.url: cannot parse the postgresql+psycopg URL (not shown: it may hold a "
            f"password); {FORMS}",
            id="password written where the port goes",
        ),
        pytest.param(
            "postgresql://oms:s3cret@[::1/oms",
            "database.url: cannot parse the postgresql URL (not shown: it may hold a password); "
            f"{FORMS}",
            id="unclosed IPv6 address",
        ),
        pytest.param(
            "oms:s3cret@db/oms",
            f"database.url: cannot parse the URL (not shown: it may hold a password); {FORMS}",
            id="no scheme",
        ),
    ],
)
def test_an_unparsable_url_is_named_without_its_password(url: str, message: str) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        create_store_engine(url)

    assert str(caught.value) == message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_the_command_line_reports_an_unparsable_url_as_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_oms_environment(monkeypatch)
    path = write(tmp_path, VALID)
    monkeypatch.setenv("OMS_DATABASE__URL", "postgresql+psycopg://oms:s3cret@db:port/oms")

    status = main(["--config", str(path), "db", "upgrade"])

    captured = capsys.readouterr()
    assert status == 2
    assert captured.err == (
        f"{path}: database.url: cannot parse the postgresql+psycopg URL (not shown: it may hold "
        f"a password); {FORMS}\n"
    )
    assert "s3cret" not in captured.out + captured.err


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", [["statements"], ["close"], ["db", "upgrade"]])
def test_a_database_that_does_not_answer_is_one_line_without_its_password(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    clear_oms_environment(monkeypatch)
    path = write(tmp_path, VALID)
    port = _closed_port()
    monkeypatch.setenv("OMS_DATABASE__URL", f"postgresql+psycopg://oms:s3cret@127.0.0.1:{port}/oms")

    status = main(["--config", str(path), *command])

    captured = capsys.readouterr()
    assert status == 1
    assert captured.err.splitlines() == [
        f"oms-connector: cannot open the database postgresql+psycopg://oms:***@127.0.0.1:{port}"
        f'/oms: connection failed: connection to server at "127.0.0.1", port {port} failed: '
        "Connection refused"
    ]
    assert "s3cret" not in captured.out + captured.err


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_text("not a database at all\n" * 100), "file is not a database"),
        (lambda p: None, "unable to open database file"),
    ],
    ids=["not a database", "directory missing"],
)
def test_a_sqlite_file_that_cannot_be_opened_is_one_line_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make: Callable[[Path], object],
    reason: str,
) -> None:
    clear_oms_environment(monkeypatch)
    path = write(tmp_path, VALID)
    database = tmp_path / "garbage.sqlite3"
    make(database)
    if not database.exists():
        database = tmp_path / "missing" / "oms.sqlite3"
    monkeypatch.setenv("OMS_DATABASE__URL", f"sqlite:///{database}")

    status = main(["--config", str(path), "statements"])

    assert status == 1
    assert capsys.readouterr().err.splitlines() == [
        f"oms-connector: cannot open the database sqlite:///{database}: {reason}"
    ]

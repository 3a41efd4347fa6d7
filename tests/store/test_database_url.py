"""An unusable database URL is reported without the URL, which may carry a password."""

from __future__ import annotations

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

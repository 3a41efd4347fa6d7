"""The export formats by name: each writer turns statements and export settings into text."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from oms_connector.adapters.exports import statement_json
from oms_connector.adapters.exports.beancount import write_beancount
from oms_connector.adapters.exports.csv_lines import write_csv
from oms_connector.adapters.exports.invoice_lines import ordered
from oms_connector.adapters.exports.quickbooks import write_quickbooks
from oms_connector.adapters.exports.settings import ExportOptions
from oms_connector.adapters.exports.xero import write_xero
from oms_connector.domain.statements import Statement

Writer = Callable[[Iterable[Statement], ExportOptions], str]


def write_json(statements: Iterable[Statement], options: ExportOptions) -> str:
    del options  # the schema has no booking settings
    return statement_json.dumps(ordered(statements))


FORMATS: Mapping[str, Writer] = {
    "json": write_json,
    "csv": write_csv,
    "xero": write_xero,
    "quickbooks": write_quickbooks,
    "beancount": write_beancount,
}
"""Every format; ``json`` and ``csv`` keep every line, the others book amounts only."""


def writer(name: str) -> Writer:
    """The writer of the format called ``name``."""
    try:
        return FORMATS[name]
    except KeyError:
        raise KeyError(
            f"unknown export format {name!r}; known formats: {', '.join(FORMATS)}"
        ) from None

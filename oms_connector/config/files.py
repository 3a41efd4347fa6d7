"""Reading the configuration file: where it is, and YAML read exactly."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from oms_connector.config.problems import ConfigError

DEFAULT_CONFIG_PATH = Path("config.yaml")
CONFIG_PATH_VARIABLE = "OMS_CONFIG"


class _ConfigLoader(yaml.SafeLoader):
    """YAML with exact numbers and without YAML 1.1 surprises.

    Decimal numbers become ``Decimal`` from their written text (never a binary float);
    integers are decimal only (``010`` is ten, not octal eight); only true/false are
    booleans, so a project key ``NO`` or a label ``on`` stays a string; a key written
    twice in a mapping is an error instead of silently keeping the last value.
    """

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's own class-level table
        first: [(tag, rx) for tag, rx in resolvers if not tag.endswith((":bool", ":int"))]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value != "<<":
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"found the key {key_node.value!r} twice",
                        key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def _scalar_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):  # pragma: no cover - resolvers give scalars
        raise yaml.constructor.ConstructorError(None, None, "expected a scalar", node.start_mark)
    return str(loader.construct_scalar(node))


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = _scalar_text(loader, node).replace("_", "")
    special = {".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}
    try:
        return Decimal(special.get(text.lower(), text))
    except InvalidOperation:
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a decimal number", node.start_mark
        ) from None


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    return int(_scalar_text(loader, node).replace("_", ""), 10)


def _construct_date(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    # An impossible date such as 2026-02-30 is left as text for the settings to report
    # at its key, instead of failing the whole file.
    text = _scalar_text(loader, node)
    try:
        return loader.construct_yaml_timestamp(node)  # type: ignore[arg-type]
    except ValueError:
        return text


_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9][0-9_]*$"), list("-+0123456789")
)
_ConfigLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_ConfigLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_ConfigLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


def config_path(option: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    """``--config PATH``, else ``$OMS_CONFIG``, else ``./config.yaml``."""
    if option:
        return Path(option)
    from_environment = environ.get(CONFIG_PATH_VARIABLE, "")
    return Path(from_environment) if from_environment else DEFAULT_CONFIG_PATH


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's mapping of sections; ``ConfigError`` when it cannot be read or parsed."""
    return parse_config(read_config_bytes(path))


def read_config_bytes(path: Path) -> bytes:
    """The file's bytes, as they are hashed and parsed; ``ConfigError`` when unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            [f"no such file (give --config PATH or set {CONFIG_PATH_VARIABLE})"]
        ) from None
    except IsADirectoryError:
        raise ConfigError(["is a directory, not a configuration file"]) from None
    except OSError as error:
        raise ConfigError([f"cannot be read: {error.strerror}"]) from None


def parse_config(data: bytes) -> dict[str, Any]:
    """The mapping of sections written in ``data``; ``ConfigError`` when it is not one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(["is not UTF-8 text"]) from None
    try:
        loaded = yaml.load(text, Loader=_ConfigLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        raise ConfigError([_yaml_problem(error)]) from None
    except yaml.YAMLError as error:
        raise ConfigError([f"invalid YAML: {error}"]) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(
            ["must hold a mapping of sections (jira, database, plans, ...) at the top level"]
        )
    return loaded


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"invalid YAML{where}: {error.problem or error.context}"

"""config.example.yaml is valid, and documents every key of the settings model."""

from __future__ import annotations

import typing
from collections.abc import Iterator

import yaml
from pydantic import BaseModel

from oms_connector.config import Settings, load_settings
from tests.config.files import EXAMPLE


def model_keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every key path of the model, list items written as ``[]``."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        yield path
        for inner, suffix in nested_models(field.annotation):
            yield from model_keys(inner, f"{path}{suffix}.")


def nested_models(annotation: object) -> Iterator[tuple[type[BaseModel], str]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, ""
        return
    origin = typing.get_origin(annotation)
    for arg in typing.get_args(annotation):
        suffix = "[]" if origin is list else ""
        for inner, inner_suffix in nested_models(arg):
            yield inner, suffix + inner_suffix


def file_keys(node: yaml.Node, prefix: str = "") -> Iterator[tuple[str, int]]:
    """Every key path written in the file, with the line it first appears on."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}{key_node.value}"
            yield path, key_node.start_mark.line
            yield from file_keys(value_node, f"{path}.")
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from file_keys(item, prefix.removesuffix(".") + "[].")


def example_keys() -> dict[str, int]:
    root = yaml.compose(EXAMPLE.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    first_lines: dict[str, int] = {}
    for path, line in file_keys(root):
        first_lines.setdefault(path, line)
    return first_lines


def test_the_example_configuration_is_valid() -> None:
    settings = load_settings(EXAMPLE)

    assert [plan.id for plan in settings.plans] == ["acme", "globex", "initech", "delta"]
    assert [rule.name for rule in settings.classification.rules] == [
        "urgent",
        "incidents",
        "urgent-label",
        "reactive-words",
        "hosting-incidents",
        "service-desk-problems",
    ]


def test_every_key_of_the_settings_model_appears_in_the_example() -> None:
    missing = sorted(set(model_keys(Settings)) - set(example_keys()))

    assert missing == []


def test_the_example_has_no_key_the_model_does_not_know() -> None:
    unknown = sorted(set(example_keys()) - set(model_keys(Settings)))

    assert unknown == []


def test_every_key_is_commented_where_it_first_appears() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    undocumented = [
        path
        for path, line in example_keys().items()
        if "#" not in lines[line] and not lines[line - 1].lstrip().startswith("#")
    ]

    assert undocumented == []


def test_the_key_walk_sees_nested_list_items() -> None:
    keys = set(model_keys(Settings))

    assert "plans[].priority_bank[].hours" in keys
    assert "classification.rules[].text" in keys
    assert "writeback.labels.priority" in keys

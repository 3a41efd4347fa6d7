"""The issue properties' JSON Schema (schemas/issue-properties.schema.json), for validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "issue-properties.schema.json"


def validator(definition: str) -> Draft202012Validator:
    """A validator of one definition (``ticket`` or ``budget``) of the shared schema."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(
        {**schema, "$ref": f"#/$defs/{definition}"}, format_checker=FormatChecker()
    )


def errors(definition: str, value: object) -> list[str]:
    return sorted(error.message for error in validator(definition).iter_errors(value))

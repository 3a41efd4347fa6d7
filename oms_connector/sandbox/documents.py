"""Atlassian Document Format as the sandbox stores it: v3 bodies are documents, v2 bodies text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Document = dict[str, Any]

_BLOCKS = frozenset({"paragraph", "heading", "blockquote", "codeBlock", "listItem", "panel"})


def is_document(value: object) -> bool:
    return (
        isinstance(value, Mapping)
        and value.get("type") == "doc"
        and isinstance(value.get("content"), list)
    )


def text_document(text: str) -> Document:
    """Plain text as a document: one paragraph per line."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        for line in text.split("\n")
        if line
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def document_text(document: Mapping[str, Any] | None) -> str:
    """The visible text of a document, blocks on separate lines (the v2 representation)."""
    if document is None:
        return ""
    return "".join(_parts(document)).strip("\n")


def _parts(node: object) -> list[str]:
    if isinstance(node, list):
        return [part for child in node for part in _parts(child)]
    if not isinstance(node, Mapping):
        return []
    parts: list[str] = []
    if node.get("type") == "text" and isinstance(node.get("text"), str):
        parts.append(node["text"])
    elif node.get("type") == "hardBreak":
        parts.append("\n")
    parts.extend(_parts(node.get("content")))
    if node.get("type") in _BLOCKS:
        parts.append("\n")
    return parts

"""The subset of JQL the connector sends, parsed into a query the sandbox state can run.

Supported, joined with ``AND`` (keywords in any case)::

    project = KEY            project in (KEY, "Other name", 10000)
    issue = KEY-1            issue in (KEY-1, 10002)     (also ``key``, ``issuekey``, ``id``)
    status = "In Progress"   statusCategory != Done      (and ``not in``, for all four)
    updated >= "2024/01/31 14:05"     (also created; operators = > >= < <=;
                                       yyyy/MM/dd or yyyy-MM-dd, optional HH:mm)
    ORDER BY updated ASC, key DESC    (updated, created, key, id, rank)

Dates are read in the searching user's time zone, to the minute, as Jira does.
Anything else is rejected with Jira's 400 shape rather than silently ignored, so a
connector query the sandbox does not understand fails loudly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo


class JqlError(ValueError):
    """A query outside the supported subset, or malformed."""


class Direction(StrEnum):
    ASC = "asc"
    DESC = "desc"


SORT_FIELDS = frozenset({"updated", "created", "key", "id", "rank"})
_ISSUE_FIELDS = frozenset({"issue", "key", "issuekey", "id"})
_VALUE_FIELDS = frozenset({"project", "status", "statuscategory"}) | _ISSUE_FIELDS
_TIME_FIELDS = frozenset({"updated", "created"})
_COMPARISONS = ("=", ">", ">=", "<", "<=")


@dataclass(frozen=True)
class TimeBound:
    field: str
    operator: str
    instant: datetime

    def admits(self, value: datetime) -> bool:
        match self.operator:
            case ">=":
                return value >= self.instant
            case ">":
                return value > self.instant
            case "<=":
                return value <= self.instant
            case "<":
                return value < self.instant
            case _:
                return value == self.instant


@dataclass(frozen=True)
class ValueFilter:
    """``field = v``, ``field in (...)`` or, negated, ``!=`` and ``not in``."""

    field: str
    """``project``, ``issue``, ``status`` or ``statusCategory``."""
    values: frozenset[str]
    negated: bool = False


@dataclass(frozen=True)
class Query:
    filters: tuple[ValueFilter, ...] = ()
    """Every clause must hold."""
    times: tuple[TimeBound, ...] = ()
    order: tuple[tuple[str, Direction], ...] = field(default=())

    @property
    def bounded(self) -> bool:
        return bool(self.filters or self.times)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>>=|<=|!=|[=<>(),])
      | (?P<word>[^\s"'=<>!(),]+)
    )""",
    re.VERBOSE,
)


@dataclass
class _Tokens:
    items: list[tuple[str, str]]
    position: int = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.position] if self.position < len(self.items) else None

    def take(self, what: str) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise JqlError(f"Error in the JQL Query: Expecting {what} but reached the end.")
        self.position += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() in words:
            self.position += 1
            return True
        return False


def tokenize(text: str) -> _Tokens:
    items: list[tuple[str, str]] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.lastgroup is None:
            raise JqlError(
                f"Error in the JQL Query: The character {stripped[position]!r} at "
                f"position {position} is not expected."
            )
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        items.append((kind, value))
        position = match.end()
    return _Tokens(items)


def parse(text: str, zone: ZoneInfo) -> Query:
    tokens = tokenize(text)
    filters: list[ValueFilter] = []
    times: list[TimeBound] = []
    order: tuple[tuple[str, Direction], ...] = ()
    if tokens.peek() is not None and not _at_order_by(tokens):
        while True:
            _clause(tokens, zone, filters, times)
            if not tokens.keyword("and"):
                break
    if tokens.keyword("order"):
        if not tokens.keyword("by"):
            raise JqlError("Error in the JQL Query: Expecting 'by' after 'order'.")
        order = _order(tokens)
    leftover = tokens.peek()
    if leftover is not None:
        raise JqlError(
            f"Error in the JQL Query: '{leftover[1]}' is not supported by the sandbox "
            "(only AND, project, issue/key/id, status, statusCategory, updated, created "
            "and ORDER BY)."
        )
    return Query(tuple(filters), tuple(times), order)


def _at_order_by(tokens: _Tokens) -> bool:
    token = tokens.peek()
    return token is not None and token[0] == "word" and token[1].lower() == "order"


def _clause(
    tokens: _Tokens,
    zone: ZoneInfo,
    filters: list[ValueFilter],
    times: list[TimeBound],
) -> None:
    kind, name = tokens.take("a field name")
    field_name = name.lower()
    if kind != "word" or field_name not in _VALUE_FIELDS | _TIME_FIELDS:
        raise JqlError(f"Error in the JQL Query: Field '{name}' is not supported by the sandbox.")
    if field_name in _TIME_FIELDS:
        operator = tokens.take("an operator")
        if operator[0] != "op" or operator[1] not in _COMPARISONS:
            raise JqlError(
                f"Error in the JQL Query: The operator '{operator[1]}' is not supported "
                f"for the field '{name}'."
            )
        _, value = tokens.take("a date")
        times.append(TimeBound(field_name, operator[1], parse_date(value, field_name, zone)))
        return
    canonical = {"statuscategory": "statusCategory"}.get(field_name, field_name)
    if field_name in _ISSUE_FIELDS:
        canonical = "issue"
    negated = tokens.keyword("not")
    if negated and not _at(tokens, "in"):
        raise JqlError(f"Error in the JQL Query: Expecting 'in' after '{name} not'.")
    if not negated and tokens.peek() == ("op", "!="):
        tokens.take("'!='")
        filters.append(ValueFilter(canonical, frozenset([_value(tokens)]), negated=True))
        return
    filters.append(ValueFilter(canonical, _values(tokens, name), negated))


def _at(tokens: _Tokens, word: str) -> bool:
    token = tokens.peek()
    return token is not None and token[0] == "word" and token[1].lower() == word


def _values(tokens: _Tokens, name: str) -> frozenset[str]:
    if tokens.keyword("in"):
        if tokens.take("'('") != ("op", "("):
            raise JqlError(f"Error in the JQL Query: Expecting '(' after '{name} in'.")
        values: list[str] = []
        while True:
            values.append(_value(tokens))
            separator = tokens.take("')'")
            if separator == ("op", ")"):
                return frozenset(values)
            if separator != ("op", ","):
                raise JqlError(f"Error in the JQL Query: Expecting ',' or ')' in '{name} in'.")
    operator = tokens.take("an operator")
    if operator != ("op", "="):
        raise JqlError(
            f"Error in the JQL Query: The operator '{operator[1]}' is not supported by the "
            f"sandbox for the field '{name}' (use =, !=, in or not in)."
        )
    return frozenset([_value(tokens)])


def _value(tokens: _Tokens) -> str:
    kind, value = tokens.take("a value")
    if kind == "op":
        raise JqlError(f"Error in the JQL Query: Expecting a value but got '{value}'.")
    return value


def _order(tokens: _Tokens) -> tuple[tuple[str, Direction], ...]:
    order: list[tuple[str, Direction]] = []
    while True:
        kind, name = tokens.take("a field to order by")
        if kind != "word" or name.lower() not in SORT_FIELDS:
            raise JqlError(
                f"Error in the JQL Query: Ordering by '{name}' is not supported by the sandbox."
            )
        direction = Direction.ASC
        if tokens.keyword("desc"):
            direction = Direction.DESC
        else:
            tokens.keyword("asc")
        order.append((name.lower(), direction))
        if tokens.peek() != ("op", ","):
            return tuple(order)
        tokens.take("','")


_DATE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?")


def parse_date(text: str, field_name: str, zone: ZoneInfo) -> datetime:
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise JqlError(
            f"Date value '{text}' for field '{field_name}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd'."
        )
    year, month, day, hour, minute = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime.combine(date(year, month, day), time(hour, minute), tzinfo=zone)
    except ValueError:
        raise JqlError(f"Date value '{text}' for field '{field_name}' is invalid.") from None

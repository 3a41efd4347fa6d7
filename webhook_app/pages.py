"""Client statement pages: ``/statements/<number>`` and ``/plans``, behind the admin token.

The pages are plain server-rendered HTML with their style sheet inline and the
chart drawn as SVG on the server: no script, no font, nothing fetched from
elsewhere, so the browser's print-to-PDF gives the same document anywhere. The
same rendering writes the standalone file of ``oms-connector statement --html``.

The admin token (the environment variable named by ``pages.admin_token_env``) is
accepted as a bearer token or as the password of basic authentication (any user
name); anything else gets 401 with a challenge. Without a configured token every
request is refused.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from functools import cache
from urllib.parse import quote

from flask import Blueprint, Flask, Response, abort, request
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from oms_connector.config import Settings
from oms_connector.services.reports import (
    PeriodHours,
    PlanView,
    StatementView,
    UnknownStatementError,
)
from webhook_app.dependencies import Reports

LOG = logging.getLogger(__name__)

REALM = "oms-connector statements"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


# --- rendering -------------------------------------------------------------------------


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("webhook_app", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["money"] = lambda value: f"{value:,.2f}"
    environment.filters["hours"] = lambda value: f"{value:,.2f}"
    environment.filters["tick"] = lambda value: f"{value.normalize():f}"
    environment.filters["day_before"] = lambda day: (day - timedelta(days=1)).isoformat()
    environment.globals["usage_bar"] = usage_bar
    return environment


def issue_url(jira_url: str, key: str) -> str:
    return f"{jira_url.rstrip('/')}/browse/{quote(key, safe='')}"


def render_statement(view: StatementView, jira_url: str) -> str:
    """The statement page as a complete HTML document."""
    return (
        _environment()
        .get_template("pages/statement.html")
        .render(
            view=view,
            chart=hours_chart(view.history),
            issue_url=lambda key: issue_url(jira_url, key),
        )
    )


def render_plans(views: Sequence[PlanView]) -> str:
    return _environment().get_template("pages/plans.html").render(views=views)


@dataclass(frozen=True)
class UsageBar:
    """Widths, out of ``BAR_WIDTH``, of the hours used within the plan and beyond it."""

    used: Decimal
    over: Decimal


BAR_WIDTH = Decimal(200)


def usage_bar(hours: PeriodHours) -> UsageBar:
    scale = max(hours.allotment, hours.oms_used)
    if not scale:
        return UsageBar(Decimal(0), Decimal(0))
    return UsageBar(
        used=_round(hours.included / scale * BAR_WIDTH),
        over=_round(hours.overage / scale * BAR_WIDTH),
    )


# --- the chart -------------------------------------------------------------------------

CHART_WIDTH = 640
CHART_HEIGHT = 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 8, 24, 40
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Rect:
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal


@dataclass(frozen=True)
class ChartGroup:
    period: PeriodHours
    included: Rect
    overage: Rect
    priority: Rect
    allotment_y: Decimal
    label_x: Decimal
    oms_x: Decimal
    priority_x: Decimal


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: Decimal
    top: Decimal
    left: int
    right: Decimal
    scale_max: Decimal
    ticks: tuple[tuple[Decimal, Decimal], ...]
    """(hours, y) of each grid line."""
    groups: tuple[ChartGroup, ...]


def hours_chart(periods: Sequence[PeriodHours]) -> Chart:
    """Bars of OMS hours (within the plan, then overage) and priority hours per period."""
    scale_max = _scale_max(periods)
    plot_height = Decimal(CHART_HEIGHT - _TOP - _BOTTOM)
    baseline = Decimal(CHART_HEIGHT - _BOTTOM)
    slot = Decimal(CHART_WIDTH - _LEFT - _RIGHT) / max(len(periods), 1)
    bar = min(slot * Decimal("0.3"), Decimal(48))

    def y(hours: Decimal) -> Decimal:
        return _round(baseline - hours / scale_max * plot_height)

    def rect(x: Decimal, bottom: Decimal, hours: Decimal) -> Rect:
        top = y(bottom + hours)
        return Rect(_round(x), top, _round(bar), y(bottom) - top)

    groups = []
    for position, hours in enumerate(periods):
        centre = _LEFT + slot * position + slot / 2
        oms_x, priority_x = centre - bar - 2, centre + 2
        groups.append(
            ChartGroup(
                period=hours,
                included=rect(oms_x, Decimal(0), hours.included),
                overage=rect(oms_x, hours.included, hours.overage),
                priority=rect(priority_x, Decimal(0), hours.priority),
                allotment_y=y(hours.allotment),
                label_x=_round(centre),
                oms_x=_round(oms_x + bar / 2),
                priority_x=_round(priority_x + bar / 2),
            )
        )
    ticks = tuple((scale_max * share, y(scale_max * share)) for share in (0, Decimal("0.5"), 1))
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        baseline=baseline,
        top=Decimal(_TOP),
        left=_LEFT,
        right=Decimal(CHART_WIDTH - _RIGHT),
        scale_max=scale_max,
        ticks=ticks,
        groups=tuple(groups),
    )


def _scale_max(periods: Sequence[PeriodHours]) -> Decimal:
    """The top of the scale: the largest figure rounded up to a multiple of 5 hours."""
    largest = max((max(p.allotment, p.oms_used, p.priority) for p in periods), default=Decimal(0))
    steps = (largest / 5).to_integral_value(rounding=ROUND_CEILING)
    return max(steps, Decimal(1)) * 5


def _round(value: Decimal) -> Decimal:
    return value.quantize(_TENTH)


# --- the blueprint ---------------------------------------------------------------------


def register_pages(app: Flask, reports: Reports, settings: Settings) -> None:
    """Serve the statement pages from ``app``, built from ``reports``."""
    token = settings.pages.admin_token
    if token is None:
        LOG.warning(
            "%s is not set: the statement pages refuse every request",
            settings.pages.admin_token_env,
        )
    secret = token.get_secret_value().encode("utf-8") if token is not None else None
    blueprint = Blueprint("pages", __name__)
    jira_url = settings.jira.url

    @blueprint.before_request
    def require_token() -> Response | None:
        if secret is not None and _presented_token_matches(secret):
            return None
        return _challenge()

    @blueprint.after_request
    def protect(response: Response) -> Response:
        response.headers.update(HEADERS)
        return response

    @blueprint.get("/statements/<number>")
    def statement(number: str) -> Response:
        try:
            view = reports.statement(number)
        except UnknownStatementError:
            abort(404)
        return _html(render_statement(view, jira_url))

    @blueprint.get("/plans")
    def plans() -> Response:
        return _html(render_plans(reports.plans()))

    app.register_blueprint(blueprint)


def _presented_token_matches(secret: bytes) -> bool:
    credentials = request.authorization
    if credentials is None:
        return False
    if credentials.type == "bearer":
        presented = credentials.token
    elif credentials.type == "basic":
        presented = credentials.password
    else:
        return False
    if not presented:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), secret)


def _challenge() -> Response:
    response = Response("The statement pages need the admin token.\n", 401, mimetype="text/plain")
    response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    response.headers.add("WWW-Authenticate", f'Bearer realm="{REALM}"')
    return response


def _html(text: str) -> Response:
    return Response(text, 200, mimetype="text/html")

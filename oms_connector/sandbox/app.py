"""The sandbox's HTTP face: Jira Cloud's REST v3 endpoints the connector uses, and drill controls.

Every ``/rest/api/3`` route needs HTTP basic auth with a seeded user's email and API
token. ``/_sandbox/...`` routes (same auth) drive the double itself: the clock and
the webhook drills. Errors answer in Jira's ``{"errorMessages", "errors"}`` shape.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from oms_connector.sandbox.calls import Call, CallLog
from oms_connector.sandbox.clock import ClockError
from oms_connector.sandbox.documents import is_document
from oms_connector.sandbox.durations import DurationError, parse_duration
from oms_connector.sandbox.errors import ApiError, bad_request
from oms_connector.sandbox.faults import FaultKind, FaultPlan, FaultPlanError, plan_from_json
from oms_connector.sandbox.jql import JqlError, parse
from oms_connector.sandbox.representation import Representation, select_fields
from oms_connector.sandbox.state import Adjustment, EstimateChange, SandboxState, User
from oms_connector.sandbox.times import TimeFormatError, epoch_ms, jira_time, parse_time
from oms_connector.sandbox.webhooks import WebhookSender

API = "/rest/api/3"
SEARCH_PAGE_DEFAULT = 50
SEARCH_PAGE_MAX = 100
SEARCH_PAGE_MAX_IDS = 5000
BULK_FETCH_MAX = 100
WORKLOG_LIST_MAX = 1000
WORKLOG_PAGE_DEFAULT = 5000
REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)


def create_sandbox_app(
    state: SandboxState,
    webhook_sender: WebhookSender | None = None,
    faults: FaultPlan | None = None,
    calls: CallLog | None = None,
) -> Flask:
    """The sandbox's app; ``faults`` makes some REST calls fail (see :mod:`.faults`);
    ``calls`` counts every authenticated call."""
    app = Flask("oms_connector.sandbox")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    api = _Api(state, webhook_sender, faults, calls)
    app.before_request(api.authenticate)
    app.before_request(api.inject_fault)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    for rule, methods, view in api.routes():
        app.add_url_rule(rule, view.__name__, view, methods=methods)
    return app


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status, content_type="application/json;charset=UTF-8"
    )


def _empty(status: int) -> Response:
    return Response(b"", status)


def _api_error(error: ApiError) -> Response:
    return _json(error.body(), error.status)


def _http_error(error: HTTPException) -> Response:
    return _json(
        {"errorMessages": [error.description or error.name], "errors": {}}, error.code or 500
    )


def _actor() -> User:
    user = g.get("user")
    assert isinstance(user, User)
    return user


def _body() -> Any:
    raw = request.get_data()
    if not raw:
        raise bad_request("No content to map to Object due to end of input")
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request("Unexpected character in the request body: it is not JSON.") from None


def _object(what: str) -> dict[str, Any]:
    body = _body()
    if not isinstance(body, dict):
        raise bad_request(f"The request body of {what} must be a JSON object.")
    return body


def _int_arg(name: str, default: int, *, low: int = 0) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise bad_request(
            f"The value '{text}' of the parameter '{name}' is not a number."
        ) from None
    if value < low:
        raise bad_request(f"The parameter '{name}' must be at least {low}.")
    return value


def _estimate(manual_parameter: str) -> EstimateChange:
    """The ``adjustEstimate`` query; ``manual`` reads ``reduceBy`` or ``increaseBy``."""
    how_text = request.args.get("adjustEstimate", "auto")
    try:
        how = Adjustment(how_text)
    except ValueError:
        raise bad_request(f"Unknown adjustEstimate '{how_text}'.") from None
    if how in {Adjustment.AUTO, Adjustment.LEAVE}:
        return EstimateChange(how)
    name = "newEstimate" if how is Adjustment.NEW else manual_parameter
    text = request.args.get(name)
    if text is None:
        raise bad_request(f"adjustEstimate={how_text} needs the parameter {name}.")
    try:
        return EstimateChange(how, parse_duration(text))
    except DurationError as exc:
        raise bad_request(str(exc)) from None


def _time(value: object, name: str) -> Any:
    try:
        return parse_time(value, name)
    except TimeFormatError as exc:
        raise bad_request(errors={name: str(exc)}) from None


def _seconds(body: dict[str, Any], *, required: bool) -> int | None:
    if "timeSpentSeconds" in body and "timeSpent" in body:
        raise bad_request(errors={"timeLogged": "Give either timeSpent or timeSpentSeconds."})
    if "timeSpentSeconds" in body:
        value = body["timeSpentSeconds"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request(errors={"timeLogged": "timeSpentSeconds must be a whole number."})
        return value
    if "timeSpent" in body:
        try:
            return parse_duration(str(body["timeSpent"]))
        except DurationError as exc:
            raise bad_request(errors={"timeLogged": str(exc)}) from None
    if required:
        raise bad_request(errors={"timeLogged": "You must indicate the time spent working."})
    return None


def _comment(body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if value is not None and not is_document(value):
        raise bad_request(
            errors={
                name: "Operation value must be an Atlassian Document "
                "(see the Atlassian Document Format)"
            }
        )
    return value


class _Api:
    def __init__(
        self,
        state: SandboxState,
        sender: WebhookSender | None,
        faults: FaultPlan | None,
        calls: CallLog | None = None,
    ) -> None:
        self.state = state
        self.sender = sender
        self.faults = faults
        self.calls = calls

    @property
    def rep(self) -> Representation:
        return Representation(self.state.catalogue, request.host_url)

    def routes(self) -> list[tuple[str, list[str], Callable[..., Response]]]:
        issue = f"{API}/issue/<id_or_key>"
        return [
            (f"{API}/serverInfo", ["GET"], self.server_info),
            (f"{API}/myself", ["GET"], self.myself),
            (f"{API}/field", ["GET"], self.fields),
            (f"{API}/project", ["GET"], self.projects),
            (f"{API}/project/search", ["GET"], self.project_search),
            (f"{API}/search", ["GET", "POST"], self.removed_search),
            (f"{API}/search/jql", ["GET", "POST"], self.search),
            (f"{API}/issue", ["POST"], self.create_issue),
            (f"{API}/issue/bulkfetch", ["POST"], self.bulk_fetch),
            (issue, ["GET", "PUT", "DELETE"], self.issue),
            (f"{issue}/worklog", ["GET", "POST"], self.issue_worklogs),
            (f"{issue}/worklog/<worklog_id>", ["GET", "PUT", "DELETE"], self.issue_worklog),
            (f"{issue}/properties/<key>", ["GET", "PUT"], self.issue_property),
            (f"{API}/issue/properties/<key>", ["PUT"], self.bulk_issue_property),
            (f"{API}/task/<task_id>", ["GET"], self.task),
            (f"{issue}/comment", ["GET", "POST"], self.comments),
            (f"{API}/worklog/updated", ["GET"], self.changed_worklogs),
            (f"{API}/worklog/deleted", ["GET"], self.deleted_worklogs),
            (f"{API}/worklog/list", ["POST"], self.worklog_list),
            ("/_sandbox/clock", ["GET", "POST"], self.clock),
            ("/_sandbox/webhooks", ["GET", "POST"], self.webhooks),
            ("/_sandbox/faults", ["GET", "POST"], self.fault_plan),
        ]

    def authenticate(self) -> Response | None:
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        user = None
        if scheme.lower() == "basic":
            try:
                email, _, token = base64.b64decode(encoded, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                email, token = "", ""
            user = self.state.authenticate(email, token)
        if user is None:
            body = {"errorMessages": ["You are not authenticated. Authentication required."]}
            response = _json({**body, "errors": {}}, 401)
            response.headers["WWW-Authenticate"] = 'Basic realm="protected-area"'
            return response
        g.user = user
        if self.calls is not None:
            rule = request.url_rule.rule if request.url_rule else request.path
            self.calls.count(Call(user.email, request.method, rule))
        return None

    def inject_fault(self) -> Response | None:
        """Fail this REST call when the fault plan says so; ``None`` serves it."""
        faults = self.faults
        if faults is None or not request.path.startswith(API):
            return None
        fault = faults.draw()
        if fault is None:
            return None
        if fault.kind is FaultKind.RATE_LIMITED:
            response = _json({"errorMessages": ["Rate limit exceeded."], "errors": {}}, 429)
            response.headers["Retry-After"] = str(fault.retry_after_seconds)
            return response
        if fault.kind is FaultKind.TIMEOUT:
            time.sleep(fault.hang_seconds)
            return _json({"errorMessages": ["Gateway timeout."], "errors": {}}, 504)
        return _json({"errorMessages": ["Internal server error."], "errors": {}}, 500)

    # -- site --------------------------------------------------------------------------------

    def server_info(self) -> Response:
        return _json(
            {
                "baseUrl": request.host_url.rstrip("/"),
                "displayUrl": request.host_url.rstrip("/"),
                "version": "1001.0.0-SNAPSHOT",
                "versionNumbers": [1001, 0, 0],
                "deploymentType": "Cloud",
                "buildNumber": 100000,
                "buildDate": "2025-01-01T00:00:00.000+0000",
                "serverTime": jira_time(self.state.clock.now()),
                "scmInfo": "sandbox",
                "serverTitle": "Jira (sandbox)",
            }
        )

    def myself(self) -> Response:
        return _json(self.rep.myself(_actor()))

    def fields(self) -> Response:
        return _json([self.rep.field(d) for d in self.state.catalogue.fields])

    def projects(self) -> Response:
        return _json([self.rep.project(p) for p in self.state.projects()])

    def project_search(self) -> Response:
        start = _int_arg("startAt", 0)
        size = _int_arg("maxResults", 50, low=1)
        everything = self.state.projects()
        page = everything[start : start + size]
        url = f"{self.rep.api}/project/search"
        body: dict[str, Any] = {
            "self": f"{url}?startAt={start}&maxResults={size}",
            "maxResults": size,
            "startAt": start,
            "total": len(everything),
            "isLast": start + size >= len(everything),
            "values": [self.rep.project(p) for p in page],
        }
        if not body["isLast"]:
            body["nextPage"] = f"{url}?startAt={start + size}&maxResults={size}"
        return _json(body)

    # -- search ------------------------------------------------------------------------------

    def removed_search(self) -> Response:
        return _json({"errorMessages": [REMOVED_SEARCH], "errors": {}}, 410)

    def search(self) -> Response:
        if request.method == "POST":
            body = _object("search/jql")
            jql, token = body.get("jql", ""), body.get("nextPageToken")
            fields, size = body.get("fields"), body.get("maxResults", SEARCH_PAGE_DEFAULT)
        else:
            jql, token = request.args.get("jql", ""), request.args.get("nextPageToken")
            fields = request.args.getlist("fields") or None
            size = _int_arg("maxResults", SEARCH_PAGE_DEFAULT)
        if not isinstance(jql, str) or not isinstance(size, int) or isinstance(size, bool):
            raise bad_request("jql must be a string and maxResults a number.")
        try:
            query = parse(jql, _actor().zone)
        except JqlError as exc:
            raise bad_request(str(exc)) from None
        if not query.bounded:
            raise bad_request(
                "Unbounded JQL queries are not allowed here. "
                "Please add a search restriction to your query."
            )
        chosen = select_fields(self.state.catalogue, fields, "id")
        limit = SEARCH_PAGE_MAX if chosen else SEARCH_PAGE_MAX_IDS
        size = max(1, min(size, limit))
        start = _page_start(token, jql)
        found = self.state.search(query)
        page = found[start : start + size]
        result: dict[str, Any] = {"issues": [self.rep.issue(i, chosen) for i in page]}
        if start + size < len(found):
            result["nextPageToken"] = _page_token(jql, start + size)
        result["isLast"] = start + size >= len(found)
        return _json(result)

    # -- issues ------------------------------------------------------------------------------

    def bulk_fetch(self) -> Response:
        body = _object("issue/bulkfetch")
        wanted = body.get("issueIdsOrKeys")
        if not isinstance(wanted, list) or not all(isinstance(i, str) for i in wanted):
            raise bad_request("issueIdsOrKeys must be a list of issue ids or keys.")
        if not wanted or len(wanted) > BULK_FETCH_MAX:
            raise bad_request(f"Give between 1 and {BULK_FETCH_MAX} issue ids or keys.")
        chosen = select_fields(self.state.catalogue, body.get("fields"), "*navigable")
        issues, errors = [], []
        for reference in dict.fromkeys(wanted):
            try:
                issues.append(self.rep.issue(self.state.issue(reference), chosen))
            except ApiError:
                errors.append(
                    {
                        "id": reference,
                        "errorMessage": "Issue does not exist or you do not have permission "
                        "to see it.",
                    }
                )
        return _json({"issues": issues, "issueErrors": errors})

    def create_issue(self) -> Response:
        body = _object("issue")
        fields = body.get("fields")
        if not isinstance(fields, dict):
            raise bad_request(errors={"fields": "The issue needs its fields."})
        issue = self.state.create_issue(fields, _actor())
        created = {"id": issue.id, "key": issue.key, "self": f"{self.rep.api}/issue/{issue.id}"}
        return _json(created, 201)

    def issue(self, id_or_key: str) -> Response:
        if request.method == "PUT":
            body = _object("issue")
            fields, update = body.get("fields", {}), body.get("update", {})
            if not isinstance(fields, dict) or not isinstance(update, dict):
                raise bad_request("fields and update must be JSON objects.")
            self.state.edit_issue(id_or_key, fields, update, _actor())
            return _empty(204)
        if request.method == "DELETE":
            self.state.delete_issue(id_or_key, _actor())
            return _empty(204)
        chosen = select_fields(self.state.catalogue, request.args.getlist("fields"), "*all")
        return _json(self.rep.issue(self.state.issue(id_or_key), chosen))

    def issue_property(self, id_or_key: str, key: str) -> Response:
        if request.method == "GET":
            value = self.state.issue_property(id_or_key, key)
            return _json({"key": key, "value": value})
        size = len(request.get_data())
        created = self.state.set_issue_property(id_or_key, key, _body(), size)
        return _empty(201 if created else 200)

    def bulk_issue_property(self, key: str) -> Response:
        """One value on the issues of ``filter.entityIds``: 303 to the task that did it.

        Jira runs the update as an asynchronous task; here it is done at once and the
        task reads COMPLETE (its first read says RUNNING, so a client must follow it).
        """
        body = _object("bulk property update")
        unknown = set(body) - {"value", "filter", "expression"}
        if unknown or "value" not in body:
            raise bad_request(errors={"value": "The request must give a value (and a filter)."})
        entity_ids = (body.get("filter") or {}).get("entityIds", [])
        if not isinstance(entity_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in entity_ids
        ):
            raise bad_request(errors={"filter": "entityIds must be a list of issue ids."})
        size = len(json.dumps(body["value"]))
        task_id = self.state.set_property_on_issues(key, body["value"], entity_ids, size)
        response = _empty(303)
        response.headers["Location"] = f"{request.host_url.rstrip('/')}{API}/task/{task_id}"
        return response

    def task(self, task_id: str) -> Response:
        return _json(self.state.task(task_id, f"{request.host_url.rstrip('/')}{API}/task"))

    def comments(self, id_or_key: str) -> Response:
        issue_id = self.state.issue(id_or_key).id
        if request.method == "POST":
            body = _object("comment")
            if not is_document(body.get("body")):
                raise bad_request(
                    errors={"comment": "Comment body must be an Atlassian Document (ADF)."}
                )
            comment = self.state.add_comment(id_or_key, body["body"], _actor())
            return _json(self.rep.comment(issue_id, comment), 201)
        everything = self.state.comments(id_or_key)
        start = _int_arg("startAt", 0)
        size = _int_arg("maxResults", 5000, low=1)
        page = everything[start : start + size]
        return _json(
            {
                "startAt": start,
                "maxResults": size,
                "total": len(everything),
                "comments": [self.rep.comment(issue_id, c) for c in page],
            }
        )

    # -- worklogs ----------------------------------------------------------------------------

    def issue_worklogs(self, id_or_key: str) -> Response:
        if request.method == "POST":
            body = _object("worklog")
            if "started" not in body:
                raise bad_request(errors={"started": "The started date is required."})
            seconds = _seconds(body, required=True)
            assert seconds is not None
            worklog = self.state.add_worklog(
                id_or_key,
                _actor(),
                _time(body["started"], "started"),
                seconds,
                comment=_comment(body, "comment"),
                estimate=_estimate("reduceBy"),
            )
            return _json(self.rep.worklog(worklog), 201)
        after = _int_arg("startedAfter", -1, low=-1)
        before = _int_arg("startedBefore", -1, low=-1)
        found = [
            w
            for w in self.state.issue_worklogs(id_or_key)
            if (after < 0 or epoch_ms(w.started) >= after)
            and (before < 0 or epoch_ms(w.started) < before)
        ]
        start = _int_arg("startAt", 0)
        size = _int_arg("maxResults", WORKLOG_PAGE_DEFAULT, low=1)
        page = found[start : start + size]
        return _json(
            {
                "startAt": start,
                "maxResults": size,
                "total": len(found),
                "worklogs": [self.rep.worklog(w) for w in page],
            }
        )

    def issue_worklog(self, id_or_key: str, worklog_id: str) -> Response:
        if request.method == "DELETE":
            self.state.delete_worklog(id_or_key, worklog_id, _actor(), _estimate("increaseBy"))
            return _empty(204)
        if request.method == "GET":
            return _json(self.rep.worklog(self.state.worklog(id_or_key, worklog_id)))
        body = _object("worklog")
        started = _time(body["started"], "started") if "started" in body else None
        worklog = self.state.update_worklog(
            id_or_key,
            worklog_id,
            _actor(),
            started=started,
            seconds=_seconds(body, required=False),
            comment=_comment(body, "comment"),
            estimate=_estimate("reduceBy"),
        )
        return _json(self.rep.worklog(worklog))

    def changed_worklogs(self) -> Response:
        return self._changes("updated", self.state.changed_worklogs)

    def deleted_worklogs(self) -> Response:
        return self._changes("deleted", self.state.deleted_worklogs)

    def _changes(self, kind: str, source: Callable[[int], Any]) -> Response:
        since = _int_arg("since", 0)
        page = source(since)
        url = f"{self.rep.api}/worklog/{kind}"
        body: dict[str, Any] = {
            "values": [
                {"worklogId": i, "updatedTime": ms, "properties": []} for i, ms in page.values
            ],
            "since": page.since,
            "until": page.until,
            "self": f"{url}?since={since}",
        }
        if not page.last:
            body["nextPage"] = f"{url}?since={page.until}"
        body["lastPage"] = page.last
        return _json(body)

    def worklog_list(self) -> Response:
        body = _object("worklog/list")
        ids = body.get("ids")
        if (
            not isinstance(ids, list)
            or not ids
            or len(ids) > WORKLOG_LIST_MAX
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
        ):
            raise bad_request(
                f"The request must contain between 1 and {WORKLOG_LIST_MAX} worklog ids."
            )
        return _json([self.rep.worklog(w) for w in self.state.worklogs(dict.fromkeys(ids))])

    # -- drills ------------------------------------------------------------------------------

    def clock(self) -> Response:
        if request.method == "POST":
            body = _object("clock")
            try:
                if "advanceSeconds" in body:
                    seconds = body["advanceSeconds"]
                    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                        raise bad_request("advanceSeconds must be a number.")
                    self.state.clock.advance(timedelta(seconds=seconds))
                elif "now" in body:
                    self.state.clock.move_to(_time(body["now"], "now"))
                else:
                    raise bad_request("Give advanceSeconds or now.")
            except ClockError as exc:
                raise bad_request(str(exc)) from None
        now = self.state.clock.now()
        return _json({"now": jira_time(now), "epochMillis": epoch_ms(now)})

    def webhooks(self) -> Response:
        if self.sender is None:
            raise ApiError(409, "The sandbox was started without a webhook URL.")
        if request.method == "POST":
            body = _object("webhooks")
            drop, duplicate = body.get("drop_next", 0), body.get("duplicate_next", 0)
            if not all(_count(n) for n in (drop, duplicate)):
                raise bad_request("drop_next and duplicate_next must be whole numbers, 0 or more.")
            self.sender.drop_next(drop)
            self.sender.duplicate_next(duplicate, new_identifier=body.get("new_identifier") is True)
            if body.get("wait") is True:
                self.sender.wait_until_idle()
        return _json(self.sender.status())

    def fault_plan(self) -> Response:
        if request.method == "POST":
            try:
                self.faults = plan_from_json(_object("faults"))
            except FaultPlanError as exc:
                raise bad_request(str(exc)) from None
        if self.faults is None:
            return _json({"rate": 0, "counts": {}})
        return _json(self.faults.status())


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _page_token(jql: str, start: int) -> str:
    raw = json.dumps({"q": _fingerprint(jql), "s": start}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _page_start(token: object, jql: str) -> int:
    if token is None:
        return 0
    data: Any = None
    if isinstance(token, str):
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except (ValueError, binascii.Error):
            data = None
    if isinstance(data, dict) and data.get("q") == _fingerprint(jql):
        start = data.get("s")
        if isinstance(start, int) and start >= 0:
            return start
    raise bad_request("The provided next page token is invalid or expired.")


def _fingerprint(jql: str) -> str:
    return hashlib.sha256(jql.encode()).hexdigest()[:16]

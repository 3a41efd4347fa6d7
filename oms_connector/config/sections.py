"""The sections of the settings tree, one model each; unknown keys are refused."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, model_validator
from pydantic_core import PydanticCustomError

from oms_connector.config.addresses import (
    AccountId,
    DatabaseUrl,
    EnvironmentVariable,
    JiraUser,
    NotifyUrl,
    SiteUrl,
)
from oms_connector.config.problems import ConfigError
from oms_connector.config.values import (
    Currency,
    FieldValueName,
    Hours,
    Label,
    Money,
    Names,
    PlanId,
    ProjectKey,
    RegularExpression,
    Text,
    Thresholds,
    TimezoneName,
    WorkTypeName,
)
from oms_connector.domain.classification import Rule, WorkType
from oms_connector.domain.plausibility import Plausibility


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MIN_SECRET_LENGTH = 16
"""The fewest characters a secret may have: a shorter one is guessed too easily."""


class EnvironmentSecret:
    """A secret read from an environment variable, and what is wrong with it, if anything.

    Unset (or empty) is ``value is None``; blank or shorter than ``MIN_SECRET_LENGTH``
    is a ``problem``, and the secret is refused wherever it is required.
    """

    def __init__(self, key: str, variable: str, what: str) -> None:
        self.key, self.variable, self.what = key, variable, what
        raw = os.environ.get(variable, "")
        self.problem: str | None = None
        if raw and not raw.strip():
            self.problem = f"{key}: the environment variable {variable} is blank (it holds {what})"
        elif raw and len(raw) < MIN_SECRET_LENGTH:
            self.problem = (
                f"{key}: the environment variable {variable} holds {len(raw)} characters; "
                f"{what} must have at least {MIN_SECRET_LENGTH}"
            )
        self._value = SecretStr(raw) if raw and self.problem is None else None

    @property
    def value(self) -> SecretStr | None:
        """The secret when it is set and acceptable."""
        return self._value

    def require(self) -> SecretStr:
        if self.problem is not None:
            raise ConfigError([self.problem])
        if self._value is None:
            raise ConfigError(
                [
                    f"{self.key}: the environment variable {self.variable} is not set "
                    f"(it holds {self.what})"
                ]
            )
        return self._value


class JiraSettings(Section):
    url: SiteUrl
    deployment: Literal["cloud", "datacenter"] = "cloud"
    user: JiraUser
    token_env: EnvironmentVariable = "OMS_JIRA_TOKEN"  # noqa: S105 - a variable name
    account_id: AccountId | None = None
    """The connector's own accountId (Cloud); looked up from Jira when not set."""
    request_type_field: Text | None = None
    """The Service Management request type field, by id (``customfield_10010``) or name."""
    timeout_seconds: int = Field(default=30, ge=1, le=600)
    retry_attempts: int = Field(default=6, ge=1, le=20)
    """Tries per request, the first included, on 429, 5xx, timeouts and lost connections."""
    max_wait_seconds: int = Field(default=300, ge=1, le=3600)
    """The longest wait honoured from a ``Retry-After`` header."""
    allow_insecure_http: bool = False
    """Allow an ``http://`` site other than this machine (the token would cross the
    network in the clear); a loopback address such as the sandbox's needs no leave."""

    _token: EnvironmentSecret | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _read_token(self) -> Self:
        self._token = EnvironmentSecret("jira.token_env", self.token_env, "the Jira token")
        return self

    @property
    def environment_secret(self) -> EnvironmentSecret:
        assert self._token is not None
        return self._token

    @property
    def token(self) -> SecretStr | None:
        """The API token (Cloud) or personal access token (Data Center), if set and usable."""
        return self.environment_secret.value

    def require_token(self) -> SecretStr:
        return self.environment_secret.require()


class DatabaseSettings(Section):
    url: DatabaseUrl = "sqlite:///oms.sqlite3"


class WebhookSettings(Section):
    secret_env: EnvironmentVariable = "OMS_WEBHOOK_SECRET"  # noqa: S105 - a variable name
    allow_unsigned: bool = False
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    inbox_retention_days: int = Field(default=30, ge=1, le=3_660)
    """Processed events are deleted this many days after they were applied."""

    _secret: EnvironmentSecret | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _read_secret(self) -> Self:
        self._secret = EnvironmentSecret(
            "webhook.secret_env", self.secret_env, "the webhook secret"
        )
        return self

    @property
    def environment_secret(self) -> EnvironmentSecret:
        assert self._secret is not None
        return self._secret

    @property
    def secret(self) -> SecretStr | None:
        """The shared secret Jira signs webhooks with, if set and usable."""
        return self.environment_secret.value

    def require_secret(self) -> SecretStr:
        return self.environment_secret.require()


class PagesSettings(Section):
    """The statement pages served next to the webhook."""

    admin_token_env: EnvironmentVariable = "OMS_ADMIN_TOKEN"  # noqa: S105 - a variable name

    _admin_token: EnvironmentSecret | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _read_token(self) -> Self:
        self._admin_token = EnvironmentSecret(
            "pages.admin_token_env", self.admin_token_env, "the statement pages' admin token"
        )
        return self

    @property
    def environment_secret(self) -> EnvironmentSecret:
        assert self._admin_token is not None
        return self._admin_token

    @property
    def admin_token(self) -> SecretStr | None:
        return self.environment_secret.value

    def require_admin_token(self) -> SecretStr:
        return self.environment_secret.require()


class DefaultsSettings(Section):
    oms_rate: Money = Decimal("35.00")
    priority_rate: Money = Decimal("62.50")
    currency: Currency = "USD"
    timezone: TimezoneName = "UTC"
    close_grace_days: int = Field(default=3, ge=0)
    rounding_increment_hours: Hours = Field(default=Decimal("0.01"), gt=0)
    min_hours_per_month: Hours = Decimal(10)
    min_term_months: int = Field(default=3, ge=1)
    overage_uses_priority_bank: bool = True


class BankPurchaseSettings(Section):
    purchased_on: date
    hours: Hours = Field(gt=0)
    price: Money | None = None
    """What the client pays; default: the hours at the priority rate of the purchase date."""
    invoice: bool = True
    """False for a purchase invoiced outside the connector: its hours count, unbilled."""


class TermSettings(Section):
    starts_on: date
    hours_per_month: Hours = Field(gt=0)
    term_months: int = Field(ge=1)
    oms_rate: Money | None = None
    priority_rate: Money | None = None


class PlanAlertSettings(Section):
    thresholds: Thresholds


class PlanSettings(Section):
    id: PlanId
    customer: Text
    jira_projects: list[ProjectKey] = Field(min_length=1)
    hours_per_month: Hours | None = Field(default=None, gt=0)
    """The one-term shorthand, with ``term_months``: one term from ``enrolled_on``."""
    term_months: int | None = Field(default=None, ge=1)
    terms: list[TermSettings] | None = None
    """The agreement's terms in order; an empty list for priority support only."""
    enrolled_on: date
    timezone: TimezoneName | None = None
    auto_renew: bool = False
    ends_on: date | None = None
    billing_starts_on: date | None = None
    rounding_increment_hours: Hours | None = Field(default=None, gt=0)
    priority_bank: list[BankPurchaseSettings] = Field(default_factory=list)
    oms_rate: Money | None = None
    priority_rate: Money | None = None
    currency: Currency | None = None
    overage_uses_priority_bank: bool | None = None
    alerts: PlanAlertSettings | None = None


class OverrideLabels(Section):
    oms: Label = "oms-override-oms"
    priority: Label = "oms-override-priority"

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if self.oms.casefold() == self.priority.casefold():
            raise PydanticCustomError("same_labels", "the oms and priority labels must differ")
        return self


class RuleSettings(Section):
    name: Text
    work_type: WorkTypeName
    priority: Names = Field(default_factory=list)
    issue_type: Names = Field(default_factory=list)
    labels: Names = Field(default_factory=list)
    components: Names = Field(default_factory=list)
    request_type: Names = Field(default_factory=list)
    text: RegularExpression | None = None

    @model_validator(mode="after")
    def _has_condition(self) -> Self:
        lists = (self.priority, self.issue_type, self.labels, self.components, self.request_type)
        if not any(lists) and self.text is None:
            raise PydanticCustomError(
                "rule_without_condition",
                "a rule needs at least one condition (priority, issue_type, labels, components, "
                "request_type or text)",
            )
        return self

    def to_rule(self) -> Rule:
        return Rule(
            name=self.name,
            work_type=WorkType(self.work_type),
            issue_types=frozenset(self.issue_type),
            priorities=frozenset(self.priority),
            labels=frozenset(self.labels),
            components=frozenset(self.components),
            request_types=frozenset(self.request_type),
            text=re.compile(self.text) if self.text is not None else None,
        )


class ClassificationSettings(Section):
    default: WorkTypeName = "oms"
    override_labels: OverrideLabels = Field(default_factory=OverrideLabels)
    override_field: Text | None = None
    rules: list[RuleSettings] = Field(default_factory=list)


class WritebackLabels(Section):
    oms: Label = "oms-planned"
    priority: Label = "priority-support"


class WritebackSettings(Section):
    enabled: bool = True
    label: bool = True
    property: bool = True
    comment: bool = True
    fields: bool = False
    labels: WritebackLabels = Field(default_factory=WritebackLabels)
    property_key: Text = "oms-connector"
    budget_property_key: Text = "oms-connector-budget"
    refresh_seconds: int = Field(default=60, ge=1, le=86_400)
    """The most often one plan's budget is written to its tickets (one bulk call each time)."""
    field_names: dict[FieldValueName, Text] = Field(default_factory=dict)


class ServerSettings(Section):
    """The HTTP server of ``oms-connector serve`` (``oms_connector.commands.http_server``)."""

    threads: int = Field(default=8, ge=1, le=64)
    """Requests served at once; a slow client holds none until its request is whole."""
    connection_limit: int = Field(default=2_000, ge=1, le=10_000)
    """Connections open at once; more wait in the listen backlog."""
    idle_timeout_seconds: int = Field(default=30, ge=1, le=3_600)
    """A connection that sends nothing for this long is closed."""


class WorkerSettings(Section):
    interval_seconds: int = Field(default=60, ge=1)


class SyncSettings(Section):
    overlap_seconds: int = Field(default=120, ge=60)
    reconcile_every_passes: int = Field(default=60, ge=0)
    """Every this many worker passes, the stored live issues are read back from Jira
    (moves out of the mapped projects); 0 turns it off (``sync --once --reconcile`` still does)."""
    backfill_writes_back: Literal["recent", "all"] = "recent"
    """``sync --once --since``: write back every ticket read (``all``), or leave out the
    resolved ones without work in the current or previous period (``recent``)."""


class QuarantineSettings(Section):
    """The bounds of a plausible worklog; one outside them is held, not counted."""

    history_days: int = Field(default=365, ge=0, le=3_660)
    """How many days before its plan's enrolment a worklog may have started."""
    ahead_days: int = Field(default=1, ge=0, le=36_600)
    """How many days after now a worklog may have started."""
    max_worklog_hours: int = Field(default=24, ge=1, le=8_784)
    """The longest worklog counted."""
    clock_skew_seconds: int = Field(default=300, ge=0, le=36_600 * 86_400)
    """How far in the future a worklog's ``updated`` may be."""

    def plausibility(self) -> Plausibility:
        return Plausibility(
            history=timedelta(days=self.history_days),
            ahead=timedelta(days=self.ahead_days),
            max_seconds=self.max_worklog_hours * 3600,
            clock_skew=timedelta(seconds=self.clock_skew_seconds),
        )


class AlertSettings(Section):
    thresholds: Thresholds = (80, 100)
    notify_url: NotifyUrl | None = None
    comment: bool = True
    renewal_reminder_days: int = Field(default=30, ge=0, le=366)
    """Days before a plan's last term ends that ``notify_url`` is told, once; 0: never."""

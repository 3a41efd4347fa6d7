"""The settings tree: one YAML file, overridden from the environment, secrets only from it.

Where the file is: ``--config PATH``, else the environment variable ``OMS_CONFIG``,
else ``./config.yaml``.

Environment overrides: any key can be set with the prefix ``OMS_`` and ``__`` between
nested keys, e.g. ``OMS_DATABASE__URL`` overrides ``database.url`` and
``OMS_WEBHOOK__ALLOW_UNSIGNED=true`` overrides ``webhook.allow_unsigned``. A whole
section or list may be given as JSON (``OMS_PLANS='[...]'``). The environment wins
over the file.

Secrets (the Jira token, the webhook secret, the admin token of the statement pages)
never live in the file: the file names the environment variables that hold them
(``jira.token_env``, ``webhook.secret_env``, ``pages.admin_token_env``) and they are
read from there as ``SecretStr`` when the settings are loaded.

Numbers in the file are read exactly: ``35.5`` is the decimal 35.5, never a binary
float, and only ``true``/``false`` are booleans (``on``, ``no``… stay strings).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from oms_connector.domain.classification import Classifier, Rule, WorkType
from oms_connector.domain.money import hours_to_seconds
from oms_connector.domain.plans import BankPurchase, Plan

DEFAULT_CONFIG_PATH = Path("config.yaml")
CONFIG_PATH_VARIABLE = "OMS_CONFIG"
ENV_PREFIX = "OMS_"
ENV_NESTED_DELIMITER = "__"

_T = TypeVar("_T")


class ConfigError(Exception):
    """A configuration that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --- value types -----------------------------------------------------------------------


def _exact_decimal(value: object) -> object:
    """Decimal from a string, an int or a Decimal; a binary float is refused, never rounded."""
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "must be a number, not a boolean")
    if isinstance(value, float):
        raise PydanticCustomError(
            "float_number",
            'must be written as a quoted decimal string such as "35.50", not a float',
        )
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise PydanticCustomError(
                "decimal_parsing", "'{value}' is not a decimal number", {"value": value}
            ) from None
    return value


def _whole_seconds(value: Decimal) -> Decimal:
    try:
        hours_to_seconds(value)
    except ValueError as error:
        raise PydanticCustomError("whole_seconds", "{error}", {"error": str(error)}) from None
    return value


Money = Annotated[Decimal, BeforeValidator(_exact_decimal), Field(ge=0)]
"""A rate: exact, finite, not negative."""

Hours = Annotated[
    Decimal,
    BeforeValidator(_exact_decimal),
    AfterValidator(_whole_seconds),
    Field(ge=0),
]
"""Hours that are a whole number of seconds."""


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        raise PydanticCustomError(
            "unknown_timezone", "unknown timezone '{name}'", {"name": name}
        ) from None
    return name


TimezoneName = Annotated[str, AfterValidator(_known_timezone)]

_CREDENTIAL_HINTS = ("atatt", "bearer ", "basic ")

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def _environment_variable_name(name: str) -> str:
    # The value is not echoed: a pasted secret must not end up in a log.
    if not _ENV_NAME.fullmatch(name):
        raise PydanticCustomError(
            "env_name",
            "must be the name of an environment variable (capital letters, digits and "
            "underscores), not the secret itself",
        )
    return name


EnvironmentVariable = Annotated[str, AfterValidator(_environment_variable_name)]

_CURRENCY = re.compile(r"[A-Z]{3}")


def _currency_code(code: str) -> str:
    if not _CURRENCY.fullmatch(code):
        raise PydanticCustomError(
            "currency", "'{code}' is not a three-letter ISO 4217 code such as USD", {"code": code}
        )
    return code


Currency = Annotated[str, AfterValidator(_currency_code)]

_PLAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def _plan_id(value: str) -> str:
    if not _PLAN_ID.fullmatch(value):
        raise PydanticCustomError(
            "plan_id",
            "'{value}' must be 1 to 64 letters, digits, '-' or '_' (it is part of statement "
            "numbers), starting with a letter or digit",
            {"value": value},
        )
    return value


_PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9_]+")


def _project_key(value: str) -> str:
    if not _PROJECT_KEY.fullmatch(value):
        raise PydanticCustomError(
            "project_key",
            "'{value}' is not a Jira project key (capital letters, digits and underscores, "
            "starting with a letter, such as ACME)",
            {"value": value},
        )
    return value


def _label(value: str) -> str:
    if not value or any(c.isspace() for c in value):
        raise PydanticCustomError(
            "jira_label", "'{value}' is not a Jira label (one word, no spaces)", {"value": value}
        )
    return value


def _nonblank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _one_or_many(value: object) -> object:
    """``labels: urgent`` means ``labels: [urgent]``."""
    return [value] if isinstance(value, str) else value


def _pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise PydanticCustomError(
            "regex", "invalid regular expression: {error}", {"error": str(error)}
        ) from None
    return value


Text = Annotated[str, AfterValidator(_nonblank)]
PlanId = Annotated[str, AfterValidator(_plan_id)]
ProjectKey = Annotated[str, AfterValidator(_project_key)]
Label = Annotated[str, AfterValidator(_label)]
Names = Annotated[list[Text], BeforeValidator(_one_or_many)]
WorkTypeName = Literal["oms", "priority"]

FieldValueName = Literal[
    "work_type", "reason", "plan_id", "hours_included", "hours_used", "hours_remaining"
]
"""What a write-back custom field can hold (the services' ``FieldValue`` values)."""

QuickBooksDateFormat = Literal["MM/DD/YYYY", "DD/MM/YYYY", "YYYY-MM-DD"]

_ACCOUNT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9:-]{0,127}")


def _account_id(value: str) -> str:
    # Not echoed either: a pasted token must not end up in a log.
    if value.casefold().startswith(_CREDENTIAL_HINTS) or not _ACCOUNT_ID.fullmatch(value):
        raise PydanticCustomError(
            "account_id",
            "must be a Jira Cloud accountId (letters, digits, ':' and '-', such as "
            "5b10ac8d82e05b22cc7d4ef5), not a name or a credential",
        )
    return value


def _sorted_unique(values: tuple[int, ...]) -> tuple[int, ...]:
    for i, value in enumerate(values):
        if value in values[:i]:
            raise PydanticCustomError(
                "duplicate_threshold", "{value} is listed twice", {"value": value}
            )
    return tuple(sorted(values))


def _notify_url(value: object) -> object:
    # The URL may carry a token in its path or query: only its host is ever shown.
    if not isinstance(value, str):
        return value
    try:
        parts = urlsplit(value)
        usable = parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:
        usable = False
    if not usable:
        raise PydanticCustomError(
            "notify_url", "must be an http or https address such as https://hooks.example.com/..."
        )
    return value


def _code_text(value: object) -> object:
    """An account code written as a bare number (``200``) is kept as its text."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


_BEANCOUNT_ACCOUNT = re.compile(r"[A-Z][A-Za-z0-9-]*(:[A-Z0-9][A-Za-z0-9-]*)+")


def _beancount_account(root: str) -> AfterValidator:
    def check(account: str) -> str:
        if not _BEANCOUNT_ACCOUNT.fullmatch(account) or account.split(":", 1)[0] != root:
            raise PydanticCustomError(
                "beancount_account",
                "'{account}' is not a Beancount account under {root} (such as {root}:Example, "
                "components starting with a capital letter or a digit)",
                {"account": account, "root": root},
            )
        return account

    return AfterValidator(check)


AccountId = Annotated[str, AfterValidator(_account_id)]
Threshold = Annotated[int, Field(strict=True, ge=1, le=1000)]
Thresholds = Annotated[tuple[Threshold, ...], AfterValidator(_sorted_unique)]
"""Percentages of a month's hours, 1 to 1000, each once; kept in increasing order."""
NotifyUrl = Annotated[SecretStr, BeforeValidator(_notify_url)]
AccountCode = Annotated[str, BeforeValidator(_code_text), AfterValidator(_nonblank)]
IncomeAccount = Annotated[str, _beancount_account("Income")]
ReceivableAccount = Annotated[str, _beancount_account("Assets")]


# --- sections --------------------------------------------------------------------------


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _secret_from_environment(name: str) -> SecretStr | None:
    value = os.environ.get(name, "")
    return SecretStr(value) if value else None


def _missing_secret(key: str, name: str, what: str) -> ConfigError:
    return ConfigError([f"{key}: the environment variable {name} is not set (it holds {what})"])


def _site_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise PydanticCustomError(
            "site_url", "must be an http or https address such as https://example.atlassian.net"
        )
    if parts.username or parts.password or parts.query:
        raise PydanticCustomError(
            "credential_in_url",
            "must not carry credentials or a query; set the token in the environment variable "
            "named by jira.token_env",
        )
    return url.rstrip("/")


def _account(user: str) -> str:
    if ":" in user or user.casefold().startswith(_CREDENTIAL_HINTS):
        raise PydanticCustomError(
            "credential_in_user",
            "looks like a credential; write the account (e-mail address or user name) here and "
            "set the token in the environment variable named by jira.token_env",
        )
    return user


def _database_url(url: str) -> str:
    scheme = url.partition(":")[0].partition("+")[0]
    if scheme not in {"sqlite", "postgresql"} or "://" not in url:
        raise PydanticCustomError(
            "database_url", "must be sqlite:///PATH or postgresql+psycopg://USER@HOST/NAME"
        )
    return url


class JiraSettings(Section):
    url: Annotated[str, AfterValidator(_site_url)]
    """The site's base URL, without a trailing slash."""
    deployment: Literal["cloud", "datacenter"] = "cloud"
    user: Annotated[str, AfterValidator(_nonblank), AfterValidator(_account)]
    token_env: EnvironmentVariable = "OMS_JIRA_TOKEN"  # noqa: S105 - a variable name
    account_id: AccountId | None = None
    """The connector's own accountId (Cloud); looked up from Jira when not set."""
    request_type_field: Text | None = None
    """The Service Management request type field, by id (``customfield_10010``) or name."""

    _token: SecretStr | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _read_token(self) -> Self:
        self._token = _secret_from_environment(self.token_env)
        return self

    @property
    def token(self) -> SecretStr | None:
        """The API token (Cloud) or personal access token (Data Center), if set."""
        return self._token

    def require_token(self) -> SecretStr:
        if self._token is None:
            raise _missing_secret("jira.token_env", self.token_env, "the Jira token")
        return self._token


class DatabaseSettings(Section):
    url: Annotated[str, AfterValidator(_database_url)] = "sqlite:///oms.sqlite3"


class WebhookSettings(Section):
    secret_env: EnvironmentVariable = "OMS_WEBHOOK_SECRET"  # noqa: S105 - a variable name
    allow_unsigned: bool = False
    max_body_bytes: int = Field(default=1_048_576, gt=0)

    _secret: SecretStr | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _read_secret(self) -> Self:
        self._secret = _secret_from_environment(self.secret_env)
        return self

    @property
    def secret(self) -> SecretStr | None:
        """The shared secret Jira signs webhooks with, if set."""
        return self._secret

    def require_secret(self) -> SecretStr:
        if self._secret is None:
            raise _missing_secret("webhook.secret_env", self.secret_env, "the webhook secret")
        return self._secret


class PagesSettings(Section):
    """The statement pages served next to the webhook."""

    admin_token_env: EnvironmentVariable = "OMS_ADMIN_TOKEN"  # noqa: S105 - a variable name

    _admin_token: SecretStr | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _read_token(self) -> Self:
        self._admin_token = _secret_from_environment(self.admin_token_env)
        return self

    @property
    def admin_token(self) -> SecretStr | None:
        return self._admin_token

    def require_admin_token(self) -> SecretStr:
        if self._admin_token is None:
            raise _missing_secret(
                "pages.admin_token_env", self.admin_token_env, "the statement pages' admin token"
            )
        return self._admin_token


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


class PlanAlertSettings(Section):
    thresholds: Thresholds


class PlanSettings(Section):
    id: PlanId
    customer: Text
    jira_projects: list[ProjectKey] = Field(min_length=1)
    hours_per_month: Hours = Field(gt=0)
    term_months: int = Field(ge=1)
    enrolled_on: date
    timezone: TimezoneName | None = None
    auto_renew: bool = False
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
    text: Annotated[str, AfterValidator(_pattern)] | None = None

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
    field_names: dict[FieldValueName, Text] = Field(default_factory=dict)


class WorkerSettings(Section):
    interval_seconds: int = Field(default=60, ge=1)


class SyncSettings(Section):
    overlap_seconds: int = Field(default=120, ge=60)


class AlertSettings(Section):
    thresholds: Thresholds = (80, 100)
    notify_url: NotifyUrl | None = None
    comment: bool = True


class BookingSettings(Section):
    """Where one kind of billed line is booked; the defaults suit a US agency without sales tax."""

    account_code: AccountCode = "200"
    tax_type: Text = "Tax Exempt"
    item: Text
    income_account: IncomeAccount


class SubscriptionBooking(BookingSettings):
    item: Text = "OMS plan"
    income_account: IncomeAccount = "Income:OMS:Subscription"


class OverageBooking(BookingSettings):
    item: Text = "OMS overage"
    income_account: IncomeAccount = "Income:OMS:Overage"


class PriorityBooking(BookingSettings):
    item: Text = "Priority support"
    income_account: IncomeAccount = "Income:OMS:Priority"


class BookingsSettings(Section):
    subscription: SubscriptionBooking = Field(default_factory=SubscriptionBooking)
    overage: OverageBooking = Field(default_factory=OverageBooking)
    priority: PriorityBooking = Field(default_factory=PriorityBooking)


class ExportsSettings(Section):
    due_days: int = Field(default=30, ge=0)
    quickbooks_terms: Text | None = None
    quickbooks_date_format: QuickBooksDateFormat = "MM/DD/YYYY"
    receivable_account: ReceivableAccount = "Assets:Receivable"
    bookings: BookingsSettings = Field(default_factory=BookingsSettings)


# --- the tree --------------------------------------------------------------------------


class Settings(BaseSettings):
    """Everything the connector is configured with; build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        extra="forbid",
        frozen=True,
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        case_sensitive=False,
    )

    jira: JiraSettings
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    pages: PagesSettings = Field(default_factory=PagesSettings)
    defaults: DefaultsSettings = Field(default_factory=DefaultsSettings)
    plans: list[PlanSettings] = Field(min_length=1)
    classification: ClassificationSettings = Field(default_factory=ClassificationSettings)
    writeback: WritebackSettings = Field(default_factory=WritebackSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    exports: ExportsSettings = Field(default_factory=ExportsSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],  # noqa: ARG003
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the file's values; no .env file, no secrets directory.
        return (env_settings, init_settings)

    @model_validator(mode="after")
    def _check_across_sections(self) -> Self:
        problems = [
            *_jira_problems(self.jira),
            *_plan_problems(self),
            *_rule_problems(self.classification),
            *_writeback_problems(self.writeback),
        ]
        if problems:
            raise ConfigError(problems)
        return self

    def domain_plans(self) -> list[Plan]:
        return [self._domain_plan(plan) for plan in self.plans]

    def plan(self, plan_id: str) -> Plan:
        """The plan with this id; ``KeyError`` when there is none."""
        for plan in self.plans:
            if plan.id == plan_id:
                return self._domain_plan(plan)
        raise KeyError(plan_id)

    def classifier(self) -> Classifier:
        labels = self.classification.override_labels
        return Classifier(
            default=WorkType(self.classification.default),
            override_labels={WorkType.OMS: labels.oms, WorkType.PRIORITY: labels.priority},
            rules=tuple(rule.to_rule() for rule in self.classification.rules),
        )

    def plan_thresholds(self) -> dict[str, tuple[int, ...]]:
        """The alert thresholds of the plans that set their own."""
        return {plan.id: plan.alerts.thresholds for plan in self.plans if plan.alerts is not None}

    def _domain_plan(self, plan: PlanSettings) -> Plan:
        defaults = self.defaults
        return Plan(
            id=plan.id,
            customer=plan.customer,
            hours_per_month=plan.hours_per_month,
            term_months=plan.term_months,
            enrolled_on=plan.enrolled_on,
            timezone=ZoneInfo(plan.timezone or defaults.timezone),
            auto_renew=plan.auto_renew,
            oms_rate=_either(plan.oms_rate, defaults.oms_rate),
            priority_rate=_either(plan.priority_rate, defaults.priority_rate),
            currency=plan.currency or defaults.currency,
            rounding_increment=defaults.rounding_increment_hours,
            priority_bank=tuple(
                BankPurchase(purchased_on=p.purchased_on, hours=p.hours) for p in plan.priority_bank
            ),
            overage_uses_priority_bank=_either(
                plan.overage_uses_priority_bank, defaults.overage_uses_priority_bank
            ),
            jira_projects=tuple(plan.jira_projects),
        )


def _either(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def _plan_problems(settings: Settings) -> Iterator[str]:
    defaults = settings.defaults
    first_index: dict[str, int] = {}
    project_owner: dict[str, int] = {}
    for i, plan in enumerate(settings.plans):
        where = f"plans[{i}]"
        if plan.hours_per_month < defaults.min_hours_per_month:
            yield (
                f"{where}.hours_per_month: {plan.hours_per_month} is below the minimum of "
                f"{defaults.min_hours_per_month} hours a month"
            )
        if plan.term_months < defaults.min_term_months:
            yield (
                f"{where}.term_months: {plan.term_months} is below the minimum term of "
                f"{defaults.min_term_months} months"
            )
        if plan.id in first_index:
            yield f"{where}.id: {plan.id!r} is already the id of plans[{first_index[plan.id]}]"
        first_index.setdefault(plan.id, i)
        for j, key in enumerate(plan.jira_projects):
            owner = project_owner.setdefault(key, i)
            if owner != i:
                other = settings.plans[owner].id
                yield (
                    f"{where}.jira_projects[{j}]: project {key} is already mapped to plan "
                    f"{other!r} (plans[{owner}]); a project belongs to one plan"
                )


def _jira_problems(jira: JiraSettings) -> Iterator[str]:
    if jira.account_id is not None and jira.deployment != "cloud":
        yield "jira.account_id: only Jira Cloud has account ids (jira.deployment is datacenter)"


def _writeback_problems(writeback: WritebackSettings) -> Iterator[str]:
    if writeback.fields and not writeback.field_names:
        yield (
            "writeback.field_names: names no field, but writeback.fields is true "
            "(name the fields to fill, or set writeback.fields to false)"
        )


def _rule_problems(classification: ClassificationSettings) -> Iterator[str]:
    first_index: dict[str, int] = {}
    for i, rule in enumerate(classification.rules):
        if rule.name in first_index:
            yield (
                f"classification.rules[{i}].name: {rule.name!r} is already the name of "
                f"classification.rules[{first_index[rule.name]}]"
            )
        first_index.setdefault(rule.name, i)


# --- reading the file ------------------------------------------------------------------


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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [f"no such file (give --config PATH or set {CONFIG_PATH_VARIABLE})"]
        ) from None
    except IsADirectoryError:
        raise ConfigError(["is a directory, not a configuration file"]) from None
    except UnicodeDecodeError:
        raise ConfigError(["is not UTF-8 text"]) from None
    except OSError as error:
        raise ConfigError([f"cannot be read: {error.strerror}"]) from None
    try:
        data = yaml.load(text, Loader=_ConfigLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        raise ConfigError([_yaml_problem(error)]) from None
    except yaml.YAMLError as error:
        raise ConfigError([f"invalid YAML: {error}"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            ["must hold a mapping of sections (jira, database, plans, ...) at the top level"]
        )
    return data


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"invalid YAML{where}: {error.problem or error.context}"


# --- validating ------------------------------------------------------------------------


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """The settings of the file at ``path`` with the environment's overrides.

    Raises ``ConfigError`` listing every problem found, one line each.
    """
    return settings_from_mapping(read_config_file(Path(path)))


def settings_from_mapping(data: Mapping[Any, Any]) -> Settings:
    """Validate a parsed configuration (with the environment's overrides)."""
    problems = [f"{key}: unknown key" for key in data if not _plain_key(key)]
    problems.extend(_secrets_in_file(data))
    fields = {key: value for key, value in data.items() if _plain_key(key)}
    try:
        from_environment = _environment_paths()
        settings = Settings(**fields)
    except ValidationError as error:
        problems.extend(_problem(details, from_environment) for details in error.errors())
    except ConfigError as error:
        problems.extend(error.problems)
    except SettingsError as error:
        problems.append(f"environment: {error}")
    if problems:
        raise ConfigError(problems)
    return settings


def _plain_key(key: object) -> bool:
    # Keyword arguments starting with "_" configure pydantic-settings itself (which files
    # it reads): the file must never reach them.
    return isinstance(key, str) and not key.startswith("_")


def _secrets_in_file(data: Mapping[Any, Any]) -> Iterator[str]:
    database = data.get("database")
    url = database.get("url") if isinstance(database, dict) else None
    if isinstance(url, str) and urlsplit(url).password:
        env_name = ENV_PREFIX + "DATABASE" + ENV_NESTED_DELIMITER + "URL"
        yield (
            "database.url: a password must not be written in the configuration file; "
            f"set the whole URL in the environment variable {env_name}"
        )


def _environment_paths() -> dict[tuple[str, ...], str]:
    """Key paths set from the environment, with the variable that sets each."""
    paths: dict[tuple[str, ...], str] = {}
    for name in os.environ:
        if name.upper().startswith(ENV_PREFIX):
            path = tuple(name[len(ENV_PREFIX) :].lower().split(ENV_NESTED_DELIMITER))
            if path[0] in Settings.model_fields:
                paths[path] = name
    return paths


_SECRET_WORDS = ("token", "secret", "password", "passwd", "apikey", "api_key", "credential")
_SECRET_VARIABLE_KEY = {
    "jira": "jira.token_env",
    "webhook": "webhook.secret_env",
    "pages": "pages.admin_token_env",
}


def _problem(details: ErrorDetails, from_environment: Mapping[tuple[str, ...], str]) -> str:
    loc = details["loc"]
    line = f"{key_path(loc)}: {_reason(details)}"
    for length in range(len(loc), 0, -1):
        variable = from_environment.get(tuple(str(part) for part in loc[:length]))
        if variable is not None:
            return f"{line} (set by the environment variable {variable})"
    return line


def key_path(loc: Sequence[int | str]) -> str:
    """``("plans", 1, "term_months")`` -> ``plans[1].term_months``."""
    path = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker of a mapping key: the path already names it
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else part
    return path or "(top level)"


def _reason(details: ErrorDetails) -> str:
    kind, loc = details["type"], details["loc"]
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return _unknown_key_reason(loc)
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "must be a mapping of keys to values"
    message = details["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _unknown_key_reason(loc: tuple[int | str, ...]) -> str:
    key = str(loc[-1]).casefold()
    if key.endswith("_env") or not any(word in key for word in _SECRET_WORDS):
        return "unknown key"
    variable_key = _SECRET_VARIABLE_KEY.get(str(loc[0]))
    if variable_key is None:
        return "secrets must not be written in the configuration file; set them in the environment"
    return (
        "secrets must not be written in the configuration file; set the environment variable "
        f"named by {variable_key}"
    )

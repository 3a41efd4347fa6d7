"""The settings tree: its sections, the checks across them, and the domain objects it describes.

The plans and the classifier come from here; the entry points build everything else
(write-back, alerts, exports) from the sections in ``oms_connector.bootstrap``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Self, TypeVar

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from oms_connector.config.addresses import is_insecure_http
from oms_connector.config.agreements import agreement_problems, domain_plan
from oms_connector.config.exports import ExportsSettings
from oms_connector.config.problems import ConfigError
from oms_connector.config.sections import (
    AlertSettings,
    ClassificationSettings,
    DatabaseSettings,
    DefaultsSettings,
    JiraSettings,
    PagesSettings,
    PlanSettings,
    QuarantineSettings,
    ServerSettings,
    SyncSettings,
    WebhookSettings,
    WorkerSettings,
    WritebackSettings,
)
from oms_connector.domain.classification import Classifier, WorkType
from oms_connector.domain.plans import Plan

ENV_PREFIX = "OMS_"
ENV_NESTED_DELIMITER = "__"

_T = TypeVar("_T")


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
    server: ServerSettings = Field(default_factory=ServerSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    quarantine: QuarantineSettings = Field(default_factory=QuarantineSettings)
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
        return [domain_plan(plan, self.defaults) for plan in self.plans]

    def plan(self, plan_id: str) -> Plan:
        """The plan with this id; ``KeyError`` when there is none."""
        for plan in self.plans:
            if plan.id == plan_id:
                return domain_plan(plan, self.defaults)
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


def _plan_problems(settings: Settings) -> Iterator[str]:
    defaults = settings.defaults
    first_index: dict[str, int] = {}
    project_owner: dict[str, int] = {}
    for i, plan in enumerate(settings.plans):
        where = f"plans[{i}]"
        yield from agreement_problems(plan, where, defaults)
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
    if is_insecure_http(jira.url) and not jira.allow_insecure_http:
        yield (
            f"jira.url: {jira.url} is plain http, which would send the Jira token in the "
            "clear; use https, or set jira.allow_insecure_http: true"
        )


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

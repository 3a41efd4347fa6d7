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

``serve`` and ``worker`` hold the settings in a ``CurrentConfig`` (``current.py``), which
reloads the same file, with the same overrides, when SIGHUP asks for it.

Numbers in the file are read exactly: ``35.5`` is the decimal 35.5, never a binary
float, and only ``true``/``false`` are booleans (``on``, ``no``… stay strings).
"""

from __future__ import annotations

from oms_connector.config.current import CurrentConfig, LoadedConfig, load_config
from oms_connector.config.exports import (
    BookingSettings,
    BookingsSettings,
    ExportsSettings,
    OverageBooking,
    PrepaidBooking,
    PriorityBooking,
    SubscriptionBooking,
)
from oms_connector.config.files import (
    CONFIG_PATH_VARIABLE,
    DEFAULT_CONFIG_PATH,
    config_path,
    read_config_file,
)
from oms_connector.config.loading import load_settings, settings_from_mapping
from oms_connector.config.problems import ConfigError, key_path
from oms_connector.config.sections import (
    AlertSettings,
    BankPurchaseSettings,
    ClassificationSettings,
    DatabaseSettings,
    DefaultsSettings,
    JiraSettings,
    OverrideLabels,
    PagesSettings,
    PlanAlertSettings,
    PlanSettings,
    RuleSettings,
    SyncSettings,
    WebhookSettings,
    WorkerSettings,
    WritebackLabels,
    WritebackSettings,
)
from oms_connector.config.tree import ENV_NESTED_DELIMITER, ENV_PREFIX, Settings
from oms_connector.config.values import FieldValueName, QuickBooksDateFormat, WorkTypeName

__all__ = [
    "CONFIG_PATH_VARIABLE",
    "DEFAULT_CONFIG_PATH",
    "ENV_NESTED_DELIMITER",
    "ENV_PREFIX",
    "AlertSettings",
    "BankPurchaseSettings",
    "BookingSettings",
    "BookingsSettings",
    "ClassificationSettings",
    "ConfigError",
    "CurrentConfig",
    "DatabaseSettings",
    "DefaultsSettings",
    "ExportsSettings",
    "FieldValueName",
    "JiraSettings",
    "LoadedConfig",
    "OverageBooking",
    "OverrideLabels",
    "PagesSettings",
    "PlanAlertSettings",
    "PlanSettings",
    "PrepaidBooking",
    "PriorityBooking",
    "QuickBooksDateFormat",
    "RuleSettings",
    "Settings",
    "SubscriptionBooking",
    "SyncSettings",
    "WebhookSettings",
    "WorkTypeName",
    "WorkerSettings",
    "WritebackLabels",
    "WritebackSettings",
    "config_path",
    "key_path",
    "load_config",
    "load_settings",
    "read_config_file",
    "settings_from_mapping",
]

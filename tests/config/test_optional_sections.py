"""The Jira field and account keys, sync, alerts, write-back field names and exports."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from oms_connector.adapters.exports.settings import QuickBooksDateFormat
from oms_connector.config import (
    ConfigError,
    FieldValueName,
    load_settings,
    settings_from_mapping,
)
from oms_connector.config import QuickBooksDateFormat as ConfigDateFormat
from oms_connector.services.writeback import FieldValue
from tests.config.files import VALID, write

PLAN_ALERTS = "enrolled_on: 2026-01-31, alerts: {thresholds: [90, 50]}"
TOKEN_URL = "https://hooks.example.com/services/T000/B000/s3cr3t"

BAD = [
    pytest.param(
        VALID.replace("user:", "account_id: 'bot account', user:"),
        [
            "jira.account_id: must be a Jira Cloud accountId (letters, digits, ':' and '-', "
            "such as 5b10ac8d82e05b22cc7d4ef5), not a name or a credential"
        ],
        id="account id with a space",
    ),
    pytest.param(
        VALID.replace(
            "user:", "deployment: datacenter, account_id: 5b10ac8d82e05b22cc7d4ef5, user:"
        ),
        ["jira.account_id: only Jira Cloud has account ids (jira.deployment is datacenter)"],
        id="account id on Data Center",
    ),
    pytest.param(
        VALID.replace("user:", "request_type_field: ' ', user:"),
        ["jira.request_type_field: must not be empty"],
        id="blank request type field",
    ),
    pytest.param(
        VALID.replace("user:", "retry_attempts: 0, max_wait_seconds: 7200, user:"),
        [
            "jira.retry_attempts: input should be greater than or equal to 1",
            "jira.max_wait_seconds: input should be less than or equal to 3600",
        ],
        id="no tries at all, and waits of hours",
    ),
    pytest.param(
        VALID + "sync: {overlap_seconds: 30}\n",
        ["sync.overlap_seconds: input should be greater than or equal to 60"],
        id="overlap under a minute",
    ),
    pytest.param(
        VALID + "alerts: {thresholds: [0, 80, 1001]}\n",
        [
            "alerts.thresholds[0]: input should be greater than or equal to 1",
            "alerts.thresholds[2]: input should be less than or equal to 1000",
        ],
        id="thresholds out of range",
    ),
    pytest.param(
        VALID + "alerts: {thresholds: [80, 100, 80]}\n",
        ["alerts.thresholds: 80 is listed twice"],
        id="threshold twice",
    ),
    pytest.param(
        VALID + "alerts: {thresholds: [80, 92.5]}\n",
        ["alerts.thresholds[1]: input should be a valid integer"],
        id="fractional threshold",
    ),
    pytest.param(
        VALID.replace("enrolled_on: 2026-01-31", "enrolled_on: 2026-01-31, alerts: {}"),
        ["plans[0].alerts.thresholds: field required"],
        id="plan alerts without thresholds",
    ),
    pytest.param(
        VALID.replace("enrolled_on: 2026-01-31", PLAN_ALERTS.replace("50", "true")),
        ["plans[0].alerts.thresholds[1]: input should be a valid integer"],
        id="boolean plan threshold",
    ),
    pytest.param(
        VALID + "alerts: {notify_url: 'ftp://hooks.example.com/services/s3cr3t'}\n",
        [
            "alerts.notify_url: must be an http or https address such as "
            "https://hooks.example.com/..."
        ],
        id="notify URL that is not http",
    ),
    pytest.param(
        VALID + "alerts: {comment: maybe}\n",
        ["alerts.comment: input should be a valid boolean, unable to interpret input"],
        id="alert comment not a boolean",
    ),
    pytest.param(
        VALID + "writeback: {field_names: {hours_left: OMS hours left}}\n",
        [
            "writeback.field_names.hours_left: input should be 'work_type', 'reason', 'plan_id', "
            "'hours_included', 'hours_used' or 'hours_remaining'"
        ],
        id="unknown write-back value",
    ),
    pytest.param(
        VALID + "writeback: {field_names: {work_type: ''}}\n",
        ["writeback.field_names.work_type: must not be empty"],
        id="blank write-back field",
    ),
    pytest.param(
        VALID + "writeback: {fields: true}\n",
        [
            "writeback.field_names: names no field, but writeback.fields is true (name the "
            "fields to fill, or set writeback.fields to false)"
        ],
        id="write-back fields without names",
    ),
    pytest.param(
        VALID + "exports: {due_days: -1}\n",
        ["exports.due_days: input should be greater than or equal to 0"],
        id="negative due days",
    ),
    pytest.param(
        VALID + "exports: {quickbooks_terms: ''}\n",
        ["exports.quickbooks_terms: must not be empty"],
        id="blank QuickBooks terms",
    ),
    pytest.param(
        VALID + "exports: {quickbooks_date_format: DD.MM.YYYY}\n",
        [
            "exports.quickbooks_date_format: input should be 'MM/DD/YYYY', 'DD/MM/YYYY' or "
            "'YYYY-MM-DD'"
        ],
        id="unknown QuickBooks date format",
    ),
    pytest.param(
        VALID + "exports: {receivable_account: 'Income:Receivable'}\n",
        [
            "exports.receivable_account: 'Income:Receivable' is not a Beancount account under "
            "Assets (such as Assets:Example, components starting with a capital letter or a "
            "digit)"
        ],
        id="receivable account outside Assets",
    ),
    pytest.param(
        VALID + "exports: {bookings: {overage: {income_account: 'Income:oms'}}}\n",
        [
            "exports.bookings.overage.income_account: 'Income:oms' is not a Beancount account "
            "under Income (such as Income:Example, components starting with a capital letter "
            "or a digit)"
        ],
        id="income account component in lower case",
    ),
    pytest.param(
        VALID + "exports: {bookings: {priority: {account_code: ' ', tax_type: '', item: ''}}}\n",
        [
            "exports.bookings.priority.account_code: must not be empty",
            "exports.bookings.priority.tax_type: must not be empty",
            "exports.bookings.priority.item: must not be empty",
        ],
        id="blank booking texts",
    ),
    pytest.param(
        VALID + "exports: {bookings: {prepaid: {item: ' ', income_account: 'Assets:Prepaid'}}}\n",
        [
            "exports.bookings.prepaid.item: must not be empty",
            "exports.bookings.prepaid.income_account: 'Assets:Prepaid' is not a Beancount account "
            "under Income (such as Income:Example, components starting with a capital letter "
            "or a digit)",
        ],
        id="prepaid booking without an item, outside Income",
    ),
    pytest.param(
        VALID + "exports: {bookings: {refund: {item: Refund}}}\n",
        ["exports.bookings.refund: unknown key"],
        id="unknown line kind",
    ),
]


@pytest.mark.parametrize(("text", "problems"), BAD)
def test_a_bad_value_is_one_line_naming_its_key(
    tmp_path: Path, text: str, problems: list[str]
) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text))

    assert error.value.problems == problems


def mapping(**sections: object) -> dict[str, object]:
    data: dict[str, object] = {
        "jira": {"url": "https://example.atlassian.net", "user": "bot@example.com"},
        "plans": [
            {
                "id": "acme",
                "customer": "Acme",
                "jira_projects": ["ACME"],
                "hours_per_month": 10,
                "term_months": 3,
                "enrolled_on": "2026-01-31",
            }
        ],
    }
    data.update(sections)
    return data


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/services/s3cr3t",
        "https:///services/s3cr3t",
        "http://[hooks.example.com/services/s3cr3t",
        "hooks.example.com/services/s3cr3t",
    ],
)
def test_a_refused_notify_url_is_never_echoed(url: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings_from_mapping(mapping(alerts={"notify_url": url}))

    assert error.value.problems == [
        "alerts.notify_url: must be an http or https address such as https://hooks.example.com/..."
    ]
    assert "s3cr3t" not in str(error.value)


def test_an_accepted_notify_url_is_kept_out_of_the_settings_repr() -> None:
    settings = settings_from_mapping(mapping(alerts={"notify_url": TOKEN_URL}))

    assert settings.alerts.notify_url is not None
    assert settings.alerts.notify_url.get_secret_value() == TOKEN_URL
    assert "s3cr3t" not in repr(settings)


def test_a_pasted_token_as_account_id_is_not_echoed() -> None:
    jira = {"url": "https://example.atlassian.net", "user": "bot@example.com"}

    with pytest.raises(ConfigError) as error:
        settings_from_mapping(mapping(jira={**jira, "account_id": "ATATT3xFfG"}))

    assert len(error.value.problems) == 1
    assert "ATATT3xFfG" not in str(error.value)


def test_thresholds_are_kept_in_increasing_order_per_plan_and_overall(tmp_path: Path) -> None:
    text = (
        VALID.replace("enrolled_on: 2026-01-31", PLAN_ALERTS) + "alerts: {thresholds: [100, 75]}\n"
    )

    settings = load_settings(write(tmp_path, text))

    assert settings.alerts.thresholds == (75, 100)
    assert settings.plan_thresholds() == {"acme": (50, 90)}


def test_no_threshold_at_all_turns_the_alerts_off(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, VALID + "alerts: {thresholds: []}\n"))

    assert settings.alerts.thresholds == ()


@pytest.mark.parametrize(
    ("written", "code"), [("4000", "4000"), ('"0400"', "0400"), ("4000.10", "4000.10")]
)
def test_an_account_code_written_as_a_number_is_kept_as_text(
    tmp_path: Path, written: str, code: str
) -> None:
    text = VALID + f"exports: {{bookings: {{overage: {{account_code: {written}}}}}}}\n"

    bookings = load_settings(write(tmp_path, text)).exports.bookings

    assert (bookings.overage.account_code, bookings.subscription.account_code) == (code, "200")


def test_a_booking_keeps_the_defaults_of_its_kind_for_the_keys_it_does_not_set(
    tmp_path: Path,
) -> None:
    text = VALID + "exports: {bookings: {priority: {tax_type: GST on Income}}}\n"

    priority = load_settings(write(tmp_path, text)).exports.bookings.priority

    assert (priority.account_code, priority.tax_type, priority.item, priority.income_account) == (
        "200",
        "GST on Income",
        "Priority support",
        "Income:OMS:Priority",
    )


def test_prepaid_hours_are_booked_on_their_own_item_and_accounts_by_default(
    tmp_path: Path,
) -> None:
    prepaid = load_settings(write(tmp_path, VALID)).exports.bookings.prepaid

    assert (prepaid.account_code, prepaid.tax_type, prepaid.item, prepaid.income_account) == (
        "200",
        "Tax Exempt",
        "Prepaid priority hours",
        "Income:OMS:Prepaid",
    )


def test_a_prepaid_booking_sets_its_own_keys_and_leaves_the_others_alone(tmp_path: Path) -> None:
    text = VALID + (
        "exports: {bookings: {prepaid: {account_code: 4020, tax_type: GST on Income, "
        "item: Priority hours bundle, income_account: 'Income:Support:Prepaid-Hours'}}}\n"
    )

    bookings = load_settings(write(tmp_path, text)).exports.bookings

    assert (
        bookings.prepaid.account_code,
        bookings.prepaid.tax_type,
        bookings.prepaid.item,
        bookings.prepaid.income_account,
    ) == ("4020", "GST on Income", "Priority hours bundle", "Income:Support:Prepaid-Hours")
    assert (bookings.priority.item, bookings.priority.income_account) == (
        "Priority support",
        "Income:OMS:Priority",
    )


def test_the_field_names_keys_are_the_write_back_values() -> None:
    assert list(typing.get_args(FieldValueName)) == [value.value for value in FieldValue]


def test_the_quickbooks_date_formats_are_those_the_exports_know() -> None:
    assert typing.get_args(ConfigDateFormat) == typing.get_args(QuickBooksDateFormat)


def test_the_sync_overlap_is_two_minutes_unless_set(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, VALID)).sync.overlap_seconds == 120
    set_to = load_settings(write(tmp_path, VALID + "sync: {overlap_seconds: 300}\n"))
    assert set_to.sync.overlap_seconds == 300


def _with_site(url: str, leave: str = "") -> str:
    text = VALID.replace("https://example.atlassian.net", url).replace("user:", leave + "user:")
    assert url in text
    return text


def test_plain_http_to_another_machine_is_refused_without_leave(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, _with_site("http://jira.example.com")))

    assert error.value.problems == [
        "jira.url: http://jira.example.com is plain http, which would send the Jira "
        "token in the clear; use https, or set jira.allow_insecure_http: true"
    ]


@pytest.mark.parametrize(
    ("url", "leave"),
    [
        ("http://jira.example.com", "allow_insecure_http: true, "),
        ("http://127.0.0.1:8080", ""),
        ("http://localhost:8080", ""),
        ("http://[::1]:8080", ""),
        ("https://jira.example.com", ""),
    ],
)
def test_https_loopback_or_leave_is_accepted(tmp_path: Path, url: str, leave: str) -> None:
    assert load_settings(write(tmp_path, _with_site(url, leave))).jira.url == url

"""The write-back requests: issue property, labels, comment, custom fields."""

from __future__ import annotations

import json

import pytest
import responses

from oms_connector.adapters.jira_gateway import Deployment, JiraRestGateway, text_document
from tests.gateway.conftest import GatewayFactory
from tests.gateway.jira_json import API, API_V2


def _sent(http: responses.RequestsMock) -> list[tuple[str, str, object]]:
    return [
        (c.request.method or "", c.request.url or "", json.loads(c.request.body or b"null"))
        for c in http.calls
    ]


def test_an_issue_property_is_put_as_json(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.put(f"{API}/issue/ACME-1/properties/oms.plan", status=201)

    gateway.set_issue_property("ACME-1", "oms.plan", {"plan": "acme", "remaining": "6.50"})

    assert _sent(http) == [
        ("PUT", f"{API}/issue/ACME-1/properties/oms.plan", {"plan": "acme", "remaining": "6.50"})
    ]


def test_labels_are_added_and_removed_in_one_update(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.put(f"{API}/issue/10001", status=204)

    gateway.change_labels("10001", add=["oms-planned"], remove=["priority-support"])

    assert _sent(http) == [
        (
            "PUT",
            f"{API}/issue/10001",
            {"update": {"labels": [{"add": "oms-planned"}, {"remove": "priority-support"}]}},
        )
    ]


def test_no_label_change_sends_nothing(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    gateway.change_labels("10001")

    assert len(http.calls) == 0


def test_a_plain_text_comment_becomes_a_document_on_cloud(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.post(f"{API}/issue/ACME-1/comment", status=201, json={"id": "1"})

    gateway.add_comment("ACME-1", "Planned OMS work (rule: default).\nPlan acme: 10 h a month.")

    assert _sent(http) == [
        (
            "POST",
            f"{API}/issue/ACME-1/comment",
            {
                "body": {
                    "type": "doc",
                    "version": 1,
                    "content": [
                        {
                            "type": "paragraph",
                            "content": [
                                {"type": "text", "text": "Planned OMS work (rule: default)."},
                                {"type": "hardBreak"},
                                {"type": "text", "text": "Plan acme: 10 h a month."},
                            ],
                        }
                    ],
                }
            },
        )
    ]


def test_a_comment_is_a_plain_string_on_data_center(
    http: responses.RequestsMock, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(Deployment.DATA_CENTER)
    http.post(f"{API_V2}/issue/A-1/comment", status=201, json={"id": "1"})

    gateway.add_comment("A-1", text_document("Budget at 80 %."))

    assert _sent(http) == [("POST", f"{API_V2}/issue/A-1/comment", {"body": "Budget at 80 %."})]


HOSTILE_NAME = "Mallory [~admin] {html}<script>x</script>{html} !https://evil.example/a.png!"


def test_a_display_name_in_a_comment_is_text_on_data_center_not_markup(
    http: responses.RequestsMock, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(Deployment.DATA_CENTER)
    http.post(f"{API_V2}/issue/A-1/comment", status=201, json={"id": "1"})

    gateway.add_comment("A-1", f"Planned OMS work (override: oms by {HOSTILE_NAME}).")

    assert _sent(http) == [
        (
            "POST",
            f"{API_V2}/issue/A-1/comment",
            {
                "body": "Planned OMS work (override: oms by Mallory \\[\\~admin\\] "
                "\\{html\\}<script>x</script>\\{html\\} "
                "\\!https://evil.example/a.png\\!)."
            },
        )
    ]


def test_a_display_name_in_a_comment_is_one_literal_text_node_on_cloud(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.post(f"{API}/issue/ACME-1/comment", status=201, json={"id": "1"})

    gateway.add_comment("ACME-1", f"by {HOSTILE_NAME}")

    [(_, _, sent)] = _sent(http)
    assert sent["body"]["content"] == [  # type: ignore[index]
        {"type": "paragraph", "content": [{"type": "text", "text": f"by {HOSTILE_NAME}"}]}
    ]


def test_custom_fields_are_set_by_id(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.put(f"{API}/issue/ACME-1", status=204)

    gateway.set_fields("ACME-1", {"customfield_10050": "oms", "customfield_10051": 6.5})

    assert _sent(http) == [
        (
            "PUT",
            f"{API}/issue/ACME-1",
            {"fields": {"customfield_10050": "oms", "customfield_10051": 6.5}},
        )
    ]


def test_path_segments_are_escaped(http: responses.RequestsMock, gateway: JiraRestGateway) -> None:
    http.put(f"{API}/issue/ACME-1/properties/a%2Fb", status=200)

    gateway.set_issue_property("ACME-1", "a/b", True)

    assert http.calls[0].request.url == f"{API}/issue/ACME-1/properties/a%2Fb"


@pytest.mark.parametrize(
    ("text", "paragraphs"),
    [
        ("one", [["one"]]),
        ("one\n\ntwo", [["one"], ["two"]]),
        ("a\nb", [["a", None, "b"]]),
        ("", []),
    ],
)
def test_text_documents_split_paragraphs_and_lines(
    text: str, paragraphs: list[list[str | None]]
) -> None:
    document = text_document(text)

    assert [
        [node.get("text") for node in p["content"]]  # type: ignore[union-attr]
        for p in document["content"]  # type: ignore[union-attr]
    ] == paragraphs

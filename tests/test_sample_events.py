"""The sample events in events/ (the ones for `sam local invoke -e`) drive the functions
they are for: each HTTP sample reaches the function whose template route it names."""

from __future__ import annotations

import json
import re

import pytest

from local.lambda_runtime import invoke
from local.template import load, resources_of_type
from tests import given
from tests.conftest import EVENTS, ROOT, sent_emails
from tests.pipeline import run_async

SAMPLE_GROUP_ID = "3f5c2a9e-7b1d-4c8e-9a60-5d2f1e0b7c41"


def sample(name: str, group_id: str = SAMPLE_GROUP_ID) -> dict:
    return json.loads((EVENTS / name).read_text().replace(SAMPLE_GROUP_ID, group_id))


def function_for(template: dict, route_key: str) -> str:
    method, path = route_key.split(" ", 1)
    for logical, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for source in (function["Properties"].get("Events") or {}).values():
            props = source.get("Properties", {})
            if source["Type"] == "HttpApi" and (props.get("Method"), props.get("Path")) == (method, path):
                return logical
    raise AssertionError(f"no function serves {route_key}")


@pytest.mark.parametrize(
    ("name", "stage", "status"),
    [
        ("groups_list.json", "learn_more", 200),
        ("groups_get.json", "learn_more", 200),
        ("groups_add_member.json", "learn_more", 201),
        ("groups_log_activity.json", "learn_more", 201),
        ("groups_move_stage.json", "conversation_logged", 200),
        ("groups_record_plan.json", "develop_plan", 200),
        ("reports_pipeline.json", "learn_more", 200),
        ("founder_get_status.json", "learn_more", 401),  # its token is a placeholder
        ("founder_request_link.json", "learn_more", 202),
        ("founder_erasures.json", "learn_more", 200),
    ],
)
def test_each_http_sample_is_answered_by_the_function_of_its_route(aws, directory, name, stage, status):
    if stage == "conversation_logged":
        gid = given.new_group(aws)
        given.meet_gate(gid, "learn_more")  # version 2, the sample's If-Match
    else:
        gid = given.group_at(aws, stage)
    event = sample(name, gid)

    response = invoke(aws, function_for(aws.template, event["routeKey"]), event)

    assert response["statusCode"] == status, response.get("body")


def test_the_stage_changed_sample_sends_the_charter_emails(aws, directory):
    gid = given.group_at(aws, "develop_plan")  # its own events not delivered
    before = len(sent_emails())

    response = invoke(aws, "EmailSenderFunction", sample("email_sender_group_stage_changed.json", gid))

    assert response == {"batchItemFailures": []}
    charter = [e for e in sent_emails()[before:] if e.subject == "Your group is chartered: local group #1"]
    # Only the founder: the core members were added after the sample's changed_at, and a
    # charter email goes to the core members the group had when it was chartered.
    assert [e.to for e in charter] == [["ana.souza@example.com"]]


def test_the_outbox_sample_publishes_group_stage_changed(aws, directory):
    response = invoke(aws, "OutboxFunction", sample("outbox_group_stage_changed.json"))

    assert response == {"batchItemFailures": []}
    sqs = aws.session.client("sqs")
    (message,) = sqs.receive_message(QueueUrl=aws.name("EmailQueue"), MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["detail-type"] == "GroupStageChanged"
    assert envelope["detail"]["group_number"] == 1
    assert envelope["detail"]["version"] == 17
    run_async(aws)  # an unknown group: nothing to send, nothing fails


def test_the_docs_list_every_sample_under_the_function_its_name_says():
    # docs/local-stack.md's table of samples is what `make invoke` users read: it must be
    # events/ exactly, each row under the function that events/<function>_*.json names.
    doc = (ROOT / "docs" / "local-stack.md").read_text()
    table = doc.split("<!-- samples: start -->")[1].split("<!-- samples: end -->")[0]
    rows = re.findall(r"^\| `(\w+)` \| `events/([\w.-]+\.json)`", table, re.MULTILINE)
    functions = resources_of_type(load(), "AWS::Serverless::Function")

    assert sorted(name for _, name in rows) == sorted(path.name for path in EVENTS.glob("*.json"))
    for function, name in rows:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", function.removesuffix("Function")).lower()
        assert name.startswith(f"{snake}_"), (function, name)
    assert {function for function, _ in rows} == set(functions)  # and every function has one

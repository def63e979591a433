"""`make dev` keeps its data: the tables live in DynamoDB Local under the data directory, a
restart keeps every group and sends nothing twice, FRESH=1 starts empty, and PARAMETERS
overrides template parameters (refusing names the template does not have)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest

from local.template import ROOT
from tests.local_server import LocalServer
from tests.pipeline import VALID_FORM

pytestmark = pytest.mark.stack


def groups_seen_by_the_admin(server: LocalServer) -> set[str]:
    token = server.call("POST", "/_local/login", {"email": "admin@example.org"}).body["token"]
    reply = server.call("GET", "/groups?limit=100", headers={"Authorization": f"Bearer {token}"})
    assert reply.status == 200, reply.body
    return {g["group_id"] for g in reply.body["items"]}


def test_a_restart_keeps_every_group_and_sends_nothing_again_and_fresh_starts_empty_with_parameters(tmp_path):
    data = tmp_path / "data"
    form = {**VALID_FORM, "email": f"kept-{uuid.uuid4().hex[:8]}@example.com"}
    # Given: a stack that took a form and sent its two emails
    first = LocalServer.start(tmp_path, data_dir=data)
    try:
        created = first.call("POST", "/inquiries", form)
        assert created.status in (201, 202), created.body
        assert len(first.wait_for_emails_about(form["email"], count=2, timeout=30)) == 2
        group_ids = groups_seen_by_the_admin(first)
    finally:
        assert first.stop() == 0

    # When: it starts again on the same data
    second = LocalServer.start(tmp_path, data_dir=data)
    try:
        # Then: the group is there, and the stream's changes already handled are not sent again
        assert groups_seen_by_the_admin(second) == group_ids
        time.sleep(2)  # several pump rounds
        assert second.wait_for_emails_about(form["email"], count=1, timeout=0) == []
        # and the stack goes on from there: a new form is handled as usual
        other = {**form, "email": f"next-{uuid.uuid4().hex[:8]}@example.com"}
        assert second.call("POST", "/inquiries", other).status in (201, 202)
        assert len(second.wait_for_emails_about(other["email"], count=2, timeout=30)) == 2
    finally:
        assert second.stop() == 0

    # When: it starts with FRESH=1 (and PARAMETERS: one stack start checks both)
    parameters = {"FRESH": "1", "PARAMETERS": "IntakeRateLimitPerHour=2 SenderEmail=pilot@example.net"}
    fresh = LocalServer.start(tmp_path, data_dir=data, env=parameters)
    try:
        # Then: no group is left
        assert groups_seen_by_the_admin(fresh) == set()
        # and the parameters override the template's and reach the functions
        assert fresh.state()["parameters"] == {"IntakeRateLimitPerHour": "2", "SenderEmail": "pilot@example.net"}
        answers = [
            fresh.call("POST", "/inquiries", {**VALID_FORM, "email": f"p{i}-{uuid.uuid4().hex[:6]}@example.com"})
            for i in range(3)
        ]
        assert [a.status for a in answers] == [202, 202, 429]  # the third within the hour, from one address
    finally:
        fresh.stop()


def test_an_unknown_parameter_stops_make_dev_with_a_message_naming_it():
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "local.server"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PORT": "0", "PARAMETERS": "IntakeRateLimitPerHour=5 NoSuchThing=1 Nope=2"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "NoSuchThing, Nope" in result.stderr
    assert "not a parameter of template.yaml" in result.stderr

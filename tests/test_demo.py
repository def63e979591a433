"""`make demo` plays a pilot into a running stack through the API: forms, sign-ins, members,
activities, stage moves, charters, plans and closes, dated over the past year."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from local import demo
from tests.local_server import LocalServer

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    started = LocalServer.start(tmp_path_factory.mktemp("demo"))
    yield started
    started.stop()


def all_groups(server: LocalServer) -> list[dict]:
    token = server.call("POST", "/_local/login", {"email": "admin@example.org"}).body["token"]
    items, next_token = [], None
    while True:
        query = "/groups?limit=100" + (f"&next_token={next_token}" if next_token else "")
        page = server.call("GET", query, headers={"Authorization": f"Bearer {token}"}).body
        items += page["items"]
        next_token = page["next_token"]
        if not next_token:
            return items


def test_the_demo_fills_the_stack_with_groups_over_the_past_year_at_many_stages(server, capsys):
    assert demo.main(["--url", server.url, "--groups", "24", "--seed", "11"]) == 0

    groups = all_groups(server)
    stages = Counter(g["stage"] for g in groups)
    created = sorted(g["created_at"] for g in groups)
    assert len(groups) == 24
    assert len(stages) >= 5, stages  # many stages, not all at the start
    assert stages["learn_more"] < 24
    assert created[0] < (datetime.now(UTC) - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len({g["state"] for g in groups}) >= 10
    assert "Refused by the API" not in capsys.readouterr().err  # every step was one the API takes


def test_the_demo_says_so_when_no_stack_is_running(capsys):
    assert demo.main(["--url", "http://127.0.0.1:9", "--groups", "1"]) == 1
    assert "No local stack answers" in capsys.readouterr().err

"""`make demo` plays a pilot into a running stack through the API: forms, sign-ins, members,
activities, stage moves, charters, plans and closes, dated over the past year."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

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
    # 14 people: with this seed they end at six stages in twelve states (more only cost time)
    assert demo.main(["--url", server.url, "--groups", "14", "--seed", "11"]) == 0

    groups = all_groups(server)
    stages = Counter(g["stage"] for g in groups)
    created = sorted(g["created_at"] for g in groups)
    assert len(groups) == 14
    assert len(stages) >= 5, stages  # many stages, not all at the start
    assert stages["learn_more"] < 14
    assert created[0] < (datetime.now(UTC) - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len({g["state"] for g in groups}) >= 10
    assert "Refused by the API" not in capsys.readouterr().err  # every step was one the API takes


def test_the_demo_says_so_when_no_stack_is_running(capsys, monkeypatch):
    monkeypatch.setattr(demo, "NO_STACK_SECONDS", 0.6)  # a second try, then the answer
    assert demo.main(["--url", "http://127.0.0.1:9", "--groups", "1"]) == 1
    assert "No local stack answers" in capsys.readouterr().err


class ListingStack(demo.Stack):
    """GET /groups as the demo sees it, from pages given here (no server): `q` (any search)
    reads `by_q`, `state` reads `by_state`, page after page."""

    def __init__(self, by_q: list[list[dict]], by_state: list[list[dict]] | None = None) -> None:
        super().__init__("http://127.0.0.1:9")
        self.by_q, self.by_state = by_q, by_state or [[]]

    def token(self, email: str) -> str:
        return "token"

    def call(self, method, path, body=None, **kwargs):
        query = parse_qs(urlsplit(path).query)
        pages = self.by_q if "q" in query else self.by_state
        n = int(query.get("next_token", ["0"])[0])
        return 200, {"items": pages[n], "next_token": str(n + 1) if n + 1 < len(pages) else None}


def founded(group_id: str, email: str, name: str, created_at: str) -> dict:
    return {"group_id": group_id, "founder_email": email, "founder_name": name, "created_at": created_at}


FORM = {"email": "ann.lee.12@example.net", "name": "Ann Lee", "state": "VT"}
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
BEFORE = founded("g-before", FORM["email"], FORM["name"], "2025-12-01T09:00:00Z")


def test_the_demo_takes_the_group_its_form_made_not_another_whose_address_contains_it():
    other = founded("g-joann", "joann.lee.12@example.net", "Joann Lee", "2026-01-05T09:00:00Z")
    made = founded("g-made", FORM["email"], FORM["name"], "2026-03-02T10:00:00Z")

    assert demo.find_group(ListingStack([[other, BEFORE], [made]]), FORM, AT) == "g-made"


def test_a_form_that_made_no_group_has_none_even_when_its_founder_has_one_from_before():
    stack = ListingStack([[BEFORE]], by_state=[[BEFORE]])

    # Nothing here will appear later (no consumer behind these pages): look once, not for 30 s.
    assert demo.find_group(stack, FORM, AT, wait_s=0) is None


def test_the_demo_played_again_into_the_same_tables_changes_none_of_its_groups_and_is_refused_nothing(server, capsys):
    """Played twice, the pilot's people write in again as repeats: their groups' steps
    were replayed on the groups they made the first time, and refused (409: moves from the
    stage the group had reached, members already in it)."""
    argv = ["--url", server.url, "--groups", "6", "--seed", "5"]
    assert demo.main(argv) == 0
    capsys.readouterr()
    first = {g["group_id"]: (g["stage"], g["version"]) for g in all_groups(server)}

    assert demo.main(argv) == 0

    err = capsys.readouterr().err
    assert "Refused by the API" not in err, err
    assert "had written in before" in err
    after = {g["group_id"]: (g["stage"], g["version"]) for g in all_groups(server)}
    # (A founder whose group the first run closed may write in again: that makes a new group.)
    assert {group_id: after[group_id] for group_id in first} == first

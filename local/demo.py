"""`make demo`: a pilot to look at, played into the running local stack through the
product's own paths. A few hundred people fill in the form (each from their own loopback
address, as distinct visitors), organizers sign in with /_local/login and log
conversations, members, meetings, letter-writing and events, move stages, charter groups
and record plans, and some groups close; over the past year, in time order.

Dates: activities carry their own dates. For the times the API stamps (created_at, the
history), every request of the demo carries X-Local-Request-Time, which only the local
gateway reads: it becomes the request's requestContext.timeEpoch, the time API Gateway
stamps on a request and the handlers take as "now". A deployed API Gateway stamps its own.

Names, addresses, ZIP codes and notes come from Faker (seeded: the same pilot every time
for the same --seed). The people are made up.
"""

from __future__ import annotations

import argparse
import heapq
import http.client
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from faker import Faker

ADMIN = "admin@example.org"  # data/demo_accounts.yaml
# The program's national campaigns and partners are the organization's own words, not data
# a faker knows; a handful of plausible ones.
NATIONAL_CAMPAIGNS = ("Write for Rights", "Abolish the Death Penalty", "Refugee and Migrant Rights", "Gun Violence")
CLOSE_REASONS_EARLY = ("no_response", "not_a_fit", "joined_existing_group", "duplicate")
CLOSE_REASONS_LATER = ("withdrawn", "other")
# Of the groups that reach a stage, how many go on to the next (the others stall there or close).
GO_ON = {
    "learn_more": 0.82,
    "organize_core": 0.78,
    "step_up_activism": 0.72,
    "get_chartered": 0.85,
    "develop_plan": 0.85,
}
CLOSE_WHEN_STALLED = 0.35


class DemoError(RuntimeError):
    pass


@dataclass
class Step:
    at: datetime
    kind: str  # form | activity | member | stage | plan
    payload: dict[str, Any]
    acting: str = "routed"  # routed: the organizer the group was routed to; staff: its field organizer


@dataclass
class PlannedGroup:
    index: int
    state: str
    form: dict[str, Any]
    steps: list[Step] = field(default_factory=list)
    group_id: str | None = None
    organizer_email: str | None = None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


class Planner:
    """Makes up the pilot: who writes in when, and how far each group gets by now."""

    def __init__(self, fake: Faker, rng: random.Random, now: datetime, states: list[str]) -> None:
        self.fake, self.rng, self.now, self.states = fake, rng, now, states

    def _at(self, start: datetime, low: float, high: float) -> datetime:
        """A working-hours moment `low`..`high` days after `start`."""
        moment = start + timedelta(days=self.rng.uniform(low, high))
        moment = moment.replace(hour=self.rng.randint(9, 20), minute=self.rng.randint(0, 59))
        return moment if moment > start else start + timedelta(minutes=self.rng.randint(5, 90))

    def _form(self, state: str) -> dict[str, Any]:
        fake, rng = self.fake, self.rng
        first, last = fake.first_name(), fake.last_name()
        form = {
            "name": f"{first} {last}",
            "email": f"{first}.{last}.{rng.randint(10, 9999)}@{fake.free_email_domain()}".lower(),
            "city": fake.city(),
            "state": state,
            "zip": fake.zipcode_in_state(state),
            "message": fake.paragraph(nb_sentences=rng.randint(1, 3)) if rng.random() < 0.7 else "",
            "consent": True,
            "website": "",
        }
        if rng.random() < 0.5:
            form["phone"] = (
                f"({rng.choice(('202', '312', '415', '512', '617', '720', '919'))}) 555-01{rng.randint(0, 99):02d}"
            )
        return form

    def _member(self, at: datetime, role: str) -> Step:
        payload = {"name": self.fake.name(), "role": role}
        if self.rng.random() < 0.7:
            payload["email"] = self.fake.email()
        return Step(at, "member", payload)

    def _activity(self, at: datetime, kind: str) -> Step:
        payload = {"kind": kind, "date": _day(at)}
        if self.rng.random() < 0.6:
            payload["notes"] = self.fake.sentence(nb_words=self.rng.randint(6, 14))
        return Step(at, "activity", payload)

    def _move(self, at: datetime, to: str, acting: str = "routed", **extra: Any) -> Step:
        payload = {"to": to, **extra}
        if self.rng.random() < 0.5:
            payload["note"] = self.fake.sentence(nb_words=8)
        return Step(at, "stage", payload, acting)

    def group(self, index: int, created: datetime) -> PlannedGroup:
        rng = self.rng
        state = rng.choice(self.states)
        group = PlannedGroup(index, state, self._form(state))
        steps = group.steps
        steps.append(Step(created, "form", group.form))
        t = created
        stage = "learn_more"
        # Learn More: the conversation with the organizer.
        if rng.random() < GO_ON[stage]:
            t = self._at(t, 1, 8)
            steps.append(self._activity(t, "conversation"))
            t = self._at(t, 0, 3)
            steps.append(self._move(t, "organize_core"))
            stage = "organize_core"
            # Organize a Core: two or three people join the founder in the core.
            for _ in range(rng.randint(2, 3)):
                t = self._at(t, 3, 18)
                steps.append(self._member(t, "core"))
            if rng.random() < 0.4:
                steps.append(self._activity(self._at(t, 0, 5), "recruitment"))
            if rng.random() < GO_ON[stage]:
                t = self._at(t, 1, 6)
                steps.append(self._move(t, "step_up_activism"))
                stage = "step_up_activism"
                t = self._step_up(t, steps)
                if rng.random() < GO_ON[stage]:
                    t = self._at(t, 1, 7)
                    steps.append(self._move(t, "get_chartered"))
                    stage = "get_chartered"
                    if rng.random() < GO_ON[stage]:
                        t = self._at(t, 7, 30)
                        case = f"{self.fake.country_code()}-{rng.randint(1000, 9999)}" if rng.random() < 0.8 else None
                        steps.append(self._move(t, "develop_plan", "staff", **({"case_id": case} if case else {})))
                        stage = "develop_plan"
                        if rng.random() < GO_ON[stage]:
                            t = self._at(t, 7, 30)
                            steps.append(Step(t, "plan", self._plan(), "staff"))
                            t = self._at(t, 1, 5)
                            steps.append(self._move(t, "active", "staff"))
                            stage = "active"
        if stage != "active" and rng.random() < CLOSE_WHEN_STALLED:
            early = stage in ("learn_more", "organize_core")
            reason = rng.choice(CLOSE_REASONS_EARLY if early else CLOSE_REASONS_LATER)
            t = self._at(t, 14, 70)
            steps.append(self._move(t, "closed", reason=reason))
        group.steps = [s for s in steps if s.at <= self.now]
        return group

    def _step_up(self, t: datetime, steps: list[Step]) -> datetime:
        """Step up your Activism: meetings over a few months, a letter-writing action, a
        first event, and the group grows to five or more."""
        rng = self.rng
        first = t
        meetings: list[datetime] = []
        while len(meetings) < 3 or (meetings[-1].date() - meetings[0].date()).days < 62:
            t = self._at(t, 14, 35)
            steps.append(self._activity(t, "meeting"))
            meetings.append(t)
        for kind in ("letter_writing", "event"):
            steps.append(self._activity(self._at(first, 20, max(21, (t - first).days)), kind))
        for _ in range(rng.randint(2, 5)):
            steps.append(self._member(self._at(first, 5, max(6, (t - first).days)), "member"))
        return t

    def _plan(self) -> dict[str, Any]:
        rng, fake = self.rng, self.fake
        return {
            "case_campaign": fake.sentence(nb_words=rng.randint(5, 9)).rstrip("."),
            "national_campaigns": rng.sample(NATIONAL_CAMPAIGNS, rng.randint(1, 3)),
            "growth_goal": rng.randint(8, 30),
            "partners": [fake.company() for _ in range(rng.randint(0, 3))],
        }


class Stack:
    """The running local stack, over HTTP."""

    def __init__(self, url: str) -> None:
        host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
        self.host, self.port = host, int(port or 80)
        self._conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self._tokens: dict[str, str] = {}
        self.requests = 0

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        at: datetime | None = None,
        source: str | None = None,
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if at is not None:
            headers["X-Local-Request-Time"] = _iso(at)
        data = None if body is None else json.dumps(body).encode()
        conn = self._conn
        if source is not None:  # a visitor of their own: a new connection from that address
            conn = http.client.HTTPConnection(self.host, self.port, timeout=60, source_address=(source, 0))
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            if source is not None:
                conn.close()
        self.requests += 1
        return response.status, json.loads(raw) if raw else None

    def token(self, email: str) -> str:
        if email not in self._tokens:
            status, body = self.call("POST", "/_local/login", {"email": email})
            if status != 200:
                raise DemoError(f"cannot sign in as {email}: {status} {body}")
            self._tokens[email] = body["token"]
        return self._tokens[email]


def visitor_address(index: int) -> str:
    """A loopback address of its own for each applicant (the intake's rate limit keys on it)."""
    return f"127.{10 + index // 62500}.{index // 250 % 250}.{index % 250 + 1}"


def play(stack: Stack, groups: list[PlannedGroup], field_organizers: dict[str, str]) -> Counter[str]:
    """Every step of every group, in time order; returns what happened, by kind and status."""
    done: Counter[str] = Counter()
    queue = [(step.at, group.index, n, group, step) for group in groups for n, step in enumerate(group.steps)]
    heapq.heapify(queue)
    while queue:
        _, _, _, group, step = heapq.heappop(queue)
        if step.kind == "form":
            # Its founder's open group from before (the pilot played into kept tables): the
            # form then makes none, so there is nothing to wait for.
            repeat = _open_group_of(stack, step.payload) is not None
            status, body = stack.call(
                "POST", "/inquiries", step.payload, at=step.at, source=visitor_address(group.index)
            )
            if status == 422 and "phone" in json.dumps(body):
                payload = {k: v for k, v in step.payload.items() if k != "phone"}
                status, body = stack.call(
                    "POST", "/inquiries", payload, at=step.at, source=visitor_address(group.index)
                )
            if status not in (200, 201, 202):
                raise DemoError(f"the form of group {group.index} was refused: {status} {body}")
            organizer = (body or {}).get("organizer") or {}
            group.organizer_email = organizer.get("email")
            group.group_id = None if repeat else find_group(stack, step.payload, step.at)
            # No group made by this form: its founder has an open group already (the pilot,
            # or part of it, was played into these tables before). Its steps are that
            # group's past, not this one's: replayed on it they would be refused (409).
            done["form" if group.group_id else "form repeat"] += 1
            continue
        if group.group_id is None:
            continue
        acting = group.organizer_email or ADMIN
        if step.acting == "staff":
            acting = field_organizers.get(group.state, ADMIN)
        token = stack.token(acting)
        path = f"/groups/{group.group_id}"
        method, path = {
            "activity": ("POST", f"{path}/activities"),
            "member": ("POST", f"{path}/members"),
            "stage": ("POST", f"{path}/stage"),
            "plan": ("PUT", f"{path}/plan"),
        }[step.kind]
        status, body = stack.call(method, path, step.payload, token=token, at=step.at)
        if status == 403 and acting != ADMIN:  # the routed organizer cannot do this one: an admin does
            status, body = stack.call(method, path, step.payload, token=stack.token(ADMIN), at=step.at)
        if status >= 500:
            raise DemoError(f"{method} {path} failed: {status} {body}")
        done[f"{step.kind} {status}"] += 1
    return done


def find_group(stack: Stack, form: dict[str, Any], at: datetime, wait_s: float = 30.0) -> str | None:
    """The group a form just made, when the intake's answer does not name it (it never does:
    a new group, a repeat and a refused form get the same answer): the group whose founder
    has the form's email and which was created at the form's time. The intake's queue
    consumer stores it just after the answer, so this looks again until it is there, for
    `wait_s` at most."""
    made = _iso(at)

    def made_by_this_form(item: dict[str, Any]) -> bool:
        if item.get("created_at") != made:
            return False
        return item.get("founder_email") == form["email"] or item.get("founder_name") == form["name"]

    deadline = time.monotonic() + wait_s
    while True:
        found = _first_group(stack, form, made_by_this_form)
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


def _open_group_of(stack: Stack, form: dict[str, Any]) -> str | None:
    """The open group whose founder has the form's email, if there is one."""
    return _first_group(
        stack, form, lambda item: item.get("founder_email") == form["email"] and item.get("stage") != "closed"
    )


def _first_group(stack: Stack, form: dict[str, Any], wanted: Callable[[dict[str, Any]], bool]) -> str | None:
    """The first group listed that `wanted` accepts, looked for with `q` (which matches parts
    of addresses too: ann.lee.12@ is in joann.lee.12@) page by page, else among the groups of
    its state."""
    token = stack.token(ADMIN)
    for listing in (f"/groups?q={quote(form['email'])}&limit=100", f"/groups?state={form['state']}&limit=100"):
        query = listing
        while query:
            status, page = stack.call("GET", query, token=token)
            if status != 200:
                break
            found = next((item["group_id"] for item in page["items"] if wanted(item)), None)
            if found is not None:
                return found
            next_token = page.get("next_token")
            query = f"{listing}&next_token={quote(next_token)}" if next_token else ""
        else:
            return None  # read to its end: not there
    return None


# How long a stack that is starting may answer 503 before it is ready, and how long nothing
# may listen at all before the demo says there is no stack.
STARTING_STACK_SECONDS = 60.0
NO_STACK_SECONDS = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=300, help="how many people write in (default 300)")
    parser.add_argument("--days", type=int, default=365, help="over how many past days (default 365)")
    parser.add_argument("--seed", type=int, default=7, help="the same seed makes the same pilot")
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT', '3000')}")
    args = parser.parse_args(argv)

    stack = Stack(args.url)
    waiting_since = time.monotonic()
    status, deadline = 0, waiting_since + STARTING_STACK_SECONDS
    while status != 200 and time.monotonic() < deadline:  # a stack that is starting answers 503
        try:
            status, _ = stack.call("GET", "/_local/health")
        except OSError:
            stack = Stack(args.url)
            time.sleep(0.5)
            if time.monotonic() - waiting_since > NO_STACK_SECONDS:  # nothing listening: no stack here
                break
        else:
            time.sleep(0.2 if status != 200 else 0)
    if status != 200:
        print(f"No local stack answers at {args.url}: start one with `make dev` (same PORT).", file=sys.stderr)
        return 1
    started = time.monotonic()
    _, organizers = stack.call("GET", "/organizers")
    field_organizers: dict[str, str] = {}
    for organizer in organizers:
        if organizer["role"] == "field_organizer":
            for state in organizer["states"]:
                field_organizers.setdefault(state, organizer["email"])
    covered = sorted({s for o in organizers for s in o["states"]})
    Faker.seed(args.seed)
    fake = Faker("en_US")
    rng = random.Random(args.seed)  # noqa: S311 - made-up data, not secrets
    now = datetime.now(UTC) - timedelta(minutes=5)
    planner = Planner(fake, rng, now, states=[s for s in covered if s not in ("AS", "GU", "MP", "PR", "VI")])
    # The pilot grows: more people write in as the months go by.
    first = now - timedelta(days=args.days)
    groups = [
        planner.group(i, first + timedelta(days=args.days * rng.random() ** 0.7, hours=rng.uniform(0, 24)))
        for i in range(args.groups)
    ]
    groups = [g for g in groups if g.steps]
    done = play(stack, groups, field_organizers)
    seconds = time.monotonic() - started
    by_stage = stages_now(stack)
    print(
        f"Played {len(groups)} groups ({stack.requests} requests) in {seconds:.1f} s "
        f"({stack.requests / seconds:.0f} requests/s). The stack's groups by stage: "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_stage.items(), key=lambda kv: -kv[1]))
    )
    if done["form repeat"]:
        print(
            f"{done['form repeat']} of the people had written in before: these tables hold (part of) this "
            "pilot already, and their groups were left as they were (FRESH=1 make dev starts empty; "
            "--seed makes another pilot).",
            file=sys.stderr,
        )
    refused = {k: v for k, v in done.items() if not k.startswith("form") and not k.endswith((" 200", " 201"))}
    if refused:
        print(f"Refused by the API (kept as they are): {refused}", file=sys.stderr)
    return 0


def stages_now(stack: Stack) -> Counter[str]:
    """The stack's groups by stage, as the API lists them."""
    stages: Counter[str] = Counter()
    query = "/groups?limit=100"
    while query:
        _, page = stack.call("GET", query, token=stack.token(ADMIN))
        stages.update(g["stage"] for g in page["items"])
        query = f"/groups?limit=100&next_token={page['next_token']}" if page["next_token"] else ""
    return stages


if __name__ == "__main__":
    sys.exit(main())

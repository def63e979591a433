"""The local stack as data grows and under bursts (targets in docs/performance.md):
  - POST /inquiries, one client: p50 / p99 with no groups stored, then with N (5,000);
  - GET /groups/{id}: p50 with N groups stored;
  - 1,000 submissions from 8 clients: none lost, both emails of each in /_local/outbox,
    and how long after the last answer the last email was sent;
  - 200 submissions at once to one state (one organizer's directory item): failures,
    throughput and p99.
Each applicant posts from a loopback address of its own, as distinct visitors do.
The N stored groups are written straight into the stack's DynamoDB Local with the storage
layer's key layout (a pilot's data; writing them through the API would take the bench
minutes and send 2N emails).

    .venv/bin/python -m bench.local_scale [--stored 5000] [--burst 200] [--clients 8 --each 125]

--stored 0 leaves out the growth half (5,000 groups stored), --clients 0 the 8 clients,
--burst 0 the burst to one state: `--stored 0 --burst 0` measures one client and the 8
clients' email lag alone, `--clients 0 --burst 0` one client and the group page as data grows.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.demo import visitor_address
from tests.local_server import LocalServer
from tests.pipeline import VALID_FORM

_visitors = iter(range(10_000_000))
_visitors_lock = threading.Lock()


def next_visitor() -> str:
    with _visitors_lock:
        return visitor_address(next(_visitors))


def request(
    server: LocalServer, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any, float]:
    """(status, body, seconds) of one request on a new connection from a visitor address."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120, source_address=(next_visitor(), 0))
    started = time.perf_counter()
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    elapsed = time.perf_counter() - started
    return response.status, json.loads(raw) if raw else None, elapsed


def a_form(state: str = "CA", zip_code: str = "94110") -> dict[str, Any]:
    return {**VALID_FORM, "email": f"bench-{uuid.uuid4().hex[:12]}@example.com", "state": state, "zip": zip_code}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def submissions(server: LocalServer, n: int) -> tuple[list[float], list[str]]:
    times, ids = [], []
    for _ in range(n):
        status, body, seconds = request(server, "POST", "/inquiries", a_form())
        assert status in (201, 202), body
        times.append(seconds)
        if body.get("group_id"):
            ids.append(body["group_id"])
    return times, ids


def listed_group_ids(server: LocalServer, token: str, n: int) -> list[str]:
    """Ids of n groups, as the admin's list gives them (the intake's answer names none: a
    new group, a repeat and a refused form get the same answer)."""
    status, body, _ = request(server, "GET", f"/groups?limit={n}", token=token)
    assert status == 200, body
    return [item["group_id"] for item in body["items"]]


def group_reads(server: LocalServer, ids: list[str], token: str) -> list[float]:
    times = []
    for group_id in ids:
        status, body, seconds = request(server, "GET", f"/groups/{group_id}", token=token)
        assert status == 200, body
        times.append(seconds)
    return times


def store_groups(server: LocalServer, n: int) -> float:
    """Write n groups straight into the stack's table (as the intake lays them out)."""
    import os

    from shared.storage import group_keys
    from shared.storage.table import GroupItem

    state = server.state()
    os.environ.update(
        AWS_ENDPOINT_URL_DYNAMODB=state["dynamodb_endpoint_url"],
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - DynamoDB Local accepts any
        AWS_DEFAULT_REGION="us-east-1",
        TABLE_NAME=state["physical"]["GroupsTable"]["ref"],
    )
    from shared.storage.table import bind

    bind()
    states = ["CA", "NY", "TX", "FL", "IL", "WA", "MA", "GA", "OH", "PA"]
    started = time.monotonic()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with GroupItem.batch_write() as batch:
        for i in range(n):
            group_id = str(uuid.uuid4())
            st = states[i % len(states)]
            batch.save(
                GroupItem(
                    group_keys.group_pk(group_id),
                    "GROUP",
                    group_id=group_id,
                    stage="learn_more",
                    version=1,
                    state=st,
                    city="Springfield",
                    zip="94110",
                    founder_name=f"Stored {i}",
                    founder_email=f"stored-{i}@example.com",
                    organizer_id=None,
                    routing_reason="national_inbox",
                    routing_note="bench",
                    created_at=now,
                    updated_at=now,
                    **group_keys.index_keys(st, "learn_more", now, group_id),
                )
            )
    return time.monotonic() - started


def outbox_quiet(server: LocalServer, quiet: float = 2.0, timeout: float = 300) -> None:
    """Wait until no new email has been sent for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    count, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = len(server.call("GET", "/_local/outbox", timeout=120).body)
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.5)


def stream_settled(positions: Path, quiet: float = 3.0, timeout: float = 600) -> float:
    """Seconds until the stack's stream positions stop moving (its consumer caught up)."""
    started = last_change = time.monotonic()
    seen = None
    while time.monotonic() - last_change < quiet and time.monotonic() - started < timeout:
        now = positions.read_text() if positions.is_file() else None
        if now != seen:
            seen, last_change = now, time.monotonic()
        time.sleep(0.5)
    return last_change - started


def concurrent(server: LocalServer, clients: int, each: int, form: Any) -> tuple[list[float], list[int], float, float]:
    """`clients` threads posting `each` forms; (latencies, statuses, wall seconds, last answer at)."""
    times: list[float] = []
    statuses: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    last = [0.0]

    def client() -> None:
        for _ in range(each):
            try:
                status, _body, seconds = request(server, "POST", "/inquiries", form())
            except OSError as err:  # reported by kind: a refused connection is not a timeout
                status, seconds = 0, 0.0
                with lock:
                    errors.append(type(err).__name__)
            with lock:
                times.append(seconds)
                statuses.append(status)
                last[0] = max(last[0], time.time())

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"  requests that got no answer: {dict(Counter(errors))}", flush=True)
    return times, statuses, time.monotonic() - started, last[0]


def emails_settled(server: LocalServer, expected: int, since: int, timeout: float = 300) -> tuple[int, float]:
    """(emails found after the first `since`, the newest one's sent_at as a timestamp)."""
    deadline = time.monotonic() + timeout
    while True:
        sent = server.call("GET", "/_local/outbox", timeout=120).body[since:]
        if len(sent) >= expected or time.monotonic() > deadline:
            newest = max((datetime.fromisoformat(e["sent_at"]).timestamp() for e in sent), default=0.0)
            return len(sent), newest
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stored", type=int, default=5000)
    parser.add_argument("--singles", type=int, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--each", type=int, default=125)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--bursts-only", action="store_true", help="only the 8 clients and the burst")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as logs:
        server = LocalServer.start(Path(logs), timeout=120)
        try:
            token = server.call("POST", "/_local/login", {"email": "admin@example.org"}).body["token"]
            submissions(server, 5)  # warm-up: its 10 emails are sent before anything is counted
            emails_settled(server, 10, 0)
            if not args.bursts_only:
                growth(server, token, args, Path(logs))
            bursts(server, args)
        finally:
            server.stop()


def growth(server: LocalServer, token: str, args: argparse.Namespace, logs: Path) -> None:
    at_zero, _ = submissions(server, args.singles)
    outbox_quiet(server)  # the reads alone, not beside the forms' emails being sent
    reads_zero = group_reads(server, listed_group_ids(server, token, 30), token)
    print(
        f"POST /inquiries, 1 client, ~0 stored: p50 {pct(at_zero, 50):.0f} ms, p99 {pct(at_zero, 99):.0f} ms",
        flush=True,
    )
    print(f"GET /groups/{{id}}, ~0 stored: p50 {pct(reads_zero, 50):.0f} ms", flush=True)
    if not args.stored:
        return
    seconds = store_groups(server, args.stored)
    print(f"stored {args.stored} groups straight into DynamoDB Local in {seconds:.1f} s", flush=True)
    settled = stream_settled(logs / f"data-{server.port}" / "stream-positions.json")
    print(f"the stack's stream consumer had handled their changes {settled:.1f} s later", flush=True)
    at_n, _ = submissions(server, args.singles)
    outbox_quiet(server)
    reads_n = group_reads(server, listed_group_ids(server, token, 30), token)
    ratio = statistics.median(at_n) / statistics.median(at_zero)
    print(
        f"POST /inquiries, 1 client, {args.stored} stored: p50 {pct(at_n, 50):.0f} ms, "
        f"p99 {pct(at_n, 99):.0f} ms; p50 ratio to ~0 stored {ratio:.2f}x",
        flush=True,
    )
    print(f"GET /groups/{{id}}, {args.stored} stored: p50 {pct(reads_n, 50):.0f} ms", flush=True)


def bursts(server: LocalServer, args: argparse.Namespace) -> None:
    if args.clients:
        outbox_quiet(server)
        before = len(server.call("GET", "/_local/outbox", timeout=120).body)
        times, statuses, wall, last_answer = concurrent(server, args.clients, args.each, a_form)
        ok = sum(1 for s in statuses if s in (201, 202))
        if ok < len(statuses):
            others = Counter(s for s in statuses if s not in (201, 202))
            print(f"  answers other than 201/202 (0: no answer): {dict(others)}", flush=True)
        found, newest = emails_settled(server, 2 * ok, before)
        print(
            f"{len(statuses)} submissions from {args.clients} clients: {ok} accepted, "
            f"{len(statuses) - ok} failed, {len(statuses) / wall:.1f}/s, p50 {pct(times, 50):.0f} ms, "
            f"p99 {pct(times, 99):.0f} ms; emails {found}/{2 * ok}, last one "
            f"{newest - last_answer:.1f} s after the last answer",
            flush=True,
        )

    if not args.burst:
        return
    times, statuses, wall, _ = concurrent(server, args.burst, 1, lambda: a_form("VT", "05401"))
    failed = [s for s in statuses if s not in (201, 202)]
    print(
        f"{args.burst} at once to one state (VT): {len(failed)} failed {sorted(set(failed))}, "
        f"{args.burst / wall:.1f}/s, p50 {pct(times, 50):.0f} ms, p99 {pct(times, 99):.0f} ms",
        flush=True,
    )


if __name__ == "__main__":
    main()

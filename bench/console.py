"""How soon the organizer console is usable on the local stack, measured in the browser
(Debian's Chromium): from navigation to first paint and to the first data on screen, for
the inbox (target 1 s) and a group page (target 500 ms), with a pilot's worth of groups.

    .venv/bin/python -m bench.console [--groups 150] [--repeats 10]

The groups are sent through POST /inquiries, each from its own loopback address (the
intake's rate limit is per address), all routed to one Area Coordinator, who is measured.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import statistics
import tempfile
import uuid
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.local_server import LocalServer
from tests.test_console_browser import CHROMIUM, CHROMIUM_ARGS, COORDINATOR, DESKTOP, GROUP_LINK

TARGETS_MS = {"inbox": 1000, "group": 500}
CITIES = ["San Francisco", "Oakland", "Berkeley", "Daly City", "San Mateo"]


def send_inquiry(server: LocalServer, number: int) -> None:
    body = json.dumps(
        {
            "name": f"Pilot Founder {number}",
            "email": f"pilot-{number}-{uuid.uuid4().hex[:6]}@example.com",
            "city": CITIES[number % len(CITIES)],
            "state": "CA",
            "zip": "94110",
            "message": "A pilot group.",
            "consent": True,
        }
    )
    source = (f"127.0.{1 + number // 250}.{1 + number % 250}", 0)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=source)
    conn.request("POST", "/inquiries", body, {"Content-Type": "application/json"})
    status = conn.getresponse().status
    conn.close()
    if status not in (201, 202):
        raise RuntimeError(f"POST /inquiries answered {status}")


def session_for(server: LocalServer, email: str) -> dict:
    """What the console keeps in sessionStorage after signing in (web/organizers/auth.js)."""
    token = server.call("POST", "/_local/login", {"email": email}).body["token"]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {"token": token, "email": email, "name": "", "role": claims["cognito:groups"][0], "exp": claims["exp"]}


def measure(page, url: str, mark: str) -> tuple[float, float]:
    """(first paint, data on screen), in ms from navigation start."""
    page.goto(url, wait_until="commit")
    page.wait_for_function(f"performance.getEntriesByName({json.dumps(mark)}).length > 0", timeout=15_000)
    paint, data = page.evaluate(
        f"""() => [
          (performance.getEntriesByName('first-contentful-paint')[0] || {{startTime: NaN}}).startTime,
          performance.getEntriesByName({json.dumps(mark)})[0].startTime,
        ]"""
    )
    return paint, data


def report(name: str, runs: list[tuple[float, float]]) -> str:
    paint = statistics.median(r[0] for r in runs)
    data = [r[1] for r in runs]
    usable = sorted(max(r) for r in runs)
    p90 = usable[min(len(usable) - 1, int(0.9 * len(usable)))]
    target = TARGETS_MS[name]
    verdict = "ok" if p90 <= target else "OVER"
    return (
        f"{name}: first paint median {paint:.0f} ms; data on screen median {statistics.median(data):.0f} ms, "
        f"p90 usable {p90:.0f} ms (target {target} ms: {verdict}; n={len(runs)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as logs:
        server = LocalServer.start(Path(logs))
        try:
            for number in range(args.groups):
                send_inquiry(server, number)
            emails = server.wait_for_emails(lambda e: COORDINATOR.email in e["to"], args.groups, timeout=120)
            group_path = "/organizers/groups/" + GROUP_LINK.search(emails[-1]["body"])[1]
            session = session_for(server, COORDINATOR.email)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(base_url=server.url, viewport=DESKTOP)
                context.add_init_script(f"sessionStorage.setItem('sag.session', {json.dumps(json.dumps(session))})")
                page = context.new_page()
                measure(page, "/organizers/?view=states", "inbox-data")  # warm: modules cached
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                print(f"{args.groups} groups of one Area Coordinator; Chromium headless, local stack; load {load}")
                for view, url, mark in (
                    ("inbox", "/organizers/", "inbox-data"),  # Mine
                    ("inbox", "/organizers/?view=states", "inbox-data"),  # My states
                    ("group", group_path, "group-data"),
                ):
                    print(f"{url}: " + report(view, [measure(page, url, mark) for _ in range(args.repeats)]))
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()

"""The hot directory item: N submissions at once, all routed to one organizer, against
DynamoDB Local (as N Lambda instances would send them). Every new group adds 1 to its
organizer's open-inquiry count in the group's own transaction, so concurrent intakes for
one organizer conflict on that item (TransactionConflict) and retry with backoff.

Reports failures, wall time, throughput, p50/p99 per submission, and how many transaction
attempts lost a race.

    .venv/bin/python -m bench.hot_state [--n 200] [--state VT --zip 05401]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime

from local.dynamodb_local import DynamoDBLocal
from local.provision import tables_only
from tests.pipeline import VALID_FORM


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--state", default="VT")
    parser.add_argument("--zip", default="05401")
    parser.add_argument("--spread", action="store_true", help="the same burst spread over many states, for comparison")
    args = parser.parse_args()
    places = [
        *[("CA", "94110"), ("NY", "10001"), ("TX", "73301"), ("FL", "33101"), ("IL", "60601"), ("WA", "98101")],
        *[("MA", "02108"), ("GA", "30301"), ("OH", "43004"), ("PA", "19019"), ("MI", "48201"), ("MN", "55401")],
        *[("CO", "80201"), ("AZ", "85001"), ("OR", "97201"), ("NC", "27601"), ("VA", "22201"), ("WI", "53201")],
    ]

    with DynamoDBLocal() as server:
        resolver = tables_only(server.client(), f"hot-{uuid.uuid4().hex[:6]}")
        os.environ.update(
            AWS_ENDPOINT_URL_DYNAMODB=server.endpoint_url,
            AWS_ACCESS_KEY_ID="x",
            AWS_SECRET_ACCESS_KEY="x",  # noqa: S106 - DynamoDB Local accepts any
            AWS_DEFAULT_REGION="us-east-1",
            TABLE_NAME=resolver.ref("GroupsTable"),
            RATE_LIMIT_PER_HOUR="1000",
        )
        from local.template import ROOT
        from shared.storage import inquiries
        from shared.storage.directory import load_directory, read_directory
        from shared.storage.directory_file import parse_directory_file
        from tests.pipeline import submit_in_process

        load_directory(parse_directory_file((ROOT / "data" / "organizers.yaml").read_text()))
        lost = [0]
        pause = inquiries.pause_before_retry

        def counting_pause(attempt: int) -> None:
            lost[0] += 1
            pause(attempt)

        inquiries.pause_before_retry = counting_pause
        submit_in_process({**VALID_FORM, "email": "warm@example.com"}, "127.0.0.1", datetime.now(UTC))  # warm-up

        gate = threading.Barrier(args.n)
        times: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def one(i: int) -> None:
            state, zip_code = places[i % len(places)] if args.spread else (args.state, args.zip)
            form = {**VALID_FORM, "email": f"hot-{i}@example.com", "state": state, "zip": zip_code}
            gate.wait()
            started = time.perf_counter()
            try:
                outcome = submit_in_process(form, f"127.0.{i // 250}.{i % 250 + 1}", datetime.now(UTC))
                ok = outcome.group_id is not None
            except Exception as err:  # noqa: BLE001 - counted and named
                ok, outcome = False, err
            with lock:
                times.append(time.perf_counter() - started)
                if not ok:
                    failures.append(type(outcome).__name__)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(args.n)]
        for t in threads:
            t.start()
        started = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        counts = {o.organizer_id: o.open_inquiries for o in read_directory().organizers if o.open_inquiries}
        times.sort()
        print(
            f"{args.n} submissions at once to {'18 states' if args.spread else args.state} on DynamoDB Local: "
            f"{len(failures)} failed "
            f"{sorted(set(failures))}; {wall:.1f} s, {args.n / wall:.1f}/s; p50 "
            f"{statistics.median(times) * 1000:.0f} ms, p99 {times[int(0.99 * (len(times) - 1))] * 1000:.0f} ms; "
            f"{lost[0]} attempts lost a race; open-inquiry counts {counts}"
        )


if __name__ == "__main__":
    main()

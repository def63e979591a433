"""POST /inquiries answers a new address, a repeat (the address has an open group) and a
filled honeypot alike (DESIGN §2); this measures whether they also take about the same time,
so that timing does not tell a stranger whether an address has a group.

Runs the intake handler (the request path: rate limit, validation, routing, the submission
sent to the intake queue) in process against in-process moto (the resources of
template.yaml, the directory of data/organizers.yaml), as the tests do: the figures are
moto's and this machine's, not AWS's, and say how the three paths compare, not how fast AWS
is. `--dynamodb-local` keeps the table in DynamoDB Local instead (the queue and the secret
stay in moto). The intake queue's consumer, which stores what is to be stored, runs between
submissions, outside the timed part (in AWS it runs after the answer has gone). The three
kinds are interleaved (new, repeat, honeypot, new, ...) in one run, so a change of the
machine's load falls on all of them alike. Reports min/median/p90 milliseconds of each, the
ratios of the medians and p90s to the new submission's, and the AWS calls each path makes.

    .venv/bin/python -m bench.enumeration_timing [--repeats 60] [--dynamodb-local]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from collections import Counter
from typing import Any

from tests.pipeline import VALID_FORM, post_form, store_submissions, submit

KINDS = ("new", "repeat", "honeypot")


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def start_stack(dynamodb_local: Any = None) -> Any:
    """`dynamodb_local`: a running DynamoDBLocal to keep the tables in (None: moto)."""
    import boto3
    from moto import mock_aws

    from local.provision import create_tables, provision
    from shared import settings
    from shared.storage.directory import load_directory
    from shared.storage.directory_file import parse_directory_file
    from tests.conftest import ROOT, reset_caches
    from tests.moto_state import (
        one_botocore_session_per_thread,
        roll_back_only_what_a_transaction_touches,
        serialize_dynamodb_answers_as_json,
    )

    os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")  # noqa: S106
    roll_back_only_what_a_transaction_touches()
    serialize_dynamodb_answers_as_json()
    one_botocore_session_per_thread()
    mock_aws().start()
    if dynamodb_local is None:
        stack = provision(boto3.Session(region_name="us-east-1"), stack_name="bench")
    else:  # requests to its endpoint match no mocked URL: moto lets them through
        url = dynamodb_local.endpoint_url
        session = boto3.Session(region_name="us-east-1")
        stack = provision(session, stack_name="bench", parameters={"DynamoDBEndpointUrl": url}, tables=False)
        create_tables(dynamodb_local.client(), stack.resolver)
    for logical in stack.functions():
        os.environ.update(stack.environment(logical))
    # The handler's log lines and metrics would bury the figures (stdout); this is not a
    # measure of logging.
    os.environ.update(POWERTOOLS_METRICS_DISABLED="true")
    logging.disable(logging.INFO)
    reset_caches()
    load_directory(parse_directory_file((ROOT / "data" / "organizers.yaml").read_text()))
    stack.resolver.parameters["IntakeRateLimitPerHour"] = "1000000"
    settings.reset()
    return stack


def count_aws_calls() -> Counter[str]:
    """Every AWS call made through botocore (pynamodb's included), as `service.Operation`."""
    from botocore.client import BaseClient

    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        calls[f"{self.meta.service_model.service_name}.{operation_name}"] += 1
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counting  # type: ignore[method-assign]
    return calls


def form(kind: str, n: int) -> dict[str, Any]:
    if kind == "new":
        return {**VALID_FORM, "email": f"new{n}@example.com"}
    if kind == "repeat":
        return {**VALID_FORM, "email": f"known{n}@example.com", "message": "Who runs this group?"}
    return {**VALID_FORM, "email": f"bot{n}@example.com", "website": "http://spam.example"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=60, help="submissions of each kind")
    parser.add_argument("--warmup", type=int, default=5, help="rounds of each kind not counted")
    parser.add_argument("--dynamodb-local", action="store_true", help="the table in DynamoDB Local, not moto")
    args = parser.parse_args()
    if args.dynamodb_local:
        from local.dynamodb_local import DynamoDBLocal

        with DynamoDBLocal() as server:
            run(args, start_stack(server), "DynamoDB Local (queue and secret in moto)")
    else:
        run(args, start_stack(), "moto")


def run(args: argparse.Namespace, stack: Any, where: str) -> None:
    total = args.warmup + args.repeats
    for n in range(total):  # the addresses the repeats name have their group already
        assert submit(stack, {**VALID_FORM, "email": f"known{n}@example.com"}).status == 202
    calls = count_aws_calls()
    ms: dict[str, list[float]] = {kind: [] for kind in KINDS}
    calls_of: dict[str, set[str]] = {kind: set() for kind in KINDS}  # each submission's calls, with counts
    for n in range(total):
        for kind in KINDS:
            calls.clear()
            t0 = time.perf_counter()
            answer = post_form(stack, form(kind, n))
            elapsed = (time.perf_counter() - t0) * 1000
            request_calls = Counter(calls)
            store_submissions(stack)  # the consumer, after the answer (not timed, calls not counted)
            assert answer.status == 202, (kind, answer.status)
            if n >= args.warmup:
                ms[kind].append(elapsed)
                calls_of[kind].add(", ".join(f"{op} x{count}" for op, count in sorted(request_calls.items())))

    print(f"POST /inquiries in process on {where}: {args.repeats} of each kind, interleaved, ", end="")
    print(f"after {args.warmup} warm-up")
    print(f"{'kind':<9} {'min ms':>8} {'median':>8} {'p90':>8} {'median/new':>11} {'p90/new':>8}")
    new_median, new_p90 = statistics.median(ms["new"]), p90(ms["new"])
    for kind in KINDS:
        median, high = statistics.median(ms[kind]), p90(ms[kind])
        ratios = f"{median / new_median:11.2f} {high / new_p90:8.2f}"
        print(f"{kind:<9} {min(ms[kind]):8.1f} {median:8.1f} {high:8.1f} {ratios}")
    for kind in KINDS:
        print(f"{kind} calls: {' | '.join(sorted(calls_of[kind]))}")


if __name__ == "__main__":
    main()

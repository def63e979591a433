"""A burst of emails (a digest Monday) drained within the SES send rate, none lost.

    .venv/bin/python -m bench.email_burst [--emails 1000] [--rate 14] [--concurrency 2] [--no-pacing]

What runs for real: the email sender's handler (functions/email_sender/app.py) with its
batch processing, its idempotency records, its suppression check and its pacing
(shared/mail/sender.py), against moto (a ThreadedMotoServer with the template's queues and
tables). What is simulated: Lambda's SQS event source (`--concurrency` worker processes, the
template's SenderMaxConcurrency, each receiving batches of 10 and reporting failures back
to the queue with a 1-second visibility), and SES's account-wide maximum send rate (a token
bucket of `--rate` emails a second with one second of burst, shared by the workers: a send
beyond it is refused with TooManyRequestsException, as SES does). Each queue message is one
email (what a message renders is not the point here).

It reports how long the queue took to drain, the rate achieved, how many sends SES refused
(each is retried through the queue), and that every email went out exactly once with
nothing in the DLQ. `--no-pacing` turns the sender's pacing off, for comparison.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from typing import Any

QUEUE_RETRY_SECONDS = 1


def _bucket_take(state: Any, lock: Any, rate: float) -> bool:
    """One token of the account's send rate, or False (refused)."""
    with lock:
        now = time.monotonic()
        tokens = min(rate, state[0] + (now - state[1]) * rate)
        state[1] = now
        if tokens < 1:
            state[0] = tokens
            return False
        state[0] = tokens - 1
        return True


def worker(
    env: dict[str, str], queue: tuple[str, str], bucket: Any, lock: Any, rate: float, refused: Any, go: Any
) -> None:
    os.environ.update(env)
    queue_url, queue_arn = queue
    from botocore.exceptions import ClientError

    import functions.email_sender.app as app
    from local.event_shapes import sqs_event
    from local.lambda_runtime import LambdaContext
    from shared.mail import sender
    from shared.mail.outgoing import OutgoingEmail

    def one_email(event: Any, config: Any, directory: Any) -> list[OutgoingEmail]:
        n = event.group_id.removeprefix("bench-")
        return [OutgoingEmail(f"bench:{n}", (f"person-{n}@example.net",), f"Digest {n}", "text", "<p>html</p>")]

    real_send = sender._send

    def ses_with_a_send_rate(message: dict, ses: Any) -> str:
        if not _bucket_take(bucket, lock, rate):
            with refused.get_lock():
                refused.value += 1
            raise ClientError(
                {"Error": {"Code": "TooManyRequestsException", "Message": "Maximum sending rate exceeded."}},
                "SendEmail",
            )
        return real_send(message, ses)

    app.emails_for = one_email
    sender._send = ses_with_a_send_rate
    import boto3

    sqs = boto3.client("sqs")
    go.wait()  # every worker imported and ready: the drain is timed from here
    empty = 0
    while empty < 3:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
        if not messages:
            empty += 1
            continue
        empty = 0
        context = LambdaContext(function_name="bench-EmailSenderFunction", timeout_seconds=30)
        result = app.handler(sqs_event(messages, queue_arn), context)
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=QUEUE_RETRY_SECONDS
                )
            else:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=14, help="SES maximum send rate (emails a second)")
    parser.add_argument("--concurrency", type=int, default=2, help="the event source's MaximumConcurrency")
    parser.add_argument("--no-pacing", action="store_true", help="the sender does not pace its sends")
    args = parser.parse_args()

    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106
        AWS_DEFAULT_REGION="us-east-1", AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    )  # fmt: skip
    import boto3

    from local.event_shapes import eventbridge_event
    from local.provision import provision

    stack = provision(boto3.Session(region_name="us-east-1"), stack_name="bench")
    env = {
        **stack.environment("EmailSenderFunction"),
        "AWS_ENDPOINT_URL": endpoint,
        "SES_MAX_SEND_RATE": str(args.rate if not args.no_pacing else 1_000_000),
        "SENDER_MAX_CONCURRENCY": str(args.concurrency),
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "AWS_LAMBDA_FUNCTION_NAME": "bench-EmailSenderFunction",
    }
    sqs = stack.client("sqs")
    queue_url, queue_arn = stack.name("EmailQueue"), stack.attr("EmailQueue", "Arn")
    # Lambda retries a failed message after its visibility; a short one keeps the bench short.
    for start in range(0, args.emails, 10):
        entries = []
        for n in range(start, min(start + 10, args.emails)):
            detail = {
                "group_id": f"bench-{n}",
                "action": "digest",
                "slot": f"bench:{n}",
                "due_at": "2026-11-30T13:00:00Z",
            }
            entries.append({"Id": str(n - start), "MessageBody": json.dumps(eventbridge_event("FollowUpDue", detail))})
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)

    ctx = multiprocessing.get_context("spawn")
    bucket, lock, refused, go = ctx.Array("d", [0.0, 0.0]), ctx.Lock(), ctx.Value("i", 0), ctx.Event()
    workers = [
        ctx.Process(target=worker, args=(env, (queue_url, queue_arn), bucket, lock, float(args.rate), refused, go))
        for _ in range(args.concurrency)
    ]
    for w in workers:
        w.start()
    time.sleep(15)  # the workers' cold start (imports), not part of the drain
    bucket[0], bucket[1] = float(args.rate), time.monotonic()
    started = time.monotonic()
    go.set()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started - 3 * 1  # the workers' three empty polls at the end

    from local.sent_mail import sent_emails

    sent = [e.to[0] for e in sent_emails()]
    count = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    dlq = sqs.get_queue_attributes(QueueUrl=stack.name("EmailDLQ"), AttributeNames=count)["Attributes"]
    left = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=count)["Attributes"]
    pacing = "off" if args.no_pacing else "on"
    print(
        f"{args.emails} emails, SES rate {args.rate}/s, concurrency {args.concurrency}, pacing {pacing}:\n"
        f"  drained in {elapsed:.1f} s ({len(sent) / elapsed:.1f} emails/s; at best {args.emails / args.rate:.1f} s)\n"
        f"  sent {len(sent)}, distinct {len(set(sent))}, refused by SES's rate {refused.value} (each retried)\n"
        f"  left on the queue {sum(int(v) for v in left.values())}, in the DLQ {sum(int(v) for v in dlq.values())}"
    )
    server.stop()


if __name__ == "__main__":
    main()

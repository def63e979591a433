"""Publish the events the outbox parked on its durable queue, each message once.

    python -m scripts.redrive_outbox --stack <deployed stack name>
    python -m scripts.redrive_outbox --queue-url <OutboxDLQ URL> --bus <event bus name>

Messages that are not parked events (shard pointers from the stream's on-failure
destination) are left on the queue and counted. AWS credentials, region and endpoint come
from the usual AWS environment (AWS_ENDPOINT_URL for a local one).
"""

from __future__ import annotations

import argparse
import os
import sys


def outputs_of_stack(stack: str) -> dict[str, str]:
    import boto3

    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", help="a deployed stack (its OutboxDLQUrl and EventBusName outputs)")
    parser.add_argument("--queue-url", help="the outbox's durable queue (OutboxDLQ)")
    parser.add_argument("--bus", help="the event bus to publish to")
    args = parser.parse_args(argv)
    queue_url, bus = args.queue_url, args.bus
    if args.stack:
        outputs = outputs_of_stack(args.stack)
        queue_url, bus = queue_url or outputs["OutboxDLQUrl"], bus or outputs["EventBusName"]
    if not queue_url or not bus:
        parser.error("say where: --stack, or --queue-url and --bus")

    from shared import settings
    from shared.outbox.parking import redrive
    from shared.outbox.publisher import publish

    os.environ["EVENT_BUS_NAME"] = bus
    settings.reset()
    report = redrive(queue_url, publish)
    print(report)
    return 0 if report.left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""A daily follow-up run over many groups, against DynamoDB Local (issue #5).

Loads GROUPS groups straight into the table (batch writes of the same items the intake
writes, so the run sees real data), of which DUE_SHARE are due, then times
`run_follow_ups` as of a day when those are due, REPEATS times on fresh copies of the due
set, and reports the items read and min/median seconds.

    .venv/bin/python -m bench.follow_ups_scale [--groups 10000] [--due-share 0.01 | --due 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from local.dynamodb_local import DynamoDBLocal
from local.provision import tables_only


def load_groups(count: int, due: int, created: datetime) -> int:
    from shared.domain.clock import iso
    from shared.storage import group_keys
    from shared.storage.table import GroupItem, InquiryItem

    with GroupItem.batch_write() as batch:
        for n in range(count):
            group_id = str(uuid.uuid4())
            at = iso(created)
            item = GroupItem(
                group_keys.group_pk(group_id), group_keys.GROUP_SK, group_id=group_id, stage="learn_more", version=1,
                state="CA", city="Fresno", zip="93650", founder_name=f"Founder {n}",
                founder_email=f"founder{n}@example.com", organizer_id="ac-ca-north", routing_reason="zip_prefix",
                routing_note="bench", created_at=at, updated_at=at,
                **group_keys.index_keys("CA", "learn_more", at, group_id),
            )  # fmt: skip
            # The due ones wait for their first-contact reminder; the rest are due next month.
            when = created + timedelta(days=3 if n < due else 33)
            item.due_pk, item.due_sk = group_keys.DUE_PK, group_keys.due_sk(when, group_id)
            batch.save(item)
            batch.save(
                InquiryItem(group_keys.group_pk(group_id), f"INQUIRY#{n:032d}", group_id=group_id,
                            inquiry_id=str(uuid.uuid4()), received_at=at, duplicate=False, state="CA")
            )  # fmt: skip
    return due


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--due-share", type=float, default=0.01)
    parser.add_argument("--due", type=int, default=None, help="how many are due (instead of --due-share)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")  # noqa: S106
    from shared import settings
    from shared.storage import table
    from shared.usecases.scheduled_runs import run_follow_ups

    due_count = args.due if args.due is not None else int(args.groups * args.due_share)
    print(f"{args.groups} groups, {due_count} due, DynamoDB Local; {args.repeats} runs on fresh data")
    seconds, reads = [], []
    for _ in range(args.repeats):
        # A fresh server each time, with room to hold the data (the test defaults trade heap
        # for a fast start).
        with DynamoDBLocal(jvm_args=("-Xmx2g",)) as server:
            resolver = tables_only(server.client(), f"bench-{uuid.uuid4().hex[:8]}")
            os.environ.update(AWS_ENDPOINT_URL_DYNAMODB=server.endpoint_url, TABLE_NAME=resolver.ref("GroupsTable"))
            settings.reset()
            table._bound = None
            table.bind()
            created = datetime.now(UTC) - timedelta(days=4)
            t0 = time.perf_counter()
            due = load_groups(args.groups, due_count, created)
            loaded = time.perf_counter() - t0
            t0 = time.perf_counter()
            report = run_follow_ups(datetime.now(UTC))
            seconds.append(time.perf_counter() - t0)
            reads.append(report.items_read)
            assert report.taken["first_contact_reminder"] == due, report.as_dict()
            print(f"  loaded in {loaded:.1f} s; run: {seconds[-1]:.2f} s, {report.items_read} items read, "
                  f"{report.due} due, {dict(report.taken)}")  # fmt: skip
    print(f"run time min {min(seconds):.2f} s, median {statistics.median(seconds):.2f} s; "
          f"items read {sorted(set(reads))}")  # fmt: skip


if __name__ == "__main__":
    main()

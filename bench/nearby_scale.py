"""GET /groups/nearby's query beside 5,000 chartered groups, against DynamoDB Local.

Loads GROUPS chartered groups (at ZIP codes spread over the whole table, with a dense
cluster of DENSE of them in the San Francisco Bay Area, where searches read the most) and
FORMING groups that are not chartered (not in the sparse index), then times
`find_nearby` (the use case behind the route: parse, locate the ZIP, query, distances) for
SEARCHES ZIP codes at radii 25 and 100 miles, and reports p50/p95/p99/max milliseconds,
Queries per search and index items read.

    .venv/bin/python -m bench.nearby_scale [--groups 5000] [--dense 500] [--forming 1000] [--searches 300]
    .venv/bin/python -m bench.nearby_scale --radii 25 --compare   # adaptive steps against fixed ones
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid

from local.dynamodb_local import DynamoDBLocal
from local.provision import tables_only


def all_zips() -> list[str]:
    from shared.domain.zip_points import RECORD, _table

    data = _table()
    return [f"{RECORD.unpack_from(data, i)[0]:05d}" for i in range(0, len(data), RECORD.size)]


def load(chartered: list[str], forming: int) -> None:
    from shared.domain.clock import iso, utcnow
    from shared.domain.zip_points import locate
    from shared.storage import groups, nearby
    from shared.storage.table import GroupItem

    at = iso(utcnow())
    with GroupItem.batch_write() as batch:
        for n, zip_code in enumerate([*chartered, *(["93650"] * forming)]):
            group_id = str(uuid.uuid4())
            stage = "develop_plan" if n < len(chartered) else "organize_core"
            item = GroupItem(
                groups.group_pk(group_id), groups.GROUP_SK, group_id=group_id, stage=stage, version=9,
                state="CA", city=f"City {n}", zip=zip_code, founder_name=f"Founder {n}",
                founder_email=f"founder{n}@example.com", organizer_id="ac-ca-north", routing_reason="zip_prefix",
                routing_note="bench", created_at=at, updated_at=at,
                **groups.index_keys("CA", stage, at, group_id),
            )  # fmt: skip
            point = locate(zip_code)
            if stage == "develop_plan" and point is not None:
                item.group_number, item.public_name = n + 1, f"City {n}"
                item.lat, item.lon = point.lat, point.lon
                item.near_pk = nearby.band_partition(nearby.band_of(point.lat))
                item.near_sk = nearby.place_sk(point, group_id)
            batch.save(item)


def fixed_steps(center, radius_mi: float, limit: int):
    """The search as it was before the adaptive steps (a quarter, half, then the whole
    radius, each tried in turn), for --compare: the same index and distances."""
    from shared.storage import nearby

    queries = read = 0
    found: list = []
    for radius in [radius_mi / 4, radius_mi / 2, radius_mi] if radius_mi > nearby.STEP_FROM_MI else [radius_mi]:
        found, q, r = nearby._within(center, radius)
        queries, read = queries + q, read + r
        if len(found) >= limit:
            break
    return nearby.Found(found[:limit], queries=queries, items_read=read)


def compare(searches: list[str], radius: int, rng: random.Random) -> None:
    """The adaptive steps against the fixed ones, interleaved search by search in a random
    order (so load from other work falls on both alike): the storage call alone."""
    from shared.domain.zip_points import locate
    from shared.storage import nearby
    from shared.usecases.nearby import MAX_RESULTS

    ms: dict[str, list[float]] = {"fixed": [], "adaptive": []}
    rounds: dict[str, list[int]] = {"fixed": [], "adaptive": []}
    for zip_code in searches:
        point = locate(zip_code)
        ways = [("fixed", fixed_steps), ("adaptive", nearby.groups_near)]
        rng.shuffle(ways)
        answers = []
        for name, search in ways:
            t = time.perf_counter()
            found = search(point, radius, limit=MAX_RESULTS)
            ms[name].append((time.perf_counter() - t) * 1000)
            rounds[name].append(found.queries)
            answers.append([g.group_number for g in found.groups])
        assert answers[0] == answers[1], f"the two ways disagree at {zip_code}"
    for name in ("fixed", "adaptive"):
        v = ms[name]
        print(
            f"  {name:>8}: p50 {statistics.median(v):.1f} ms, p95 {percentile(v, 95):.1f}, "
            f"p99 {percentile(v, 99):.1f}, max {max(v):.1f}; Queries per search median "
            f"{statistics.median(rounds[name]):.0f}, max {max(rounds[name])}"
        )
    f, a = ms["fixed"], ms["adaptive"]
    print(
        f"  adaptive / fixed: p50 {statistics.median(a) / statistics.median(f):.2f}, "
        f"p95 {percentile(a, 95) / percentile(f, 95):.2f}, p99 {percentile(a, 99) / percentile(f, 99):.2f}"
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=5000)
    parser.add_argument("--dense", type=int, default=500)
    parser.add_argument("--forming", type=int, default=1000)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--radii", default="25,100")
    parser.add_argument("--compare", action="store_true", help="time the adaptive steps against the fixed ones")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")  # noqa: S106
    from shared import settings
    from shared.domain.zip_points import locate
    from shared.storage import nearby, table
    from shared.usecases.nearby import MAX_RESULTS, find_nearby

    rng = random.Random(14)  # noqa: S311 - a repeatable sample, not crypto
    zips = all_zips()
    bay = [z for z in zips if z.startswith(("945", "946", "941", "940", "950", "951"))]
    chartered = rng.sample(zips, args.groups - args.dense) + [rng.choice(bay) for _ in range(args.dense)]
    with DynamoDBLocal(jvm_args=("-Xmx2g",)) as server:
        resolver = tables_only(server.client(), f"bench-{uuid.uuid4().hex[:8]}")
        os.environ.update(AWS_ENDPOINT_URL_DYNAMODB=server.endpoint_url, TABLE_NAME=resolver.ref("GroupsTable"))
        settings.reset()
        table._bound = None
        table.bind()
        t0 = time.perf_counter()
        load(chartered, args.forming)
        print(
            f"{args.groups} chartered groups ({args.dense} in the Bay Area) and {args.forming} forming, "
            f"loaded in {time.perf_counter() - t0:.1f} s; DynamoDB Local"
        )
        searches = [rng.choice(zips) for _ in range(args.searches // 2)] + [
            rng.choice(bay) for _ in range(args.searches - args.searches // 2)
        ]
        for _ in range(20):  # warm the JVM and the connection, as a warm Lambda is
            find_nearby({"zip": "94612", "radius_mi": "25"})
        if args.compare:
            for radius in [int(r) for r in args.radii.split(",")]:
                print(f"radius {radius:>3} mi, {len(searches)} searches (half in the Bay Area), both ways each:")
                compare(searches, radius, rng)
            return
        for radius in [int(r) for r in args.radii.split(",")]:
            ms, queries, reads, found = [], [], [], []
            for zip_code in searches:
                t = time.perf_counter()
                answer = find_nearby({"zip": zip_code, "radius_mi": str(radius)})
                ms.append((time.perf_counter() - t) * 1000)
                point = locate(zip_code)
                detail = nearby.groups_near(point, radius, limit=MAX_RESULTS)
                queries.append(detail.queries)
                reads.append(detail.items_read)
                found.append(len(answer))
            print(
                f"radius {radius:>3} mi, {len(searches)} searches (half in the Bay Area): "
                f"p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f}, p99 {percentile(ms, 99):.1f}, "
                f"max {max(ms):.1f}; Queries per search max {max(queries)}; "
                f"index items read median {statistics.median(reads):.0f}, max {max(reads)}; "
                f"groups answered median {statistics.median(found):.0f}, max {max(found)}"
            )


if __name__ == "__main__":
    main()

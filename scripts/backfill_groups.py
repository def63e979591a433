"""Fill in what lists and reports read on groups written before it existed (idempotent).

    python -m scripts.backfill_groups --table <table name>
    python -m scripts.backfill_groups --stack <deployed stack name>

Without --table or --stack, TABLE_NAME from the environment is used. Run it once after
deploying the version that added the ByOrganizer index (DynamoDB builds the index itself;
this gives older groups the keys it reads). AWS settings come from the usual environment.
"""

from __future__ import annotations

import argparse
import os
import sys

from scripts.load_directory import table_of_stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--table", help="the GroupsTable's name")
    where.add_argument("--stack", help="a deployed stack whose GroupsTable to fill")
    args = parser.parse_args(argv)

    from shared import settings
    from shared.usecases.backfill import backfill_groups

    table = args.table or (table_of_stack(args.stack) if args.stack else os.environ.get("TABLE_NAME"))
    if not table:
        parser.error("say which table: --table, --stack, or TABLE_NAME")
    os.environ["TABLE_NAME"] = table
    settings.reset()
    print(f"{table}: {backfill_groups()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load the organizer directory file into the table (idempotent).

    python -m scripts.load_directory data/organizers.yaml --table <table name>
    python -m scripts.load_directory data/organizers.yaml --stack <deployed stack name>

Without --table or --stack, TABLE_NAME from the environment is used. AWS credentials,
region and endpoint come from the usual AWS environment (AWS_ENDPOINT_URL for a local one).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pydantic import ValidationError


def table_of_stack(stack: str) -> str:
    import boto3

    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    for output in outputs:
        if output["OutputKey"] == "GroupsTableName":
            return output["OutputValue"]
    raise SystemExit(f"stack {stack} has no GroupsTableName output")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--table", help="the GroupsTable's name")
    where.add_argument("--stack", help="a deployed stack whose GroupsTable to load")
    args = parser.parse_args(argv)

    from shared import settings
    from shared.storage.directory import load_directory
    from shared.storage.directory_file import parse_directory_file

    table = args.table or (table_of_stack(args.stack) if args.stack else os.environ.get("TABLE_NAME"))
    if not table:
        parser.error("say which table: --table, --stack, or TABLE_NAME")
    os.environ["TABLE_NAME"] = table
    settings.reset()
    try:
        data = parse_directory_file(args.file.read_text())
    except ValidationError as err:
        print(f"{args.file}: not a valid directory file:\n{err}", file=sys.stderr)
        return 2
    report = load_directory(data)
    print(f"{table}: {len(data.organizers)} organizers in {args.file}: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

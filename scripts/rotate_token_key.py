"""Rotate the keys that sign founders' status links (docs/founder-page.md).

    python -m scripts.rotate_token_key --secret <FounderTokenSecret ARN or name> [--keep 1]

Puts a new secret value: a new random key first (it signs from now on), then the `--keep`
keys that signed most recently (links they signed keep working). With --keep 1, rotate no
more often than the links' lifetime (FounderTokenDays, 30 by default). Containers pick the
new key up within 10 minutes, or at once when they see a link it signed. AWS credentials,
region and endpoint come from the usual AWS environment.
"""

from __future__ import annotations

import argparse
import json
import secrets
import string
from datetime import UTC, datetime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--secret", required=True, help="the FounderTokenSecret's ARN or name")
    parser.add_argument("--keep", type=int, default=1, help="how many of the latest keys to keep (default 1)")
    args = parser.parse_args(argv)

    import boto3

    from shared.api.founder_tokens import rotated

    client = boto3.client("secretsmanager")
    current = json.loads(client.get_secret_value(SecretId=args.secret)["SecretString"])
    alphabet = string.ascii_letters + string.digits
    new_id = "k" + datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    new_key = "".join(secrets.choice(alphabet) for _ in range(64))
    value = rotated(current, new_id, new_key, keep=args.keep)
    client.put_secret_value(SecretId=args.secret, SecretString=json.dumps(value))
    print(f"signing with {new_id}; also accepted: {', '.join(k['id'] for k in value['keys'][1:]) or 'none'}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

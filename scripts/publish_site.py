"""Publish web/ to a deployed stack's site: the second half of `make deploy`.

    python -m scripts.publish_site --stack start-a-group

1. When the stack's PublicSiteUrl / OrganizerAppUrl still name another address than its
   CloudFront distribution (a first deploy without a custom domain), the stack is updated
   to that address, so emails link to it and Cognito's managed login returns to it.
2. The shipped files (web/ without node_modules, plus the two library modules the console
   imports from it) are synced to the private site bucket: new and changed files are
   uploaded, files no longer shipped are deleted, as `aws s3 sync --delete` would.
3. organizers/config.json tells the console where Cognito's managed login is.
4. The distribution is invalidated, so the new files are served at once.
AWS credentials and region come from the usual AWS environment.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
# The browser libraries the console loads from node_modules (web/organizers/lib.js);
# tests/test_console_files.py checks that every import of a shipped module is shipped.
VENDORED = (
    "organizers/node_modules/preact/dist/preact.mjs",
    "organizers/node_modules/htm/dist/htm.mjs",
)
NOT_SHIPPED_NAMES = {"package.json", "package-lock.json"}
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8"}


def shipped_files(web: Path = WEB) -> dict[str, Path]:
    """Object key → file, for every file of the site."""
    files: dict[str, Path] = {}
    for path in sorted(web.rglob("*")):
        rel = path.relative_to(web)
        if not path.is_file() or "node_modules" in rel.parts or path.name in NOT_SHIPPED_NAMES:
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        files[rel.as_posix()] = path
    for key in VENDORED:
        files[key] = web / key
    return files


def content_type(key: str) -> str:
    suffix = Path(key).suffix
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed = mimetypes.guess_type(key)[0] or "application/octet-stream"
    return guessed + ("; charset=utf-8" if guessed.startswith("text/") or guessed.endswith("json") else "")


def stack_outputs(cloudformation, stack: str) -> tuple[dict[str, str], dict[str, str]]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])}
    return outputs, parameters


def point_stack_at_site(cloudformation, stack: str, site_url: str, parameters: dict[str, str]) -> bool:
    """Update the stack's two URL parameters to its own site; False when they already are."""
    wanted = {"PublicSiteUrl": site_url, "OrganizerAppUrl": site_url + "organizers/"}
    if all(parameters.get(k) == v for k, v in wanted.items()):
        return False
    cloudformation.update_stack(
        StackName=stack,
        UsePreviousTemplate=True,
        Parameters=[
            {"ParameterKey": k, "ParameterValue": wanted[k]}
            if k in wanted
            else {"ParameterKey": k, "UsePreviousValue": True}
            for k in parameters
        ],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    cloudformation.get_waiter("stack_update_complete").wait(StackName=stack)
    return True


def remote_objects(s3, bucket: str) -> dict[str, str]:
    """Key → ETag (an MD5 for these single-part uploads) of what the bucket holds."""
    objects: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            objects[item["Key"]] = item["ETag"].strip('"')
    return objects


def sync(s3, bucket: str, files: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Upload what is new or changed, delete what is no longer shipped: (uploaded, deleted)."""
    remote = remote_objects(s3, bucket)
    uploaded = []
    for key, data in sorted(files.items()):
        if remote.get(key) == hashlib.md5(data, usedforsecurity=False).hexdigest():
            continue
        # Module files carry no content hash in their names: browsers revalidate each time.
        s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type(key), CacheControl="no-cache")
        uploaded.append(key)
    deleted = sorted(set(remote) - set(files))
    for start in range(0, len(deleted), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in deleted[start : start + 1000]]})
    return uploaded, deleted


def console_config(outputs: dict[str, str]) -> bytes:
    config = {"auth": "cognito", "domain": outputs["SignInUrl"], "client_id": outputs["OrganizerUserPoolClientId"]}
    return json.dumps(config, indent=2).encode()


def site_contents(outputs: dict[str, str]) -> Iterator[tuple[str, bytes]]:
    for key, path in shipped_files().items():
        yield key, path.read_bytes()
    yield "organizers/config.json", console_config(outputs)


def publish(session, stack: str, *, point_stack: bool = True) -> dict[str, object]:
    cloudformation = session.client("cloudformation")
    outputs, parameters = stack_outputs(cloudformation, stack)
    site_url = outputs["SiteUrl"]
    repointed = point_stack and point_stack_at_site(cloudformation, stack, site_url, parameters)
    missing = [k for k in VENDORED if not (WEB / k).is_file()]
    if missing:
        raise SystemExit(f"missing {missing}: run `make install` (npm ci in web/organizers) first")
    uploaded, deleted = sync(session.client("s3"), outputs["SiteBucketName"], dict(site_contents(outputs)))
    invalidation = session.client("cloudfront").create_invalidation(
        DistributionId=outputs["SiteDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"publish-{time.time_ns()}"},
    )["Invalidation"]["Id"]
    return {
        "site": site_url,
        "repointed": repointed,
        "uploaded": uploaded,
        "deleted": deleted,
        "invalidation": invalidation,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="start-a-group", help="the deployed stack (samconfig.toml's stack_name)")
    parser.add_argument(
        "--keep-urls", action="store_true", help="leave PublicSiteUrl/OrganizerAppUrl alone (a custom domain)"
    )
    args = parser.parse_args(argv)
    import boto3

    result = publish(boto3.Session(), args.stack, point_stack=not args.keep_urls)
    print(
        f"Published {len(result['uploaded'])} changed files (deleted {len(result['deleted'])}) to {result['site']}"
        f"{'; the stack now links there' if result['repointed'] else ''}. Organizers: {result['site']}organizers/",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

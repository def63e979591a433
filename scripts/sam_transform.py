"""template.yaml as CloudFormation sees it after the SAM transform (offline), for checkov.

    .venv-tools/bin/python scripts/sam_transform.py template.yaml .aws-sam/transformed.json

Run with the tools venv (aws-sam-cli brings aws-sam-translator). No AWS call: the
template names no managed policy, so the policy loader is never asked for one.
"""

from __future__ import annotations

import json
import sys


class NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def main(source: str, target: str) -> None:
    import os

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # only the ARNs it writes use it
    from samcli.yamlhelper import yaml_parse
    from samtranslator.translator.transform import transform

    with open(source) as f:
        template = yaml_parse(f.read())
    # As `sam package` would leave it: local code paths become S3 locations.
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://packaged/{props[key].strip('./') or 'layer'}"
    transformed = transform(template, {"AlarmEmail": "ops@example.org"}, NoManagedPolicies())
    with open(target, "w") as f:
        json.dump(transformed, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

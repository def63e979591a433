"""`make invoke FUNCTION=<LogicalId> EVENT=events/<file>.json`: one function of
template.yaml, one event, no Docker. The function runs in this process with its template
environment, against the resources of the local stack running on $PORT (default 3000)
when there is one, else of a fresh local stack that stops afterwards. Its logs go to
stderr and its response to stdout, as with `sam local invoke`."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import urllib.request
from contextlib import ExitStack
from typing import Any

from local.lambda_runtime import invoke
from local.provision import Stack
from local.server import LocalStack, parameters, state_file, use_aws_endpoint
from local.template import Physical, Resolver, load


def running_stack(port: int) -> Stack | None:
    """The stack of the local server on `port`, if one is up."""
    path = state_file(port)
    if not path.is_file():
        return None
    state = json.loads(path.read_text())
    try:
        with urllib.request.urlopen(f"{state['url']}/_local/health", timeout=2) as response:  # noqa: S310 - local URL
            if response.status != 200:
                return None
    except OSError:
        return None
    use_aws_endpoint(state["aws_endpoint_url"])
    import boto3

    session = boto3.Session()
    physical = {k: Physical(v["ref"], v["attrs"]) for k, v in state["physical"].items()}
    resolver = Resolver(
        load(),
        physical,
        region=session.region_name,
        account=session.client("sts").get_caller_identity()["Account"],
        stack_name=state["stack_name"],
        parameters=parameters(state["aws_endpoint_url"], state.get("url")),
    )
    print(f"Using the local stack running at {state['url']}.", file=sys.stderr)
    return Stack(resolver, session)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("function", help="logical id of a function in template.yaml, e.g. IntakeFunction")
    parser.add_argument("event", help="event file, e.g. events/intake_post_inquiry.json")
    args = parser.parse_args(argv)

    functions = sorted(k for k, v in load()["Resources"].items() if v["Type"] == "AWS::Serverless::Function")
    if args.function not in functions:
        parser.error(f"{args.function} is not a function of template.yaml; choose one of {', '.join(functions)}")
    with open(args.event) as file:
        event: dict[str, Any] = json.load(file)

    with ExitStack() as cleanup:
        # Everything but the response goes to stderr, the function's logs included.
        with contextlib.redirect_stdout(sys.stderr):
            stack = running_stack(int(os.environ.get("PORT", "3000")))
            if stack is None:
                print("No local stack is running: starting a fresh one for this call.", file=sys.stderr)
                stack = LocalStack.boot(cleanup).stack
            response = invoke(stack, args.function, event)
        print(json.dumps(response, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What each function asks of AWS, recorded while its handler runs, and whether the
function's role in template.yaml grants exactly that (tests/test_aws_calls.py).

Recording: every botocore API call (pynamodb's, boto3's and Powertools' all go through
BaseClient._make_api_call) made while a handler of template.yaml runs is kept with the
function's logical id. Each call becomes the IAM permissions it needs: the action, the
resource's ARN and the condition keys the template's policies test (dynamodb:LeadingKeys,
dynamodb:Attributes, dynamodb:ReturnValues, ses:FromAddress). A transaction needs the
action of each of its parts; a batch the batch action.

What Lambda itself does with a function's role is derived from the template, as AWS
documents it: writing the function's logs, polling its queue or stream, and sending a
failed record or invocation to its on-failure destination.
"""

from __future__ import annotations

import contextlib
import contextvars
import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from local.template import resources_of_type

current_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_function", default=None)


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    context: tuple[tuple[str, tuple[str, ...]], ...] = ()
    why: str = ""

    def values(self, key: str) -> tuple[str, ...] | None:
        return next((v for k, v in self.context if k == key), None)


@dataclass
class Recording:
    calls: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)  # fn, service, op, params


@contextlib.contextmanager
def recording(monkeypatch: Any) -> Iterator[Recording]:
    """Record the AWS calls of every handler of template.yaml invoked in the block."""
    from botocore.client import BaseClient

    from local import lambda_runtime

    rec = Recording()
    original_call = BaseClient._make_api_call
    original_load = lambda_runtime.load_handler

    def call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        function = current_function.get()
        if function is not None:
            rec.calls.append((function, self.meta.service_model.signing_name, operation_name, dict(api_params)))
        return original_call(self, operation_name, api_params)

    def load(function: dict[str, Any], template: dict[str, Any]) -> Any:
        handler = original_load(function, template)
        logical = next(k for k, v in template["Resources"].items() if v is function)

        def run(event: Any, context: Any) -> Any:
            token = current_function.set(logical)
            try:
                return handler(event, context)
            finally:
                current_function.reset(token)

        return run

    monkeypatch.setattr(BaseClient, "_make_api_call", call)
    monkeypatch.setattr(lambda_runtime, "load_handler", load)
    yield rec


# --- calls → needs -----------------------------------------------------------------------

_KEY_TERM = re.compile(r"(#[\w]+)\s*=\s*(:[\w]+)")
_NAME = re.compile(r"#[\w]+")


def _pk(key: dict[str, Any]) -> str:
    """The partition key's value (the groups table's PK, the idempotency table's id)."""
    return (key.get("PK") or key["id"])["S"]


def _names(expression: str | None, names: dict[str, str]) -> set[str]:
    return {names.get(n, n) for n in _NAME.findall(expression or "")}


def _item_needs(action: str, table_arn: str, part: dict[str, Any], why: str) -> Need:
    key = part.get("Key") or part.get("Item")
    context: list[tuple[str, tuple[str, ...]]] = [("dynamodb:LeadingKeys", (_pk(key),))]
    names = part.get("ExpressionAttributeNames") or {}
    if action == "dynamodb:UpdateItem":
        touched = _names(part.get("UpdateExpression"), names) | _names(part.get("ConditionExpression"), names)
        context.append(("dynamodb:Attributes", tuple(sorted(touched | set(key)))))
        context.append(("dynamodb:ReturnValues", (part.get("ReturnValues") or "NONE",)))
    if action == "dynamodb:PutItem":
        context.append(("dynamodb:Attributes", tuple(sorted(key))))
    return Need(action, table_arn, tuple(context), why)


def needs_of_call(service: str, op: str, params: dict[str, Any], arns: dict[str, str]) -> list[Need]:
    """`arns`: physical name or URL → ARN, for the template's tables, queues and bus."""
    why = f"{service}:{op}"
    if service == "dynamodb":
        if op in ("GetItem", "PutItem", "UpdateItem", "DeleteItem"):
            return [_item_needs(f"dynamodb:{op}", arns[params["TableName"]], params, why)]
        if op == "Query":
            table = arns[params["TableName"]]
            if params.get("IndexName"):
                return [Need("dynamodb:Query", f"{table}/index/{params['IndexName']}", (), why)]
            names = params.get("ExpressionAttributeNames") or {}
            values = params.get("ExpressionAttributeValues") or {}
            terms = _KEY_TERM.findall(params["KeyConditionExpression"])
            pk = next(values[v]["S"] for n, v in terms if names.get(n, n) in ("PK", "id"))
            return [Need("dynamodb:Query", table, (("dynamodb:LeadingKeys", (pk,)),), why)]
        if op == "BatchGetItem":
            out = []
            for table, spec in params["RequestItems"].items():
                keys = tuple(sorted({_pk(k) for k in spec["Keys"]}))
                out.append(Need("dynamodb:BatchGetItem", arns[table], (("dynamodb:LeadingKeys", keys),), why))
            return out
        if op == "TransactWriteItems":
            kinds = {
                "ConditionCheck": "ConditionCheckItem", "Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"
            }  # fmt: skip
            out = []
            for entry in params["TransactItems"]:
                [(kind, part)] = entry.items()
                out.append(_item_needs(f"dynamodb:{kinds[kind]}", arns[part["TableName"]], part, why))
            return out
    if service == "sqs" and op == "SendMessage":
        return [Need("sqs:SendMessage", arns[params["QueueUrl"]], (), why)]
    if service == "events" and op == "PutEvents":
        return [Need("events:PutEvents", arns[e["EventBusName"]], (), why) for e in params["Entries"]]
    if service == "ses" and op == "SendEmail":
        sender = params["FromEmailAddress"]
        context = (("ses:FromAddress", (sender,)),)
        region, account = arns["@region"], arns["@account"]
        out = [Need("ses:SendEmail", f"arn:aws:ses:{region}:{account}:identity/{sender}", context, why)]
        if params.get("ConfigurationSetName"):
            config_set = f"arn:aws:ses:{region}:{account}:configuration-set/{params['ConfigurationSetName']}"
            out.append(Need("ses:SendEmail", config_set, context, why))
        return out
    if service == "secretsmanager" and op == "GetSecretValue":
        return [Need("secretsmanager:GetSecretValue", arns.get(params["SecretId"], params["SecretId"]), (), why)]
    if service == "cognito-idp" and op == "AdminGetUser":
        return [Need("cognito-idp:AdminGetUser", arns[params["UserPoolId"]], (), why)]
    raise AssertionError(f"tests/iam.py does not know what {service}:{op} needs: teach it")


def platform_needs(stack: Any, logical: str) -> list[Need]:
    """What Lambda does with the role of `logical`, by the template (not by the code)."""
    resolver = stack.resolver
    props = stack.template["Resources"][logical]["Properties"]
    arn = f"arn:aws:logs:{resolver.region}:{resolver.account}:log-group"
    log_group = f"{arn}:/aws/lambda/{resolver.stack_name}-{logical}:*"
    out = [Need(a, log_group, (), "Lambda writes the logs") for a in ("logs:CreateLogStream", "logs:PutLogEvents")]
    for source in (props.get("Events") or {}).values():
        p = resolver.resolve(source.get("Properties", {}))
        if source["Type"] == "SQS":
            out += [Need(f"sqs:{a}", p["Queue"], (), "the SQS event source polls")
                    for a in ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")]  # fmt: skip
        if source["Type"] == "DynamoDB":
            out += [Need(f"dynamodb:{a}", p["Stream"], (), "the stream event source reads")
                    for a in ("DescribeStream", "GetRecords", "GetShardIterator")]  # fmt: skip
            streams = p["Stream"].rsplit("/stream/", 1)[0] + "/stream/*"
            out.append(Need("dynamodb:ListStreams", streams, (), "the stream event source lists"))
        destination = ((p.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if destination:
            out.append(Need("sqs:SendMessage", destination, (), "a failed record goes to its on-failure destination"))
    invoke_config = resolver.resolve(props.get("EventInvokeConfig") or {})
    destination = ((invoke_config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    if destination:
        out.append(Need("sqs:SendMessage", destination, (), "a failed invocation goes to its on-failure destination"))
    return out


def arn_index(stack: Any) -> dict[str, str]:
    resolver = stack.resolver
    out = {"@region": resolver.region, "@account": resolver.account}
    for logical in resources_of_type(stack.template, "AWS::DynamoDB::Table"):
        out[resolver.ref(logical)] = resolver.physical[logical].attrs["Arn"]
    for logical in resources_of_type(stack.template, "AWS::SQS::Queue"):
        out[resolver.physical[logical].attrs["QueueUrl"]] = resolver.physical[logical].attrs["Arn"]
    for logical in resources_of_type(stack.template, "AWS::SecretsManager::Secret"):
        out[resolver.ref(logical)] = resolver.ref(logical)  # its Ref is its ARN
    for logical in resources_of_type(stack.template, "AWS::Events::EventBus", "AWS::Cognito::UserPool"):
        out[resolver.ref(logical)] = resolver.physical[logical].attrs["Arn"]
    return out


# --- the role's statements, and matching ----------------------------------------------


def role_statements(stack: Any, logical: str) -> list[dict[str, Any]]:
    """The Allow statements of the function's role (template.yaml `Role: !GetAtt X.Arn`),
    resolved against the stack; each gets a `Sid` if it has none."""
    props = stack.template["Resources"][logical]["Properties"]
    role = props["Role"]["Fn::GetAtt"][0]
    out = []
    for policy in stack.template["Resources"][role]["Properties"]["Policies"]:
        for n, statement in enumerate(policy["PolicyDocument"]["Statement"]):
            resolved = stack.resolver.resolve(statement)
            resolved.setdefault("Sid", f"{policy['PolicyName']}[{n}]")
            out.append(resolved)
    return out


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _condition_holds(condition: dict[str, Any], need: Need) -> bool:
    for operator, tests in condition.items():
        for key, allowed in tests.items():
            allowed = _listed(allowed)
            values = need.values(key)
            like = "Like" in operator
            matched = values is not None and all(
                any(fnmatch.fnmatchcase(v, p) if like else v == p for p in allowed) for v in values
            )
            if operator.startswith("ForAllValues:") or operator.endswith("IfExists"):
                if values is not None and not matched:  # absent: nothing to hold against
                    return False
            elif operator in ("StringEquals", "StringLike"):
                if not matched:
                    return False
            else:
                raise AssertionError(f"tests/iam.py does not evaluate condition operator {operator}")
    return True


def grants(statement: dict[str, Any], need: Need) -> tuple[str, str] | None:
    """The (action, resource) of `statement` that grants `need`, or None."""
    if statement.get("Effect") != "Allow":
        return None
    action = next((a for a in _listed(statement["Action"]) if fnmatch.fnmatchcase(need.action, a)), None)
    resource = next((r for r in _listed(statement["Resource"]) if fnmatch.fnmatchcase(need.resource, r)), None)
    if action is None or resource is None:
        return None
    if not _condition_holds(statement.get("Condition") or {}, need):
        return None
    return action, resource

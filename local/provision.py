"""Creates the resources of template.yaml in moto (or any AWS-compatible endpoint):
DynamoDB tables with their indexes and streams, SQS queues with redrive, the EventBridge
bus with its rules and SQS targets, Cognito user pools with their clients and groups,
the Secrets Manager secrets (their generated values made here, as CloudFormation would),
and the SES sender identity. HTTP APIs get a local id only: the local server serves
their routes itself."""

from __future__ import annotations

import json
import secrets
import string
import threading
from dataclasses import dataclass, field
from typing import Any

from local.template import Physical, Resolver, load, resources_of_type


@dataclass
class Stack:
    resolver: Resolver
    session: Any  # boto3.Session
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _clients_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def template(self) -> dict[str, Any]:
        return self.resolver.template

    def name(self, logical_id: str) -> str:
        return self.resolver.ref(logical_id)

    def attr(self, logical_id: str, attr: str) -> str:
        return self.resolver.physical[logical_id].attrs[attr]

    def environment(self, function_logical_id: str) -> dict[str, str]:
        return self.resolver.function_environment(function_logical_id)

    def queue_url(self, arn: str) -> str:
        """The URL of the template's queue with this ARN (KeyError for any other)."""
        for logical in resources_of_type(self.template, "AWS::SQS::Queue"):
            if self.resolver.physical[logical].attrs["Arn"] == arn:
                return self.resolver.physical[logical].attrs["QueueUrl"]
        raise KeyError(f"{arn} is not a queue of template.yaml")

    def functions(self) -> dict[str, dict[str, Any]]:
        return resources_of_type(self.template, "AWS::Serverless::Function")

    def client(self, service: str) -> Any:
        """One client per service, made once: clients are thread-safe, sessions are not."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = self.session.client(service)
            return self._clients[service]


# Properties of queues and rule targets that provisioning passes on to moto, and those it
# drops knowingly because locally they change nothing a run can observe (SSE; retries and
# DLQs of a delivery to SQS, which cannot fail here). Anything else, an Input or an
# InputTransformer that would change what a target receives, a FIFO queue, fails
# provisioning loudly rather than being left out of `make dev` in silence.
QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",  # the pumps ask for no wait (WaitTimeSeconds=0) anyway
)
QUEUE_PROPERTIES = {*QUEUE_ATTRIBUTES, "RedrivePolicy"}
QUEUE_PROPERTIES_WITHOUT_EFFECT = {"SqsManagedSseEnabled", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "Tags"}
TARGET_PROPERTIES = {"Id", "Arn"}
TARGET_PROPERTIES_WITHOUT_EFFECT = {"RetryPolicy", "DeadLetterConfig"}


def refuse_unemulated(what: str, props: dict[str, Any], honoured: set[str], without_effect: set[str]) -> None:
    unknown = set(props) - honoured - without_effect
    if unknown:
        raise ValueError(f"{what} sets {sorted(unknown)} in template.yaml: the local stack does not emulate it")


def _table_args(name: str, props: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("StreamSpecification"):
        args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    return args


def create_tables(dynamodb: Any, resolver: Resolver) -> dict[str, Physical]:
    """Create the DynamoDB tables of the template (indexes, stream, TTL) with `dynamodb`, a
    client for any endpoint: moto, DynamoDB Local or AWS. Records them in the resolver, so
    `resolver.ref("GroupsTable")` and the functions' TABLE_NAME resolve to them."""
    created: dict[str, Physical] = {}
    stack_name = resolver.stack_name
    for logical, res in resources_of_type(resolver.template, "AWS::DynamoDB::Table").items():
        props = resolver.resolve(res["Properties"])
        name = f"{stack_name}-{logical}"
        described = dynamodb.create_table(**_table_args(name, props))["TableDescription"]
        created[logical] = Physical(
            name, {"Arn": described["TableArn"], "StreamArn": described.get("LatestStreamArn", "")}
        )
        resolver.physical[logical] = created[logical]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    return created


def tables_only(dynamodb: Any, stack_name: str, region: str = "us-east-1") -> Resolver:
    """Only the tables of the template, against any endpoint (DynamoDB Local for the
    concurrency tests). The resolver names them: `resolver.ref("GroupsTable")`."""
    resolver = Resolver(load(), {}, region=region, stack_name=stack_name)
    create_tables(dynamodb, resolver)
    return resolver


def provision(session: Any, stack_name: str = "local", parameters: dict[str, str] | None = None) -> Stack:
    template = load()
    region = session.region_name or "us-east-1"
    account = session.client("sts").get_caller_identity()["Account"]
    resolver = Resolver(
        template, {}, region=region, account=account, stack_name=stack_name, parameters=dict(parameters or {})
    )
    physical = resolver.physical
    create_tables(session.client("dynamodb"), resolver)
    create_secrets(session.client("secretsmanager"), resolver)

    sqs = session.client("sqs")
    queues = resources_of_type(template, "AWS::SQS::Queue")
    # Dead-letter queues first: a queue's redrive policy names its DLQ's ARN.
    ordered = sorted(queues, key=lambda q: "RedrivePolicy" in queues[q].get("Properties", {}))
    for logical in ordered:
        props = resolver.resolve(queues[logical].get("Properties", {}))
        refuse_unemulated(f"queue {logical}", props, QUEUE_PROPERTIES, QUEUE_PROPERTIES_WITHOUT_EFFECT)
        name = f"{stack_name}-{logical}"
        attributes = {k: str(props[k]) for k in QUEUE_ATTRIBUTES if k in props}
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        physical[logical] = Physical(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})

    events = session.client("events")
    for logical, res in resources_of_type(template, "AWS::Events::EventBus").items():
        name = resolver.resolve(res["Properties"]["Name"])
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        physical[logical] = Physical(name, {"Arn": arn, "Name": name})
    for logical, res in resources_of_type(template, "AWS::Events::Rule").items():
        props = resolver.resolve(res["Properties"])
        for target in props.get("Targets", []):
            what = f"rule {logical}, target {target.get('Id')}"
            refuse_unemulated(what, target, TARGET_PROPERTIES, TARGET_PROPERTIES_WITHOUT_EFFECT)
        name = f"{stack_name}-{logical}"
        arn = events.put_rule(
            Name=name, EventBusName=props["EventBusName"], EventPattern=json.dumps(props["EventPattern"])
        )["RuleArn"]
        events.put_targets(
            Rule=name,
            EventBusName=props["EventBusName"],
            Targets=[{"Id": t["Id"], "Arn": t["Arn"]} for t in props.get("Targets", [])],
        )
        physical[logical] = Physical(name, {"Arn": arn})

    _provision_cognito(session, resolver, stack_name)
    for logical in resources_of_type(template, "AWS::Serverless::HttpApi"):
        physical[logical] = Physical(logical, {})

    session.client("ses").verify_email_identity(EmailAddress=resolver.parameter("SenderEmail"))
    return Stack(resolver=resolver, session=session)


SECRET_PROPERTIES = {"Description", "GenerateSecretString", "SecretString", "Name"}
GENERATE_PROPERTIES = {"SecretStringTemplate", "GenerateStringKey", "PasswordLength", "ExcludePunctuation"}


def generated_secret(spec: dict[str, Any]) -> str:
    """What CloudFormation's GenerateSecretString makes: a random string (letters and
    digits: only ExcludePunctuation is emulated), alone or put under GenerateStringKey in
    the JSON of SecretStringTemplate."""
    refuse_unemulated("GenerateSecretString", spec, GENERATE_PROPERTIES, set())
    if not spec.get("ExcludePunctuation"):
        raise ValueError("GenerateSecretString: only ExcludePunctuation: true is emulated locally")
    alphabet = string.ascii_letters + string.digits
    value = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    if "SecretStringTemplate" not in spec:
        return value
    document = json.loads(spec["SecretStringTemplate"])
    document[spec["GenerateStringKey"]] = value
    return json.dumps(document)


def create_secrets(secretsmanager: Any, resolver: Resolver) -> None:
    """The template's secrets (Ref: the ARN, as in AWS)."""
    for logical, res in resources_of_type(resolver.template, "AWS::SecretsManager::Secret").items():
        props = resolver.resolve(res.get("Properties", {}))
        refuse_unemulated(f"secret {logical}", props, SECRET_PROPERTIES, set())
        value = props["SecretString"] if "SecretString" in props else generated_secret(props["GenerateSecretString"])
        name = props.get("Name", f"{resolver.stack_name}-{logical}")
        arn = secretsmanager.create_secret(Name=name, SecretString=value, Description=props.get("Description", ""))[
            "ARN"
        ]
        resolver.physical[logical] = Physical(arn, {"Id": arn})


# CloudFormation properties that CreateUserPool / CreateUserPoolClient take as they are.
_POOL_KEYS = (
    "AccountRecoverySetting",
    "AdminCreateUserConfig",
    "AliasAttributes",
    "AutoVerifiedAttributes",
    "MfaConfiguration",
    "Policies",
    "Schema",
    "UsernameAttributes",
    "UsernameConfiguration",
)
_CLIENT_KEYS = (
    "AccessTokenValidity",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "CallbackURLs",
    "ExplicitAuthFlows",
    "GenerateSecret",
    "IdTokenValidity",
    "ReadAttributes",
    "RefreshTokenValidity",
    "SupportedIdentityProviders",
    "TokenValidityUnits",
    "WriteAttributes",
)


def _provision_cognito(session: Any, resolver: Resolver, stack_name: str) -> None:
    """User pools (Ref: pool id), then their clients (Ref: client id), then groups (Ref: name)."""
    template, physical = resolver.template, resolver.physical
    cognito = session.client("cognito-idp")
    for logical, res in resources_of_type(template, "AWS::Cognito::UserPool").items():
        props = resolver.resolve(res.get("Properties", {}))
        pool = cognito.create_user_pool(
            PoolName=props.get("UserPoolName", f"{stack_name}-{logical}"),
            **{k: props[k] for k in _POOL_KEYS if k in props},
        )["UserPool"]
        provider = f"cognito-idp.{resolver.region}.amazonaws.com/{pool['Id']}"
        physical[logical] = Physical(
            pool["Id"], {"Arn": pool["Arn"], "ProviderName": provider, "ProviderURL": f"https://{provider}"}
        )
    for logical, res in resources_of_type(template, "AWS::Cognito::UserPoolClient").items():
        props = resolver.resolve(res["Properties"])
        client = cognito.create_user_pool_client(
            UserPoolId=props["UserPoolId"],
            ClientName=props.get("ClientName", f"{stack_name}-{logical}"),
            **{k: props[k] for k in _CLIENT_KEYS if k in props},
        )["UserPoolClient"]
        physical[logical] = Physical(client["ClientId"], {"ClientSecret": client.get("ClientSecret", "")})
    for logical, res in resources_of_type(template, "AWS::Cognito::UserPoolGroup").items():
        props = resolver.resolve(res["Properties"])
        name = props.get("GroupName", f"{stack_name}-{logical}")
        extra = {k: props[k] for k in ("Description", "Precedence", "RoleArn") if k in props}
        cognito.create_group(UserPoolId=props["UserPoolId"], GroupName=name, **extra)
        physical[logical] = Physical(name, {})

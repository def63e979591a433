"""The schedules of template.yaml (`ScheduleV2` and `Schedule` events), fired at their times
while the local stack runs, as EventBridge Scheduler and EventBridge rules fire them.

Both invoke Lambda asynchronously: a run whose handler raises is retried as the function's
`EventInvokeConfig` says (Lambda's defaults where it says nothing), then a record of it goes
to its `OnFailure` destination, shaped as Lambda's. The schedule's own `RetryPolicy` and
`DeadLetterConfig` cover deliveries to Lambda that fail; locally delivery cannot fail, so the
DLQ is only checked to be a queue of the stack. A run asked for over HTTP
(POST /_local/schedules/{name}/run) is a synchronous invocation instead: one attempt, its
result or its error answered at once.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from local import event_shapes
from local.drivers import event_sources
from local.lambda_runtime import function_arn
from local.provision import Stack
from local.schedule_expressions import At, Cron, Rate, parse

# SAM event type → the source of the event it delivers when the schedule has no Input.
SCHEDULE_SOURCES = {"Schedule": "aws.events", "ScheduleV2": "aws.scheduler"}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Schedule:
    function: str
    name: str  # the event's logical name in the template
    kind: str  # Schedule | ScheduleV2
    props: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        """Event names are unique per function only: two functions may both have a `Daily`."""
        return self.function, self.name

    @property
    def qualified_name(self) -> str:
        return f"{self.function}.{self.name}"

    @property
    def expression(self) -> str:
        return self.props["Schedule"] if self.kind == "Schedule" else self.props["ScheduleExpression"]

    @property
    def timezone(self) -> str:
        return self.props.get("ScheduleExpressionTimezone", "UTC")  # EventBridge rules: always UTC

    @cached_property
    def timing(self) -> Cron | Rate | At:
        return parse(self.expression, self.timezone)

    @property
    def enabled(self) -> bool:
        return self.props.get("State", "ENABLED") != "DISABLED" and self.props.get("Enabled", True) is not False

    def event(self, time: datetime) -> dict[str, Any]:
        """What the function gets at `time`: the schedule's Input, with EventBridge Scheduler's
        context attributes filled in, or else the default "Scheduled Event" notification."""
        when = iso(time)
        arn = (
            f"arn:aws:scheduler:us-east-1:123456789012:schedule/default/{self.name}"
            if self.kind == "ScheduleV2"
            else f"arn:aws:events:us-east-1:123456789012:rule/{self.name}"
        )
        if "Input" in self.props:
            context = {
                "scheduled-time": when,
                "schedule-arn": arn,
                "execution-id": uuid.uuid4().hex[:16],
                "attempt-number": "1",  # delivery to Lambda never fails locally
            }
            text = self.props["Input"]
            if self.kind == "ScheduleV2":
                text = re.sub(r"<aws\.scheduler\.([a-z-]+)>", lambda m: context.get(m[1], m[0]), text)
            return json.loads(text)
        return event_shapes.eventbridge_event(
            "Scheduled Event", {}, source=SCHEDULE_SOURCES[self.kind], time_=when, resources=[arn]
        )


def schedules(stack: Stack) -> list[Schedule]:
    return [
        Schedule(fn, name, kind, props) for kind in SCHEDULE_SOURCES for fn, name, props in event_sources(stack, kind)
    ]


def find(all_schedules: list[Schedule], name: str) -> list[Schedule]:
    """The schedules that `name` may mean: an event name, or `Function.Event` when two
    functions have an event of that name."""
    return [s for s in all_schedules if name in (s.name, s.qualified_name)]


@dataclass(frozen=True)
class AsyncConfig:
    """How Lambda invokes a function asynchronously: its EventInvokeConfig, Lambda's
    defaults where the template says nothing."""

    maximum_retry_attempts: int = 2
    maximum_event_age: timedelta = timedelta(hours=6)
    on_failure: str | None = None  # the ARN of an SQS queue

    @classmethod
    def of(cls, stack: Stack, function: str) -> AsyncConfig:
        glob = (stack.template.get("Globals") or {}).get("Function", {}).get("EventInvokeConfig") or {}
        own = stack.template["Resources"][function]["Properties"].get("EventInvokeConfig") or {}
        config = stack.resolver.resolve({**glob, **own})
        destinations = config.get("DestinationConfig") or {}
        if set(destinations) - {"OnFailure"}:
            raise ValueError(f"{function}: of EventInvokeConfig destinations, only OnFailure is emulated locally")
        on_failure = destinations.get("OnFailure")
        if on_failure and on_failure.get("Type") != "SQS":
            raise ValueError(f"{function}: only SQS on-failure destinations are emulated locally")
        if on_failure:
            stack.queue_url(on_failure["Destination"])  # a queue of the stack, or a KeyError now
        return cls(
            maximum_retry_attempts=int(config.get("MaximumRetryAttempts", cls.maximum_retry_attempts)),
            maximum_event_age=timedelta(
                seconds=int(config.get("MaximumEventAgeInSeconds", cls.maximum_event_age.total_seconds()))
            ),
            on_failure=on_failure["Destination"] if on_failure else None,
        )


@dataclass
class Run:
    """One scheduled run on its way: Lambda's asynchronous invocation of its function."""

    schedule: Schedule
    event: dict[str, Any]
    queued_at: datetime
    due: datetime
    attempts: int = 0
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    error: BaseException | None = None


class Scheduler:
    """Fires each schedule at its times and retries the runs that failed. Driven by `tick`,
    so that tests can give it any clock; the local stack ticks it about once a second."""

    def __init__(
        self,
        stack: Stack,
        all_schedules: list[Schedule],
        invoke: Callable[[str, dict[str, Any]], Any],
        started: datetime,
        retry_delay: timedelta = timedelta(seconds=2),
    ) -> None:
        self.stack = stack
        self.schedules = all_schedules
        self.invoke = invoke
        self.retry_delay = retry_delay  # Lambda waits about 1 and 2 minutes; locally, seconds
        self.configs = {s.function: AsyncConfig.of(stack, s.function) for s in all_schedules}
        for schedule in all_schedules:
            dead_letters = (schedule.props.get("DeadLetterConfig") or {}).get("Arn")
            if dead_letters:
                stack.queue_url(stack.resolver.resolve(dead_letters))  # a queue of the stack, or a KeyError now
        self.next_times = {s.key: s.timing.first(started) if s.enabled else None for s in all_schedules}
        self.runs: list[Run] = []

    def next_time(self, schedule: Schedule) -> datetime | None:
        return self.next_times[schedule.key]

    def tick(self, now: datetime) -> int:
        """Fire the schedules that are due by `now`, and try again the failed runs whose
        delay is over; returns how many invocations were made. A schedule that missed
        several times (the machine slept) fires once, for the latest of them."""
        for schedule in self.schedules:
            latest = None
            while (due := self.next_times[schedule.key]) is not None and due <= now:
                latest = due
                self.next_times[schedule.key] = schedule.timing.after(due)
            if latest is not None:
                self.runs.append(Run(schedule, schedule.event(latest), queued_at=now, due=now))
        ready = [run for run in self.runs if run.due <= now]
        for run in ready:
            self._attempt(run, now)
        return len(ready)

    def _attempt(self, run: Run, now: datetime) -> None:
        config = self.configs[run.schedule.function]
        if now - run.queued_at > config.maximum_event_age:
            self._give_up(run, "EventAgeExceeded", config)
            return
        run.attempts += 1
        try:
            self.invoke(run.schedule.function, run.event)
        except Exception as err:  # noqa: BLE001 - a failed asynchronous invocation, as Lambda sees it
            run.error = err
            attempts = f"attempt {run.attempts} of {1 + config.maximum_retry_attempts}"
            print(f"[{run.schedule.function}] scheduled run {run.schedule.name} failed ({attempts}):", file=sys.stderr)
            traceback.print_exception(err)  # to the console, as Lambda logs it to CloudWatch
            if run.attempts > config.maximum_retry_attempts:
                self._give_up(run, "RetriesExhausted", config)
            else:
                run.due = now + self.retry_delay
            return
        self.runs.remove(run)

    def _give_up(self, run: Run, condition: str, config: AsyncConfig) -> None:
        self.runs.remove(run)
        if config.on_failure:
            record = failure_record(self.stack, run, condition)
            self.stack.client("sqs").send_message(
                QueueUrl=self.stack.queue_url(config.on_failure), MessageBody=json.dumps(record)
            )


def failure_record(stack: Stack, run: Run, condition: str) -> dict[str, Any]:
    """What Lambda sends to an asynchronous invocation's on-failure destination."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": run.request_id,
            "functionArn": f"{function_arn(stack, run.schedule.function)}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": run.attempts,
        },
        "requestPayload": run.event,
    }
    if run.error is not None:
        record["responseContext"] = {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
        record["responsePayload"] = {
            "errorType": type(run.error).__name__,
            "errorMessage": str(run.error),
            "requestId": run.request_id,
            "stackTrace": traceback.format_tb(run.error.__traceback__),
        }
    return record

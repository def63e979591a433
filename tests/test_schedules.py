"""The template's schedules fire at their times in the local stack, as EventBridge Scheduler
fires them (AWS's cron translated for cronsim), and a run that fails is retried as the
function's EventInvokeConfig says and then recorded in its OnFailure queue."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from local import schedules
from local.lambda_runtime import invoke
from local.schedule_expressions import InvalidExpression, parse, unix_cron
from tests.conftest import ROOT, sent_emails
from tests.given import new_group
from tests.pipeline import run_async


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def fire_times(expression: str, after: str, count: int, timezone: str = "UTC") -> list[str]:
    """The next `count` times `expression` fires after `after`, as ISO 8601 UTC."""
    timing = parse(expression, timezone)
    out, moment = [], utc(after)
    for _ in range(count):
        moment = timing.after(moment)
        if moment is None:
            break
        out.append(schedules.iso(moment))
    return out


# --- AWS cron, translated ----------------------------------------------------------------


def test_the_daily_follow_ups_fire_at_14_utc_every_day():
    assert fire_times("cron(0 14 * * ? *)", "2026-03-02T13:59:59Z", 3) == [
        "2026-03-02T14:00:00Z",
        "2026-03-03T14:00:00Z",
        "2026-03-04T14:00:00Z",
    ]


def test_the_weekly_digest_fires_at_13_utc_on_mondays_only():
    # 2026-03-01 is a Sunday.
    assert fire_times("cron(0 13 ? * MON *)", "2026-03-01T00:00:00Z", 3) == [
        "2026-03-02T13:00:00Z",
        "2026-03-09T13:00:00Z",
        "2026-03-16T13:00:00Z",
    ]


@pytest.mark.parametrize(
    ("expression", "first"),
    [
        ("cron(0 9 ? * 1 *)", "2026-03-08T09:00:00Z"),  # 1 is Sunday in AWS's cron, not Monday
        ("cron(0 9 ? * 7 *)", "2026-03-07T09:00:00Z"),  # 7 is Saturday
        ("cron(0 9 ? * 2-6 *)", "2026-03-02T09:00:00Z"),  # Monday to Friday
        ("cron(0 9 ? * 6L *)", "2026-03-27T09:00:00Z"),  # the last Friday of the month
        ("cron(0 9 ? * 2#2 *)", "2026-03-09T09:00:00Z"),  # the second Monday
        ("cron(0 9 ? * L *)", "2026-03-07T09:00:00Z"),  # L alone: the last day of the week
        ("cron(0 0 L * ? *)", "2026-03-31T00:00:00Z"),  # the last day of the month
        ("cron(15 10 ? * SAT,SUN *)", "2026-03-07T10:15:00Z"),
        ("cron(0 12 1 JAN ? 2027-2028)", "2027-01-01T12:00:00Z"),
    ],
)
def test_aws_days_of_the_week_months_and_years_mean_what_aws_says(expression, first):
    assert fire_times(expression, "2026-03-01T12:00:00Z", 1) == [first]


def test_the_weekday_range_skips_the_weekend():
    assert fire_times("cron(0 9 ? * MON-FRI *)", "2026-03-06T09:00:00Z", 2) == [
        "2026-03-09T09:00:00Z",
        "2026-03-10T09:00:00Z",
    ]


def test_steps_of_minutes_and_a_last_year_end_the_schedule():
    assert fire_times("cron(0/15 * * * ? *)", "2026-03-02T10:07:00Z", 3) == [
        "2026-03-02T10:15:00Z",
        "2026-03-02T10:30:00Z",
        "2026-03-02T10:45:00Z",
    ]
    assert fire_times("cron(0 12 1 JAN ? 2027-2028)", "2026-03-01T00:00:00Z", 5) == [
        "2027-01-01T12:00:00Z",
        "2028-01-01T12:00:00Z",
    ]


def test_a_schedule_in_a_time_zone_follows_its_daylight_saving_time():
    # New York springs forward on 2026-03-08 (02:00 → 03:00) and falls back on 2026-11-01.
    assert fire_times("cron(0 9 * * ? *)", "2026-03-07T00:00:00Z", 2, "America/New_York") == [
        "2026-03-07T14:00:00Z",  # EST
        "2026-03-08T13:00:00Z",  # EDT
    ]
    # 02:30 does not exist on 2026-03-08: Scheduler skips it.
    assert fire_times("cron(30 2 * * ? *)", "2026-03-07T12:00:00Z", 2, "America/New_York") == [
        "2026-03-09T06:30:00Z",
        "2026-03-10T06:30:00Z",
    ]
    # 01:30 happens twice on 2026-11-01: Scheduler runs once.
    assert fire_times("cron(30 1 * * ? *)", "2026-10-31T12:00:00Z", 2, "America/New_York") == [
        "2026-11-01T05:30:00Z",
        "2026-11-02T06:30:00Z",
    ]


def test_rate_and_at_expressions():
    rate = parse("rate(5 minutes)")
    start = utc("2026-03-02T10:00:00Z")
    assert rate.first(start) == start  # no StartDate: a rate schedule fires at once
    assert rate.after(start) == start + timedelta(minutes=5)
    assert parse("rate(1 day)").after(start) == start + timedelta(days=1)

    once = parse("at(2026-03-02T09:00:00)", "Europe/Berlin")
    assert once.first(utc("2026-03-01T00:00:00Z")) == utc("2026-03-02T08:00:00Z")
    assert once.first(utc("2026-03-02T08:00:00Z")) is None
    assert once.after(utc("2026-03-02T08:00:00Z")) is None


def test_the_translation_for_cronsim():
    assert unix_cron("0 14 * * ? *") == ("0 0 14 * * *", None)
    assert unix_cron("0 13 ? * MON *") == ("0 0 13 * * 1", None)
    assert unix_cron("0 9 ? * 1,3-5,7L,2#1 2026") == ("0 0 9 * * 0,2-4,6L,1#1", frozenset({2026}))


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 14 * * *)",  # five fields
        "cron(0 14 * * MON *)",  # neither day field is ?
        "cron(0 14 ? * ? *)",  # both are
        "cron(0 14 ? * 0 *)",  # days of the week are 1-7
        "cron(0 14 ? * 8 *)",
        "cron(61 14 * * ? *)",
        "cron(0 14 15W * ? *)",  # nearest weekday: not emulated, refused rather than ignored
        "cron(0 14 * * ? 1969)",
        "rate(0 minutes)",
        "rate(5 weeks)",
        "every day at 9",
    ],
)
def test_an_expression_eventbridge_would_refuse_is_refused(expression):
    with pytest.raises(InvalidExpression):
        parse(expression)


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(InvalidExpression):
        parse("cron(0 14 * * ? *)", "Mars/Olympus_Mons")


# --- firing the template's schedules --------------------------------------------------------


class Recorder:
    """An `invoke` that records each call, and raises for the first `failures` of them."""

    def __init__(self, failures: int = 0) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.failures = failures

    def __call__(self, function: str, event: dict) -> dict:
        self.calls.append((function, event))
        if len(self.calls) <= self.failures:
            raise RuntimeError("the follow-ups could not read the Due index")
        return {"ok": True}


def scheduler(aws, invoke, started: str, only: str | None = None) -> schedules.Scheduler:
    chosen = [s for s in schedules.schedules(aws) if only in (None, s.function)]
    return schedules.Scheduler(aws, chosen, invoke, started=utc(started), retry_delay=timedelta(seconds=2))


def dead_letters(aws, queue: str = "ScheduledRunsDLQ") -> list[dict]:
    sqs = aws.session.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws.name(queue), MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_each_schedule_fires_at_its_time_with_that_time(aws):
    recorder = Recorder()
    # Monday 2026-03-02: the digest is due at 13:00, the follow-ups at 14:00.
    timer = scheduler(aws, recorder, started="2026-03-02T12:59:00Z")

    assert timer.tick(utc("2026-03-02T12:59:59Z")) == 0
    timer.tick(utc("2026-03-02T13:00:00Z"))
    timer.tick(utc("2026-03-02T13:00:01Z"))
    timer.tick(utc("2026-03-02T14:00:00Z"))

    assert recorder.calls == [
        ("WeeklyDigestFunction", {"time": "2026-03-02T13:00:00Z"}),
        ("FollowUpsFunction", {"time": "2026-03-02T14:00:00Z"}),
    ]
    assert [schedules.iso(timer.next_time(s)) for s in timer.schedules] == [
        "2026-03-03T14:00:00Z",
        "2026-03-09T13:00:00Z",
    ]


def test_a_stack_that_slept_through_several_times_fires_once_for_the_latest(aws):
    recorder = Recorder()
    timer = scheduler(aws, recorder, started="2026-03-02T12:00:00Z")

    timer.tick(utc("2026-03-05T15:00:00Z"))

    assert sorted(recorder.calls) == [
        ("FollowUpsFunction", {"time": "2026-03-05T14:00:00Z"}),
        ("WeeklyDigestFunction", {"time": "2026-03-02T13:00:00Z"}),
    ]


def test_a_run_that_keeps_failing_is_retried_then_recorded_in_the_scheduled_runs_dlq(aws):
    recorder = Recorder(failures=99)
    timer = scheduler(aws, recorder, started="2026-03-02T13:59:00Z", only="FollowUpsFunction")

    timer.tick(utc("2026-03-02T14:00:00Z"))
    timer.tick(utc("2026-03-02T14:00:01Z"))  # before the retry delay: nothing
    timer.tick(utc("2026-03-02T14:00:02Z"))
    assert dead_letters(aws) == []
    timer.tick(utc("2026-03-02T14:00:04Z"))
    timer.tick(utc("2026-03-02T14:00:06Z"))  # nothing left to retry

    # EventInvokeConfig.MaximumRetryAttempts is 2: three attempts, the same event each time.
    assert recorder.calls == [("FollowUpsFunction", {"time": "2026-03-02T14:00:00Z"})] * 3
    [record] = dead_letters(aws)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(":function:test-FollowUpsFunction:$LATEST")
    assert record["requestPayload"] == {"time": "2026-03-02T14:00:00Z"}
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert record["responsePayload"]["errorMessage"] == "the follow-ups could not read the Due index"


def test_a_run_that_succeeds_on_a_retry_is_not_dead_lettered(aws):
    recorder = Recorder(failures=1)
    timer = scheduler(aws, recorder, started="2026-03-02T13:59:00Z", only="FollowUpsFunction")

    for second in range(0, 8, 2):
        timer.tick(utc(f"2026-03-02T14:00:0{second}Z"))

    assert len(recorder.calls) == 2
    assert dead_letters(aws) == []


def test_a_run_still_failing_past_its_maximum_event_age_is_recorded_as_too_old(aws):
    recorder = Recorder(failures=99)
    timer = scheduler(aws, recorder, started="2026-03-02T13:59:00Z", only="FollowUpsFunction")

    timer.tick(utc("2026-03-02T14:00:00Z"))
    timer.tick(utc("2026-03-02T15:00:01Z"))  # MaximumEventAgeInSeconds is 3600

    [record] = dead_letters(aws)
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert len(recorder.calls) == 1


def test_a_fired_daily_run_reminds_the_organizer_of_an_unanswered_inquiry(directory, aws):
    new_group(aws)
    run_async(aws)
    before = len(sent_emails())
    four_days_on = (datetime.now(UTC) + timedelta(days=4)).replace(hour=13, minute=59, second=0, microsecond=0)
    timer = scheduler(aws, lambda f, e: invoke(aws, f, e), started=four_days_on.isoformat(), only="FollowUpsFunction")

    timer.tick(four_days_on + timedelta(minutes=1))
    run_async(aws)

    [reminder] = sent_emails()[before:]
    assert reminder.subject.startswith("Reminder")
    assert reminder.to == [directory.get("ac-ca-north").email]


def test_a_name_two_functions_share_must_be_qualified():
    daily = [schedules.Schedule(fn, "Daily", "ScheduleV2", {}) for fn in ("AFunction", "BFunction")]

    assert schedules.find(daily, "Daily") == daily
    assert schedules.find(daily, "BFunction.Daily") == [daily[1]]
    assert schedules.find(daily, "Weekly") == []


def test_the_cron_evaluator_is_a_dev_dependency_only():
    # requirements-dev.txt has it; the Lambda layer (requirements.txt) does not.
    shipped = [*(ROOT / "shared").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]

    assert [p for p in shipped if re.search(r"^\s*(import|from) cronsim", p.read_text(), re.MULTILINE)] == []
    assert "cronsim" not in (ROOT / "requirements.txt").read_text()

"""EventBridge schedule expressions, `cron(...)`, `rate(...)` and `at(...)`, as the times
they fire, evaluated in the schedule's time zone the way EventBridge Scheduler does.

AWS's cron has six fields, `minutes hours day-of-month month day-of-week year`: `?` means
"any" in exactly one of the two day fields, days of the week are 1-7 for SUN-SAT (or the
names), and there is a year. cronsim, a small, well-kept evaluator of Unix cron, does the
calendar arithmetic; `unix_cron` translates the fields for it. Daylight saving time as
Scheduler has it: a time that does not exist when clocks spring forward is skipped, and a
time that happens twice when they fall back fires once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
YEARS = range(1970, 2200)  # the years AWS's cron accepts
RATE_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


class InvalidExpression(ValueError):
    """A schedule expression that EventBridge would refuse, or one not emulated locally."""


def _weekday(token: str) -> str:
    """One AWS day of the week (1-7 or SUN-SAT) as Unix cron's number (0-6, SUN-SAT)."""
    name = token.upper()
    if name in DAYS:
        return str(DAYS.index(name))
    if name.isdigit() and 1 <= int(name) <= 7:
        return str(int(name) - 1)
    raise InvalidExpression(f"{token!r} is not a day of the week (1-7 or SUN-SAT)")


def _day_of_week(field: str) -> str:
    if field in ("*", "?"):
        return "*"
    out = []
    for item in field.split(","):
        if item.upper() == "L":  # the last day of the week
            out.append(_weekday("SAT"))
        elif nth := re.fullmatch(r"(\w+)#([1-5])", item):
            out.append(f"{_weekday(nth[1])}#{nth[2]}")
        elif last := re.fullmatch(r"(\w+)L", item, re.IGNORECASE):
            out.append(f"{_weekday(last[1])}L")
        elif span := re.fullmatch(r"(\w+)-(\w+)", item):
            out.append(f"{_weekday(span[1])}-{_weekday(span[2])}")
        else:
            out.append(_weekday(item))
    return ",".join(out)


def _years(field: str) -> frozenset[int] | None:
    """The years the year field allows; None for every year."""
    if field == "*":
        return None
    years: set[int] = set()
    for item in field.split(","):
        part = re.fullmatch(r"(\*|\d{4})(?:-(\d{4}))?(?:/(\d+))?", item)
        if not part:
            raise InvalidExpression(f"{item!r} is not a year, a range of years or a step")
        start = YEARS.start if part[1] == "*" else int(part[1])
        end = int(part[2]) if part[2] else (YEARS.stop - 1 if part[1] == "*" or part[3] else start)
        step = int(part[3] or 1)
        if not (YEARS.start <= start <= end < YEARS.stop) or step < 1:
            raise InvalidExpression(f"{item!r}: years run from {YEARS.start} to {YEARS.stop - 1}")
        years.update(range(start, end + 1, step))
    return frozenset(years)


def unix_cron(fields: str) -> tuple[str, frozenset[int] | None]:
    """The six fields of an AWS cron expression as cronsim's expression (with a leading
    seconds field) and the years it fires in (None: every year)."""
    parts = fields.split()
    if len(parts) != 6:
        raise InvalidExpression("cron() takes six fields: minutes hours day-of-month month day-of-week year")
    minutes, hours, day_of_month, month, day_of_week, year = parts
    if (day_of_month == "?") == (day_of_week == "?"):
        raise InvalidExpression("exactly one of day-of-month and day-of-week must be '?'")
    if "W" in day_of_month.upper() and day_of_month.upper() != "LW":
        raise InvalidExpression("the W (nearest weekday) wildcard is not emulated locally")
    # A seconds field keeps cronsim off its Debian-cron quirks, which run a time skipped by
    # daylight saving time an hour late instead of skipping it, as Scheduler does.
    day_of_month = "*" if day_of_month == "?" else day_of_month
    expression = f"0 {minutes} {hours} {day_of_month} {month} {_day_of_week(day_of_week)}"
    try:
        CronSim(expression, datetime(2000, 1, 1, tzinfo=UTC))
    except CronSimError as err:
        raise InvalidExpression(f"cron({fields}): {err}") from None
    return expression, _years(year)


@dataclass(frozen=True)
class Cron:
    expression: str  # cronsim's
    years: frozenset[int] | None
    zone: ZoneInfo

    def first(self, start: datetime) -> datetime | None:
        return self.after(start)

    def after(self, moment: datetime) -> datetime | None:
        """The first time it fires strictly after `moment` (UTC), or None if it never will."""
        for fire in CronSim(self.expression, moment.astimezone(self.zone)):
            if self.years is not None and fire.year not in self.years:
                later = [y for y in self.years if y > fire.year]
                if not later:
                    return None
                return self.after(datetime(min(later), 1, 1, tzinfo=self.zone) - timedelta(seconds=1))
            if fire.fold:  # the second pass through an hour repeated when clocks fall back
                continue
            return fire.astimezone(UTC)
        return None


@dataclass(frozen=True)
class Rate:
    interval: timedelta

    def first(self, start: datetime) -> datetime | None:
        return start  # a rate schedule without a StartDate fires as soon as it is created

    def after(self, moment: datetime) -> datetime | None:
        return moment + self.interval


@dataclass(frozen=True)
class At:
    moment: datetime

    def first(self, start: datetime) -> datetime | None:
        return self.moment if self.moment > start else None

    def after(self, moment: datetime) -> datetime | None:
        return None


def parse(expression: str, timezone: str = "UTC") -> Cron | Rate | At:
    """A `Schedule` or `ScheduleV2` expression, in its ScheduleExpressionTimezone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidExpression(f"{timezone!r} is not an IANA time zone") from None
    if cron := re.fullmatch(r"cron\((.*)\)", expression.strip()):
        return Cron(*unix_cron(cron[1]), zone)
    if rate := re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression.strip()):
        if int(rate[1]) < 1:
            raise InvalidExpression(f"{expression}: the rate must be a positive number")
        return Rate(int(rate[1]) * RATE_UNITS[rate[2]])
    if at := re.fullmatch(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)", expression.strip()):
        return At(datetime.fromisoformat(at[1]).replace(tzinfo=zone).astimezone(UTC))
    raise InvalidExpression(f"{expression!r} is not cron(...), rate(...) or at(...)")

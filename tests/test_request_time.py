"""A request's "now" is when API Gateway received it (requestContext.timeEpoch), as a
scheduled run's is its event's time (shared/api/problems.py received_at)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from local.event_shapes import http_api_event
from shared.api.problems import received_at


def test_the_time_api_gateway_stamped_is_the_requests_now():
    stamped = datetime(2026, 3, 2, 9, 0, 0, 250000, tzinfo=UTC)
    event = http_api_event("POST", "/inquiries", received=stamped)

    assert event["requestContext"]["timeEpoch"] == 1772442000250
    assert received_at(event) == stamped


def test_an_event_without_a_stamp_takes_the_functions_clock():
    event = http_api_event("POST", "/inquiries")
    del event["requestContext"]["timeEpoch"]

    assert abs(received_at(event) - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_stamp_that_is_not_whole_milliseconds_is_not_trusted():
    event = http_api_event("POST", "/inquiries")
    event["requestContext"]["timeEpoch"] = "1772442000250"

    assert abs(received_at(event) - datetime.now(UTC)) < timedelta(seconds=5)

"""Configuration is read once from the environment into validated settings: a missing or
malformed variable fails at cold start with a message that names it, never its value."""

from __future__ import annotations

import pytest

from shared import settings


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    for name in ("TABLE_NAME", "GATE_OVERRIDES", "FOLLOW_UP_OVERRIDES", "SENDER_EMAIL", "RATE_LIMIT_PER_HOUR",
                 "PUBLIC_SITE_URL", "ORGANIZER_APP_URL", "ORIENTATION_LINKS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    settings.reset()
    yield
    settings.reset()


def test_a_missing_table_name_fails_naming_the_variable():
    with pytest.raises(RuntimeError, match="TABLE_NAME"):
        settings.table()


def test_a_malformed_sender_fails_naming_the_variable_but_not_its_value(monkeypatch):
    monkeypatch.setenv("SENDER_EMAIL", "not-an-address")

    with pytest.raises(RuntimeError, match="SENDER_EMAIL") as failed:
        settings.email()
    assert "not-an-address" not in str(failed.value)


def test_gate_overrides_change_only_what_they_name(monkeypatch):
    monkeypatch.setenv("GATE_OVERRIDES", '{"min_core_members": 4}')

    gates = settings.gates()

    assert (gates.min_core_members, gates.min_members, gates.min_meeting_span_days) == (4, 5, 60)


@pytest.mark.parametrize(
    "overrides",
    [
        '{"min_core_member": 4}',
        '{"min_core_members": 0}',
        '{"min_core_members": "four"}',
        '{"min_core_members": true}',
        '{"min_core_members": 3.5}',
        "[3]",
        "{not json",
    ],
)
def test_a_bad_gate_override_fails_at_cold_start(monkeypatch, overrides):
    monkeypatch.setenv("GATE_OVERRIDES", overrides)

    with pytest.raises(RuntimeError, match="GATE_OVERRIDES"):
        settings.gates()


def test_empty_overrides_keep_the_defaults(monkeypatch):
    monkeypatch.setenv("GATE_OVERRIDES", "")
    monkeypatch.setenv("FOLLOW_UP_OVERRIDES", "{}")

    assert settings.gates().min_core_members == 3
    assert settings.follow_ups().first_contact_reminder_days == 3


def test_follow_up_overrides_apply(monkeypatch):
    monkeypatch.setenv("FOLLOW_UP_OVERRIDES", '{"stalled_days": 30, "first_contact_reminder_days": 2}')

    config = settings.follow_ups()

    assert (config.stalled_days, config.first_contact_reminder_days, config.first_contact_escalation_days) == (30, 2, 7)


@pytest.mark.parametrize(
    "overrides",
    ['{"first_contact_reminder_days": 7}', '{"first_contact_escalation_days": 90}', '{"stale_inquiry_days": 5}'],
)
def test_the_first_contact_chain_must_stay_in_order(monkeypatch, overrides):
    monkeypatch.setenv("FOLLOW_UP_OVERRIDES", overrides)

    with pytest.raises(RuntimeError, match="first_contact_reminder_days < first_contact_escalation_days"):
        settings.follow_ups()


def test_links_are_built_on_urls_that_end_with_a_slash(monkeypatch):
    monkeypatch.setenv("SENDER_EMAIL", "start-a-group@example.org")
    monkeypatch.setenv("ORGANIZER_APP_URL", "https://organizers.example.org/app")

    config = settings.email()

    assert config.organizer_app_url == "https://organizers.example.org/app/"
    assert config.public_site_url == "https://start-a-group.example.org/"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PUBLIC_SITE_URL", "start-a-group.example.org"),
        ("ORGANIZER_APP_URL", "ftp://example.org/"),
        ("ORIENTATION_LINKS", "https://a.example.org/x.pdf, not a link"),
    ],
)
def test_a_bad_url_fails_naming_its_variable(monkeypatch, name, value):
    monkeypatch.setenv("SENDER_EMAIL", "start-a-group@example.org")
    monkeypatch.setenv(name, value)

    with pytest.raises(RuntimeError, match=name):
        settings.email()


def test_every_bad_variable_is_named_at_once(monkeypatch):
    monkeypatch.setenv("SENDER_EMAIL", "nope")
    monkeypatch.setenv("PUBLIC_SITE_URL", "nope")

    with pytest.raises(RuntimeError, match="SENDER_EMAIL, PUBLIC_SITE_URL"):
        settings.email()


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_a_rate_limit_must_be_a_positive_whole_number(monkeypatch, value):
    monkeypatch.setenv("RATE_LIMIT_PER_HOUR", value)

    with pytest.raises(RuntimeError, match="RATE_LIMIT_PER_HOUR"):
        settings.intake()

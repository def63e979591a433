"""Retention as a follow-up rule (DESIGN §5, shared/domain/follow_up_rules.py): a closed
group owes the erasure of its personal data, once, a configurable time after it closed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from shared.domain.follow_up_rules import DEFAULT_FOLLOW_UPS, Action, Snapshot, due_actions, next_due
from shared.domain.stages import Stage

CLOSED_AT = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
CLOSED = Snapshot(Stage.CLOSED, CLOSED_AT - timedelta(days=90), CLOSED_AT, conversation_logged=True)


def test_a_closed_group_is_due_for_erasure_12_months_after_it_closed():
    assert next_due(CLOSED) == CLOSED_AT + timedelta(days=365)
    assert due_actions(CLOSED, CLOSED_AT + timedelta(days=364)) == []
    (due,) = due_actions(CLOSED, CLOSED_AT + timedelta(days=365))
    assert due.action is Action.ERASE_PERSONAL_DATA


def test_an_erased_group_owes_nothing():
    erased = replace(CLOSED, erased=True)

    assert next_due(erased) is None
    assert due_actions(erased, CLOSED_AT + timedelta(days=1000)) == []


def test_the_retention_is_configurable():
    config = replace(DEFAULT_FOLLOW_UPS, retention_days=30)

    assert next_due(CLOSED, config) == CLOSED_AT + timedelta(days=30)


def test_an_open_group_owes_no_erasure():
    active = replace(CLOSED, stage=Stage.ACTIVE)

    assert next_due(active) is None


def test_retention_and_link_lifetime_come_from_the_environment():
    import pytest

    from shared.settings import FollowUpSettings, FounderSettings

    assert FollowUpSettings.from_env({"FOLLOW_UP_OVERRIDES": '{"retention_days": 30}'}).config().retention_days == 30
    assert FounderSettings.from_env({"TOKEN_SECRET_ID": "arn:secret"}).founder_token_days == 30
    assert FounderSettings.from_env({"TOKEN_SECRET_ID": "s", "FOUNDER_TOKEN_DAYS": "7"}).founder_token_days == 7
    with pytest.raises(RuntimeError, match="FOUNDER_TOKEN_DAYS"):
        FounderSettings.from_env({"TOKEN_SECRET_ID": "s", "FOUNDER_TOKEN_DAYS": "0"})
    with pytest.raises(RuntimeError, match="TOKEN_SECRET_ID"):
        FounderSettings.from_env({})

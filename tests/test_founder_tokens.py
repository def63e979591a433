"""Founder tokens and the keyed hashes made with the same keys (shared/api/founder_tokens.py),
without AWS: the keys are given."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.api import founder_tokens
from shared.domain.errors import NotAuthenticated

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
K1 = {"id": "k1", "key": "a" * 64}
K2 = {"id": "k2", "key": "b" * 64}


@pytest.fixture
def keys(monkeypatch):
    """The secret's value, as the test sets it."""
    value = {"document": K1}
    monkeypatch.setattr(founder_tokens, "_fetch", lambda force=False: value["document"])
    monkeypatch.setenv("TOKEN_SECRET_ID", "test-secret")
    from shared import settings

    settings.reset()
    founder_tokens.clear_cache()
    yield value
    settings.reset()


def test_a_token_names_its_group_until_it_expires(keys):
    token = founder_tokens.issue("group-1", NOW, days=30)

    assert founder_tokens.verify(token, NOW + timedelta(days=29)) == "group-1"
    with pytest.raises(NotAuthenticated, match="expired"):
        founder_tokens.verify(token, NOW + timedelta(days=30, seconds=1))


def test_an_unsubscribe_token_outlives_a_status_link_as_configured(keys, monkeypatch):
    from shared import settings

    status = founder_tokens.issue("group-1", NOW)
    unsubscribe = founder_tokens.issue("group-1", NOW, purpose=founder_tokens.UNSUBSCRIBE)
    later = NOW + timedelta(days=399)

    with pytest.raises(NotAuthenticated, match="expired"):
        founder_tokens.verify(status, NOW + timedelta(days=31))
    assert founder_tokens.verify(unsubscribe, later, founder_tokens.UNSUBSCRIBE) == "group-1"
    with pytest.raises(NotAuthenticated, match="expired"):
        founder_tokens.verify(unsubscribe, NOW + timedelta(days=401), founder_tokens.UNSUBSCRIBE)

    monkeypatch.setenv("UNSUBSCRIBE_TOKEN_DAYS", "60")
    settings.reset()
    shorter = founder_tokens.issue("group-1", NOW, purpose=founder_tokens.UNSUBSCRIBE)
    with pytest.raises(NotAuthenticated, match="expired"):
        founder_tokens.verify(shorter, NOW + timedelta(days=61), founder_tokens.UNSUBSCRIBE)


def test_a_token_carries_no_personal_data_and_is_url_safe(keys):
    token = founder_tokens.issue("group-1", NOW)

    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    payload = json.loads(founder_tokens._unb64(token.split(".")[0]))
    assert set(payload) == {"g", "p", "k", "exp"}


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + "x",
        lambda t: t.replace(".", ".."),
        lambda t: t.split(".")[0],
        lambda t: "e30." + t.split(".")[1],  # "{}" with the real signature
        lambda t: "",
        lambda t: "x" * 600,
    ],
)
def test_anything_but_the_token_as_issued_is_refused(keys, mangle):
    with pytest.raises(NotAuthenticated):
        founder_tokens.verify(mangle(founder_tokens.issue("group-1", NOW)), NOW)


def test_a_token_is_for_one_purpose(keys):
    unsubscribe = founder_tokens.issue("group-1", NOW, purpose=founder_tokens.UNSUBSCRIBE)

    with pytest.raises(NotAuthenticated):
        founder_tokens.verify(unsubscribe, NOW, founder_tokens.STATUS)
    assert founder_tokens.verify(unsubscribe, NOW, founder_tokens.UNSUBSCRIBE) == "group-1"


def test_rotation_keeps_the_previous_key_for_younger_links_then_drops_it(keys):
    old = founder_tokens.issue("group-1", NOW)

    keys["document"] = founder_tokens.rotated(K1, "k2", K2["key"])
    founder_tokens.clear_cache()
    new = founder_tokens.issue("group-1", NOW)
    assert founder_tokens.verify(old, NOW) == founder_tokens.verify(new, NOW) == "group-1"

    keys["document"] = founder_tokens.rotated(keys["document"], "k3", "c" * 64)
    founder_tokens.clear_cache()
    with pytest.raises(NotAuthenticated):
        founder_tokens.verify(old, NOW)  # two rotations on: k1 is gone
    assert founder_tokens.verify(new, NOW) == "group-1"


def test_a_container_that_meets_a_newer_key_fetches_the_keys_again(monkeypatch, keys):
    keys["document"] = {"keys": [K2, K1]}
    newer = founder_tokens.issue("group-1", NOW)
    # This container's cached keys are older; only a forced fetch sees the rotation.
    monkeypatch.setattr(founder_tokens, "_fetch", lambda force=False: {"keys": [K2, K1]} if force else K1)

    assert founder_tokens.verify(newer, NOW) == "group-1"


def test_the_secret_must_hold_usable_keys():
    for bad in ({}, {"keys": []}, {"id": "k", "key": "short"}, {"keys": [{"id": 1, "key": "a" * 64}]}):
        with pytest.raises(ValueError, match="key"):
            founder_tokens.parse_keys(bad)


def test_the_rate_limit_key_is_a_keyed_hash_and_ipv6_counts_by_its_64(keys):
    from shared.storage.ratelimit import client_key

    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:ffff:1:2:3") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:198.51.100.7") == client_key("198.51.100.7") == "198.51.100.7"
    one = founder_tokens.keyed_hash("rate-limit:intake", "198.51.100.7")
    keys["document"] = K2
    founder_tokens.clear_cache()
    assert founder_tokens.keyed_hash("rate-limit:intake", "198.51.100.7") != one  # it takes the secret

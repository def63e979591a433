"""The founder's link requests on the outbox (DESIGN §3): ids and times only."""

from __future__ import annotations

from shared.outbox.events import StatusLinkRequested, TableChange, detail_of, events_for_change


def test_a_link_request_becomes_an_event_without_personal_data():
    new = {"PK": "GROUP#g-1", "SK": "LINK#2026-12-02T07", "kind": "link_request", "group_id": "g-1",
           "requested_at": "2026-12-02T07:15:00Z", "expires_at": 1796360100}  # fmt: skip

    (event,) = events_for_change(TableChange("INSERT", None, new))

    assert event == StatusLinkRequested(group_id="g-1", requested_at="2026-12-02T07:15:00Z")
    assert detail_of(event) == {"group_id": "g-1", "requested_at": "2026-12-02T07:15:00Z"}
    assert event.dedup_key == "status-link:g-1:2026-12-02T07"  # one link email an hour
    assert events_for_change(TableChange("REMOVE", new, None)) == []  # expiry sends nothing

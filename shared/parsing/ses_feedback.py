"""What SES reports about an address (bounce or complaint), read from the event its
configuration set publishes to EventBridge (`detail` = the SES event record). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Feedback(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class AddressFeedback:
    kind: Feedback
    address: str
    # A bounce SES calls Permanent (the mailbox does not exist, or SES suppressed it). A
    # Transient one (mailbox full, message too large) says nothing lasting about the address.
    permanent: bool

    @property
    def stops_email(self) -> bool:
        return self.kind is Feedback.COMPLAINT or self.permanent


def feedback_of(detail: dict[str, Any]) -> list[AddressFeedback]:
    """The addresses an SES event reports on; [] for any other event type."""
    kind = str(detail.get("eventType") or detail.get("notificationType") or "").lower()
    if kind == "bounce":
        bounce = detail.get("bounce") or {}
        permanent = bounce.get("bounceType") == "Permanent"
        recipients = bounce.get("bouncedRecipients") or []
        feedback = Feedback.BOUNCE
    elif kind == "complaint":
        recipients = (detail.get("complaint") or {}).get("complainedRecipients") or []
        permanent, feedback = True, Feedback.COMPLAINT
    else:
        return []
    return [
        AddressFeedback(feedback, str(r["emailAddress"]).strip(), permanent)
        for r in recipients
        if isinstance(r, dict) and isinstance(r.get("emailAddress"), str) and r["emailAddress"].strip()
    ]


def ses_event_detail(kind: str, address: str) -> dict[str, Any]:
    """The SES event record SES would publish for a hard bounce or a complaint of `address`
    (the local stack's POST /_local/ses/events, sample events and tests)."""
    mail = {"destination": [address], "source": "start-a-group@example.org", "messageId": "local"}
    if kind == Feedback.BOUNCE:
        return {
            "eventType": "Bounce",
            "mail": mail,
            "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                       "bouncedRecipients": [{"emailAddress": address}]},
        }  # fmt: skip
    if kind == Feedback.COMPLAINT:
        complaint = {"complainedRecipients": [{"emailAddress": address}]}
        return {"eventType": "Complaint", "mail": mail, "complaint": complaint}
    raise ValueError(f"unknown SES feedback type {kind!r}")

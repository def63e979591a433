"""Every inquiry's emails go out (DESIGN §3, §4): an inquiry stays in the Due index
(DuePK=UNSENT) until the sender has handled its InquiryReceived; the daily run publishes
InquiryReceived again for any received more than an hour (and less than two weeks) ago
that is still there. The sender's per-email keys keep what did go out from going twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.outbox import publisher
from shared.outbox.events import InquiryReceived
from shared.storage import inquiries

GRACE = timedelta(hours=1)  # the normal path takes seconds; an hour leaves no doubt
LOOKBACK = timedelta(days=14)  # beyond that the email DLQ's alarm has long said why


def mark_emailed(event: InquiryReceived) -> None:
    inquiries.mark_inquiry_emailed(event.group_id, event.inquiry_id)


def resend_unsent(now: datetime, publish=None) -> int:
    """Publish InquiryReceived again for every inquiry whose emails never went out."""
    events = [
        InquiryReceived(
            group_id=item.group_id,
            inquiry_id=item.inquiry_id,
            state=item.state,
            organizer_id=item.organizer_id,
            duplicate=bool(item.duplicate),
        )
        for item in inquiries.unsent_inquiries(now - LOOKBACK, now - GRACE)
    ]
    (publish or publisher.publish)(events)
    return len(events)

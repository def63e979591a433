"""Every email the product sends, rendered from hostile text: what a person typed is shown,
never as markup and never as something a mail client would make a link of, while our own
links (and only those) are links. Pure: the plan_* functions, no AWS."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from shared.domain.digest import GroupSummary, compose
from shared.domain.follow_up_rules import DEFAULT_FOLLOW_UPS
from shared.domain.routing import Organizer, Role
from shared.domain.stages import DEFAULT_GATES, Stage
from shared.mail.facts import CoreMember, FollowUpFacts, Founder, StageFacts
from shared.mail.outgoing import OutgoingEmail
from shared.mail.planners.digest import plan_digest_email
from shared.mail.planners.follow_up import plan_follow_up_emails
from shared.mail.planners.inquiry import plan_inquiry_emails
from shared.mail.planners.stage import plan_stage_emails
from shared.mail.rendering import LINK_PLACEHOLDER, WORD_JOINER, inert
from shared.mail.sender import to_mime
from shared.outbox.events import DigestDue, FollowUpDue, GroupStageChanged, InquiryReceived
from shared.settings import EmailSettings
from shared.storage.directory import Inbox

# What someone could type into the form, or an organizer into a note, to phish with an
# email the organization signs.
LURES = ("https://phish.example/login", "www.phish.example", "evil@phish.example", "<b>bold</b>")
HOSTILE = " ".join(LURES)
# A valid address can carry a lure too: shown inert, it is a link only as our own mailto.
APPLICANT_EMAIL = "www.phish.example@gmail.com"
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
CONFIG = EmailSettings(sender_email="start-a-group@example.org")
ORGANIZER = Organizer("ac-ca-north", "Marisol Ortega", Role.AREA_COORDINATOR, "marisol@example.org", ("CA",))
FIELD = Organizer("fo-west", "Dana Whitfield", Role.FIELD_ORGANIZER, "dana@example.org", ("CA",))
INBOX = Inbox("National organizing team", "organize@example.org")
GROUP_ID = "0b5f1f2e-8a53-4c1e-9d76-4f5d2b1a9c11"
FOUNDER = Founder(HOSTILE, APPLICANT_EMAIL, "+14155550142", HOSTILE, "CA", "94110")
# Every link the product itself puts in an email.
OUR_LINKS = re.compile(
    r"^(https://start-a-group\.example\.org/[\w./-]*|mailto:[\w.+-]+@example\.(org|com)|tel:\+18662734466)$"
)


def inquiry_emails() -> list[OutgoingEmail]:
    applicant = FOUNDER
    event = InquiryReceived(
        group_id=GROUP_ID, inquiry_id="i-1", state="CA", organizer_id="ac-ca-north", duplicate=False
    )
    repeat = dataclasses.replace(event, duplicate=True, inquiry_id="i-2")
    return [
        *plan_inquiry_emails(event, applicant, HOSTILE, ORGANIZER, INBOX, "routing", CONFIG, DEFAULT_FOLLOW_UPS),
        *plan_inquiry_emails(repeat, applicant, HOSTILE, ORGANIZER, INBOX, "routing", CONFIG, DEFAULT_FOLLOW_UPS),
    ]


def stage_emails() -> list[OutgoingEmail]:
    facts = StageFacts(FOUNDER, ORGANIZER, INBOX, note=HOSTILE,
                       reason=HOSTILE, core_members=(CoreMember("m-1", HOSTILE, "core1@example.net"),))  # fmt: skip
    moves = [("learn_more", "organize_core", {}), ("organize_core", "closed", {}), ("closed", "organize_core", {}),
             ("get_chartered", "develop_plan", {"group_number": 7, "case_id": HOSTILE})]  # fmt: skip
    out = []
    for version, (was, to, extra) in enumerate(moves, start=2):
        event = GroupStageChanged(group_id=GROUP_ID, from_stage=was, to_stage=to, version=version,
                                  changed_by="ac-ca-north", changed_at="2026-12-01T14:00:00Z", **extra)  # fmt: skip
        out += plan_stage_emails(event, facts, CONFIG, DEFAULT_GATES)
    return out


def follow_up_emails() -> list[OutgoingEmail]:
    facts = FollowUpFacts(FOUNDER, "routing", ORGANIZER, FIELD,
                          Stage.LEARN_MORE, NOW - timedelta(days=8), ("conversation: at least 1",),
                          waiting_since=NOW - timedelta(days=8))  # fmt: skip
    out = []
    for action in ("first_contact_reminder", "first_contact_escalation", "stalled_nudge", "charter_eligible"):
        event = FollowUpDue(group_id=GROUP_ID, action=action, slot=action, due_at="2026-12-01T14:00:00Z")
        out += plan_follow_up_emails(event, facts, INBOX, CONFIG, DEFAULT_FOLLOW_UPS)
    return out


def digest_emails() -> list[OutgoingEmail]:
    summary = GroupSummary(GROUP_ID, HOSTILE, Stage.LEARN_MORE, NOW - timedelta(days=4), waiting=(HOSTILE,))
    sections = compose([summary], NOW, str(CONFIG.organizer_app_url))
    return plan_digest_email(DigestDue(organizer_id="ac-ca-north", week="2026-W49", as_of="x"), ORGANIZER, sections)


EVERY_EMAIL = inquiry_emails() + stage_emails() + follow_up_emails() + digest_emails()


def test_every_kind_of_email_is_rendered_here():
    assert len(EVERY_EMAIL) == 19
    kinds = {e.key.split(":")[0] for e in EVERY_EMAIL}
    assert kinds == {"inquiry", "inquiry-repeat", "status-link", "stage", "followup", "digest"}
    linkless = [e.key for e in EVERY_EMAIL if 'href="' not in e.html]
    # So the link test below has links to check. (The founder's copy gets their status link
    # as every founder email does, when it is sent: shared/mail/founder_mail.py.)
    assert linkless == [f"followup:{GROUP_ID}:stalled_nudge:nudge", f"followup:{GROUP_ID}:stalled_nudge:nudge:founder"]


@pytest.mark.parametrize("email", EVERY_EMAIL, ids=[e.key for e in EVERY_EMAIL])
def test_text_a_person_typed_is_shown_but_never_as_a_link_or_markup(email):
    shown_html = re.sub(r'href="[^"]*"', "", email.html)  # what the reader sees, not where links go
    for part in (email.text, shown_html):
        for lure in LURES[:3]:
            assert lure not in part
    assert "<b>bold</b>" not in email.html
    assert inert("www.phish.example") in email.text  # shown, as it was typed


@pytest.mark.parametrize("email", EVERY_EMAIL, ids=[e.key for e in EVERY_EMAIL])
def test_every_link_in_an_email_is_one_of_ours(email):
    for link in re.findall(r'href="([^"]*)"', email.html):
        assert WORD_JOINER not in link
        # The status link's place, filled with a fresh link when sent (shared/mail/founder_mail.py).
        assert OUR_LINKS.match(link) or link in (f"mailto:{APPLICANT_EMAIL}", LINK_PLACEHOLDER), link


@pytest.mark.parametrize("email", EVERY_EMAIL, ids=[e.key for e in EVERY_EMAIL])
def test_our_own_links_stand_whole_in_the_text_part_too(email):
    for link in re.findall(r'href="([^"]*)"', email.html):
        if link.startswith("https://"):
            assert link in email.text, link


@pytest.mark.parametrize("email", EVERY_EMAIL, ids=[e.key for e in EVERY_EMAIL])
def test_every_email_becomes_a_message_with_a_text_and_an_html_part(email):
    message = message_from_bytes(to_mime(email, "start-a-group@example.org"), policy=policy.default)

    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message.get_body(("plain",)).get_content() == email.text.replace("\r\n", "\n")


def test_a_line_break_in_a_subject_cannot_stop_an_email_from_being_sent():
    email = OutgoingEmail("k", ("a@example.org",), "New inquiry from San\u2028Francisco,\nCA", "text", "<p>html</p>")

    message = message_from_bytes(to_mime(email, "start-a-group@example.org"), policy=policy.default)

    assert message["Subject"] == "New inquiry from San Francisco, CA"


def test_inert_text_reads_the_same_and_leaves_plain_words_alone():
    assert inert("Ana Souza, San Francisco. Call 866-273-4466") == "Ana Souza, San Francisco. Call 866-273-4466"
    assert inert("see www.x.org").replace(WORD_JOINER, "") == "see www.x.org"
    assert inert("a@b.org") == f"a@{WORD_JOINER}b.{WORD_JOINER}org"
    assert inert("https://x") == f"https:{WORD_JOINER}//x"


def test_every_domain_event_has_one_planner_and_the_email_sender_asks_it():
    from shared.mail.planning import PLANNERS, planner_for
    from shared.outbox.events import EVENT_TYPES

    assert set(PLANNERS) == set(EVENT_TYPES.values())
    event = DigestDue(organizer_id="ac-ca-north", week="2026-W49", as_of="x")
    assert planner_for(event) is PLANNERS[DigestDue]

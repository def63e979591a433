"""POST /inquiries, from an API Gateway event to the emails in SES (DESIGN §2, §4)."""

from __future__ import annotations

from tests.conftest import sent_emails
from tests.given import open_group_of
from tests.pipeline import VALID_FORM, run_async, submit


def test_valid_form_creates_a_group_routed_to_the_zip_coordinator(directory, aws):
    response = submit(aws)

    assert response.status == 202
    body = response.body
    assert set(body) == {"inquiry_id", "stage", "organizer", "hotline", "next_step"}
    assert body["stage"] == "learn_more"
    assert body["hotline"] == "866-273-4466"
    coordinator = directory.get("ac-ca-north")
    assert body["organizer"] == {
        "name": coordinator.name,
        "role": "area_coordinator",
        "email": coordinator.email,
    }
    assert coordinator.name in body["next_step"]
    assert open_group_of(VALID_FORM["email"]) is not None


def test_valid_form_sends_the_organizer_and_the_applicant_an_email(directory, aws):
    submit(aws)
    run_async(aws)
    group_id = open_group_of(VALID_FORM["email"])

    emails = sent_emails()
    assert len(emails) == 2
    to_organizer, to_applicant = sorted(emails, key=lambda e: e.to != [directory.get("ac-ca-north").email])
    assert to_organizer.to == [directory.get("ac-ca-north").email]
    assert "San Francisco, California" in to_organizer.subject
    for part in (to_organizer.text, to_organizer.html):
        assert "Ana Souza" in part
        assert "+14155550142" in part
        assert "prisoners of conscience" in part
        assert group_id in part
    assert to_organizer.reply_to == "Ana.Souza@example.com"

    assert to_applicant.to == ["Ana.Souza@example.com"]
    for part in (to_applicant.text, to_applicant.html):
        assert directory.get("ac-ca-north").name in part
        assert "866-273-4466" in part
        assert "informal conversation" in part
        assert "/status#t=" in part


def test_a_state_without_organizers_goes_to_the_national_inbox(directory, aws):
    response = submit(aws, {**VALID_FORM, "state": "GU", "zip": "96910", "city": "Hagåtña"})
    run_async(aws)

    assert response.status == 202
    assert response.body["organizer"] is None
    assert "866-273-4466" in response.body["next_step"]
    recipients = sorted(e.to[0] for e in sent_emails())
    assert recipients == sorted(["organize@example.org", "Ana.Souza@example.com"])


def test_the_same_email_again_starts_no_second_group(directory, aws):
    submit(aws)
    group_id = open_group_of(VALID_FORM["email"])
    again = submit(aws, {**VALID_FORM, "email": "ana.souza@EXAMPLE.com", "message": "Any news?"})

    assert again.status == 202
    assert open_group_of(VALID_FORM["email"]) == group_id
    from shared.storage.founders import group_ids_of

    assert group_ids_of("ana.souza@example.com") == [group_id]


def test_a_repeat_tells_the_organizer_unverified_and_sends_the_address_its_link(directory, aws):
    submit(aws)
    run_async(aws)
    submit(aws, {**VALID_FORM, "name": "Mallory", "message": "We now have six people!"})
    run_async(aws)

    emails = sent_emails()
    assert len(emails) == 4
    notice, link = sorted(emails[2:], key=lambda e: e.to != [directory.get("ac-ca-north").email])
    assert notice.to == [directory.get("ac-ca-north").email]
    assert notice.subject.startswith("Unverified message")
    assert "six people" in notice.text
    assert "Mallory" not in notice.text + notice.html  # the claimed name is nobody's word
    assert notice.reply_to is None  # no channel to the person it claims to be
    assert link.to == ["Ana.Souza@example.com"]
    assert "/status#t=" in link.text


def test_repeats_reach_the_organizer_at_most_once_a_day_per_group(directory, aws):
    submit(aws)
    for n in range(3):
        submit(aws, {**VALID_FORM, "message": f"Message number {n}"})
    run_async(aws)

    notices = [e for e in sent_emails() if e.subject.startswith("Unverified")]
    links = [e for e in sent_emails() if e.subject == "Your group's page: your link"]
    assert len(notices) == 1
    assert len(links) == 1  # and the address its link at most once an hour


def test_a_retried_identical_submission_is_answered_alike_and_stores_and_sends_nothing_more(directory, aws):
    first = submit(aws)
    retry = submit(aws)
    run_async(aws)

    # The request path cannot give the first answer's inquiry_id back without looking the
    # address up, which is what a stranger's timing could see (DESIGN §2): a fresh id, the
    # rest alike, and the consumer stores the same words the same day once.
    assert retry.status == 202
    assert retry.body["inquiry_id"] != first.body["inquiry_id"]
    assert {**retry.body, "inquiry_id": None} == {**first.body, "inquiry_id": None}
    assert len(sent_emails()) == 2


def test_the_same_words_on_another_day_reach_the_organizer_again(directory, aws, monkeypatch):
    from datetime import timedelta

    from shared.domain.clock import utcnow

    submit(aws)
    later = utcnow() + timedelta(days=8)
    monkeypatch.setattr("functions.intake.app.received_at", lambda _event: later)
    again = submit(aws)
    run_async(aws)

    assert again.status == 202
    assert [e.subject.split(" ")[0] for e in sent_emails()].count("Unverified") == 1


def test_routing_counts_open_inquiries_on_the_organizer(directory, aws):
    from shared.storage.directory import read_directory

    submit(aws)
    submit(aws, {**VALID_FORM, "email": "other@example.com"})

    assert read_directory().get("ac-ca-north").open_inquiries == 2


def test_the_group_records_who_it_was_routed_to_and_why(directory, aws):
    from shared.storage.groups import get_group_item

    submit(aws)
    group = get_group_item(open_group_of(VALID_FORM["email"]))

    assert group.organizer_id == "ac-ca-north"
    assert group.routing_reason == "zip_prefix"
    assert "ZIP" in group.routing_note
    assert group.routing_considered == ["ac-ca-north", "ac-ca-south", "fo-west"]


def test_a_form_whose_organizer_becomes_unreachable_before_it_is_stored_is_routed_again(directory, aws):
    from shared.storage.directory import mark_undeliverable, read_directory
    from shared.storage.groups import get_group_item
    from tests.pipeline import post_form, store_submissions

    kept = {**VALID_FORM, "email": "kept@example.com"}
    moved = {**VALID_FORM, "email": "moved@example.com"}
    assert post_form(aws, kept).body["organizer"]["email"] == directory.get("ac-ca-north").email
    store_submissions(aws)
    post_form(aws, moved)  # answered with ac-ca-north; stored after their address bounced
    mark_undeliverable("ac-ca-north")
    store_submissions(aws)

    assert get_group_item(open_group_of("kept@example.com")).organizer_id == "ac-ca-north"
    group = get_group_item(open_group_of("moved@example.com"))
    assert group.organizer_id == "ac-ca-south"  # the next one the routing considers for the ZIP
    counts = {o.organizer_id: o.open_inquiries for o in read_directory().organizers}
    assert (counts["ac-ca-north"], counts["ac-ca-south"]) == (1, 1)


def test_a_filled_honeypot_looks_accepted_but_stores_and_sends_nothing(directory, aws):
    from shared.storage.groups import get_group_item
    from shared.storage.inquiries import find_open_group_id

    real = submit(aws, {**VALID_FORM, "email": "real@example.com"})
    run_async(aws)
    sent_before = len(sent_emails())
    items_before = aws.client("dynamodb").describe_table(TableName=aws.name("GroupsTable"))["Table"]["ItemCount"]

    response = submit(aws, {**VALID_FORM, "website": "http://spam.example"})
    run_async(aws)

    assert response.status == 202
    assert set(response.body) == set(real.body)
    assert response.body["organizer"] == real.body["organizer"]  # it cannot be told apart
    assert find_open_group_id("ana.souza@example.com") is None
    assert get_group_item(response.body["inquiry_id"]) is None
    items_after = aws.client("dynamodb").describe_table(TableName=aws.name("GroupsTable"))["Table"]["ItemCount"]
    assert items_after - items_before <= 1  # at most the rate-limit window's counter
    assert len(sent_emails()) == sent_before


def test_user_text_never_becomes_markup(directory, aws):
    submit(aws, {**VALID_FORM, "name": "<b>Eve</b>", "message": '<a href="https://evil.example">click</a>'})
    run_async(aws)

    for sent in sent_emails():
        assert "<b>Eve</b>" not in sent.html
        assert "&lt;b&gt;Eve&lt;/b&gt;" in sent.html
        assert 'href="https://evil.example"' not in sent.html
        assert sent.text  # every email has a text part


def test_too_many_submissions_from_one_address_are_rate_limited(directory, aws):
    from shared import settings

    limit = 3
    aws.resolver.parameters["IntakeRateLimitPerHour"] = str(limit)
    settings.reset()
    statuses = [submit(aws, {**VALID_FORM, "email": f"p{i}@example.com"}).status for i in range(limit + 1)]
    other_address = submit(aws, {**VALID_FORM, "email": "q@example.com"}, source_ip="198.51.100.9")

    assert statuses == [202] * limit + [429]
    assert other_address.status == 202


def test_ipv6_clients_are_counted_by_their_64_and_the_key_reveals_no_address(directory, aws):
    import hashlib

    from shared import settings

    aws.resolver.parameters["IntakeRateLimitPerHour"] = "2"
    settings.reset()
    same_network = ["2001:db8:5:6::1", "2001:db8:5:6:8000::2", "2001:db8:5:6:ffff::3"]
    statuses = [
        submit(aws, {**VALID_FORM, "email": f"v6-{i}@example.com"}, source_ip=ip).status
        for i, ip in enumerate(same_network)
    ]
    elsewhere = submit(aws, {**VALID_FORM, "email": "v6-x@example.com"}, source_ip="2001:db8:5:7::1")

    assert statuses == [202, 202, 429]
    assert elsewhere.status == 202
    items = aws.client("dynamodb").scan(TableName=aws.name("GroupsTable"))["Items"]
    rate_keys = {i["PK"]["S"] for i in items if i["PK"]["S"].startswith("RATE#")}
    assert len(rate_keys) == 2
    for guess in ("2001:db8:5:6::/64", "2001:db8:5:6::1", "2001:db8:5:7::/64"):
        for salt in (b"", b"start-a-group/rate/v1"):
            assert "RATE#" + hashlib.sha256(salt + guess.encode()).hexdigest()[:24] not in rate_keys

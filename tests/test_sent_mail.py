"""local/sent_mail.py reads back what shared/mail/sender.py sends: addresses, subject and
bodies exactly as written, whatever the encoding MIME chose for them."""

from __future__ import annotations

import pytest

from local.sent_mail import parse
from shared.mail.outgoing import OutgoingEmail
from shared.mail.sender import to_mime

SPANISH = OutgoingEmail(
    key="k",
    to=("ana.souza@example.com",),
    cc=("core.uno@example.net", "core.dos@example.net"),
    reply_to=("organizer@example.org",),
    subject="Gracias por su interés en formar un grupo local — ¿qué sigue? " * 2,  # folded: > 78 columns
    text="Hola Ana:\n\nLa línea de ayuda es 866-273-4466. ñ é ü\n",
    html="<p>Hola Ana: <strong>ñ</strong></p>",
)
PLAIN = OutgoingEmail(
    key="k", to=("diego.varga@example.org",), subject="Group closed", text="Closed.\n", html="<p>Closed.</p>"
)


@pytest.mark.parametrize("sent", [SPANISH, PLAIN], ids=["spanish-folded-cc", "ascii"])
def test_an_email_reads_back_as_it_was_sent(sent: OutgoingEmail) -> None:
    raw = to_mime(sent, "noreply@example.org").decode("utf-8")

    read = parse(raw)

    assert read.to == list(sent.to)
    assert read.cc == list(sent.cc)
    assert read.subject == " ".join(sent.subject.split())  # as the sender writes it: one line
    assert read.text == sent.text
    assert read.html.strip() == sent.html
    assert read.reply_to == (", ".join(sent.reply_to) or None)
    assert read.raw["Subject"] == read.subject  # the whole message, parsed when asked

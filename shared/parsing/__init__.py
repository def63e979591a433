"""What people and organizers send, checked and normalized into domain values."""

# A field a request does not take is reported on the body, never by its name: the name was
# typed by the client, and answers echo nothing of what was sent.
UNKNOWN_FIELDS = ("body", "has a field this request does not take")

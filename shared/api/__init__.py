"""The HTTP edge: who is calling, and the one mapping of errors to RFC 9457 problems."""

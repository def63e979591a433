"""One function per thing the product does, composed from domain, parsing and storage."""

"""Which emails an event causes, how they read, and sending them once."""

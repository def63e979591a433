"""What people and organizers send, checked and normalized into domain values."""

"""DynamoDB access, one module per aggregate; nothing else builds a key."""

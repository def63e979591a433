"""One planner per kind of event: the facts its emails need, read from the table, and the emails."""

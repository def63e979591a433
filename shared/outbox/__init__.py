"""Committed table changes become domain events on the bus."""

"""Running template.yaml on one machine: its resources in moto, its functions in-process.

Used by the tests (resources built from the template, so the schema cannot drift) and by
the local stack (`make dev`). Never deployed.
"""

"""The Start a Group domain: inquiries, groups, organizers, routing, notifications.

One package shared by every Lambda function (shipped in the SharedLayer). Modules
import their heavy dependencies lazily so that each handler pays only for what it uses.
"""

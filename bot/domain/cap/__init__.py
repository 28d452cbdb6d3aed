"""Sent announcements as CAP 1.2 messages (OASIS Common Alerting Protocol), so that other
alerting systems, websites and apps can take them, and the Atom feed of those still current.

Each sending of an announcement publishes one `<alert>` (`Alert` the first time, `Update` for
the later sendings of a recurring one) with one `<info>` per language and one `<area>` per
targeted area; cancelling it publishes a `Cancel` that refers to every earlier message. The
XML is built with the standard library and stored as published (table `cap_message`), in the
same transaction as the claim or the cancellation, so the feed says exactly what was decided.
All times are written in UTC as `+00:00`: CAP forbids `Z`, and a reference to an earlier
message must repeat its `sent` exactly.
"""

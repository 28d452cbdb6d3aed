"""Desk supergroups: case topics, relays to the resident, and the staff commands."""

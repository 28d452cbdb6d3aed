"""Outbound transport below the workflows: the outbox, its courier, pacing and retries."""

"""Steps that combine the database and Telegram (through the outbox): reports, relays, cards,
statistics."""

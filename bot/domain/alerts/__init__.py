"""Neighbourhood alerts, decided in the database: who follows what (`subscriptions`), when an
announcement is due (`schedule`), and claiming, queueing and reporting a sending (`engine`)."""

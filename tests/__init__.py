"""Beatline's test suite."""

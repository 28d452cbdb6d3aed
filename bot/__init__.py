"""Beatline: a Telegram contact channel between citizens, police desks and local partners."""

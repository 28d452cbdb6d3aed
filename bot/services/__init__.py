"""Domain logic that knows no aiogram types; collaborators (session, clock) are arguments."""

"""Private chats with residents: onboarding, the report wizard, alerts, their cases, follow-ups."""

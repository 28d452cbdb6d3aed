"""The coordinators' group: announcements (and, later, statistics)."""

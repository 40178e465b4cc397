"""People, their roles, and signing in and out."""

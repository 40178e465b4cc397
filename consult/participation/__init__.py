"""Participation: which member organisations have taken part in a draft, and reminders to those that have not."""

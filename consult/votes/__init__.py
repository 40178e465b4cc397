"""Votes: one per member organisation per question."""

"""Amendments: proposed changes to a paragraph, their support, decisions, and the texts they make."""

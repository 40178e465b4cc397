"""Versions of a draft: the next one built from the adopted amendments, collisions resolved, publishing, comparing."""

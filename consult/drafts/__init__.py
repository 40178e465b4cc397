"""Drafts, their versions and paragraphs, and the phases they move through."""

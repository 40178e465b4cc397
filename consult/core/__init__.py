"""Shared foundations: database base class, Markdown renderer, permissions, errors."""

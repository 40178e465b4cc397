"""Resetting a forgotten password by e-mail link."""

"""E-mail: an outbox table, and its sending."""

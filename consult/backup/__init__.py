"""Backups that restore: `flask backup` and `flask restore` (PostgreSQL through pg_dump/pg_restore, SQLite through
its online backup API)."""

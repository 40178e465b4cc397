"""Administration: organisations and people (admins only)."""

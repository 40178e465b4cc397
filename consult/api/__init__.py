"""Read-only open data: JSON views with the same permissions as the pages."""

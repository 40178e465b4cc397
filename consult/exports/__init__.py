"""Exports of a draft: one document model, written as Markdown, HTML, PDF, DOCX, CSV and JSON."""

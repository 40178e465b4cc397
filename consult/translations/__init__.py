"""Paragraph-aligned translations of drafts: translators per language, translated paragraphs, reading and export."""

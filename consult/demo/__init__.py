"""Demo data: fictional organisations, people and two drafts, for trying consult out."""

"""The reading screens: the list of drafts and a draft's text, composed from drafts, comments and votes."""

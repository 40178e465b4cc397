"""Member organisations of the federation."""

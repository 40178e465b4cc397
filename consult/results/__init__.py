"""Results of a draft's votes: per paragraph and on the whole draft, with turnout and majority."""

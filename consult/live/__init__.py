"""The live session of a conference day: agenda, open and closed questions, check-in and quorum.

It stands above `votes/` and uses its services; it never writes votes itself."""

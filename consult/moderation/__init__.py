"""The moderation queue: held comments, submitted amendments and reports, decided in place."""

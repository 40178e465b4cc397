"""Notifications: opt-in e-mail to a person about what happens to what they wrote, about phases and deadlines."""

"""The invitation outbox and the optional SMTP sender that empties it."""

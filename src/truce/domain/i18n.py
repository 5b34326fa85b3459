"""A marker for user-facing text raised in the domain; entrypoints translate it."""


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message

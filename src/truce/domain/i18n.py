"""Markers for user-facing text raised in the domain; entrypoints translate it."""


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message


class Word(str):
    """A word of a fixed vocabulary (a status, a proposal's state) placed inside a message.

    The word is itself a msgid (marked with N_ where the vocabulary is listed), so the edge
    translates it with the message instead of leaving "committed" inside a Russian sentence.
    """

    __slots__ = ()

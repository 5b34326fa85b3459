"""Canonical JSON: the same bytes for the same value in any language.

Keys sorted, no insignificant whitespace, UTF-8, no floats, integers within ±2**53. Under these
restrictions the output equals RFC 8785 (JCS) for every key made of characters in the Basic
Multilingual Plane; keys outside it are refused so the two never disagree.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1

# One encoder for every call: json.dumps with options builds a new one each time.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class NotCanonical(ValueError):
    """A value that has no canonical form here (a float, a huge integer, a non-string key)."""


class _Refused(Exception):
    """Why a value deep inside has no canonical form; the way to it is added on the way out.

    Every ledger entry is checked on write and on verify, so the walk must not format a path
    for each value it passes: the path is built only for the one value that fails.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.steps: list[str] = []  # innermost first

    def where(self) -> str:
        return "$" + "".join(reversed(self.steps))


def _within_bmp(key: str) -> bool:
    return key.isascii() or max(key) <= "\uffff"


def _check(value: Any) -> None:
    # Strings are the commonest values, so they are tested first.
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise _Refused("integer beyond ±2**53; write it as a string")
        return
    if isinstance(value, float):
        raise _Refused("floats are not canonical; write the number as a string")
    if isinstance(value, dict):
        _check_object(value)
        return
    if isinstance(value, list | tuple):
        _check_array(value)
        return
    raise _Refused(f"{type(value).__name__} is not a JSON value")


def _check_object(value: dict[Any, Any]) -> None:
    for key, item in value.items():
        if not isinstance(key, str) or not _within_bmp(key):
            raise _Refused("keys must be strings within the BMP")
        try:
            _check(item)
        except _Refused as refused:
            refused.steps.append(f".{key}")
            raise


def _check_array(value: list[Any] | tuple[Any, ...]) -> None:
    for index, item in enumerate(value):
        try:
            _check(item)
        except _Refused as refused:
            refused.steps.append(f"[{index}]")
            raise


def canonical_text(value: Any) -> str:
    """The canonical JSON text of ``value``."""
    try:
        _check(value)
    except _Refused as refused:
        raise NotCanonical(f"{refused.where()}: {refused.reason}") from None
    return _ENCODER.encode(value)


def canonical_bytes(value: Any) -> bytes:
    """The canonical JSON bytes of ``value``."""
    return canonical_text(value).encode("utf-8")


# A character outside the BMP in JSON text: raw (UTF-8's four-byte lead bytes) or escaped as a
# surrogate. Text with a backslash before ``\\ud800`` matches too, and is only checked slowly.
_FOUR_BYTES = re.compile(rb"[\xf0-\xf4]")
_SURROGATE = re.compile(rb"\\u[dD][89abAB]")


def _beyond_bmp(text: bytes) -> bool:
    # The C scans (isascii, in) first: most pages have neither, and a regex scan costs more.
    if not text.isascii() and _FOUR_BYTES.search(text) is not None:
        return True
    return (b"\\ud" in text or b"\\uD" in text) and _SURROGATE.search(text) is not None


def loads_canonical(text: bytes) -> tuple[Any, bool]:
    """JSON text decoded, and whether every value in it has a canonical form: no float (or
    NaN, Infinity), no integer beyond ±2**53, no character outside the BMP anywhere. When it
    does, ``trusted_text`` of any part of it is its canonical text without walking it again
    (decoded JSON has only text keys and JSON values); when not, ``canonical_text`` says why.

    The decoder calls back for numbers only, so the check costs a fraction of the walk."""
    refused = False

    def float_found(number: str) -> float:
        nonlocal refused
        refused = True
        return float(number)

    def integer(digits: str) -> int:
        nonlocal refused
        value = int(digits)
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            refused = True
        return value

    value = json.loads(text, parse_float=float_found, parse_int=integer,
                       parse_constant=float_found)  # fmt: skip
    return value, not refused and not _beyond_bmp(text)


def trusted_text(value: Any) -> str:
    """The canonical JSON text of a value known to have one (``loads_canonical`` said so)."""
    return _ENCODER.encode(value)

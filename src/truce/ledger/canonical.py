"""Canonical JSON: the same bytes for the same value in any language.

Keys sorted, no insignificant whitespace, UTF-8, no floats, integers within ±2**53. Under these
restrictions the output equals RFC 8785 (JCS) for every key made of characters in the Basic
Multilingual Plane; keys outside it are refused so the two never disagree.
"""

from __future__ import annotations

import json
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1


class NotCanonical(ValueError):
    """A value that has no canonical form here (a float, a huge integer, a non-string key)."""


def _check(value: Any, path: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonical(f"{path}: integer beyond ±2**53; write it as a string")
        return
    if isinstance(value, float):
        raise NotCanonical(f"{path}: floats are not canonical; write the number as a string")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or any(ord(ch) > 0xFFFF for ch in key):
                raise NotCanonical(f"{path}: keys must be strings within the BMP")
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
        return
    raise NotCanonical(f"{path}: {type(value).__name__} is not a JSON value")


def canonical_text(value: Any) -> str:
    """The canonical JSON text of ``value``."""
    _check(value, "$")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_bytes(value: Any) -> bytes:
    """The canonical JSON bytes of ``value``."""
    return canonical_text(value).encode("utf-8")

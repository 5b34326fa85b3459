"""Translations (gettext catalogs compiled with Babel) and the direction of each language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "truce"
DEFAULT_LOCALE = "en"
# Languages the interface is written to support; catalogs arrive one by one.
SUPPORTED = ("en", "ar", "ru")


@lru_cache(maxsize=16)
def translations(locale: str) -> NullTranslations:
    """The catalog for ``locale``, or the identity translation when there is none yet."""
    return Translations.load(str(LOCALE_DIR), [locale], domain=DOMAIN)


def direction(locale: str) -> str:
    """'rtl' for right-to-left languages such as Arabic, else 'ltr'."""
    try:
        return "rtl" if Locale.parse(locale).character_order == "right-to-left" else "ltr"
    except (UnknownLocaleError, ValueError):
        return "ltr"


def negotiate(requested: str | None, accept_language: str | None) -> str:
    """The locale to use: an explicit choice, else the browser's first supported language."""
    if requested in SUPPORTED:
        return requested
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in SUPPORTED:
            return code
    return DEFAULT_LOCALE

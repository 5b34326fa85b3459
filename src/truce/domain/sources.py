"""What a news source hands us that we pass on: its web address and its headline."""

from __future__ import annotations

import re

from truce.domain.links import web_link

# " - Reuters", " | Al Jazeera", " — Cedar Line": the outlet's name that sites append to a title.
_TRAILING_NAME = re.compile(r"\s+[-|–—]\s+(?P<name>[^-|–—]+?)\s*$")


def web_url(value: object) -> str | None:
    """``value`` when it is an http(s) address of a host (see :func:`web_link`), else None."""
    link = web_link(value) if isinstance(value, str) else None
    return link.url if link is not None else None


def outlet_names(outlet: str | None) -> set[str]:
    """The names an outlet goes by, folded for comparison.

    "Степной курьер / Steppe Courier (fictional outlet)" goes by the whole string, "Степной
    курьер" and "Steppe Courier"."""
    if not outlet or not outlet.strip():
        return set()
    base = outlet.split(" (", 1)[0]
    names = {outlet, base, *base.split(" / ")}
    return {name.strip().casefold() for name in names if name.strip()}


def headline(title: str, outlet: str | None) -> str:
    """The title without a trailing " - Outlet" or " | Outlet" that names its own outlet."""
    match = _TRAILING_NAME.search(title)
    if match is None or match.group("name").casefold() not in outlet_names(outlet):
        return title
    return title[: match.start()].rstrip() or title


# An extractor's confidence is a score of how the item was found, not a probability.
HIGH_CONFIDENCE = 0.75
MEDIUM_CONFIDENCE = 0.55


def confidence_level(score: float) -> str:
    """A score in words: ``high``, ``medium`` or ``low`` (thresholds in docs/news.md)."""
    if score >= HIGH_CONFIDENCE:
        return "high"
    return "medium" if score >= MEDIUM_CONFIDENCE else "low"

"""An article's text as HTML with what was extracted from it marked, offsets as evidence."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

MAX_CHARS = 200_000  # beyond this a page shows the text unmarked: nobody reads megabytes here


def spans_of(extraction: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, title) for every statement, place, party and event found."""
    found = []
    for item in extraction.get("events", []):
        found.append((*item["span"], "event", f"{item['type']} / {item['sub_type']}"))
    for item in extraction.get("statements", []):
        found.append((*item["quote_span"], "statement", f"{item['speaker']} ({item['kind']})"))
    for item in extraction.get("places", []):
        found.append((*item["span"], "place", f"{item['entry']} ({item['country']})"))
    for item in extraction.get("parties", []):
        found.append((*item["span"], "party", item["name"]))
    return found


def highlighted(text: str, extraction: dict[str, Any]) -> Markup:
    """The text with each extracted item wrapped in a <mark> naming its kind."""
    if len(text) > MAX_CHARS:
        return escape(text)
    kinds: list[set[str]] = [set() for _ in text]
    titles: list[list[str]] = [[] for _ in text]
    for start, end, kind, title in spans_of(extraction):
        for index in range(max(0, start), min(end, len(text))):
            kinds[index].add(kind)
            if index == start:
                titles[index].append(title)
    return Markup("".join(_runs(text, kinds, titles)))


def _runs(text: str, kinds: list[set[str]], titles: list[list[str]]) -> list[str]:
    parts = []
    start = 0
    for index in range(1, len(text) + 1):
        if index < len(text) and kinds[index] == kinds[start] and not titles[index]:
            continue
        chunk = escape(text[start:index])
        if kinds[start]:
            classes = " ".join(f"hl-{k}" for k in sorted(kinds[start]))
            title = escape("; ".join(titles[start]))
            chunk = Markup(f'<mark class="{classes}" title="{title}">{chunk}</mark>')
        parts.append(str(chunk))
        start = index
    return parts

"""Reading articles (plain text, HTML, JSON feed items) into one text that offsets point into."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

MAX_BYTES = 12 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADER = re.compile(
    r"^(Published|Outlet|URL|Url|Date|By|Language|Licence|License|Excerpt|Note)\s*:\s*(.+)$"
)
_SOURCE_LINE = re.compile(r"(?:^|\n)[ \t]*Source\s*:\s*(?P<source>[^\n]{1,80}?)[ \t]*\n*\Z")


class ArticleError(ValueError):
    """A file that cannot be read as an article, and why."""


@dataclass(frozen=True)
class Article:
    """One article. ``text`` is what every extraction's offsets point into."""

    text: str
    title: str
    body_start: int
    outlet: str | None = None
    url: str | None = None
    published: datetime | None = None
    source_line: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        # Control characters (a NUL deep in a file or a JSON "\u0000") become spaces: the
        # same length, so offsets still hold, and PostgreSQL cannot store a NUL.
        for name in ("text", "title"):
            value = getattr(self, name)
            if _CONTROL.search(value):
                object.__setattr__(self, name, _CONTROL.sub(" ", value))

    @property
    def body(self) -> str:
        """The text after the title and header lines."""
        return self.text[self.body_start :]

    @property
    def digest(self) -> str:
        """Identifies the article's content: the same article read twice has the same digest."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time, or None when absent or unreadable (the article is still read)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def from_text(raw: str, name: str = "") -> Article:
    """A plain-text article: a title line, optional header lines, a blank line, the body."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    title = lines[0].strip() if lines else ""
    headers: dict[str, str] = {}
    offset = len(lines[0]) + 1 if lines else 0
    for line in lines[1:]:
        match = _HEADER.match(line.strip())
        if not match:
            break
        headers[match.group(1).lower()] = match.group(2).strip()
        offset += len(line) + 1
    while offset < len(text) and text[offset] == "\n":
        offset += 1
    source = _SOURCE_LINE.search(text)
    return Article(
        text=text,
        title=title,
        body_start=min(offset, len(text)),
        outlet=headers.get("outlet"),
        url=headers.get("url"),
        published=parse_time(headers.get("published") or headers.get("date")),
        source_line=source.group("source").strip() if source else None,
        name=name,
    )


def from_item(item: Any, name: str = "") -> Article:
    """A JSON feed item: ``{"title", "body", "outlet", "url", "published"}``."""
    if not isinstance(item, dict):
        raise ArticleError("a feed item must be a JSON object")
    title = _string(item.get("title"))
    body = _string(item.get("body") or item.get("text") or item.get("content"))
    if not body.strip():
        raise ArticleError("the item has no body")
    text = f"{title}\n\n{body}" if title else body
    source = _SOURCE_LINE.search(text)
    return Article(
        text=text,
        title=title,
        body_start=len(title) + 2 if title else 0,
        outlet=_string(item.get("outlet") or item.get("source")) or None,
        url=_string(item.get("url") or item.get("link")) or None,
        published=parse_time(item.get("published") or item.get("date")),
        source_line=source.group("source").strip() if source else None,
        name=name,
    )


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


class _PageText(HTMLParser):
    """The readable text of a page: title, headings, paragraphs; no scripts, styles or menus."""

    SKIP = frozenset({"script", "style", "nav", "footer", "header", "aside", "noscript", "form"})
    BLOCKS = frozenset({"p", "h1", "h2", "h3", "li", "blockquote", "div", "br", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.published: str | None = None
        self.outlet: str | None = None
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._skipping = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.SKIP:
            self._skipping += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "time" and values.get("datetime"):
            self.published = self.published or values["datetime"]
        elif tag == "meta":
            self._meta(values)
        if tag in self.BLOCKS:
            self._flush()

    def _meta(self, values: dict[str, str | None]) -> None:
        key = (values.get("property") or values.get("name") or "").lower()
        content = values.get("content")
        if key in ("article:published_time", "date", "pubdate") and content:
            self.published = self.published or content
        elif key in ("og:site_name", "publisher", "outlet") and content:
            self.outlet = self.outlet or content

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1
        elif tag == "title":
            self._in_title = False
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skipping:
            self._current.append(data)

    def _flush(self) -> None:
        block = " ".join("".join(self._current).split())
        if block:
            self.blocks.append(block)
        self._current = []

    def close(self) -> None:
        super().close()
        self._flush()


def from_html(raw: str, name: str = "") -> Article:
    """An HTML page: its title and the text of its paragraphs, menus and scripts left out."""
    page = _PageText()
    page.feed(raw)
    page.close()
    title = " ".join(page.title.split())
    blocks = page.blocks
    if blocks and title and blocks[0] == title:
        blocks = blocks[1:]
    elif blocks and not title:
        title, blocks = blocks[0], blocks[1:]
    if not blocks:
        raise ArticleError("the page has no readable paragraphs")
    return from_item(
        {
            "title": title,
            "body": "\n\n".join(blocks),
            "outlet": page.outlet,
            "published": page.published,
        },
        name,
    )


def read_all(path: Path) -> list[Article | ArticleError]:
    """Each article of a file, or the error that stopped it (one bad feed line spoils itself)."""
    raw = _text_of(path)
    if path.suffix.lower() == ".jsonl":
        return [_line_or_error(line, number, path.name) for number, line in _lines(raw)]
    return list(parse(raw, path.suffix.lower(), path.name))


def _line_or_error(line: str, number: int, name: str) -> Article | ArticleError:
    try:
        return _json_line(line, number, name)
    except ArticleError as exc:
        return exc


def read_file(path: Path) -> list[Article]:
    """The articles in a file (a JSON Lines feed holds several); ArticleError says why not."""
    return parse(_text_of(path), path.suffix.lower(), path.name)


def _text_of(path: Path) -> str:
    size = path.stat().st_size
    if size == 0:
        raise ArticleError("the file is empty")
    if size > MAX_BYTES:
        raise ArticleError(f"the file is {size:,} bytes; articles over {MAX_BYTES:,} are refused")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ArticleError("the file is binary, not text")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    if not raw.strip():
        raise ArticleError("the file has no text")
    return raw


def parse(raw: str, suffix: str, name: str = "") -> list[Article]:
    """Articles from text in a known format (.txt, .html, .json, .jsonl)."""
    if not raw.strip():
        raise ArticleError("the file has no text")
    if suffix in (".html", ".htm") or raw.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        return [from_html(raw, name)]
    if suffix == ".jsonl":
        return [_json_line(line, number, name) for number, line in _lines(raw)]
    if suffix == ".json":
        try:
            return [from_item(json.loads(raw), name)]
        except json.JSONDecodeError as exc:
            raise ArticleError(f"not JSON: {exc.msg} at line {exc.lineno}") from exc
    return [from_text(raw, name)]


def _lines(raw: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(raw.splitlines(), start=1) if line.strip()]


def _json_line(line: str, number: int, name: str) -> Article:
    try:
        return from_item(json.loads(line), f"{name}:{number}")
    except (json.JSONDecodeError, ArticleError) as exc:
        raise ArticleError(f"line {number}: {exc}") from exc

"""Which texts a page may turn into links: plain http(s) addresses with a host, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

WEB_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class WebLink:
    """An address safe to link to, with its publisher's host for the reader to see."""

    url: str
    host: str  # without a leading "www.", as people name a site
    rest: str  # path, query and fragment, percent-decoded so that non-Latin titles read


def web_link(text: str) -> WebLink | None:
    """The link ``text`` is, or None: javascript:, data:, relative or annotated texts stay text."""
    url = text.strip()
    # An address followed by a remark ("http://… (archived copy: …)") is a note, not a link.
    if not url or any(c.isspace() or not c.isprintable() for c in url):
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # an unbalanced "[" in the host, a port that is not a number
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not host:
        return None
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    rest += f"#{parts.fragment}" if parts.fragment else ""
    shown = host.removeprefix("www.") + (f":{port}" if port else "")
    return WebLink(url=url, host=shown, rest=unquote(rest))

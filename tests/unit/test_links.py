"""Which texts become links: http(s) addresses with a host, shown by their publisher's host."""

import pytest

from truce.domain.links import WebLink, web_link


def test_an_https_address_is_a_link_shown_by_its_host_without_www() -> None:
    link = web_link("https://www.un.org/press/en/2016/sc12261.doc.htm")
    assert link == WebLink(
        url="https://www.un.org/press/en/2016/sc12261.doc.htm",
        host="un.org",
        rest="/press/en/2016/sc12261.doc.htm",
    )


def test_a_percent_encoded_title_is_shown_decoded_but_linked_as_given() -> None:
    url = "https://ru.wikipedia.org/wiki/%D0%90%D1%80%D0%BC%D0%B8%D1%8F_%D0%B7"
    link = web_link(f"  {url}\n")
    assert link is not None
    assert (link.url, link.host, link.rest) == (url, "ru.wikipedia.org", "/wiki/Армия_з")


def test_query_fragment_and_port_are_kept() -> None:
    link = web_link("HTTP://Example.org:8080/a?id=12079576@egNews#top")
    assert link is not None
    assert (link.host, link.rest) == ("example.org:8080", "/a?id=12079576@egNews#top")


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        " JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "mailto:desk@example.org",
        "ftp://example.org/file",
        "//example.org/no-scheme",
        "/parties/1",
        "http:///no-host",
        "https://[::1/broken",
        "https://example.org:port/",
        "http://www.un.org/sc/committees/1267/NSQDe088E.shtml (archived copy: elsewhere)",
        "https://example.org/a\u200bb",
        "UN listing of Al-Qaida in Iraq (QDe.115), 18 Oct 2004",
        "",
    ],
)
def test_anything_else_stays_text(text: str) -> None:
    assert web_link(text) is None

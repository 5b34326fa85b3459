"""What a news source hands us: which addresses may become links, headlines, confidence words."""

from __future__ import annotations

import pytest

from truce.domain.sources import confidence_level, headline, web_url
from truce.web.rendering import make_templates


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/a",
        "https://example.org/2016/02/27/story?id=1#top",
        "HTTPS://EXAMPLE.ORG/",
        "  https://example.org/padded  ",
    ],
)
def test_web_addresses_are_kept(url: str) -> None:
    assert web_url(url) == url.strip()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "//example.org/no-scheme",
        "/relative/path",
        "https://",
        "https://exa mple.org/",
        "http://[::1",
        "",
        None,
        42,
    ],
)
def test_anything_but_a_web_address_is_refused(url: object) -> None:
    assert web_url(url) is None


@pytest.mark.parametrize(
    ("title", "outlet", "expected"),
    [
        ("Kerry calls Lavrov - Reuters", "Reuters", "Kerry calls Lavrov"),
        ("Kerry calls Lavrov | Al Jazeera", "al jazeera", "Kerry calls Lavrov"),
        (
            "Aid reaches Kafr Batna — Cedar Line",
            "Cedar Line (fictional outlet)",
            "Aid reaches Kafr Batna",
        ),
        (
            "Перемирие соблюдается - Steppe Courier",
            "Степной курьер / Steppe Courier",
            "Перемирие соблюдается",
        ),
        # Not the outlet's name: part of the headline, kept.
        ("Syria truce - a first test", "Reuters", "Syria truce - a first test"),
        ("Kerry calls Lavrov - Reuters", None, "Kerry calls Lavrov - Reuters"),
        ("Kerry calls Lavrov - Reuters", "AP", "Kerry calls Lavrov - Reuters"),
        # Never an empty title.
        (" - Reuters", "Reuters", " - Reuters"),
    ],
)
def test_a_headline_loses_its_own_outlets_name(
    title: str, outlet: str | None, expected: str
) -> None:
    assert headline(title, outlet) == expected


def test_confidence_words_follow_how_a_statement_was_found() -> None:
    # The statement reader's scores (news/statements.py): attributed in its sentence 0.8,
    # speaker carried from before 0.6, reported speech 0.5.
    assert [confidence_level(score) for score in (0.8, 0.6, 0.5)] == ["high", "medium", "low"]
    assert confidence_level(0.75) == "high" and confidence_level(0.55) == "medium"


def render(source: str, **values: object) -> str:
    return make_templates().env.from_string(source).render(**values)


def test_the_link_filter_links_only_web_addresses() -> None:
    linked = render("{{ url | link('original') }}", url="https://example.org/a?b=1&c=2")
    assert (
        linked
        == '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">original</a>'
    )
    for hostile in ("javascript:alert(1)", 'javascript:"><script>alert(1)</script>'):
        shown = render("{{ url | link('original') }}", url=hostile)
        assert "<a" not in shown and "href" not in shown and "<script>" not in shown
        assert "not-a-link" in shown
    assert render("{{ url | link }}", url=None) == ""
    assert render("{{ 'yes' if url is web_url else 'no' }}", url="javascript:x") == "no"

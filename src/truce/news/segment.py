"""Paragraphs, sentences and quotations, as spans of the article's text."""

from __future__ import annotations

import re

from truce.news.model import Quote, Sentence, Span

OPENING = {'"': '"', "“": "”", "«": "»", "„": "“"}
CLOSING = {'"', "”", "»", "“"}
ABBREVIATIONS = frozenset(
    """mr mrs ms dr gen lt col maj sgt capt cpl brig adm st no vs jan feb mar apr jun jul aug
    sep sept oct nov dec u.s u.n u.k e.g i.e a.m p.m jr sr prof rev gov sen rep pres dept""".split()
)
# A paragraph ends at a line break: wire copy, kremlin.ru and UN texts put one paragraph on
# each line, with or without a blank line between them.
_PARAGRAPH = re.compile(r"\n[ \t]*\n+|\n(?=[ \t]*\S)")
# A sentence ends at a full stop before a space, or before an Arabic letter ("داريا.وأوضح", as
# UN News prints it); a line's end ends its paragraph, and so its sentence.
_END = re.compile(r"[.!?؟](?=[\"”»’)]*\s|[\u0621-\u064a])")


def paragraphs(text: str, start: int = 0) -> list[Span]:
    """Blocks of text separated by line breaks (blank lines or not)."""
    spans: list[Span] = []
    position = start
    for match in _PARAGRAPH.finditer(text, start):
        _add(spans, text, position, match.start())
        position = match.end()
    _add(spans, text, position, len(text))
    return spans


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


def quotes(text: str, paragraph: Span) -> list[Quote]:
    """The quotations in a paragraph; one left open runs to the paragraph's end."""
    found: list[Quote] = []
    opened: tuple[int, str] | None = None
    for index in range(paragraph.start, paragraph.end):
        char = text[index]
        if opened is None and char in OPENING and _opens(text, index, paragraph):
            opened = (index, OPENING[char])
        elif opened is not None and (char == opened[1] or (char in CLOSING and char != "“")):
            start = opened[0]
            if index > start + 1:
                found.append(Quote(Span(start + 1, index), Span(start, index + 1)))
            opened = None
    if opened is not None and paragraph.end > opened[0] + 1:
        found.append(
            Quote(Span(opened[0] + 1, paragraph.end), Span(opened[0], paragraph.end), closed=False)
        )
    return found


def _opens(text: str, index: int, paragraph: Span) -> bool:
    # A straight quote opens when it follows a space, a bracket or the paragraph's start.
    if text[index] != '"':
        return True
    before = text[index - 1] if index > paragraph.start else " "
    if before in "وبلفك" and (index - 2 < paragraph.start or text[index - 2].isspace()):
        return True  # Arabic joins و, ب, ل … to the next word, quotation marks included
    return before.isspace() or before in "([{—–-:,"


def sentences(text: str, paragraph: Span, number: int, inside: list[Quote]) -> list[Sentence]:
    """The sentences of a paragraph; a sentence does not end inside a quotation."""
    found: list[Sentence] = []
    start = paragraph.start
    for match in _END.finditer(text, paragraph.start, paragraph.end):
        end = match.end()
        if any(q.outer.start < end < q.outer.end for q in inside) or _abbreviation(text, match):
            continue
        while end < paragraph.end and text[end] in '"”»’)':
            end += 1
        _add_sentence(found, text, start, end, number)
        start = end
    _add_sentence(found, text, start, paragraph.end, number)
    return found


MAX_SENTENCE = 2000  # longer runs are cut at spaces, so that no rule works on megabytes at once


def _add_sentence(found: list[Sentence], text: str, start: int, end: int, number: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end - start > MAX_SENTENCE:
        cut = text.rfind(" ", start, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        found.append(Sentence(Span(start, cut), number))
        start = cut + 1 if text[cut : cut + 1] == " " else cut
    if end > start:
        found.append(Sentence(Span(start, end), number))


def _abbreviation(text: str, match: re.Match[str]) -> bool:
    if match.group(0) != ".":
        return False
    word = re.search(r"([\w.]+)$", text[max(0, match.start() - 12) : match.start()])
    if not word:
        return False
    token = word.group(1).lower()
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def segment(text: str, start: int = 0) -> tuple[list[Span], list[Sentence], list[Quote]]:
    """Paragraphs, sentences and quotations of a text from ``start`` on."""
    blocks = paragraphs(text, start)
    all_sentences: list[Sentence] = []
    all_quotes: list[Quote] = []
    for number, block in enumerate(blocks):
        inside = quotes(text, block)
        all_quotes += inside
        all_sentences += sentences(text, block, number, inside)
    return blocks, all_sentences, all_quotes


_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
_LATIN_WORD = re.compile("[A-Za-z]{2}")


def scripts(text: str) -> frozenset[str]:
    """The scripts a text uses: "la" (Latin), "ar" (Arabic), "ru" (Cyrillic)."""
    found = set()
    if _LATIN_WORD.search(text):
        found.add("la")
    if _ARABIC_LETTER.search(text):
        found.add("ar")
    if _CYRILLIC_LETTER.search(text):
        found.add("ru")
    return frozenset(found)


def pattern_script(pattern: re.Pattern[str]) -> str | None:
    """The script a pattern's words are written in, or None when it has no letters (digits):
    a pattern need not run over a text without its script."""
    source = pattern.pattern.replace("[وبل]?", "")
    if _CYRILLIC_LETTER.search(source):
        return "ru"
    if _ARABIC_LETTER.search(source):
        return "ar"
    return "la" if _LATIN_WORD.search(source.replace("\\b", "").replace("\\d", "")) else None

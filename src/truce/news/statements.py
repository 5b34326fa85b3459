"""Who said what: quotations and reported speech, their speakers, cues and citing outlets.

Rules, written for Truce, over one sentence at a time:
- a quotation with an attribution in its sentence ("…," Earnest said / said Peskov / Putin
  said: "…") belongs to that speaker; it is ``direct`` when the quotation is the whole sentence
  apart from the attribution, ``mixed`` when quoted words sit inside the reporter's sentence;
- a quotation without one continues the previous speaker of its paragraph, or of the previous
  paragraph when it opens with the quotation (a quote running on);
- an attribution without quotation marks gives an ``indirect`` statement: the clause after the
  cue ("said that …") or before a trailing ", X said";
- "he"/"she", a surname, or "the ministry" resolve to the speaker named earlier;
- anonymous sources ("sources said", "activists said") give no statement.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from truce.news.model import Person, Quote, Sentence, Span, SpanIndex, Statement
from truce.news.people import CUES, ROLE_WORDS, surnames

OUTLETS = (
    "Sputnik|TASS|Tass|RIA Novosti|RIA|Interfax|SANA|Reuters|AFP|Agence France-Presse|AP|"
    "Associated Press|Al Jazeera|Al Arabiya|Anadolu Agency|Anadolu|BBC|CNN|RT|Al Mayadeen|"
    "Hawar news agency|Hawar|ANHA|Amaq news agency|Amaq|Al-Manar|Al Manar|Asharq Al-Awsat|"
    "Kommersant|Izvestia|Rossiya 24|Zvezda|Orient News|Smart News|Enab Baladi|Step News|"
    "Интерфакс|ТАСС|РИА Новости|سانا|وكالة سانا"
)
ANONYMOUS = re.compile(
    r"\b(?:sources?|officials|diplomats?|activists|residents|witnesses|analysts|observers|"
    r"rights groups|a source|an official|medics|rebels|fighters|people)\s*$"
    r"|^(?:an?\s+|the\s+)?(?:[A-Z][\w.]*\s+)?(?:officials?|diplomats?|sources?)$"
    r"|^(?:residents|witnesses|activists|sources|officials|people)\s+(?:of|in|from)\s",
    re.IGNORECASE,
)
_OUTLET_REPORTED = re.compile(
    rf"(?:the\s+)?(?:state\s+news\s+agency\s+)?\b(?P<outlet>{OUTLETS})\b(?:\s+(?:news\s+agency|"
    rf"news|agency|television|TV))?\s+(?:reported|said|quoted|cited)"
)
_ACCORDING_OUTLET = re.compile(rf"according to (?:the\s+)?(?P<outlet>{OUTLETS})\b")
_CUE = re.compile(
    rf"(?<![\w\u0600-\u06FF])(?P<cue>{CUES}|according to|told reporters|told|"
    r"بحسب|وبحسب|وفقاً|وفقا|по словам)(?![\w\u0600-\u06FF])"
)
_CONNECTORS = frozenset({"of", "for", "in", "the", "al", "from", "at", "to", "'s", "and"})
_ROLE_NOUNS = ROLE_WORDS | frozenset(
    """spokesman spokeswoman spokesperson commander official governor member head leader
    minister ministry military army general envoy council office chief director monitor
    observatory agency group committee local province government service network command
    forces""".split()
)
_AUXILIARY = re.compile(
    r"(?:\s+(?:has|had|have|was|were|is|are|also|later|previously|again|then|once|"
    r"separately|earlier|himself|herself|itself|been|quoted as|reportedly))+\s*$"
)
_APPOSITIVE_END = re.compile(r",\s*([^,]{2,90}),\s*$")
# ", the main opposition bloc,": an appositive that describes, not names.
_DESCRIPTION = re.compile(r"^(?:the|a|an)\s+[a-z]")
_WORDS = re.compile(r"[^\s,;:()\[\]]+")
_PRONOUN = re.compile(r"^(?:he|she|they|him|her)$", re.IGNORECASE)
_HEAD_NOUN = re.compile(
    r"^(?:the\s+)?(ministry|spokesman|spokeswoman|general|group|committee|observatory|army|"
    r"military|commander|governor|council|envoy|official|monitor|agency|service|network"
    r"|office)$",
    re.IGNORECASE,
)
_THAT = re.compile(
    r"^\s*(?:on\s+\w+\s+)?(?:(?:to|told)\s+[\w\s.'’-]{1,40}?\s+)?(?:that\s+|,?\s*что\s+)?"
)
_MASK = "\u2063"  # an invisible character stands in for quoted words while reading around them


@dataclass
class _Context:
    text: str
    people: dict[str, Person]
    mentions: list[Person] = field(default_factory=list)
    last_speaker: str | None = None
    speakers: list[tuple[str, Person | None]] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    mention_starts: list[int] = field(default_factory=list)  # of ``mentions``, for bisection

    def __post_init__(self) -> None:
        self.mention_starts = [p.span.start for p in self.mentions]


def _masked(text: str, sentence: Span, quotes: Sequence[Quote]) -> str:
    chars = list(text[sentence.start : sentence.end])
    for quote in quotes:
        for index in range(quote.span.start, min(quote.span.end, sentence.end)):
            if index >= sentence.start:
                chars[index - sentence.start] = _MASK
    return "".join(chars)


@dataclass(frozen=True)
class _Attribution:
    speaker: str
    speaker_span: Span | None
    cue: str
    cue_span: Span
    person: Person | None


def _attribution(ctx: _Context, sentence: Span, masked: str) -> _Attribution | None:
    for match in _CUE.finditer(masked):
        if _MASK in match.group(0):
            continue
        found = _speaker_near(ctx, sentence, masked, match)
        if found is not None:
            return found
    return None


def _speaker_near(
    ctx: _Context, sentence: Span, masked: str, cue: re.Match[str]
) -> _Attribution | None:
    cue_span = Span(sentence.start + cue.start(), sentence.start + cue.end())
    word = cue.group("cue")
    if _ARABIC.match(word):
        return _arabic_speaker(ctx, sentence, masked, cue, cue_span)
    candidates = []
    if word != "according to":
        candidates.append(_before_np(masked[: cue.start()]))
    if word not in ("told", "told reporters") and not (candidates and candidates[0]):
        candidates.append(_after_np(masked, cue.end()))
    for found in candidates:
        if found is None:
            continue
        begin, end = found
        span = Span(sentence.start + begin, sentence.start + end)
        resolved = _resolve(ctx, span.of(ctx.text), span)
        if resolved is not None:
            name, person, where = resolved
            return _Attribution(name, where, word, cue_span, person)
    return None


_ARABIC = re.compile(r"[\u0600-\u06FF]")
_ARABIC_STOP = re.compile(
    r"^(?:إن|أن|بأن|وإن|يوم|خلال|إنه|أنه|إنها|أنها|"
    r"ل(?:وكالة|صحيفة|قناة|الصحفيين|موقع|تلفزيون|رويترز)\w*)$"
)
_ARABIC_IN_A = re.compile(r"^(?:في|خلال)$")
_ARABIC_STATEMENT = re.compile(r"^(?:بيان|تصريح|تصريحات|مؤتمر|حديث|رسالة|كلمة|مقابلة)")
_ARABIC_ANONYMOUS = re.compile(r"^(?:مصدر|مصادر|ناشطون|ناشطين|سكان|مسؤول|مسؤولون|شهود)")


def _arabic_speaker(
    ctx: _Context, sentence: Span, masked: str, cue: re.Match[str], cue_span: Span
) -> _Attribution | None:
    """Arabic puts the speaker after the verb: قال المتحدث … إن …, بحسب المرصد …"""
    taken: list[re.Match[str]] = []
    words = list(_WORDS.finditer(masked, cue.end()))
    for index, word in enumerate(words):
        gap = masked[(taken[-1].end() if taken else cue.end()) : word.start()]
        if re.search(r"[،,:.]", gap) or _MASK in word.group(0) or _ARABIC_STOP.match(word.group(0)):
            break
        following = words[index + 1].group(0) if index + 1 < len(words) else ""
        if _ARABIC_IN_A.match(word.group(0)) and _ARABIC_STATEMENT.match(following):
            break  # "قال X في بيان": the statement, not the speaker
        taken.append(word)
        if len(taken) == 9:
            break
    if not taken or _ARABIC_ANONYMOUS.match(taken[0].group(0)):
        return None
    span = Span(sentence.start + taken[0].start(), sentence.start + taken[-1].end())
    name = span.of(ctx.text).rstrip(".،")
    cue_word = "according to" if cue.group("cue") in ("بحسب", "وفقا", "وفقاً") else cue.group("cue")
    return _Attribution(name, span, cue_word, cue_span, None)


def _np_word(word: str) -> bool:
    bare = re.sub(r"['’]s$", "", word.strip("\"”“'’."))
    return bool(bare) and (
        bare[0].isupper() or bare.lower() in _CONNECTORS | _ROLE_NOUNS or bare.startswith("al-")
    )


def _before_np(before: str) -> tuple[int, int] | None:
    """The noun phrase that ends right before a reporting verb (skipping an appositive)."""
    before = before.rstrip(_MASK + ' "”')
    aux = _AUXILIARY.search(before)
    if aux:
        before = before[: aux.start()]
    appositive = _APPOSITIVE_END.search(before)
    if appositive and _describes(appositive.group(1)):
        before = before[: appositive.start()]
    words = list(_WORDS.finditer(before))
    if words and words[-1].group(0).lower() in ("he", "she", "they"):
        return words[-1].start(), words[-1].end()
    first = len(words)
    while first > 0 and _np_word(words[first - 1].group(0)):
        gap_end = words[first].start() if first < len(words) else len(before)
        if re.search(r"[,;:]", before[words[first - 1].end() : gap_end]):
            break
        first -= 1
    while first < len(words) and words[first].group(0).lower().strip("'’") in _CONNECTORS:
        first += 1
    if first >= len(words):
        return None
    return words[first].start(), words[-1].end()


def _describes(appositive: str) -> bool:
    """ ", the main opposition bloc,", ", a spokesman,": words about the speaker, not a name."""
    words = appositive.split()
    return (
        not _np_word(words[0])
        or _DESCRIPTION.match(appositive) is not None
        or any(w.lower() in _ROLE_NOUNS for w in words)
    )


_ROLE_THEN_NAME = re.compile(
    r"^\s*(?:one|a|an|the)\s+[\w\s-]{1,30}?,\s*(?P<name>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)+)"
)


def _named_after_role(masked: str, start: int) -> tuple[int, int] | None:
    """ "said one resident, Mehmet Yilmaz, …": the name after a descriptive phrase."""
    match = _ROLE_THEN_NAME.match(masked[start:])
    return (start + match.start("name"), start + match.end("name")) if match else None


def _after_np(masked: str, start: int) -> tuple[int, int] | None:
    """The noun phrase right after a reporting verb ("said Dmitry Peskov", "according to X")."""
    words = list(_WORDS.finditer(masked, start))
    taken: list[re.Match[str]] = []
    for word in words:
        gap = masked[(taken[-1].end() if taken else start) : word.start()]
        if re.search(r"[,;:.]", gap) or not _np_word(word.group(0)) or _MASK in word.group(0):
            break
        taken.append(word)
    if not taken:
        return _named_after_role(masked, start)
    while taken and taken[0].group(0).lower() in _CONNECTORS - {"the"}:
        taken.pop(0)
    while taken and taken[-1].group(0).lower() in _CONNECTORS:
        taken.pop()
    if not taken:
        return None
    end = taken[-1].end()
    if masked[end - 1] in ".,":
        end -= 1
    return taken[0].start(), end


def _resolve(ctx: _Context, raw: str, span: Span) -> tuple[str, Person | None, Span] | None:
    raw = raw.strip(" ,")
    if not raw or ANONYMOUS.search(raw) or raw.lower() in {"it", "this", "that", "which", "who"}:
        return None
    if _PRONOUN.match(raw):
        return _antecedent(ctx, span)
    person = _person_in(ctx, span)
    if person is not None:
        full = ctx.people.get(person.name, person)
        return full.name, full, span
    head = _HEAD_NOUN.match(raw)
    if head:
        # "the ministry", or "Observatory" with its article already trimmed: named before.
        earlier = _earlier(ctx, head.group(1), span)
        if earlier is not None or not raw[:1].isupper():
            return earlier
    name = re.sub(r"^(?:[Tt]he|[Aa]n?)\s+", "", raw)
    if name in ctx.people:
        return ctx.people[name].name, ctx.people[name], span
    return (name, None, span) if name[:1].isupper() or _role_tied(name) else None


def _antecedent(ctx: _Context, span: Span) -> tuple[str, Person | None, Span] | None:
    """He or she: the person named last before, else the last speaker."""
    at = bisect_left(ctx.mention_starts, span.start)
    for index in range(at - 1, -1, -1):
        named = ctx.mentions[index]
        if named.span.end <= span.start:
            person = ctx.people.get(named.name.split()[-1], named)
            return person.name, person, span
    if ctx.last_speaker:
        return ctx.last_speaker, ctx.people.get(ctx.last_speaker), span
    return None


def _role_tied(name: str) -> bool:
    return bool(
        re.match(
            r"^(?:spokesman|spokeswoman|commander|governor|member|official|head)"
            r"\s+(?:for|of|in|from)\s+(?:the\s+)?[A-Z]",
            name,
        )
    )


def _earlier(ctx: _Context, noun: str, span: Span) -> tuple[str, Person | None, Span] | None:
    for name, person in reversed(ctx.speakers):
        if noun.lower() in name.lower() or (
            person and person.role and noun.lower() in person.role.lower()
        ):
            return name, person, span
    return None


def _person_in(ctx: _Context, span: Span) -> Person | None:
    for person in ctx.people.values():
        if span.overlaps(person.span) or span.of(ctx.text).endswith(person.name):
            return person
    words = span.of(ctx.text).split()
    return ctx.people.get(words[-1]) if words else None


def _reported_by(sentence_text: str) -> str | None:
    match = _OUTLET_REPORTED.search(sentence_text) or _ACCORDING_OUTLET.search(sentence_text)
    return match.group("outlet") if match else None


def _clean(text: str, span: Span) -> tuple[str, Span]:
    words = span.of(text)
    trimmed = words.rstrip()
    if trimmed.endswith((",", ".")):
        trimmed = trimmed[:-1]
    lead = len(words) - len(words.lstrip())
    return trimmed.strip(), Span(span.start + lead, span.start + len(trimmed))


def _is_direct(text: str, quote: Quote, sentence: Span) -> bool:
    """A quotation is direct when it is the sentence itself: it opens it, or closes it after
    "said:" or "said,", and starts with a capital letter."""
    words = quote.span.of(text).lstrip()
    if not words[:1].isupper():
        return False
    opens = text[sentence.start : quote.outer.start].strip() == ""
    closes = text[quote.outer.end : sentence.end].strip(' ."”') == "" and bool(
        re.search(r"[:,]\s*$", text[sentence.start : quote.outer.start])
    )
    return opens or closes


def _add(ctx: _Context, statement: Statement) -> None:
    for earlier in ctx.statements:
        if earlier.speaker == statement.speaker and earlier.quote == statement.quote:
            return
    ctx.statements.append(statement)
    ctx.last_speaker = statement.speaker


def _quoted(ctx: _Context, sentence: Sentence, quotes: list[Quote], carry: str | None) -> None:
    masked = _masked(ctx.text, sentence.span, quotes)
    attribution = _attribution(ctx, sentence.span, masked)
    if attribution is None:
        # Quoted words with nobody named run on from the last speaker, if they read as speech.
        quotes = [q for q in quotes if len(q.span.of(ctx.text).split()) >= 3]
    speaker = attribution.speaker if attribution else carry
    if speaker is None or not quotes:
        return
    outlet = _reported_by(sentence.span.of(ctx.text))
    for quote in quotes:
        words, span = _clean(ctx.text, quote.span)
        if len(words) < 2:
            continue
        person = attribution.person if attribution else ctx.people.get(speaker)
        kind = "direct" if _is_direct(ctx.text, quote, sentence.span) else "mixed"
        _add(
            ctx,
            Statement(
                speaker=speaker,
                quote=words,
                quote_span=span,
                kind=kind,
                cue=attribution.cue if attribution else "said",
                speaker_span=attribution.speaker_span if attribution else None,
                cue_span=attribution.cue_span if attribution else None,
                role=person.role if person else None,
                affiliation=person.affiliation if person else None,
                reported_by=outlet if outlet != speaker else None,
                confidence=0.8 if attribution else 0.6,
            ),
        )
    if attribution:
        ctx.speakers.append((attribution.speaker, attribution.person))


def _indirect(ctx: _Context, sentence: Sentence) -> None:
    text = sentence.span.of(ctx.text)
    attribution = _attribution(ctx, sentence.span, text)
    if attribution is None:
        return
    cue_end = attribution.cue_span.end - sentence.span.start
    cue_start = attribution.cue_span.start - sentence.span.start
    clause = (
        _after_cue(text, cue_end)
        if attribution.speaker_span
        and (attribution.speaker_span.start < attribution.cue_span.start)
        else None
    )
    if clause is None:
        clause = _before_attribution(text, attribution, sentence.span, cue_start)
    if clause is None:
        return
    start, end = clause
    words, span = _clean(ctx.text, Span(sentence.span.start + start, sentence.span.start + end))
    if len(words.split()) < 4:
        return
    ctx.speakers.append((attribution.speaker, attribution.person))
    person = attribution.person
    _add(
        ctx,
        Statement(
            speaker=attribution.speaker,
            quote=words,
            quote_span=span,
            kind="indirect",
            cue=attribution.cue,
            speaker_span=attribution.speaker_span,
            cue_span=attribution.cue_span,
            role=person.role if person else None,
            affiliation=person.affiliation if person else None,
            reported_by=_reported_by(text),
            confidence=0.5,
        ),
    )


_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z .'’-]+(?:,\s*[A-Z][\w .'’-]*)*(?:,\s*\w+\.?\s*\d{1,2})?\s*"
    r"(?:\([^)]{1,60}\))?|[^()\n]{2,60}\([^)]{1,60}\))\s*[-—–]+\s*"
)


def _after_cue(text: str, cue_end: int) -> tuple[int, int] | None:
    if re.match(r"\s*,", text[cue_end:]):
        return None  # "said, calling it …": the reported clause comes before the verb
    lead = _THAT.match(text[cue_end:])
    start = cue_end + (lead.end() if lead else 0)
    end = len(text.rstrip(". "))
    nested = _CUE.search(text, start)
    if nested and nested.start() > start + 20 and text[nested.start() - 2 : nested.start()] == ", ":
        end = nested.start() - 2
    return (start, end) if end - start > 15 else None


def _before_attribution(
    text: str, attribution: _Attribution, sentence: Span, cue_start: int
) -> tuple[int, int] | None:
    speaker_at = (
        (attribution.speaker_span.start - sentence.start) if attribution.speaker_span else cue_start
    )
    head = min(speaker_at, cue_start)
    comma = max(text.rfind(",", 0, head + 1), text.rfind("،", 0, head + 1))
    if comma < 15 or text[comma:head].count(" ") > 6:
        return None
    dateline = _DATELINE.match(text)
    return (dateline.end() if dateline else 0), comma


def find_statements(
    text: str,
    paragraphs: Sequence[Span],
    sentences: Sequence[Sentence],
    quotes: Sequence[Quote],
    people: Sequence[Person],
    is_name: Callable[[str], bool] | None = None,
) -> list[Statement]:
    """Every statement in the body (headlines are not attributions).

    ``is_name`` tells quotation marks around a group's name ("جبهة النصرة") from quoted speech.
    """
    ctx = _Context(text, surnames(list(people)), sorted(people, key=lambda p: p.span.start))
    paragraph_speaker: dict[int, str | None] = {}
    by_start = SpanIndex(quotes, lambda quote: quote.outer)
    for sentence in sentences:
        inside = [
            q
            for q in by_start.starting_in(sentence.span.start, sentence.span.end)
            if not (is_name and is_name(q.span.of(text)))
        ]
        opens_with_quote = sentence.span.start == paragraphs[sentence.paragraph].start and bool(
            inside
        )
        carry = paragraph_speaker.get(sentence.paragraph) or (
            paragraph_speaker.get(sentence.paragraph - 1) if opens_with_quote else None
        )
        before = len(ctx.statements)
        if inside:
            _quoted(ctx, sentence, inside, carry)
        else:
            _indirect(ctx, sentence)
        if len(ctx.statements) > before:
            paragraph_speaker[sentence.paragraph] = ctx.statements[-1].speaker
    return ctx.statements

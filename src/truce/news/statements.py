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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from truce.news.model import Person, Quote, Sentence, Span, SpanIndex, Statement
from truce.news.people import CUES, ROLE_WORDS, headline_at, surnames

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
_OUTLET_NAME = re.compile(rf"(?:{OUTLETS})")
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
    is_name: Callable[[str], bool] | None = None

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
    return next(_attributions(ctx, sentence, masked), None)


def _attributions(ctx: _Context, sentence: Span, masked: str) -> Iterator[_Attribution]:
    """Every cue of the sentence with a speaker next to it, in the order written."""
    for match in _CUE.finditer(masked):
        if _MASK in match.group(0):
            continue
        found = _speaker_near(ctx, sentence, masked, match)
        if found is not None:
            yield found


def _speaker_near(
    ctx: _Context, sentence: Span, masked: str, cue: re.Match[str]
) -> _Attribution | None:
    cue_span = Span(sentence.start + cue.start(), sentence.start + cue.end())
    word = cue.group("cue")
    if _ARABIC.match(word):
        return _arabic_speaker(ctx, sentence, masked, cue, cue_span)
    candidates: list[tuple[int, int] | None] = []
    together = _TOGETHER_BEFORE.search(masked[: cue.start()])
    if together:
        candidates.append((together.start(1), together.end(1)))
    if word != "according to":
        candidates.append(_before_np(masked[: cue.start()], ctx.is_name))
    if word not in ("told", "told reporters") and not (candidates and candidates[0]):
        candidates.append(_after_np(masked, cue.end()))
    if candidates and candidates[-1] is not None and word != "according to":
        subject = _role_subject(masked, *candidates[-1])
        if subject is not None:
            candidates.insert(0, subject)
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


# "The United Nations envoy mediating a resolution to the crisis in Syria warned": the noun
# phrase before the cue ends a prepositional phrase; the subject is the role that opens the
# clause.
_PREPOSITION_BEFORE = re.compile(r"\b(?:in|of|to|for|on|at|from|with|over)\s+$")
_OPENING_ROLE = re.compile(
    r"(?:^|[.;:–—]\s+|\d{4}\s+[–—-]\s+)(?P<np>(?:[Tt]he\s+)?(?:(?:U\.?N\.?|United Nations|Special|"
    r"[A-Z][a-z]+)\s+){0,3}(?:envoy|Envoy|Secretary-General|mediator|Emergency Relief Coordinator))"
    r"\s+(?!said|says|told)[a-z]"
)


def _role_subject(masked: str, begin: int, end: int) -> tuple[int, int] | None:
    if not _PREPOSITION_BEFORE.search(masked[max(0, begin - 8) : begin]):
        return None
    openings = list(_OPENING_ROLE.finditer(masked, 0, begin))
    return (openings[-1].start("np"), openings[-1].end("np")) if openings else None


_ARABIC = re.compile(r"[\u0600-\u06FF]")
_ARABIC_STOP = re.compile(
    r"^(?:إن|أن|بأن|وإن|يوم|خلال|إنه|أنه|إنها|أنها|"
    r"ل(?:وكالة|صحيفة|قناة|الصحفيين|موقع|تلفزيون|رويترز)\w*|لل(?:صحفيين|صحافيين|صحفي)\w*|"
    r"قائلا|قائلاً|مشيرا|مشيراً|مضيفا|مضيفاً|موضحا|مؤكدا)$"
)
_ARABIC_IN_A = re.compile(r"^(?:في|خلال)$")
# "…، NAME، قد أعلن": a pluperfect whose subject, set off by commas, comes before the verb.
_ARABIC_NAMED_BEFORE = re.compile(r"[،,]\s*(?P<name>[^،,:.\d]{3,60}?)\s*[،,]\s*قد\s+$")
_ARABIC_STATEMENT = re.compile(r"^(?:بيان|تصريح|تصريحات|مؤتمر|حديث|رسالة|كلمة|مقابلة)")
_ARABIC_ANONYMOUS = re.compile(r"^(?:مصدر|مصادر|ناشطون|ناشطين|سكان|مسؤول|مسؤولون|شهود)")
# Words of a title that follow an Arabic name ("يان إيغلاند منسق فريق العمل …"): the name ends.
_ARABIC_ROLE = re.compile(
    r"^و?(?:ال)?(?:منسق|متحدث|ناطق|وزير|مبعوث|ممثل|مندوب|رئيس|أمين|نائب|مدير|مستشار|سفير|"
    r"وكيل|قائد|عضو|زعيم|مسؤول|الأمين)"
)
_ARABIC_PREPOSITION = re.compile(r"^(?:في|إلى|الى|على|عن|مع|خلال|أمام|لدى)$")
# Participles ("مشيرا إلى أن", "قائلا"): the speaker is the one the sentence named before.
_ARABIC_PARTICIPLE = re.compile(r"^(?:قائلا|مشيرا|مضيفا|موضحا|مؤكدا)ً?$")
_ARABIC_CLAUSE = re.compile(
    r"(?<![\w\u0600-\u06FF])(?:ب?أن|إن|أنه|إنه|أنها|إنها)(?![\w\u0600-\u06FF])\s*"
)


def _arabic_speaker(
    ctx: _Context, sentence: Span, masked: str, cue: re.Match[str], cue_span: Span
) -> _Attribution | None:
    """Arabic puts the speaker after the verb: قال المتحدث … إن …, بحسب المرصد …"""
    if _ARABIC_PARTICIPLE.match(cue.group("cue")):
        if ctx.last_speaker is None:
            return None
        return _Attribution(ctx.last_speaker, None, cue.group("cue"), cue_span, None)
    named_before = _ARABIC_NAMED_BEFORE.search(masked[: cue.start()])
    if named_before is not None and _MASK not in named_before.group("name"):
        # "وكان رئيس المجلس …، رافايل داريو راميرز كارّينيو، قد أعلن": the name before "قد".
        begin, end = named_before.start("name"), named_before.end("name")
        span = Span(sentence.start + begin, sentence.start + end)
        return _Attribution(span.of(ctx.text), span, cue.group("cue"), cue_span, None)
    taken: list[re.Match[str]] = []
    words = list(_WORDS.finditer(masked, cue.end()))
    for index, word in enumerate(words):
        gap = masked[(taken[-1].end() if taken else cue.end()) : word.start()]
        if re.search(r"[،,:.]", gap) or _MASK in word.group(0) or _ARABIC_STOP.match(word.group(0)):
            break
        if taken and _ARABIC_ROLE.match(word.group(0)):
            break  # the title after the name
        role_tied = bool(taken) and bool(_ARABIC_ROLE.match(taken[0].group(0)))
        if (
            taken
            and _ARABIC_PREPOSITION.match(word.group(0))
            and not (role_tied and len(taken) == 1)
        ):
            # "أشار X إلى …", "المبعوث … دي ميستورا في جنيف"; but "عضو في المجلس المحلي" is a
            # role tied to a body
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
    if len(taken) == 1:
        # A surname alone ("قال إيغلاند"): the speaker named in full before.
        for earlier, _ in reversed(ctx.speakers):
            if earlier.endswith(" " + name):
                name = earlier
                break
    cue_word = "according to" if cue.group("cue") in ("بحسب", "وفقا", "وفقاً") else cue.group("cue")
    return _Attribution(name, span, cue_word, cue_span, None)


_CYRILLIC_NAME = re.compile(r"^[А-ЯЁ][а-яё]+(?:-[А-ЯЁ]?[а-яё]+)?$")


def _np_word(word: str) -> bool:
    bare = re.sub(r"['’]s$", "", word.strip("\"”“'’."))
    return bool(bare) and (
        bare[0].isupper() or bare.lower() in _CONNECTORS | _ROLE_NOUNS or bare.startswith("al-")
    )


def _before_np(before: str, is_name: Callable[[str], bool] | None = None) -> tuple[int, int] | None:
    """The noun phrase that ends right before a reporting verb (skipping an appositive, unless
    the appositive is a party's name: "The opposition's umbrella group, the High Negotiations
    Committee, said")."""
    before = before.rstrip(_MASK + ' "”')
    aux = _AUXILIARY.search(before)
    if aux:
        before = before[: aux.start()]
    appositive = _APPOSITIVE_END.search(before)
    if appositive and is_name is not None:
        named = re.sub(r"^(?:the|a|an)\s+", "", appositive.group(1).strip(), flags=re.I)
        if is_name(named):
            return appositive.end(1) - len(named), appositive.end(1)
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
    tail = [w.group(0) for w in words[first:]]
    if len(tail) >= 3 and all(_CYRILLIC_NAME.match(w) for w in tail[-2:]):
        # "МИД России Мария Захарова": the body's name, then the person's
        return words[-2].start(), words[-1].end()
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


# Offices of 2016 that the news names instead of the holder ("the President of Russia told …",
# "the U.N. envoy for Syria says …"): the holder, when the article names them too.
_OFFICES = (
    (re.compile(r"^(?:the\s+)?(?:President of Russia|Russian President)$", re.I), "Vladimir Putin"),
    (
        re.compile(
            r"^(?:the\s+)?(?:President of the United States(?: of America)?|U\.?S\.? President)$",
            re.I,
        ),
        "Barack Obama",
    ),
    (re.compile(r"^(?:the\s+)?(?:President of Syria|Syrian President)$", re.I), "Bashar al-Assad"),
    (re.compile(r"^(?:the\s+)?(?:U\.?S\.? )?Secretary of State$", re.I), "John Kerry"),
    (re.compile(r"^(?:the\s+)?Russian Foreign Minister$", re.I), "Sergei Lavrov"),
    (re.compile(r"^(?:the\s+)?(?:U\.?N\.? )?Secretary-General$", re.I), "Ban Ki-moon"),
    (
        re.compile(
            r"^(?:the\s+)?(?:(?:U\.?N\.?|United Nations)(?: Special)?|Special) [Ee]nvoy"
            r"(?: for Syria)?$",
            re.I,
        ),
        "Staffan de Mistura",
    ),
)
_TOGETHER = re.compile(
    r"^(?:the\s+)?(?:two\s+|both\s+)?(?:leaders|presidents|heads of state|ministers)$", re.I
)


_TOGETHER_BEFORE = re.compile(
    r"(?:^|\s)((?:[Tt]he\s+)?(?:two\s+|both\s+)?(?:leaders|presidents|heads of state))\s+$"
)


def _office(ctx: _Context, raw: str) -> str | None:
    for pattern, holder in _OFFICES:
        if pattern.match(raw):
            surname = holder.split()[-1].split("-")[-1]
            person = ctx.people.get(holder.split()[-1]) or ctx.people.get(surname)
            if person is not None:
                return person.name
            if surname in ctx.text:
                return holder
    return None


def _together(ctx: _Context, span: Span) -> str | None:
    """ "The two leaders stated …": the two people named last before, in the order named."""
    at = bisect_left(ctx.mention_starts, span.start)
    named: list[str] = []
    for index in range(at - 1, -1, -1):
        person = ctx.people.get(ctx.mentions[index].name.split()[-1], ctx.mentions[index])
        if person.name not in named:
            named.append(person.name)
        if len(named) == 2:
            return f"{named[1]} and {named[0]}"
    return None


def _resolve(ctx: _Context, raw: str, span: Span) -> tuple[str, Person | None, Span] | None:
    raw = raw.strip(" ,")
    if not raw or ANONYMOUS.search(raw) or raw.lower() in {"it", "this", "that", "which", "who"}:
        return None
    if raw.lower() in {"i", "we", "you"}:
        return None  # "as I said before": the text's own voice (a transcript, a statement)
    if _PRONOUN.match(raw):
        return _antecedent(ctx, span)
    holder = _office(ctx, raw)
    if holder is not None:
        return holder, ctx.people.get(holder), span
    if _TOGETHER.match(raw):
        pair = _together(ctx, span)
        return (pair, None, span) if pair else None
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
    first = words[:1]
    if first.lower() == first.upper() and first.isalpha():
        pass  # Arabic has no capitals
    elif not first.isupper():
        return False
    lead = text[sentence.start : quote.outer.start]
    opens = lead.strip() == "" or _DATELINE_DASH.fullmatch(lead) is not None
    closes = text[quote.outer.end : sentence.end].strip(' ."”') == "" and bool(
        re.search(r"[:,،]\s*$", text[sentence.start : quote.outer.start])
    )
    return opens or closes


# Quoted words used as a noun, after an adjective or a preposition ("the proposed weekly
# “humanitarian pause”", "a nationwide “cessation of hostilities”") name a thing; after a
# verb of being or saying ("it was a “major achievement”", "called it “a step”") they claim.
_TERM_BEFORE = re.compile(
    r"(?:^|\s)(?:so-called|proposed|weekly|daily|nationwide|broad|new|partial|local|temporary|"
    r"full|so|of|for|on|under|call|calls|called for)\s*$",
    re.IGNORECASE,
)
# After a bare determiner, only a name is a term ("the “Daesh”"); lower-case words are the
# speaker's own ("to help salvage the “barely alive” pact", "a “clear commitment” to …").
_DETERMINER_BEFORE = re.compile(
    r"(?:^|\s)(?:the|a|an|this|that|these|those|its|their|his|her|our)\s*$", re.IGNORECASE
)
_CLAIM_BEFORE = re.compile(
    r"\b(?:is|was|were|are|be|been|being|as|called|calling|describ\w+|term\w*|labell?\w*|"
    r"branded|dubbed|deemed|considered|said|says|saying)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
TERMS = frozenset(
    """cessation of hostilities|ceasefire|cease-fire|truce|humanitarian pause|regime of calm|
    regime of silence|de-escalation|days of tranquility|calm|freeze|hudna|moderate opposition|
    режим тишины|режим прекращения огня|режим прекращения боевых действий|перемирие|
    وقف الأعمال العدائية|وقف إطلاق النار|هدنة|الهدنة|التهدئة""".replace("\n", "").split("|")
)


def _quoted_term(text: str, quote: Quote, kind: str) -> bool:
    """Whether quoted words name or mention something rather than claim it."""
    words = " ".join(quote.span.of(text).split()).strip(" ,.").lower()
    if words in {t.strip() for t in TERMS}:
        return True
    if kind != "mixed" or len(words.split()) > 4:
        return False
    before = text[max(0, quote.outer.start - 50) : quote.outer.start]
    if _CLAIM_BEFORE.search(before):
        return False
    if _DETERMINER_BEFORE.search(before):
        return quote.span.of(text)[:1].isupper()
    return bool(_TERM_BEFORE.search(before))


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
        if len(words) < 2 or _OUTLET_NAME.fullmatch(words):
            continue  # «Интерфакс»: an outlet's name, not words said
        person = attribution.person if attribution else ctx.people.get(speaker)
        kind = "direct" if _is_direct(ctx.text, quote, sentence.span) else "mixed"
        term = _quoted_term(ctx.text, quote, kind)
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
                confidence=(0.8 if attribution else 0.6) * (0.5 if term else 1.0),
                quoted_term=term,
            ),
        )
    if attribution:
        ctx.speakers.append((attribution.speaker, attribution.person))


# Verbs of saying take a bare clause ("Kerry said he …"); other cues need "that" ("stressed
# that …"): "stressed the importance of …", "urged Putin to …", "claimed responsibility"
# report an act, not words.
_SAY = frozenset(
    """said says told added adds saying quoted wrote tweeted replied responded continued
    заявил заявила сказал сказала сообщил сообщила добавил отметил отметила подчеркнул""".split()
)
_SKIP_AFTER_CUE = re.compile(
    r"\s*(?:(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|"
    r"yesterday|late on \w+|earlier)\s+)?"
    r"(?:(?:hours|days|minutes|weeks|moments|shortly)\s+(?:earlier|later|before|after)\s+)?"
    r"(?:(?:in|at|during|after)\s+(?:a|an|the|his|her|its|their)\s+"
    r"(?:[\w-]+\s+){0,4}?(?:statement|address|interview|speech|remarks|briefing|conference|"
    r"message|letter|post|tweet|meeting|call)\s*,?\s*)?"
)
_ADDRESSEE = re.compile(r"\s*[^,.;]{1,90}?\s+(?=that\s)")
_VIEW_THAT = re.compile(
    r"\s*(?:the|his|her|its|their|a)\s+(?:[\w'’]+\s+){0,2}(?:view|position|belief|claim|"
    r"assertion|argument|stance|demand|warning|hope|fear|assessment)\s+(?=that\s)"
)
# ", after three weeks of fighting": what may follow a trailing ", X said" in its sentence.
_AFTER_TRAILER = re.compile(
    r"\s*,\s*(?:stressing|warning|noting|adding|insisting|emphasi[sz]ing|underlining|cautioning|after|in|on|as|while|with|amid|when|but|citing|adding|without|despite|"
    r"following|before|during|which|where|who|hours|days|a\s+day)\b"
)
_TELLING = frozenset({"told", "informed", "assured", "warned", "reminded", "briefed"})
_PARTICIPLE = re.compile(
    r"(?:,|\s+and)\s+(?:stressing|warning|noting|adding|insisting|emphasi[sz]ing|underlining|"
    r"cautioning|saying)\s+that\s+"
    r"|[،,]?\s*(?:و)?(?:مشيرا|مضيفا|مؤكدا|موضحا)ً?\s+(?:إلى\s+)?(?:ب?أن|إن|أنه|إنه)\s+"
)


def _indirect(ctx: _Context, sentence: Sentence) -> None:
    text = sentence.span.of(ctx.text)
    if headline_at(ctx.text, sentence.span.start):
        return
    for attribution in _attributions(ctx, sentence.span, text):
        clause = _clause(ctx, sentence, text, attribution)
        if clause is None:
            continue  # "briefed the Council …, where he said …": the next cue may report
        start, end = clause
        after = cue_end_of(attribution, sentence)
        if end <= after:
            # "X, he continued, stressing that Y and warning that Z": X, then each participle.
            clauses: list[tuple[int, int]] = [(start, end)]
            scan_from, scan_to = after, len(text.rstrip(". "))
        else:
            clauses, scan_from, scan_to = [], start, end
        for match in _PARTICIPLE.finditer(text, scan_from, scan_to):
            if not clauses:
                clauses.append((start, match.start()))
            elif clauses[-1][1] > match.start():
                clauses[-1] = (clauses[-1][0], match.start())
            clauses.append((match.end(), scan_to))
        for begin, stop in clauses or [(start, end)]:
            _indirect_statement(ctx, sentence, attribution, begin, stop)
        return


def cue_end_of(attribution: _Attribution, sentence: Sentence) -> int:
    """Where the attribution ends in its sentence (the cue, or the speaker after it)."""
    ends = [attribution.cue_span.end]
    if attribution.speaker_span:
        ends.append(attribution.speaker_span.end)
    return max(ends) - sentence.span.start


def _clause(
    ctx: _Context, sentence: Sentence, text: str, attribution: _Attribution
) -> tuple[int, int] | None:
    """Where the reported words of an attribution are: after the cue, or before a trailing
    ", X said" (only when the attribution ends the sentence)."""
    cue_end = attribution.cue_span.end - sentence.span.start
    cue_start = attribution.cue_span.start - sentence.span.start
    speaker_first = bool(
        attribution.speaker_span and attribution.speaker_span.start < attribution.cue_span.start
    )
    if _ARABIC.match(attribution.cue):
        after = (
            attribution.speaker_span.end - sentence.span.start
            if attribution.speaker_span and not speaker_first
            else cue_end
        )
        return _arabic_clause(text, after)
    clause = None
    if speaker_first or attribution.speaker_span is None:
        clause = _after_cue(text, cue_end, attribution.cue)
    if clause is not None:
        return clause
    head = min(
        cue_start,
        (attribution.speaker_span.start - sentence.span.start)
        if attribution.speaker_span
        else cue_start,
    )
    tail_end = max(
        cue_end,
        (attribution.speaker_span.end - sentence.span.start)
        if attribution.speaker_span
        else cue_end,
    )
    tail = text[tail_end:]
    if not speaker_first:
        # "according to the Syria Civil Defence rescue service, in …": the speaker's words
        tail = re.sub(r"^(?:\s+[a-z][\w-]*){1,3}(?=\s*,)", "", tail)
    if len(tail.strip(" .,;").split()) >= 4 and not _AFTER_TRAILER.match(tail):
        interrupted = re.match(r"\s*,\s*", tail)
        if interrupted and len(text[:head].split()) < 6 and attribution.cue.lower() in _SAY:
            # "So far in 2016, he continued, aid had reached …": the words go on after it.
            start = tail_end + interrupted.end()
            end = len(text.rstrip(". "))
            return (start, end) if end - start > 15 else None
        return None  # the cue does not end the sentence: what precedes is not its clause
    return _before_attribution(text, attribution, sentence.span, cue_start)


def _indirect_statement(
    ctx: _Context, sentence: Sentence, attribution: _Attribution, start: int, end: int
) -> None:
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
            reported_by=_reported_by(sentence.span.of(ctx.text)),
            confidence=0.5,
        ),
    )


def _arabic_clause(text: str, after: int) -> tuple[int, int] | None:
    """ "قال X إن …", "لفت X الانتباه إلى أن …": the clause after إن or أن, near the speaker."""
    match = _ARABIC_CLAUSE.search(text, after, min(len(text), after + 90))
    if match is None:
        return None
    end = len(text.rstrip(". "))
    return (match.end(), end) if end - match.end() > 15 else None


_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z .'’-]+(?:,\s*[A-Z][\w .'’-]*)*(?:,\s*\w+\.?\s*\d{1,2})?\s*"
    r"(?:\([^)]{1,60}\))?|[^()\n]{2,60}\([^)]{1,60}\))\s*[-—–]+\s*"
)


def _after_cue(text: str, cue_end: int, cue: str = "said") -> tuple[int, int] | None:
    russian = re.match(r"\s*,\s*что\s+", text[cue_end:])
    if re.match(r"\s*,", text[cue_end:]) and not russian:
        return None  # "said, calling it …": the reported clause comes before the verb
    skipped = _SKIP_AFTER_CUE.match(text, cue_end)
    start = skipped.end() if skipped else cue_end
    if cue.lower() in _TELLING:
        addressee = _ADDRESSEE.match(text, start)
        if addressee:
            start = addressee.end()
    view = _VIEW_THAT.match(text, start)
    if view:
        start = view.end()
    lead = _THAT.match(text[start:])
    said_that = bool(lead and re.search(r"(?:that|что)\s*$", lead.group(0)))
    if not said_that and cue.lower() not in _SAY:
        return None  # "stressed the importance of …": an act, not a clause
    start = start + (lead.end() if lead else 0)
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


def _introducing(ctx: _Context, sentence: Sentence) -> str | None:
    """The speaker of a sentence that ends with a colon after its attribution, if any."""
    words = sentence.span.of(ctx.text).rstrip()
    if not words.endswith(":"):
        return None
    attribution = _attribution(ctx, sentence.span, sentence.span.of(ctx.text))
    if attribution is None:
        return None
    ctx.speakers.append((attribution.speaker, attribution.person))
    ctx.last_speaker = attribution.speaker
    return attribution.speaker


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
    ctx.is_name = is_name
    paragraph_speaker: dict[int, str | None] = {}
    issuer = title_speaker(text[: text.find("\n") if "\n" in text else len(text)])
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
        if carry is None and issuer and inside and _opens_paragraph(text, paragraphs, sentence):
            carry = issuer  # a statement's quoted paragraphs, attributed by its title only
        before = len(ctx.statements)
        if headline_at(text, sentence.span.start):
            continue  # a heading inside the body ("Obama: IS losing ground") attributes nothing
        if inside:
            _quoted(ctx, sentence, inside, carry)
        else:
            _indirect(ctx, sentence)
            introduced = _introducing(ctx, sentence)
            if introduced:
                # "… قال إيغلاند:" or "he said:" ends the paragraph; the quotation follows.
                paragraph_speaker[sentence.paragraph] = introduced
        if len(ctx.statements) > before:
            paragraph_speaker[sentence.paragraph] = ctx.statements[-1].speaker
    return ctx.statements


# "Statement by UNICEF Executive Director Anthony Lake on the humanitarian pause in Aleppo":
# the title names who issued the quoted paragraphs that follow.
_TITLE_ISSUER = re.compile(
    r"^(?:Joint\s+)?Statement\s+(?:by|from)\s+(?P<who>.+?)(?:\s+(?:on|regarding|about|"
    r"following|at|after|in)\s|\s*$)"
)
_NAME_WORD = re.compile(r"^[A-Z][a-z][\w'’-]*$|^(?:de|al-\w+|bin|van|von)$")


def title_speaker(title: str) -> str | None:
    """The person a statement's title says issued it, by name ("Anthony Lake"), if any."""
    match = _TITLE_ISSUER.match(title.strip())
    if not match:
        return None
    words = match.group("who").split()
    name: list[str] = []
    for word in reversed(words):
        if not _NAME_WORD.match(word) or word.lower() in _ROLE_NOUNS:
            break
        name.insert(0, word)
    return " ".join(name) if len(name) >= 2 else None


# "NEW YORK/HONG KONG, 26 August 2016 - “Today is …": a dateline may come before.
_DATELINE_DASH = re.compile(r"[A-Z][A-Z/ ,.'’-]+,?\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\s+[-–—]\s+")


def _opens_paragraph(text: str, paragraphs: Sequence[Span], sentence: Sentence) -> bool:
    at = paragraphs[sentence.paragraph].start
    dateline = _DATELINE_DASH.match(text, at)
    if dateline is not None:
        at = dateline.end()
    return sentence.span.start <= at and text[at : at + 1] in '“"«'

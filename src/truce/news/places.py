"""Places named in an article: countries, governorates, districts, cities, towns and regions.

A name is a run of capitalised words (with the Arabic article's particles, "al-", "ez-", and a
few trailing words such as "province" or "plain"), or of Arabic or Cyrillic words, that the
gazetteer knows once folded (:func:`truce.domain.text.fold`); the longest run wins. Russian
declines names, so a Cyrillic run the gazetteer lacks is tried again without its case ending.

What is not taken as a place, following the labelling policy (data/news/README.md):

- a name inside a longer capitalised name (an organisation, an outlet, a person: "Washington
  Post", "International Syria Support Group", "Ahrar al-Sham"), an outlet's own name, a name
  the caller marks as a person's, and a name in an adjective compound ("U.S.-led");
- a one-word name that is a common English word ("March", "Man") or is used in lower case in
  the same article, and an all-capital word outside a dateline (an acronym);
- a country named as an actor ("Russia said", "told Russia", "Syria's ambassador"): a country
  is a place when it names territory ("in Syria", "the border with Turkey", "в Сирии").
  The country the article is about (Syria unless the article says otherwise) is territory
  unless its sentence makes it an actor; any other country only with a territorial cue;
- a city district ("Ramouseh district") and a small far-away town named without a
  preposition (a person's surname, most likely: "Obama").

Where one name fits several entries, the words around it choose ("Aleppo province", "Idlib
countryside", "the province of Hama" name the governorate; plain "Aleppo" the city), then the
article's countries (those its unambiguous names belong to; Syria by default), then the
neighbours of the main one, then population.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from truce.domain.text import fold
from truce.news.article import Article
from truce.news.gazetteer import Entry, Gazetteer, Hit, gazetteer, loose_key, name_key
from truce.news.model import Place, Sentence, Span, SpanIndex

MAX_WORDS = 6
DEFAULT_FOCUS = "SY"

_WORD = re.compile(r"U\.S\.(?:A\.)?|U\.K\.|[^\W\d_]+(?:['’‘ʼ`][^\W\d_]+)*")
_JOINS = frozenset({" ", "-", "\u00a0", "‑"})
_ABBREVIATIONS = {
    "U.S.": "united states",
    "U.S.A.": "united states",
    "US": "united states",
    "USA": "united states",
    "U.K.": "united kingdom",
    "UK": "united kingdom",
    "UAE": "united arab emirates",
    "США": "united states",
    "ОАЭ": "united arab emirates",
}
# Lower-case words inside names: the Arabic article as transliterated, and a few others.
PARTICLES = frozenset(
    """al el ad an ar as ash at az ed en er es esh et ez ul bin ibn abu de di du la le эль
        аль эш эс эд эр эз эн ас аш ад ар аз ат ан ибн""".split()
)
# Lower-case words that can end a name ("Ghab plain", "Aleppo province").
SUFFIXES = frozenset(
    """province governorate countryside plain road valley basin heights mountains mountain
        district""".split()
)
DIRECTIONS = frozenset(
    ["eastern", "western", "northern", "southern", "east", "west", "north", "south"]
)
_ADMIN1_WORDS = {
    "province": "province",
    "provinces": "province",
    "governorate": "province",
    "governorates": "province",
    "countryside": "countryside",
}
_DISTRICT_WORDS = frozenset(
    """district districts subdistrict neighbourhood neighborhood quarter camp""".split()
)
# Common English words that GeoNames also has as a town somewhere; capitalised, they start a
# sentence or a title far more often than they name the town.
COMMON = frozenset(
    """a about above after again against all also am among an and any are as at away back
        bad be been before being below best between big both but by can come could
        day did do does down during each early east even every few first for from
        further get go good great had has have he her here high his how i if in into
        is it its just last late least left less like little long made make man many
        may me men might more most much must my near never new next no nor north not
        now of off old on once one only or other our out over own part people per
        place put right said same say see she should since so some south still such
        take than that the their them then there these they this those through time
        to too two under until up upon us very was way we well were west what when
        where which while who why will with within without would yet you your
        january february march april june july august september october november
        december monday tuesday wednesday thursday friday saturday sunday today
        tomorrow yesterday president minister secretary general spokesman envoy
        ambassador army forces force state states union council committee front
        group party government ministry office house department command agency news
        press wire post times report line desk dispatch islamic islam arab arabs
        kurd kurds kurdish russian syrian turkish american western eastern northern
        southern central mount lake red crescent civil defence defense human rights
        observatory network support international nations united free high air sea
        security peace truce ceasefire rebels rebel regime opposition coalition bus
        buses tell hope victoria independence liberty unity union justice progress
        paradise eden hill river tower bridge gate camp sheikh amir emir prince king
        queen adder agree along alter bar bat bear begun bell bend big boom call
        carry cat chat colon crystal date deal delta door dual eye fourth gap god
        goes green ham hang hash hole holiday hook host hub hull jam key keys kill
        liberal log lone magenta main manage manner marks marshal mine mobile nice
        normal opportunity orange passing peer pen pet pool pop pull punch reading
        reservoir retreat rich roman room sad sake salt seek seeking seem seen sees
        shall side sin sine slug son spin split spring sue sure till tool wall
        winner save nan jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed
        thu fri sat sun police""".split()
)
# Folded names that are never places in this news, whatever the gazetteer says.
IGNORED = frozenset(
    {
        fold(n)
        for n in (
            "Sham",
            "Sam",
            "Al Jazeera",
            "Al Arabiya",
            "White House",
            "Kremlin",
            "Pentagon",
            "Downing Street",
            "Capitol Hill",
            "Quai d'Orsay",
            # "Совета Безопасности", "резолюции 2165 (2014) Совета": the Council, not a town
            "Совет",
            "Совета",
            "Совету",
            "Советом",
            "Совете",
        )
    }
)
# Capitalised words before a name that do not make it part of a longer name.
_LEAD_INS = (
    COMMON
    | DIRECTIONS
    | frozenset(
        """the in at on near from to into outside inside around across central greater
            rural besieged rebel-held government-held northwestern northeastern
            southwestern southeastern north-western north-eastern south-western
            south-eastern upper lower old via в во на из по у с к о об от до при для за над
            под через около вокруг и а но после перед между""".split()
    )
)
_DEMONYM = re.compile(r"(?:ian|ish|ese|ean|can|i|ic)$")
_DEMONYMS = frozenset(
    "afghan german arab turkmen kurd uzbek chechen french dutch greek swiss thai".split()
)
# Capitalised words after a name that do not make it part of a longer name.
_TRAILERS = frozenset(
    """province provinces governorate governorates countryside city district on in at""".split()
) | frozenset(w for w in COMMON if w.endswith("day") or w in {"may", "march", "june", "july"})
_TITLES = frozenset(
    """president minister secretary spokesman spokeswoman envoy ambassador general gen lt
        col colonel mr mrs ms dr sheikh king prince emir senator sen gov governor
        президент министр госсекретарь глава генерал посол спецпосланник
        пресс-секретарь""".split()
)
_ARABIC_BODIES = frozenset(
    """جيش جبهة فيلق حركة لواء ألوية أحرار تنظيم وكالة أنباء هيئة تجمع كتائب فرقة مجلس حزب
        صحيفة قناة""".split()
)
# Arabic words of everyday news that GeoNames also gives as some town's name.
_ARABIC_COMMON = frozenset(
    """مدينة المدينة بلدة البلد وادي الوادي دولة الدولة الثورة النصر الشعب الشهداء الكرامة
        الجديد الجديدة الأبيض الأمل السجن سجن القصر الميدان مصدر الحمراء الجلاء
        حول الإشارة ثلاث ثلاثة أربع أربعة خمس خمسة ست ستة سبع سبعة ثماني ثمانية تسع تسعة
        عشر عشرة""".split()
)
_ARABIC_CLITICS = "وبلفك"
_ARABIC_ARTICLE_COUNTRIES = frozenset(
    """IQ JO SA US CN YE SD MA IN SE NO DK AT HU GR BR KW BH AE CZ""".split()
)

# Cues that a country names territory: a preposition before it, a noun of land after it.
_TERRITORY_BEFORE = frozenset(
    """in inside into across throughout within from near around outside over toward towards
        through via leave left leaving enter entered entering visit visited visiting
        northern southern eastern western central north-western north-eastern
        south-western south-eastern northwestern northeastern southwestern southeastern в
        во на из по через вокруг внутри около у في من إلى الى داخل عبر خارج أنحاء""".split()
)
_MOVING = frozenset(
    """fled flee fleeing return returned returning travel travelled traveled travelling
        flew fly went go going came come sent send deployed deploy moved move
        smuggled crossed trip journey back refugees withdraw withdrew""".split()
)
_LAND = frozenset(
    """north south east west northeast northwest southeast southwest north-east north-west
        south-east south-west northern southern eastern western central coast
        coastal border borders frontier cities towns territory territories provinces
        regions region skies airspace soil countryside desert interior parts part
        areas area rest map outskirts граница границе границы границу الحدود""".split()
)
_MODIFIED = frozenset(
    """truce ceasefire talks war crisis conflict envoy policy peace deal plan accord
        agreement process support task negotiations file question issue""".split()
)
_ACTOR_BEFORE = frozenset(
    ["with", "told", "informed", "urged", "asked", "on", "by", "accused", "warned"]
)
# "envoy to Syria", "a message to Turkey": "to" after these names the state, not the land.
_TO_THE_STATE = frozenset(
    """envoy envoys ambassador ambassadors embassy mission delegation message letter
        representative appeal offer call threat warning ultimatum""".split()
)
_FUNCTION_AFTER = frozenset(
    """and or but in on at for since after before during as where which when while with
        from to of the a an by into until than""".split()
)
_LOCATIVE = frozenset(
    """in at near from to outside into inside around в во на из у около في من إلى""".split()
)


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    text: str
    script: str  # la | ar | ru
    possessive: bool = False
    lower: str = ""  # the text in lower case, worked out once
    capital: bool = False  # whether it starts with a capital letter


@dataclass
class _Mention:
    first: int  # index of its first token
    last: int  # index of its last token
    start: int  # where the name starts (after an Arabic clitic)
    hits: list[Hit]
    loose: bool = False
    wants: str | None = None  # province | countryside | district, from the words around it
    entry: Entry | None = None
    end: int = 0


@dataclass
class _Doc:
    text: str
    tokens: list[_Token]
    sentence_starts: set[int]
    datelines: SpanIndex[Span]
    title_case: Span | None
    blocked: SpanIndex[Span]
    lower_words: set[str]
    focus: str = DEFAULT_FOCUS
    neighbours: frozenset[str] = field(default_factory=frozenset)
    scope: list[tuple[int, int]] = field(default_factory=list)  # the title and the body
    surnames: set[str] = field(default_factory=set)


def find_places(article: Article, sentences: list[Sentence], exclude: list[Span]) -> list[Place]:
    """Every place named in the title and body, in the order written (each mention once)."""
    gaz = gazetteer()
    doc = _document(article, sentences, exclude)
    mentions = _match(gaz, doc)
    doc.surnames = _surnames(doc, mentions)
    mentions = [m for m in mentions if not _skipped(doc, m)]
    _read_context(doc, mentions)
    doc.focus = _focus(mentions)
    doc.neighbours = gaz.neighbours.get(doc.focus, frozenset())
    places = []
    previous: tuple[_Mention, bool] | None = None  # the last country, and whether a place
    for mention in mentions:
        mention.entry = _choose(gaz, doc, mention)
        if mention.entry is None or _in_title_of_office(doc, mention):
            continue
        role = "dateline" if _in_dateline(doc, mention) else "territory"
        if mention.entry.kind == "country":
            previous = (mention, _country_is_place(doc, mention, previous))
            if not previous[1]:
                role = "actor"  # "Russia agreed": the state acting, listed as a party too
        elif role == "territory" and _seat_acting(doc, mention):
            role = "metonym"  # "Moscow and Washington said": the governments by their seats
        places.append(_place(doc, mention, role))
    places += _seats(doc)
    return sorted(places, key=lambda place: place.span.start)


def standing_for_state(place: Place) -> bool:
    """A country acting, or a building for its government ("the Kremlin"): not a place named as
    a place, so kept apart (``Extraction.states``); a city acting ("Moscow said") stays a place."""
    return place.role == "actor" or (place.role == "metonym" and place.name in _SEATS)


def listed(places: Iterable[Place]) -> list[Place]:
    """Each place once per role it takes (the first mention in that role)."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for place in places:
        key = (place.entry, place.kind, place.role)
        if place.kind == "region" and _ROAD.search(place.entry):
            continue  # a road locates an event; it is not a place in the labels' sense
        if key not in seen:
            seen.add(key)
            kept.append(place)
    return kept


_ROAD = re.compile(r"\b(?:road|highway|route)\b", re.IGNORECASE)

# -- The article ------------------------------------------------------------------------------


def _document(article: Article, sentences: list[Sentence], exclude: list[Span]) -> _Doc:
    text = article.text
    ranges = _scope(article)
    tokens = [t for start, end in ranges for t in _tokens(text, start, end)]
    starts = {s.span.start for s in sentences} | {start for start, _ in ranges}
    starts |= {m.end() for m in re.finditer(r"\n\s*", text)}
    title = ranges[0] if ranges and ranges[0][0] == 0 else None
    return _Doc(
        text=text,
        tokens=tokens,
        sentence_starts=starts,
        datelines=SpanIndex(datelines(text, article.body_start), _itself),
        title_case=Span(*title) if title and _title_cased(text[title[0] : title[1]]) else None,
        blocked=SpanIndex([*exclude, *_outlet_spans(article)], _itself),
        lower_words={t.text for t in tokens if t.script == "la" and t.text.islower()},
        scope=ranges,
    )


def _scope(article: Article) -> list[tuple[int, int]]:
    # The title and the body; not the Published/Outlet header lines nor a trailing source line.
    text = article.text
    ranges = []
    title_end = text.find("\n")
    title_end = len(text) if title_end < 0 else title_end
    if article.body_start > 0 and text[:title_end].strip():
        ranges.append((0, min(title_end, article.body_start)))
    end = len(text)
    source = re.search(r"\n[ \t]*Source\s*:[^\n]*\s*\Z", text)
    if source and source.start() >= article.body_start:
        end = source.start()
    ranges.append((article.body_start, end))
    return ranges


def _tokens(text: str, start: int, end: int) -> list[_Token]:
    tokens = []
    for match in _WORD.finditer(text, start, end):
        word, stop, possessive = match.group(0), match.end(), False
        if len(word) > 3 and word[-2:] in ("'s", "’s"):
            word, stop, possessive = word[:-2], stop - 2, True
        tokens.append(
            _Token(
                match.start(),
                stop,
                word,
                _script_of(word),
                possessive,
                word.lower(),
                word[:1].isupper(),
            )
        )
    return tokens


def _script_of(word: str) -> str:
    first = word[0]
    if "\u0600" <= first <= "\u06ff":
        return "ar"
    return "ru" if "\u0400" <= first <= "\u04ff" else "la"


_DATELINE = re.compile(
    r"(?P<place>[^\W\d_][^\n,،—–(\d]{0,40}?)(?:\s*[,،]\s*(?P<more>[^\W\d_][^\n,،—–(\d]{0,30}?))?"
    r"\s*(?:[,،]|\s[—–-]\s|\s\()"
)


def datelines(text: str, body_start: int) -> list[Span]:
    """'QAMISHLI, Syria, Feb 24 (...) -', 'ANKARA —', 'إدلب، 3 آذار': a place in capitals (or in
    Arabic, before a date) opening a paragraph."""
    found = []
    for opening in re.finditer(r"(?:\A|\n)[ \t]*(?=\S)", text[body_start:]):
        at = body_start + opening.end()
        match = _DATELINE.match(text, at)
        if not match:
            if line := _PLACE_LINE.match(text, at):
                found.append(Span(at, line.end()))  # "New York" above a statement's date
            continue
        place = match.group("place")
        dated = _DATED.match(text, match.end("place"))
        head = match.end("more") if match.group("more") else match.end("place")
        # Arabic: the date (or the dash) right after the place, not a clause's comma and a number.
        arabic = _script_of(place) == "ar" and re.match(
            r"[\s,،]*(?:[0-9٠-٩]|[—–-]\s|\()", text[head : head + 8]
        )
        if dated and (place.isupper() or arabic):
            found.append(Span(match.start(), head))
        elif filed := _FILED.match(text, at):
            found.append(Span(at, filed.end("place")))
        elif line := _PLACE_LINE.match(text, at):
            found.append(Span(at, line.end()))
    # "Washington, DC February 3, 2016" inside a press release's heading.
    found += [Span(m.start(), m.end("place")) for m in _CAPITAL_DC.finditer(text, body_start)]
    return found


_DATED = re.compile(r"[^\n]{0,40}?(?:\d|\s[—–-]\s)")
# "Washington, DC - After two weeks …", "Geneva, Switzerland — …": where a release was filed.
_FILED = re.compile(
    r"(?P<place>[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){0,2}),\s*(?:D\.?C\.?|[A-Z]{2}|"
    r"[A-Z][a-z]+(?: [A-Z][a-z]+)?)\s+[-—–]+\s"
)
# A line that is only a place's name ("New York" above a statement's date), with its country
# or the date ("Paris, France" above "May 9, 2016"; "New York, 22 February 2016" below a
# statement).
_PLACE_LINE = re.compile(
    r"(?P<place>[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){0,2})"
    r"(?:,[ \t]*[A-Z][a-z]+(?: [A-Z][a-z]+)?)?"
    r"(?:,?[ \t]+\d{1,2}[ \t]+[A-Z][a-z]+[ \t]+\d{4}|,?[ \t]+[A-Z][a-z]+[ \t]+\d{1,2},[ \t]+\d{4})?"
    r"[ \t]*(?=\n|\Z)"
)
_CAPITAL_DC = re.compile(r"(?P<place>Washington),\s*D\.?C\.?")


def _itself(span: Span) -> Span:
    return span


def _title_cased(title: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_]+", title) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _outlet_spans(article: Article) -> list[Span]:
    # Names inside the outlet's own name are not places ("Euphrates News Agency").
    names: list[str] = []
    for value in (article.outlet, article.source_line):
        if value:
            head = value.split(" (")[0]
            names += [n.strip() for n in re.split(r"\s+/\s+|,", head) if len(n.strip()) > 3]
    spans = []
    for name in names:
        spans += [Span(m.start(), m.end()) for m in re.finditer(re.escape(name), article.text)]
    return spans


# -- Finding names ----------------------------------------------------------------------------


def _match(gaz: Gazetteer, doc: _Doc) -> list[_Mention]:
    found = []
    index = 0
    while index < len(doc.tokens):
        mention = _longest(gaz, doc, index) or _spelt_otherwise(gaz, doc, index)
        if mention is None:
            index += 1
        else:
            found.append(mention)
            index = mention.last + 1
    return found


# -- Spellings the gazetteer does not have ----------------------------------------------------

FUZZY_SCORE = 88.0  # rapidfuzz ratio of the names' keys (gazetteer.name_key)
FUZZY_MARGIN = 4.0  # a second town, elsewhere, this close in score makes the name ambiguous
FUZZY_APART_KM = 2.0


def _spelt_otherwise(gaz: Gazetteer, doc: _Doc, first: int) -> _Mention | None:
    """ "Kafr Zeita" for Kafr Zaytā, "al-Muadamiya" for Moadamiyat al-Sham: a name one letter
    or a vowel away from a town of Syria or its neighbours, where the words say a place is
    named ("in", "the town of", a list of places). Refused when two distinct towns fit about
    as well: neighbouring villages are often named alike."""
    token = doc.tokens[first]
    if first == 0 or len(token.text) < 4 or token.script == "ru":
        return None
    if token.script == "la" and not token.text[0].isupper():
        return None
    previous = doc.tokens[first - 1]
    if previous.lower not in _PLACE_BEFORE or token.start - previous.end > 3:
        return None
    if token.lower in COMMON or token.lower in doc.lower_words or _key(token.text) in IGNORED:
        return None
    if not _can_start(doc, first):
        return None
    for last in range(min(_run_end(doc, first), first + 2), first - 1, -1):
        if not _can_end(doc.tokens[last]):
            continue
        name = doc.text[token.start : doc.tokens[last].end]
        entry = _nearest_spelling(name, token.script)
        if entry is not None:
            return _Mention(
                first, last, token.start, [Hit(entry, False)], True, end=doc.tokens[last].end
            )
    return None


@lru_cache(maxsize=4096)
def _nearest_spelling(name: str, script: str) -> Entry | None:
    from rapidfuzz import fuzz, process

    key = name_key(name)
    keys, owners = _spellings(script)
    if len(key) < 4:
        return None
    best: dict[int, float] = {}
    for _, score, at in process.extract(
        key, keys, scorer=fuzz.ratio, limit=12, score_cutoff=FUZZY_SCORE - FUZZY_MARGIN
    ):
        for number in owners[at]:
            best[number] = max(best.get(number, 0.0), score)
    if not best:
        return None
    entries = gazetteer().entries
    ranked = sorted(best.items(), key=lambda item: -item[1])
    top, score = ranked[0]
    if score < FUZZY_SCORE or key[:1] != keys_first(entries[top].name):
        return None
    for other, other_score in ranked[1:]:
        far = _apart(entries[top], entries[other]) > FUZZY_APART_KM
        if far and score - other_score < FUZZY_MARGIN:
            if (
                entries[other].kind != entries[top].kind
                and _apart(entries[top], entries[other]) < 15
            ):
                continue  # the town and the district named after it: one place
            return None  # "Kafriya" or "Kafrayya": two villages, and no telling which
    # The town before the district or subdistrict named after it.
    towns = [n for n, sc in ranked if entries[n].kind == "city" and score - sc < FUZZY_MARGIN]
    near = [n for n in towns if _apart(entries[top], entries[n]) < 15]
    return entries[near[0]] if entries[top].kind != "city" and near else entries[top]


def keys_first(name: str) -> str:
    return name_key(name)[:1]


def _apart(a: Entry, b: Entry) -> float:
    return math.hypot((a.lat - b.lat) * 111.2, (a.lon - b.lon) * 111.2 * 0.82)


@lru_cache(maxsize=2)
def _spellings(script: str) -> tuple[list[str], list[list[int]]]:
    """Every name of the towns, districts and regions of Syria and its neighbours in one
    script, by name key, with the entries each key names."""
    gaz = gazetteer()
    by_key: dict[str, set[int]] = {}
    for folded, codes in gaz.names():
        for code in codes:
            entry = gaz.entries[code >> 1]
            if entry.country not in _NEAR_SYRIA or entry.kind == "country":
                continue
            if _script_of(folded) != ("ar" if script == "ar" else "la"):
                continue
            by_key.setdefault(name_key(folded), set()).add(code >> 1)
    keys = sorted(k for k in by_key if len(k) >= 4)
    return keys, [sorted(by_key[k]) for k in keys]


def _longest(gaz: Gazetteer, doc: _Doc, first: int) -> _Mention | None:
    tokens = doc.tokens
    if not _can_start(doc, first):
        return None
    for end in range(_run_end(doc, first), first - 1, -1):
        if not _can_end(tokens[end]) or not _has_capital(tokens, first, end):
            continue
        for start in _starts(tokens[first]):
            key = _key(doc.text[start : tokens[end].end])
            hits = gaz.find(key)
            inflected = _inflected(gaz, key) if tokens[first].script == "ru" else []
            if hits or inflected:
                merged = hits + [h for h in inflected if all(h.entry != k.entry for k in hits)]
                return _Mention(first, end, start, merged, loose=not hits, end=tokens[end].end)
    return None


def _inflected(gaz: Gazetteer, key: str) -> list[Hit]:
    # Russian declension: "в Сирии", "Дамаском", "в Хаме". Only names worth a looser match.
    if len(key) < 3:
        return []
    return [h for h in gaz.find_loose(loose_key(key, inflected=True)) if _notable(h.entry)]


def _notable(entry: Entry) -> bool:
    return entry.kind != "city" or entry.country == "SY" or entry.population >= 100_000


@lru_cache(maxsize=65536)
def _key(name: str) -> str:
    return fold(_ABBREVIATIONS.get(name, name))


def _run_end(doc: _Doc, first: int) -> int:
    """The last token of the run of name-like words, joined by spaces or hyphens, from first."""
    tokens, text = doc.tokens, doc.text
    end = first
    while end + 1 < len(tokens) and end - first + 1 < MAX_WORDS:
        here, there = tokens[end], tokens[end + 1]
        if (
            here.possessive
            or there.script != here.script
            or text[here.end : there.start] not in _JOINS
        ):
            break
        if there.script == "la" and not (there.capital or there.lower in PARTICLES | SUFFIXES):
            break
        end += 1
    return end


def _can_start(doc: _Doc, index: int) -> bool:
    token = doc.tokens[index]
    return (
        token.script == "ar" or token.capital or token.lower in DIRECTIONS or _particle(doc, index)
    )


def _can_end(token: _Token) -> bool:
    return token.script == "ar" or token.capital or token.lower in SUFFIXES


def _has_capital(tokens: list[_Token], first: int, end: int) -> bool:
    return tokens[first].script == "ar" or any(t.capital for t in tokens[first : end + 1])


def _starts(token: _Token) -> list[int]:
    # An Arabic word may carry a clitic: "بدمشق" (in Damascus), "وحلب" (and Aleppo).
    if token.script == "ar" and len(token.text) >= 3 and token.text[0] in _ARABIC_CLITICS:
        return [token.start, token.start + 1]
    return [token.start]


# -- Names that are not places ----------------------------------------------------------------


def _skipped(doc: _Doc, m: _Mention) -> bool:
    span = Span(m.start, m.end)
    first = doc.tokens[m.first]
    if doc.blocked.overlapping(span) or _key(doc.text[m.start : m.end]) in IGNORED:
        return True
    if all(_located_only(h.entry) for h in m.hits) and not _placed(doc, m):
        return True  # "Hawar news agency": a name UCDP located, here not named as a place
    if first.script == "ar":
        return _arabic_skipped(doc, m)
    return (
        _common_word(doc, m)
        or _acronym(doc, m)
        or _inside_longer_name(doc, m)
        or _in_compound(doc, m)
        or _after_title(doc, m)
    )


def _located_only(entry: Entry) -> bool:
    """A town only UCDP's event locations know (no GeoNames id): its name alone proves little."""
    return entry.geonameid is None and entry.kind == "city"


# Words that say a name is a place: "in Foah", "the town of Zamalka", "Zamalka town", "في زملكا".
_PLACE_BEFORE = frozenset(
    """in at near from to into outside inside around of towns town villages village city
    cities besieged suburb suburbs and в во на из у около под и في من إلى الى قرب بلدة
    مدينة قرية بلدتي قريتي و دخول دخلت وصلت وصول حول""".split()
)
_PLACE_AFTER = re.compile(r"\s+(?:town|village|city|suburb|countryside)\b|\s*[,،]\s|\s+(?:and|و)\s")


def _placed(doc: _Doc, m: _Mention) -> bool:
    words = re.findall(r"[^\W\d_]+", doc.text[max(0, m.start - 25) : m.start])
    before = words[-1].lower() if words else ""
    token = doc.tokens[m.first]
    if token.script == "ar" and token.text[:1] in ("ب", "و", "ل") and len(token.text) > 4:
        return True  # "والمعضمية", "بداريا": and, in
    if m.start > token.start:
        return doc.text[token.start : m.start] in ("ب", "و", "ل")
    return before in _PLACE_BEFORE or bool(_PLACE_AFTER.match(doc.text, m.end))


def _common_word(doc: _Doc, m: _Mention) -> bool:
    if m.first != m.last:
        return False
    word = doc.tokens[m.first].text
    if word in _ABBREVIATIONS:
        return False  # "the US": the capitals say it is not the word "us"
    return word.lower() in COMMON or word.lower() in doc.lower_words or _key(word) in doc.surnames


def _surnames(doc: _Doc, mentions: list[_Mention]) -> set[str]:
    """Names that end a person's name in this article ("Samantha Power", "Джон Керри"): alone
    later on, they are that person."""
    found = set()
    for m in mentions:
        if any(h.entry.kind in ("country", "admin1", "region") for h in m.hits):
            continue  # "Армия Сирии", "President of Russia": a state, not a surname
        before = _word_before(doc, m.first)
        if (
            m.first == m.last
            and before is not None
            and before.capital
            and not _lead_in(doc, before)
        ):
            after = _word_after(doc, m.last)
            if after is None or not after.capital:
                found.add(_key(doc.tokens[m.first].text))
    return found


def _acronym(doc: _Doc, m: _Mention) -> bool:
    words = doc.tokens[m.first : m.last + 1]
    if not any(len(t.text) > 1 and t.text.isupper() for t in words):
        return False
    if words[0].text in _ABBREVIATIONS:
        return False
    return not doc.datelines.containing(Span(m.start, m.end))


def _inside_longer_name(doc: _Doc, m: _Mention) -> bool:
    """'Washington Post', 'Syria Support Group', 'Ahrar al-Sham': a capitalised word joined to
    the name makes it part of an organisation's or a person's name."""
    if doc.title_case and doc.title_case.contains(Span(m.start, m.end)):
        return False
    before = _word_before(doc, m.first)
    if before is not None and before.capital and not _lead_in(doc, before):
        return True
    after = _word_after(doc, m.last)
    return after is not None and after.capital and after.lower not in _TRAILERS


def _word_before(doc: _Doc, index: int) -> _Token | None:
    """The word before a token, when only a space (or a particle) separates them."""
    while index > 0:
        prev = doc.tokens[index - 1]
        gap = doc.text[prev.end : doc.tokens[index].start]
        if gap not in _JOINS or prev.possessive or prev.script != doc.tokens[index].script:
            return None
        if not _particle(doc, index - 1):
            return prev
        index -= 1
    return None


def _particle(doc: _Doc, index: int) -> bool:
    """The Arabic article in a name ("al-Rai", "Ras al Ain"), not an English "at" or "as"."""
    token = doc.tokens[index]
    return token.lower in PARTICLES and (
        token.lower in ("al", "el", "аль", "эль") or doc.text[token.end : token.end + 1] == "-"
    )


def _word_after(doc: _Doc, index: int) -> _Token | None:
    """The word after a token, when only a space (or a particle: "Bab al-Hawa") separates them."""
    while index + 1 < len(doc.tokens):
        token, nxt = doc.tokens[index], doc.tokens[index + 1]
        if token.possessive or doc.text[token.end : nxt.start] not in _JOINS:
            return None
        if not _particle(doc, index + 1):
            return nxt
        index += 1
    return None


def _lead_in(doc: _Doc, token: _Token) -> bool:
    lower = token.lower
    return (
        lower in _LEAD_INS
        or bool(_DEMONYM.search(lower))
        or lower in _DEMONYMS
        or (token.start in doc.sentence_starts and lower in COMMON)
    )


def _in_compound(doc: _Doc, m: _Mention) -> bool:
    """'U.S.-led', 'Damascus-based', 'Turkey-Syria': part of an adjective, unless a border."""
    text, tokens = doc.text, doc.tokens
    end = tokens[m.last].end
    if (
        text[end : end + 1] == "-"
        and m.last + 1 < len(tokens)
        and tokens[m.last + 1].start == end + 1
    ):
        nxt = tokens[m.last + 1]
        return nxt.lower not in PARTICLES and not _border_follows(text, nxt.end)
    if (
        m.first > 0
        and text[m.start - 1 : m.start] == "-"
        and tokens[m.first - 1].end == m.start - 1
    ):
        return tokens[m.first - 1].capital and not _border_follows(text, end)
    return False


def _border_follows(text: str, at: int) -> bool:
    return bool(re.match(r"\s+(?:border|borders|frontier)\b", text[at : at + 12]))


def _after_title(doc: _Doc, m: _Mention) -> bool:
    # "President Assad", "envoy Staffan": a title before a name makes it a person's.
    before = doc.text[max(0, m.start - 20) : m.start].split()
    return bool(before) and before[-1].lower().rstrip(".") in _TITLES and m.first == m.last


_NEAR_SYRIA = frozenset({"SY", "LB", "JO", "IQ", "TR", "IL", "PS"})


def _arabic_skipped(doc: _Doc, m: _Mention) -> bool:
    # Arabic has no capitals: a body's word before a name makes it part of the body's name
    # ("جيش الإسلام", "وكالة أنباء الفرات").
    if m.start > doc.tokens[m.first].start and not any(
        h.entry.country in _NEAR_SYRIA or h.entry.kind == "country" for h in m.hits
    ):
        return True  # "كامل" is not ك + Āmol: a clitic cut off only for a name near Syria
    if m.first > 0 and doc.tokens[m.first - 1].text in _ARABIC_BODIES:
        return True
    if m.first == m.last and doc.text[m.start : m.end] in _ARABIC_COMMON:
        return True
    raw = doc.text[m.start : m.end]
    countries = {h.entry.country for h in m.hits if h.entry.kind == "country"}
    # "السورية" is the adjective, "سورية" the country: only some countries take the article.
    return bool(countries) and raw.startswith("ال") and not countries & _ARABIC_ARTICLE_COUNTRIES


# -- What the words around a name say ---------------------------------------------------------


def _read_context(doc: _Doc, mentions: list[_Mention]) -> None:
    plural = set()
    for number, mention in enumerate(mentions):
        mention.wants = _wanted_kind(doc, mention)
        if re.match(r"\s+(?:provinces|governorates)\b", doc.text[mention.end : mention.end + 14]):
            plural.add(number)
    # "Aleppo, Hama and Latakia provinces": the plural reaches back along the list.
    for number in range(len(mentions) - 2, -1, -1):
        here, nxt = mentions[number], mentions[number + 1]
        between = doc.text[here.end : nxt.start]
        if number + 1 in plural and here.wants is None and _LIST_GAP.fullmatch(between):
            here.wants = "province"
            plural.add(number)


_LIST_GAP = re.compile(r"[,،]?\s*(?:and|or|и|или|و)?\s*")


def _wanted_kind(doc: _Doc, m: _Mention) -> str | None:
    text = doc.text
    after = re.match(
        r"(['’]s)?\s+((?:northern|southern|eastern|western)\s+)?([^\W\d_]+)",
        text[m.end : m.end + 40],
    )
    word = after.group(3).lower() if after else ""
    if word in _ADMIN1_WORDS:
        return _ADMIN1_WORDS[word]
    if word in _DISTRICT_WORDS and after and not (after.group(1) or after.group(2)):
        return "district"  # "Ramouseh district"; not "Aleppo's eastern districts"
    before = text[max(0, m.start - 30) : m.start].lower().split()
    if before[-2:] in (["province", "of"], ["governorate", "of"], ["provinces", "of"]):
        return "province"
    if before[-2:] == ["countryside", "of"] or before[-1:] == ["rural"]:
        return "countryside"
    if before and re.match(r"(?:провинци|мухафаз)", before[-1]):
        return "province"
    if _RUSSIAN_QUARTER.search(text, max(0, m.start - 120), m.start) or (
        _RUSSIAN_AREA.search(text, max(0, m.start - 12), m.start)
        and _OF_THE_CITY.match(text, m.end)
    ):
        return "district"  # "в жилом районе Захра города Хомс", "кварталов Шейх-Максуд"
    return None


# A city's quarter in Russian: the noun before the name ("в районе Пальмиры" is the area round
# a town, so "район" alone counts only with "жилой", in the plural, or before "города X").
# The noun reaches along a list: "районов Сайф-эд-Даула, Майсалун, Майдан и Хамдания".
_RUSSIAN_QUARTER = re.compile(
    r"(?:\b[Жж]ил\w*\s+район\w*|\bрайонов|\b[Кк]вартал\w*|\b[Мм]икрорайон\w*)\s+"
    r"(?:[^\s,.;:]+(?:\s+[^\s,.;:]+)?(?:,\s+|\s+и\s+))*$"
)
_RUSSIAN_AREA = re.compile(r"\bрайон\w*\s+$")
_OF_THE_CITY = re.compile(r"\s+города\b")


def _focus(mentions: list[_Mention]) -> str:
    """The country the article is about: the one most of its unambiguous names belong to."""
    counts: dict[str, float] = {DEFAULT_FOCUS: 1.0}
    for mention in mentions:
        countries = {h.entry.country for h in mention.hits if h.entry.country}
        if len(countries) == 1:
            # A country's own name is as often the state acting as its land: half a vote.
            state = all(h.entry.kind == "country" for h in mention.hits)
            country = countries.pop()
            counts[country] = counts.get(country, 0.0) + (0.5 if state else 1.0)
    return max(counts, key=lambda country: counts[country])


# -- Choosing the entry -----------------------------------------------------------------------

# A country before a region before a city before a unit named like the city (the unit only
# when the words around say so); population counts for cities only, units' are not comparable.
_KIND_WEIGHT = {"country": 10.0, "region": 8.0, "city": 4.0, "admin1": 3.0, "admin2": 2.5}


def _choose(gaz: Gazetteer, doc: _Doc, m: _Mention) -> Entry | None:
    hits = m.hits
    if m.wants in ("province", "countryside"):
        named = gaz.find(_key(f"{doc.text[m.start : m.end]} {m.wants}"))
        hits = named or [h for h in hits if h.entry.kind == "admin1"] or hits
    elif m.wants == "district":
        hits = [h for h in hits if h.entry.kind == "admin2"]
        if not hits:
            return None  # a city's district or a camp: not a place in the labels' sense
    largest = max((h.entry.population for h in hits if h.entry.kind == "city"), default=0)
    best = max(hits, key=lambda h: _score(doc, h, largest))
    return None if _far_and_small(doc, m, best.entry) else best.entry


# A town (under 100,000) a fifth the size of a city with its name does not win it by lying in
# the story's country or next to it: "Geneva" is Geneva, not Geneva, Illinois, in a readout of
# Obama's call; Tripoli in Lebanon (230,000) still wins over Libya's capital near Syria.
_DWARFED = 5
_WORLD_CITY = 100_000


def _score(doc: _Doc, hit: Hit, largest: int = 0) -> float:
    entry = hit.entry
    score = _KIND_WEIGHT[entry.kind]
    if entry.kind == "city":
        score += 0.4 * math.log10(entry.population + 10)
        if entry.population < _WORLD_CITY <= largest and entry.population * _DWARFED < largest:
            return score + (0.5 if hit.primary else 0.0)
    if entry.country == doc.focus:
        score += 3.0
    elif entry.country in doc.neighbours:
        score += 1.0
    return score + (0.5 if hit.primary else 0.0)


def _far_and_small(doc: _Doc, m: _Mention, entry: Entry) -> bool:
    # A town of under 100,000 far from the story, named without a preposition, is more often
    # a surname or a word than the town ("Obama", "Putin and Obama held ...").
    if entry.kind != "city" or entry.population >= 100_000 or entry.country == doc.focus:
        return False
    if entry.country in doc.neighbours:
        return False
    before = doc.text[max(0, m.start - 12) : m.start].split()
    return not (before and before[-1].lower() in _LOCATIVE) and not _in_dateline(doc, m)


def _in_dateline(doc: _Doc, m: _Mention) -> bool:
    return bool(doc.datelines.containing(Span(m.start, m.end)))


# -- Countries: territory or actor ------------------------------------------------------------


def _country_is_place(doc: _Doc, m: _Mention, previous: tuple[_Mention, bool] | None) -> bool:
    assert m.entry is not None
    if previous and _LIST_GAP.fullmatch(doc.text[previous[0].end : m.start]):
        return previous[1]  # "fled to Turkey and Lebanon", "the United States and Russia agreed"
    # Syria is where this news happens, whatever else the article is mostly about.
    return _territorial(doc, m, m.entry.country in (doc.focus, DEFAULT_FOCUS))


def _territorial(doc: _Doc, m: _Mention, focus: bool) -> bool:
    """Whether a country's name means its territory here rather than the state acting."""
    if _in_dateline(doc, m):
        return True
    before = _words_before(doc, m)
    after = _words_after(doc, m)
    if after[:1] and after[0] in _MODIFIED:
        return False  # "Syria truce", "Syria envoy"
    if _territory_cue(doc, m, before, after, focus):
        return True
    if not focus:
        return False
    if (before[:1] and before[0] in _ACTOR_BEFORE) or doc.tokens[m.last].possessive:
        return False
    first_after = _raw_after(doc, m)
    return not (first_after[:1].islower() and first_after not in _FUNCTION_AFTER)


def _territory_cue(
    doc: _Doc, m: _Mention, before: list[str], after: list[str], focus: bool
) -> bool:
    if before[:1] and before[0] in _TERRITORY_BEFORE:
        return True
    if m.start > 0 and doc.text[m.start - 1] == "ب":
        return True  # Arabic "بسوريا": in Syria (the clitic was cut from the name)
    if before[:1] == ["to"] and before[1:2] != [] and before[1] not in _TO_THE_STATE:
        return focus or any(w in _MOVING for w in before[1:4])
    if before[:1] in (["of"], ["with"], ["с"], ["مع"]) and before[1:2] and before[1] in _LAND:
        return True  # "north of Syria", "the border with Turkey", "граница с Турцией"
    if doc.tokens[m.last].possessive and any(w in _LAND for w in after[:2]):
        return True  # "Syria's coastal cities"
    return bool(after[:1]) and after[0] in ("border", "borders", "frontier")


def _words_before(doc: _Doc, m: _Mention) -> list[str]:
    # Nearest first, articles skipped: "in the United States" -> ["in", ...].
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", doc.text[max(0, m.start - 60) : m.start])
    return [w.lower() for w in reversed(words) if w.lower() not in ("the", "a", "an")][:5]


def _words_after(doc: _Doc, m: _Mention) -> list[str]:
    rest = doc.text[m.end : m.end + 40]
    if doc.tokens[m.last].possessive:
        rest = rest[2:]
    return [w.lower() for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", rest)][:3]


def _raw_after(doc: _Doc, m: _Mention) -> str:
    match = re.match(r"\s*([^\W\d_]+)", doc.text[m.end : m.end + 30])
    return match.group(1) if match else ""


# -- Roles: titles, seats of government -------------------------------------------------------

# "President of Syria", "Special Envoy for Syria", "ambassador to Turkey": a title names no place.
_OFFICE_BEFORE = re.compile(
    r"\b(?:[Pp]resident|[Ee]nvoy|[Aa]mbassador|[Mm]inister|[Rr]epresentative|[Ss]ecretary|"
    r"[Kk]ing|[Ee]mir|[Cc]oordinator|[Aa]dviser|[Aa]dvisor|[Mm]ission|[Пп]резидент\w*|"
    r"[Пп]осл\w*|[Мм]инистр\w*)(?:\s+[A-Z][\w'’.-]+){0,3}\s+(?:of|for|to|in)\s+(?:the\s+)?$"
    # Russian puts the country after the office, in the genitive: "Постоянного представителя
    # Сирийской Арабской Республики", "Президентом Сирии".
    r"|(?<![^\W\d_])(?:[Пп]редставител\w*|[Пп]редставительств\w*|[Пп]оверенн\w* в делах"
    r"|[Пп]резидент\w*|[Пп]осл\w*|[Мм]инистр\w*(?: иностранных дел| обороны)?)\s+$"
)
# "the Minsk agreements", "the Geneva communiqué": a name inside a document's name.
_DOCUMENT_AFTER = re.compile(
    r"\s+(?:agreements?|accords?|communiqu[eé]|protocols?|memorandum|declaration|Statement|"
    r"format|peace process)\b"
)
_ACTING = re.compile(
    r"^\s*(?:and\s+[A-Z\u0600-\u06FF\u0400-\u04FF][\w\u0600-\u06FF\u0400-\u04FF]*\s+)?"
    r"(?:said|says|has|have|had|will|would|agreed|agree|warned|accused|denied|insisted|"
    r"announced|called|urged|wants|welcomed|rejected|accepted|believes|considers|"
    r"заявил\w*|считает|сообщил\w*|قالت|أعلنت|رحبت|أكدت)\b"
)
_CAPITAL_OF = {"SY": "Damascus", "RU": "Moscow", "US": "Washington", "TR": "Ankara"}
# Buildings that stand for a government: the place is the city they are in.
_SEATS = {
    "Kremlin": "Moscow",
    "Кремль": "Moscow",
    "Кремля": "Moscow",
    "الكرملين": "Moscow",
    "White House": "Washington",
    "البيت الأبيض": "Washington",
    "Белый дом": "Washington",
    "Pentagon": "Washington",
    "البنتاغون": "Washington",
    "Пентагон": "Washington",
}
_SEAT = re.compile("|".join(re.escape(name) for name in sorted(_SEATS, key=len, reverse=True)))


def _in_title_of_office(doc: _Doc, m: _Mention) -> bool:
    before = doc.text[max(0, m.start - 45) : m.start]
    if m.entry is not None and m.entry.kind == "country" and _OFFICE_BEFORE.search(before):
        return True
    return bool(_DOCUMENT_AFTER.match(doc.text, m.end))


def _seat_acting(doc: _Doc, m: _Mention) -> bool:
    """A capital named as the government acting ("Moscow said", "Moscow and Washington")."""
    entry = m.entry
    if entry is None or entry.kind != "city" or _CAPITAL_OF.get(entry.country or "") != entry.name:
        return False
    # The word may keep its bare apostrophe ("Damascus'"): read the possessive from before it.
    at = m.end - 1 if doc.text[m.end - 1 : m.end] in ("'", "’") else m.end
    if _POSSESSIVE_SEAT.match(doc.text, at):
        return True  # "Moscow's determination", "Damascus' fight against rebel groups"
    before = _words_before(doc, m)
    if before[:1] and before[0] in _TERRITORY_BEFORE:
        return False
    if before[:2] in (["by", w] for w in _AGENT_PARTICIPLES):
        return True  # "agreed by Washington and Moscow"
    if (
        before[:1] == ["and"]
        and len(before) > 3
        and before[2:4] in (["by", w] for w in _AGENT_PARTICIPLES)
    ):
        return True  # "… by Washington and Moscow": the second of the pair
    return bool(_ACTING.match(doc.text[m.end : m.end + 40]))


# A capital's possessive before a noun of will or action is its government's; before a part
# of the city ("Damascus' suburbs", "Moscow's streets") it is the city.
_POSSESSIVE_SEAT = re.compile(
    r"(?:['’]s|['’])\s+(?!(?:outskirts|suburbs?|countryside|streets?|old|eastern|western|"
    r"northern|southern|central|districts?|neighbou?rhoods?|airport|residents|people|"
    r"population|skyline|mayor|governor)\b)[a-z]+"
)


_AGENT_PARTICIPLES = ("agreed", "brokered", "announced", "signed", "backed", "proposed", "drafted")


def _seats(doc: _Doc) -> list[Place]:
    """ "The Kremlin said", "the White House": the seat's city, as a metonym."""
    found = []
    gaz = gazetteer()
    for start, end in _scope_ranges(doc):
        for match in _SEAT.finditer(doc.text, start, end):
            city = max(
                (h.entry for h in gaz.find(_key(_SEATS[match.group(0)])) if h.entry.kind == "city"),
                key=lambda e: e.population,
                default=None,
            )
            if city is None or doc.blocked.overlapping(Span(match.start(), match.end())):
                continue
            found.append(
                Place(
                    name=match.group(0),
                    span=Span(match.start(), match.end()),
                    lat=city.lat,
                    lon=city.lon,
                    country=city.country,
                    entry=city.name,
                    kind=city.kind,
                    geonameid=city.geonameid,
                    confidence=0.6,
                    role="metonym",
                )
            )
    return found


def _scope_ranges(doc: _Doc) -> list[tuple[int, int]]:
    # The title and the body, not the header lines between them ("Outlet: … a White House
    # readout" names no place).
    return doc.scope


# -- The place --------------------------------------------------------------------------------


def _place(doc: _Doc, m: _Mention, role: str = "territory") -> Place:
    entry = m.entry
    assert entry is not None
    end = m.end
    suffix = re.match(
        r" (?:province|provinces|governorate|countryside)\b", doc.text[end : end + 14]
    )
    named_so = doc.tokens[m.last].lower in SUFFIXES  # "Aleppo province" is a name already
    if m.wants in ("province", "countryside") and suffix and not named_so:
        end += suffix.end()
    return Place(
        name=doc.text[m.start : end],
        span=Span(m.start, end),
        lat=entry.lat,
        lon=entry.lon,
        country=entry.country,
        entry=entry.name,
        kind=entry.kind,
        geonameid=entry.geonameid,
        confidence=_confidence(doc, m, entry),
        role=role,
    )


def _confidence(doc: _Doc, m: _Mention, entry: Entry) -> float:
    value = 0.9 if m.last > m.first or any(h.primary and h.entry == entry for h in m.hits) else 0.75
    if len({h.entry.country for h in m.hits}) > 1:
        value -= 0.15  # the name fits places in several countries
    if m.loose:
        value -= 0.2
    if entry.kind == "region":
        value -= 0.15
    if m.first == m.last and doc.tokens[m.first].start in doc.sentence_starts:
        value -= 0.1
    return round(max(0.3, value), 2)

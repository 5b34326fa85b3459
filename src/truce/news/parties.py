"""Finding the parties an article names: registry groups by any alias, states, forces, bodies."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from truce.domain.text import fold
from truce.news.model import PartyMention, Span, SpanIndex

_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*\w|[^\W\d_]|\d+\w*", re.UNICODE)
_ARTICLES = frozenset({"al", "el", "ad", "an", "ar", "as", "ash", "at", "az", "the", "ال"})
MAX_WORDS = 8

SYRIAN_GOVERNMENT = "Syrian government"
SYRIAN_ARMY = "Syrian Arab Army"
OPPOSITION = "Syrian opposition groups"
RUSSIAN_FORCES = "Armed Forces of the Russian Federation (Russian group of forces in Syria)"
TURKISH_FORCES = "Turkish Armed Forces"
COALITION = "US-led anti-ISIL coalition (CJTF-OIR)"

# Names that are not in the registry but that the news uses for actors (written for Truce).
GENERIC: dict[str, tuple[str, ...]] = {
    SYRIAN_GOVERNMENT: (
        "Syrian government",
        "government in Damascus",
        "Damascus government",
        "Syrian regime",
        "the regime",
        "Assad government",
        "Syrian authorities",
        "Syrian Foreign Ministry",
        "Syrian foreign ministry",
        "Syrian Defence Ministry",
        "Syrian Defense Ministry",
        "Syrian security forces",
        "الحكومة السورية",
        "النظام السوري",
        "правительство Сирии",
        "сирийское правительство",
        "Дамаск",
    ),
    SYRIAN_ARMY: (
        "Syrian government forces",
        "Syrian government troops",
        "Syrian government aircraft",
        "Syrian army",
        "Syrian Army",
        "government forces",
        "regime forces",
        "Syrian troops",
        "government troops",
        "pro-government forces",
        "army",
        "the army",
        "Syrian military",
        "government aircraft",
        "Syrian aircraft",
        "Syrian warplanes",
        "Syrian air force",
        "الجيش السوري",
        "قوات النظام",
        "القوات الحكومية",
        "сирийская армия",
        "правительственные войска",
    ),
    OPPOSITION: (
        "rebels",
        "rebel groups",
        "rebel factions",
        "opposition groups",
        "the opposition",
        "armed opposition",
        "opposition fighters",
        "insurgents",
        "Syrian opposition",
        "opposition factions",
        "المعارضة",
        "فصائل المعارضة",
        "оппозиция",
        "боевики",
    ),
    RUSSIAN_FORCES: (
        "Russian aircraft",
        "Russian warplanes",
        "Russian jets",
        "Russian forces",
        "Russian troops",
        "Russian air force",
        "Russian military",
        "Russian air strikes",
        "Russian airstrikes",
        "Russian bombers",
        "Russian helicopters",
        "الطائرات الروسية",
        "القوات الروسية",
        "российские военные",
        "ВКС России",
    ),
    TURKISH_FORCES: (
        "Turkish artillery",
        "Turkish army",
        "Turkish troops",
        "Turkish forces",
        "Turkish military",
        "Turkish tanks",
        "Turkish jets",
        "الجيش التركي",
    ),
    COALITION: (
        "U.S.-led coalition",
        "US-led coalition",
        "coalition aircraft",
        "coalition warplanes",
        "international coalition",
        "coalition air strikes",
        "التحالف الدولي",
    ),
    "Russia": (
        "Russia",
        "Kremlin",
        "Russian Federation",
        "Russian Defence Ministry",
        "Russian Defense Ministry",
        "Russian Foreign Ministry",
        "Russian government",
        "Moscow",
        "Россия",
        "России",
        "Кремль",
        "Минобороны России",
        "روسيا",
        "موسكو",
    ),
    "United States": (
        "United States",
        "U.S.",
        "USA",
        "America",
        "White House",
        "State Department",
        "Pentagon",
        "U.S. Central Command",
        "Washington",
        "US government",
        "الولايات المتحدة",
        "واشنطن",
        "США",
        "Вашингтон",
    ),
    "United Nations": (
        "United Nations",
        "U.N.",
        "UN",
        "Security Council",
        "U.N. Security Council",
        "UN Security Council",
        "U.N. agencies",
        "UNHCR",
        "OCHA",
        "World Food Programme",
        "الأمم المتحدة",
        "ООН",
    ),
    "International Syria Support Group": (
        "International Syria Support Group",
        "ISSG",
        "ceasefire task force",
        "Ceasefire Task Force",
        "Международная группа поддержки Сирии",
        "المجموعة الدولية لدعم سوريا",
    ),
    "al-Qaeda": ("al-Qaeda", "al Qaeda", "al-Qaida", "Al-Qaeda", "القاعدة", "Аль-Каида"),
    "Turkey": ("Turkey", "Ankara", "Turkish government", "Turkish Foreign Ministry", "تركيا"),
    "Jordan": ("Jordan", "Amman", "الأردن"),
    "Iran": ("Iran", "Tehran", "إيران"),
    "Saudi Arabia": ("Saudi Arabia", "Riyadh", "السعودية"),
    "Qatar": ("Qatar",),
    "Israel": ("Israel",),
    "France": ("France", "Paris"),
    "United Kingdom": ("Britain", "United Kingdom", "London"),
    "Germany": ("Germany", "Berlin"),
    "China": ("China", "Beijing"),
}

# Country names count as actors only where they act; after these words they are territory.
_TERRITORY_BEFORE = frozenset(
    {
        "in",
        "into",
        "inside",
        "from",
        "across",
        "to",
        "near",
        "throughout",
        "of",
        "within",
        "toward",
        "towards",
        "through",
        "border",
        "в",
        "из",
        "في",
        "من",
        "إلى",
    }
)
_TERRITORIAL = frozenset(
    {
        "Russia",
        "United States",
        "Turkey",
        "Jordan",
        "Iran",
        "Saudi Arabia",
        "Qatar",
        "Israel",
        "France",
        "United Kingdom",
        "Germany",
        "China",
    }
)
# Capitals stand for their state only when they act ("Moscow said", "Moscow and Washington").
_CAPITALS = frozenset(
    {
        "moscow",
        "washington",
        "ankara",
        "amman",
        "tehran",
        "riyadh",
        "paris",
        "london",
        "berlin",
        "beijing",
        "دمشق",
        "дамаск",
        "موسكو",
        "واشنطن",
        "вашингтон",
    }
)
_ACTING = re.compile(
    r"^\s*(?:and\s+\w+\s+)?(?:said|says|has|have|had|will|would|agreed|agree|warned|accused|"
    r"denied|insisted|announced|called|urged|wants|welcomed|rejected|is|was|were|are)\b"
)


@dataclass(frozen=True)
class _Name:
    canonical: str
    party_id: int | None
    exact_case: str | None  # acronyms must match their case: "IS" is not "is"


# Words repeat, and folding is the costly part of reading a long article.
_fold_word = lru_cache(maxsize=1 << 16)(fold)


def _tokens(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    found = []
    for match in _TOKEN.finditer(text, start, end):
        key = _fold_word(match.group(0))
        if key and key not in _ARTICLES:
            found.append((key, match.start(), match.end()))
    return found


class PartyBook:
    """Every name under which a party can appear, folded, with the name to report it by."""

    def __init__(self) -> None:
        self.names: dict[str, list[_Name]] = {}
        self.prefixes: set[str] = set()  # every name's first word, first two words, ...

    def add(self, canonical: str, aliases: Iterable[str], party_id: int | None = None) -> None:
        """Teach the book a party and its names."""
        for alias in {canonical, *aliases}:
            key = " ".join(k for k, _, _ in _tokens(alias, 0, len(alias)))
            if not key:
                continue
            exact = alias if len(alias.replace(".", "")) <= 4 and alias.isupper() else None
            self.names.setdefault(key, []).append(_Name(canonical, party_id, exact))
            words = key.split(" ")
            self.prefixes.update(" ".join(words[:n]) for n in range(1, len(words) + 1))

    def find(self, text: str, start: int = 0, skip: Iterable[Span] = ()) -> list[PartyMention]:
        """Every mention in ``text`` from ``start``, longest names first, outside ``skip``."""
        tokens = _tokens(text, start, len(text))
        blocked = SpanIndex(skip, lambda span: span)
        found: list[PartyMention] = []
        index = 0
        while index < len(tokens):
            mention, width = self._longest(text, tokens, index)
            if mention and not blocked.overlapping(mention.span):
                found.append(mention)
            index += max(width, 1)
        return found

    def _longest(
        self, text: str, tokens: list[tuple[str, int, int]], index: int
    ) -> tuple[PartyMention | None, int]:
        # Grow the window while some name still starts with it; then try the longest first.
        keys: list[str] = []
        for token, _, _ in tokens[index : index + MAX_WORDS]:
            key = f"{keys[-1]} {token}" if keys else token
            if key not in self.prefixes:
                break
            keys.append(key)
        for width in range(len(keys), 0, -1):
            key = keys[width - 1]
            span = Span(tokens[index][1], tokens[index + width - 1][2])
            for name in self.names.get(key, []):
                if self._fits(text, name, span, key):
                    confidence = 0.9 if name.party_id is not None else 0.6
                    return PartyMention(name.canonical, span, name.party_id, confidence), width
        return None, 1

    @staticmethod
    def _fits(text: str, name: _Name, span: Span, key: str) -> bool:
        written = span.of(text)
        if name.exact_case is not None and written.replace(".", "") != name.exact_case.replace(
            ".", ""
        ):
            return False
        if key in _CAPITALS:
            return bool(_ACTING.match(text[span.end : span.end + 40]))
        if name.canonical in _TERRITORIAL and name.exact_case is None and _is_territory(text, span):
            return False
        return not (key in {"army", "the army"} and written[:1].islower() and "Syria" not in text)

    def is_name(self, text: str) -> bool:
        """Whether ``text`` is, as a whole, the name of a party."""
        key = " ".join(k for k, _, _ in _tokens(text, 0, len(text)))
        return bool(key) and key in self.names


def _is_territory(text: str, span: Span) -> bool:
    before = text[max(0, span.start - 30) : span.start].split()
    return bool(before) and before[-1].lower().strip(",") in _TERRITORY_BEFORE


def default_book() -> PartyBook:
    """A book from the built-in 2016 scenario, for extraction without a database."""
    data = json.loads(
        resources.files("truce.scenarios").joinpath("syria-2016.json").read_text("utf-8")
    )
    book = PartyBook()
    for number, party in enumerate(data["parties"], start=1):
        book.add(party["name"], [alias for alias, *_ in party["aliases"]], -number)
    _add_generic(book)
    return book


def book_from_registry(rows: Iterable[tuple[int, str, Iterable[str]]]) -> PartyBook:
    """A book from the registry: (party id, canonical name, aliases) for every party."""
    book = PartyBook()
    for party_id, name, aliases in rows:
        book.add(name, aliases, party_id)
    _add_generic(book)
    return book


def _add_generic(book: PartyBook) -> None:
    for canonical, aliases in GENERIC.items():
        book.add(canonical, aliases)


# "U.N. envoy Staffan de Mistura", "Syria's ambassador to the United Nations", "Kremlin
# spokesman": a body named inside a person's title is not acting (labelling policy).
_TITLE_AFTER = re.compile(
    r"\.?\s+(?:special\s+)?(?:envoy|spokes(?:man|woman|person)|ambassador|humanitarian adviser"
    r"|representative|official)\b",
    re.IGNORECASE,
)
_TITLE_BEFORE = re.compile(r"\b(?:ambassador|envoy|representative)\s+(?:to|at)\s+(?:the\s+)?$")


def acting(text: str, mentions: Iterable[PartyMention]) -> list[PartyMention]:
    """The mentions that name an actor, not part of a person's title."""
    return [
        m
        for m in mentions
        if not _TITLE_AFTER.match(text, m.span.end)
        and not _TITLE_BEFORE.search(text[max(0, m.span.start - 30) : m.span.start])
    ]


def unique(mentions: Iterable[PartyMention]) -> list[PartyMention]:
    """The first mention of each party."""
    seen: set[str] = set()
    first = []
    for mention in mentions:
        if mention.name not in seen:
            seen.add(mention.name)
            first.append(mention)
    return first

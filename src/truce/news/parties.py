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

# A full stop inside a word only between Latin letters ("U.S."); "الحكومة.وقال" is two words.
_TOKEN = re.compile(r"[^\W\d_](?:[\w'’-]|\.(?![\u0600-\u06FF]))*\w|[^\W\d_]|\d+\w*", re.UNICODE)
_CLITIC = "وبلف"
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
        "Government of Syria",
        "Syrian Government",
        "الحكومة السورية",
        "الحكومة",
        "النظام السوري",
        "правительство Сирии",
        "сирийское правительство",
        # Russian cases: the news and the UN's Russian texts decline the name.
        "правительства Сирии",
        "правительству Сирии",
        "правительством Сирии",
        "сирийского правительства",
        "сирийскому правительству",
        "сирийским правительством",
        "правительство Сирийской Арабской Республики",
        "правительства Сирийской Арабской Республики",
        "правительству Сирийской Арабской Республики",
        "правительством Сирийской Арабской Республики",
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
        "сирийской армии",
        "сирийскую армию",
        "сирийской армией",
        "правительственных войск",
        "правительственным войскам",
        "Сирийская арабская армия",
        "Сирийской арабской армии",
        "Сирийскую арабскую армию",
        "Сирийской арабской армией",
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
        "оппозиции",
        "оппозицию",
        "вооруженная оппозиция",
        "вооруженной оппозиции",
        "вооруженную оппозицию",
        "вооружённой оппозиции",
        "умеренной вооруженной оппозиции",
        "умеренная оппозиция",
        "умеренной оппозиции",
        "оппозиционные группировки",
        "оппозиционных группировок",
        "المعارضة المسلحة",
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
        "Российская Федерация",
        "Российской Федерации",
        "Российскую Федерацию",
        "Российской Федерацией",
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
        "Соединенные Штаты",
        "Соединенных Штатов",
        "Соединенным Штатам",
        "Соединенными Штатами",
        "Соединенные Штаты Америки",
        "Соединенных Штатов Америки",
        "Соединенным Штатам Америки",
        "Соединенными Штатами Америки",
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
        "UNICEF",
        "United Nations Children's Fund",
        "United Nations Children’s Fund",
        "الأمم المتحدة",
        "مجلس الأمن",
        "مجلس الأمن الدولي",
        "ООН",
        "Совет Безопасности ООН",
        "СБ ООН",
        "Организация Объединенных Наций",
        "Организации Объединенных Наций",
        "Организацию Объединенных Наций",
        "Организацией Объединенных Наций",
        "Совет Безопасности",
        "Совета Безопасности",
        "Совету Безопасности",
        "Советом Безопасности",
        "Совете Безопасности",
        "Совбез ООН",
        "Совбез",
    ),
    "Arab League": ("Arab League", "League of Arab States", "جامعة الدول العربية"),
    "European Union": ("European Union", "EU", "الاتحاد الأوروبي", "Евросоюз", "Европейский союз"),
    "Organization for Security and Cooperation in Europe": (
        "Organization for Security and Cooperation in Europe",
        "Organization for Security and Co-operation in Europe",
        "OSCE",
        "ОБСЕ",
    ),
    "International Syria Support Group": (
        "International Syria Support Group",
        "ISSG",
        "ceasefire task force",
        "Ceasefire Task Force",
        "Международная группа поддержки Сирии",
        "Международной группы поддержки Сирии",
        "المجموعة الدولية لدعم سوريا",
        "مجموعة الدعم الدولية لسوريا",
        "مجموعة الدعم الدولية",
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
    r"denied|insisted|announced|called|urged|wants|welcomed|rejected|is|was|were|are|"
    r"considers|considered|believes|accuses|regards|sees|says)\b"
)


# What each generic name is (model.PARTY_KINDS); registry parties are armed groups or forces,
# but for the political bodies below.
_BODIES = frozenset(
    {
        "United Nations",
        "International Syria Support Group",
        "Arab League",
        "European Union",
        "Organization for Security and Cooperation in Europe",
    }
)
_FORCES = frozenset(
    {SYRIAN_ARMY, OPPOSITION, RUSSIAN_FORCES, TURKISH_FORCES, COALITION, "al-Qaeda"}
)
POLITICAL = frozenset({"High Negotiations Committee"})


def generic_kind(name: str) -> str:
    """The kind of a generic name: a force, a body of states, or a state."""
    if name in _FORCES:
        return "armed"
    return "intergovernmental" if name in _BODIES else "state"


def registry_kind(name: str) -> str:
    """The kind of a registry party: an armed group or force, unless a political body."""
    return "other" if name in POLITICAL else "armed"


@dataclass(frozen=True)
class _Name:
    canonical: str
    party_id: int | None
    exact_case: str | None  # acronyms must match their case: "IS" is not "is"
    kind: str = "armed"


# Words repeat, and folding is the costly part of reading a long article.
_fold_word = lru_cache(maxsize=1 << 16)(fold)


def _tokens(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    found = []
    for match in _TOKEN.finditer(text, start, end):
        word = match.group(0)
        if len(word) > 3 and word[-2:] in ("'s", "’s"):
            word = word[:-2]  # "the Syrian opposition’s umbrella group"
        key = _fold_word(word)
        if key and key not in _ARTICLES:
            found.append((key, match.start(), match.end()))
    return found


class PartyBook:
    """Every name under which a party can appear, folded, with the name to report it by."""

    def __init__(self) -> None:
        self.names: dict[str, list[_Name]] = {}
        self.prefixes: set[str] = set()  # every name's first word, first two words, ...
        self.kinds: dict[str, str] = {}  # canonical name -> model.PARTY_KINDS
        self.by_first: dict[str, set[str]] = {}  # first word -> multi-word names, for spellings

    def add(
        self,
        canonical: str,
        aliases: Iterable[str],
        party_id: int | None = None,
        kind: str | None = None,
        first: bool = False,
    ) -> None:
        """Teach the book a party and its names (``kind``: model.PARTY_KINDS); ``first``: its
        names win over another party's same alias."""
        kind = kind or registry_kind(canonical)
        self.kinds[canonical] = kind
        for alias in {canonical, *aliases}:
            key = " ".join(k for k, _, _ in _tokens(alias, 0, len(alias)))
            if not key:
                continue
            exact = alias if len(alias.replace(".", "")) <= 4 and alias.isupper() else None
            entry = _Name(canonical, party_id, exact, kind)
            if first:
                self.names.setdefault(key, []).insert(0, entry)
            else:
                self.names.setdefault(key, []).append(entry)
            words = key.split(" ")
            if len(words) > 1 and len(key) >= 8:
                self.by_first.setdefault(words[0], set()).add(key)
            self.prefixes.update(" ".join(words[:n]) for n in range(1, len(words) + 1))

    def find(self, text: str, start: int = 0, skip: Iterable[Span] = ()) -> list[PartyMention]:
        """Every mention in ``text`` from ``start``, longest names first, outside ``skip``."""
        tokens = [self._unclitic(text, token) for token in _tokens(text, start, len(text))]
        blocked = SpanIndex(skip, lambda span: span)
        found: list[PartyMention] = []
        index = 0
        while index < len(tokens):
            mention, width = self._longest(text, tokens, index)
            if mention and not blocked.overlapping(mention.span):
                found.append(mention)
            index += max(width, 1)
        return found

    def _unclitic(self, text: str, token: tuple[str, int, int]) -> tuple[str, int, int]:
        """ "وروسيا" is و + روسيا: an Arabic clitic cut off when the rest starts a name."""
        key, begin, end = token
        if (
            len(key) > 3
            and key[0] in _CLITIC
            and "\u0600" <= key[0] <= "\u06ff"
            and key not in self.prefixes
        ):
            rest = _fold_word(text[begin + 1 : end])
            if rest in self.prefixes:
                return rest, begin + 1, end
        return token

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
                    mention = PartyMention(
                        name.canonical, span, name.party_id, confidence, name.kind
                    )
                    return mention, width
        if tokens[index][0] not in self.by_first:
            return None, 1
        return self._misspelt(text, tokens, index)

    def _misspelt(
        self, text: str, tokens: list[tuple[str, int, int]], index: int
    ) -> tuple[PartyMention | None, int]:
        """ "Jabhat Al-Nursa": a capitalised name one letter or two off a known one."""
        from rapidfuzz import fuzz

        first = tokens[index][0]
        if first not in self.by_first or not text[tokens[index][1]].isupper():
            return None, 1
        for width in range(min(4, len(tokens) - index), 1, -1):
            window = tokens[index : index + width]
            if text[window[0][1] : window[-1][2]].count("\n"):
                continue
            key = " ".join(t[0] for t in window)
            best = max(
                (k for k in self.by_first[first] if k.count(" ") == width - 1),
                key=lambda k: fuzz.ratio(key, k),
                default=None,
            )
            if best is not None and fuzz.ratio(key, best) >= 88:
                name = self.names[best][0]
                span = Span(window[0][1], window[-1][2])
                return PartyMention(name.canonical, span, name.party_id, 0.5, name.kind), width
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

    def party_id_of(self, canonical: str) -> int | None:
        """The registry id of a party by its canonical name, if it has one."""
        for names in self.names.values():
            for name in names:
                if name.canonical == canonical and name.party_id is not None:
                    return name.party_id
        return None

    def kind_of(self, name: str) -> str:
        """The kind of a party by its canonical name (armed when unknown)."""
        return self.kinds.get(name, generic_kind(name) if name in GENERIC else "armed")

    def is_name(self, text: str) -> bool:
        """Whether ``text`` is, as a whole, the name of a party."""
        key = " ".join(k for k, _, _ in _tokens(text, 0, len(text)))
        return bool(key) and key in self.names


_ARABIC_FROM_PLACE = re.compile(
    r"(?:نزح|فر|فروا|عاد|عادوا|انسحب|انسحبت|خرج|خرجت|دخل|قادم|قادمة|وصل|وصلت|"
    r"القادمين|اللاجئين|النازحين)\w*$"
)


# "Paris, France" on a line of its own, above a transcript's date: where it was filed.
_DATELINE_CITY_BEFORE = re.compile(r"(?:^|\n)[ \t]*[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){0,2},[ \t]*$")
_LINE_END_AFTER = re.compile(r"[ \t]*(?:\n|\Z|[-—–][ \t])")


def _is_territory(text: str, span: Span) -> bool:
    if _DATELINE_CITY_BEFORE.search(text, max(0, span.start - 40), span.start) and (
        _LINE_END_AFTER.match(text, span.end)
    ):
        return True
    before = text[max(0, span.start - 40) : span.start].split()
    if not before:
        return False
    word = before[-1].lower().strip(",")
    if word == "من":
        # "الجهود … من الولايات المتحدة وروسيا": the efforts of the states; "نزحوا من سوريا": land
        return len(before) > 1 and bool(_ARABIC_FROM_PLACE.search(before[-2]))
    if word == "with" and len(before) > 1 and before[-2].lower() in ("border", "borders"):
        return True  # "the border with Jordan"
    return word in _TERRITORY_BEFORE


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


# Names of registry parties that real 2016 texts use and the registry does not list (written
# for Truce): UN wording, spellings, and the Russian and Arabic forms of the forces.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "Islamic State of Iraq and the Levant": (
        "Islamic State in Iraq and the Levant",
        "Islamic State in Iraq and Syria",
        "Da’esh",
        "Da'esh",
        "ИГИЛ",
        "Исламское государство",
        "داعش",
        "تنظيم الدولة",
    ),
    "Jabhat al-Nusra": ("Al-Nusra Front", "al-Nusra Front", "Nusra", "Джабхат ан-Нусра", "النصرة"),
    "Syrian Democratic Forces": ("Democratic Forces of Syria",),
    "Syrian Arab Army": ("Armed Forces of the Syrian Arab Republic", "Syrian regime forces"),
    "Armed Forces of the Russian Federation (Russian group of forces in Syria)": (
        "Russian Armed Forces",
        "Russian Aerospace Forces",
        "Russia’s Aerospace Forces",
        "Russia's Aerospace Forces",
        "российской военной группировки",
        "российская военная группировка",
        "российской группировки",
        "Вооружённые силы Российской Федерации",
        "Вооруженные силы Российской Федерации",
        "российские вооружённые силы",
        "ВКС",
    ),
}


def _add_generic(book: PartyBook) -> None:
    for canonical, aliases in GENERIC.items():
        # A state's civilian names win over a force listing them as UCDP does ("Government of
        # Syria" is the Syrian government, not the army: labelling policy).
        kind = generic_kind(canonical)
        book.add(canonical, aliases, kind=kind, first=kind == "state")
    for canonical, aliases in EXTRA_ALIASES.items():
        book.add(canonical, aliases, book.party_id_of(canonical))


# "U.N. envoy Staffan de Mistura", "Syria's ambassador to the United Nations", "Kremlin
# spokesman": a body named inside a person's title is not acting (labelling policy).
_TITLE_AFTER = re.compile(
    r"\.?\s+(?:special\s+)?(?:envoy|spokes(?:man|woman|person)|ambassador|humanitarian adviser"
    r"|representative|official)\b",
    re.IGNORECASE,
)
_TITLE_BEFORE = re.compile(r"\b(?:ambassador|envoy|representative)\s+(?:to|at)\s+(?:the\s+)?$")


# "UN Security Council Resolution 2268": the name of a document, not the body acting.
_DOCUMENT_AFTER = re.compile(r"\s+(?:[Rr]esolutions?|[Dd]ocuments?)\s+(?:no\.?\s*)?\d", re.I)
# "المتحدث باسم الأمم المتحدة", "مبعوث الأمم المتحدة": a body in an Arabic title.
_ARABIC_TITLE_BEFORE = re.compile(
    r"(?:باسم|مبعوث|لمبعوث|المبعوث|ممثل|مندوب|سفير|الأمين العام|أمين عام|منسق|مستشار|"
    r"المستشار|وكيل)\s*(?:لل|ل)?$"
)


# "Постоянного представителя Франции при Организации Объединенных Наций", "Председателя
# Совета Безопасности", "резолюции 2139 (2014) Совета Безопасности": a body in a Russian title
# or in a document's name. Russian puts the body after the office, in the genitive.
_RUSSIAN_TITLE_BEFORE = re.compile(
    r"(?:[Пп]редставител\w*|[Пп]редставительств\w*|[Пп]оверенн\w* в делах|[Пп]остпред\w*)"
    r"(?:\s+[^\s,.;:]+){0,4}\s+при\s+$"
    r"|(?:[Пп]редседател\w*|[Сс]пецпосланник\w*|[Пп]осланник\w*|[Пп]редставител\w*|"
    r"[Сс]екретар\w*|[Пп]ресс-секретар\w*|[Оо]фициальн\w+ представител\w*)\s+$"
    r"|[Рр]езолюц\w*\s+(?:№\s*)?\d+(?:\s*\(\d{4}\))?\s+$"
)


_NUMBERED_AFTER = re.compile(r"\s+\d+\s*\(\d{4}\)")


def acting(text: str, mentions: Iterable[PartyMention]) -> list[PartyMention]:
    """The mentions that name an actor, not part of a person's title or a document's name."""
    kept = []
    for m in mentions:
        before = text[max(0, m.span.start - 30) : m.span.start]
        if _TITLE_AFTER.match(text, m.span.end) or _TITLE_BEFORE.search(before):
            continue
        if _DOCUMENT_AFTER.match(text, m.span.end):
            continue
        if _RUSSIAN_TITLE_BEFORE.search(text, max(0, m.span.start - 90), m.span.start):
            continue
        if _NUMBERED_AFTER.match(text, m.span.end):
            continue  # "резолюций Совета Безопасности 2139 (2014)"
        arabic_before = text[max(0, m.span.start - 20) : m.span.start].rstrip()
        if _ARABIC_TITLE_BEFORE.search(arabic_before) or (
            text[m.span.start - 2 : m.span.start] == "لل"
            and _ARABIC_TITLE_BEFORE.search(
                text[max(0, m.span.start - 22) : m.span.start - 2].rstrip()
            )
        ):
            continue
        kept.append(m)
    return kept


def unique(mentions: Iterable[PartyMention]) -> list[PartyMention]:
    """The first mention of each party."""
    seen: set[str] = set()
    first = []
    for mention in mentions:
        if mention.name not in seen:
            seen.add(mention.name)
            first.append(mention)
    return first


# A letter from Syria's mission to the UN ("Постоянного представителя Сирийской Арабской
# Республики при Организации Объединенных Наций") speaks of "my government": Syria's.
_SYRIAN_MISSION = re.compile(
    r"(?:[Пп]редставител\w*|[Пп]редставительств\w*|[Пп]оверенн\w* в делах)\s+"
    r"(?:[^\s,.;:]+\s+){0,3}Сирийской Арабской Республики"
    r"|(?:المندوب|مندوب|القائم بالأعمال)\s+(?:\S+\s+){0,2}(?:لل|ل|ال)?جمهورية العربية السورية"
)
_MY_GOVERNMENT = re.compile(
    r"[Пп]равительств\w* моей страны|(?<![^\W\d_])[Мм]о(?:его|ему|им|ё|е) правительств\w*"
    r"|(?<![^\W\d_])(?:حكومتي|حكومة بلدي)(?![^\W\d_])"
)


def letter_author(text: str, start: int) -> list[PartyMention]:
    """ "My government" in a letter of Syria's mission to the UN, as the Syrian government."""
    if not _SYRIAN_MISSION.search(text):
        return []
    return [
        PartyMention(SYRIAN_GOVERNMENT, Span(m.start(), m.end()), None, 0.6, "state")
        for m in _MY_GOVERNMENT.finditer(text, start)
    ]

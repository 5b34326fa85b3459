"""Events reported in an article, typed with ACLED's event types and sub-types.

A sentence reports an event when it holds a trigger: a word or phrase from the lexicon below
("shelled", "air strikes", "clashes", "agreed", "قصف", "обстрел"), in English, Arabic or
Russian. The trigger gives the type and sub-type; the more specific trigger wins where two
overlap ("suicide car bomb" is a suicide bomb, not a car bomb). A trigger is dropped when the
clause around it negates it ("no shelling", "did not strike") or puts it in the future or the
conditional ("will agree", "threatened to shell", "if the strikes"): the labelling policy
codes only what happened. Denials and accusations are kept, as reported.

Each event then gets:

- a **date**: the day named in the sentence, else the last day named earlier in the same
  paragraph, else the article's lead date (the first day named in the first paragraph that
  names one). A sentence dated only vaguely ("last week", "in February") gives no event;
  neither does an event with no day at all;
- a **place**: the most specific place named in the sentence (town, then district, then
  governorate, then country), else the place of the previous sentence of the paragraph, else
  the country the article is about;
- **actors**: the parties named in the sentence, in order, with states a capital or palace
  stands for ("the Kremlin" is Russia);
- **fatalities**: the first death toll of the sentence ("killing at least 37" is 37), or 0
  when the sentence says nobody died.

Reports of one event collapse: one event per sub-type, place and day, as ACLED codes them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise

from truce.news.article import Article
from truce.news.dates import DAY, DateMention, find_dates
from truce.news.model import Event, PartyMention, Place, Quote, Sentence, Span, SpanIndex
from truce.news.places import datelines
from truce.news.segment import pattern_script, scripts

BATTLES = "Battles"
EXPLOSIONS = "Explosions/Remote violence"
VIOLENCE = "Violence against civilians"
PROTESTS = "Protests"
RIOTS = "Riots"
STRATEGIC = "Strategic developments"
# Captures and recaptures share their triggers; the capturer decides the sub-type.
TERRITORY = "territory"
REGAINS = "Government regains territory"
OVERTAKES = "Non-state actor overtakes territory"

# Where no place is named: the country the article is about, at its GeoNames country point.
_FOCUS_POINTS = {"SY": ("Syria", 35.0, 38.0)}
_SPECIFICITY = {"city": 0, "admin2": 1, "admin1": 2, "region": 3, "country": 4}
_FOREIGN_STATES = frozenset(
    {"United States", "Russia", "Turkey", "International Syria Support Group"}
)


@dataclass(frozen=True)
class Trigger:
    """A pattern that, found in a sentence, says an event of this type happened."""

    type: str
    sub_type: str
    pattern: re.Pattern[str]


def _en(words: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{words})\b", re.IGNORECASE)


def _other(words: str) -> re.Pattern[str]:
    # Arabic and Cyrillic: no \b (Arabic attaches و/ب/ل), but not inside a longer word.
    return re.compile(rf"(?<![^\W\d_])[وبل]?(?:{words})", re.IGNORECASE)


_SHELLS = (
    r"shell(?:s|ed|ing)|mortars?|mortar (?:rounds|shells|bombs|fire)|artillery|rockets?|missiles?"
)
# Most specific first: where two triggers overlap, the earlier one is kept.
TRIGGERS: tuple[Trigger, ...] = (
    Trigger(EXPLOSIONS, "Suicide bomb", _en(
        r"suicide (?:car |truck )?(?:bomb(?:s|er|ers|ing|ings)?|attacks?|attackers?|blasts?)"
        r"|blew (?:himself|themselves) up|explosive belts?|suicide vests?")),
    Trigger(EXPLOSIONS, "Chemical weapon", _en(
        r"chlorine|sarin|mustard gas|toxic gas|poison gas"
        r"|chemical (?:attack|weapons?|munitions?)")),
    Trigger(EXPLOSIONS, "Remote explosive/landmine/IED", _en(
        r"car bombs?|car[- ]bomb(?:ing|ings)?|booby[- ]trapped (?:car|vehicle)s?|land ?mines?"
        r"|roadside bombs?|improvised explosive devices?|IEDs?"
        r"|explosive devices? (?:exploded|went off)")),
    Trigger(EXPLOSIONS, "Grenade", _en(r"grenades?")),
    Trigger(STRATEGIC, "Disrupted weapons use", _en(
        r"defus(?:ed|ing)|dismantl(?:ed|ing) (?:\w+ ){0,2}(?:mines?|explosives?|bombs?|devices?)"
        r"|demin(?:ed|ing)|cleared (?:\w+ ){0,2}(?:mines?|explosives?)")),
    Trigger(EXPLOSIONS, "Air/drone strike", _en(
        r"air ?strikes?|air[- ]raids?|airstrikes?|drone strikes?|barrel bombs?|bombing raids?"
        r"|(?:war)?planes? (?:struck|bombed|hit|pounded|targeted)"
        r"|aircraft (?:struck|bombed|hit|pounded)"
        r"|helicopters? dropped|bombarded from the air|jets? (?:struck|bombed|hit)"
        r"|(?<!the )strikes? (?:on|against|hit|killed)|carried out (?:\w+ )?strikes")),
    Trigger(EXPLOSIONS, "Shelling/artillery/missile attack", _en(_SHELLS)),
    Trigger(VIOLENCE, "Attack", _en(
        r"terrorist attacks?|(?:attacks?|assaults?) (?:on|against|targeting) (?:\w+ ){0,2}?"
        r"(?:civilians?|schools?|hospitals?|markets?|bakery|bakeries|convoys?|camps?|mosques?)"
        r"|massacred?")),
    Trigger(BATTLES, TERRITORY, _en(
        r"recaptured|retook|regained(?: control)?|took back|recapture of|retaking|recapturing"
        r"|captured|seized(?: control)?|overran|(?:took|taking) (?:full )?control|broke the siege"
        r"|breaking the siege|broke through|stormed")),
    Trigger(BATTLES, "Armed clash", _en(
        r"clash(?:es|ed)?|fighting|fought|battles?|firefights?|gun ?battles?"
        r"|exchanged (?:heavy )?fire"
        r"|shot down|downed|ambush(?:ed)?"
        r"|attack(?:ed|ing)? (?:\S+ ){0,3}?(?:positions|checkpoints?|bases?|posts?|barracks)")),
    Trigger(VIOLENCE, "Abduction/forced disappearance", _en(
        r"abduct(?:ed|ion)"
        r"|kidnapp?(?:ed|ing)")),
    Trigger(STRATEGIC, "Arrests", _en(r"arrest(?:ed|s)|detain(?:ed)|rounded up|detentions")),
    Trigger(RIOTS, "Violent demonstration", _en(r"riot(?:s|ed|ing)?|mutiny")),
    Trigger(PROTESTS, "Protest with intervention", _en(
        r"(?:dispersed|broke up) (?:\w+ ){0,3}(?:protest|demonstration|rally|crowd)s?"
        )),
    Trigger(PROTESTS, "Peaceful protest", _en(
        r"(?<!in )protest(?:ed|ers|s)?|demonstrat(?:ed|ion|ions|ors)|rall(?:y|ies|ied)|marched"
        r"|took to the streets")),
    Trigger(STRATEGIC, "Non-violent transfer of territory", _en(
        r"evacuated|(?:left|leaving) (?:the )?(?:besieged )?(?:town|city|area)"
        r"|evacuation of (?:the )?(?:fighters|rebels|last)"
        r"|handed over")),
    Trigger(STRATEGIC, "Change to group/activity", _en(
        r"renamed|rebranded|changed its name|withdr(?:ew|awn|awal)|pulled out"
        r"|declared (?:\w+ ){0,3}over")),
    Trigger(STRATEGIC, "Other", _en(
        r"rejected|turned back|refused entry|blocked (?:the |an )?(?:aid )?convoy")),
    Trigger(STRATEGIC, "Agreement", _en(
        r"agreed(?: upon| on| to)?|reached (?:an |a )?(?:agreement|deal|understanding|arrangement)"
        r"|(?:deal|agreement|arrangement|truce|ceasefire) (?:was )?reached"
        r"|announced\b[^.]{0,30}?\b(?:plan|deal|agreement|arrangement|ceasefire|truce)"
        r"|signed|accept(?:ed|ance)|approved|struck a deal|brokered|committed to"
        r"|(?:announced|adopted) the adoption of|concluded (?:the )?(?:final )?arrangements"
        r"|arrangements concluded"
        r"|(?:agreement|deal|arrangement|understanding)s? (?:\w+ )?announced"
        r"|reaffirmation of the (?:cessation|ceasefire|truce)")),
    # Arabic
    Trigger(EXPLOSIONS, "Suicide bomb", _other(r"انتحاري|انتحارية|تفجير(?:ين)? انتحاري")),
    Trigger(EXPLOSIONS, "Remote explosive/landmine/IED", _other(r"سيارة مفخخة|عبوة ناسفة|لغم")),
    Trigger(EXPLOSIONS, "Air/drone strike", _other(
        r"غارات?|غارة جوية|الطيران الحربي|طائرات? حربية|براميل متفجرة|برميل متفجر"
        r"|أغارت|أغار(?![^\W\d_])|أغاروا")),
    Trigger(EXPLOSIONS, "Shelling/artillery/missile attack", _other(
        r"قصف|قذائف|قذيفة|صواريخ|صاروخ|مدفعية|هاون")),
    Trigger(BATTLES, "Armed clash", _other(r"اشتباكات|اشتباك|معارك|مواجهات")),
    # "استعادة الزخم" (restoring momentum) is no recapture: the noun needs "control".
    Trigger(BATTLES, REGAINS, _other(r"استعادت|استعاد(?!ة)|استعادة السيطرة")),
    # "قيام تنظيم داعش بالهجوم على هذا الموقع … والسيطرة عليه": the noun with its object.
    Trigger(BATTLES, TERRITORY, _other(r"سيطرت|سيطر(?![^\W\d_])|السيطرة عل(?:ى|يه|يها)")),
    Trigger(PROTESTS, "Peaceful protest", _other(
        r"مظاهرة|مظاهرات|تظاهر|احتجاج|احتجاجات"
        r"|وقفة احتجاجية")),
    Trigger(STRATEGIC, "Arrests", _other(r"اعتقال|اعتقلت|اعتقل|حملة اعتقالات")),
    Trigger(STRATEGIC, "Agreement", _other(r"اتفاق|اتفقت|اتفق|وافقت|وافق|قبلت|توقيع")),
    # Russian
    Trigger(EXPLOSIONS, "Suicide bomb", _other(r"смертник\w*")),
    # "подорвали … два заминированных автомобиля": car bombs, not suicide bombs.
    Trigger(EXPLOSIONS, "Remote explosive/landmine/IED", _other(
        r"заминированн\w* (?:автомобил|машин)\w*|автомобил\w*[- ]бомб\w*"
        r"|самодельн\w* взрывн\w* устройств\w*|фугас\w*")),
    Trigger(EXPLOSIONS, "Suicide bomb", _other(r"теракт\w*")),
    Trigger(EXPLOSIONS, "Air/drone strike", _other(
        r"авиаудар\w*|авианалет\w*|бомбардировк\w*"
        r"|удар\w* авиации")),
    Trigger(EXPLOSIONS, "Shelling/artillery/missile attack", _other(
        r"обстрел\w*|минометн\w*|миномет\w*|ракетн\w* удар\w*|артиллери\w*|снаряд\w*")),
    Trigger(BATTLES, "Armed clash", _other(r"бо[йяеи]\b|боев(?!ик)\w*|столкновени\w*|сбит\w*")),
    Trigger(BATTLES, REGAINS, _other(r"освободил\w*|отбил\w*|вернул\w* контроль")),
    Trigger(STRATEGIC, "Agreement", _other(
        r"договорил\w*|соглашени\w*|согласовал\w*|подписал\w*"
        r"|приняли|принял\w*")),
)  # fmt: skip

# Words in the clause before a trigger that make it not (yet) a fact.
# Words in the clause before a trigger that make it not (yet) a fact.
_NOT_HAPPENED = re.compile(
    r"\b(?:no|not|never|without|nor|will|would|could|might|may|should|must|shall|can|if|unless"
    r"|to|plans?|planned|threat(?:en|ened|ens)|vow(?:ed|s)?|warn(?:ed|s)|urged?|calls?|called"
    r"|demand(?:ed|s)?|ready|prepared|intends?|hopes?|ahead of|any|avoid|prevent|possible"
    r"|potential|future|upcoming|proposed|draft|whether|since|eliminat\w*|destr(?:oy|oyed|uction)"
    r"|remov(?:e|al|ing)|dismantl\w*|stockpiles?|arsenals?"
    # a trend or a state of things, not one event: "the escalation of fighting", "a halt in
    # fighting", "continued fighting in some locations"
    r"|escalation|intensification|upsurge|surge|increase|decrease|reduction|levels?"
    r"|halt|end|cessation|continu\w*|ongoing)\b|n't\b"
    r"|(?<![^\W\d_])(?:لم|لن|لا|سوف|قد|عدم|не|нет|будут?|будет|может|могут|если)(?![^\W\d_])",
    re.IGNORECASE,
)
# Words just after a trigger that deny it or make it an ongoing state, not an event.
_NOT_AFTER = re.compile(
    r"\s*(?:(?:has|have|had|was|were|is|are)\s+)?(?:not\b|never\b|continu|(?:still\s+)?going on)",
    re.IGNORECASE,
)
# "43 armed groups had signed up": a count of acceptances or violations, not one event.
_COUNTED = re.compile(r"\b\d+\s+(?:\w+\s+)?(?:groups|factions|violations|parties)\b", re.IGNORECASE)
# "the strikes", "these clashes": a noun referring back to an event told elsewhere.
_BACK_REFERENCE = re.compile(
    r"\b(?:the|these|this|those|its|their|that)\s+(?:\S+\s+)?$", re.IGNORECASE
)
# "forces backed by Russian air strikes recaptured": the strikes support, the capture happened.
_SUPPORTING = re.compile(
    r"\b(?:backed|supported|aided|enabled) by\s+(?:\S+\s+){0,2}$"
    r"|\b(?:cover|help) of\s+(?:\S+\s+){0,2}$"
)
# "Strikes against them will continue": what comes next, not what happened.
_FUTURE_AFTER = re.compile(
    r"(?:\s+\S+){0,2}?\s+(?:will|would|could|may|might|must|should|shall|are to|is to)\b",
    re.IGNORECASE,
)
# "effectively fighting terrorist groups", "the fight against terrorism": a campaign, no event.
_CAMPAIGN_AFTER = re.compile(
    r"\s+(?:against\s+)?(?:international\s+)?(?:terrorist\s+groups|terrorism|terrorists|"
    r"extremists)\b"
    # "Syria's chemical weapons programme": a means held, not used
    r"|\s+(?:programmes?|programs?|stockpiles?|arsenals?|capabilit(?:y|ies))\b",
    re.IGNORECASE,
)
# "The truce, brokered by …", "the U.S.-and-Russia-brokered truce": the deal described, not made.
_DESCRIBED = re.compile(r"(?:,\s*|-)$")
_CONDITIONAL = re.compile(r"\b(?:if|unless|whether|once)\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[,;:—–()\"“”«»]|\b(?:and|but|while|after|as|when|which|who|that)\b")
_LOOKBACK = 40  # characters before the trigger inside its clause
_OPENING_CHARS = 200  # a dateline stands within the body's first lines
_PROSE_END = re.compile(r"[.!?؟…\"”»’')]\s*$")
_DATELINE_END = re.compile(r"[^\n]{0,80}?\s[-—–]\s")
# "east of Damascus": a place that only locates another.
_RELATIVE = re.compile(
    r"\b(?:north|south|east|west|north-east|north-west|south-east|south-west|northeast|northwest"
    r"|southeast|southwest)(?:ern)?\s+(?:of\s+)?(?:the\s+)?$|(?:غربي|شرقي|شمالي|جنوبي)\s+$",
    re.IGNORECASE,
)
_GOVERNMENT_SIDE = (
    re.compile(
        r"\b(?:government|regime|army|loyalist|pro-government|Syrian troops)\b", re.IGNORECASE
    ),
    frozenset({
        "Syrian Arab Army", "Syrian government", "National Defence Forces", "Hezbollah",
        "Armed Forces of the Russian Federation (Russian group of forces in Syria)",
    }),
)  # fmt: skip
_RECAPTURE = re.compile(r"^re|^took back|استعاد", re.IGNORECASE)

_COUNT = (
    r"(?P<n>\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen"
    r"|twenty|thirty|forty|fifty|a hundred|dozens)"
)
_HEDGE = (
    r"(?:at least |about |around |some |nearly |almost |more than |over |up to |an estimated "
    r"|roughly )?"
)
_DEATHS = (
    re.compile(
        rf"\b(?:killing|killed|kills|leaving|left)\s+{_HEDGE}{_COUNT}\b"
        r"(?!\s*(?:km|kilomet|miles|percent|%))",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b{_HEDGE}{_COUNT}\s+(?:\w+\s+){{0,3}}(?:were|was|have been|had been|are|being)?\s*"
        r"(?:killed|dead|died|lost their lives)\b(?!\s+(?:and|or)\s+(?:injured|wounded|hurt))",
        re.IGNORECASE,
    ),
    re.compile(rf"\bdeath toll\s+(?:\w+\s+){{0,3}}{_HEDGE}{_COUNT}\b", re.IGNORECASE),
    re.compile(r"(?:مقتل|استشهاد|سقوط)\s+(?P<n>[0-9٠-٩]+)"),
    re.compile(r"(?P<n>[0-9٠-٩]+)\s+(?:قتلى|قتيلا|قتيلاً|شهداء|شهيدا)"),
    re.compile(
        r"(?:погибл\w*|убит\w*)\s+(?:более |свыше |не менее |по меньшей мере |около |до )?"
        r"(?P<n>\d+)|(?P<m>\d+)\s+(?:человека?\s+)?(?:погибл\w*|убит\w*)"
    ),
)
_NO_DEATHS = re.compile(
    r"\bno (?:one|body) (?:was )?(?:killed|hurt|injured)|\bnobody (?:was )?(?:killed|hurt|injured)"
    r"|\bno (?:casualties|deaths|fatalities|injuries|victims|one died)"
    r"|\bwithout (?:casualties|injuries)"
    r"|\bcaused no (?:casualties|deaths|injuries)|\bno reports? of (?:casualties|deaths|injuries)"
    r"|دون (?:وقوع )?إصابات|لا إصابات|без жертв|не пострадал",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "a hundred": 100, "dozens": 24,
}  # fmt: skip
_AR_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")

# States named through their capital or seat of government, for actors.
_STATE_NAMES = (
    (re.compile(r"\b(?:the )?(?:U\.S\.|US|USA|United States|Washington|White House|Pentagon)\b"),
     "United States"),
    (re.compile(r"\b(?:Russia|Moscow|Kremlin|Россия|России|Москва|Кремль)\b"), "Russia"),
    (re.compile(r"\b(?:Turkey|Ankara)\b"), "Turkey"),
)  # fmt: skip


@dataclass(frozen=True)
class _Found:
    trigger: Trigger
    span: Span
    sentence: Sentence


@dataclass(frozen=True)
class _Context:
    """What the whole article tells every sentence: dates, places, parties, quotations."""

    text: str
    dates: SpanIndex[DateMention]
    places: SpanIndex[Place]
    parties: SpanIndex[PartyMention]
    quotes: SpanIndex[Span]
    paragraphs: dict[int, Span]  # each paragraph's sentences, first to last
    triggers: SpanIndex[tuple[int, Trigger, Span]]  # (rank in TRIGGERS, trigger, where)
    dateline: Place | None
    focus: Place
    lead: date | None
    published: date | None
    # For the first i places: the last town, and the last place, in the focus country.
    last_town: list[Place | None]
    last_named: list[Place | None]
    next_sentence: dict[int, Sentence] = field(default_factory=dict)  # by the sentence's start


def find_events(
    article: Article,
    sentences: Sequence[Sentence],
    places: Sequence[Place],
    parties: Sequence[PartyMention],
    quotes: Sequence[Quote] = (),
) -> list[Event]:
    """The events the body reports, one per sub-type, place and day."""
    context = _context(article, sentences, places, parties, quotes)
    events: list[Event] = []
    for sentence in sentences:
        if _prose(context, sentence):
            events += _sentence_events(context, sentence)
    return merge(events)


def _prose(context: _Context, sentence: Sentence) -> bool:
    """Whether the sentence's paragraph ends like prose: headlines repeated in the page, tickers
    and bylines do not, and the title is not where events are counted."""
    end = context.paragraphs[sentence.paragraph].end
    return _PROSE_END.search(context.text[max(0, end - 3) : end]) is not None


def _context(
    article: Article,
    sentences: Sequence[Sentence],
    places: Sequence[Place],
    parties: Sequence[PartyMention],
    quotes: Sequence[Quote],
) -> _Context:
    text = article.text
    headers = SpanIndex(_dateline_headers(text, article.body_start), lambda span: span)

    def in_header(span: Span) -> bool:
        return bool(headers.containing(span))

    dates = find_dates(text, article.published, article.body_start)
    body_dates = [m for m in dates if not in_header(m.span)]
    # Where the story was filed opens it; "New York, 22 February 2016" below a statement says
    # where it was issued, not where what it reports was made.
    opening = Span(article.body_start, article.body_start + _OPENING_CHARS)
    dateline = next((p for p in places if in_header(p.span) and opening.contains(p.span)), None)
    lead = next((m.value for m in body_dates if m.kind == DAY and m.value), None)
    paragraphs: dict[int, Span] = {}
    for sentence in sentences:
        known = paragraphs.get(sentence.paragraph, sentence.span)
        paragraphs[sentence.paragraph] = Span(known.start, max(known.end, sentence.span.end))
    located = SpanIndex(
        (p for p in places if not in_header(p.span) and not _road(p)),
        lambda place: place.span,
    )
    focus = _focus_place(places)
    return _Context(
        text=text,
        dates=SpanIndex(body_dates, lambda mention: mention.span),
        places=located,
        parties=SpanIndex(parties, lambda party: party.span),
        quotes=SpanIndex((q.outer for q in quotes), lambda span: span),
        paragraphs=paragraphs,
        triggers=_all_triggers(text, article.body_start),
        dateline=dateline,
        focus=focus,
        lead=lead,
        published=article.published.date() if article.published else None,
        last_town=_running_last(
            located.items, lambda p: p.country == focus.country and p.kind == "city"
        ),
        last_named=_running_last(located.items, lambda p: p.country == focus.country),
        next_sentence={a.span.start: b for a, b in pairwise(sentences)},
    )


def _running_last(places: list[Place], wanted: Callable[[Place], bool]) -> list[Place | None]:
    """``result[i]``: the last wanted place among ``places[:i]``."""
    result: list[Place | None] = [None]
    for place in places:
        result.append(place if wanted(place) else result[-1])
    return result


def _dateline_headers(text: str, body_start: int) -> list[Span]:
    """'HAMA, Syria, Feb 29 (Orontes Press) - ': a dateline up to its dash."""
    headers = []
    for line in datelines(text, body_start):
        end = _DATELINE_END.match(text, line.start)
        headers.append(Span(line.start, end.end() if end else line.end))
    return headers


def _sentence_events(context: _Context, sentence: Sentence) -> list[Event]:
    found = _triggers(context, sentence)
    if not found:
        return []
    own_places = [p for p in context.places.within(sentence.span) if not _clock(context.text, p)]
    events = []
    for item in _one_per_territory(context, found):
        day, day_span = _day(context, sentence, item)
        if day_span is None and item.trigger.type == STRATEGIC:
            day = _news_of_the_day(context, sentence, item)
            if day is None:
                continue  # decisions are dated by their own sentence
            day_span = Span(sentence.span.start, sentence.span.start)
        when = day if day_span is not None or not _back_reference(context.text, item.span) else None
        if when is None:
            continue
        actors = _actors(context.text, sentence.span, context.parties.within(sentence.span))
        listed = _listed_towns(context.text, item, own_places)
        for place in listed or [_where(context, sentence, item, own_places, actors)]:
            event = _event(context.text, item, when, day_span, place, actors, bool(own_places))
            if event.fatalities is None and not listed:
                event = replace(event, fatalities=_next_toll(context, sentence))
            if day_span is None and place is context.focus and event.fatalities is None:
                continue  # "We have seen indiscriminate attacks on civilians": no day, no place
            events.append(event)
    return events


# "(Damascus time)", "at 00:01 in Damascus": a clock, not where anything happened.
_CLOCK_AFTER = re.compile(r"\s+time\b|\s*\)?\s*\(?\s*(?:GMT|UTC)", re.IGNORECASE)
_CLOCK_BEFORE = re.compile(r"\b\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?\s+in\s+$", re.IGNORECASE)


def _clock(text: str, place: Place) -> bool:
    before = text[max(0, place.span.start - 16) : place.span.start]
    return bool(_CLOCK_AFTER.match(text, place.span.end) or _CLOCK_BEFORE.search(before))


# A road locates an event along it; the event is coded at the towns it names, if any.
_ROAD = re.compile(r"\b(?:road|highway|route)\b", re.IGNORECASE)


def _road(place: Place) -> bool:
    return place.kind == "region" and _ROAD.search(place.entry) is not None


# Strikes, shelling and attacks that one sentence reports on a list of towns ("the terrorist
# attacks in Jableh and Tartous", "air strikes hit Saraqeb, Binnish and Taftanaz"): one event
# each, as ACLED codes them. Not for clashes and captures, which name their front by its towns.
_LIST_TYPES = frozenset({EXPLOSIONS, VIOLENCE})
_LIST_JOIN = re.compile(r"\s*(?:,|،|\band\b|\bو)\s*(?:and\s+)?$|^\s*(?:,|،)?\s*(?:and|و)?\s*$")


def _listed_towns(text: str, found: _Found, places: list[Place]) -> list[Place]:
    if found.trigger.type not in _LIST_TYPES:
        return []
    towns = [p for p in places if p.kind == "city" and p.span.start > found.span.start]
    run: list[Place] = []
    for town in towns:
        gap = text[(run[-1].span.end if run else found.span.end) : town.span.start]
        if run and not _LIST_JOIN.search(gap):
            break
        if not run and (len(gap) > 60 or re.search(r"[.;]", gap)):
            break
        run.append(town)
    return run if len(run) > 1 else []


# "… the attack. Fourteen people were killed": a toll in the next sentence of the paragraph.
_TOLL_OPENING = re.compile(
    r"^\s*(?:the\s+(?:attack|strike|strikes|raid|raids|blast|explosion|bombing|shelling|"
    r"shells|rockets)\b|(?:at least|more than|about|some|nearly)?\s*\w+\s+(?:people|civilians|"
    r"children|soldiers|fighters|members)\b|(?:at least|more than)\b)",
    re.IGNORECASE,
)


def _next_toll(context: _Context, sentence: Sentence) -> int | None:
    following = context.next_sentence.get(sentence.span.start)
    if following is None or following.paragraph != sentence.paragraph:
        return None
    words = following.span.of(context.text)
    if not _TOLL_OPENING.match(words) or (
        context.triggers.within(following.span)
        and not (_TOLL_OPENING.match(words) and re.match(r"^\s*the\s", words, re.IGNORECASE))
    ):
        return None
    return fatalities(words)


_TRIGGER_SCRIPTS = tuple(pattern_script(trigger.pattern) for trigger in TRIGGERS)


def _all_triggers(text: str, start: int) -> SpanIndex[tuple[int, Trigger, Span]]:
    # Each pattern runs once over the body, not once per sentence: a long article has many;
    # and only the patterns of the scripts the article is written in.
    written = scripts(text[start:])
    found = [
        (rank, trigger, Span(match.start(), match.end()))
        for rank, trigger in enumerate(TRIGGERS)
        if _TRIGGER_SCRIPTS[rank] is None or _TRIGGER_SCRIPTS[rank] in written
        for match in trigger.pattern.finditer(text, start)
    ]
    return SpanIndex(found, lambda item: item[2])


def _triggers(context: _Context, sentence: Sentence) -> list[_Found]:
    text = context.text
    taken: list[_Found] = []
    # In TRIGGERS' order, so the more specific of two overlapping triggers is kept.
    for _, trigger, span in sorted(context.triggers.within(sentence.span), key=_rank):
        if any(span.overlaps(other.span) for other in taken):
            continue
        if context.quotes.containing(span):
            continue  # what a speaker says happened is their statement, not our event
        if _happened(text, sentence.span.start, span):
            taken.append(_Found(trigger, span, sentence))
    return sorted(taken, key=lambda found: found.span.start)


def _rank(item: tuple[int, Trigger, Span]) -> tuple[int, int]:
    return item[0], item[2].start


def _happened(text: str, sentence_start: int, span: Span) -> bool:
    """Whether the words around the trigger leave it a fact (not negated, not to come)."""
    before = text[max(sentence_start, span.start - _LOOKBACK) : span.start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    clause = before[breaks[-1].end() :] if breaks else before
    if _NOT_HAPPENED.search(clause) or _COUNTED.search(clause) or _SUPPORTING.search(clause):
        return False
    written = text[span.start : span.end]
    if _CONDITIONAL.search(written):
        return False  # "announced that if the truce holds …"
    if written.lower() == "brokered" and _DESCRIBED.search(
        text[max(0, span.start - 3) : span.start]
    ):
        return False
    if _FUTURE_AFTER.match(text, span.end) or _CAMPAIGN_AFTER.match(text, span.end):
        return False
    return _NOT_AFTER.match(text, span.end) is None


def _back_reference(text: str, span: Span) -> bool:
    return _BACK_REFERENCE.search(text[max(0, span.start - 30) : span.start]) is not None


def _one_per_territory(context: _Context, found: list[_Found]) -> list[_Found]:
    """A capture absorbs the fighting and strikes of its sentence; its capturer types it."""
    territory = [f for f in found if f.trigger.sub_type in (TERRITORY, REGAINS)]
    if not territory:
        return found
    first = territory[0]
    sub_type = _capture_type(context, first)
    return [replace(first, trigger=replace(first.trigger, sub_type=sub_type))] + [
        f for f in found if f.trigger.type not in (BATTLES, EXPLOSIONS)
    ]


def _capture_type(context: _Context, found: _Found) -> str:
    if found.trigger.sub_type == REGAINS:
        return REGAINS
    before = Span(found.sentence.span.start, found.span.start)
    named = [p.name for p in context.parties.within(before)]
    words = before.of(context.text)
    pattern, parties = _GOVERNMENT_SIDE
    if named:
        return REGAINS if named[0] in parties else OVERTAKES
    if pattern.search(words) or _RECAPTURE.search(found.span.of(context.text)):
        return REGAINS
    return OVERTAKES


def _event(
    text: str,
    found: _Found,
    day: date,
    day_span: Span | None,
    place: Place | None,
    actors: tuple[str, ...],
    placed: bool,
) -> Event:
    span = found.sentence.span
    confidence = 0.45 + 0.2 * (day_span is not None) + 0.2 * placed + 0.1 * bool(actors)
    return Event(
        type=found.trigger.type,
        sub_type=found.trigger.sub_type,
        span=span,
        trigger=found.span.of(text),
        date=day,
        date_span=day_span,
        place=place,
        actors=actors,
        fatalities=fatalities(span.of(text)),
        confidence=round(min(confidence, 0.95), 2),
    )


def _news_of_the_day(context: _Context, sentence: Sentence, found: _Found) -> date | None:
    """An agreement the opening of a dated text reports without a day of its own ("we approved
    joint statements … on the cessation of hostilities"): the news of the publication day."""
    if context.published is None or found.trigger.sub_type != "Agreement":
        return None
    if sentence.paragraph > _OPENING_PARAGRAPHS:
        return None
    before = context.text[max(sentence.span.start, found.span.start - 20) : found.span.start]
    if _SAYS_BEFORE.search(before):
        return None  # "a faction that says it has accepted the truce": a stance described
    if context.dates.starting_in(context.paragraphs[sentence.paragraph].start, sentence.span.end):
        return None
    after = context.text[found.span.end : sentence.span.end]
    infinitive = found.span.of(context.text).endswith(" to") and _INFINITIVE.match(after)
    if infinitive or _THAT_AFTER.match(after) or not _TRUCE_WORDS.search(after):
        return None
    return context.published


_OPENING_PARAGRAPHS = 2  # the title is paragraph 0
_SAYS_BEFORE = re.compile(r"\bsays?\b", re.IGNORECASE)
# "committed to intensify their efforts", "agreed that their officials would …": an intent or a
# view, not a deal made.
_INFINITIVE = re.compile(r"\s+(?!the\b|a\b|an\b)[a-z]+\b")
_THAT_AFTER = re.compile(r"\s+that\b")
_TRUCE_WORDS = re.compile(
    r"\b(?:cessation|ceasefire|cease-fire|truce|agreement|arrangements?|deal|statements?|pause)\b"
    r"|прекращени|перемири|هدنة|وقف",
    re.IGNORECASE,
)


# "It was agreed that the cessation commences … on February 27": the day it starts, not the day
# it was agreed.
_STARTS = re.compile(
    r"\b(?:commence\w*|begin\w*|began|start\w*|take\w* effect|come\w* into force|from|until|"
    r"(?:no )?later than)\b",
    re.IGNORECASE,
)


def _day(
    context: _Context, sentence: Sentence, found: _Found | None = None
) -> tuple[date | None, Span | None]:
    """The sentence's own day, else the last day named before it in its paragraph, else the
    article's lead day. A sentence dated only vaguely has no day."""
    inside = context.dates.within(sentence.span)
    if found is not None and found.trigger.sub_type == "Agreement":
        inside = [
            m
            for m in inside
            if m.span.start < found.span.start
            or not _STARTS.search(context.text[found.span.end : m.span.start])
        ]
    days = [m for m in inside if m.kind == DAY and m.value is not None]
    if days:
        return days[0].value, days[0].span
    if inside:
        return None, None
    start = context.paragraphs[sentence.paragraph].start
    earlier = [
        m.value
        for m in context.dates.starting_in(start, sentence.span.start)
        if m.kind == DAY and m.value is not None
    ]
    return (earlier[-1] if earlier else context.lead), None


def _where(
    context: _Context,
    sentence: Sentence,
    found: _Found,
    own: list[Place],
    actors: tuple[str, ...],
) -> Place:
    """The most specific place of the sentence; else, for an agreement between states, the
    country it is about; else the last town named before, the dateline's, or the country."""
    text = context.text
    located = [p for p in own if not _stands_for_state(text, p)]
    if found.trigger.sub_type == "Agreement":
        # Filed abroad ("GENEVA —"), a nationwide deal is coded where it was made (below).
        abroad = context.dateline is not None and context.dateline.country != context.focus.country
        covered = [
            p
            for p in located
            if _COVERED_BY_TRUCE.search(text[max(0, p.span.start - 60) : p.span.start])
            and not (abroad and p.kind == "country")
        ]
        if covered:
            return covered[0]
    located = [
        p
        for index, p in enumerate(located)
        if not (index and _INCLUDED.search(text[max(0, p.span.start - 12) : p.span.start]))
    ]
    if located:
        return min(
            located, key=lambda p: (_SPECIFICITY.get(p.kind, 5), _relative(text, p), p.span.start)
        )
    country = context.focus.country
    if found.trigger.sub_type == "Agreement" and actors and actors[0] in _FOREIGN_STATES:
        abroad = context.dateline is not None and context.dateline.country != country
        return context.dateline if abroad and context.dateline else context.focus
    seen = bisect_left(context.places.starts, sentence.span.start)
    town, named = context.last_town[seen], context.last_named[seen]
    if town is not None:
        return town
    if context.dateline is not None and context.dateline.country == country:
        return context.dateline
    return named or context.focus


# "the cessation of hostilities in Syria", "the renewed cessation in Aleppo": where a truce holds
# is where the agreement on it is coded, whatever other places the sentence names.
_COVERED_BY_TRUCE = re.compile(
    r"\b(?:cessation(?: of hostilities)?|ceasefire|cease-fire|truce|calm|pause)"
    r"(?:\s+(?:agreement|arrangements?|deal|regime|efforts?))?"
    r"\s+(?:in|to|for|across|throughout)\s+(?:the\s+)?(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)
# "Aleppo province, including Aleppo city": a part of the place named before it.
_INCLUDED = re.compile(r"\bincluding\s+(?:the\s+)?$", re.IGNORECASE)


def _stands_for_state(text: str, place: Place) -> bool:
    return any(pattern.fullmatch(place.span.of(text)) for pattern, _ in _STATE_NAMES)


def _relative(text: str, place: Place) -> bool:
    return _RELATIVE.search(text[max(0, place.span.start - 25) : place.span.start]) is not None


def _focus_place(places: Sequence[Place]) -> Place:
    countries = [p for p in places if p.kind == "country"]
    if countries:
        return countries[0]
    name, lat, lon = _FOCUS_POINTS["SY"]
    return Place(name, Span(0, 0), lat, lon, "SY", name, "country", confidence=0.3)


def _actors(text: str, span: Span, parties: Sequence[PartyMention]) -> tuple[str, ...]:
    named = [(p.span.start, p.name) for p in parties]
    for pattern, state in _STATE_NAMES:
        named += [(m.start(), state) for m in pattern.finditer(text, span.start, span.end)]
    ordered: list[str] = []
    for _, name in sorted(named):
        if name not in ordered:
            ordered.append(name)
    return tuple(ordered)


def fatalities(sentence: str) -> int | None:
    """The first death toll the sentence gives, 0 when it says nobody died, else None."""
    first: tuple[int, int] | None = None
    for pattern in _DEATHS:
        match = pattern.search(sentence)
        if match and (first is None or match.start() < first[0]):
            value = _count(match.groupdict().get("n") or match.groupdict().get("m") or "")
            if value is not None:
                first = (match.start(), value)
    if first is not None:
        return first[1]
    return 0 if _NO_DEATHS.search(sentence) else None


def _count(word: str) -> int | None:
    word = word.lower().translate(_AR_DIGITS).replace(",", "")
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word)


def merge(events: Iterable[Event]) -> list[Event]:
    """One event per sub-type, place and day: later reports add actors and a missing toll."""
    kept: dict[tuple[str, str | None, date | None], Event] = {}
    for event in events:
        key = (event.sub_type, event.place.entry if event.place else None, event.date)
        if key not in kept:
            kept[key] = event
            continue
        first = kept[key]
        actors = first.actors + tuple(a for a in event.actors if a not in first.actors)
        toll = first.fatalities if first.fatalities is not None else event.fatalities
        kept[key] = replace(
            first,
            actors=actors,
            fatalities=toll,
            confidence=max(first.confidence, event.confidence),
        )
    return list(kept.values())

"""People named in an article, with the role and affiliation written beside the name.

A capitalised run of two to five words is a person when a role comes before it ("Kremlin
spokesman Dmitry Peskov"), a reporting verb next to it ("Earnest said", "said Xelil"), or an
appositive role after it ("John Kerry, the U.S. Secretary of State"). Later mentions by surname
resolve to the full name given first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from truce.news.model import Person, Span

ROLE_WORDS = frozenset(
    """president prime minister foreign defence defense secretary spokesman spokeswoman
    spokesperson envoy ambassador general gen. lieutenant colonel col. major maj. commander
    leader chief head official representative deputy director governor mayor senator king
    emir sheikh sheik ayatollah chairman coordinator negotiator adviser advisor aide analyst
    researcher doctor dr. mr. mrs. ms. prof. activist resident founder member mufti lt.
    brigadier admiral captain capt. sergeant undersecretary under-secretary press
    correspondent editor monitor observer""".split()
)
# Words that make a capitalised run an organisation or a place, not a person.
NOT_NAME = frozenset(
    """army front forces force committee ministry council agency news group brigade brigades
    division union movement party state states nations coalition units legion corps house
    department office centre center command army's government regime republic islamic
    observatory network red crescent defence defense civil international support task syria
    syrian russia russian turkey turkish iran iranian iraq jordan lebanon united kremlin america
    pentagon reuters press monday tuesday wednesday thursday friday saturday sunday january
    february march april may june july august september october november december jabhat
    jaysh jaish harakat liwa ahrar faylaq failaq hezbollah hizbollah daesh isil isis al-
    qaeda al-nusra nusra sham province governorate city countryside road airport base north
    south east west northern southern eastern western central the a an in on at of for and
    but if when after before during rights human affairs relations crisis affairs programme
    program organisation organization fund society institute university council media
    channel television radio newspaper times post daily""".split()
)
CUES = (
    "said|says|told|added|stressed|warned|noted|stated|declared|announced|confirmed|cautioned|"
    "insisted|urged|explained|claimed|asserted|emphasised|emphasized|underlined|argued|"
    "acknowledged|complained|accused|denied|wrote|tweeted|replied|responded|predicted|pledged|"
    "promised|vowed|reiterated|maintained|recalled|observed|commented|suggested|estimated|"
    "reported|described|called|quoted|admitted|agreed|demanded|announces|adds|stresses|warns|"
    "repeated|alleged|charged|conceded|indicated|affirmed|assured|countered|disclosed|revealed|"
    "remarked|contended|signalled|signaled|wrote|briefed|informed|describing|saying|continued|"
    "stressing|warning|noting|adding|insisting|emphasizing|emphasising|underlining|cautioning|"
    "قال|وقال|أكد|وأكد|أضاف|وأضاف|أعلن|وأعلن|أعلنت|وأعلنت|أوضح|وأوضح|صرح|ذكر|وذكر|أشار|وأشار|"
    "لفت|ولفت|وصف|ووصف|قائلا|قائلاً|مشيرا|مشيراً|مضيفا|مضيفاً|موضحا|موضحاً|مؤكدا|مؤكداً|"
    "заявил|заявила|сказал|сказала|сообщил|сообщила|отметил|отметила|подчеркнул|добавил|"
    "подчеркнула|добавила|пояснил|пояснила|уточнил|уточнила|указал|указала|напомнил|напомнила|"
    "выразил надежду|выразила надежду|считает|полагает|признал|признала|констатировал"
)
_PARTICLE = r"(?:al|el|bin|ibn|abu|abd|de|di|van|von|der|du|la|le|da|ad|as|ash|an|ar)"
_WORD = r"[A-Z][\w'’]*(?:-[A-Za-z][\w'’]*)*"
_NAME = re.compile(rf"\b{_WORD}(?:\s+(?:{_PARTICLE}[-\s])?{_WORD}){{1,4}}")
_CUE_AFTER = re.compile(rf"^(?:,[^,]{{0,60}},)?\s+(?:{CUES})\b")
_CUE_BEFORE = re.compile(rf"\b(?:{CUES}|according to)\s+(?:[\w.'’-]+\s+){{0,5}}$")
_APPOSITIVE = re.compile(r"^,\s+(?:the\s+|a\s+|an\s+)?([^,.;]{3,140}?),")
_LOCATIVE = re.compile(r"\b(?:in|at|from|to|near|into|outside|via)\s+$")
_ROLE_BEFORE = re.compile(r"((?:[\w.'’-]+\s+){0,6})$")


# People the 2016 news names without a role or a cue beside them ("Vladimir Putin had a
# telephone conversation with …"): the officials of the cessation, written for Truce.
KNOWN = frozenset(
    """Vladimir Putin|Barack Obama|John Kerry|Sergei Lavrov|Sergey Lavrov|Bashar al-Assad|
    Bashar Assad|Staffan de Mistura|Ban Ki-moon|Sergei Shoigu|Sergey Shoigu|Ash Carter|
    Jan Egeland|Stephen O’Brien|Stephen O'Brien|Recep Tayyip Erdogan|Hassan Rouhani|
    Walid al-Moualem|Riyad Hijab|Mark Toner|John Kirby|Maria Zakharova|Dmitry Peskov|
    Igor Konashenkov|Josh Earnest|Samantha Power|Vitaly Churkin|Bashar al-Jaafari""".replace(
        "\n", ""
    ).split("|")
)
_KNOWN = frozenset(name.strip() for name in KNOWN)


@dataclass(frozen=True)
class _Candidate:
    name: str
    span: Span


_TITLE_WORDS = ROLE_WORDS | {"state", "foreign", "defence", "defense", "interior", "u.s.", "u.n."}
_PART_OF_NAME = re.compile(r"[A-Z][\w'’.-]*\s+(?:of|for|and)\s+$")


def _bare(word: str) -> str:
    """A word without its possessive or a trailing comma ("State's" -> state; not "tate")."""
    return re.sub(r"(?:['’]s)?[,'’]*$", "", word.lower())


def _is_title(word: str) -> bool:
    parts = _bare(word).split("-")
    return all(part in _TITLE_WORDS for part in parts)


def _candidates(text: str, start: int) -> list[_Candidate]:
    found = []
    for match in _NAME.finditer(text, start):
        words = match.group(0).split()
        # A name comes last: "Russian President Vladimir Putin", "Kremlin spokesman Dmitry Peskov".
        cut = max(
            (i for i, w in enumerate(words) if _is_title(w) or _bare(w) in NOT_NAME),
            default=-1,
        )
        words = words[cut + 1 :]
        if len(words) < 2:
            continue
        if " ".join(words) not in _KNOWN and _PART_OF_NAME.search(
            text[max(0, match.start() - 40) : match.start()]
        ):
            continue  # the tail of "Observatory for Human Rights"
        name = " ".join(words)
        begin = match.end() - len(match.group(0)) + match.group(0).index(words[0])
        found.append(
            _Candidate(
                name.rstrip("'’s") if name.endswith("'s") else name, Span(begin, begin + len(name))
            )
        )
    return found


def _role(text: str, span: Span) -> tuple[str | None, str | None]:
    window = text[max(0, span.start - 80) : span.start]
    window = window[window.rfind("\n") + 1 :]  # a role never reaches into the line before
    before = _ROLE_BEFORE.search(window)
    words = before.group(1).split() if before else []
    for index in range(len(words) - 1, -1, -1):  # a role does not reach into the previous sentence
        if (
            words[index].endswith((".", "!", "?"))
            and words[index].lower() not in ROLE_WORDS
            and (len(words[index]) > 4)
        ):
            words = words[index + 1 :]
            break
    role_at = [i for i, word in enumerate(words) if word.lower().strip(",") in ROLE_WORDS]
    if role_at:
        first = role_at[0]
        while first > 0 and words[first - 1][:1].isupper():
            first -= 1
        phrase = words[first:]
        roles = [w for w in phrase if w.lower() in ROLE_WORDS]
        affiliation = " ".join(w for w in phrase if w.lower() not in ROLE_WORDS) or None
        return " ".join(roles), affiliation
    after = _APPOSITIVE.match(text[span.end : span.end + 150])
    if after and any(w.lower() in ROLE_WORDS for w in after.group(1).split()):
        return after.group(1).strip(), None
    return None, None


def find_people(text: str, start: int = 0) -> list[Person]:
    """Every person named from ``start`` on, each mention with its role when one is written."""
    people: list[Person] = []
    known: dict[str, str] = {}  # surname → full name
    for candidate in _candidates(text, start):
        if headline_at(text, candidate.span.start):
            continue  # "Permanent Representative Blames Crisis on Neighbour": a subheading
        role, affiliation = _role(text, candidate.span)
        acting = _CUE_AFTER.match(text[candidate.span.end : candidate.span.end + 80]) or (
            _CUE_BEFORE.search(text[max(0, candidate.span.start - 60) : candidate.span.start])
        )
        after_place_word = _LOCATIVE.search(
            text[max(0, candidate.span.start - 12) : candidate.span.start]
        )
        if after_place_word and not role:
            continue  # "told reporters in New York": a place, not a person
        if role or acting or candidate.name in known.values() or candidate.name in _KNOWN:
            people.append(Person(candidate.name, candidate.span, role, affiliation))
            known.setdefault(candidate.name.split()[-1], candidate.name)
    return people


_LINE_END = re.compile(r"[.!?:;\"”»…)\]]\s*$")


def headline_at(text: str, at: int) -> bool:
    """Whether ``at`` lies in a line of its own that reads as a heading: short, with no closing
    punctuation, and (in Latin script) its words capitalised ("Obama: IS losing ground",
    "Saturday is 'Critical'", a subtitle in title case)."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start : end if end >= 0 else len(text)].strip()
    if not line or _LINE_END.search(line):
        return False
    words = line.split()
    if len(words) > 18:
        return False
    latin = [w for w in words if w[:1].isalpha() and w[:1].isascii()]
    if not latin:
        return len(words) <= 10
    capitals = sum(w[:1].isupper() for w in latin if len(w) > 3)
    long_words = sum(1 for w in latin if len(w) > 3)
    return len(words) <= 6 or (long_words > 0 and capitals >= 0.7 * long_words)


def surnames(people: list[Person]) -> dict[str, Person]:
    """The first full mention of each person, by surname (and by full name)."""
    index: dict[str, Person] = {}
    for person in people:
        index.setdefault(person.name, person)
        index.setdefault(person.name.split()[-1], person)
    return index

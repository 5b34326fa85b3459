"""Folding names so that spelling, case, diacritics and script variants find the same party.

Armed groups are named in Arabic, in several Latin transliterations of Arabic, and in Russian.
``fold`` maps each spelling to a search key: "al-Nusra Front", "Jabhat an-Nusrah" and
"Джебхат ан-Нусра" all contain the key "nusra"; "جبهة النصرة" and "جبهه النصره" fold alike.
"""

from __future__ import annotations

import re
import unicodedata

from truce.domain.errors import Invalid
from truce.domain.i18n import N_

# Arabic letters that are written several ways for the same name.
_ARABIC_EQUIVALENTS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ؤ": "و",
        "ئ": "ي",
        "ـ": None,  # tatweel, a stretching stroke
    }
)

# Apostrophes and the signs for hamza and ain, dropped inside words: Hay'at, Hayʾat, Sa`id.
_APOSTROPHES = str.maketrans("", "", "'’‘ʼʾʿʻ`")

# Russian to Latin, close to the spellings Russian media use for Arabic names.
_CYRILLIC_TO_LATIN = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sh",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)

# The Arabic article as transliterated, assimilated or not: al-, el-, ash-, an-, ad- ...
_LATIN_ARTICLE = re.compile(
    r"\b(?:al|el|ul|ad|adh|ar|as|ash|at|ath|az|an|ed|edh|er|es|esh|et|eth|ez|en)(?:-|\s+(?=\w))"
)
_ARABIC_ARTICLE = re.compile(r"(?<!\w)(?:وال|بال|لل|ال)(?=\w\w)")
_NON_WORD = re.compile(r"[^\w]+")
# Spelling variants of one sound, applied after the article is gone.
_LATIN_VARIANTS = (
    (re.compile(r"dzh|dj"), "j"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"ou|oo"), "u"),
    (re.compile(r"ee"), "i"),
    (re.compile(r"ai|ei|ey"), "ay"),
    (re.compile(r"(?<=[aeiou])h\b"), ""),  # Nusrah -> Nusra
    (re.compile(r"(\w)\1+"), r"\1"),  # doubled letters: Hezbollah -> Hezbolah
)


def strip_marks(text: str) -> str:
    """Remove diacritics and Arabic vowel marks, keeping base letters."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", kept)


def _fold_latin(text: str) -> str:
    text = _LATIN_ARTICLE.sub("", text)
    for pattern, replacement in _LATIN_VARIANTS:
        text = pattern.sub(replacement, text)
    return text


def fold(text: str) -> str:
    """The search key of a name: lower case, no marks, one spelling per sound, words by spaces."""
    text = strip_marks(text).casefold().translate(_APOSTROPHES)
    text = text.translate(_ARABIC_EQUIVALENTS).translate(_CYRILLIC_TO_LATIN)
    text = _ARABIC_ARTICLE.sub("", text)
    text = _fold_latin(text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def matches(query: str, name: str) -> bool:
    """Whether a folded query occurs in a name, at the start of one of its words."""
    key = fold(query)
    if not key:
        return False
    folded = fold(name)
    return folded.startswith(key) or f" {key}" in folded


def rank(query: str, name: str) -> int:
    """How well a name answers a query: 0 exact, 1 prefix, 2 word match, 3 none."""
    key, folded = fold(query), fold(name)
    if not key:
        return 3
    if folded == key:
        return 0
    if folded.startswith(key):
        return 1
    return 2 if f" {key}" in folded else 3


# Arabic letters as the Latin consonants that spell them in names; long vowels and the
# weak letters (alif, waw, ya) and ain and hamza leave no consonant.
_ARABIC_TO_LATIN = str.maketrans(
    {
        "ب": "b",
        "پ": "b",
        "ت": "t",
        "ث": "t",
        "ج": "j",
        "چ": "ts",
        "ح": "h",
        "خ": "h",
        "د": "d",
        "ذ": "d",
        "ر": "r",
        "ز": "z",
        "ژ": "j",
        "س": "s",
        "ش": "s",
        "ص": "s",
        "ض": "d",
        "ط": "t",
        "ظ": "z",
        "ع": "",
        "غ": "g",
        "ف": "f",
        "ڤ": "f",
        "ق": "k",
        "ك": "k",
        "گ": "g",
        "ل": "l",
        "م": "m",
        "ن": "n",
        "ه": "h",
        "و": "",
        "ي": "",
        "ا": "",
        "ء": "",
    }
)
# Latin spellings reduced to the consonants Arabic writes: digraphs first, then sounds Arabic
# script has no letter for (v, p), then the vowels, which Arabic mostly leaves unwritten.
_LATIN_SOUNDS = (
    (re.compile(r"ch|tch"), "ts"),
    (re.compile(r"sh|zh"), "s"),
    (re.compile(r"th"), "t"),
    (re.compile(r"dh"), "d"),
    (re.compile(r"gh"), "g"),
    (re.compile(r"ph|v"), "f"),
    (re.compile(r"p"), "b"),
    (re.compile(r"[cq]"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"[aeiouyw]"), ""),
)
_FINAL_H = re.compile(r"h$")  # a final ta marbuta (ة, folded to ه) or a silent h
_DOUBLED = re.compile(r"(\w)\1+")


def sounds(name: str) -> list[str]:
    """Each word of a name as its consonants, alike in Latin, Cyrillic and Arabic script.

    "Lavrov", "Лавров" and "لافروف" are all ``["lfrf"]``; "Putin" and "بوتين" are ``["btn"]``.
    Too coarse for ranking, exact enough to find a speaker whose name is written in another
    script than the query."""
    words = []
    for word in fold(name).split():
        for pattern, replacement in _LATIN_SOUNDS:
            word = pattern.sub(replacement, word)
        # Arabic letters after the Latin rules, which are for Latin spellings only.
        word = _DOUBLED.sub(r"\1", _FINAL_H.sub("", word.translate(_ARABIC_TO_LATIN)))
        if word:
            words.append(word)
    return words


def name_matches(query: str, name: str) -> bool:
    """Whether a person's name answers a search, in any script.

    The folded query inside the folded name ("peskov" in "Dmitry Peskov", "Лавров" as "lavrov"
    in "Sergei Lavrov"), or each word of the query sounding like a word of the name ("لافروف"
    and "Lavrov")."""
    key = fold(query)
    if not key:
        return False
    if key in fold(name):
        return True
    wanted, heard = sounds(query), set(sounds(name))
    return bool(wanted) and all(word in heard for word in wanted)


# The longest reason or note a form takes: a page or two, enough to say why.
LONG_TEXT = 5000


def check_length(text: str, field: str, limit: int = LONG_TEXT) -> str:
    """``text`` when it fits in ``limit`` characters; else Invalid naming the limit."""
    if len(text) > limit:
        raise Invalid(
            N_("This text is {length} characters long; at most {limit} fit. Shorten it."),
            field=field,
            length=len(text),
            limit=limit,
        )
    return text

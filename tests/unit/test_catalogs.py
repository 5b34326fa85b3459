"""The Arabic and Russian catalogs translate every message the code shows, placeholders intact.

The messages are extracted from the code here (with babel.cfg, as `make catalogs` does), not read
from the committed truce.pot, so a string added anywhere fails this test until it is translated.
"""

from __future__ import annotations

import gettext
import re
import tomllib
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from truce import i18n
from truce.domain.errors import Conflict
from truce.domain.i18n import Word

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = [code for code in i18n.SUPPORTED if code != i18n.DEFAULT_LOCALE]
FIX = "run `make catalogs` and translate it in src/truce/locale/{lang}/LC_MESSAGES/truce.po"
# {id}, {name!r}, {km:.1f}; %(num)d, %s; and markup such as <code> or <token>.
PLACEHOLDER = re.compile(
    r"\{[A-Za-z_]\w*(?:![rsa])?(?::[^{}]*)?\}|%\([A-Za-z_]\w*\)[sdifr]|%[sdifr]|</?[A-Za-z][^<>]*>"
)
# The count of a plural message: %(num)d, or %(num)s when the page has written the number in
# its language first (1,234 · 1 234).
COUNT = re.compile(r"%\([A-Za-z_]\w*\)d|%\(num\)s")

MsgId = str | tuple[str, str]


@cache
def code_messages() -> dict[MsgId, list[str]]:
    """Every message in the code, with the files it comes from."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)

    def under_src(path: str) -> bool:
        parts = Path(path).relative_to(ROOT).parts
        return parts[0] == "src" and not parts[-1].startswith((".", "_"))

    found: dict[MsgId, list[str]] = {}
    for filename, _line, message, _comments, context in extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords={**DEFAULT_KEYWORDS, "N_": None},
        directory_filter=under_src,
    ):
        assert context is None, f"{filename}: message contexts are not used in Truce: {message!r}"
        key = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, []).append(filename)
    return found


@cache
def catalog(lang: str) -> Catalog:
    with i18n.catalog_path(lang).open("rb") as po:
        return read_po(po, locale=lang, domain=i18n.DOMAIN)


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def singular_forms(lang: str) -> set[int]:
    """The plural forms that only one number reaches (Arabic: 0, 1 and 2), which may say the
    number in words instead of printing it ("طرفان", two parties)."""
    plural: Callable[[int], int] = gettext.c2py(catalog(lang).plural_expr)
    reached: dict[int, set[int]] = {}
    for n in range(1000):
        reached.setdefault(plural(n), set()).add(n)
    return {form for form, numbers in reached.items() if len(numbers) == 1}


def problems_of(message: Message, lang: str) -> list[str]:
    """What is wrong with one catalog entry; empty when it is ready to ship."""
    if message.fuzzy:
        return ["is marked fuzzy (a guess from a changed msgid): review it, then drop the flag"]
    if isinstance(message.id, str):
        forms: list[tuple[str, str]] = [(message.id, str(message.string))]
    else:
        strings = list(message.string)
        expected = catalog(lang).num_plurals
        if len(strings) != expected:
            return [f"has {len(strings)} plural forms; {lang} needs {expected}"]
        forms = [(message.id[1], form) for form in strings]
    found = []
    for index, (source, text) in enumerate(forms):
        if not text.strip():
            found.append(f"form {index} is empty" if len(forms) > 1 else "is not translated")
            continue
        missing = placeholders(source) - placeholders(text)
        if len(forms) > 1 and index in singular_forms(lang):
            missing = Counter({p: n for p, n in missing.items() if not COUNT.fullmatch(p)})
        extra = placeholders(text) - placeholders(source)
        if missing or extra:
            found.append(
                f"form {index} changes the placeholders: missing {sorted(missing)}, "
                f"extra {sorted(extra)} in {text!r}"
            )
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_of_the_code_is_translated(lang: str) -> None:
    translated = {message.id: message for message in catalog(lang) if message.id}
    report = []
    for msgid, files in code_messages().items():
        message = translated.get(msgid)
        trouble = ["is missing from the catalog"] if message is None else problems_of(message, lang)
        report += [f"{msgid!r} ({', '.join(sorted(set(files)))}) {t}" for t in trouble]
    assert not report, f"{lang}: {len(report)} problem(s); {FIX.format(lang=lang)}:\n" + "\n".join(
        report
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalog_declares_the_plural_rule_of_its_language(lang: str) -> None:
    assert catalog(lang).plural_forms == get_plural(lang).plural_forms


def test_the_check_names_an_untranslated_message() -> None:
    """The test above can fail: a new message, a lost placeholder and lost markup are caught."""
    message = Message("There is no convoy {id}.", "")
    assert problems_of(message, "ru") == ["is not translated"]
    message = Message("There is no convoy {id}.", "Колонна не найдена.")
    assert "missing ['{id}']" in problems_of(message, "ru")[0]
    message = Message("Run <code>%(command)s</code>.", "Выполните %(command)s.")
    assert "missing ['</code>', '<code>']" in problems_of(message, "ru")[0]
    message = Message(("%(num)d convoy", "%(num)d convoys"), ("%(num)d колонна", "колонны", ""))
    assert problems_of(message, "ru")[0].startswith("form 1 changes the placeholders")


def test_arabic_may_spell_out_one_and_two_but_not_eleven() -> None:
    assert singular_forms("ar") == {0, 1, 2}
    assert singular_forms("ru") == set()
    forms = ("لا قوافل", "قافلة واحدة", "قافلتان", "%(num)d قوافل", "قافلة", "%(num)d قافلة")
    message = Message(("%(num)d convoy", "%(num)d convoys"), forms)
    assert problems_of(message, "ar") == [
        "form 4 changes the placeholders: missing ['%(num)d'], extra [] in 'قافلة'"
    ]


def test_the_app_reads_the_catalogs_with_their_plural_rules() -> None:
    ar, ru = i18n.translations("ar"), i18n.translations("ru")
    assert ru.gettext("Registry of parties") == "Реестр сторон"
    assert ar.gettext("Registry of parties") == "سجل الأطراف"
    counts = {n: ru.ngettext("%(num)s party", "%(num)s parties", n) % {"num": n} for n in (1, 3, 5)}
    assert counts == {1: "1 сторона", 3: "3 стороны", 5: "5 сторон"}
    assert ar.ngettext("%(num)s party", "%(num)s parties", 2) == "طرفان"
    assert ar.ngettext("%(num)s party", "%(num)s parties", 11) % {"num": 11} == "11 طرفًا"
    assert i18n.translations("en").gettext("Registry of parties") == "Registry of parties"


def test_a_fuzzy_entry_is_not_shown(tmp_path: Path) -> None:
    po = tmp_path / "truce.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
        '#, fuzzy\nmsgid "Map"\nmsgstr "Карта?"\n\nmsgid "News"\nmsgstr "Новости"\n',
        encoding="utf-8",
    )
    loaded = i18n.load_catalog(po, "ru")
    assert (loaded.gettext("Map"), loaded.gettext("News")) == ("Map", "Новости")


def test_a_word_inside_a_message_is_translated_with_it() -> None:
    """'The party is already committed.' must not keep the English status in Russian."""
    error = Conflict("The party is already {status}.", status=Word("committed"))
    assert error.render(i18n.translations("ru").gettext) == "Статус стороны уже «присоединилась»."
    assert error.render() == "The party is already committed."


def test_the_package_carries_the_catalogs() -> None:
    """pyproject's package data covers each .po, so an installed Truce is translated too."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["truce"]
    package = ROOT / "src" / "truce"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    for lang in LANGUAGES:
        assert i18n.catalog_path(lang).resolve() in {p.resolve() for p in shipped}, lang

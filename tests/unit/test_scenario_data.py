"""The 2016 scenario's parties: a Russian name for each, and sources that are their publishers'."""

from __future__ import annotations

import ipaddress
import json
import re
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import pytest

from truce.domain.links import web_link

# Sites that republish others' pages (Wikipedia copies, caches, archives, content farms): a
# source is cited from its publisher instead. See docs/scenario.md, "Sources".
MIRRORS = """
    archive.is archive.li archive.fo archive.org archive.ph
    cloudflare-ipfs.com ipfs.io ipfs.dweb.link wikipedia-on-ipfs.org
    kiwix.campusafrica.gos.orange.com encyclopedia.datana.cloud kampuspedia.com
    wiki.gravy.cc wikizero.com piglix.com wikisum.wiki xcv.wiki qaz.wiki frwiki.wiki
    wikimili.com wiki.x.io fandom.com infogalactic.com docslib.org googleusercontent.com
    informationclearinghouse.info lidtime.com politicit.com celebcafe.org sauress.com
    mesop.de alert5.com profilerussia.com
""".split()
DOTTED_QUAD = re.compile(r"^\d{1,3}(\.\d{1,3}){3}(\.|$)")


def scenario_parties() -> list[dict[str, Any]]:
    text = resources.files("truce.scenarios").joinpath("syria-2016.json").read_text("utf-8")
    parties: list[dict[str, Any]] = json.loads(text)["parties"]
    return parties


PARTIES = scenario_parties()
SOURCES = [(p["key"], s) for p in PARTIES for s in p["sources"]]


def is_mirror(host: str) -> bool:
    return any(host == m or host.endswith(f".{m}") for m in MIRRORS)


@pytest.mark.parametrize("party", PARTIES, ids=[p["key"] for p in PARTIES])
def test_every_party_has_a_russian_name(party: dict[str, Any]) -> None:
    assert any(lang == "ru" and text.strip() for text, lang, *_ in party["aliases"])


def test_no_russian_name_is_given_to_two_parties() -> None:
    owners: dict[str, str] = {}
    for party in PARTIES:
        for text, lang, *_ in party["aliases"]:
            if lang == "ru":
                assert owners.setdefault(text.casefold(), party["key"]) == party["key"], text


@pytest.mark.parametrize(("key", "source"), SOURCES, ids=[f"{k}:{s[:60]}" for k, s in SOURCES])
def test_every_source_is_a_web_address_of_its_publisher(key: str, source: str) -> None:
    link = web_link(source)
    assert link is not None and link.url == source, f"{key}: not a plain http(s) address"
    host = urlsplit(source).hostname or ""
    assert not host.endswith("."), f"{key}: host with a trailing dot: {host}"
    assert not DOTTED_QUAD.match(host), f"{key}: an IP address (or a cache named by one): {host}"
    with pytest.raises(ValueError):
        ipaddress.ip_address(host)
    assert not host.endswith(".tk"), f"{key}: a .tk site: {host}"
    assert not is_mirror(host), f"{key}: a mirror, cite the publisher: {host}"


def test_a_party_lists_each_source_once() -> None:
    for party in PARTIES:
        assert len(party["sources"]) == len(set(party["sources"])), party["key"]


def test_a_renamed_group_is_one_party_with_dated_names() -> None:
    nusra = next(p for p in PARTIES if p["key"] == "nusra")
    dated = {text: days for text, _, *days in nusra["aliases"] if days}
    assert dated["Jabhat Fateh al-Sham"] == ["2016-07-28", "2017-01-28"]
    assert dated["Hay'at Tahrir al-Sham"] == ["2017-01-28", None]
    assert dated["HTS"] == ["2017-01-28", None]

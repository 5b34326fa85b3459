"""The real labelled set (data/news/real): its sources, its split, and its frozen test labels."""

import hashlib
import json
import math
import random
from pathlib import Path

import pytest

from truce.news.article import read_file
from truce.news.present import LabelledSet, score_set, shipped_sets

REAL = Path(__file__).resolve().parents[2] / "data" / "news" / "real"
ARTICLES = REAL / "articles"
# The test labels were committed once, before any rule was tuned on real text, and are never
# changed: a label that looks wrong stays, and is reported as what the set measures.
TEST_LABELS_SHA256 = "78ee6b472dd3fa97fd51899cae3048208ca8c1a0abdd2625472ffb55680a4f32"
# Texts added after tuning began have their own held-out file, committed before any rule ran on
# them (the second English batch); it is frozen the same way.
TEST_LABELS_EN2_SHA256 = "e4d5347f1a4e590b3afd850d63dd6f200374fd45879c2eb7c18a6b49366d6814"
TEST_ARRU_LABELS_SHA256 = "9a7ca03c828622da32b24e9b785052f244ded2b47bcd43e82589208ca6ae107e"
# The third batch (Arabic and Russian UN documents, 2026-12-04), committed the same way.
TEST_BATCH3_LABELS_SHA256 = "e91606cf2973c89464ce0a04d3e078eb4647dcb97d1350428795cd921249c8cb"
LABEL_FILES = (
    "labels-dev.json",
    "labels-test.json",
    "labels-test-en2.json",
    "labels-test-arru.json",
    "labels-test-batch3.json",
)
LICENCES = ("CC BY 4.0", "public domain")


def _labels(name: str) -> list[dict]:
    return json.loads((REAL / name).read_text(encoding="utf-8"))["articles"]


def _meta(path: Path) -> dict[str, str]:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    meta = {}
    for line in path.read_text(encoding="utf-8").split("\n")[1:]:
        if ": " not in line or not line.split(": ")[0].isalpha():
            break
        key, value = line.split(": ", 1)
        meta[key.lower()] = value
    return meta


@pytest.mark.parametrize(
    ("name", "sha256"),
    [
        ("labels-test.json", TEST_LABELS_SHA256),
        ("labels-test-en2.json", TEST_LABELS_EN2_SHA256),
        ("labels-test-arru.json", TEST_ARRU_LABELS_SHA256),
        ("labels-test-batch3.json", TEST_BATCH3_LABELS_SHA256),
    ],
)
def test_the_test_labels_are_the_ones_committed_before_tuning(name: str, sha256: str) -> None:
    assert hashlib.sha256((REAL / name).read_bytes()).hexdigest() == sha256


def test_every_text_says_where_it_comes_from_and_under_what_terms() -> None:
    files = sorted(ARTICLES.iterdir())
    assert len(files) == 66
    for path in files:
        meta = _meta(path)
        assert meta["url"].startswith(("http://", "https://")), path.name
        assert meta["outlet"] and meta["excerpt"], path.name
        assert meta["language"] == path.name[:2], path.name
        assert any(licence in meta["licence"] for licence in LICENCES), path.name
        if meta.get("published"):
            assert meta["published"][:4] == "2016", path.name


def test_languages() -> None:
    languages = [path.name[:2] for path in ARTICLES.iterdir()]
    assert (languages.count("en"), languages.count("ar"), languages.count("ru")) == (46, 10, 10)


def _batch(label: dict, file: str) -> str:
    """The batch a text was added in: the first, or the one its label names (e.g. ``en2``)."""
    return "en2" if file == "labels-test-en2.json" else str(label.get("batch", "first"))


def test_the_split_is_the_seeded_shuffle_within_each_batch_and_language() -> None:
    labelled = {a["file"]: (_batch(a, f), a["split"]) for f in LABEL_FILES for a in _labels(f)}
    assert sorted(labelled) == sorted(path.name for path in ARTICLES.iterdir())
    groups: dict[tuple[str, str], list[str]] = {}
    for name, (batch, _) in labelled.items():
        groups.setdefault((batch, name[:2]), []).append(name)
    expected = {}
    for names in groups.values():
        shuffled = sorted(names)
        random.Random(20160227).shuffle(shuffled)
        dev = math.ceil(len(shuffled) / 2)
        expected |= {name: "dev" if i < dev else "test" for i, name in enumerate(shuffled)}
    assert {name: split for name, (_, split) in labelled.items()} == expected
    assert len(groups[("en2", "en")]) == 29
    assert all(a["batch"] == 2 for a in _labels("labels-test-arru.json"))
    assert all(a["batch"] == 3 for a in _labels("labels-test-batch3.json"))
    assert (len(groups[("3", "ar")]), len(groups[("3", "ru")])) == (2, 8)


@pytest.mark.parametrize("labels", LABEL_FILES)
def test_labels_rest_on_the_texts(labels: str) -> None:
    for label in _labels(labels):
        text = read_file(ARTICLES / label["file"])[0].text
        for statement in label["statements"]:
            assert statement["quote"] in text, (label["id"], statement["quote"][:40])
            assert statement["kind"] in ("direct", "mixed", "indirect")
        for place in label["places"]:
            assert place["kind"] in ("country", "admin1", "admin2", "city", "region")
            assert set(place["roles"]) <= {"territory", "actor", "metonym", "dateline"}
        for party in label["parties"]:
            assert party["kind"] in ("armed", "state", "intergovernmental", "other")
        for event in label["events"]:
            assert event["date"].startswith("2016-")


def test_the_shipped_sets_are_scored_per_split_and_language() -> None:
    data = REAL.parent
    sets = {s.name: s for s in shipped_sets(data)}
    assert list(sets) == ["real dev", "real test", "synthetic"]
    dev = score_set(sets["real dev"])
    assert len(dev.full.articles) == 35
    test = score_set(sets["real test"])
    assert len(test.full.articles) == 31
    assert set(dev.by_language) == {"ar", "en", "ru"}
    assert set(dev.targets) == {"statements", "places", "parties", "events"}
    assert all(not entry.error for entry in dev.full.articles)


def test_a_set_can_be_scored_from_any_label_files() -> None:
    entry = LabelledSet("one", (REAL / "labels-dev.json",), ARTICLES, "dev")
    scores = score_set(entry)
    assert scores.full.overall["places"].labelled == sum(
        len(a["places"]) for a in _labels("labels-dev.json")
    )

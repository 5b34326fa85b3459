"""The news pages and API after ingesting the seed: who said what, articles, highlighted text.

Over HTTP with the real app on SQLite and PostgreSQL, and in a real headless Chromium (served
like tests/e2e/test_browser.py). News is read by everyone: the pages and the API answer the
public as they answer a signed-in user, and nothing can be ingested over the API.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from tests.e2e.browsing import ARTIFACTS, JsErrors, serve
from tests.helpers import World, token_for
from tests.integration.test_news_ingest import ARTICLES, SEED, SEED_PUBLISHED, ingest
from truce.domain.permissions import SYSTEM, Role
from truce.services import users
from truce.store.tables import ArticleRow
from truce.web.app import create_app

API = "/api/v1"
WITHDRAWAL = ARTICLES / "n15_putin_withdrawal.html"  # 2016-03-15: Peskov and Earnest again
WITHDRAWAL_PUBLISHED = datetime(2016, 3, 15, 8, 0, tzinfo=UTC)
SEED_SPEAKERS = ["Vladimir Putin"] * 4 + ["Dmitry Peskov"] + ["Josh Earnest"] * 3
SPUTNIK_QUOTE = "real step that can stop the bloodshed"
PESKOV_QUOTE = (
    "The main objective now that the Russian and US sides set in their joint statement is to end"
    " unnecessary bloodshed in Syria and continue the war on terror, thus facilitating the"
    " political settlement in this country"
)
ROW = re.compile(
    r"<tr>\s*<td>(?P<date>[^<]*)</td>\s*<td><bdi>(?P<speaker>[^<]*)</bdi>.*?"
    r'<q dir="auto">(?P<quote>[^<]*)</q>.*?<a href="/articles/(?P<article>\d+)">',
    re.S,
)
MARK = re.compile(
    r'<mark class="(?P<classes>[^"]*)" title="(?P<title>[^"]*)">(?P<text>[^<]*)</mark>'
)


@pytest.fixture
def seeded(world: World) -> dict[str, int]:
    """The world with the seed and a later article ingested; their article ids."""
    [seed] = ingest(world, [SEED], published=SEED_PUBLISHED)
    [later] = ingest(world, [WITHDRAWAL])
    assert (seed.status, later.status) == ("ingested", "ingested")
    return {"seed": seed.article_id, "later": later.article_id}


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def rows(body: str) -> list[dict[str, str]]:
    """The statements table: date, speaker, quote and article id of each row."""
    table = body.split('data-testid="statements"', 1)[1].split("</table>", 1)[0]
    return [{k: html.unescape(v) for k, v in m.groupdict().items()} for m in ROW.finditer(table)]


def statements_page(client: TestClient, **query: str) -> list[dict[str, str]]:
    response = client.get("/statements", params=query)
    assert response.status_code == 200, response.text
    return rows(response.text)


def article_text_html(body: str) -> str:
    return body.split('data-testid="article-text">', 1)[1].split("</div>", 1)[0]


# --- /statements ----------------------------------------------------------------------------


def test_statements_lists_who_said_what_each_linked_to_its_article(
    client: TestClient, seeded: dict[str, int]
) -> None:
    found = statements_page(client)
    seed_rows = [r for r in found if r["article"] == str(seeded["seed"])]
    assert sorted(r["speaker"] for r in seed_rows) == sorted(SEED_SPEAKERS)
    assert {r["date"] for r in seed_rows} == {"Feb 23, 2016"}
    quotes = {r["quote"]: r["speaker"] for r in seed_rows}
    assert quotes[SPUTNIK_QUOTE] == "Vladimir Putin"
    assert quotes[PESKOV_QUOTE] == "Dmitry Peskov"
    assert quotes["this is going to be difficult to implement"] == "Josh Earnest"
    # Newest first: the March article's statements come before the seed's.
    assert {r["article"] for r in found[: len(found) - 8]} == {str(seeded["later"])}
    for article_id in {r["article"] for r in found}:
        assert client.get(f"/articles/{article_id}").status_code == 200


def test_statements_filter_by_speaker(client: TestClient, seeded: dict[str, int]) -> None:
    peskov = statements_page(client, speaker="peskov")
    assert {r["speaker"] for r in peskov} == {"Dmitry Peskov"}
    assert [r["article"] for r in peskov].count(str(seeded["seed"])) == 1
    assert [r["article"] for r in peskov].count(str(seeded["later"])) == 2
    earnest = statements_page(client, speaker="Josh Earnest")
    assert len(earnest) == 5 and {r["speaker"] for r in earnest} == {"Josh Earnest"}
    response = client.get("/statements", params={"speaker": "Lavrov"})
    assert rows(response.text) == [] and "No statement matches" in response.text
    assert 'value="Lavrov"' in response.text  # the form keeps what was asked


def test_a_speaker_is_found_in_any_script_among_the_demos_statements(
    client: TestClient, world: World
) -> None:
    # The demo's news: every labelled article, the seed dated as `truce demo` dates it.
    ingested = ingest(world, [SEED], published=SEED_PUBLISHED)
    ingested += ingest(world, [p for p in sorted(ARTICLES.iterdir()) if p != SEED])
    assert len(ingested) == 47 and {r.status for r in ingested} == {"ingested"}

    def said(speaker: str) -> list[int]:
        found = client.get(f"{API}/statements", params={"speaker": speaker, "limit": 1000})
        assert found.status_code == 200, found.text
        return sorted(s["id"] for s in found.json()["items"])

    lavrov = said("Lavrov")
    every = client.get(f"{API}/statements", params={"limit": 1000}).json()["items"]
    spelled = ("Lavrov", "Лавров", "لافروف")
    by_him = sorted(s["id"] for s in every if any(n in s["speaker"] for n in spelled))
    assert lavrov == by_him and len(lavrov) >= 4  # what the reader extracts from the demo news
    assert said("Лавров") == lavrov and said("لافروف") == lavrov
    assert said("Сергей Лавров") == said("Sergei Lavrov") != []
    assert said("Путин") == said("Putin") == said("بوتين") != []
    assert said("ميستورا") == said("Mistura") != []  # two are stored in Arabic script
    page = statements_page(client, speaker="لافروف")
    assert len(page) == len(lavrov) and all("Lavrov" in r["speaker"] for r in page)


def test_statements_filter_by_date(client: TestClient, seeded: dict[str, int]) -> None:
    # "To" is the whole day: the seed was published at 09:00 on the 23rd.
    until = statements_page(client, until="2016-02-23")
    assert sorted(r["speaker"] for r in until) == sorted(SEED_SPEAKERS)
    assert statements_page(client, until="2016-02-22") == []
    since = statements_page(client, since="2016-03-01")
    assert since and {r["article"] for r in since} == {str(seeded["later"])}
    assert {r["date"] for r in since} == {"Mar 15, 2016"}
    both = statements_page(client, speaker="Earnest", since="2016-02-23", until="2016-02-23")
    assert len(both) == 3 and {r["article"] for r in both} == {str(seeded["seed"])}
    bad = client.get("/statements", params={"since": "23/02/2016"})
    assert bad.status_code == 422 and "since: give a date (YYYY-MM-DD" in bad.text


# --- /articles ------------------------------------------------------------------------------


def test_articles_lists_the_seed_with_what_was_found(
    client: TestClient, seeded: dict[str, int]
) -> None:
    response = client.get("/articles")
    assert response.status_code == 200
    links = re.findall(r'<a href="/articles/(\d+)" dir="auto">([^<]*)</a>', response.text)
    assert [int(a) for a, _ in links] == [seeded["later"], seeded["seed"]]  # newest first
    assert html.unescape(links[1][1]).startswith("Russian President Vladimir Putin has said")
    [seed_row] = [r for r in response.text.split("<tr>") if f'"/articles/{seeded["seed"]}"' in r]
    assert "<td>Feb 23, 2016</td>" in seed_row and "8 statements, 1 event</td>" in seed_row
    # The outlet's name the site appended to the headline is gone.
    assert html.unescape(links[0][1]).endswith("out of Syria")


def test_rows_stored_before_the_checks_still_show_no_hostile_link_or_outlet_suffix(
    client: TestClient, world: World, seeded: dict[str, int]
) -> None:
    with world.truce.uow() as uow:
        row = uow.session.get(ArticleRow, seeded["later"])
        assert row is not None
        row.url, row.title = "javascript:alert(document.cookie)", row.title + " | Capital Desk"
        uow.session.commit()
    body = client.get(f"/articles/{seeded['later']}").text
    assert 'href="javascript:' not in body
    assert '<span class="not-a-link">javascript:alert(document.cookie)</span>' in body
    heading = re.search(r'<h1 dir="auto">([^<]*)</h1>', body)
    assert heading and html.unescape(heading.group(1)).endswith("out of Syria")
    listed = client.get("/articles").text
    assert "| Capital Desk" not in listed and "javascript:" not in listed


def test_confidence_is_told_in_words_and_staff_also_see_the_score(
    client: TestClient, world: World, seeded: dict[str, int]
) -> None:
    public = client.get(f"/articles/{seeded['seed']}").text
    legend = public.split('data-testid="confidence-legend">', 1)[1].split("</p>", 1)[0]
    for word in ("high confidence", "medium confidence", "low confidence"):
        assert word in legend
    shown = re.findall(r'data-testid="confidence" title="([^"]+)">([^<]+)</span>', public)
    assert len(shown) == 8 and {w for _, w in shown} <= {
        "high confidence",
        "medium confidence",
        "low confidence",
    }
    assert all(title for title, _ in shown)  # a tooltip says what the word rests on
    assert not re.search(r"\b0\.\d\d\b", public.split('data-testid="article-text"')[1])
    with world.truce.uow() as uow:
        users.add_user(
            users.NewUser("web-analyst", Role.ANALYST, "correct horse battery"), uow, actor=SYSTEM
        )
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf
    form = {"csrf": csrf.group(1), "username": "web-analyst", "password": "correct horse battery"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    staff = client.get(f"/articles/{seeded['seed']}").text
    scored = re.findall(r'data-testid="confidence" title="[^"]+">([^<]+)</span>', staff)
    assert "high confidence (0.80)" in scored


def test_an_article_shows_its_text_with_every_extraction_marked(
    client: TestClient, seeded: dict[str, int]
) -> None:
    response = client.get(f"/articles/{seeded['seed']}")
    assert response.status_code == 200
    body = response.text
    marked = article_text_html(body)
    # Marking adds tags and nothing else: without them the text is the article, byte for byte.
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", marked)) == SEED.read_text(encoding="utf-8")
    marks = [{k: html.unescape(v) for k, v in m.groupdict().items()} for m in MARK.finditer(marked)]
    assert {
        "classes": "hl-statement",
        "title": "Vladimir Putin (mixed)",
        "text": SPUTNIK_QUOTE,
    } in marks
    assert any(m["title"].startswith("Dmitry Peskov (direct)") for m in marks)
    events = [m for m in marks if "hl-event" in m["classes"].split()]
    assert events and events[0]["title"].startswith("Strategic developments / Agreement")
    assert any("hl-place" in m["classes"] and m["text"] == "Syria" for m in marks)
    assert any("hl-party" in m["classes"] for m in marks)
    assert {c for m in marks for c in m["classes"].split()} <= {
        "hl-statement",
        "hl-place",
        "hl-party",
        "hl-event",
    }
    # Below the text: the lists of what was found, the date of the agreement among them.
    assert "Strategic developments / Agreement — Feb 22, 2016, Syria" in body
    assert "2016-02-23T09:00:00+00:00" in body and "Source: NNA" in body


def test_an_unknown_article_is_a_clear_404(client: TestClient, seeded: dict[str, int]) -> None:
    unknown = max(seeded.values()) + 1000
    page = client.get(f"/articles/{unknown}")
    assert page.status_code == 404
    assert f"There is no article {unknown}." in page.text
    api = client.get(f"{API}/articles/{unknown}")
    assert api.status_code == 404
    assert api.json()["code"] == "not_found"
    assert api.json()["detail"] == f"There is no article {unknown}."
    assert client.get("/articles/0").status_code == 422
    assert client.get(f"{API}/articles/not-a-number").status_code == 422


# --- the API --------------------------------------------------------------------------------


def statements_api(client: TestClient, **query: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/statements", params=query)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def test_the_api_serves_the_same_statements(client: TestClient, seeded: dict[str, int]) -> None:
    response = client.get(f"{API}/statements")
    assert response.status_code == 200
    found = response.json()["items"]
    seed_items = [s for s in found if s["article_id"] == seeded["seed"]]
    assert sorted(s["speaker"] for s in seed_items) == sorted(SEED_SPEAKERS)
    by_quote = {s["quote"]: s for s in seed_items}
    sputnik = by_quote[SPUTNIK_QUOTE]
    assert (sputnik["speaker"], sputnik["kind"], sputnik["cue"], sputnik["reported_by"]) == (
        "Vladimir Putin",
        "mixed",
        "said",
        "Sputnik",
    )
    assert datetime.fromisoformat(sputnik["said_at"]) == SEED_PUBLISHED
    assert sputnik["article_title"].startswith("Russian President Vladimir Putin")
    # The same rows as the page, in the same order.
    page = statements_page(client)
    assert [(s["speaker"], s["quote"], str(s["article_id"])) for s in found] == [
        (r["speaker"], r["quote"], r["article"]) for r in page
    ]

    peskov = client.get(f"{API}/statements", params={"speaker": "Peskov"}).json()["items"]
    assert len(peskov) == 3 and {s["speaker"] for s in peskov} == {"Dmitry Peskov"}
    march = statements_api(client, since="2016-03-01T00:00:00Z")
    assert march and {s["article_id"] for s in march} == {seeded["later"]}
    february = statements_api(client, until="2016-03-01T00:00:00Z")
    assert len(february) == 8 and {s["article_id"] for s in february} == {seeded["seed"]}
    # since..until is half-open: a statement said exactly at "until" is left out.
    window = {"since": "2016-02-23T09:00:00Z", "until": "2016-02-23T09:00:01Z"}
    assert len(statements_api(client, **window)) == 8
    window["until"] = window["since"]
    assert statements_api(client, **window) == []
    naive = client.get(f"{API}/statements", params={"since": "2016-03-01T00:00:00"})
    assert naive.status_code == 422  # a time without its zone is refused, never guessed


def test_the_api_serves_the_articles_with_offsets_into_the_text(
    client: TestClient, seeded: dict[str, int]
) -> None:
    listed = client.get(f"{API}/articles").json()["items"]
    assert [a["id"] for a in listed] == [seeded["later"], seeded["seed"]]
    assert datetime.fromisoformat(listed[1]["published"]) == SEED_PUBLISHED
    assert datetime.fromisoformat(listed[0]["published"]) == WITHDRAWAL_PUBLISHED
    assert listed[1]["source_line"] == "NNA" and "text" not in listed[1]

    article = client.get(f"{API}/articles/{seeded['seed']}").json()
    text = article["text"]
    assert text == SEED.read_text(encoding="utf-8")
    assert article["digest"] == listed[1]["digest"]
    extraction = article["extraction"]
    speakers = [
        s["speaker"] for s in sorted(extraction["statements"], key=lambda s: s["quote_span"])
    ]
    assert speakers == SEED_SPEAKERS
    for statement in extraction["statements"]:
        start, end = statement["quote_span"]
        assert text[start:end] == statement["quote"]
    [event] = extraction["events"]
    assert (event["type"], event["sub_type"], event["date"]) == (
        "Strategic developments",
        "Agreement",
        "2016-02-22",
    )
    start, end = event["span"]
    assert "the US and Russia agreed upon" in text[start:end]
    for place in extraction["places"]:
        start, end = place["span"]
        assert text[start:end] == place["name"]


# --- who may read ---------------------------------------------------------------------------


def test_news_is_public_and_the_same_for_everyone(
    client: TestClient, world: World, seeded: dict[str, int]
) -> None:
    analyst = {"Authorization": f"Bearer {token_for(world, 'analyst')}"}
    for path in ("/statements", "/articles", f"/articles/{seeded['seed']}"):
        public = client.get(f"{API}{path}")
        assert public.status_code == 200, path
        assert public.json() == client.get(f"{API}{path}", headers=analyst).json(), path
        assert "ingested_by" not in public.text, path  # who ingested is not published
        page = client.get(path)
        assert page.status_code == 200 and "Public view" in page.text, path
    assert "ingested_by" not in client.get(f"{API}/articles/{seeded['seed']}").json()
    # Ingesting is done at the command line: the API has no way in, signed in or not.
    monitor = {"Authorization": f"Bearer {token_for(world, 'monitor')}"}
    for headers in ({}, monitor):
        assert client.post(f"{API}/articles", json={}, headers=headers).status_code == 405
        assert client.post(f"{API}/statements", json={}, headers=headers).status_code == 405


# --- in a real browser ----------------------------------------------------------------------


@pytest.fixture
def site(world: World, seeded: dict[str, int]) -> Iterator[str]:
    """The seeded world's app on a free localhost port."""
    with serve(create_app(world.truce), "/statements") as url:
        yield url


def speakers_shown(page: Page) -> list[str]:
    cells = page.get_by_test_id("statements").locator("tbody tr td:nth-child(2) bdi")
    return [text.strip() for text in cells.all_text_contents()]


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_reader_filters_statements_and_opens_the_marked_article(
    site: str, page: Page, js_errors: JsErrors, seeded: dict[str, int]
) -> None:
    page.goto(f"{site}/")
    page.get_by_role("link", name="News").click()
    expect(page).to_have_url(f"{site}/statements")
    expect(page.get_by_role("heading", name="Who said what")).to_be_visible()
    assert {"Dmitry Peskov", "Josh Earnest", "Vladimir Putin"} <= set(speakers_shown(page))
    expect(page.get_by_test_id("statements")).to_contain_text(SPUTNIK_QUOTE)

    page.get_by_label("Speaker").fill("Peskov")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert "speaker=Peskov" in page.url
    assert speakers_shown(page) == ["Dmitry Peskov"] * 3

    page.get_by_label("To").fill("2016-02-23")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert speakers_shown(page) == ["Dmitry Peskov"]
    expect(page.get_by_test_id("statements")).to_contain_text(PESKOV_QUOTE)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "news-statements-filtered.png", full_page=True)

    page.get_by_test_id("statements").locator("tbody a").first.click()
    expect(page).to_have_url(f"{site}/articles/{seeded['seed']}")
    text = page.get_by_test_id("article-text")
    expect(text).to_contain_text("Speaking to reporters, White House spokesman Josh Earnest")
    quote = text.locator("mark.hl-statement", has_text=SPUTNIK_QUOTE)
    expect(quote).to_have_count(1)
    expect(quote).to_have_attribute("title", "Vladimir Putin (mixed)")
    # The stylesheet is applied (CSP allows it): statements are on a yellow background.
    background = quote.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(255, 241, 184)"
    expect(text.locator("mark.hl-event")).not_to_have_count(0)
    expect(text.locator("mark.hl-place", has_text="Syria").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "news-article-marked.png", full_page=True)

    assert js_errors == []

    unknown = seeded["seed"] + 1000
    response = page.goto(f"{site}/articles/{unknown}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_have_text(f"There is no article {unknown}.")

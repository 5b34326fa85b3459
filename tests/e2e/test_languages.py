"""The pages in Arabic and Russian over HTTP: translated words, markup kept, messages translated.

Chromium checks of the same pages (layout, bidi) live with the browser tests; here the real app
answers a TestClient on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.helpers import World
from truce import i18n
from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM, Role
from truce.services import users
from truce.web.app import create_app

PASSWORD = "a long enough password for the test"
# page -> a message its body must show translated
PAGES = {
    "/": "Registry of parties",
    "/agreement": "Acceptance deadline",
    "/map": "Map of the cessation",
    "/statements": "Who said what",
    "/articles": "Articles",
    "/login": "User name",
}
NAV = ("Registry", "Agreement", "Map", "News")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def text_of(body: str) -> str:
    """The visible text, tags dropped and entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def header(body: str) -> str:
    return text_of(body.split("<header", 1)[1].split("</header>", 1)[0])


@pytest.mark.parametrize("lang", ["ar", "ru"])
@pytest.mark.parametrize("path", list(PAGES))
def test_a_page_speaks_the_chosen_language(client: TestClient, path: str, lang: str) -> None:
    response = client.get(path, params={"lang": lang})
    assert response.status_code == 200
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in response.text
    translate = i18n.translations(lang).gettext
    expected = translate(PAGES[path])
    assert expected != PAGES[path], f"{PAGES[path]!r} has no {lang} translation"
    assert expected in text_of(response.text)
    words = header(response.text).split()
    assert not [word for word in NAV if word in words], f"English left in the {lang} menu"
    assert all(translate(word) in header(response.text) for word in NAV)


def inline_text(body: str) -> str:
    """The text as read, inline tags (<bdi>, <a>) dropped without a space, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", body)))


def test_the_registry_counts_parties_with_the_russian_plural(client: TestClient) -> None:
    assert "3 стороны" in inline_text(client.get("/?lang=ru").text)
    assert "Реестр сторон" in client.get("/?lang=ru").text
    assert "3 أطراف" in inline_text(client.get("/?lang=ar").text)


def test_a_translated_sentence_keeps_its_markup(client: TestClient) -> None:
    body = client.get("/articles", params={"lang": "ru"}).text
    assert "Загрузите новости командой <code>truce news ingest PATH</code>." in body


def test_the_empty_site_is_translated_too(truce: Truce) -> None:
    body = TestClient(create_app(truce)).get("/", params={"lang": "ar"}).text
    assert "حمّل سيناريو بالأمر <code>truce scenario load syria-2016</code>" in body


def test_the_chosen_language_is_remembered_for_the_next_page(client: TestClient) -> None:
    client.get("/?lang=ru")
    assert "Условия" in text_of(client.get("/agreement").text)


def sign_in(client: TestClient, username: str, lang: str) -> None:
    csrf = CSRF.search(client.get("/login", params={"lang": lang}).text)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "username": username, "password": PASSWORD}
    client.post("/login", data=form)


def test_a_refusal_is_shown_in_the_visitors_language(client: TestClient, world: World) -> None:
    """The message and the status inside it: 'уже «неизвестно»', not 'already unknown'."""
    with world.truce.uow() as uow:
        new = users.NewUser("ru-web", Role.GUARANTOR, PASSWORD, state="RU")
        users.add_user(new, uow, actor=SYSTEM)
    sign_in(client, "ru-web", "ru")
    party = world.parties["ahrar"]
    page = client.get(f"/parties/{party}", params={"lang": "ru"})  # signing in starts afresh
    csrf = CSRF.search(page.text)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "status": "unknown", "reason": "no change"}
    shown = client.post(f"/parties/{party}/proposals", data=form)
    assert "Статус стороны уже «неизвестно»." in text_of(shown.text)


def test_a_wrong_password_is_refused_in_arabic(client: TestClient) -> None:
    csrf = CSRF.search(client.get("/login", params={"lang": "ar"}).text)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "username": "nobody", "password": "wrong password"}
    shown = client.post("/login", data=form)
    assert "اسم المستخدم أو كلمة المرور غير صحيحة." in text_of(shown.text)


# --- the language switch ------------------------------------------------------------------

SWITCH = re.compile(r'<form method="post" action="/lang".*?</form>', re.S)


def add_user_with_password(world: World, username: str) -> None:
    with world.truce.uow() as uow:
        users.add_user(users.NewUser(username, Role.ANALYST, PASSWORD), uow, actor=SYSTEM)


def switch_to(client: TestClient, lang: str, page: str = "/") -> str:
    """Press a language in the header of ``page``; the address the switch went back to."""
    body = client.get(page).text
    csrf = CSRF.search(body)
    next_page = re.search(r'name="next" value="([^"]*)"', SWITCH.search(body).group(0))
    assert csrf is not None and next_page is not None
    form = {"csrf": csrf.group(1), "lang": lang, "next": html.unescape(next_page.group(1))}
    answer = client.post("/lang", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def test_every_page_offers_each_language_in_itself(client: TestClient) -> None:
    body = client.get("/statements", params={"lang": "ar", "speaker": "Lavrov"}).text
    switch = SWITCH.search(body)
    assert switch is not None, "no language switch in the header"
    assert switch.start() > body.index("<header") and switch.end() < body.index("</header>")
    buttons = re.findall(r'<button[^>]*name="lang" value="(\w+)" lang="(\w+)" dir="(\w+)"', body)
    assert buttons == [("en", "en", "ltr"), ("ar", "ar", "rtl"), ("ru", "ru", "ltr")]
    names = re.findall(r'<button[^>]*name="lang"[^>]*>([^<]*)</button>', body)
    assert names == ["English", "العربية", "Русский"]
    assert re.search(r'value="ar"[^>]*aria-current="true"', body), "the current language is marked"
    # The way back keeps the page's filters but not the language it was asked in.
    assert 'name="next" value="/statements?speaker=Lavrov"' in body
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)"', body))
    assert set(alternates) == {"en", "ar", "ru"}
    assert html.unescape(alternates["ru"]).endswith("/statements?speaker=Lavrov&lang=ru")


def test_the_switch_is_remembered_by_an_anonymous_browser(client: TestClient) -> None:
    assert switch_to(client, "ru", "/agreement?lang=en") == "/agreement"
    for page in ("/", "/agreement", "/map", "/login"):
        assert '<html lang="ru" dir="ltr">' in client.get(page).text, page
    assert switch_to(client, "ar") == "/"
    assert '<html lang="ar" dir="rtl">' in client.get("/statements").text
    # ?lang= still wins for the page it is on.
    assert '<html lang="en" dir="ltr">' in client.get("/?lang=en").text


def test_the_switch_takes_a_form_from_our_pages_only(client: TestClient) -> None:
    client.get("/")
    refused = client.post("/lang", data={"lang": "ru", "csrf": "forged"})
    assert refused.status_code == 403
    assert '<html lang="en"' in client.get("/").text


def test_a_language_the_site_does_not_speak_is_refused_by_name(client: TestClient) -> None:
    body = client.get("/").text
    csrf = CSRF.search(body)
    assert csrf is not None
    refused = client.post("/lang", data={"csrf": csrf.group(1), "lang": "fr"})
    assert refused.status_code == 422
    assert "There is no language 'fr' here: choose one of en, ar, ru." in text_of(refused.text)
    assert client.get("/lang/fr").status_code == 422


def test_a_next_address_on_another_site_is_not_followed(client: TestClient) -> None:
    csrf = CSRF.search(client.get("/").text)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "lang": "ru", "next": "//evil.example/"}
    assert client.post("/lang", data=form, follow_redirects=False).headers["location"] == "/"


def test_accept_language_is_the_default_by_preference(client: TestClient) -> None:
    for header, lang in (
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("fr-FR, en;q=0.2, ar;q=0.7", "ar"),
        ("de, fr", "en"),
        ("ar;q=0, ru;q=0.1", "ru"),
    ):
        body = client.get("/", headers={"Accept-Language": header}).text
        assert f'<html lang="{lang}"' in body, header


def test_a_users_language_is_saved_and_wins_over_the_browser(
    world: World, client: TestClient
) -> None:
    add_user_with_password(world, "reader")
    sign_in(client, "reader", "en")
    switch_to(client, "ar", "/account")
    with world.truce.uow(write=False) as uow:
        row = uow.users.by_name("reader")
        assert row is not None and row.locale == "ar"
    # Another browser, which asks for Russian: after signing in, the saved Arabic.
    other = TestClient(client.app, headers={"Accept-Language": "ru"})
    assert '<html lang="ru"' in other.get("/").text
    sign_in(other, "reader", "ru")
    assert '<html lang="ar" dir="rtl">' in other.get("/account").text
    # Signing out keeps the page in the visitor's language.
    csrf = CSRF.search(other.get("/").text)
    assert csrf is not None
    other.post("/logout", data={"csrf": csrf.group(1)})
    assert '<html lang="ar"' in other.get("/").text


def test_an_anonymous_choice_stays_with_a_user_who_never_chose(
    world: World, client: TestClient
) -> None:
    add_user_with_password(world, "reader")
    switch_to(client, "ru")
    sign_in(client, "reader", "ru")
    assert '<html lang="ru"' in client.get("/account").text
    with world.truce.uow(write=False) as uow:
        row = uow.users.by_name("reader")
        assert row is not None and row.locale is None  # nothing saved without the switch


def test_a_choice_reaches_the_users_other_browsers_that_never_chose(
    world: World, client: TestClient
) -> None:
    add_user_with_password(world, "reader")
    other = TestClient(client.app)
    for browser in (client, other):
        csrf = CSRF.search(browser.get("/login").text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "username": "reader", "password": PASSWORD}
        assert browser.post("/login", data=form, follow_redirects=False).status_code == 303
    assert '<html lang="en"' in other.get("/").text
    switch_to(client, "ru")
    assert '<html lang="ru"' in other.get("/").text  # read from the user, not the session


# --- bidi: values inside right-to-left sentences --------------------------------------------

CLOCK = re.compile(r"\d\d:\d\d [+-]\d\d:\d\d")


def test_times_and_numbers_inside_arabic_sentences_are_isolated(client: TestClient) -> None:
    """The markup that keeps "00:00 +02:00" from showing as "02:00+ 00:00" and the pager's
    numbers in order: each value of a sentence in a <bdi>, each clock in a <bdi dir="ltr">."""
    body = client.get("/", params={"lang": "ar"}).text
    times = re.findall(r"<time [^>]*>(.*?)</time>", body)
    assert times, "the registry shows the agreement's times"
    for shown in times:
        clock = CLOCK.search(shown)
        assert clock is not None, shown
        assert f'<bdi dir="ltr">{clock.group(0)}</bdi>' in shown, f"clock not isolated: {shown}"
    showing = re.search(r'data-testid="showing">(.*?)</span>', body)
    assert showing is not None
    assert showing.group(1) == "عرض <bdi>1</bdi>–<bdi>3</bdi> من <bdi>3</bdi>"
    assert "<bdi>3</bdi> أطراف" in body
    assert "<bdi>Cessation of Hostilities</bdi> —" in body  # a Latin title before Arabic
    # Left to right, the same values read in order already: the markup stays plain.
    english = client.get("/", params={"lang": "en"}).text
    assert "<bdi" not in english.split("<main>", 1)[1]
    assert 'data-testid="showing">Showing 1–3 of 3</span>' in english

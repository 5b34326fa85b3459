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


def test_the_registry_counts_parties_with_the_russian_plural(client: TestClient) -> None:
    assert "3 стороны" in client.get("/?lang=ru").text
    assert "Реестр сторон" in client.get("/?lang=ru").text
    assert "3 أطراف" in client.get("/?lang=ar").text


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

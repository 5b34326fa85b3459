"""A party's sources on its page, over HTTP: web addresses are links to their publishers, the
rest (a javascript: address, a remark) is plain text. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.helpers import World
from truce.domain.permissions import SYSTEM
from truce.services import parties
from truce.web.app import create_app

UN = "https://www.un.org/press/en/2016/sc12261.doc.htm"
RU_WIKI = "https://ru.wikipedia.org/wiki/%D0%94%D0%B6%D0%B5%D0%B9%D1%88_%D0%B0%D0%BB%D1%8C-%D0%A4%D0%B0%D1%82%D1%85"
SCRIPT = "javascript:alert(document.cookie)"
REMARK = "UN listing of Al-Qaida in Iraq (QDe.115), 18 Oct 2004"
LINK = re.compile(
    r'<a href="(?P<href>[^"]*)" rel="(?P<rel>[^"]*)"[^>]*><strong>(?P<host>[^<]*)</strong>'
)


def sources_html(client: TestClient, party_id: int) -> str:
    response = client.get(f"/parties/{party_id}")
    assert response.status_code == 200
    return response.text.split('data-testid="sources"', 1)[1].split("</ul>", 1)[0]


def test_sources_are_links_to_their_publishers_and_other_texts_stay_text(world: World) -> None:
    cmd = parties.NewParty("Jaish al-Fatah", sources=(UN, RU_WIKI, SCRIPT, REMARK))
    with world.truce.uow() as uow:
        party_id = parties.create_party(cmd, uow, actor=SYSTEM)
    shown = sources_html(TestClient(create_app(world.truce)), party_id)
    links = [m.groupdict() for m in LINK.finditer(shown)]
    assert links == [
        {"href": UN, "rel": "noopener noreferrer", "host": "un.org"},
        {"href": RU_WIKI, "rel": "noopener noreferrer", "host": "ru.wikipedia.org"},
    ]
    assert "/wiki/Джейш_аль-Фатх</a>" in shown  # the title is readable, the link is as given
    assert "javascript:" not in shown.split(SCRIPT)[0]  # never inside an attribute
    assert f"<li>{SCRIPT}</li>" in shown
    assert f"<li>{REMARK}</li>" in shown

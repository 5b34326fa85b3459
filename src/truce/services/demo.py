"""The demo: the 2016 scenario, one user of each role with a known password, and the news.

`truce demo` calls these and prints what they did; the browser tests set up the same demo.
The passwords are public (they are printed on every start of the demo): never use them
elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from truce.domain.permissions import SYSTEM, Actor, Role
from truce.domain.reports import Channel, ReportDraft, evolve
from truce.importers import template
from truce.importers.rows import Cells, CsvFile, Row
from truce.ledger.entry import HOLDER
from truce.ledger.keyfile import load_key_file, new_key_file
from truce.ledger.keys import Signer
from truce.news.extract import articles_in, run
from truce.services import news, reports, scenario, users
from truce.services.reports import Filed
from truce.store.uow import UnitOfWork

OpenUow = Callable[[], AbstractContextManager[UnitOfWork]]
SCENARIO = "syria-2016"
# The labelled articles of data/news, beside the package in a source checkout.
ARTICLES = Path(__file__).resolve().parents[3] / "data" / "news" / "articles"
# The seed article carries no date of its own (data/news/labels.json gives this one).
SEED_ARTICLE, SEED_PUBLISHED = "seed.txt", datetime(2016, 2, 23, 9, tzinfo=UTC)


@dataclass(frozen=True)
class DemoUser:
    """A demo sign-in: one user of each role, bound as that role needs."""

    username: str
    role: Role
    state: str | None = None
    party_slug: str | None = None

    @property
    def password(self) -> str:
        return password(self.username)

    @property
    def bound_to(self) -> str:
        return self.state or self.party_slug or ""


USERS = (
    DemoUser("admin", Role.ADMIN),
    DemoUser("us-ops", Role.GUARANTOR, state="US"),
    DemoUser("ru-ops", Role.GUARANTOR, state="RU"),
    DemoUser("uk-member", Role.MEMBER, state="GB"),
    DemoUser("monitor", Role.MONITOR),
    DemoUser("fsa-liaison", Role.LIAISON, party_slug="free-syrian-army"),
    DemoUser("saa-liaison", Role.LIAISON, party_slug="syrian-arab-army"),
    DemoUser("analyst", Role.ANALYST),
)
# Who reads the news into the demo.
NEWS_READER = "monitor"
# Reports filed by demo users, one file per filer (Truce's CSV template, named by the user):
# accounts of real UCDP GED events of March 2016, told as each side would tell them.
FILED_REPORTS = Path(__file__).resolve().parents[3] / "data" / "demo-reports"


def password(username: str) -> str:
    """The demo password of a demo user."""
    return f"{username}-demo-2016"


def is_empty(uow: UnitOfWork) -> bool:
    """Whether the database holds no agreement yet: the demo loads only into such a one."""
    return not uow.agreements.all()


@dataclass(frozen=True)
class DeskKey:
    """The private key of one of the scenario's guarantor desks, in a file the desk holds."""

    username: str
    path: Path
    signer: Signer


def desk_keys(folder: Path) -> list[DeskKey]:
    """The scenario's guarantor desks' keys, as files (mode 0600) in ``folder``: made when
    missing, read when there (a key file is never overwritten). The server never sees them but
    through the intents they sign."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = []
    for desk in scenario.read_scenario(SCENARIO).get("desks", []):
        name = desk["username"]
        path = folder / f"{name}.key"
        if not path.exists():
            new_key_file(path)
        keys.append(DeskKey(name, path, load_key_file(path, name)))
    return keys


def load_scenario_and_users(
    open_uow: OpenUow, *, actor: Actor, keys: list[DeskKey] | None = None
) -> int:
    """Load the 2016 scenario (one transaction), its guarantor desks signing with ``keys``
    (made in memory and kept nowhere when not given), then add the demo users; the
    agreement's id."""
    holders = {key.username: key.signer for key in keys or []}
    with open_uow() as uow:
        agreement_id = scenario.load_scenario(
            scenario.read_scenario(SCENARIO), uow, actor=actor, holders=holders
        )
    for user in USERS:
        with open_uow() as uow:
            party = uow.parties.by_slug(user.party_slug) if user.party_slug else None
            cmd = users.NewUser(
                user.username,
                user.role,
                user.password,
                state=user.state,
                party_id=party.id if party else None,
            )
            users.add_user(cmd, uow, actor=actor)
    return agreement_id


def enrolment_codes(open_uow: OpenUow) -> dict[str, str]:
    """A one-time enrolment code for each demo guarantor whose key the server still holds:
    at their first sign-in, the browser makes their key with it and holds it from then on
    (docs/ledger.md, "In the browser"). A fresh code on every start, until they have enrolled."""
    codes = {}
    for user in USERS:
        if user.role is not Role.GUARANTOR:
            continue
        with open_uow() as uow:
            row = uow.users.by_name(user.username)
            if row is None or not row.active or uow.users.custody(row.id) == HOLDER:
                continue
            codes[user.username] = users.issue_enrolment_code(user.username, uow, actor=SYSTEM)
    return codes


def news_files(folder: Path = ARTICLES) -> list[Path]:
    """The demo's articles: none when the folder is not there (an installed package)."""
    return list(articles_in(folder)) if folder.is_dir() else []


def load_news(open_uow: OpenUow, files: list[Path]) -> Iterator[Path]:
    """Read and store each article, as the demo's monitor; yields each file once it is in."""
    with open_uow() as uow:
        extractor = news.registry_extractor(uow)
        reader = uow.users.by_name(NEWS_READER)
        assert reader is not None, "the demo users are added before the news"
        actor = users.actor_of(reader)
    for file in files:
        moment = SEED_PUBLISHED if file.name == SEED_ARTICLE else None
        for outcome in run(extractor, [file], moment):
            with open_uow() as uow:
                news.ingest(news.Ingest(outcome, extractor.book), uow, actor=actor)
        yield file


def sign_ins(uow: UnitOfWork) -> list[DemoUser]:
    """The demo users this database holds, in the order they are shown."""
    return [user for user in USERS if uow.users.by_name(user.username) is not None]


def filed_reports(folder: Path = FILED_REPORTS) -> list[tuple[str, Path]]:
    """The demo users' report files, as (username, file): none in an installed package."""
    if not folder.is_dir():
        return []
    known = {user.username for user in USERS}
    return [(file.stem, file) for file in sorted(folder.glob("*.csv")) if file.stem in known]


def file_demo_reports(open_uow: OpenUow, files: list[tuple[str, Path]]) -> Iterator[Filed]:
    """File each row of each user's file as that user, through the web form's channel: each
    report is checked, stored and linked as one filed in the form would be."""
    for username, file in files:
        with open_uow() as uow:
            filer = uow.users.by_name(username)
            assert filer is not None, "the demo users are added before their reports"
            actor = users.actor_of(filer)
        for draft in _drafts(file):
            with open_uow() as uow:
                yield reports.file_report(draft, uow, actor=actor)


def _drafts(file: Path) -> Iterator[ReportDraft]:
    with CsvFile(file) as source:
        for row in source.rows():
            assert isinstance(row, Row), f"{file.name}: {row}"
            cells = Cells(row.values)
            draft = template.parse(cells)
            assert not cells.problems, f"{file.name} row {row.number}: {cells.problems}"
            yield evolve(draft, channel=Channel.FORM)

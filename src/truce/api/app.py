"""The JSON API: thin routes that parse, call a service and render."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import IO, Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from truce import __version__
from truce.api import checkpoints as checkpoint_routes
from truce.api import clocks as clock_routes
from truce.api import counts as count_routes
from truce.api import errors, openapi, schemas, views
from truce.api import findings as finding_routes
from truce.api import hotline as hotline_routes
from truce.api import incidents as incident_routes
from truce.api import places as place_routes
from truce.api import published as published_routes
from truce.api import reports as report_routes
from truce.api import sitreps as sitrep_routes
from truce.api import sitreps_two_ledgers as two_ledger_routes
from truce.api import territory as territory_routes
from truce.api import webhooks as webhook_routes
from truce.api.deps import (
    RECEIPT_HEADER,
    CurrentActor,
    MaybeActor,
    Reader,
    Writer,
    client_address,
    get_truce,
    optional_actor,
)
from truce.api.schemas import MAX_ID
from truce.bootstrap import Truce
from truce.domain.agreement import State, Term
from truce.domain.errors import NotFound
from truce.domain.i18n import N_
from truce.domain.paging import DEFAULT_LIMIT
from truce.domain.parties import Status
from truce.domain.permissions import Actor, redact
from truce.domain.proposals import Accord, ProposalState
from truce.domain.times import read_period
from truce.ledger.canonical import canonical_bytes
from truce.ledger.intents import b64url
from truce.services import agreements, common, exports, ledger, news, parties, standing, users

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
TOO_MANY_ATTEMPTS: dict[str, Any] = {
    "model": schemas.ErrorOut,
    "description": "Too many failed sign-ins for this user name or from this address.",
    "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
}
AgreementQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Default: newest.")]
TruceDep = Annotated[Truce, Depends(get_truce)]
_BOUND = (
    "a date (its whole day in the newest agreement's time zone) or an RFC 3339 time (without"
    " an offset: that agreement's clock)"
)
Since = Annotated[
    str | None,
    Query(max_length=40, description=f"From {_BOUND}.", examples=["2016-02-27"]),
]
Until = Annotated[
    str | None,
    Query(
        max_length=40, description=f"Before {_BOUND}; a date is included.", examples=["2016-02-28"]
    ),
]

TAGS = [
    {"name": "agreements", "description": "Agreements, their terms, guarantors and members."},
    {"name": "parties", "description": "The registry: parties, aliases and their standing."},
    {"name": "standing", "description": "Commitments, designations, two-key status proposals."},
    {"name": "users", "description": "Users and API tokens."},
    {"name": "ledger", "description": "The signed, hash-chained record of every change."},
    {"name": "territory", "description": "Areas, applicability and disagreements."},
    {"name": "news", "description": "Articles and the statements extracted from them."},
    {"name": "reports", "description": "Accounts of what happened, from every channel."},
    {
        "name": "incidents",
        "description": "Reports merged into incidents, checked against the terms.",
    },
    {
        "name": "exports",
        "description": "Reports as ACLED- and UCDP-shaped CSV, reports and incidents as GeoJSON.",
    },
]


async def _receipt_header(request: Request, call_next: Any) -> Response:
    """Give the author of a signed intent the receipt of the entries it became."""
    response: Response = await call_next(request)
    uow = getattr(request.state, "truce_writer", None)
    receipt = uow.last_receipt if uow is not None else None
    if receipt is not None and response.status_code < 400:
        response.headers[RECEIPT_HEADER] = b64url(canonical_bytes(receipt.to_json()))
    return response


def create_api(truce: Truce) -> FastAPI:
    """The API application, to be mounted at /api/v1."""
    api = FastAPI(
        title="Truce API",
        version=__version__,
        description="Run and monitor a ceasefire. Reads are public (redacted) or token-"
        "authenticated; every write needs a token and is signed into the ledger.",
        openapi_url="/openapi.json",
        docs_url=None,  # the web app serves /api/v1/docs (truce.web.app)
        redoc_url=None,
        openapi_tags=TAGS,
        # Every route reads the Authorization header, so a malformed one is refused alike
        # everywhere rather than ignored where the route does not care who asks.
        dependencies=[Depends(optional_actor)],
    )
    api.state.truce = truce
    api.middleware("http")(_receipt_header)
    errors.install(api)
    openapi.install(api)
    _agreement_routes(api)
    _party_routes(api)
    _standing_routes(api)
    _user_routes(api)
    _ledger_routes(api)
    checkpoint_routes.install(api)
    published_routes.install(api)  # before the sitreps' kinds: /sitreps/published is none
    sitrep_routes.install(api)
    two_ledger_routes.install(api)
    territory_routes.install(api)
    _news_routes(api)
    report_routes.install(api)
    count_routes.install(api)  # before the incident routes: /incidents/counts is no id
    incident_routes.install(api)
    webhook_routes.install(api)
    hotline_routes.install(api)
    clock_routes.install(api)
    finding_routes.install(api)
    place_routes.install(api)
    return api


def _agreement_routes(api: FastAPI) -> None:
    @api.get("/states", tags=["agreements"])
    def list_states(uow: Reader) -> list[dict[str, str]]:
        return [{"code": s.code, "name": s.name, "kind": s.kind} for s in uow.states.all()]

    @api.post("/states", status_code=201, tags=["agreements"])
    def add_state(body: schemas.StateIn, actor: CurrentActor, uow: Writer) -> dict[str, str]:
        state = agreements.add_state(State(body.code, body.name, body.kind), uow, actor=actor)
        return {"code": state.code, "name": state.name, "kind": state.kind}

    @api.get("/agreements", tags=["agreements"])
    def list_agreements(uow: Reader) -> list[dict[str, Any]]:
        names = uow.states.names()
        return [views.agreement(a, names) for a in agreements.list_agreements(uow)]

    @api.get("/agreements/{agreement_id}", tags=["agreements"])
    def get_agreement(agreement_id: PathId, uow: Reader) -> dict[str, Any]:
        return views.agreement(common.agreement(uow, agreement_id), uow.states.names())

    @api.get("/agreements/{agreement_id}/terms/{number}", tags=["agreements"])
    def get_term(
        agreement_id: PathId, number: Annotated[int, Path(ge=1, le=1000)], uow: Reader
    ) -> dict[str, Any]:
        item = common.agreement(uow, agreement_id)
        return views.term(item, item.term(number))

    @api.post("/agreements", status_code=201, tags=["agreements"])
    def create_agreement(
        body: schemas.AgreementIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        cmd = agreements.NewAgreement(
            slug=body.slug,
            title=body.title,
            signed_at=body.signed_at,
            effective_at=body.effective_at,
            acceptance_deadline=body.acceptance_deadline,
            timezone=body.timezone,
            guarantors=tuple(body.guarantors),
            members=tuple(body.members),
            excluded_lists=tuple(body.excluded_lists),
            terms=tuple(Term(t.number, t.title, t.text) for t in body.terms),
        )
        created = agreements.create_agreement(cmd, uow, actor=actor)
        return views.agreement(created, uow.states.names())


def _party_routes(api: FastAPI) -> None:
    @api.get(
        "/parties", tags=["parties"], response_model=dict[str, Any], responses=views.CSV_DOWNLOAD
    )
    def list_parties(
        request: Request,
        response: Response,
        uow: Reader,
        actor: MaybeActor,
        truce: TruceDep,
        q: Annotated[str | None, Query(max_length=200, description="Name in any script.")] = None,
        agreement_id: AgreementQuery = None,
        status: Status | None = None,
        accord: Annotated[
            Accord | None,
            Query(description="Where the guarantors stand: agreed, pending or disputed."),
        ] = None,
        cursor: schemas.CursorQuery = None,
        limit: schemas.LimitQuery = DEFAULT_LIMIT,
        format: schemas.CsvFormat = None,
    ) -> Any:
        """The registry, by name (best match first for `q`); `format=csv` downloads it all."""
        if views.wants(request, format, "csv"):
            found_all = exports.registry_csv(
                partial(truce.uow, write=False),
                actor=actor,
                agreement_id=agreement_id,
                query=q,
                status=status,
                accord_is=accord,
            )
            return views.download(found_all)
        agreement, found = parties.registry(
            uow,
            actor=actor,
            agreement_id=agreement_id,
            query=q,
            status=status,
            accord_is=accord,
            cursor=cursor,
            limit=limit,
        )
        entries = [views.registry_entry(e, actor) for e in found.items]
        return views.listing(found, entries, request, response, agreement_id=agreement.id, query=q)

    @api.get("/parties/{party_id}", tags=["parties"])
    def get_party(
        party_id: PathId, uow: Reader, actor: MaybeActor, agreement_id: AgreementQuery = None
    ) -> dict[str, Any]:
        _, detail = parties.party_detail(uow, party_id, actor=actor, agreement_id=agreement_id)
        return views.party_detail(detail, actor)

    @api.post("/parties", status_code=201, tags=["parties"])
    def create_party(body: schemas.PartyIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        cmd = parties.NewParty(
            name=body.name,
            side=body.side,
            aliases=tuple((a.text, a.lang) for a in body.aliases),
            coalition_id=body.coalition_id,
            sponsor=body.sponsor,
            notes=body.notes,
            slug=body.slug,
        )
        party_id = parties.create_party(cmd, uow, actor=actor)
        _, detail = parties.party_detail(uow, party_id, actor=actor)
        return views.party_detail(detail, actor)

    @api.post("/parties/{party_id}/aliases", status_code=201, tags=["parties"])
    def add_alias(
        party_id: PathId, body: schemas.AliasIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        alias = parties.NewAlias(party_id, body.text, body.lang, body.valid_from, body.valid_to)
        parties.add_alias(alias, uow, actor=actor)
        return jsonable_encoder({"party_id": party_id, **body.model_dump()})  # type: ignore[no-any-return]


def _standing_routes(api: FastAPI) -> None:
    @api.get("/commitments", tags=["standing"])
    def list_commitments(
        uow: Reader,
        actor: MaybeActor,
        agreement_id: AgreementQuery = None,
        party_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> list[dict[str, Any]]:
        agreement = common.agreement(uow, agreement_id)
        rows = uow.commitments.list(agreement.id, party_id)
        return [redact(jsonable_encoder(r), actor) for r in rows]

    @api.post("/commitments", status_code=201, tags=["standing"])
    def record_commitment(
        body: schemas.CommitmentIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        cmd = standing.RecordCommitment(**body.model_dump())
        result: dict[str, Any] = jsonable_encoder(standing.record_commitment(cmd, uow, actor=actor))
        return result

    @api.get("/designations", tags=["standing"])
    def list_designations(
        uow: Reader, party_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
    ) -> list[dict[str, Any]]:
        rows = uow.designations.of(party_id)
        fields = ("id", "party_id", "list_name", "reference", "listed_at", "delisted_at", "source")
        return [jsonable_encoder({f: getattr(r, f) for f in fields}) for r in rows]

    @api.post("/designations", status_code=201, tags=["standing"])
    def record_designation(
        body: schemas.DesignationIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        cmd = standing.RecordDesignation(**body.model_dump())
        return {"id": standing.record_designation(cmd, uow, actor=actor)}

    _proposal_routes(api)


def _proposal_routes(api: FastAPI) -> None:
    @api.get("/status-proposals", tags=["standing"])
    def list_proposals(
        uow: Reader,
        actor: MaybeActor,
        agreement_id: AgreementQuery = None,
        state: ProposalState | None = None,
        party_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> list[dict[str, Any]]:
        agreement = common.agreement(uow, agreement_id)
        found = uow.proposals.list(agreement.id, party_id, state)
        return [views.proposal(p, actor) for p in parties.proposal_views(uow, found, actor=actor)]

    @api.get("/status-proposals/{proposal_id}", tags=["standing"])
    def get_proposal(proposal_id: PathId, uow: Reader, actor: MaybeActor) -> dict[str, Any]:
        found = uow.proposals.get(proposal_id)
        if found is None:
            raise NotFound(N_("There is no proposal {id}."), field="proposal_id", id=proposal_id)
        return views.proposal(parties.proposal_views(uow, [found], actor=actor)[0], actor)

    @api.post("/status-proposals", status_code=201, tags=["standing"])
    def propose(body: schemas.ProposalIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        cmd = standing.ProposeStatus(**body.model_dump())
        proposal = standing.propose_status(cmd, uow, actor=actor)
        return views.proposal(parties.proposal_views(uow, [proposal], actor=actor)[0], actor)

    @api.post("/status-proposals/{proposal_id}/decision", tags=["standing"])
    def decide(
        proposal_id: PathId, body: schemas.DecisionIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        cmd = standing.DecideProposal(proposal_id, body.decision, body.reason)
        proposal = standing.decide_proposal(cmd, uow, actor=actor)
        return views.proposal(parties.proposal_views(uow, [proposal], actor=actor)[0], actor)

    @api.post("/status-proposals/{proposal_id}/withdraw", tags=["standing"])
    def withdraw(proposal_id: PathId, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        proposal = standing.withdraw_proposal(proposal_id, uow, actor=actor)
        return views.proposal(parties.proposal_views(uow, [proposal], actor=actor)[0], actor)


def _user_routes(api: FastAPI) -> None:
    @api.post(
        "/tokens",
        status_code=201,
        tags=["users"],
        response_model=schemas.TokenOut,
        responses={429: TOO_MANY_ATTEMPTS},
    )
    def issue_token(
        body: schemas.TokenIn,
        request: Request,
        uow: Writer,
        truce: Annotated[Truce, Depends(get_truce)],
    ) -> schemas.TokenOut:
        """A new API token for a user name and password; wrong passwords are limited."""
        cmd = users.SignIn(body.username, body.password, client_address(request))
        actor = users.sign_in(cmd, uow, limits=truce.sign_ins)
        issued = users.issue(body.label, uow, actor=actor)
        return schemas.TokenOut(
            id=issued.id, token=issued.token, username=actor.username, role=actor.role
        )

    @api.delete("/tokens/{token_id}", status_code=204, tags=["users"])
    def revoke_token(token_id: PathId, actor: CurrentActor, uow: Writer) -> Response:
        users.revoke_token(token_id, uow, actor=actor)
        return Response(status_code=204)

    @api.get("/users/me", tags=["users"])
    def me(actor: CurrentActor, uow: Reader) -> dict[str, Any]:
        return jsonable_encoder(users.get_user(actor.user_id, uow, actor=actor))  # type: ignore[no-any-return]

    @api.get("/users", tags=["users"])
    def list_users(actor: CurrentActor, uow: Reader) -> list[dict[str, Any]]:
        return jsonable_encoder(users.list_users(uow, actor=actor))  # type: ignore[no-any-return]

    @api.get("/users/{user_id}", tags=["users"])
    def get_user(user_id: PathId, actor: CurrentActor, uow: Reader) -> dict[str, Any]:
        return jsonable_encoder(users.get_user(user_id, uow, actor=actor))  # type: ignore[no-any-return]

    @api.post("/users", status_code=201, tags=["users"])
    def add_user(body: schemas.UserIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        cmd = users.NewUser(**body.model_dump())
        return jsonable_encoder(users.add_user(cmd, uow, actor=actor))  # type: ignore[no-any-return]


def _ledger_routes(api: FastAPI) -> None:
    @api.get("/ledger/head", tags=["ledger"])
    def head(uow: Reader) -> dict[str, Any]:
        seq, hash_ = uow.ledger.head()
        return {"seq": seq, "hash": hash_, "checkpoint": f"{seq}:{hash_}" if hash_ else None}

    @api.get("/ledger", tags=["ledger"])
    def page(
        request: Request,
        response: Response,
        actor: CurrentActor,
        uow: Reader,
        after: Annotated[
            int, Query(ge=0, le=MAX_ID, description="Start after this seq (a known head).")
        ] = 0,
        cursor: schemas.CursorQuery = None,
        limit: schemas.LimitQuery = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        """The entries in seq order, a page at a time."""
        found = ledger.entries(uow, actor=actor, after=after, cursor=cursor, limit=limit)
        seq, hash_ = uow.ledger.head()
        entries = [views.ledger_entry(e) for e in found.items]
        return views.listing(found, entries, request, response, head={"seq": seq, "hash": hash_})

    @api.get("/ledger/export", tags=["ledger"], response_class=views.JsonLines)
    def export(
        actor: CurrentActor, truce: Annotated[Truce, Depends(get_truce)]
    ) -> StreamingResponse:
        """The whole ledger as JSON Lines; verify it offline with `truce ledger verify --file`."""
        return ledger_download(truce, actor)


def ledger_download(truce: Truce, actor: Actor) -> StreamingResponse:
    """The ledger export as a file download, for the API and the web page alike."""
    spool, count = ledger.export_for(truce.db, actor=actor)
    name = f"truce-ledger-{count}.jsonl"
    return StreamingResponse(
        _chunks(spool),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _chunks(spool: IO[str]) -> Iterator[bytes]:
    # Closes the spool once streamed (or when the client goes away).
    with spool:
        while chunk := spool.read(1 << 16):
            yield chunk.encode("utf-8")


def _news_routes(api: FastAPI) -> None:
    @api.get(
        "/statements", tags=["news"], response_model=dict[str, Any], responses=views.CSV_DOWNLOAD
    )
    def list_statements(
        request: Request,
        response: Response,
        uow: Reader,
        truce: TruceDep,
        speaker: Annotated[str | None, Query(max_length=100)] = None,
        party_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        since: Since = None,
        until: Until = None,
        cursor: schemas.CursorQuery = None,
        limit: schemas.LimitQuery = DEFAULT_LIMIT,
        format: schemas.CsvFormat = None,
    ) -> Any:
        """Who said what, newest first, with the article each statement comes from."""
        start, end = read_period(since, until, zone=partial(common.timezone, uow))
        filters: news.StatementFilters = {
            "speaker": speaker,
            "party_id": party_id,
            "since": start,
            "until": end,
        }
        if views.wants(request, format, "csv"):
            reading = partial(truce.uow, write=False)
            return views.download(exports.statements_csv(reading, **filters))
        found = news.statements(uow, **filters, cursor=cursor, limit=limit)
        return views.listing(found, jsonable_encoder(found.items), request, response)

    @api.get("/articles", tags=["news"])
    def list_articles(
        request: Request,
        response: Response,
        uow: Reader,
        cursor: schemas.CursorQuery = None,
        limit: schemas.LimitQuery = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        """Ingested articles, newest first."""
        fields = ("id", "title", "outlet", "url", "published", "source_line", "digest")
        found = news.articles(uow, cursor=cursor, limit=limit)
        items = [jsonable_encoder({f: getattr(a, f) for f in fields}) for a in found.items]
        return views.listing(found, items, request, response)

    @api.get("/articles/{article_id}", tags=["news"])
    def get_article(article_id: PathId, uow: Reader) -> dict[str, Any]:
        """An article's text and everything extracted from it, with offsets into the text."""
        row = news.article(uow, article_id)
        fields = (
            "id",
            "title",
            "outlet",
            "url",
            "published",
            "source_line",
            "digest",
            "text",
            "extraction",
            "ingested_at",
        )
        return jsonable_encoder({f: getattr(row, f) for f in fields})  # type: ignore[no-any-return]

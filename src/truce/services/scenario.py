"""Loading a scenario: an agreement, its states, parties and their history, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from truce.domain.agreement import State, Term
from truce.domain.breaches import parse_rule
from truce.domain.errors import Conflict, Invalid
from truce.domain.i18n import N_
from truce.domain.parties import Alias, Status
from truce.domain.permissions import Action, Actor, Role, require
from truce.domain.proposals import Decision
from truce.domain.territory import Review
from truce.domain.times import read_time
from truce.geo.geojson import Feature, parse, read_features
from truce.ledger import intents
from truce.ledger.entry import HOLDER
from truce.ledger.keys import Signer
from truce.services import agreements, parties, standing, territory, users
from truce.store.uow import OfferedIntent, UnitOfWork

BUILT_IN = ("syria-2016",)
# A desk signs each step at the step's own (historical) time, which is the unit of work's clock
# while the step is written: the intent's client_time matches it exactly.
_STEP_WINDOW = timedelta(seconds=1)


def read_scenario(name_or_path: str) -> dict[str, Any]:
    """A built-in scenario by name, or a scenario JSON file by path."""
    if name_or_path in BUILT_IN:
        text = (
            resources.files("truce.scenarios").joinpath(f"{name_or_path}.json").read_text("utf-8")
        )
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise Invalid(
                N_("No scenario {name!r}: give one of {known} or a JSON file."),
                field="scenario",
                name=name_or_path,
                known=", ".join(BUILT_IN),
            )
        text = path.read_text("utf-8")
    try:
        data: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(
            N_("The scenario is not valid JSON: {error}."), field="scenario", error=str(exc)
        ) from exc
    return data


def _alias(given: list[str | None]) -> Alias:
    """[text, lang] or, for a name held for a time, [text, lang, valid_from, valid_to]."""
    text, lang, *days = given
    start, end = ([*days, None, None])[:2]
    return Alias(
        str(text),
        str(lang),
        date.fromisoformat(start) if start else None,
        date.fromisoformat(end) if end else None,
    )


def _with_doubts(text: str, doubts: list[str]) -> str:
    return f"{text} [uncertain: {'; '.join(doubts)}]" if doubts else text


def _term(spec: dict[str, Any]) -> Term:
    breach = spec.get("breach")
    rule = None if breach is None else parse_rule(spec["number"], breach)
    return Term(spec["number"], spec["title"], spec["text"], rule)


class _Loader:
    """Replays a scenario through the services, each step at its historical time."""

    def __init__(
        self,
        data: dict[str, Any],
        uow: UnitOfWork,
        actor: Actor,
        holders: Mapping[str, Signer],
    ) -> None:
        self.data = data
        self.uow = uow
        self.actor = actor  # who loads it: the states, agreement, desks, parties and listings
        self.holders = holders  # each desk's own key, by user name
        self.keys: dict[str, int] = {}
        self.desks: dict[str, Actor] = {}
        self.signers: dict[str, Signer] = {}  # by state code: the desks that hold their key

    @contextmanager
    def signed(self, code: str, step: str, record: dict[str, Any]) -> Iterator[Actor]:
        """Write one step as the desk of ``code``: a desk that holds its own key signs the
        step's intent (the scenario record it makes) at the step's time, so its entries rest on
        its key and not on the server's."""
        desk = self.desks[code]
        signer = self.signers.get(code)
        if signer is None:
            with self.uow.authored(None):
                yield desk
            return
        intent, signature = intents.sign_intent(
            signer,
            action=f"scenario {step}",
            subject=f"agreement:{self.data['agreement']['slug']}",
            payload={"record": record},
            at=self.uow.now(),
        )
        with self.uow.authored(OfferedIntent(intent, signature, _STEP_WINDOW)):
            yield desk

    def at(self, moment: datetime) -> None:
        self.uow.clock = lambda: moment

    def time(self, record: dict[str, Any], key: str) -> datetime:
        """A time of the scenario, read as every typed time is (domain/times.py)."""
        return read_time(record[key], field=key, zone=self.data["agreement"]["timezone"])

    def run(self) -> int:
        spec = self.data["agreement"]
        if self.uow.agreements.by_slug(spec["slug"]) is not None:
            raise Conflict(
                N_("The scenario's agreement {slug!r} is already loaded."),
                field="scenario",
                slug=spec["slug"],
            )
        self.at(self.time(spec, "signed_at"))
        self.states()
        agreement_id = self.agreement(spec)
        self.desk_users()
        self.parties()
        self.designations()
        self.commitments(agreement_id)
        self.status(agreement_id)
        self.areas(agreement_id)
        return agreement_id

    def states(self) -> None:
        for item in self.data["states"]:
            if self.uow.states.get(item["code"]) is None:
                agreements.add_state(
                    State(item["code"], item["name"], item.get("kind", "state")),
                    self.uow,
                    actor=self.actor,
                )

    def agreement(self, spec: dict[str, Any]) -> int:
        cmd = agreements.NewAgreement(
            slug=spec["slug"],
            title=spec["title"],
            signed_at=self.time(spec, "signed_at"),
            effective_at=self.time(spec, "effective_at"),
            acceptance_deadline=self.time(spec, "acceptance_deadline"),
            timezone=spec["timezone"],
            guarantors=tuple(spec["guarantors"]),
            members=tuple(spec.get("members", [])),
            excluded_lists=tuple(spec.get("excluded_lists", [])),
            terms=tuple(_term(t) for t in spec.get("terms", [])),
            procedures=dict(spec.get("procedures", {})),
        )
        return agreements.create_agreement(cmd, self.uow, actor=self.actor).id

    def desk_users(self) -> None:
        for desk in self.data.get("desks", []):
            name = desk["username"]
            existing = self.uow.users.by_name(name)
            if existing is None:
                # The desk holds its own key: the server keeps only the public half.
                signer = self.holders.get(name) or Signer.generate(name)
                cmd = users.NewUser(
                    name,
                    Role.GUARANTOR,
                    None,
                    desk.get("display_name", ""),
                    state=desk["state"],
                    public_key=signer.public_key,
                )
                users.add_user(cmd, self.uow, actor=self.actor)
                existing = self.uow.users.by_name(name)
                self.signers[desk["state"]] = signer
            elif name in self.holders and self.uow.users.custody(existing.id) == HOLDER:
                self.signers[desk["state"]] = self.holders[name]
            assert existing is not None
            self.desks[desk["state"]] = users.actor_of(existing)

    def parties(self) -> None:
        # Coalitions first, so members can name them.
        ordered = sorted(self.data["parties"], key=lambda p: p.get("coalition") is not None)
        for item in ordered:
            existing = self.uow.parties.by_slug(item.get("slug") or parties.slugify(item["name"]))
            if existing is not None:
                self.keys[item["key"]] = existing.id
                continue
            cmd = parties.NewParty(
                name=item["name"],
                side=item.get("side", ""),
                aliases=tuple(_alias(a) for a in item.get("aliases", [])),
                coalition_id=self.keys[item["coalition"]] if item.get("coalition") else None,
                sponsor=item.get("sponsor"),
                notes=item.get("notes", ""),
                uncertain=tuple(item.get("uncertain", [])),
                sources=tuple(item.get("sources", [])),
            )
            self.keys[item["key"]] = parties.create_party(cmd, self.uow, actor=self.actor)

    def designations(self) -> None:
        for item in self.data.get("designations", []):
            cmd = standing.RecordDesignation(
                party_id=self.keys[item["party"]],
                list_name=item["list_name"],
                reference=item["reference"],
                listed_at=self.time(item, "listed_at"),
                source=_with_doubts(item.get("source", ""), item.get("uncertain", [])),
            )
            standing.record_designation(cmd, self.uow, actor=self.actor)

    def commitments(self, agreement_id: int) -> None:
        for item in self.data.get("commitments", []):
            moment = self.time(item, "committed_at")
            self.at(moment)
            cmd = standing.RecordCommitment(
                agreement_id,
                self.keys[item["party"]],
                item["guarantor"],
                moment,
                item.get("channel", ""),
                _with_doubts(item.get("note", ""), item.get("uncertain", [])),
            )
            with self.signed(item["guarantor"], "commitment", item) as desk:
                standing.record_commitment(cmd, self.uow, actor=desk)

    def status(self, agreement_id: int) -> None:
        steps = sorted(self.data.get("status", []), key=lambda s: s["proposed_at"])
        proposals = [self.propose(agreement_id, step) for step in steps]
        decided = [(p, s) for p, s in zip(proposals, steps, strict=True) if s["decision"] != "open"]
        for proposal_id, step in sorted(decided, key=lambda pair: pair[1]["decided_at"]):
            self.decide(proposal_id, step)

    def propose(self, agreement_id: int, step: dict[str, Any]) -> int:
        self.at(self.time(step, "proposed_at"))
        reason = _with_doubts(step["reason"], step.get("uncertain", []))
        cmd = standing.ProposeStatus(
            agreement_id, self.keys[step["party"]], Status(step["status"]), reason
        )
        with self.signed(step["proposer"], "proposal", step) as desk:
            return standing.propose_status(cmd, self.uow, actor=desk).id

    def decide(self, proposal_id: int, step: dict[str, Any]) -> None:
        self.at(self.time(step, "decided_at"))
        other = next(code for code in self.desks if code != step["proposer"])
        cmd = standing.DecideProposal(
            proposal_id, Decision(step["decision"]), step.get("decision_reason", "")
        )
        with self.signed(other, "decision", step) as desk:
            standing.decide_proposal(cmd, self.uow, actor=desk)

    def areas(self, agreement_id: int) -> None:
        name = self.data.get("areas_file")
        if not name:
            return
        text = resources.files("truce.scenarios").joinpath(name).read_text("utf-8")
        good, bad = read_features(parse(json.loads(text)))
        if bad:
            raise Invalid(
                N_("The scenario's areas are invalid: {problem}."),
                field="scenario",
                problem=str(bad[0]),
            )
        for feature in good:
            self.area(agreement_id, feature)

    def area(self, agreement_id: int, feature: Feature) -> None:
        props = feature.properties
        start = self.time(props, "valid_from")
        self.at(start)
        cmd = territory.AssertArea(
            agreement_id=agreement_id,
            party_id=self.keys[props["party"]],
            guarantor=props["guarantor"],
            geometry={},
            valid_from=start,
            valid_to=self.time(props, "valid_to") if props.get("valid_to") else None,
            label=props.get("label", feature.name),
            source=props.get("source", ""),
            confidence=props.get("confidence", "medium"),
            approximate=bool(props.get("approximate", True)),
        )
        # The desk signs the area's properties; the shape is the scenario's file, which the
        # properties name (areas_file).
        with self.signed(props["guarantor"], "area", props) as desk:
            area_id = territory.store_area(cmd, self.uow, actor=desk, shape=feature.shape)
        review = props.get("review", "pending")
        if review != "pending":
            other = next(code for code in self.desks if code != props["guarantor"])
            answer = territory.ReviewArea(area_id, Review(review))
            with self.signed(other, "review", props) as desk:
                territory.review_area(answer, self.uow, actor=desk)


def load_scenario(
    data: dict[str, Any],
    uow: UnitOfWork,
    *,
    actor: Actor,
    holders: Mapping[str, Signer] | None = None,
) -> int:
    """Load a scenario in one transaction; the id of its agreement. Nothing lands on error.
    ``actor`` (an admin, or the system at the command line) records the agreement and its
    registry; each guarantor's desk records its own commitments, proposals and areas.

    The desks hold their own keys (custody ``holder``): the server stores only their public
    keys, and every entry a desk writes carries the intent it signed. ``holders`` gives the
    keys by desk user name (the caller keeps them: the demo writes them to files); a desk not
    in it gets a key made here and kept nowhere, so nobody can sign as it after the load."""
    require(actor, Action.CREATE_AGREEMENT)
    clock = uow.clock
    try:
        with uow.batch():
            agreement_id = _Loader(data, uow, actor, holders or {}).run()
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(
            N_("The scenario is malformed: {error}."), field="scenario", error=repr(exc)
        ) from exc
    finally:
        uow.clock = clock
    return agreement_id

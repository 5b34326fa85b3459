"""SQLAlchemy 2 tables. Times are stored in UTC; the entrypoints show them in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored as UTC; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: attach a time zone before storing")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Instance(Base):
    """This installation: its system key (which signs the genesis entry) and secret check."""

    __tablename__ = "instance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    sealed_seed: Mapped[bytes] = mapped_column(LargeBinary)
    secret_check: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StateRow(Base):
    __tablename__ = "states"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="state")


class AgreementRow(Base):
    __tablename__ = "agreements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acceptance_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    procedures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgreementStateRow(Base):
    __tablename__ = "agreement_states"
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    state_code: Mapped[str] = mapped_column(ForeignKey("states.code"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (CheckConstraint("role in ('guarantor', 'member')", name="role"),)


class ExcludedListRow(Base):
    __tablename__ = "excluded_lists"
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    list_name: Mapped[str] = mapped_column(String(200), primary_key=True)


class TermRow(Base):
    __tablename__ = "terms"
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    breach: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the rule, as parse_rule reads it


class PartyRow(Base):
    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), unique=True)
    side: Mapped[str] = mapped_column(String(100), default="")
    coalition_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    sponsor_state: Mapped[str | None] = mapped_column(ForeignKey("states.code"))
    notes: Mapped[str] = mapped_column(Text, default="")
    uncertain: Mapped[list[str]] = mapped_column(JSON, default=list)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AliasRow(Base):
    __tablename__ = "party_aliases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    lang: Mapped[str] = mapped_column(String(16), default="en")
    folded: Mapped[str] = mapped_column(String(300), index=True)
    # The days the party went by this name (a group renamed keeps its old names, dated).
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("party_id", "text", name="party_text"),)


class DesignationRow(Base):
    __tablename__ = "designations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    list_name: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(200))
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommitmentRow(Base):
    __tablename__ = "commitments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    guarantor_state: Mapped[str] = mapped_column(ForeignKey("states.code"))
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (Index("ix_commitments_agreement_party", "agreement_id", "party_id"),)


class ProposalVoteRow(Base):
    """A guarantor's answer to a status proposal that left it open: with more than two
    guarantors, the answer that decides it (under the agreement's rule) closes it."""

    __tablename__ = "proposal_votes"
    proposal_id: Mapped[int] = mapped_column(ForeignKey("status_proposals.id"), primary_key=True)
    state: Mapped[str] = mapped_column(ForeignKey("states.code"), primary_key=True)
    vote: Mapped[str] = mapped_column(String(10))
    voted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (CheckConstraint("vote in ('approve', 'reject')", name="vote"),)


class ProposalRow(Base):
    __tablename__ = "status_proposals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposer_state: Mapped[str] = mapped_column(ForeignKey("states.code"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="open")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decider_state: Mapped[str | None] = mapped_column(ForeignKey("states.code"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        Index("ix_status_proposals_agreement_party", "agreement_id", "party_id"),
        Index("ix_status_proposals_state", "state"),
    )


class StatusChangeRow(Base):
    __tablename__ = "status_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    status: Mapped[str] = mapped_column(String(20))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cause: Mapped[str] = mapped_column(String(20))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("status_proposals.id"))
    designation_id: Mapped[int | None] = mapped_column(ForeignKey("designations.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (Index("ix_status_changes_agreement_party", "agreement_id", "party_id"),)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    state_code: Mapped[str | None] = mapped_column(ForeignKey("states.code"))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # None when the user holds their own key (custody "holder"): the server keeps only the
    # public key, so nobody here can sign in their name.
    sealed_seed: Mapped[bytes | None] = mapped_column(LargeBinary)
    custody: Mapped[str] = mapped_column(String(8), default="server", server_default="server")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The user's chosen language (a code of truce.i18n.SUPPORTED); None: the browser decides.
    locale: Mapped[str | None] = mapped_column(String(8))


class TokenRow(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SessionRow(Base):
    """One web sign-in. The cookie holds a random token; only its hash is stored here, so the
    session ends on the server (sign-out, password change, user disabled) whatever the cookie."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class LedgerEntryRow(Base):
    """One ledger entry, stored exactly as hashed: ``at`` and ``payload`` are canonical text."""

    __tablename__ = "ledger_entries"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    prev: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    sig: Mapped[str] = mapped_column(String(100))
    # The author's signed intent (canonical text) when the author holds their own key.
    intent: Mapped[str | None] = mapped_column(Text)
    intent_sig: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (Index("ix_ledger_entries_subject", "subject"),)


class IntentNonceRow(Base):
    """Every intent nonce accepted, so that a signed intent cannot be replayed."""

    __tablename__ = "intent_nonces"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EnrolmentCodeRow(Base):
    """A one-time code an admin gives a user so their browser can register its own key."""

    __tablename__ = "enrolment_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LedgerHeadRow(Base):
    """The newest entry; writers lock this row so the chain cannot fork."""

    __tablename__ = "ledger_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))


_SEQ = BigInteger().with_variant(Integer, "sqlite")


class MerkleNodeRow(Base):
    """The hash of one complete subtree of the ledger's Merkle tree: the ``2**level`` leaves
    from ``idx * 2**level`` (level 0: a leaf hash). Written with each append, never changed."""

    __tablename__ = "merkle_nodes"
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    idx: Mapped[int] = mapped_column(_SEQ, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class CheckpointRow(Base):
    """A tree head the server signed, as the C2SP signed note it published."""

    __tablename__ = "ledger_checkpoints"
    size: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WitnessKeyRow(Base):
    """A guarantor's witness key: it cosigns checkpoints (a cosignature/v1 vkey)."""

    __tablename__ = "witness_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    vkey: Mapped[str] = mapped_column(String(300))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CosignatureRow(Base):
    """A witness's cosignature on a checkpoint: its signature line, checked when posted."""

    __tablename__ = "ledger_cosignatures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(ForeignKey("ledger_checkpoints.size"), index=True)
    witness_key_id: Mapped[int] = mapped_column(ForeignKey("witness_keys.id"))
    line: Mapped[str] = mapped_column(String(400))
    timestamp: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (UniqueConstraint("size", "witness_key_id"),)


class AreaRow(Base):
    """One guarantor's assertion that a party is active in an area, for a time.

    Rows are never rewritten: a new assertion that replaces an old one records ``supersedes_id``,
    and the old row's ``superseded_at`` caches when its validity ends because of it.
    """

    __tablename__ = "areas"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    asserted_by: Mapped[str] = mapped_column(ForeignKey("states.code"))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    label: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[str] = mapped_column(String(10), default="medium")
    approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    review: Mapped[str] = mapped_column(String(10), default="pending")
    geometry: Mapped[bytes] = mapped_column(LargeBinary)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    point_lon: Mapped[float | None] = mapped_column(Float)
    point_lat: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        CheckConstraint("review in ('pending', 'accepted', 'disputed')", name="review"),
        Index("ix_areas_bbox", "min_lon", "max_lon", "min_lat", "max_lat"),
    )


class AreaReviewRow(Base):
    """The other guarantor's answer to an area: accepted or disputed, with why."""

    __tablename__ = "area_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    reviewer_state: Mapped[str] = mapped_column(ForeignKey("states.code"))
    review: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArticleRow(Base):
    """A news article as received; ``digest`` makes ingesting it twice a no-op."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    outlet: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_line: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    extraction: Mapped[dict[str, Any]] = mapped_column(JSON)
    ingested_by: Mapped[str] = mapped_column(String(64))
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatementRow(Base):
    """Who said what, as extracted from an article, with the offsets it rests on."""

    __tablename__ = "statements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    speaker: Mapped[str] = mapped_column(String(300), index=True)
    role: Mapped[str | None] = mapped_column(String(300))
    affiliation: Mapped[str | None] = mapped_column(String(300))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    quote: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))
    cue: Mapped[str] = mapped_column(String(60))
    reported_by: Mapped[str | None] = mapped_column(String(200))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    said_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confidence: Mapped[float] = mapped_column(Float)


class ImportRow(Base):
    """One file being imported, or imported: resumed from ``last_row`` after an interruption.

    A file is known by its SHA-256 and its kind, so importing it again finds this row and adds
    nothing; ``last_row`` is the last data row (1-based, the header not counted) whose batch
    was committed, with the counts so far."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    # The file's header: a report's raw row is its values in this order.
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default="running")
    last_row: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        UniqueConstraint("sha256", "kind", name="uq_imports_sha256_kind"),
        CheckConstraint("state in ('running', 'finished')", name="state"),
    )


class ImportRejectRow(Base):
    """A row of an imported file that was not stored: where, which column, and why."""

    __tablename__ = "import_rejects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"))
    row: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    values: Mapped[list[str]] = mapped_column(JSON)
    __table_args__ = (UniqueConstraint("import_id", "row", name="uq_import_rejects_import_row"),)


class ReportRow(Base):
    """One account of something that happened, from one source, as received (never edited).

    ``fatalities`` and ``injured`` are the report's totals (best figures) of ``casualties``,
    which holds each category's low / best / high. ``raw`` is the source's row as it came (an
    imported file's values, under its import's ``columns``), for exports that give it back
    verbatim."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(300), default="")
    source_reliability: Mapped[str | None] = mapped_column(String(20))
    source_ref: Mapped[str | None] = mapped_column(Text)
    reporter: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurred_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    occurred_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_precision: Mapped[str] = mapped_column(String(10), default="day")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    location: Mapped[str | None] = mapped_column(String(300))
    geo_precision: Mapped[str | None] = mapped_column(String(20))
    admin1: Mapped[str | None] = mapped_column(String(200))
    admin2: Mapped[str | None] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(60))
    sub_event_type: Mapped[str] = mapped_column(String(80))
    weapon_class: Mapped[str | None] = mapped_column(String(60))
    actor1: Mapped[str | None] = mapped_column(String(300))
    actor2: Mapped[str | None] = mapped_column(String(300))
    actor1_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    actor2_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    fatalities: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    evidence_start: Mapped[int | None] = mapped_column(Integer)
    evidence_end: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    # Since 0005: the whole report record (docs/incidents.md, "The report record").
    content_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    hide_reporter: Mapped[bool] = mapped_column(Boolean, default=False)
    country: Mapped[str | None] = mapped_column(String(200))
    lang: Mapped[str | None] = mapped_column(String(35))
    injured: Mapped[int | None] = mapped_column(Integer)
    casualties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actor_matches: Mapped[list[Any] | None] = mapped_column(JSON)
    raw: Mapped[list[str] | None] = mapped_column(JSON)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    import_row: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        Index("ix_reports_channel_occurred", "channel", "occurred_start"),
        Index("ix_reports_occurred", "occurred_start"),  # the counts' periods (0017)
        UniqueConstraint("source", "source_ref", name="uq_reports_source_ref"),
        Index("ix_reports_import_row", "import_id", "import_row"),
    )


class AttachmentRow(Base):
    """A file attached to reports (a photo, a scan), stored once by the SHA-256 of its bytes."""

    __tablename__ = "attachments"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), default="")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_by: Mapped[str] = mapped_column(String(64))
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReportAttachmentRow(Base):
    __tablename__ = "report_attachments"
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("attachments.sha256"), primary_key=True)


class WebhookSubscriptionRow(Base):
    """A receiver of webhooks: its address, the event types it wants, and its signing secret,
    sealed with the instance's secret (never stored, logged or shown again in the clear)."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(300), default="")
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookEventRow(Base):
    """An event in the outbox, written in the transaction of the change it tells of."""

    __tablename__ = "webhook_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)  # the webhook-id header
    event_type: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)  # the JSON sent, byte for byte on every attempt
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDeliveryRow(Base):
    """One event for one subscription: its attempts, the next one's time, the last answer."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        CheckConstraint("state in ('pending', 'delivered', 'failed')", name="state"),
    )


class AllegationFilingRow(Base):
    """Who filed an allegation by hand (the check against the terms files the others), with
    the incidents it names and the evidence given."""

    __tablename__ = "allegation_filings"
    allegation_id: Mapped[int] = mapped_column(ForeignKey("allegations.id"), primary_key=True)
    incident_ids: Mapped[list[int]] = mapped_column(JSON)
    evidence: Mapped[str] = mapped_column(Text, default="")
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AllegationAssessmentRow(Base):
    """One guarantor's assessment of an allegation, sealed until every guarantor has given
    one; an amendment is the next version, never an edit."""

    __tablename__ = "allegation_assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    allegation_id: Mapped[int] = mapped_column(ForeignKey("allegations.id"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    conclusion: Mapped[str] = mapped_column(String(20))
    nature: Mapped[str] = mapped_column(String(500), default="")
    extent: Mapped[str] = mapped_column(String(500), default="")
    threat: Mapped[str] = mapped_column(String(10))
    rationale: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        UniqueConstraint("allegation_id", "state", "version"),
        CheckConstraint(
            "conclusion in ('confirmed', 'not_confirmed', 'inconclusive')", name="conclusion"
        ),
        CheckConstraint("threat in ('low', 'medium', 'high')", name="threat"),
    )


class FindingRow(Base):
    """The joint finding on an allegation: made once (the unique allegation says so)."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    allegation_id: Mapped[int] = mapped_column(ForeignKey("allegations.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    __table_args__ = (
        CheckConstraint(
            "state in ('confirmed', 'not_confirmed', 'inconclusive', 'disputed')", name="state"
        ),
    )


class InformationRequestRow(Base):
    """A guarantor's question about an allegation to the suspected party (its liaisons) or its
    sponsoring guarantor, with the deadline for the answer."""

    __tablename__ = "information_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    allegation_id: Mapped[int] = mapped_column(ForeignKey("allegations.id"), index=True)
    to_side: Mapped[str] = mapped_column(String(40))  # party:12 or state:US
    question: Mapped[str] = mapped_column(Text)
    asker_state: Mapped[str] = mapped_column(String(10))
    asked_by: Mapped[str] = mapped_column(String(64))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was reported


class ReferralRow(Base):
    """A party referred to the members: its confirmed findings tripped the agreement's rule.
    Exclusion then goes through a status proposal, decided jointly."""

    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    finding_ids: Mapped[list[int]] = mapped_column(JSON)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClockResetRow(Base):
    """A proposal to reset a condition clock, and what became of it: reset only when every
    guarantor approved (``domain.clocks.all_agree``)."""

    __tablename__ = "clock_resets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    clock: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    proposer_state: Mapped[str] = mapped_column(String(10))
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="open")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        CheckConstraint("state in ('open', 'agreed', 'refused', 'withdrawn')", name="state"),
        Index("ix_clock_resets_clock", "agreement_id", "clock"),
    )


class ClockVoteRow(Base):
    """One guarantor's answer to a reset: approve or reject, with its reason."""

    __tablename__ = "clock_votes"
    reset_id: Mapped[int] = mapped_column(ForeignKey("clock_resets.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), primary_key=True)
    vote: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    voted_by: Mapped[str] = mapped_column(String(64))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (CheckConstraint("vote in ('approve', 'reject')", name="vote"),)


class HotlineThreadRow(Base):
    """A hotline thread: between every guarantor, or one guarantor and one party."""

    __tablename__ = "hotline_threads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    sides: Mapped[list[str]] = mapped_column(JSON)  # state:US, party:12
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (CheckConstraint("kind in ('guarantors', 'liaison')", name="kind"),)


class HotlineMessageRow(Base):
    """A message as written, its priority and when each receiving side must acknowledge it."""

    __tablename__ = "hotline_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("hotline_threads.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    author_side: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (CheckConstraint("priority in ('urgent', 'routine')", name="priority"),)


class HotlineReceiptRow(Base):
    """One receiving side of a message: when it was first read, acknowledged, found overdue."""

    __tablename__ = "hotline_receipts"
    message_id: Mapped[int] = mapped_column(ForeignKey("hotline_messages.id"), primary_key=True)
    side: Mapped[str] = mapped_column(String(40), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was reported
    __table_args__ = (Index("ix_hotline_receipts_open", "acknowledged_at", "due_at"),)


class HotlineEventRow(Base):
    """What happened on the hotline, in order, for the live feed: a message sent, read or
    acknowledged. A browser that reconnects asks for the events after the last it saw."""

    __tablename__ = "hotline_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("hotline_threads.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("hotline_messages.id"))
    kind: Mapped[str] = mapped_column(String(20))  # message, read, acknowledged, overdue
    side: Mapped[str] = mapped_column(String(40))  # who sent, read or acknowledged
    sides: Mapped[list[str]] = mapped_column(JSON)  # who may see it: the thread's sides
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class IncidentRow(Base):
    """What happened, once: the summary of the reports merged into it, and its check against
    the terms. A merge keeps the removed incident's row (``merged_into_id`` set, and a
    tombstone), so its id is never given to another incident."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    time_precision: Mapped[str] = mapped_column(String(10))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[str | None] = mapped_column(String(20))
    admin1: Mapped[str | None] = mapped_column(String(200))
    admin2: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(300))
    event_type: Mapped[str] = mapped_column(String(60), index=True)  # the most reported kind
    sub_event_type: Mapped[str] = mapped_column(String(80))
    kinds: Mapped[list[Any]] = mapped_column(JSON)  # every kind: [[type, sub-type], ...]
    killed_low: Mapped[int | None] = mapped_column(Integer)
    killed_best: Mapped[int | None] = mapped_column(Integer)
    killed_high: Mapped[int | None] = mapped_column(Integer)
    casualties: Mapped[list[Any]] = mapped_column(JSON)  # [{measure, category, low, best, high}]
    reports: Mapped[int] = mapped_column(Integer, default=1)  # how many reports it holds
    assessed_perpetrator_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    # The guarantors' approved assessment names nobody (0007): with no assessed_perpetrator_id
    # the incident is unassessed, unless this is set.
    perpetrator_undetermined: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    verdict: Mapped[str | None] = mapped_column(String(20), index=True)  # applicability
    outcome: Mapped[str | None] = mapped_column(String(20), index=True)  # the check's
    outcome_reason: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    __table_args__ = (
        Index("ix_incidents_place", "lon", "lat"),
        Index("ix_incidents_outcome_start", "outcome", "start"),  # the clocks' read (0015)
        {"sqlite_autoincrement": True},
    )


class AssessmentRow(Base):
    """One guarantor's proposed perpetrator for an incident (``party_id`` None: undetermined)
    and the other guarantor's answer: two keys, as for statuses (0007)."""

    __tablename__ = "incident_assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    reason: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposer_state: Mapped[str] = mapped_column(ForeignKey("states.code"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="open")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decider_state: Mapped[str | None] = mapped_column(ForeignKey("states.code"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        Index("ix_incident_assessments_incident_state", "incident_id", "state"),
        CheckConstraint(
            "state in ('open', 'approved', 'rejected', 'withdrawn', 'superseded')", name="state"
        ),
    )


class IncidentReportRow(Base):
    """A report's place in an incident: one incident per report, with the link that put it
    there (its score and the comparisons behind it) or the person who did."""

    __tablename__ = "incident_reports"
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    linked_to: Mapped[int | None] = mapped_column(Integer)  # the report it was linked to
    match_probability: Mapped[float | None] = mapped_column(Float)
    match_weight: Mapped[float | None] = mapped_column(Float)
    comparisons: Mapped[list[Any]] = mapped_column(JSON)  # [{comparison, level, bayes_factor}]
    links: Mapped[list[Any]] = mapped_column(JSON)  # every link scored for it, with outcomes
    linked_by: Mapped[str] = mapped_column(String(64))  # "linkage", or the user who moved it
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AllegationRow(Base):
    """A claim that an incident breached a term by a party, opened by the check against the
    terms (state ``open``); the guarantors' assessment takes it forward."""

    __tablename__ = "allegations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # incident:term:party
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    term: Mapped[int] = mapped_column(Integer)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # for the guarantors to look at
    state: Mapped[str] = mapped_column(String(20), default="open")
    reason: Mapped[dict[str, Any]] = mapped_column(JSON)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (CheckConstraint("state in ('open')", name="state"),)


class TombstoneRow(Base):
    """An incident removed by a merge, for mirrors: which one, into which, when and why."""

    __tablename__ = "tombstones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    merged_into_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    removed_by: Mapped[str] = mapped_column(String(64))
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PublishedReportRow(Base):
    """A situation report as issued (docs/reports.md): its canonical JSON and the digests of
    its JSON, HTML and PDF in each language, as the ``report.published`` entry records them.
    ``params_key`` (kind and canonical parameters) is unique, so two workers publishing the
    same bulletin at its cut-off store it once: the second insert fails and is rolled back."""

    __tablename__ = "published_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    params_key: Mapped[str] = mapped_column(String(500), unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ledger_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    ledger_hash: Mapped[str | None] = mapped_column(String(64))
    json_digest: Mapped[str] = mapped_column(String(64))
    digests: Mapped[dict[str, Any]] = mapped_column(JSON)  # {lang: {html, pdf}}
    content: Mapped[str] = mapped_column(Text)  # the canonical JSON, as digested
    entry_seq: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)

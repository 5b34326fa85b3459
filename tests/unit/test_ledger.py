"""The ledger: canonical bytes, sealed entries, the verifier, and the export file."""

import hashlib
import importlib
import io
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from truce.ledger.canonical import (
    MAX_SAFE_INTEGER,
    NotCanonical,
    canonical_bytes,
    canonical_text,
    loads_canonical,
    trusted_text,
)
from truce.ledger.entry import (
    ENTRY_FIELDS,
    FORMAT,
    GENESIS_ACTION,
    KEY_REGISTERED,
    KEY_REVOKED,
    Entry,
    body_bytes,
    digest,
    key_payload,
    rfc3339,
    seal,
)
from truce.ledger.export import ExportError, Header, read_entries, read_header, write_export
from truce.ledger.keys import Signer, public_key_id, signature_holds
from truce.ledger.verify import KnownHead, Report, verify

SYSTEM = Signer(bytes(range(32)), "system")
US = Signer(bytes(range(1, 33)), "us-one")
RU = Signer(bytes(range(2, 34)), "ru-one")
STRANGER = Signer(bytes(range(3, 35)), "system")  # claims to be the system; never registered
START = datetime(2016, 2, 22, 17, 0, tzinfo=UTC)
Chain = Sequence[Entry]


# --- building chains ---------------------------------------------------------------------------


def append(
    chain: Chain,
    signer: Signer,
    action: str = "report.filed",
    subject: str = "report:1",
    payload: dict[str, Any] | None = None,
) -> list[Entry]:
    seq = len(chain) + 1
    entry = seal(
        signer,
        seq=seq,
        at=rfc3339(START + timedelta(minutes=seq)),
        action=action,
        subject=subject,
        payload={"n": seq} if payload is None else payload,
        prev=chain[-1].hash if chain else None,
    )
    return [*chain, entry]


def genesis(instance: str = "unit-test") -> list[Entry]:
    payload = {"format": FORMAT, "instance": instance, "keys": [key_payload(SYSTEM)]}
    return append([], SYSTEM, GENESIS_ACTION, "ledger", payload)


def forge(entry: Entry, signer: Signer, **changes: Any) -> Entry:
    """The entry with ``changes``, freshly hashed and signed by ``signer``, claiming any actor."""
    fields = {name: getattr(entry, name) for name in ENTRY_FIELDS} | changes
    body = body_bytes(**fields)
    return Entry(**fields, hash=digest(body), sig=signer.sign(body))


def small_chain() -> tuple[Entry, ...]:
    chain = genesis()  # 1
    chain = append(chain, SYSTEM, "agreement.created", "agreement:1", {"slug": "syria-2016"})  # 2
    chain = append(chain, SYSTEM, KEY_REGISTERED, f"key:{US.key_id}", key_payload(US))  # 3
    chain = append(chain, US, "party.status_proposed", "party:9", {"status": "suspended"})  # 4
    chain = append(chain, SYSTEM, KEY_REGISTERED, f"key:{RU.key_id}", key_payload(RU))  # 5
    chain = append(chain, RU, "party.status_decided", "party:9", {"decision": "reject"})  # 6
    chain = append(chain, US, "commitment.recorded", "party:7", {"guarantor": "US"})  # 7
    chain = append(chain, SYSTEM, KEY_REVOKED, f"key:{US.key_id}", {"key_id": US.key_id})  # 8
    chain = append(chain, RU, "report.filed", "report:1", {"text": "قصف في دوما"})  # 9
    return tuple(chain)


CHAIN = small_chain()


def at(chain: Chain, seq: int) -> Entry:
    return chain[seq - 1]


def with_entry(chain: Chain, entry: Entry) -> list[Entry]:
    """The chain with the entry of the same seq replaced."""
    return [entry if item.seq == entry.seq else item for item in chain]


def reason_at(report: Report, seq: int) -> str:
    """Why the report fails, after checking that it names exactly entry ``seq``."""
    assert report.ok is False
    assert report.failure is not None
    assert report.failure.seq == seq
    assert report.failure.reason.startswith(f"entry {seq}:")
    return report.failure.reason


# --- canonical JSON ----------------------------------------------------------------------------


def test_canonical_known_vector() -> None:
    assert canonical_text({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'
    assert (
        canonical_bytes({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    )


def test_canonical_sorts_keys_at_every_depth_by_code_point() -> None:
    value = {"z": {"y": 1, "x": 2}, "é": 0, "A": [{"b": 1, "a": 2}]}
    assert canonical_text(value) == '{"A":[{"a":2,"b":1}],"z":{"x":2,"y":1},"é":0}'


def test_canonical_has_no_whitespace_and_keeps_non_ascii_as_utf8() -> None:
    text = canonical_text({"name": "جبهة النصرة", "ru": "Нусра", "list": [1, 2]})
    assert text == '{"list":[1,2],"name":"جبهة النصرة","ru":"Нусра"}'
    assert "\\u" not in text
    assert canonical_bytes({"k": "é"}) == b'{"k":"\xc3\xa9"}'


def test_canonical_is_independent_of_insertion_order() -> None:
    assert canonical_bytes({"a": 1, "b": {"c": 2, "d": 3}}) == canonical_bytes(
        {"b": {"d": 3, "c": 2}, "a": 1}
    )


@pytest.mark.parametrize("value", [True, False, None, 0, -1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])
def test_canonical_scalars(value: object) -> None:
    assert json.loads(canonical_text(value)) == value
    assert canonical_text(True) == "true"


@pytest.mark.parametrize(
    "value",
    [
        1.5,
        1.0,
        {"lat": 36.2},
        [1, [2, 0.5]],
        2**53,
        -(2**53),
        {"n": 10**20},
        {1: "a"},
        {("a",): 1},
        {"a": {None: 1}},
        {"𝒳": 1},
        {"a": {1, 2}},
        {"a": b"bytes"},
        {"a": datetime(2016, 2, 26, tzinfo=UTC)},
    ],
)
def test_values_without_a_canonical_form_are_refused(value: object) -> None:
    with pytest.raises(NotCanonical):
        canonical_text(value)


def test_strings_outside_the_bmp_are_allowed_as_values() -> None:
    assert canonical_text({"a": "𝒳"}) == '{"a":"𝒳"}'


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (b'{"b":1,"a":[true,null,"\xc3\xa9",-9007199254740991]}', True),
        (b'{"a":"\\u00e9 \\n"}', True),
        (b'{"lat":36.2}', False),
        (b"[1,[2,1.0]]", False),
        (b'{"n":9007199254740992}', False),
        (b'{"n":-9007199254740992}', False),
        (b'{"n":NaN}', False),
        (b'{"n":-Infinity}', False),
        ('{"𝒳":1}'.encode(), False),  # a key outside the BMP, raw
        (b'{"\\ud835\\udcb3":1}', False),  # and escaped
        ('{"a":"𝒳"}'.encode(), False),  # allowed, but only the walk tells a key from a value
    ],
)
def test_loads_canonical_trusts_only_text_whose_every_value_has_a_canonical_form(
    text: bytes, canonical: bool
) -> None:
    value, found = loads_canonical(text)
    assert repr(value) == repr(json.loads(text))  # decoded as json decodes it (NaN and all)
    assert found is canonical
    if found:
        assert trusted_text(value) == canonical_text(value)
    elif text != '{"a":"𝒳"}'.encode():  # the walk refuses all the others
        with pytest.raises(NotCanonical):
            canonical_text(value)


def test_an_entry_decoded_as_canonical_has_the_same_bytes_as_one_walked() -> None:
    signer = Signer.generate("system")
    entry = seal(signer, seq=1, at="2016-02-27T00:00:00.000000Z", action="test", subject="s",
                 payload={"é": [1, {"b": None, "a": "جبهة"}]}, prev=None)  # fmt: skip
    text = json.dumps(entry.to_json(), ensure_ascii=False).encode()
    data, canonical = loads_canonical(text)
    fast = Entry.from_json(data, canonical=canonical)
    assert canonical and fast.canonical and fast == Entry.from_json(json.loads(text))
    assert fast.body() == entry.body() and fast.payload_text() == canonical_text(entry.payload)
    assert digest(fast.body()) == entry.hash


# --- entries and keys --------------------------------------------------------------------------


def test_an_entry_survives_the_json_round_trip() -> None:
    for entry in CHAIN:
        data = entry.to_json()
        assert list(data) == [*ENTRY_FIELDS, "hash", "sig"]
        assert Entry.from_json(data) == entry
        assert Entry.from_json(json.loads(canonical_text(data))) == entry


def test_the_body_is_the_canonical_json_of_the_fields_without_hash_and_sig() -> None:
    entry = at(CHAIN, 4)
    body = entry.body()
    assert body == canonical_bytes({name: getattr(entry, name) for name in ENTRY_FIELDS})
    assert set(json.loads(body)) == set(ENTRY_FIELDS)
    assert entry.hash == hashlib.sha256(body).hexdigest()


def test_the_signature_holds_for_the_signer_only_and_the_body_only() -> None:
    entry = at(CHAIN, 4)
    assert signature_holds(US.public_key, entry.body(), entry.sig)
    assert not signature_holds(RU.public_key, entry.body(), entry.sig)
    assert not signature_holds(US.public_key, entry.body() + b" ", entry.sig)
    assert not signature_holds(US.public_key, entry.body(), "not base64!")


def test_seal_links_to_the_previous_hash_and_names_the_signer() -> None:
    entry = at(CHAIN, 4)
    assert entry.prev == at(CHAIN, 3).hash
    assert (entry.actor, entry.key_id) == ("us-one", US.key_id)
    assert at(CHAIN, 1).prev is None


def test_key_ids_and_key_payloads() -> None:
    assert US.key_id == hashlib.sha256(US.public_key).hexdigest()[:16]
    assert public_key_id(US.public_key) == US.key_id
    assert US.key_id != RU.key_id
    assert Signer(US.seed, "us-one").key_id == US.key_id
    payload = key_payload(US, role="guarantor")
    assert (payload["key_id"], payload["holder"], payload["role"]) == (
        US.key_id,
        "us-one",
        "guarantor",
    )
    assert US.seed.hex() not in repr(US)


def test_times_are_utc_with_microseconds() -> None:
    noon_damascus = datetime(2016, 2, 26, 12, 0, tzinfo=ZoneInfo("Asia/Damascus"))
    assert rfc3339(noon_damascus) == "2016-02-26T10:00:00.000000Z"


@pytest.mark.parametrize(
    "changes",
    [
        {"seq": "4"},
        {"seq": True},
        {"payload": ["a"]},
        {"key_id": ["a"]},
        {"sig": 5},
        {"prev": 1},
        {"at": None},
    ],
)
def test_from_json_refuses_wrong_types(changes: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        Entry.from_json(at(CHAIN, 4).to_json() | changes)


def test_from_json_refuses_a_missing_field() -> None:
    data = at(CHAIN, 4).to_json()
    del data["sig"]
    with pytest.raises(KeyError):
        Entry.from_json(data)


# --- verifying a small chain -------------------------------------------------------------------


def test_a_clean_chain_verifies() -> None:
    report = verify(CHAIN, genesis_hash=at(CHAIN, 1).hash, workers=1)
    assert report.ok
    assert report.failure is None
    assert (report.checked, report.head_seq) == (9, 9)
    assert report.head_hash == at(CHAIN, 9).hash
    assert report.genesis_hash == at(CHAIN, 1).hash


def test_a_clean_chain_extends_every_head_it_is_given() -> None:
    heads = [KnownHead(9, at(CHAIN, 9).hash), KnownHead(1, at(CHAIN, 1).hash)]
    assert verify(CHAIN, known_heads=heads, workers=1).ok


def test_progress_counts_the_entries_checked() -> None:
    counted: list[int] = []
    verify(CHAIN, workers=1, progress=counted.append)
    assert sum(counted) == len(CHAIN)


def test_an_empty_ledger_fails() -> None:
    report = verify([], workers=1)
    assert report.failure is not None
    assert report.failure.seq == 1
    assert "empty" in report.failure.reason


def test_a_payload_edited_without_a_new_hash() -> None:
    edited = replace(at(CHAIN, 4), payload={"status": "excluded"})
    report = verify(with_entry(CHAIN, edited), workers=1)
    assert "altered" in reason_at(report, 4)


def test_a_genesis_with_an_added_key() -> None:
    first = at(CHAIN, 1)
    edited = replace(
        first, payload={**first.payload, "keys": [key_payload(SYSTEM), key_payload(US)]}
    )
    reason_at(verify(with_entry(CHAIN, edited), workers=1), 1)


def test_an_entry_deleted_from_the_middle() -> None:
    report = verify([e for e in CHAIN if e.seq != 5], workers=1)
    reason_at(report, 5)


def test_two_adjacent_entries_swapped() -> None:
    chain = list(CHAIN)
    chain[3], chain[4] = chain[4], chain[3]
    reason_at(verify(chain, workers=1), 4)


def test_an_entry_inserted_with_a_renumbered_tail() -> None:
    chain = list(CHAIN[:5])
    chain = append(chain, US, "party.status_proposed", "party:3", {"status": "excluded"})
    chain += [replace(e, seq=e.seq + 1) for e in CHAIN[5:]]
    reason_at(verify(chain, workers=1), 7)


def test_an_entry_resealed_with_an_unregistered_key() -> None:
    original = at(CHAIN, 4)
    resealed = seal(
        STRANGER,
        seq=original.seq,
        at=original.at,
        action=original.action,
        subject=original.subject,
        payload=original.payload,
        prev=original.prev,
    )
    report = verify(with_entry(CHAIN, resealed), workers=1)
    assert "never registered" in reason_at(report, 4)


def test_an_entry_whose_signature_was_made_with_another_key() -> None:
    original = at(CHAIN, 6)
    resigned = replace(original, sig=STRANGER.sign(original.body()))
    report = verify(with_entry(CHAIN, resigned), workers=1)
    assert "signature" in reason_at(report, 6)


def test_an_entry_resigned_by_the_registered_key_of_another_holder() -> None:
    forged = forge(at(CHAIN, 6), US, key_id=US.key_id)  # still claims to be ru-one
    report = verify(with_entry(CHAIN, forged), workers=1)
    assert "ru-one" in reason_at(report, 6)


def test_a_revoked_key_signs_nothing_after_its_revocation() -> None:
    report = verify(append(CHAIN, US, "party.status_proposed", "party:9"), workers=1)
    assert "revoked" in reason_at(report, 10)


def test_revoking_one_key_leaves_the_others() -> None:
    assert verify(append(CHAIN, RU), workers=1).ok
    assert verify(append(CHAIN, SYSTEM), workers=1).ok


def test_a_key_registered_twice() -> None:
    chain = append(CHAIN[:5], SYSTEM, KEY_REGISTERED, f"key:{US.key_id}", key_payload(US))
    reason_at(verify(chain, workers=1), 6)


def test_a_first_entry_that_is_not_a_genesis() -> None:
    chain = append([], SYSTEM, "report.filed", "report:1", {"keys": [key_payload(SYSTEM)]})
    reason_at(verify(chain, workers=1), 1)


def test_a_payload_with_no_canonical_form_is_named_not_raised() -> None:
    tampered = replace(at(CHAIN, 4), payload={"lat": 36.2})
    reason_at(verify(with_entry(CHAIN, tampered), workers=1), 4)


def test_a_wrong_genesis_hash() -> None:
    report = verify(CHAIN, genesis_hash="0" * 64, workers=1)
    reason_at(report, 1)
    other = genesis("another-instance")
    reason_at(verify(other, genesis_hash=at(CHAIN, 1).hash, workers=1), 1)


def test_truncation_is_caught_only_against_a_known_head() -> None:
    truncated = CHAIN[:7]
    assert verify(truncated, workers=1).ok
    report = verify(truncated, known_heads=[KnownHead(9, at(CHAIN, 9).hash)], workers=1)
    assert "cut off" in reason_at(report, 8)


def test_a_fork_at_the_known_head() -> None:
    fork = append(CHAIN[:8], RU, "report.filed", "report:1", {"text": "another story"})
    assert verify(fork, workers=1).ok
    report = verify(fork, known_heads=[KnownHead(9, at(CHAIN, 9).hash)], workers=1)
    assert "forked" in reason_at(report, 9)


def test_a_fork_below_the_head_is_named_at_the_known_head() -> None:
    fork = append(CHAIN[:6], RU, "party.status_decided", "party:9", {"decision": "approve"})
    fork = append(fork, SYSTEM)
    head = KnownHead(7, at(CHAIN, 7).hash)
    reason_at(verify(fork, known_heads=[head], workers=1), 7)


def test_the_earliest_failure_wins_across_kinds_of_check() -> None:
    bad_signature = replace(at(CHAIN, 4), sig=STRANGER.sign(at(CHAIN, 4).body()))
    chain = [e for e in with_entry(CHAIN, bad_signature) if e.seq != 7]
    reason_at(verify(chain, workers=1), 4)


def test_known_head_parse() -> None:
    digest_hex = "AB" * 32
    assert KnownHead.parse(f"9:{digest_hex}") == KnownHead(9, digest_hex.lower())
    for text in ["9", f"x:{digest_hex}", "9:abc", f":{digest_hex}", f"-1:{digest_hex}"]:
        with pytest.raises(ValueError):
            KnownHead.parse(text)


# --- verifying a large chain in a process pool -------------------------------------------------

LARGE = 5200  # more than one batch of the verifier, so that it uses its process pool


@pytest.fixture(scope="module")
def large_chain() -> tuple[Entry, ...]:
    chain = genesis()
    chain = append(chain, SYSTEM, KEY_REGISTERED, f"key:{US.key_id}", key_payload(US))
    while len(chain) < LARGE:
        chain = append(chain, US if len(chain) % 2 else SYSTEM)
    return tuple(chain)


def with_bad_signature(chain: Chain, seq: int) -> list[Entry]:
    entry = at(chain, seq)
    return with_entry(chain, replace(entry, sig=STRANGER.sign(entry.body())))


def test_the_large_chain_is_large_enough_for_the_pool(large_chain: Chain) -> None:
    verify_module = importlib.import_module("truce.ledger.verify")
    assert len(large_chain) > verify_module._BATCH >= verify_module._SMALL


def test_a_large_clean_chain_verifies_alike_in_one_process_and_in_a_pool(
    large_chain: Chain,
) -> None:
    alone = verify(large_chain, workers=1)
    pooled = verify(large_chain, workers=2)
    assert alone.ok
    assert alone.checked == LARGE
    assert pooled == alone


@pytest.mark.parametrize("seq", [3001, 4500, LARGE])
def test_a_bad_signature_deep_in_a_large_chain_is_named_by_the_pool(
    large_chain: Chain, seq: int
) -> None:
    report = verify(with_bad_signature(large_chain, seq), workers=2)
    reason_at(report, seq)
    assert report.checked == seq - 1


def test_the_pool_names_the_earliest_of_several_bad_signatures(large_chain: Chain) -> None:
    chain = with_bad_signature(with_bad_signature(large_chain, 5100), 1200)
    reason_at(verify(chain, workers=2), 1200)


def test_the_pool_names_a_bad_signature_before_a_later_break(large_chain: Chain) -> None:
    chain = [e for e in with_bad_signature(large_chain, 4500) if e.seq != 5000]
    reason_at(verify(chain, workers=2), 4500)


# --- the export file ---------------------------------------------------------------------------


def header_for(chain: Chain) -> Header:
    return Header(
        format=FORMAT,
        genesis=chain[0].hash,
        count=len(chain),
        head=chain[-1].hash,
        exported_at="2016-03-01T09:00:00.000000Z",
    )


def export_to(path: Path, chain: Chain) -> Path:
    with path.open("w", encoding="utf-8") as out:
        assert write_export(out, header_for(chain), chain) == len(chain)
    return path


def replace_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_export_round_trip(tmp_path: Path) -> None:
    path = export_to(tmp_path / "ledger.jsonl", CHAIN)
    header = read_header(path)
    assert header == header_for(CHAIN)
    entries = list(read_entries(path))
    assert entries == list(CHAIN)
    assert verify(read_entries(path), genesis_hash=header.genesis, workers=1).ok


def test_export_lines_are_canonical_utf8(tmp_path: Path) -> None:
    path = export_to(tmp_path / "ledger.jsonl", CHAIN)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + len(CHAIN)
    assert all(line == canonical_text(json.loads(line)) for line in lines)
    assert "قصف في دوما" in lines[-1]


def test_write_export_to_any_text_stream() -> None:
    out = io.StringIO()
    assert write_export(out, header_for(CHAIN), CHAIN[:2]) == 2
    assert out.getvalue().count("\n") == 3


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        "[1, 2]",
        '{"seq": 5}',
        json.dumps(at(CHAIN, 5).to_json() | {"seq": "5"}),
        json.dumps(at(CHAIN, 5).to_json() | {"key_id": 5}),
    ],
)
def test_a_malformed_line_is_named(tmp_path: Path, bad: str) -> None:
    path = export_to(tmp_path / "ledger.jsonl", CHAIN)
    replace_line(path, 6, bad)  # the header is line 1, entry 5 is line 6
    seen: list[Entry] = []
    with pytest.raises(ExportError, match=r"^line 6: "):
        seen.extend(read_entries(path))
    assert seen == list(CHAIN[:4])


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = export_to(tmp_path / "ledger.jsonl", CHAIN[:3])
    text = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*text[:2], "", *text[2:], "oops"]) + "\n", encoding="utf-8")
    with pytest.raises(ExportError, match=r"^line 6: "):
        list(read_entries(path))


@pytest.mark.parametrize(
    "first_line",
    [
        "",
        "not json",
        '"truce-ledger/1"',
        '{"format": "truce-ledger/0"}',
        json.dumps({"format": FORMAT, "genesis": None}),
        json.dumps({**header_for(CHAIN).__dict__, "extra": 1}),
    ],
)
def test_a_bad_header_is_named(tmp_path: Path, first_line: str) -> None:
    path = export_to(tmp_path / "ledger.jsonl", CHAIN)
    replace_line(path, 1, first_line)
    with pytest.raises(ExportError, match=r"^line 1: "):
        read_header(path)


def test_an_empty_file_has_no_header(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ExportError, match=r"^line 1: "):
        read_header(path)


def test_the_head_reported_after_a_failure_is_the_last_verified_entry() -> None:
    bad = replace(at(CHAIN, 5), sig=at(CHAIN, 4).sig)
    report = verify(with_entry(CHAIN, bad), workers=1)
    assert report.failure is not None and report.failure.seq == 5
    assert (report.checked, report.head_seq, report.head_hash) == (4, 4, None)
    structural = verify(list(CHAIN[:6]) + list(CHAIN[7:]), workers=1)
    assert structural.failure is not None and structural.failure.seq == 7
    assert (structural.head_seq, structural.head_hash) == (6, at(CHAIN, 6).hash)

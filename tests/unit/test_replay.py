"""Replaying entries written before their payloads carried all a row holds: the row takes the
entry's time and the next id, and the replay counts the entry as an old payload."""

from datetime import UTC, datetime

from truce.ledger.entry import Entry
from truce.store import replay


def entry(seq: int, action: str, payload: dict) -> Entry:
    return Entry(seq, f"2016-02-2{seq}T10:00:00.000000Z", "system", "k", action,
                 f"party:{payload['party_id']}", payload, None, "", "")  # fmt: skip


OLD_CHANGE = {"agreement_id": 1, "party_id": 4, "status": "excluded",
              "effective_at": "2016-02-27T00:00:00.000000Z", "cause": "designation",
              "designation_id": 2}  # fmt: skip


def test_old_status_changes_take_the_entry_s_time_and_the_next_id() -> None:
    new = OLD_CHANGE | {"status_change_id": 7, "recorded_at": "2016-02-26T09:00:00.000001Z"}
    rebuilt = replay.replay([entry(1, "party.status_changed", new),
                             entry(2, "party.status_changed", OLD_CHANGE)])  # fmt: skip
    rows = rebuilt.rows["status_changes"]
    assert sorted(rows) == [(7,), (8,)]
    assert rows[(7,)]["recorded_at"] == datetime(2016, 2, 26, 9, 0, 0, 1, tzinfo=UTC)
    assert rows[(8,)]["recorded_at"] == datetime(2016, 2, 22, 10, 0, tzinfo=UTC)
    assert (rebuilt.entries, rebuilt.old_payloads) == (2, 1)


def test_actions_without_an_applier_are_skipped() -> None:
    rebuilt = replay.replay([entry(1, "report.published", {"party_id": 1})])
    assert rebuilt.entries == 0 and not any(rebuilt.rows.values())


def test_an_image_gives_back_the_row_value_for_value() -> None:
    """Floats, times, bytes and JSON travel as text in canonical JSON, and come back equal."""
    from truce.ledger.canonical import canonical_bytes

    row = {column.name: None for column in replay._table("areas").columns}
    row |= {"id": 3, "valid_from": datetime(2016, 2, 27, tzinfo=UTC), "approximate": True,
            "geometry": b"\x01\x03\x00", "min_lon": 36.12345678901234, "label": "Ḥoms"}  # fmt: skip
    image = replay.encode("areas", row)
    canonical_bytes(image)  # no float, so the ledger can carry it
    assert image["min_lon"] == "36.12345678901234"
    assert replay.decode("areas", image) == row
    report = {column.name: None for column in replay._table("reports").columns}
    report |= {"casualties": {"killed": [1, 2.5, 3]}, "reporter": "a neighbour", "raw": ["x"]}
    image = replay.encode("reports", report)
    assert "reporter" not in image and "raw" not in image  # never in the ledger
    assert replay.decode("reports", image) == report | {"reporter": None, "raw": None}

"""The columns the blocking rules and comparisons read, derived from the reports in DuckDB.

Per report: its family and mode (from :mod:`truce.domain.events`), its window in hours since
the epoch, time buckets, cells of four shifted spatial grids, the month keys of a coarse window,
normalised actor names and the set of words of its text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from truce.domain.events import event_kind
from truce.domain.text import fold


@dataclass(frozen=True)
class Grid:
    """The sizes blocking works with.

    Two point reports less than ``cell_degrees / 2`` apart in latitude and in longitude share a
    cell in at least one of the four grids (shifted by half a cell in each direction); two day
    reports whose midpoints are less than ``bucket_hours`` apart fall in one time bucket or in
    two adjacent ones.
    """

    cell_degrees: float = 0.1
    bucket_hours: float = 24.0


# Sources that give an event's two sides as a dyad, in their dataset's order, not as perpetrator
# and target, and that code the fighting rather than the weapon where they cannot tell it: UCDP
# GED (``truce.importers.ucdp.SOURCE``; "UCDP" as tests and the benchmark name it). Their
# actors and kinds are compared on levels of their own (``model.ACTORS``, ``model.KIND``).
DYAD_SOURCES = ("UCDP GED", "UCDP")

# Words as the linker splits a name or a text: at spaces and punctuation, not at hyphens or
# apostrophes, which ``fold`` reads inside a word ("al-Sham", "Hay'at").
WORD_BREAKS = r"[\s,.;:!?()\[\]{}/\\\"|+*=<>]+"


def normalise_name(name: str | None) -> str | None:
    """A name for fuzzy comparison: the registry's search key (one spelling per sound)."""
    if name is None:
        return None
    return fold(name) or None


def word_key(word: str) -> str:
    """One word's search key, without spaces; empty for an article standing alone ("al",
    "ash": ``fold`` drops them before a word) and for punctuation."""
    if fold(f"{word} x") == "x":
        return ""
    return fold(word).replace(" ", "")


def name_key(name: str | None) -> str | None:
    """A name as one key: its words' keys run together, so "Ash Shafah", "ash-Shafah" and
    "Shafah" give one key, and the key is found among a text's runs of words (see
    :func:`text_keys`)."""
    if name is None:
        return None
    return "".join(word_key(word) for word in re.split(WORD_BREAKS, name.lower())) or None


def text_keys(texts: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Each text's word keys, in order (a list per text): ``fold`` runs once per distinct word
    of the batch, not once per text."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    words = pc.split_pattern_regex(pc.utf8_lower(texts), WORD_BREAKS)
    flat = pc.list_flatten(words).dictionary_encode()
    vocabulary = pa.array([word_key(word) for word in flat.dictionary.to_pylist()], pa.string())
    keys = vocabulary.take(flat.indices)
    return pa.ListArray.from_arrays(words.offsets, keys)


def _kinds_table(table: pa.Table) -> pa.Table:
    pairs = (
        table.select(["event_type", "sub_event_type"])
        .group_by(["event_type", "sub_event_type"])
        .aggregate([])
        .to_pylist()
    )
    kinds = [event_kind(row["event_type"], row["sub_event_type"]) for row in pairs]
    return pa.table({
        "event_type": [row["event_type"] for row in pairs],
        "sub_event_type": [row["sub_event_type"] for row in pairs],
        "family": [kind.family.value for kind in kinds],
        "mode": [kind.mode.value for kind in kinds],
        "kind": [kind.sub_event_type for kind in kinds],
    })  # fmt: skip


def names_table(con: duckdb.DuckDBPyConnection, tables: Sequence[pa.Table]) -> pa.Table:
    """Every actor and place name of the reports: its folded form, its key, and for actors the
    name group it belongs to (:func:`_name_groups`). Build it once over all the reports that
    one run compares (new and existing), so that groups agree across them."""
    counts: Counter[str] = Counter()
    places: set[str] = set()
    for table in tables:
        for column in ("actor1", "actor2"):
            counted = pc.value_counts(table[column].drop_null())
            counts.update(dict(zip(counted.field("values").to_pylist(),
                                   counted.field("counts").to_pylist(), strict=True)))  # fmt: skip
        places |= set(table["location"].drop_null().unique().to_pylist())
    ordered = sorted(set(counts) | places)
    keys = [name_key(name) for name in ordered]
    weight: Counter[str] = Counter()
    for name, key in zip(ordered, keys, strict=True):
        if key is not None and name in counts:  # an actor's name (places have no group)
            weight[key] += counts[name]
    groups = _name_groups(con, weight)
    return pa.table({
        "name": ordered,
        "norm": [normalise_name(name) for name in ordered],
        "key": keys,
        "name_group": [None if key is None else groups.get(key, key) for key in keys],
    })  # fmt: skip


# Two actor keys that name one actor though they differ: one inside the other
# ("fatahhalab" in "fatahhalaboperationsrom"), or one letter apart in a long key
# ("mareoperationsrom", "mareaoperationsrom").
_NEAR_KEYS = """
select a.key as a, b.key as b from {keys} a join {keys} b on a.key < b.key
where (least(length(a.key), length(b.key)) >= 5 and
       (contains(a.key, b.key) or contains(b.key, a.key)))
   or (least(length(a.key), length(b.key)) >= 6 and abs(length(a.key) - length(b.key)) <= 1
       and damerau_levenshtein(a.key, b.key) <= 1)
"""


def _name_groups(con: duckdb.DuckDBPyConnection, weight: Counter[str]) -> dict[str, str]:
    """Each actor key's group, named by its leader: keys in order of use (most reports first),
    each joining the first leader it nearly equals, else leading a group of its own. Comparing
    with a leader, not with any member, keeps groups from chaining ("regimeforces", "forces",
    "russianforces")."""
    if not weight:
        return {}
    view = "linkage_actor_keys"
    con.register(view, pa.table({"key": list(weight)}))
    try:
        pairs = con.execute(_NEAR_KEYS.format(keys=view)).fetchall()
    finally:
        con.unregister(view)
    near: dict[str, set[str]] = {}
    for a, b in pairs:
        near.setdefault(a, set()).add(b)
        near.setdefault(b, set()).add(a)
    leaders: list[str] = []
    group: dict[str, str] = {}
    for key in sorted(weight, key=lambda k: (-weight[k], k)):
        mates = near.get(key, set())
        leader = next((lead for lead in leaders if lead in mates), None)
        if leader is None:
            leaders.append(key)
            leader = key
        group[key] = leader
    return group


# The words of a text (three letters or more, by their keys) as a 128-bit signature, one bit per
# word (two unsigned 64-bit halves): comparing two texts is then a few bit operations, not list
# work.
_WORD_BITS = (
    "list_transform(list_filter(r.text_keys, lambda w: length(w) >= 3), lambda w: hash(w) % 128)"
)


def _signature(half: int) -> str:
    low = 64 * half
    return (
        f"coalesce(list_aggregate(list_transform(list_filter(t.bits, lambda b: b // 64 = {half}), "
        f"lambda b: 1::UBIGINT << (b - {low})::INTEGER), 'bit_or'), 0::UBIGINT)"
    )


FEATURES_SQL = """
create or replace table {target} as
with timed as (
    select r.*, k.family, k.mode, k.kind,
        epoch(r."start") / 3600.0 as t_start,
        epoch(r."end") / 3600.0 as t_end,
        r.time_precision <> 'day' as time_coarse,
        r.lat is not null and coalesce(r.geo_precision, 'exact') in ('exact', 'near') as geo_fine,
        {word_bits} as bits,
        regexp_extract(r.text, '[\\p{{Arabic}}\\p{{Cyrillic}}]') as script_letter,
        list_filter(r.text_keys, lambda k: k <> '') as tk
    from {source} r
    join {kinds} k using (event_type, sub_event_type)
)
select
    t.report_id as unique_id, t.source, t.source in ({dyad_sources}) as dyad,
    t.family, t.mode, t.kind,
    t.t_start, t.t_end, t.time_coarse, t.geo_fine,
    t.lat, t.lon, t.geo_precision, t.admin1, t.admin2,
    case when not t.time_coarse then floor((t.t_start + t.t_end) / 2 / {bucket})::bigint end
        as tb,
    year(t."start") * 12 + month(t."start") as m_start,
    year(t."end" - interval 1 second) * 12 + month(t."end" - interval 1 second) as m_end,
    case when t.time_coarse then year(t."start") * 12 + month(t."start") end as c_m_start,
    case when t.time_coarse and {spans} then
        year(t."end" - interval 1 second) * 12 + month(t."end" - interval 1 second) end
        as c_m_end,
    case when t.time_coarse and t.admin2 is null and t.admin1 is not null then
        year(t."start") * 12 + month(t."start") end as c1_m_start,
    case when t.time_coarse and t.admin2 is null and t.admin1 is not null and {spans} then
        year(t."end" - interval 1 second) * 12 + month(t."end" - interval 1 second) end
        as c1_m_end,
    case when t.time_coarse and t.admin1 is null then
        year(t."start") * 12 + month(t."start") end as c0_m_start,
    case when t.time_coarse and t.admin1 is null and {spans} then
        year(t."end" - interval 1 second) * 12 + month(t."end" - interval 1 second) end
        as c0_m_end,
    case when not t.geo_fine and coalesce(t.geo_precision, '') <> 'province' then t.admin2 end
        as d_admin2,
    case when not t.geo_fine and (t.geo_precision = 'province' or t.admin2 is null)
        then t.admin1 end as p_admin1,
    case when t.geo_precision = 'country' and not t.time_coarse then
        floor((t.t_start + t.t_end) / 2 / {bucket})::bigint end as w_tb,
    cos(radians(t.lat)) * cos(radians(t.lon)) as ux,
    cos(radians(t.lat)) * sin(radians(t.lon)) as uy,
    sin(radians(t.lat)) as uz,
    case when t.geo_fine then
        floor(t.lon / {cell})::bigint * 100000 + floor(t.lat / {cell})::bigint end as c00,
    case when t.geo_fine then
        floor(t.lon / {cell} + 0.5)::bigint * 100000 + floor(t.lat / {cell})::bigint end as c10,
    case when t.geo_fine then
        floor(t.lon / {cell})::bigint * 100000 + floor(t.lat / {cell} + 0.5)::bigint end as c01,
    case when t.geo_fine then
        floor(t.lon / {cell} + 0.5)::bigint * 100000 + floor(t.lat / {cell} + 0.5)::bigint end
        as c11,
    t.actor1_party_id as a1p, t.actor2_party_id as a2p,
    n1.norm as a1n, n2.norm as a2n, n3.norm as place_name,
    n1.key as a1k, n2.key as a2k, n1.name_group as a1g, n2.name_group as a2g,
    case when t.geo_fine then n3.key end as place_key,
    case when t.geo_fine then hash(n3.key) end as place_hash,
    {text_grams} as text_grams,
    t.killed_best as killed,
    case when t.script_letter = '' then 'other'
         when regexp_matches(t.script_letter, '\\p{{Arabic}}') then 'arabic' else 'cyrillic' end
        as script,
    {signature_low} as words_low,
    {signature_high} as words_high
from timed t
left join {names} n1 on n1.name = t.actor1
left join {names} n2 on n2.name = t.actor2
left join {names} n3 on n3.name = t.location
"""


# Each run of one to three consecutive word keys of the text, hashed: a place name's key (its
# words' keys run together) is among them when the text names the place.
_TEXT_GRAMS = (
    "list_concat("
    + ", ".join(
        "list_transform(range(1, len(t.tk) + {start}), lambda i: hash({run}))".format(
            start=2 - size, run=" || ".join(f"t.tk[i + {k}]" for k in range(size))
        )
        for size in (1, 2, 3)
    )
    + ")"
)


# A window across two months (its end month another than its start month).
_SPANS = (
    'year(t."end" - interval 1 second) * 12 + month(t."end" - interval 1 second) '
    '<> year(t."start") * 12 + month(t."start")'
)


def build_features(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    target: str,
    grid: Grid,
    names_of: pa.Table | None = None,
) -> None:
    """Create table ``target`` in ``con`` with the linking columns of each report;
    ``names_of`` is the :func:`names_table` of all the reports compared (default: these)."""
    source, kinds, names = f"{target}_input", f"{target}_kinds", f"{target}_names"
    con.register(source, table.append_column("text_keys", text_keys(table["text"])))
    con.register(kinds, _kinds_table(table))
    con.register(names, names_of if names_of is not None else names_table(con, [table]))
    try:
        con.execute(
            FEATURES_SQL.format(
                target=target,
                source=source,
                kinds=kinds,
                names=names,
                bucket=grid.bucket_hours,
                cell=grid.cell_degrees,
                signature_low=_signature(0),
                signature_high=_signature(1),
                word_bits=_WORD_BITS.format(),
                text_grams=_TEXT_GRAMS,
                spans=_SPANS,
                dyad_sources=", ".join(f"'{source}'" for source in DYAD_SOURCES),
            )
        )
    finally:
        for view in (source, kinds, names):
            con.unregister(view)


def mark_candidates(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    rules: Sequence[str],
    touching: str | None = None,
) -> list[str]:
    """Views of the feature ``tables`` (``<table>_keyed``) that give each report its
    ``pair_keys``: one key per candidate pair it is in, a pair being two reports (of any of the
    tables) that meet one of the blocking ``rules`` in either order. With ``touching`` (one of
    the tables), only pairs with a report of it count, and each rule joins that table with all.
    One query: each rule a hash join, the pairs made distinct once (splink would run one join
    per rule, each excluding the pairs of all the rules before it)."""
    union = " union all ".join(f"select * from {table}" for table in tables)
    pair = "least(l.unique_id, r.unique_id) as a, greatest(l.unique_id, r.unique_id) as b"
    joins = []
    for rule in rules:
        if touching is None:
            sides = [("candidates_input", "candidates_input")]
            order = "<" if _symmetric(rule) else "<>"
        else:  # the new report on the left, and for a rule that is not symmetric on the right
            sides = [(touching, "candidates_input")]
            if not _symmetric(rule):
                sides.append(("candidates_input", touching))
            order = "<>"
        joins += [f"select {pair} from {left} l join {right} r on {rule} "
                  f"where l.unique_id {order} r.unique_id" for left, right in sides]  # fmt: skip
    con.execute(f"create or replace temp view candidates_input as {union}")
    con.execute(f"""
        create or replace temp table candidate_keys as
        with pairs as (select a, b, row_number() over () as k from (
            select distinct a, b from ({" union all ".join(joins)})))
        select id, list(k) as pair_keys from (
            select a as id, k from pairs union all select b as id, k from pairs
        ) group by id
    """)
    views = [f"{table}_keyed" for table in tables]
    for table, view in zip(tables, views, strict=True):
        con.execute(f"""
            create or replace temp view {view} as
            select t.*, coalesce(c.pair_keys, []::bigint[]) as pair_keys
            from {table} t left join candidate_keys c on c.id = t.unique_id
        """)
    return views


def _symmetric(rule: str) -> bool:
    """Whether a rule reads the same with ``l`` and ``r`` swapped (then ``l < r`` suffices)."""

    def parts(text: str) -> set[str]:
        normal = set()
        for part in text.split(" and "):
            for op in (" = ", " <> "):
                if op in part:
                    part = op.join(sorted(part.split(op)))
            normal.add(part)
        return normal

    swapped = re.sub(r"\b([lr])\.", lambda m: "r." if m.group(1) == "l" else "l.", rule)
    return parts(rule) == parts(swapped)

"""Which registry party a source means by a name: "Government of Syria", "IS", "HTS".

Every name and alias of every party is folded (:func:`truce.domain.text.fold`: case, marks,
articles, transliteration and script variants) with any qualifier in brackets dropped
("Military Forces of Syria (2000-)", "NDF (Syria)"). A name matches:

- a folded alias exactly (score 100); names of five letters or fewer ("IS", "SNA", "HTS")
  match only so, since any two short names look alike to a fuzzy score;
- otherwise the best alias by rapidfuzz's WRatio, at or above :data:`CUTOFF`, unless two
  parties score within :data:`MARGIN` of each other (then nothing: a guess between two armed
  groups is worse than none).

Aliases may be dated (a group renamed keeps one party: Jabhat al-Nusra, Jabhat Fateh al-Sham
from 28 July 2016, Hay'at Tahrir al-Sham from 28 January 2017). Among the best matches, an
alias the party held on the day of the event wins; a name the party held only at another time
still finds it, marked ``current=False`` (sources often call a group by a later name).

A side that names several groups ("Ahrar al-Sham, Jabhat Fateh al-Sham, Southern Front", as
UCDP joins them) is matched whole first, then group by group.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process

from truce.domain.parties import Alias
from truce.domain.reports import ActorMatch
from truce.domain.text import fold

CUTOFF = 88.0
MARGIN = 3.0
SHORT = 5  # folded names this long or shorter match exactly only
_BRACKETS = re.compile(r"\([^)]*\)|\[[^]]*\]")


def actor_key(name: str) -> str:
    """A name as it is compared: without bracketed qualifiers, folded."""
    return fold(_BRACKETS.sub(" ", name))


@dataclass(frozen=True, slots=True)
class _Candidate:
    party_id: int
    alias: Alias
    score: float


class ActorMatcher:
    """Matches names to parties; built once per import from the registry's aliases."""

    def __init__(self, aliases: Iterable[tuple[int, Alias]], cutoff: float = CUTOFF) -> None:
        self.cutoff = cutoff
        self._exact: dict[str, list[tuple[int, Alias]]] = {}
        for party_id, alias in aliases:
            key = actor_key(alias.text)
            if key:
                self._exact.setdefault(key, []).append((party_id, alias))
        self._long = [key for key in self._exact if len(key) > SHORT]
        self._found: dict[str, list[_Candidate]] = {}
        self._sides: dict[tuple[str, str, date | None], list[ActorMatch]] = {}

    def candidates(self, name: str) -> list[_Candidate]:
        """The aliases a name matches, best first (cached per name)."""
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = self._search(actor_key(name))
        return found

    def _search(self, key: str) -> list[_Candidate]:
        if not key:
            return []
        if key in self._exact:
            return [_Candidate(pid, alias, 100.0) for pid, alias in self._exact[key]]
        if len(key) <= SHORT:
            return []
        found = process.extract(
            key, self._long, scorer=fuzz.WRatio, score_cutoff=self.cutoff, limit=8
        )
        candidates = [
            _Candidate(pid, alias, round(score, 1))
            for text, score, _ in found
            for pid, alias in self._exact[text]
        ]
        if not candidates:
            return []
        best = candidates[0].score
        rivals = {c.party_id for c in candidates if c.score >= best - MARGIN}
        return candidates if len(rivals) == 1 else []

    def match_one(self, role: str, name: str, on: date | None) -> ActorMatch | None:
        """The party one group's name means on a day (None: unknown day), or None."""
        found = self.candidates(name)
        if not found:
            return None
        best = max(c.score for c in found)
        top = [c for c in found if c.score == best]
        current = [c for c in top if on is None or c.alias.valid_on(on)]
        # A party with another alias valid on the day is still named by a name of its own.
        chosen = (current or top)[0]
        return ActorMatch(role, name.strip(), chosen.party_id, chosen.alias.text, chosen.score,
                          bool(current))  # fmt: skip

    def match(self, role: str, name: str | None, on: date | None) -> list[ActorMatch]:
        """The parties a side names: the whole name, else each group of a comma-joined list
        (each party once, in the order named)."""
        if not name or not name.strip():
            return []
        memo = (role, name, on)
        found = self._sides.get(memo)
        if found is None:
            found = self._sides[memo] = self._match(role, name, on)
        return found

    def _match(self, role: str, name: str, on: date | None) -> list[ActorMatch]:
        whole = self.match_one(role, name, on)
        if whole is not None:
            return [whole]
        matches: list[ActorMatch] = []
        for part in name.split(","):
            found = self.match_one(role, part, on) if part.strip() else None
            if found is not None and all(m.party_id != found.party_id for m in matches):
                matches.append(found)
        return matches

"""Record linkage: merge reports of one event, from different sources, into incidents.

The interface the services call (see docs/incidents.md, "Linking reports into incidents"):

- :class:`LinkRecord` — one report as the linker sees it (or a ``pyarrow.Table`` of
  :data:`SCHEMA` for bulk runs);
- :func:`link` — a whole batch: blocking, splink scoring, clustering;
- :func:`link_new` — new reports against existing ones and their incidents;
- :func:`score_candidates` — every candidate pair scored, for calibration and review;
- :class:`Linkage` — each report's group or incident, and every link above the threshold with
  its score and the level and Bayes factor of each comparison (:class:`LinkDecision`).

It imports the domain (event kinds) and nothing of the store, services or web.
"""

from truce.linkage.clusters import Window
from truce.linkage.engine import DEFAULT, LinkConfig, link, link_new, score_candidates
from truce.linkage.features import Grid
from truce.linkage.records import SCHEMA, LinkRecord, as_table
from truce.linkage.result import ComparisonOutcome, Linkage, LinkDecision

__all__ = [
    "DEFAULT",
    "SCHEMA",
    "ComparisonOutcome",
    "Grid",
    "LinkConfig",
    "LinkDecision",
    "LinkRecord",
    "Linkage",
    "Window",
    "as_table",
    "link",
    "link_new",
    "score_candidates",
]

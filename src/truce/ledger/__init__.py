"""The append-only, hash-chained, signed record of every change, and its verifier."""

from truce.ledger.canonical import canonical_bytes
from truce.ledger.entry import Entry, seal
from truce.ledger.keys import Signer, public_key_id
from truce.ledger.verify import Failure, Report, verify

__all__ = [
    "Entry",
    "Failure",
    "Report",
    "Signer",
    "canonical_bytes",
    "public_key_id",
    "seal",
    "verify",
]

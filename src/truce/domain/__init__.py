"""The rules of the ceasefire: plain dataclasses and pure functions, no I/O."""

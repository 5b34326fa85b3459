"""Truce: an open platform that implements and monitors a ceasefire."""

__version__ = "0.1.0"

"""Situation reports rendered: canonical JSON, printable HTML (one self-contained page, its
CSS, charts and map inline) in each language of the interface, and PDF from that HTML.

A report's content is built by its kind's service (services/sitreps.py); here it is only
written out, and writing it out is deterministic: the same report gives the same JSON and
HTML bytes on every run (docs/reports.md)."""

from truce.sitreps.render import render_html, render_json, render_pdf

__all__ = ["render_html", "render_json", "render_pdf"]

"""Geometry: checking and repairing areas, reading GeoJSON, and the in-process spatial engine."""

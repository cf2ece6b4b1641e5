"""Rendering: one cached Jinja environment, escaping filters per target language."""

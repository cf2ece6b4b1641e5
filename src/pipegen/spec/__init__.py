"""Spec v1: load (ruamel, positions), validate (Pydantic + cross-field rules), diagnostics."""

"""pipegen: one YAML spec in, a complete data-pipeline project out."""

__version__ = "0.1.0"

"""Nothing in a spec is dropped silently: the ledger from every spec value to the generated
files it reaches (or the warning that says why it reaches none), and `pipegen explain`.

Public API (used by the tests and by property-based spec generators):
- `ledger(spec) -> {dotted path: Entry}` for a spec given as YAML text, bytes, a file path or
  a dict;
- `unaccounted(spec) -> [dotted path]`: the values that reach no file, no warning and no
  allow-list entry.
"""

from pipegen.ledger.core import Entry, baseline, leaves, ledger, trace, unaccounted

__all__ = ["Entry", "baseline", "leaves", "ledger", "trace", "unaccounted"]

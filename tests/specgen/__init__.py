"""pipegen's spec generator: Hypothesis strategies that draw meaningful specs across the whole
vocabulary (tests/specgen/strategies.py), and the invariant they are held to
(tests/specgen/invariant.py): validate refuses a spec with located errors, or every family's
output passes its judge. tests/corpus/ keeps every minimal failing spec found as a regression
fixture; benchmarks/corpus.py runs hundreds with a recorded seed."""

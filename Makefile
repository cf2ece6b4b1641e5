# Convenience targets; the scripts are the source of truth (make is not required).
.PHONY: demo test snapshots docs bench
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
snapshots:
	bash scripts/test.sh tests/golden --snapshot-update
docs:
	bash scripts/refresh-docs.sh
bench:
	bash scripts/bench.sh

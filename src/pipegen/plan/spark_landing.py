"""The batches extract-load lands for the Spark batch job's bronze, and the one case they still cannot (R500).

Where the plan runs the Spark batch job (Kind.SPARK_BATCH) beside a batch extract, the job's bronze reads
Parquet batches under its landing root (PIPEGEN_LANDING_ROOT): `data/landing/<source>/<table>/*.parquet`, one
bronze batch per file. Extract-load (the ingestion family's dlt pipeline) lands there every batch of each source
with `ingestion: batch` it loads (`landed_sources`), once its load into the spec's target has committed
(pipeline/landing.py, a second dlt pipeline on dlt's filesystem destination): the same rows, under their landed
names. A deployment's landing root is the naming layer's (`cloudnames.landing_root`: Terraform's landing bucket on
aws and gcp, the `landing` container of the environment's storage account on azure), which the Databricks bundle's
targets, the kubernetes overlays and the Terraform docs' export lines all name.

- R500 (warning): such a source where no target has a dlt destination (only Druid or Kafka targets): deployed,
  extract-load has nothing to load into and stops before it loads (`production_destination`), so it lands nothing
  either, and the Spark job's bronze stays empty once deployed.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.components import Graph, Kind
from pipegen.spec.catalog import TARGET_SYSTEMS
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Cloud, Ingestion, Spec
from pipegen.spec.snakecase import snake

LANDING_DIR = "data/landing"  # under the landing root: <source>/<table>/*.parquet


def source_landing_dir(source: str) -> str:
    """A source's landing directory under the landing root: `data/landing/<source>` (its tables' folders below)."""
    return f"{LANDING_DIR}/{snake(source)}"


def landed_sources(spec: Spec, graph: Graph) -> tuple[int, ...]:
    """Indexes of the sources whose batches extract-load lands for the Spark batch job's bronze: every source
    with `ingestion: batch` the batch layer loads, where the plan runs the Spark batch job (a streamed or CDC
    source reaches bronze through the stream, never through a batch)."""
    if Kind.SPARK_BATCH not in graph.kinds or Kind.BATCH_EXTRACT not in graph.kinds:
        return ()
    return tuple(i for i in graph.batch_sources if spec.sources[i].ingestion == Ingestion.BATCH)


def landing_findings(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R500 (warning), at each landed source's `ingestion` of a deployed plan whose targets dlt loads none of."""
    if spec.cloud == Cloud.LOCAL or any(TARGET_SYSTEMS[t.type].dlt_destination for t in spec.targets):
        return
    kinds = ", ".join(sorted({t.type.value for t in spec.targets})) or "none"
    for i in landed_sources(spec, graph):
        yield Finding(
            ("sources", i, "ingestion"), "R500",
            f"source '{spec.sources[i].name}': extract-load lands its batches for the Spark job's bronze (Parquet "
            f"under PIPEGEN_LANDING_ROOT, `data/landing/<source>/<table>/`) once their load into the spec's target "
            f"commits, but no target has a dlt destination (targets: {kinds}): deployed, extract-load has nothing to "
            "load into and stops before it loads, so nothing lands and bronze stays empty",
            "add a target extract-load loads (a lake target: delta, iceberg or files; or a warehouse), or land each "
            "batch as a Parquet file in `<landing root>/data/landing/<source>/<table>/` yourself",
            severity="warning",
        )  # fmt: skip

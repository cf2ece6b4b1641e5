"""Judging generated Terraform offline (../shared/CURRENCY.md §8, §11, §12): write the files of a
rendered project to disk, parse them with python-hcl2 (the `hcl` judge env), check every provider,
resource and data block against the provider's own schema (tests/judges/tfschema.py), run checkov
(`checkov` judge env, --skip-download), `terraform fmt -check` where a terraform binary exists, and
`terraform init -backend=false` + `terraform validate` on each root with a schema-only stand-in for every
provider (tests/judges/tfstub.py in the `tfstub` judge env: long-lived ones Terraform reattaches to,
`stub_servers`, or installed from a filesystem mirror, `stub_mirror`).

    from tests.judges.terraform import write_terraform, parse_dir, schema_problems, run_checkov
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.judges.envs import offline_env
from tests.judges.tfschema import PROVIDER_SOURCES, check_document, load_schema, reference_problems, schema_path

DRIVER = Path(__file__).with_name("tf_driver.py")
STUB = Path(__file__).with_name("tfstub.py")
PROVIDERS = ("aws", "azurerm", "google", "google-beta", "databricks", "azuread")


def write_terraform(files: Mapping[str, str], root: Path) -> Path:
    """Writes the project's terraform/ files under root; returns root/terraform."""
    for path, text in files.items():
        if path.startswith("terraform/"):
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(str(text))
    return root / "terraform"


def parse_dir(python: Path, *dirs: Path) -> dict[str, Any]:
    """path -> parsed document (or {"__error__": message}) of every .tf/.tfvars file under dirs."""
    proc = subprocess.run([str(python), str(DRIVER), *map(str, dirs)], capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"tf_driver failed:\n{proc.stderr[-3000:]}")
    parsed: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return parsed


def schemas() -> dict[str, dict[str, Any]]:
    return {p: load_schema(p) for p in PROVIDERS}


def schema_problems(parsed: Mapping[str, Any], provider_schemas: dict[str, dict[str, Any]]) -> tuple[list[str], int]:
    """(problems, blocks checked) over parsed .tf files: each block against its schema, and every reference
    across blocks against what its module declares and its type exports."""
    problems: list[str] = []
    checked = 0
    for path, doc in parsed.items():
        if "__error__" in doc:
            problems.append(f"{path}: {doc['__error__']}")
            continue
        found, count = check_document(doc, provider_schemas, path)
        problems += found
        checked += count
    found, _references = reference_problems({p: d for p, d in parsed.items() if "__error__" not in d}, provider_schemas)
    return problems + found, checked


def skips(terraform_dir: Path) -> list[str]:
    """The checks a project's `.checkov.yaml` skips."""
    return [line.strip()[2:] for line in (terraform_dir / ".checkov.yaml").read_text().splitlines()
            if line.strip().startswith("- CKV")]  # fmt: skip


def run_checkov(python: Path, root: Path, home: Path) -> dict[str, Any]:
    """checkov's JSON report over every terraform/ directory under root (one process: ~15 s of imports
    each time), skipping the union of their `.checkov.yaml` skips (check ids are per provider)."""
    checkov = python.parent / "checkov"
    skipped = sorted({c for d in root.rglob(".checkov.yaml") for c in skips(d.parent)})
    cmd = [str(checkov), "-d", str(root), "--framework", "terraform", "--skip-download", "--compact",
           "-o", "json", *(["--skip-check", ",".join(skipped)] if skipped else [])]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False, env=offline_env(home))
    if proc.returncode not in (0, 1) or not proc.stdout.strip().startswith(("{", "[")):
        raise RuntimeError(f"checkov failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}\n{proc.stdout[-2000:]}")
    report = json.loads(proc.stdout)
    merged: dict[str, Any] = report[0] if isinstance(report, list) else report
    return merged


def terraform_binary() -> str | None:
    return shutil.which("terraform")


def fmt_check(terraform: str, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([terraform, "fmt", "-check", "-recursive", "-list=true", str(root)], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def console(
    terraform: str, where: Path, variables: str, tfvars: str, expression: str, locals_: str = ""
) -> subprocess.CompletedProcess[str]:
    """`terraform console` over a root of only `variables` (a variables.tf), `locals_` (locals blocks
    that read only variables) and `tfvars`: Terraform itself checks every value's type and every
    validation block, then prints `expression`. No provider is needed, so it runs offline."""
    where.mkdir(parents=True, exist_ok=True)
    (where / "variables.tf").write_text(variables)
    (where / "locals.tf").write_text(locals_)
    (where / "terraform.tfvars").write_text(tfvars)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(where), "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1",
           "TF_CLI_CONFIG_FILE": "/dev/null"}  # fmt: skip
    return subprocess.run([terraform, "console", "-no-color"], input=expression + "\n", capture_output=True,
                          text=True, timeout=60, check=False, cwd=where, env=env)  # fmt: skip


def tfvars_problems(terraform: str, root: Path, where: Path) -> list[str]:
    """Every environment root's `terraform.tfvars` under `root/envs` that Terraform refuses against its variables.tf
    (console: types and validation blocks), as `<env>: <Terraform's stderr>`; empty when every one is accepted."""
    problems = []
    for env in sorted((root / "envs").iterdir()):
        run = console(terraform, where / env.name, (env / "variables.tf").read_text(),
                      (env / "terraform.tfvars").read_text(), "1")  # fmt: skip
        if run.returncode != 0 or "Error" in run.stderr:
            problems.append(f"{env.name}:\n{run.stderr[-2000:]}")
    return problems


def stub_mirror(python: Path, where: Path) -> Path:
    """A filesystem mirror holding a stand-in of every provider (tests/judges/tfstub.py run by `python`, the
    tfstub env's, over its compact schema) at the version the roots pin, and a CLI configuration installing
    providers only from it: returns the configuration file (TF_CLI_CONFIG_FILE). The schemas must be built."""
    mirror = where / "mirror"
    for name, (source, version) in PROVIDER_SOURCES.items():
        exe = mirror / "registry.terraform.io" / source / version / f"linux_amd64/terraform-provider-{name}_v{version}"
        exe.parent.mkdir(parents=True, exist_ok=True)
        command = " ".join(shlex.quote(str(p)) for p in (python, STUB, schema_path(name)))
        exe.write_text(f"#!/bin/sh\nexec {command}\n")
        exe.chmod(0o755)
    config = where / "terraformrc"
    mirrored = f"  filesystem_mirror {{\n    path = {json.dumps(str(mirror))}\n  }}\n"
    config.write_text(f"provider_installation {{\n{mirrored}}}\n")
    return config


@contextmanager
def stub_servers(python: Path, where: Path) -> Iterator[str]:
    """One long-lived stand-in per provider (tests/judges/tfstub.py --serve on a unix socket, its log under
    `where`) for Terraform to reattach to: no provider process starts per `validate` (each start is ~0.6 s of CPU,
    two per provider per root). Yields the TF_REATTACH_PROVIDERS value; kills each by its PID at the end."""
    where.mkdir(parents=True, exist_ok=True)
    sockets = Path(tempfile.mkdtemp(prefix="tfstub-"))  # a unix socket's path has at most 107 bytes
    started: list[subprocess.Popen[str]] = []
    entries: dict[str, Any] = {}
    try:
        for name, (source, _version) in PROVIDER_SOURCES.items():
            cmd = [str(python), str(STUB), str(schema_path(name)), "--serve", str(sockets / f"{name}.sock"),
                   f"registry.terraform.io/{source}"]  # fmt: skip
            with (where / f"{name}.log").open("w") as log:
                started.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                                                env=offline_env(where / "home")))  # fmt: skip
        for name, proc in zip(PROVIDER_SOURCES, started, strict=True):
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"the {name} stand-in exited:\n{(where / f'{name}.log').read_text()[-3000:]}")
            entries.update(json.loads(line))
        yield json.dumps(entries)
    finally:
        for proc in started:
            proc.kill()
            proc.wait()
        shutil.rmtree(sockets, ignore_errors=True)


def validate(
    terraform: str, root: Path, config: Path, home: Path, reattach: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`terraform init -backend=false` then `terraform validate` in root with the stand-in providers: installed
    from `config`'s mirror (stub_mirror), or the running ones `reattach` names (stub_servers). Terraform's own
    messages in stderr; the init's output when it fails."""
    home.mkdir(parents=True, exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1",
           "TF_IN_AUTOMATION": "1", "TF_CLI_CONFIG_FILE": str(config)}  # fmt: skip
    if reattach:
        env["TF_REATTACH_PROVIDERS"] = reattach
    run = [terraform, f"-chdir={root}"]
    init = subprocess.run([*run, "init", "-backend=false", "-input=false", "-no-color"], capture_output=True,
                          text=True, timeout=300, check=False, env=env)  # fmt: skip
    if init.returncode != 0:
        return init
    return subprocess.run([*run, "validate", "-no-color"], capture_output=True, text=True, timeout=300, check=False,
                          env=env)  # fmt: skip

"""Terraform provider schemas, offline: the CDKTF provider packages on the npm registry describe
every resource, data source and provider argument of one provider version in their `.jsii`
file (../shared/CURRENCY.md §12). This module fetches a package once with `npm pack`, turns its
`.jsii` into a compact JSON schema (cached outside the clone, keyed by package version) and
checks parsed HCL (python-hcl2 8, quotes stripped) against it: an unknown resource type, an
unknown argument or block, a missing required argument and a literal of the wrong type are
problems. It is an independent reference: the schemas come from the provider's own
generated bindings, never from pipegen.

Compact schema, per block: {"a": {name: [type, required]}, "b": {name: [nested block, required, many]}};
a type is "string", "number", "bool", "any", ["list", t] or ["map", t]. Top level:
{"provider": block, "resource": {type: block}, "data": {type: block}}; a resource or data block also
has "x": every attribute it exports (arguments and computed ones: the getters of its class in the
`.jsii`), against which references such as `aws_s3_bucket.lake.arn` are checked (`reference_problems`),
and "c": {name: type} of the computed-only ones (read-only getters that are no argument or block; a
nested computed structure, a `*List` or `*OutputReference` class, is "any", cdktf's `StringMap` &c. a
map), which the stand-in provider of `terraform validate` (tests/judges/tfstub.py) declares computed.
A name the `.jsii` gives both an argument and a nested block (`aws_securityhub_automation_rule`'s
`criteria.id`) is kept as the block only: Terraform refuses a schema declaring both.

Standard library only (the judge venv needs nothing but python-hcl2, which runs the checks)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from tests.judges.envs import cache_root, file_lock

# (npm package, version, provider source) — the versions ../shared/CURRENCY.md §12 names.
PACKAGES: dict[str, tuple[str, str]] = {
    "aws": ("@cdktf/provider-aws", "21.22.1"),  # AWS provider 6.25.0
    "azurerm": ("@cdktf/provider-azurerm", "14.23.1"),
    "google": ("@cdktf/provider-google", "16.12.1"),
    "google-beta": ("@cdktf/provider-google-beta", "16.12.1"),  # google-beta 6.50.0: Managed Kafka Connect
    "databricks": ("@cdktf/provider-databricks", "15.16.1"),  # the Key Vault-backed secret scope (Azure)
    "azuread": ("@cdktf/provider-azuread", "14.3.1"),  # the AzureDatabricks service principal (Azure)
}
# (registry source, provider version) of each package's schema: what `terraform validate`'s stand-ins are
# installed or reattached as (tests/judges/terraform.py); each satisfies the generated roots' `~>` pins.
PROVIDER_SOURCES: dict[str, tuple[str, str]] = {
    "aws": ("hashicorp/aws", "6.25.0"),
    "azurerm": ("hashicorp/azurerm", "4.55.0"),
    "google": ("hashicorp/google", "6.50.0"),
    "google-beta": ("hashicorp/google-beta", "6.50.0"),
    "databricks": ("databricks/databricks", "1.99.0"),
    "azuread": ("hashicorp/azuread", "3.7.0"),
}
SCHEMA_FORMAT = 3  # bump when the compact form changes: the cache key includes it
META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"})
_LINK = re.compile(r"\{@link https://registry\.terraform\.io/providers/[^ ]+/docs/(?:resources|data-sources)/"
                   r"[a-z0-9_]+#([a-z0-9_]+) ")  # fmt: skip
# cdktf's own classes of a computed map (`tags_all`); any other class of a getter is a nested structure
_CDKTF_MAPS: dict[str, Any] = {"cdktf.StringMap": ["map", "string"], "cdktf.NumberMap": ["map", "number"],
                               "cdktf.BooleanMap": ["map", "bool"], "cdktf.AnyMap": ["map", "any"]}  # fmt: skip
_TYPE_LINK = re.compile(r"\{@link https://\S+ ([a-z0-9_]+)\}")


class SchemaError(RuntimeError):
    """A provider package could not be fetched or read."""


def _snake(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", camel).lower()


def _arg_name(prop: dict[str, Any]) -> str:
    """The Terraform name: the registry link's anchor (exact), else the camelCase name in snake case."""
    docs = prop.get("docs", {})
    found = _LINK.search(f"{docs.get('summary', '')} {docs.get('remarks', '')}")
    return found.group(1) if found else _snake(prop["name"])


class _Converter:
    def __init__(self, types: dict[str, Any]) -> None:
        self.types = types
        self.blocks: dict[str, dict[str, Any]] = {}

    def value_type(self, ref: dict[str, Any]) -> Any:
        if "primitive" in ref:
            return {"boolean": "bool", "json": "any"}.get(ref["primitive"], ref["primitive"])
        if "collection" in ref:
            kind = "map" if ref["collection"]["kind"] == "map" else "list"
            return [kind, self.value_type(ref["collection"]["elementtype"])]
        if "union" in ref:
            kinds = [self.value_type(t) for t in ref["union"]["types"] if t.get("fqn") != "cdktf.IResolvable"]
            return kinds[0] if len(kinds) == 1 else "any"
        return "any"

    def nested(self, ref: dict[str, Any]) -> tuple[str, bool] | None:
        """(struct fqn, many) when the property is a nested block, else None."""
        if "union" in ref:
            for t in ref["union"]["types"]:
                found = self.nested(t)
                if found:
                    return found
            return None
        if "collection" in ref and ref["collection"]["kind"] == "array":
            inner = self.nested(ref["collection"]["elementtype"])
            return (inner[0], True) if inner else None
        fqn = ref.get("fqn")
        if fqn and self.types.get(fqn, {}).get("datatype"):
            return fqn, False
        return None

    def block(self, fqn: str) -> dict[str, Any]:
        if fqn in self.blocks:
            return self.blocks[fqn]
        out: dict[str, Any] = {"a": {}, "b": {}}
        self.blocks[fqn] = out  # recursive structures end here
        for prop in self.types[fqn].get("properties", []):
            name, required = _arg_name(prop), not prop.get("optional", False)
            nested = self.nested(prop["type"])
            if nested:
                out["b"][name] = [self.block(nested[0]), required, nested[1]]
            else:
                out["a"][name] = [self.value_type(prop["type"]), required]
        for name in set(out["a"]) & set(out["b"]):
            del out["a"][name]  # Terraform refuses an attribute and a block of one name
        return out

    def computed(self, spec: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
        """{name: type} of a resource class's read-only getters that are neither argument nor block."""
        out: dict[str, Any] = {}
        for prop in spec.get("properties", []):
            if prop.get("static") or not prop.get("immutable") or prop["name"].endswith("Input"):
                continue
            name = _arg_name(prop)
            if name not in block["a"] and name not in block["b"] and prop["name"] != "tfResourceType":
                fqn = prop["type"].get("fqn")
                out[name] = self.value_type(prop["type"]) if fqn is None else _CDKTF_MAPS.get(fqn, "any")
        return dict(sorted(out.items()))


def convert(jsii: dict[str, Any]) -> dict[str, Any]:
    """The compact schema of one provider package's `.jsii`."""
    types: dict[str, Any] = jsii["types"]
    conv = _Converter(types)
    out: dict[str, Any] = {"version": jsii["version"], "provider": None, "resource": {}, "data": {}}
    for fqn, spec in types.items():
        base = spec.get("base")
        if base not in ("cdktf.TerraformResource", "cdktf.TerraformDataSource", "cdktf.TerraformProvider"):
            continue
        config = f"{fqn}Config"
        if config not in types:
            continue
        if base == "cdktf.TerraformProvider":
            out["provider"] = conv.block(config)
            continue
        found = _TYPE_LINK.search(spec.get("docs", {}).get("summary", ""))
        if not found:
            continue
        exported = sorted(
            {
                _arg_name(p)
                for p in spec.get("properties", [])
                if not p.get("static") and p["name"] != "tfResourceType" and not p["name"].endswith("Input")
            }
        )
        kind = "resource" if base == "cdktf.TerraformResource" else "data"
        block = conv.block(config)
        out[kind][found.group(1)] = {**block, "x": exported, "c": conv.computed(spec, block)}  # fmt: skip
    return out


def _jsii_from_npm(package: str, version: str, work: Path) -> dict[str, Any]:
    npm = shutil.which("npm")
    if npm is None:
        raise SchemaError("npm is needed to fetch the provider schemas (apt-get install npm)")
    done = subprocess.run([npm, "pack", f"{package}@{version}", "--pack-destination", str(work)],
                          capture_output=True, text=True, timeout=900, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SchemaError(f"npm pack {package}@{version} failed: {done.stderr[-2000:]}")
    tgz = next(work.glob("*.tgz"))
    with tarfile.open(tgz) as tar:
        member = tar.extractfile("package/.jsii")
        if member is None:
            raise SchemaError(f"{tgz.name} has no package/.jsii")
        data: dict[str, Any] = json.load(member)
    tgz.unlink()  # 30-40 MB: only the compact schema is kept
    return data


def schema_path(provider: str, root: Path | None = None) -> Path:
    package, version = PACKAGES[provider]
    name = f"{package.replace('@', '').replace('/', '-')}-{version}-f{SCHEMA_FORMAT}.json"
    return (root or cache_root()) / "tfschema" / name


def load_schema(provider: str, root: Path | None = None) -> dict[str, Any]:
    """The compact schema of `provider` (aws, azurerm, google), built and cached on first use."""
    path = schema_path(provider, root)
    if not path.is_file():
        package, version = PACKAGES[provider]
        with file_lock(path.with_suffix(".lock"), _stderr()):
            if not path.is_file():
                work = path.with_suffix(".work")
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir(parents=True)
                try:
                    compact = convert(_jsii_from_npm(package, version, work))
                    tmp = path.with_suffix(".tmp")
                    tmp.write_text(json.dumps(compact, separators=(",", ":")))
                    tmp.replace(path)
                finally:
                    shutil.rmtree(work, ignore_errors=True)
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def _stderr() -> Any:
    import sys

    return sys.stderr


# ---------------------------------------------------------------- checking parsed HCL


def _is_expression(value: Any) -> bool:
    """A reference or an interpolation: its type is only known to Terraform, never a literal's."""
    return isinstance(value, str) and "${" in value


def _type_problem(value: Any, expected: Any) -> str | None:
    if expected == "any" or _is_expression(value):
        return None
    if expected == "string":
        ok = isinstance(value, str | int | float) and not isinstance(value, bool)  # Terraform converts numbers
    elif expected == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif expected == "bool":
        ok = isinstance(value, bool)
    elif isinstance(expected, list) and expected[0] == "list":
        if not isinstance(value, list):
            return f"a list of {expected[1]}"
        return next((p for v in value if (p := _type_problem(v, expected[1]))), None)
    elif isinstance(expected, list) and expected[0] == "map":
        if not isinstance(value, dict):
            return f"a map of {expected[1]}"
        return next((p for v in value.values() if (p := _type_problem(v, expected[1]))), None)
    else:
        ok = True
    return None if ok else f"a {expected}" if isinstance(expected, str) else str(expected)


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _check_nested(key: str, value: Any, spec: list[Any], where: str) -> list[str]:
    nested, _required, many = spec
    items = _blocks(value)
    if not items:
        return [] if _is_expression(value) else [f"{where}: `{key}` should be a block"]
    problems = [f"{where}: `{key}` may appear once, appears {len(items)} times"] if not many and len(items) > 1 else []
    for item in items:
        problems += check_block(item, nested, f"{where}.{key}")
    return problems


def check_block(body: dict[str, Any], schema: dict[str, Any], where: str, meta: bool = False) -> list[str]:
    """Problems of one block body against its schema (arguments, nested blocks, required, types)."""
    problems: list[str] = []
    attrs, blocks = schema["a"], schema["b"]
    for key, value in body.items():
        if key.startswith("__") or (meta and key in META_ARGUMENTS) or (key == "dynamic" and isinstance(value, list)):
            continue
        if key in attrs:
            wrong = _type_problem(value, attrs[key][0])
            if wrong:
                problems.append(f"{where}: `{key}` should be {wrong}, got {value!r}")
        elif key in blocks:
            problems += _check_nested(key, value, blocks[key], where)
        else:
            problems.append(f"{where}: unknown argument `{key}`")
    problems += [f"{where}: missing required argument `{n}`" for n, (_t, req) in attrs.items() if req and n not in body]
    problems += [
        f"{where}: missing required block `{n}`" for n, (_b, req, _m) in blocks.items() if req and n not in body
    ]
    return problems


def provider_of(type_name: str, body: Any) -> str:
    """The local name of the provider a block belongs to: its `provider` meta-argument (`google-beta`,
    `google-beta.alias`: what Terraform resolves), else its type's prefix (`google_...` -> google)."""
    chosen = body.get("provider") if isinstance(body, dict) else None
    if isinstance(chosen, str) and chosen:
        return chosen.removeprefix("${").removesuffix("}").split(".", 1)[0]
    return type_name.split("_", 1)[0]


def check_document(doc: dict[str, Any], schemas: dict[str, dict[str, Any]], path: str) -> tuple[list[str], int]:
    """(problems, how many provider/resource/data blocks were checked) of one parsed .tf file;
    `schemas` maps a provider's local name (aws, azurerm, google, google-beta) to its compact schema; a block is
    checked against the schema of the provider it names (`provider = google-beta`), else of its type's prefix."""
    problems: list[str] = []
    checked = 0
    for kind in ("resource", "data"):
        for entry in doc.get(kind, []):
            for type_name, named in entry.items():
                for label, body in named.items():
                    where = f"{path}: {kind} {type_name}.{label}"
                    local = provider_of(type_name, body)
                    provider = schemas.get(local)
                    if provider is None:
                        if local not in ("terraform", "random", "null", "time"):
                            problems.append(f"{where}: no schema for its provider `{local}`")
                        continue
                    known = provider[kind].get(type_name)
                    if known is None:
                        problems.append(f"{where}: unknown {kind} type (provider `{local}`)")
                        continue
                    problems += check_block(body, known, where, meta=True)
                    checked += 1
    for entry in doc.get("provider", []):
        for name, body in entry.items():
            if name in schemas and schemas[name].get("provider"):
                problems += check_block(body, schemas[name]["provider"], f"{path}: provider {name}", meta=False)
                checked += 1
    return problems, checked


# ---------------------------------------------------------------- references across blocks

_REF = re.compile(r"(?<![\w.])(data\.)?((?:aws|azurerm|google|azuread|databricks)_[a-z0-9_]+)\.([a-z_][a-z0-9_-]*)"
                  r"((?:\[(?:[^\[\]]|\[[^\[\]]*\])*\])?)"  # an index, itself holding at most one level of [..]
                  r"(?:\.([a-z_][a-z0-9_]*))?")  # fmt: skip


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if "${" in value else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def reference_problems(docs: dict[str, dict[str, Any]], schemas: dict[str, dict[str, Any]]) -> tuple[list[str], int]:
    """(problems, references checked) over the parsed .tf files of one or more modules (a module: the
    files of one directory): every `TYPE.LABEL[.ATTR]` and `data.TYPE.LABEL[.ATTR]` in an expression
    names a block declared in its module, and ATTR is an attribute that type exports -- what
    `terraform validate` reports as "Reference to undeclared resource" / "Unsupported attribute"."""
    modules: dict[str, dict[str, dict[str, Any]]] = {}
    for path, doc in docs.items():
        modules.setdefault(path.rsplit("/", 1)[0], {})[path] = doc
    problems: list[str] = []
    checked = 0
    for files in modules.values():
        declared = {(kind, t, label): provider_of(t, body)
                    for doc in files.values() for kind in ("resource", "data") for entry in doc.get(kind, [])
                    for t, named in entry.items() for label, body in named.items()}  # fmt: skip
        for path, doc in files.items():
            for text in _strings({k: v for k, v in doc.items() if k != "__error__"}):
                for data, type_name, label, _index, attr in _REF.findall(text):
                    kind = "data" if data else "resource"
                    local = declared.get((kind, type_name, label), type_name.split("_", 1)[0])
                    schema = schemas.get(local, {}).get(kind, {}).get(type_name)
                    if schema is None:
                        continue  # not a provider's type: a string that only looks like one
                    checked += 1
                    name = f"{'data.' if data else ''}{type_name}.{label}"
                    if (kind, type_name, label) not in declared:
                        problems.append(f"{path}: reference to undeclared {kind} `{name}`")
                    elif attr and attr not in schema.get("x", ()):
                        problems.append(f"{path}: `{name}.{attr}`: {type_name} has no attribute `{attr}`")
    return problems, checked

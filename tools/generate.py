"""Build the effective documents (vendored spec + overlay) and generate the clients.

    python tools/generate.py            # regenerate generated/<vendor>_client
    python tools/generate.py --check    # regenerate into a temporary directory, diff, fail on drift

Each generated package also carries ``openapi.json``: the effective document it was
generated from, which the emulator and the conformance tests load.
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from _common import ROOT, SPECS, VENDORS, ToolError, load_document, safe_load, validate
from _generator import GeneratorRun, run_generator
from _templates import TEMPLATES, check_generator_version, mark_response_schemas, stamp_headers
from _wrapped import wrapped_part
from overlay import _check_overlay, apply_overlay, name_referenced_inline_schemas

GENERATED = ROOT / "generated"


def effective_document(
    vendor: str,
    specs_dir: Path = SPECS,
    redundant: list[str] | None = None,
    *,
    wrapped_only: bool = True,
) -> dict[str, Any]:
    """The vendored document with the overlay applied (``specs_dir``: another checkout's
    specs/, e.g. a git ref's; ``redundant`` collects overlay actions the vendor made moot),
    restricted to the operations specs/<vendor>/config.yaml wraps unless ``wrapped_only`` is
    False. Every stale overlay action is named at once, not just the first."""
    spec_path = specs_dir / vendor / "openapi.yaml"
    overlay_path = specs_dir / vendor / "overlay.yaml"
    rel = f"specs/{vendor}/openapi.yaml"
    overlay_rel = f"specs/{vendor}/overlay.yaml"
    document = load_document(spec_path.read_text(encoding="utf-8"), rel)
    validate(document, rel)
    overlay = safe_load(overlay_path.read_text(encoding="utf-8"))
    kind = _kind(specs_dir / vendor / "source.yaml")
    effective = apply_overlay_all(document, overlay, overlay_rel, redundant, kind)
    # JSON-pointer $refs into vendor nodes named as the generator needs them (tools/overlay.py).
    effective = name_referenced_inline_schemas(effective, overlay_rel)
    validate(effective, f"effective document of {vendor} (after {overlay_rel})")
    return wrapped_part(vendor, effective, specs_dir) if wrapped_only else effective


# A component schema or a path named in a JSONPath target: `schemas.Name`, `schemas['Name']`.
_TARGET_NAMES = re.compile(
    r"\.(?P<kind>schemas|paths)(?:\.(?P<dot>[A-Za-z_][\w-]*)|\[(?P<quoted>'[^\]]*')\])"
)


def _vanished(target: str, document: dict[str, Any]) -> str:
    """Which schema or path a stale target names that the vendor document no longer has."""
    gone = []
    for m in _TARGET_NAMES.finditer(target):
        kind = m.group("kind")
        names = [m.group("dot")] if m.group("dot") else re.findall(r"'([^']*)'", m["quoted"])
        have = document.get(kind) if kind == "paths" else document.get("components", {})
        have = have.get("schemas") if kind == "schemas" and isinstance(have, dict) else have
        for name in names:
            if not (isinstance(have, dict) and name in have):
                gone.append(f"{'schema' if kind == 'schemas' else 'path'} {name}")
    return f" [gone from the vendor document: {', '.join(gone)}]" if gone else ""


def _kind(source: Path) -> str:
    """``page`` or ``document``: what source.yaml says was vendored (page when absent)."""
    data = safe_load(source.read_text(encoding="utf-8")) if source.is_file() else None
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if kind in ("page", "document") else "page"


def _for_other_form(action: Any, kind: str) -> bool:
    form = action.get("x-speechspec-form") if isinstance(action, dict) else None
    return form is not None and form != kind


def apply_overlay_all(
    document: dict[str, Any],
    overlay: Any,
    origin: str,
    redundant: list[str] | None = None,
    kind: str = "page",
) -> dict[str, Any]:
    """Apply the overlay action by action, so every failing action is reported in one error.
    An action marked ``x-speechspec-form: document`` (or ``page``) corrects only that form of
    the vendor's document (the raw upstream file or the docs page's block): in the other form
    it is expected to change nothing, so it is not reported as redundant."""
    if not isinstance(overlay, dict) or not isinstance(overlay.get("actions"), list):
        return apply_overlay(document, overlay, origin, redundant)  # its own clear error
    _check_overlay(overlay, origin)  # a malformed action is its own error, not a stale one
    doc, failures = document, []
    for i, action in enumerate(overlay["actions"]):
        notes: list[str] = []
        try:
            doc = apply_overlay(doc, {**overlay, "actions": [action]}, origin, notes)
        except ToolError as exc:
            target = action.get("target") if isinstance(action, dict) else None
            text = str(exc).replace("action #1", f"action #{i + 1}", 1)
            failures.append(f"  - {text}{_vanished(str(target or ''), document)}")
            continue
        if redundant is not None and not _for_other_form(action, kind):
            redundant.extend(n.replace("action #1", f"action #{i + 1}", 1) for n in notes)
    if failures:
        raise ToolError(
            f"{len(failures)} of {len(overlay['actions'])} actions of {origin} no longer apply "
            f"to the vendor document:\n" + "\n".join(failures) + "\n"
            f"Next step: edit {origin} (update or remove each action listed; CONTRIBUTING.md, "
            "step 3), then run the command again."
        )
    return doc


# Keys whose values are data (examples, defaults, enum members), not OpenAPI keywords: never
# rewritten. Under "properties" the keys are wire names: kept, but their schemas normalised.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})


def normalise_document(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the generator should see it: cosmetic upstream changes removed.

    A vendor re-publishing the same API must not change the generated Python: ``x-`` vendor
    extensions are dropped, and a lone ``$ref`` has one canonical spelling (a bare ``$ref``
    when it stands alone, ``allOf: [{$ref}]`` when it carries sibling keywords such as a
    description, as OpenAPI 3.0 requires). Whitespace, quoting and YAML style never reach here
    (the document is parsed), and ``info.version`` is not used by the generator.
    """

    def walk(node: Any, *, names: bool = False) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if names:  # a map of wire names (or path/schema names) to schemas
            return {key: walk(value) for key, value in node.items()}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key.startswith("x-"):
                continue
            if key in _DATA_KEYS:
                out[key] = value
            else:
                named = key in {"properties", "paths", "schemas", "responses", "content"}
                out[key] = walk(value, names=named)
        all_of = out.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and set(all_of[0]) == {"$ref"}:
            if set(out) == {"allOf"}:
                return dict(all_of[0])
        elif "$ref" in out and len(out) > 1:
            ref = out.pop("$ref")
            return {"allOf": [{"$ref": ref}], **out}
        return out

    normalised: dict[str, Any] = walk(document)
    return normalised


def dump_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _generator_config(vendor: str, work: Path) -> Path:
    """The vendor's config.yaml without our own keys (wrapped_operations): the generator's."""
    config = safe_load((SPECS / vendor / "config.yaml").read_text(encoding="utf-8")) or {}
    config.pop("wrapped_operations", None)
    path = work / f"{vendor}-config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def generate_into(out_dir: Path) -> None:
    """Generate every vendor's package into ``out_dir/<vendor>_client``."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    check_generator_version()
    with tempfile.TemporaryDirectory(prefix="speechspec-effective-") as work:
        runs: list[GeneratorRun] = []
        effective: dict[str, str] = {}
        for vendor in VENDORS:
            package = f"{vendor}_client"
            redundant: list[str] = []
            document = effective_document(vendor, redundant=redundant)
            for note in redundant:
                print(f"generate: note: {note}", file=sys.stderr)
            effective[vendor] = dump_json(document)
            eff_path = Path(work) / f"{vendor}.json"
            # Cosmetic changes normalised away first; then the response marks the templates read.
            generator_input = mark_response_schemas(normalise_document(document))
            eff_path.write_text(dump_json(generator_input), encoding="utf-8")
            args = [
                "generate",
                "--path",
                str(eff_path),
                "--config",
                str(_generator_config(vendor, Path(work))),
                "--meta",
                "none",
                "--custom-template-path",
                str(TEMPLATES),
                "--output-path",
                str(out_dir / package),
                "--overwrite",
                "--fail-on-warning",
            ]
            runs.append(GeneratorRun(args, Path(work)))
        # Both vendors in one generator process (tools/_generator.py): one import, not two.
        for vendor, result in zip(VENDORS, run_generator(runs, env), strict=True):
            package = f"{vendor}_client"
            if result.returncode != 0:
                raise ToolError(f"openapi-python-client failed for {vendor}:\n{result.output}")
            stamp_headers(out_dir / package, vendor)
            (out_dir / package / "openapi.json").write_text(effective[vendor], encoding="utf-8")
            (out_dir / package / "py.typed").touch()


def _tree(root: Path) -> dict[str, Path]:
    return {
        str(p.relative_to(root)): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def diff_trees(expected: Path, actual: Path) -> str:
    """A unified diff of actual (committed) against expected (freshly generated)."""
    want, have = _tree(expected), _tree(actual)
    out: list[str] = []
    for rel in sorted(set(want) | set(have)):
        a, b = have.get(rel), want.get(rel)
        if a and b and filecmp.cmp(a, b, shallow=False):
            continue
        a_lines = a.read_text(encoding="utf-8").splitlines(keepends=True) if a else []
        b_lines = b.read_text(encoding="utf-8").splitlines(keepends=True) if b else []
        out.extend(difflib.unified_diff(a_lines, b_lines, f"generated/{rel}", f"regenerated/{rel}"))
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail (with the diff) on drift")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="speechspec-generate-") as tmp:
            fresh = Path(tmp) / "generated"
            generate_into(fresh)
            if args.check:
                diff = diff_trees(fresh, GENERATED)
                if diff:
                    sys.stdout.write(diff)
                    print(
                        "check-generated: generated/ differs from what specs/ produce. "
                        "Run `make generate` and commit the result; never edit generated/ by hand.",
                        file=sys.stderr,
                    )
                    return 1
                print("check-generated: generated/ matches specs/ + overlays")
                return 0
            for vendor in VENDORS:
                package = f"{vendor}_client"
                target = GENERATED / package
                staged = GENERATED / f".{package}.new"
                shutil.rmtree(staged, ignore_errors=True)
                shutil.copytree(fresh / package, staged)
                shutil.rmtree(target, ignore_errors=True)
                staged.rename(target)
                print(f"generate: wrote generated/{package}")
    except ToolError as exc:
        print(f"generate: error: {exc}", file=sys.stderr)
        return 1
    return 0


def generate_all(argv: list[str] | None = None) -> int:
    """The packages, then the typed surface rendered from them and its sync twin: one command
    for every path that regenerates (make generate, the playbook, the replay), so none can
    leave the surface behind the spec. Separate processes: surface.py imports this module."""
    status = main(argv)
    # A copy of the project with only specs/, tools/ and generated/ (some tests make one) has
    # no surface to render.
    has_surface = (ROOT / "wrapper" / "speechspec" / "_hamsa_async.py").is_file()
    for step in ("surface.py", "unasync.py"):
        if status == 0 and has_surface:
            tool = Path(__file__).with_name(step)
            status = subprocess.run([sys.executable, tool, *(argv or [])], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(generate_all(sys.argv[1:]))

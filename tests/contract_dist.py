"""dist-check's contract step, run by the python of a fresh venv holding the built wheel with
[contract,emulator,generate] (tools/dist_check.py): the installed `speechspec contract` against
the emulator (exit 0, nothing billed), against drifted emulators (exit 1 naming the drift; its
--write-overlay output appended to a copy of specs/ and regenerated with tools/generate.py
removes the finding), and --traffic on a session recorded by the installed client.

    python tests/contract_dist.py WORK_DIR
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from speechspec import Livepeer
from speechspec.emulator import EmulatorServer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contract_drift as drift

ROOT = Path(__file__).resolve().parent.parent
SPEECHSPEC = Path(sys.executable).parent / "speechspec"
TOKEN = "dist-check-token"
DRIFTS: dict[str, tuple[Any, list[str], str]] = {
    "extra field": (drift.extra_field, ["--max-billed", "1"], "undocumented-field"),
    "header": (drift.request_id_header, [], "undocumented-header"),
    "new status": (drift.new_status, [], "undocumented-status"),
    "error shape": (drift.other_error_shape, [], "error-shape"),
    "html page": (drift.html_error_page, [], "media-type"),
    "auth ignored": (drift.auth_ignored(TOKEN), ["--max-billed", "3"], "auth-ignored"),
}


def contract(*args: str, expect: int) -> str:
    done = subprocess.run(
        [str(SPEECHSPEC), "contract", "livepeer", "--api-token", TOKEN, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = done.stdout + done.stderr
    if done.returncode != expect:
        raise SystemExit(
            f"speechspec contract {' '.join(args)}: exit {done.returncode}, not {expect}\n{out}"
        )
    return out


def main(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    with EmulatorServer(job_delay=0, use_espeak=False, livepeer_token=TOKEN) as server:
        out = contract("--base-url", server.livepeer_base_url, expect=0)
        billed = [r for r in server.requests() if r["method"] == "POST" and r["status"] == 200]
        if billed or "may be billed: 0 sent" not in out:
            raise SystemExit(f"a default run sent a billed request: {billed}\n{out}")
        record = work / "traffic.jsonl"
        with Livepeer(TOKEN, base_url=server.livepeer_base_url, record=record) as lp:
            lp.synthesize("hello", work / "hello.wav")
        contract("--traffic", str(record), expect=0)
    print("contract: clean emulator passed, nothing billed; --traffic on a recorded session passed")

    repo = work / "repo"
    shutil.copytree(ROOT / "specs", repo / "specs")
    shutil.copytree(ROOT / "tools", repo / "tools", ignore=shutil.ignore_patterns("node_modules"))
    servers = {
        case: EmulatorServer(job_delay=0, use_espeak=False, livepeer_token=TOKEN, wrap=wrap).start()
        for case, (wrap, _, _) in DRIFTS.items()
    }
    try:
        actions: list[Any] = []
        for case, (_, args, kind) in DRIFTS.items():
            suggested = work / f"{case.replace(' ', '-')}.yaml"
            out = contract(
                "--base-url", servers[case].livepeer_base_url, *args,
                "--write-overlay", str(suggested), expect=1,
            )  # fmt: skip
            if kind not in out:
                raise SystemExit(f"{case}: the run did not name {kind}\n{out}")
            actions += yaml.safe_load(suggested.read_text())["actions"]
        overlay_path = repo / "specs" / "livepeer" / "overlay.yaml"
        overlay = yaml.safe_load(overlay_path.read_text())
        overlay["actions"] += actions
        overlay_path.write_text(yaml.safe_dump(overlay, sort_keys=False, allow_unicode=True))
        done = subprocess.run(
            [sys.executable, str(repo / "tools" / "generate.py")],
            capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"regenerating with the suggested actions failed:\n{done.stderr}")
        document = repo / "generated" / "livepeer_client" / "openapi.json"
        for case, (_, args, _) in DRIFTS.items():
            report = work / f"{case.replace(' ', '-')}.json"
            contract(
                "--base-url", servers[case].livepeer_base_url, *args,
                "--document", str(document), "--json", str(report), expect=0,
            )  # fmt: skip
            if json.loads(report.read_text())["drift"]:
                raise SystemExit(f"{case}: drift left after regenerating")
    finally:
        for server in servers.values():
            server.stop()
    print(f"contract: {len(DRIFTS)} drifted emulators exit 1 naming the drift; regenerated, clean")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

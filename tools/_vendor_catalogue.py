"""The requests the fidelity harness (vendor_check.py) sends to a real ai-runner and to the
emulator in runner mode, and how two answers are compared.

Each case is one class of request: valid bodies, missing, null and wrong-typed fields, bad
JSON, huge text, lone surrogates, auth variants, methods and paths. Answers agree when status,
body (a 200's audio reduced to "a data: URL of a 44.1 kHz WAV") and the headers a client acts
on are equal."""

from __future__ import annotations

import base64
import binascii
import io
import json
import wave
from dataclasses import dataclass, field
from typing import Any

MODEL = "parler-tts/parler-tts-large-v1"
TOKEN = "vendor-check-token"  # noqa: S105 (a throwaway token for two loopback servers)
JSON = {"Content-Type": "application/json"}

# The headers whose presence or value a client acts on; Date, Server and Content-Length are not
# compared (Content-Length follows the body, which is).
COMPARED_HEADERS = (
    "content-type",
    "www-authenticate",
    "allow",
    "location",
    "x-request-id",
    "retry-after",
    "x-content-type-options",
)


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes = b'{"text": "hi"}'
    method: str = "POST"
    path: str = "/text-to-speech"
    auth: str | None = f"Bearer {TOKEN}"
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))

    def request_headers(self) -> dict[str, str]:
        sent = dict(self.headers)
        if self.auth is not None:
            sent["Authorization"] = self.auth
        return sent


def _j(value: Any) -> bytes:
    return json.dumps(value).encode()


def catalogue() -> list[Case]:
    """Every request class, each once."""
    cases = [
        # valid
        Case("valid: text only"),
        Case("valid: the runner's model", _j({"model_id": MODEL, "text": "hi"})),
        Case("valid: model_id empty", _j({"model_id": "", "text": "hi"})),
        Case("valid: all fields", _j({"model_id": MODEL, "text": "hi", "description": "calm"})),
        Case("valid: unknown field", _j({"text": "hi", "voice": "x"})),
        Case("valid: Arabic text", _j({"text": "مرحبا بكم"})),
        Case("valid: emoji (escaped pair)", b'{"text": "hi \\ud83d\\ude00"}'),
        Case("valid: control characters escaped", b'{"text": "a\\u0000b\\tc"}'),
        Case("valid: huge text (100k chars)", _j({"text": "word " * 20_000})),
        Case("valid: no Content-Type", headers={}),
        Case(
            "valid: charset parameter", headers={"Content-Type": "application/json; charset=utf-8"}
        ),
        Case("valid: +json subtype", headers={"Content-Type": "application/vnd.api+json"}),
        Case("valid: UTF-8 BOM", b"\xef\xbb\xbf" + _j({"text": "hi"})),
        Case("valid: UTF-16 body", '{"text": "hi"}'.encode("utf-16")),
        Case("valid: whitespace around", b'  \n{"text": "hi"}\n  '),
        Case("valid: query string", path="/text-to-speech?debug=1"),
        # model_id
        Case("model: another model", _j({"model_id": "other/model", "text": "hi"})),
        Case("model: case differs", _j({"model_id": MODEL.upper(), "text": "hi"})),
        Case("model: trailing space", _j({"model_id": MODEL + " ", "text": "hi"})),
        # missing and empty
        Case("missing: empty body", b""),
        Case("missing: empty object", b"{}"),
        Case("missing: text empty", _j({"text": ""})),
        Case("missing: model_id only", _j({"model_id": MODEL})),
        Case("missing: description only", _j({"description": "calm"})),
        Case("missing: text is whitespace", _j({"text": "   "})),
        # wrong types and nulls
        Case("type: text number", _j({"text": 5})),
        Case("type: text float", _j({"text": 1.5})),
        Case("type: text bool", _j({"text": True})),
        Case("type: text list", _j({"text": ["hi"]})),
        Case("type: text object", _j({"text": {"a": 1}})),
        Case("type: model_id number", _j({"model_id": 1, "text": "hi"})),
        Case("type: description number", _j({"text": "hi", "description": 2})),
        Case("type: all three wrong", _j({"model_id": 1, "text": 2, "description": 3})),
        Case("null: text", _j({"text": None})),
        Case("null: model_id", _j({"model_id": None, "text": "hi"})),
        Case("null: description", _j({"text": "hi", "description": None})),
        Case("type: big integer", b'{"text": 123456789012345678901234567890}'),
        # bad JSON and other bodies
        Case("json: not JSON", b"not json"),
        Case("json: truncated", b'{"text": "hi"'),
        Case("json: trailing comma", b'{"text": "hi",}'),
        Case("json: single quotes", b"{'text': 'hi'}"),
        Case("json: missing colon", b'{"text" "hi"}'),
        Case("json: top-level array", b"[]"),
        Case("json: top-level string", b'"hi"'),
        Case("json: top-level number", b"5"),
        Case("json: top-level null", b"null"),
        Case("json: invalid UTF-8", b'{"text": "\xff\xfe"}'),
        Case("json: nesting 100000 deep", b"[" * 100_000 + b"]" * 100_000),
        Case("json: duplicate keys, last empty", b'{"text": "hi", "text": ""}'),
        Case("json: text/plain body", b"hello", headers={"Content-Type": "text/plain"}),
        Case(
            "json: form body",
            b"text=hi",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        # lone surrogates
        Case("surrogate: in text", b'{"text": "a\\ud800b"}'),
        Case("surrogate: low alone in text", b'{"text": "\\udc00"}'),
        Case("surrogate: in description", b'{"text": "hi", "description": "\\udfff"}'),
        Case("surrogate: echoed in a 422", b'{"text": ["\\ud800"]}'),
        Case("surrogate: in another model_id", b'{"model_id": "m\\ud800", "text": "hi"}'),
        Case("json: NaN echoed in a 422", b'{"text": NaN}'),
        Case("json: Infinity echoed in a 422", b'{"text": -Infinity}'),
        # auth
        Case("auth: none", auth=None),
        Case("auth: wrong token", auth="Bearer wrong"),
        Case("auth: lower-case bearer", auth=f"bearer {TOKEN}"),
        Case("auth: upper-case BEARER", auth=f"BEARER {TOKEN}"),
        Case("auth: Token scheme", auth=f"Token {TOKEN}"),
        Case("auth: Basic scheme", auth=f"Basic {TOKEN}"),
        Case("auth: two spaces", auth=f"Bearer  {TOKEN}"),
        Case("auth: scheme only", auth="Bearer"),
        Case("auth: token only", auth=TOKEN),
        Case("order: empty text, wrong token", _j({"text": ""}), auth="Bearer wrong"),
        Case("order: wrong type, no auth", _j({"text": 5}), auth=None),
        Case(
            "order: other model, wrong token",
            _j({"model_id": "x", "text": "hi"}),
            auth="Bearer wrong",
        ),
        Case("order: surrogate, wrong token", b'{"text": "\\ud800"}', auth="Bearer wrong"),
        # methods
        *(
            Case(f"method: {m}", b"", method=m)
            for m in ("GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
        ),
        # paths
        Case("path: trailing slash", path="/text-to-speech/"),
        Case("path: trailing slash, GET", b"", method="GET", path="/text-to-speech/"),
        Case("path: unknown", path="/nope"),
        Case("path: below the route", path="/text-to-speech/extra"),
        Case("path: other case", path="/Text-To-Speech"),
        Case("path: another pipeline", path="/text-to-image"),
        # headers the client sends
        Case("header: client X-Request-Id", headers={**JSON, "X-Request-Id": "client-1"}),
    ]
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise AssertionError("duplicate case names")
    return cases


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: str

    def short(self, width: int = 60) -> str:
        text = f"{self.status} {self.body}"
        return text if len(text) <= width else text[: width - 3] + "..."


def wav_summary(url: str) -> str | None:
    """ "data: URL of a 44100 Hz WAV" and the like, or None when ``url`` is no WAV data URL."""
    prefix = "data:audio/wav;base64,"
    if not url.startswith(prefix):
        return None
    try:
        data = base64.b64decode(url[len(prefix) :], validate=True)
        with wave.open(io.BytesIO(data)) as w:
            return f"<data: URL of a {w.getframerate()} Hz WAV>"
    except (binascii.Error, wave.Error, EOFError):
        return None


def normalize(status: int, headers: dict[str, str], body: bytes) -> Answer:
    """What is compared: the audio of a 200 is reduced to its kind and sample rate."""
    text = body.decode("utf-8", errors="backslashreplace")
    if status == 200 and body.startswith(b"{"):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        url = data.get("audio", {}).get("url") if isinstance(data, dict) else None
        if isinstance(url, str) and (summary := wav_summary(url)) is not None:
            text = text.replace(url, summary)
    kept = tuple((k, headers[k]) for k in COMPARED_HEADERS if k in headers)
    return Answer(status, kept, text)


def table(rows: list[tuple[Case, Answer, Answer]], real: str = "real runner") -> str:
    """A Markdown table of every case, then ``N/M agree``."""
    lines = [f"| # | request class | {real} | emulator | agree |", "|---|---|---|---|---|"]
    agree = 0
    for i, (case, theirs, emulated) in enumerate(rows, 1):
        same = theirs == emulated
        agree += same
        mine = "same" if same else _cell(emulated)
        lines.append(
            f"| {i} | {_escape(case.name)} | {_cell(theirs)} | {mine} | {'yes' if same else 'NO'} |"
        )
    lines.append("")
    lines.append(f"{agree}/{len(rows)} agree")
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "\\n")


def _cell(answer: Answer) -> str:
    return _escape(answer.short())


def differences(rows: list[tuple[Case, Answer, Answer]]) -> list[str]:
    """One paragraph per case that differs, with both full answers."""
    out = []
    for case, real, emulated in rows:
        if real != emulated:
            out.append(f"{case.name}:\n  real:     {real}\n  emulator: {emulated}")
    return out

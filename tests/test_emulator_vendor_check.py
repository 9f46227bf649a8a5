"""The fidelity harness's own parts (tools/vendor_check.py, tools/_vendor_catalogue.py): the
catalogue, the comparison, the table and the uv.lock reading. The harness itself runs the real
ai-runner and is slow: `make vendor-check AIRUNNER=...`, outside `make test`."""

from __future__ import annotations

import base64
import io
import json
import wave
from collections.abc import Iterator
from pathlib import Path

import _vendor_catalogue as cat
import go_decoder_check
import pytest
import vendor_check
from speechspec.emulator import EmulatorServer


def _wav_url(rate: int) -> str:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * 10)
    return "data:audio/wav;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_the_catalogue_covers_every_class_the_issue_names() -> None:
    cases = cat.catalogue()
    assert len(cases) >= 64
    names = " ".join(c.name for c in cases)
    for kind in (
        "valid",
        "missing",
        "type",
        "null",
        "json",
        "huge",
        "surrogate",
        "auth",
        "method",
        "path",
    ):
        assert kind in names, kind
    assert {c.method for c in cases} >= {"POST", "GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
    assert any(c.auth == f"bearer {cat.TOKEN}" for c in cases)
    assert any(c.path == "/text-to-speech/" for c in cases)
    assert any(len(c.body) > 100_000 for c in cases)


def test_normalize_reduces_only_a_wav_data_url() -> None:
    body = json.dumps({"audio": {"url": _wav_url(44_100)}}).encode()
    a = cat.normalize(200, {"content-type": "application/json", "date": "x"}, body)
    assert a.body == '{"audio": {"url": "<data: URL of a 44100 Hz WAV>"}}'
    assert a.headers == (("content-type", "application/json"),)
    # Another rate, or no WAV at all, is kept apart.
    b = cat.normalize(200, {}, json.dumps({"audio": {"url": _wav_url(16_000)}}).encode())
    assert "16000 Hz" in b.body
    c = cat.normalize(200, {}, b'{"audio": {"url": "data:audio/wav;base64,AAAA"}}')
    assert "AAAA" in c.body
    assert cat.normalize(404, {}, b"\xff").body == "\\xff"


def test_the_table_counts_and_marks_differences() -> None:
    cases = cat.catalogue()[:3]
    same = cat.Answer(200, (), "ok")
    other = cat.Answer(401, (("www-authenticate", "Bearer"),), "no")
    rows = [(cases[0], same, same), (cases[1], same, other), (cases[2], other, other)]
    text = cat.table(rows)
    assert text.endswith("2/3 agree")
    assert "| 2 | " + cases[1].name + " | 200 ok | 401 no | NO |" in text
    assert cat.differences(rows) == [f"{cases[1].name}:\n  real:     {same}\n  emulator: {other}"]


def test_uv_lock_is_read_without_extras(tmp_path: Path) -> None:
    lock = tmp_path / "uv.lock"
    lock.write_text(
        """
[[package]]
name = "ai-runner"
version = "0.14.1"
dependencies = [{ name = "fastapi" }, { name = "torch", marker = "extra == 'extra-9-ai-runner-batch'" }]
[[package]]
name = "fastapi"
version = "0.115.6"
dependencies = [
  { name = "pydantic", version = "2.7.2", marker = "extra == 'extra-9-ai-runner-batch'" },
  { name = "pydantic", version = "2.12.5", marker = "extra != 'extra-9-ai-runner-batch'" },
]
[[package]]
name = "pydantic"
version = "2.7.2"
[[package]]
name = "pydantic"
version = "2.12.5"
[[package]]
name = "torch"
version = "2.9.1"
[[package]]
name = "av"
version = "12.1.0"
[[package]]
name = "av"
version = "14.4.0"
"""
    )
    pinned, extras = vendor_check.locked_requirements(lock)
    assert pinned == ["fastapi==0.115.6", "pydantic==2.12.5"]
    assert extras == [("av", ["14.4.0", "12.1.0"])]


@pytest.fixture(scope="module")
def two_runners() -> Iterator[tuple[EmulatorServer, EmulatorServer]]:
    options = {"livepeer_token": cat.TOKEN, "use_espeak": False}
    with (
        EmulatorServer(livepeer_mode="runner", **options) as a,
        EmulatorServer(livepeer_mode="gateway", **options) as b,
    ):
        yield a, b


def test_the_comparison_finds_agreement_and_difference_over_real_http(
    two_runners: tuple[EmulatorServer, EmulatorServer],
) -> None:
    runner, gateway = two_runners
    rows = vendor_check.compare(runner.livepeer_base_url, runner.livepeer_base_url)
    assert cat.table(rows).endswith(f"{len(rows)}/{len(rows)} agree")
    statuses = {real.status for _, real, _ in rows}
    assert statuses == {200, 400, 401, 404, 405, 422, 500}
    # A gateway answers differently nearly everywhere (no 422, Go's texts): the table says so.
    rows = vendor_check.compare(runner.livepeer_base_url, gateway.livepeer_base_url)
    differ = len(cat.differences(rows))
    assert differ > len(rows) // 2
    assert cat.table(rows).endswith(f"{len(rows) - differ}/{len(rows)} agree")


# --- the Go decoder check (tools/go_decoder_check.py) -------------------------------------

GO_SOURCE = """package server

type APIError struct {
	Message string `json:"message"`
}

func (err *APIError) Error() string { return err.Message }

func handleAPIError(ctx context.Context, w io.Writer, err error, code int) {
	if code == 500 {
		return
	}
}

func other() {}
"""


def test_go_declarations_are_taken_whole_from_the_source() -> None:
    assert go_decoder_check.extract(GO_SOURCE, "type", "APIError") == (
        'type APIError struct {\n\tMessage string `json:"message"`\n}'
    )
    assert go_decoder_check.extract(GO_SOURCE, "func", "Error") == (
        "func (err *APIError) Error() string { return err.Message }"
    )
    body = go_decoder_check.extract(GO_SOURCE, "func", "handleAPIError")
    assert body.startswith("func handleAPIError(") and body.endswith("\t}\n}")
    assert "other" not in body
    with pytest.raises(SystemExit, match="no func missing"):
        go_decoder_check.extract(GO_SOURCE, "func", "missing")


def test_the_go_program_is_built_from_the_checkouts_declarations(tmp_path: Path) -> None:
    (tmp_path / "ai" / "worker").mkdir(parents=True)
    (tmp_path / "server").mkdir()
    (tmp_path / "ai" / "worker" / "runner.gen.go").write_text(
        'package worker\n\ntype TextToSpeechParams struct {\n\tText *string `json:"text,omitempty"`\n}\n'
    )
    handlers = GO_SOURCE.replace(
        "type APIError struct", "type APIErrorResponse struct {\n}\n\ntype APIError struct"
    )
    handlers += "\nfunc respondJsonError(ctx context.Context, w http.ResponseWriter, err error, code int) {\n\tw.WriteHeader(code)\n}\n"
    (tmp_path / "server" / "handlers.go").write_text(handlers)
    (tmp_path / "server" / "utils.go").write_text(
        "package server\n\nfunc jsonDecoder[T any](req *T, r *http.Request) error {\n\treturn nil\n}\n"
    )
    (tmp_path / "go.mod").write_text("module x\n\ngo 1.25.0\n")
    worker, main = go_decoder_check.program(tmp_path)
    assert worker.startswith("package worker\n\ntype TextToSpeechParams struct {")
    for piece in ("func jsonDecoder[T any]", "func respondJsonError(", "func handleAPIError("):
        assert piece in main
    assert go_decoder_check.go_version_needed(tmp_path) == "1.25.0"


def test_go_rows_compare_decoded_fields_and_error_answers() -> None:
    decoded = go_decoder_check.GoAnswer(200, "", b"", {"text": "hi", "model_id": None})
    error = go_decoder_check.GoAnswer(
        400, "application/json", b'{"error":{"message":"EOF"}}\n', None
    )
    rows = go_decoder_check.rows([decoded, error], [decoded, decoded], [b'{"text":"hi"}', b""])
    assert cat.table(rows).endswith("1/2 agree")
    assert rows[1][1].body == '{"error":{"message":"EOF"}}\n'


def test_the_decoder_catalogue_holds_every_http_body_and_more() -> None:
    bodies = go_decoder_check.decoder_bodies()
    assert len(bodies) == len(set(bodies)) >= 70
    assert {c.body for c in cat.catalogue() if c.method == "POST"} <= set(bodies)

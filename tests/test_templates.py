"""Our generator templates (specs/templates/), on a fixture spec that has every kind of field
the vendors' specs have, and those they may add tomorrow: the strict from_dict (every JSON
type, nested), open response enums and closed request enums, secrets out of repr, the public
build_request/parse_response, and type-correct output (mypy --strict on the generated code)."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from _templates import GENERATOR_VERSION, TEMPLATES, mark_response_schemas

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

FIXTURE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Fixture", "version": "1"},
    "paths": {
        "/things": {
            "post": {
                "operationId": "createThing",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ThingRequest"}
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "the thing",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Color": {"type": "string", "enum": ["red", "green"]},
            "ThingRequest": {
                "type": "object",
                "required": ["color"],
                "properties": {
                    "color": {"$ref": "#/components/schemas/Color"},
                    "secret": {"type": "string", "format": "password"},
                },
            },
            "Thing": {
                "type": "object",
                "required": ["id", "count", "ratio", "flag", "color", "tags", "parts"],
                "properties": {
                    "id": {"type": "string"},
                    "count": {"type": "integer"},
                    "ratio": {"type": "number"},
                    "flag": {"type": "boolean"},
                    "color": {"$ref": "#/components/schemas/Color"},
                    "note": {"type": "string", "nullable": True},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "colors": {"type": "array", "items": {"$ref": "#/components/schemas/Color"}},
                    "parts": {"type": "array", "items": {"$ref": "#/components/schemas/Part"}},
                    "when": {"type": "string", "format": "date-time"},
                    "day": {"type": "string", "format": "date"},
                    "uid": {"type": "string", "format": "uuid"},
                    "either": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Part"},
                            {"$ref": "#/components/schemas/Other"},
                        ]
                    },
                    "scalar": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                    "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "anything": {},
                    "token": {"type": "string", "format": "password", "nullable": True},
                },
            },
            "Part": {
                "type": "object",
                "required": ["size"],
                "properties": {"size": {"type": "integer"}},
            },
            "Other": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}},
            },
        }
    },
}

GOOD: dict[str, Any] = {
    "id": "t1",
    "count": 3,
    "ratio": 0.5,
    "flag": False,
    "color": "red",
    "note": None,
    "tags": ["a", "b"],
    "colors": ["green"],
    "parts": [{"size": 1}, {"size": 2}],
    "when": "2024-05-01T10:00:00+00:00",
    "day": "2024-05-01",
    "uid": "0b7c6b9e-4b0a-4f7e-9d1a-2f0a5c1e9a11",
    "either": {"name": "n"},
    "scalar": 7,
    "extra": {"a": 1},
    "anything": [1, {"x": None}],
    "token": "tok-SECRET-1",
}


@pytest.fixture(scope="module")
def fixture_pkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate ``tmpl_fixture_client`` from FIXTURE with our templates, as tools/generate.py does."""
    work = tmp_path_factory.mktemp("fixture")
    spec = work / "fixture.json"
    spec.write_text(json.dumps(mark_response_schemas(FIXTURE)))
    config = yaml.safe_load((ROOT / "specs" / "hamsa" / "config.yaml").read_text())
    config.update(
        project_name_override="tmpl-fixture-client", package_name_override="tmpl_fixture_client"
    )
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    out = work / "out" / "tmpl_fixture_client"
    proc = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(work / "config.yaml"),
            "--meta",
            "none",
            "--custom-template-path",
            str(TEMPLATES),
            "--output-path",
            str(out),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=work,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (out / "py.typed").touch()
    return out.parent


@pytest.fixture(scope="module")
def fx(fixture_pkg: Path) -> Any:
    # tests/test_spec_changes.py generates (and imports) another ``fixture_client``: drop it.
    for name in [
        m for m in sys.modules if m == "fixture_client" or m.startswith("fixture_client.")
    ]:
        del sys.modules[name]
    sys.path.insert(0, str(fixture_pkg))
    try:
        return importlib.import_module("tmpl_fixture_client.models")
    finally:
        sys.path.remove(str(fixture_pkg))


def _error(fx: Any) -> type[Exception]:
    errors: Any = importlib.import_module("tmpl_fixture_client.errors")
    exc: type[Exception] = errors.SpecValidationError
    return exc


def test_a_valid_answer_parses_and_round_trips(fx: Any) -> None:
    thing = fx.Thing.from_dict(GOOD)
    assert thing.color is fx.Color.RED and thing.colors == [fx.Color.GREEN]
    assert isinstance(thing.parts[0], fx.Part) and isinstance(thing.either, fx.Other)
    assert thing.when.year == 2024 and str(thing.uid) == GOOD["uid"]
    assert thing.to_dict() == GOOD
    # An integer is a JSON number.
    assert fx.Thing.from_dict({**GOOD, "ratio": 2}).ratio == 2


# (path, bad value at that path, the error's path, expected)
WRONG = [
    ("id", 5, "id", "string"),
    ("id", None, "id", "string"),
    ("id", ["x"], "id", "string"),
    ("count", 1.5, "count", "integer"),
    ("count", "3", "count", "integer"),
    ("count", True, "count", "integer"),  # JSON true is not a number
    ("ratio", "0.5", "ratio", "number"),
    ("ratio", False, "ratio", "number"),
    ("ratio", None, "ratio", "number"),
    ("flag", 0, "flag", "boolean"),
    ("flag", "true", "flag", "boolean"),
    ("color", 1, "color", "string"),
    ("note", 5, "note", "string | null"),
    ("note", {}, "note", "string | null"),
    ("tags", "a", "tags", "array"),
    ("tags", {"0": "a"}, "tags", "array"),
    ("tags", ["a", 2], "tags[1]", "string"),
    ("colors", [None], "colors[0]", "string"),
    ("parts", [{"size": 1}, {"size": "2"}], "parts[1].size", "integer"),
    ("parts", [{"size": 1}, []], "parts[1]", "object"),
    ("parts", [{}], "parts[0].size", "integer"),
    ("when", "yesterday", "when", "string (date-time)"),
    ("when", 1714557600, "when", "string (date-time)"),
    ("day", "2024-13-01", "day", "string (date)"),
    ("uid", "not-a-uuid", "uid", "string (uuid)"),
    # Arms of one JSON type are tried in turn; the last one's error is reported.
    ("either", {"other": 1}, "either.name", "string"),
    ("either", "n", "either", "object | object"),
    ("scalar", 1.5, "scalar", "integer | string"),
    ("scalar", None, "scalar", "integer | string"),
    ("extra", {"a": "1"}, "extra.a", "integer"),
    ("extra", [], "extra", "object"),
    ("token", 5, "token", "string | null"),
]


@pytest.mark.parametrize(("field", "value", "path", "expected"), WRONG)
def test_a_wrong_json_type_raises_spec_validation_error_naming_the_path(
    fx: Any, field: str, value: Any, path: str, expected: str
) -> None:
    with pytest.raises(_error(fx)) as info:
        fx.Thing.from_dict({**GOOD, field: value})
    assert info.value.path == path  # type: ignore[attr-defined]
    assert info.value.expected == expected  # type: ignore[attr-defined]
    assert str(info.value).startswith(f"{path}: ")
    assert isinstance(info.value, ValueError)
    # The message names JSON types, never the value (it may be a secret).
    if isinstance(value, str) and field not in ("scalar",):
        assert repr(value) not in str(info.value)


def test_missing_required_fields_and_non_objects(fx: Any) -> None:
    error = _error(fx)
    with pytest.raises(error, match=r"^count: required field is missing \(expected integer\)$"):
        fx.Thing.from_dict({k: v for k, v in GOOD.items() if k != "count"})
    for body, got in (([], "array"), ("x", "string"), (None, "null"), (3, "integer")):
        with pytest.raises(error, match=f"^the document: expected object, got {got}$"):
            fx.Thing.from_dict(body)


def test_the_error_pickles_and_its_path_nests(fx: Any) -> None:
    error: Any = _error(fx)
    try:
        fx.Thing.from_dict({**GOOD, "parts": [{"size": 1}, {"size": None}]})
    except error as exc:
        copy = pickle.loads(pickle.dumps(exc))
        assert (copy.path, copy.expected, copy.got) == ("parts[1].size", "integer", "null")
        assert str(copy) == str(exc) == "parts[1].size: expected integer, got null"
    assert str(error("", "object", "array").within("data")) == "data: expected object, got array"
    assert error("[0].x", "string", "null").within("items").path == "items[0].x"


def test_response_enums_are_open_and_request_enums_closed(fx: Any) -> None:
    thing = fx.Thing.from_dict({**GOOD, "color": "blue", "colors": ["red", "ultraviolet"]})
    assert thing.color == "blue" and type(thing.color) is str
    assert thing.colors == [fx.Color.RED, "ultraviolet"]
    assert thing.to_dict()["color"] == "blue"
    assert thing.to_dict()["colors"] == ["red", "ultraviolet"]
    # The same Color schema in a request model stays closed.
    with pytest.raises(_error(fx)) as info:
        fx.ThingRequest.from_dict({"color": "blue"})
    assert info.value.path == "color"  # type: ignore[attr-defined]
    assert "one of green, red" in str(info.value)
    assert fx.ThingRequest.from_dict({"color": "green"}).color is fx.Color.GREEN


def test_secret_fields_are_not_in_repr(fx: Any) -> None:
    request = fx.ThingRequest(color=fx.Color.RED, secret="s3cr3t-VALUE")
    assert "s3cr3t-VALUE" not in repr(request) and "color=" in repr(request)
    thing = fx.Thing.from_dict(GOOD)
    assert "tok-SECRET-1" not in repr(thing) and "tok-SECRET-1" in json.dumps(thing.to_dict())


def test_operations_have_a_public_builder_and_parser(fixture_pkg: Path, fx: Any) -> None:
    op: Any = importlib.import_module("tmpl_fixture_client.api.default.create_thing")
    kwargs = op.build_request(body=fx.ThingRequest(color=fx.Color.GREEN))
    assert kwargs["method"] == "post" and kwargs["url"] == "/things"
    assert kwargs["json"] == {"color": "green"}
    parsed = op.parse_response(httpx.Response(200, json=GOOD))
    assert isinstance(parsed, fx.Thing)
    with pytest.raises(_error(fx), match="not JSON"):
        op.parse_response(httpx.Response(200, content=b"<html>"))
    assert op.parse_response(httpx.Response(418, json={})) is None
    unexpected: Any = importlib.import_module("tmpl_fixture_client.errors").UnexpectedStatus
    with pytest.raises(unexpected):
        op.parse_response(httpx.Response(418), raise_on_unexpected_status=True)
    private = {name for name in vars(op) if name.startswith("_get") or name == "_parse_response"}
    assert not private


def test_generated_code_passes_mypy_strict(fixture_pkg: Path, mypy_cache: Path) -> None:
    packages = ["tmpl_fixture_client", "hamsa_client", "livepeer_client"]
    # The cache outlives the run (conftest.py mypy_cache): what did not change is not re-checked.
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(mypy_cache)]
        + [arg for name in packages for arg in ("-p", name)],
        capture_output=True,
        text=True,
        check=False,
        cwd=fixture_pkg,
        env={
            **os.environ,
            "MYPYPATH": os.pathsep.join([str(fixture_pkg), str(ROOT / "generated")]),
        },
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- the vendors' packages ------------------------------------------------------------------


def test_the_installed_generator_is_the_one_the_templates_are_written_for() -> None:
    installed = importlib.metadata.version("openapi-python-client")
    assert installed == GENERATOR_VERSION, (
        f"openapi-python-client {installed} is installed, but specs/templates/ are written for "
        f"{GENERATOR_VERSION}. Templates are not a stable upstream interface: port "
        "specs/templates/ to the new version (diff the upstream templates), then bump "
        "GENERATOR_VERSION in tools/_templates.py and the pin in pyproject.toml together."
    )
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"openapi-python-client=={GENERATOR_VERSION}"' in pyproject


def test_every_generated_python_file_says_do_not_edit() -> None:
    files = sorted((ROOT / "generated").rglob("*.py"))
    assert len(files) > 20
    for path in files:
        vendor = path.relative_to(ROOT / "generated").parts[0].removesuffix("_client")
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(f"# generated by `make generate` from specs/{vendor}/"), path
        assert first.endswith("; do not edit"), path


def test_vendor_models_reject_wrong_types_and_keep_new_enum_values() -> None:
    from hamsa_client.errors import SpecValidationError
    from hamsa_client.models import TTSResponse, TTSResponseDataStatus

    job = {"id": "j", "status": "PENDING", "jobResponse": {"ttsMediaFile": 5}}
    with pytest.raises(SpecValidationError) as info:
        TTSResponse.from_dict({"success": True, "data": job})
    assert info.value.path == "data.jobResponse.ttsMediaFile"
    for new in ("PROCESSING", "CANCELLED"):
        parsed = TTSResponse.from_dict({"data": {"id": "j", "status": new}})
        assert parsed.data and parsed.data.status == new  # type: ignore[union-attr]
    done = TTSResponse.from_dict({"data": {"id": "j", "status": "COMPLETED"}})
    assert done.data.status is TTSResponseDataStatus.COMPLETED  # type: ignore[union-attr]


def test_the_webhook_secret_and_tokens_are_in_no_repr() -> None:
    from hamsa_client import AuthenticatedClient, Client
    from hamsa_client.models import ExternalWebhookAuthScheme, TTSRequest

    secret = "whsec-DO-NOT-SHOW"
    auth = ExternalWebhookAuthScheme(auth_key="Token", auth_secret=secret)
    request = TTSRequest(text="t", voice_id="v", webhook_url="https://x", webhook_auth=auth)
    assert secret not in repr(auth) and secret not in repr(request)
    assert secret in json.dumps(request.to_dict())  # still sent
    client = AuthenticatedClient(base_url="https://x", token="tok-DO-NOT-SHOW", prefix="Token")
    client.get_httpx_client()  # puts the token into the client's headers
    plain = Client(base_url="https://x", headers={"Authorization": "Token tok-DO-NOT-SHOW"})
    for obj in (client, plain):
        assert "tok-DO-NOT-SHOW" not in repr(obj) and "https://x" in repr(obj)
    client.get_httpx_client().close()


def test_the_wrapper_and_tests_use_no_private_generated_name() -> None:
    """A generator upgrade must not break speechspec through a private name."""
    pattern = re.compile(
        r"\b(?:create_tts_job|get_job_by_id|gen_text_to_speech|hamsa_client|livepeer_client)"
        r"(?:\.\w+)*\._[a-z]\w*"
    )
    hits = []
    for base in ("wrapper", "tests", "bench", "tools"):
        for path in (ROOT / base).rglob("*.py"):
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line) and path.name != "test_templates.py":
                    hits.append(f"{path.relative_to(ROOT)}:{lineno}: {line.strip()}")
    assert not hits, "\n".join(hits)
    for module in (
        "hamsa_client.api.default.create_tts_job",
        "hamsa_client.api.default.get_job_by_id",
        "livepeer_client.api.generate.gen_text_to_speech",
    ):
        op = importlib.import_module(module)
        assert callable(op.build_request) and callable(op.parse_response), module

"""The runtime uses httpx's (and httpcore's) public API only: no attribute or method of theirs
whose name starts with an underscore, and no import of their private modules. A private name
can change in any patch release (the core accepts every httpx 0.28.x)."""

from __future__ import annotations

import ast
from pathlib import Path

import httpcore
import httpx

ROOT = Path(__file__).resolve().parent.parent
SCANNED = [ROOT / "wrapper" / "speechspec", ROOT / "generated"]


def _private_names() -> set[str]:
    """Every private (single-underscore) name httpx and httpcore objects carry: class
    attributes and the instance attributes their constructors set."""
    request = httpx.Request("POST", "https://example.com/x", json={"a": 1})
    samples: list[object] = [
        request,
        httpx.Response(200, request=request, json={}),
        httpx.Client(),
        httpx.AsyncClient(),
        httpx.Timeout(1),
        httpx.Limits(),
        httpx.Headers({"a": "b"}),
        httpx.URL("https://example.com/?a=1"),
        httpx.QueryParams("a=1"),
        httpx.Cookies(),
        httpx.HTTPTransport(),
        httpx.AsyncHTTPTransport(),
        httpx.ByteStream(b""),
        httpx.ConnectError("x", request=request),
        httpcore.ConnectionPool(),
        httpcore.AsyncConnectionPool(),
        httpcore.AnyIOBackend(),
    ]
    names: set[str] = set()
    for obj in samples:
        for name in (*dir(type(obj)), *vars(obj)):
            if name.startswith("_") and not name.startswith("__"):
                names.add(name)
        close = getattr(obj, "close", None)
        if isinstance(obj, httpx.Client | httpcore.ConnectionPool) and close:
            close()
    for module in (httpx, httpcore):
        names |= {n for n in dir(module) if n.startswith("_") and not n.startswith("__")}
    return names


def _uses(
    private: set[str], bases: list[Path] = SCANNED, root: Path = ROOT
) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for base in bases:
        for path in sorted(base.rglob("*.py")):
            rel = str(path.relative_to(root))
            tree = ast.parse(path.read_text(encoding="utf-8"), rel)
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
                    "httpx",
                    "httpcore",
                ):
                    if any(part.startswith("_") for part in (node.module or "").split(".")):
                        found.add((rel, str(node.module)))
                    found |= {(rel, a.name) for a in node.names if a.name.startswith("_")}
                if not isinstance(node, ast.Attribute) or node.attr not in private:
                    continue
                owner = node.value
                # Our own objects' private state (self._client, cls._x) is ours to use.
                ours = isinstance(owner, ast.Name) and owner.id in (
                    "self",
                    "cls",
                    "owner",
                    "client",
                )
                if ours and not (owner.id == "client" and node.attr in _CLIENT_INTERNALS):  # type: ignore[attr-defined]
                    continue
                found.add((rel, node.attr))
    return found


# An httpx client's own internals: `client._transport` and the like are never ours, even where
# the variable is called ``client`` (our clients keep theirs under other names).
_CLIENT_INTERNALS = {"_transport", "_mounts", "_transport_for_url", "_send_handling_auth"}


def test_the_scan_finds_private_uses(tmp_path: Path) -> None:
    """The scan itself can fail: private uses planted in a scanned file are found."""
    (tmp_path / "m.py").write_text(
        "from httpx._content import encode_json\n"
        "def f(response, request, client):\n"
        "    response._content = b''\n"
        "    request.extensions['timeout']\n"
        "    request._prepare({})\n"
        "    client._transport.handle_request(request)\n"
        "    self._client.send(request)\n",
        encoding="utf-8",
    )
    found = _uses(_private_names(), [tmp_path], tmp_path)
    assert found == {
        ("m.py", "httpx._content"),
        ("m.py", "_content"),
        ("m.py", "_prepare"),
        ("m.py", "_transport"),
    }


def test_no_private_httpx_attribute_is_used() -> None:
    found = _uses(_private_names())
    assert found == set(), (
        f"private httpx/httpcore names used: {sorted(found)}; use the public API "
        "(client.build_request, response.read(), exc.request, ...)"
    )

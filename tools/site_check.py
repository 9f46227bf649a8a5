"""`make docs-check`: the built site (site/, from `make docs`) in a real headless Chromium.

- every page is served over HTTP and loaded by Chromium (scripts run); its rendered DOM must
  hold the page's article;
- every internal link and image of every page resolves: the file exists, and a #fragment is
  an id in it;
- the search works: the home page opened with `?q=<word>` shows results in the rendered DOM
  (mkdocs-material runs its search index in a web worker, so this needs the real browser);
- a screenshot of the home page is written (`--screenshot PATH`).

Needs Debian's chromium (`apt-get install chromium`); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import html.parser
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
# Without the background-networking flags Chromium tries to reach Google's hosts at start.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        for name in ("href", "src"):
            value = found.get(name)
            if value and tag in ("a", "img", "link", "script"):
                self.links.append(value)


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def broken_links(site: Path) -> list[str]:
    problems = []
    parsed: dict[Path, Links] = {}
    for page in sorted(site.rglob("*.html")):
        for link in parse(page).links:
            url = urllib.parse.urlsplit(link)
            if url.scheme or url.netloc or link.startswith(("mailto:", "data:")):
                continue  # external: not followed (no internet here)
            path = urllib.parse.unquote(url.path)
            # An absolute path (the 404 page's links) is from the site's root.
            base = site if path.startswith("/") else page.parent
            target = (base / path.lstrip("/")).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{page.relative_to(site)}: {link}: no such file")
                continue
            if url.fragment and target.suffix == ".html":
                ids = parsed.setdefault(target, parse(target)).ids
                if url.fragment not in ids:
                    problems.append(f"{page.relative_to(site)}: {link}: no such anchor")
    return problems


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
    fds 3 and 4, NUL-separated JSON), so nothing beyond the standard library is needed."""

    def __init__(self, executable: str, profile: Path) -> None:
        ours_in, chrome_out = os.pipe()  # chromium writes fd 4
        chrome_in, ours_out = os.pipe()  # chromium reads fd 3

        def fds() -> None:
            # Through fresh copies, so that neither end is overwritten if it already is 3 or 4.
            read_end, write_end = os.dup(chrome_in), os.dup(chrome_out)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.proc = subprocess.Popen(
            [
                executable,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "--window-size=1280,900",
                "--hide-scrollbars",
                "about:blank",
            ],
            # close_fds would close 3 and 4 after preexec_fn; every other fd of ours is
            # close-on-exec (os.pipe, open), so nothing else leaks into the browser.
            close_fds=False,
            preexec_fn=fds,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(chrome_in)
        os.close(chrome_out)
        self._write = os.fdopen(ours_out, "wb")
        self._read = os.fdopen(ours_in, "rb")
        self._next = 0
        self._buffer = b""

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._write.write(json.dumps(message).encode() + b"\0")
        self._write.flush()
        while True:
            while b"\0" not in self._buffer:
                chunk = self._read.read1(65536)
                if not chunk:
                    raise RuntimeError("chromium closed its DevTools pipe")
                self._buffer += chunk
            raw, _, self._buffer = self._buffer.partition(b"\0")
            answer = json.loads(raw)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result

    def open(self, url: str) -> str:
        target = self.call("Target.createTarget", url=url)["targetId"]
        session: str = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        return session

    def wait_for(self, session: str, expression: str, timeout: float = 30.0) -> Any:
        """The value of ``expression`` in the page once it is truthy (None after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.call(
                "Runtime.evaluate", session, expression=expression, returnByValue=True
            )
            value = found.get("result", {}).get("value")
            if value:
                return value
            time.sleep(0.2)
        return None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close")
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=SITE)
    parser.add_argument("--screenshot", type=Path, help="write the home page's screenshot here")
    parser.add_argument("--query", default="emulator", help="a word the search must find")
    args = parser.parse_args(argv)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("docs-check: needs Chromium: apt-get install chromium", file=sys.stderr)
        return 2
    if not (args.site / "index.html").exists():
        print(f"docs-check: no site in {args.site}: run `make docs` first", file=sys.stderr)
        return 2
    problems = broken_links(args.site)
    server, base = serve(args.site)
    pages = sorted(p.relative_to(args.site).as_posix() for p in args.site.rglob("*.html"))
    results = 0
    with tempfile.TemporaryDirectory() as profile:
        chrome = Browser(browser, Path(profile))
        try:
            for page in pages:
                session = chrome.open(f"{base}/{page}")
                title = chrome.wait_for(
                    session, "document.readyState === 'complete' && document.title"
                )
                if not title:
                    problems.append(f"{page}: did not load in Chromium")
                elif page != "404.html" and not chrome.wait_for(
                    session, "document.querySelector('article h1') !== null", timeout=5
                ):
                    problems.append(f"{page}: Chromium rendered no article heading")
            # The search runs in a web worker over search_index.json: only a browser shows it.
            session = chrome.open(f"{base}/index.html?q={urllib.parse.quote(args.query)}")
            results = (
                chrome.wait_for(
                    session, "document.querySelectorAll('.md-search-result__item').length"
                )
                or 0
            )
            if not results:
                problems.append(f"search for {args.query!r}: no result in the rendered page")
            if args.screenshot:
                session = chrome.open(f"{base}/index.html")
                chrome.wait_for(session, "document.readyState === 'complete'")
                shot = chrome.call("Page.captureScreenshot", session, format="png")
                args.screenshot.write_bytes(base64.b64decode(shot["data"]))
        finally:
            chrome.close()
    server.shutdown()
    for problem in problems:
        print(f"docs-check: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(
        f"docs-check: {len(pages)} pages loaded in Chromium, every internal link and anchor "
        f"resolves, search for {args.query!r}: {results} results"
        + (f"; screenshot: {args.screenshot}" if args.screenshot else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``speechspec contract`` command (extra ``contract``): its options, its checks, its exit
code. Everything it needs beyond argparse loads only when it runs."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._cli_common import ENVS
from .errors import ConfigurationError, InvalidRequestError

EPILOG = """\
Free checks run by default: requests a conforming server refuses before doing any work (no or
a wrong credential, malformed JSON, wrong types, missing required fields, an unknown path and
method). Each answer is held to the effective document the installed client was built from:
an undocumented status, a field the schema does not name, another error shape, a header such
as X-Request-Id, or auth ignored is reported as drift, with the Overlay 1.0 actions that would
document it (--write-overlay FILE writes them; paste them into specs/<vendor>/overlay.yaml).

Billed requests (a Hamsa job, a Livepeer synthesis) are sent only with --max-billed N, at most
N of them, each once (never retried), and listed in the summary. --traffic FILE checks the
answers recorded with SPEECHSPEC_RECORD=FILE instead, and sends nothing.

Exit codes: 0 the endpoint conforms; 1 a check failed or drift was found; 2 bad usage, or
nothing could be checked (the endpoint unreachable, no matching recorded answer)."""

# The Authorization scheme each vendor's document and client use.
_SCHEMES = {"hamsa": "Token", "livepeer": "Bearer"}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "contract",
        help="check an endpoint (or recorded traffic) against the spec the client was built from",
        description="Check a live endpoint, or recorded traffic, against the effective OpenAPI "
        "document the installed client was generated from.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("vendor", choices=sorted(_SCHEMES), metavar="{hamsa,livepeer}")
    parser.add_argument(
        "--base-url", help="the endpoint (default: $HAMSA_BASE_URL / $LIVEPEER_BASE_URL)"
    )
    parser.add_argument(
        "--api-key",
        "--api-token",
        dest="contract_key",
        metavar="KEY",
        help="the key (default: $HAMSA_API_KEY / $LIVEPEER_API_TOKEN, kept out of the process list)",
    )
    parser.add_argument("--traffic", metavar="FILE", help="check recorded answers; send nothing")
    parser.add_argument(
        "--max-billed", type=int, default=0, metavar="N", help="billed requests allowed (default 0)"
    )
    parser.add_argument(
        "--fuzz",
        type=int,
        default=0,
        metavar="N",
        help="also N negative examples per operation (schemathesis), sent with no credential",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a field of billed requests' bodies (e.g. voiceId=...); VALUE is JSON or text",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send nothing"
    )
    parser.add_argument("--json", metavar="FILE", dest="json_file", help="write the report as JSON")
    parser.add_argument("--junit", metavar="FILE", help="write the report as JUnit XML")
    parser.add_argument(
        "--write-overlay", metavar="FILE", help="write the suggested overlay actions"
    )
    parser.add_argument(
        "--document",
        metavar="FILE",
        help="another effective document (default: the installed <vendor>_client/openapi.json)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (30)")
    return parser


def _params(values: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InvalidRequestError(f"--param {item!r} is not NAME=VALUE", param="--param")
        try:
            out[name] = json.loads(value)
        except ValueError:
            out[name] = value
    return out


def _settings(args: argparse.Namespace) -> Any:
    from .contract import Settings

    env = ENVS[args.vendor]
    base_url = args.base_url or os.environ.get(env.base_url_var, "")
    if not base_url and not args.traffic:
        raise InvalidRequestError(
            f"--base-url (or ${env.base_url_var}) names the endpoint to check", param="--base-url"
        )
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise InvalidRequestError(
                "--base-url must be an http(s) URL with a host and no query", param="--base-url"
            )
    if args.max_billed < 0:
        raise InvalidRequestError("--max-billed must be 0 or more", param="--max-billed")
    if not 0 <= args.fuzz <= 1000:
        raise InvalidRequestError("--fuzz must be between 0 and 1000", param="--fuzz")
    if args.timeout <= 0:
        raise InvalidRequestError("--timeout must be more than 0", param="--timeout")
    key = args.contract_key if args.contract_key is not None else os.environ.get(env.key_var)
    if env.key_required and not key and not (args.traffic or args.dry_run):
        raise ConfigurationError(
            f"a {args.vendor} key is needed to check the endpoint: set {env.key_var} or pass --api-key"
        )
    return Settings(
        args.vendor,
        base_url,
        _SCHEMES[args.vendor],
        key or None,
        args.max_billed,
        _params(args.param),
        args.timeout,
        args.fuzz,
    )


def _dry_run(settings: Any, doc: Any) -> int:
    from .contract._probes import billed_operations, billed_probe
    from .contract._run import describe, unbilled_probes

    print(f"speechspec contract {settings.vendor} --dry-run: nothing is sent")
    for probe in unbilled_probes(doc, settings):
        print(f"  {probe.check}: {describe(settings, probe)}")
    budget = settings.max_billed
    for op in billed_operations(doc):
        if budget > 0:
            budget -= 1
            print(
                f"  billed: {op.name}: {describe(settings, billed_probe(doc, op, settings.params))}"
            )
        else:
            print(f"  not sent (--max-billed {settings.max_billed}): billed {op.name}")
    print(f"document: {doc.origin}")
    return 0


def command(args: argparse.Namespace) -> int:
    outputs = {
        "--json": args.json_file,
        "--junit": args.junit,
        "--write-overlay": args.write_overlay,
    }
    for flag, path in outputs.items():
        if path is not None and not Path(path).resolve().parent.is_dir():
            raise InvalidRequestError(
                f"{flag}: the directory of {path!r} does not exist", param=flag
            )
    if args.traffic and not Path(args.traffic).is_file():
        raise InvalidRequestError(f"--traffic: no file {args.traffic!r}", param="--traffic")
    try:
        from . import contract
        from .contract._report import to_json, write_atomic
    except ImportError as exc:
        raise ConfigurationError(
            f"speechspec contract needs the contract extra ({exc.name} is missing): "
            "pip install 'speechspec[contract]'"
        ) from None
    settings = _settings(args)
    if args.document:
        try:
            doc = contract.Document.from_file(Path(args.document))
            if not isinstance(doc.raw.get("openapi"), str) or not doc.operations:
                raise ValueError("not an OpenAPI document with operations")
        except (OSError, ValueError, AttributeError) as exc:
            raise InvalidRequestError(
                f"--document: cannot read {args.document!r}: {exc}", param="--document"
            ) from None
    else:
        doc = contract.Document.installed(args.vendor)
    if args.dry_run:
        return _dry_run(settings, doc)
    if args.traffic:
        report = contract.check_recorded(
            args.vendor, Path(args.traffic), base_url=args.base_url, document=doc
        )
    else:
        report = contract.check_endpoint(settings, doc)
    if report.usage_error:  # nothing to check: a usage error, exit 2 like the others
        raise InvalidRequestError(report.usage_error, param="--traffic")
    print(contract.table(report))
    if report.drift:
        print("\nSuggested overlay actions (specs/<vendor>/overlay.yaml, then make generate):")
        print(contract.overlay_yaml(report.drift, args.vendor))
    if args.json_file:
        write_atomic(Path(args.json_file), to_json(report))
    if args.junit:
        write_atomic(Path(args.junit), contract.junit(report))
    if args.write_overlay and report.drift:
        write_atomic(Path(args.write_overlay), contract.overlay_yaml(report.drift, args.vendor))
        print(f"suggested overlay actions written to {args.write_overlay}")
    elif args.write_overlay:
        print(f"no drift: {args.write_overlay} not written (an overlay needs at least one action)")
    return report.exit_code

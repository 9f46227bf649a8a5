"""Every one-value flag of every command, given as ``--flag=--``, is a usage error naming the
flag: Python 3.11's argparse stores [] for it without calling the flag's type, and each command
used to meet a list where it expected its value (TypeError, AttributeError tracebacks)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

import pytest
from speechspec.cli import _parser, main

# The positionals each leaf command needs, so that parsing reaches the flags' values.
_POSITIONALS = {
    ("speak", "hamsa"): ["hi", "-o", "x.wav", "--voice-id=V"],
    ("speak", "livepeer"): ["hi", "-o", "x.wav"],
    ("batch",): ["hamsa", "lines.txt", "--out-dir=out"],
    ("contract",): ["hamsa"],
    ("job",): ["job-1"],
    ("emulator",): [],
}


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> Iterator[Any]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _leaves(child, (*path, name))


def _cases() -> Iterator[tuple[tuple[str, ...], str]]:
    for path, parser in _leaves(_parser(), ()):
        for action in parser._actions:
            store = isinstance(action, argparse._StoreAction)
            if store and action.option_strings and action.nargs is None:
                yield path, action.option_strings[-1]


CASES = list(_cases())


def test_every_leaf_command_is_covered() -> None:
    assert {path for path, _ in CASES} == set(_POSITIONALS)
    assert len(CASES) >= 30, CASES


@pytest.mark.parametrize(("path", "flag"), CASES, ids=[f"{' '.join(p)} {f}" for p, f in CASES])
def test_a_flag_given_as_double_dash_is_a_usage_error_naming_it(
    path: tuple[str, ...], flag: str, capsys: Any
) -> None:
    argv = [*path, *_POSITIONALS[path], f"{flag}=--"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert flag in err and "expected one value" in err, err

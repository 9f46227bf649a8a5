"""Sync and async clients are twins: the same public methods with the same parameters, each
with its own docstring (the generated ones come from one template, the composites are
checked here)."""

from __future__ import annotations

import inspect
from functools import cached_property

import pytest
import speechspec

PAIRS = [(speechspec.Hamsa, speechspec.AsyncHamsa), (speechspec.Livepeer, speechspec.AsyncLivepeer)]
# Methods that do no I/O: a plain method in both twins (each rendered from the one source).
NO_IO = {"audio_url", "copy", "with_options"}


def _public(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_")
        and (inspect.isfunction(member) or isinstance(member, property | cached_property))
    }


@pytest.mark.parametrize(("sync", "async_"), PAIRS)
def test_twins_have_the_same_methods_and_parameters(sync: type, async_: type) -> None:
    ours, theirs = _public(sync), _public(async_)
    # aclose is the async spelling of close (both exist on the async client).
    assert set(ours) == set(theirs) - {"aclose"}
    for name, member in ours.items():
        if not inspect.isfunction(member):
            continue
        twin = theirs[name]
        assert inspect.iscoroutinefunction(twin) == (name not in NO_IO), f"{async_.__name__}.{name}"
        a = [(p.name, p.kind, p.default) for p in inspect.signature(member).parameters.values()]
        b = [(p.name, p.kind, p.default) for p in inspect.signature(twin).parameters.values()]
        if name != "__init__":
            assert a == b, f"{name}: {sync.__name__} and {async_.__name__} differ"


@pytest.mark.parametrize("cls", [c for pair in PAIRS for c in pair])
def test_every_public_method_has_its_docstring(cls: type) -> None:
    undocumented = [
        name
        for name, member in _public(cls).items()
        if not (getattr(member, "fget", member).__doc__ or "").strip()
    ]
    assert undocumented == [], f"{cls.__name__}: no docstring on {undocumented}"
    assert (cls.__doc__ or "").strip()

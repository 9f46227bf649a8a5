"""The runtime under the generated surface (speechspec._generated): what an operation is, and
turning one call's arguments into a checked request.

A generated method passes its arguments, by Python name, with the operation's field table. Here
each given argument is checked against its field's schema (from the effective document) and the
vendor's own rules for what no schema says, and placed in the JSON body or the query: the body
carries exactly the arguments given. ``NOT_GIVEN`` (and ``None`` for a field that is not
nullable) is left out, so a server default is the server's to apply, never sent by us.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote

from . import _args
from ._options import NotGiven
from ._pipeline import PROCESSED, Call
from .errors import InvalidRequestError

# A vendor's rule for one field (wire name -> checker): gets the value, the parameter's name
# and the call's other arguments (by Python name), returns what goes on the wire (e.g. Hamsa's
# webhook_auth tuple -> its JSON object).
FieldRule = Callable[[object, str, Mapping[str, object]], object]


# Field and Operation are plain classes, not dataclasses: a dataclass costs about a millisecond
# to create in Python 3.11, and `import speechspec` is measured against `import httpx`.
class Field:
    """One request field: a parameter or a top-level property of the JSON body. ``schema``:
    the field's schema, $refs inlined (the runtime never loads the document for this);
    ``help``: one line for `speechspec speak --help`; ``client_default``: what the client sends
    when the caller gives nothing (surface.yaml), None: nothing."""

    __slots__ = (
        "client_default",
        "help",
        "location",
        "name",
        "plain_string",
        "required",
        "schema",
        "wire",
    )

    def __init__(
        self,
        wire: str,
        name: str,
        location: str,  # "body", "query" or "path"
        required: bool,
        schema: Mapping[str, Any],
        help: str = "",
        client_default: str | None = None,
    ) -> None:
        self.wire, self.name, self.location, self.required = wire, name, location, required
        self.schema, self.help, self.client_default = schema, help, client_default
        # A string field that _args.string checks completely (no limit but a minimum length
        # of 0 or 1): the common case, kept cheap.
        self.plain_string = (
            schema.get("type") == "string"
            and set(schema) - {"type", "default", "nullable"} <= {"minLength", "format"}
            and schema.get("minLength", 0) in (0, 1)
            and schema.get("format", "password") == "password"
        )

    @property
    def nullable(self) -> bool:
        kind = self.schema.get("type")
        return self.schema.get("nullable") is True or (isinstance(kind, list) and "null" in kind)

    def __repr__(self) -> str:
        return f"Field({self.wire!r}, {self.name!r}, {self.location!r})"


class Operation(NamedTuple):
    package: str
    operation_id: str
    method: str
    path: str
    takes_body: bool
    processed_note: str
    fields: tuple[Field, ...]


def given(value: object) -> bool:
    return value is not None and not isinstance(value, NotGiven)


def check_value(
    f: Field, value: object, rules: Mapping[str, FieldRule], values: Mapping[str, object]
) -> object:
    """The value to send for ``f``, or InvalidRequestError naming the parameter."""
    rule = rules.get(f.wire)
    if rule is not None:
        return rule(value, f.name, values)
    if value is None:  # build_call passes None only for a nullable field
        return None
    if f.schema.get("type") == "string":
        # Every string: UTF-8-encodable; one that must not be empty must not be blank either.
        secret = f.schema.get("format") == "password"
        _args.string(value, f.name, secret=secret, blank_ok=not f.schema.get("minLength"))
        if f.plain_string:
            return value
    from ._schema import value_problem

    problem = value_problem(f.schema, value, f.name)
    if problem:
        raise InvalidRequestError(problem.replace(": ", " ", 1), param=f.name)
    return value


def build_call(
    op: Operation,
    values: Mapping[str, object],
    rules: Mapping[str, FieldRule],
) -> Call:
    """The request for one call of ``op`` with ``values`` (Python name -> argument)."""
    body: dict[str, object] = {}
    query: dict[str, object] = {}
    path = op.path
    for f in op.fields:
        value = values.get(f.name)
        if isinstance(value, NotGiven) or (value is None and not f.nullable):
            if f.required:
                raise InvalidRequestError(f"{f.name} is required", param=f.name)
            continue
        value = check_value(f, value, rules, values)
        if f.location == "body":
            body[f.wire] = value
        elif f.location == "query":
            query[f.wire] = value
        else:
            path = path.replace("{" + f.wire + "}", quote(str(value), safe=""))
    return Call(
        method=op.method,
        path=path,
        params=query or None,
        json=body if op.takes_body else None,
        processed_note=op.processed_note or PROCESSED,
    )

"""Go's ``json.NewDecoder(r.Body).Decode(&req)`` for the gateway's request struct, with Go's
error messages, so the emulated gateway answers bad bodies exactly as go-livepeer does.

go-livepeer server/utils.go (jsonDecoder) decodes into worker.TextToSpeechParams
(ai/worker/runner.gen.go: three ``*string`` fields, description, model_id, text); Go's
encoding/json (scanner.go, decode.go, stream.go) supplies the messages: ``EOF`` for an empty
body, ``unexpected EOF`` for a truncated one, ``invalid character 'x' ...`` for a syntax error,
``json: cannot unmarshal T into Go ...`` for a wrong type. A decoder reads one value: what follows
it is ignored. Invalid UTF-8 and lone surrogates in strings become U+FFFD, never an error."""

from __future__ import annotations

import json
from typing import Any

from .._answers import LONE_SURROGATE

STRUCT = "TextToSpeechParams"
GO_TYPE = "worker.TextToSpeechParams"
FIELDS = ("description", "model_id", "text")
MAX_DEPTH = 10_000  # encoding/json's maxNestingDepth

_WS = b" \t\r\n"
_FOLDED = {name.upper(): name for name in FIELDS}


def fold_name(name: str) -> str:
    """The key as encoding/json's foldName (fold.go) compares it with a field name: ASCII
    letters in one case, and the two other runes whose simple case folding holds an ASCII
    letter, "\u017f" (long s) as "S" and "\u212a" (Kelvin sign) as "K". The dotless i
    "\u0131" folds to no "I" (checked with Go 1.25 by tools/go_decoder_check.py)."""
    out = []
    for ch in name:
        folded = ch.casefold()
        out.append(folded.upper() if len(folded) == 1 and folded.isascii() else ch)
    return "".join(out)


class GoJSONError(Exception):
    """The decoder's error; ``str()`` is Go's ``err.Error()``."""


def _quote_char(c: int) -> str:
    # scanner.go quoteChar: string(byte) is the rune of that value, then strconv.Quote.
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    ch = chr(c)
    if ch.isprintable() and c != 0x5C:
        return f"'{ch}'"
    if c == 0x5C:
        return "'\\\\'"
    named = {
        0x07: "\\a",
        0x08: "\\b",
        0x0C: "\\f",
        0x0A: "\\n",
        0x0D: "\\r",
        0x09: "\\t",
        0x0B: "\\v",
    }
    return "'" + named.get(c, f"\\x{c:02x}" if c < 0x80 else f"\\u{c:04x}") + "'"


def _syntax(c: int, context: str) -> GoJSONError:
    return GoJSONError(f"invalid character {_quote_char(c)} {context}")


class _Scanner:
    """Finds the end of the first JSON value the way Go's scanner does, noting the spans of
    the top-level object's keys and values."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.i = 0
        self.members: list[tuple[bytes, bytes]] = []

    def _peek(self) -> int:
        if self.i >= len(self.data):
            raise GoJSONError("unexpected EOF")
        return self.data[self.i]

    def _skip_ws(self) -> int:
        while self.i < len(self.data) and self.data[self.i] in _WS:
            self.i += 1
        return self._peek()

    def value(self) -> None:
        """Scan one value, iteratively (nesting as deep as Go's limit needs no recursion)."""
        stack: list[int] = []  # the open containers' opening bytes
        top_key = b""
        member_start = 0
        expect_key = False
        while True:
            c = self._skip_ws()
            if expect_key:
                if c != 0x22:
                    raise _syntax(c, "looking for beginning of object key string")
                start = self.i
                self._string()
                key = self.data[start : self.i]
                if self._skip_ws() != 0x3A:
                    raise _syntax(self._peek(), "after object key")
                self.i += 1
                if len(stack) == 1:
                    top_key = key
                    member_start = self.i
                    while member_start < len(self.data) and self.data[member_start] in _WS:
                        member_start += 1
                expect_key = False
                continue
            if c in b"{[":
                if len(stack) + 1 > MAX_DEPTH:
                    raise _syntax(c, "exceeded max depth")
                stack.append(c)
                self.i += 1
                c = self._skip_ws()
                if c != (0x7D if stack[-1] == 0x7B else 0x5D):
                    expect_key = stack[-1] == 0x7B
                    continue
                self.i += 1
                stack.pop()
            else:
                self._scalar(c, "looking for beginning of value")
            # A value is complete; close every container that ends here.
            while True:
                if len(stack) == 1 and stack[0] == 0x7B:
                    self.members.append((top_key, self.data[member_start : self.i]))
                if not stack:
                    return
                c = self._skip_ws()
                self.i += 1
                if c == 0x2C:
                    expect_key = stack[-1] == 0x7B
                    break
                if c == (0x7D if stack[-1] == 0x7B else 0x5D):
                    stack.pop()
                    continue
                if stack[-1] == 0x7B:
                    raise _syntax(c, "after object key:value pair")
                raise _syntax(c, "after array element")

    def _scalar(self, c: int, context: str) -> None:
        if c == 0x22:
            self._string()
        elif c == 0x2D or 0x30 <= c <= 0x39:
            self._number()
        elif c in b"tfn":
            word = {0x74: b"true", 0x66: b"false", 0x6E: b"null"}[c]
            for expected in word:
                got = self._peek()
                if got != expected:
                    raise _syntax(
                        got, f"in literal {word.decode()} (expecting {_quote_char(expected)})"
                    )
                self.i += 1
        else:
            raise _syntax(c, context)

    def _string(self) -> None:
        self.i += 1  # the opening quote
        while True:
            c = self._peek()
            self.i += 1
            if c == 0x22:
                return
            if c < 0x20:
                raise _syntax(c, "in string literal")
            if c == 0x5C:
                c = self._peek()
                self.i += 1
                if c == 0x75:
                    for _ in range(4):
                        h = self._peek()
                        if chr(h) not in "0123456789abcdefABCDEF":
                            raise _syntax(h, "in \\u hexadecimal character escape")
                        self.i += 1
                elif c not in b'"\\/bfnrt':
                    raise _syntax(c, "in string escape code")

    def _digit(self, context: str) -> None:
        c = self._peek()
        if not 0x30 <= c <= 0x39:
            raise _syntax(c, context)
        self._digits()

    def _digits(self) -> None:
        data = self.data
        while self.i < len(data) and 0x30 <= data[self.i] <= 0x39:
            self.i += 1

    def _number(self) -> None:
        data = self.data
        if data[self.i] == 0x2D:
            self.i += 1
            c = self._peek()
            if not 0x30 <= c <= 0x39:
                raise _syntax(c, "in numeric literal")
        if data[self.i] == 0x30:
            self.i += 1  # a leading zero stands alone: "01" is 0, then a stray "1"
        else:
            self._digits()
        if self.i < len(data) and data[self.i] == 0x2E:
            self.i += 1
            self._digit("after decimal point in numeric literal")
        if self.i < len(data) and data[self.i] in b"eE":
            self.i += 1
            if self._peek() in b"+-":
                self.i += 1
            self._digit("in exponent of numeric literal")


def _kind(raw: bytes) -> str:
    return {0x7B: "object", 0x5B: "array", 0x22: "string", 0x74: "bool", 0x66: "bool"}.get(
        raw[0], "null" if raw[0] == 0x6E else "number"
    )


def go_string(raw: bytes) -> str:
    """A JSON string literal as Go unquotes it: bad UTF-8 and lone surrogates become U+FFFD."""
    text: str = json.loads(raw.decode("utf-8", errors="replace"))
    return LONE_SURROGATE.sub("\ufffd", text)


def decode_params(body: bytes) -> dict[str, str | None]:
    """The struct Go would fill (absent or null fields: None); GoJSONError as Go would fail."""
    scanner = _Scanner(body)
    try:
        scanner._skip_ws()
    except GoJSONError:
        raise GoJSONError("EOF") from None  # nothing but whitespace: io.EOF
    start = scanner.i
    scanner.value()
    kind = _kind(body[start:])
    if kind not in ("object", "null"):
        raise GoJSONError(f"json: cannot unmarshal {kind} into Go value of type {GO_TYPE}")
    fields: dict[str, str | None] = dict.fromkeys(FIELDS)
    first_error: GoJSONError | None = None
    for raw_key, raw_value in scanner.members:
        key = go_string(raw_key)
        # decode.go: an exact name match first, else one of foldName (fold.go).
        name = key if key in FIELDS else _FOLDED.get(fold_name(key))
        if name is None:
            continue
        value_kind = _kind(raw_value)
        if value_kind == "null":
            fields[name] = None
        elif value_kind == "string":
            fields[name] = go_string(raw_value)
        elif first_error is None:  # Go keeps decoding and reports the first type error
            first_error = GoJSONError(
                f"json: cannot unmarshal {value_kind} into Go struct field {STRUCT}.{name} of type string"
            )
    if first_error is not None:
        raise first_error
    return fields


def error_body(status: int, message: str) -> dict[str, Any]:
    """go-livepeer server/handlers.go handleAPIError: ``{"error": {"message": ...}}``, where a
    500's and a 503's own message is replaced by a fixed one."""
    fixed = {500: "Internal Server Error", 503: "Service Unavailable Error"}.get(status, message)
    return {"error": {"message": fixed}}

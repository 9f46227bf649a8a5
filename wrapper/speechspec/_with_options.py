"""What every client has for per-call options: checking a call's options and merging them over
the client's defaults, binding them (with extra_body checked) to a request, and
``with_options()``. Mixed into the clients' shared core (_base._Core)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Self, cast

import httpx

from ._config import VendorEnv
from ._options import (
    NO_OPTIONS,
    NOT_GIVEN,
    Body,
    Headers,
    NotGiven,
    Query,
    RequestOptions,
    Timeout,
    request_options,
)
from .errors import InvalidRequestError

if TYPE_CHECKING:
    from ._operations import Operation
    from ._pipeline import Call, Pipeline


class OptionsMixin:
    _env: VendorEnv
    _auth_scheme: str
    _pipeline: Pipeline
    _defaults: RequestOptions
    _owns_client: bool
    _key: str | None
    _client: Any
    # Set on with_options() copies: the client whose pool they share.
    _origin: OptionsMixin | None = None
    base_url: str
    timeout: httpx.Timeout
    max_retries: int

    def _options(
        self,
        timeout: object = NOT_GIVEN,
        max_retries: object = NOT_GIVEN,
        extra_headers: object = None,
        extra_query: object = None,
        extra_body: object = None,
        *,
        timeout_param: str = "timeout",
    ) -> RequestOptions:
        """Check one call's options (before anything is sent) and merge them over the
        with_options() defaults."""
        options = request_options(
            timeout,
            max_retries,
            extra_headers,
            extra_query,
            extra_body,
            timeout_param=timeout_param,
        )
        return options if self._defaults is NO_OPTIONS else self._defaults.merged(options)

    def _bind(self, op: Operation, call: Call, options: RequestOptions) -> Call:
        """The call with its options; extra_body checked against the effective spec."""
        if options is NO_OPTIONS:
            return call
        for key in options.query:
            if call.params and key in call.params:
                raise InvalidRequestError(
                    f"extra_query[{key!r}] is already set by the method's arguments",
                    param="extra_query",
                )
        if options.body:
            if not isinstance(call.json, dict):
                # with_options(extra_body=) applies to the requests that have a body.
                options = dataclasses.replace(options, body={})
            else:
                from ._args import extra_body_fields
                from ._schema import check_extra_body

                check_extra_body(self._env.package, op.method, op.path, call.json, options.body)
                extra_body_fields(options.body)
        return call.using(options)

    def _copy(
        self,
        key: str | NotGiven,
        *,
        base_url: str | NotGiven,
        timeout: Timeout | NotGiven | None,
        max_retries: int | NotGiven,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Body | None,
    ) -> Self:
        """A new client of this class, built by its constructor from this one's settings and
        the overrides, sharing this one's connection pool (see the vendors' ``copy``)."""
        argument = self._env.key_argument
        if not isinstance(key, str | NotGiven):
            raise InvalidRequestError(f"{argument} must be a str", param=argument)
        options = request_options(timeout, max_retries, extra_headers, extra_query, extra_body)
        if options.body:
            from ._schema import check_default_body

            check_default_body(self._env.package, options.body)
        pipeline = self._pipeline
        # The constructor checks everything again, as for any client; "" keeps a client that
        # had no key (Livepeer's community gateway) without one, whatever the environment says.
        new = cast(Any, type(self))(
            (self._key or "") if isinstance(key, NotGiven) else key,
            base_url=self.base_url if isinstance(base_url, NotGiven) else base_url,
            timeout=self.timeout if isinstance(options.timeout, NotGiven) else options.timeout,
            max_retries=(
                self.max_retries
                if isinstance(options.max_retries, NotGiven)
                else options.max_retries
            ),
            retry_billed=pipeline.policy.retry_billed,
            http_client=self._client,
            default_headers=pipeline.default_headers,
        )
        new._owns_client = False
        # The pool's owner, whose client the copy follows across event loops and close().
        new._origin = self._origin or self
        kept = tuple(k for k in pipeline.secrets if k not in new._pipeline.secrets)
        new._pipeline = dataclasses.replace(
            new._pipeline,
            send_user_agent=pipeline.send_user_agent,
            secrets=(*new._pipeline.secrets, *kept),
            recorder=pipeline.recorder,  # one traffic file for the pool (record=)
        )
        new._defaults = self._defaults.merged(
            dataclasses.replace(options, timeout=NOT_GIVEN, max_retries=NOT_GIVEN)
        )
        new._copied_from(self)
        return cast(Self, new)

    def _copied_from(self, original: Self) -> None:
        """What a vendor's copy shares with its original beyond the pool (Hamsa: job pace)."""

"""What every client has for per-call options: checking a call's options and merging them over
the client's defaults, binding them (with extra_body checked) to a request, and
``with_options()``. Mixed into the clients' shared core (_base._Core)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Self

import httpx

from ._config import VendorEnv, resolve_base_url, resolve_key
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
    from ._pipeline import Call, Pipeline


class OptionsMixin:
    _env: VendorEnv
    _auth_scheme: str
    _pipeline: Pipeline
    _defaults: RequestOptions
    _owns_client: bool
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
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout_param=timeout_param,
        )
        return options if self._defaults is NO_OPTIONS else self._defaults.merged(options)

    def _bind(self, call: Call, options: RequestOptions) -> Call:
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

                check_extra_body(self._env.package, call.method, call.path, call.json, options.body)
                extra_body_fields(options.body)
        return call.using(options)

    def with_options(
        self,
        *,
        base_url: str | NotGiven = NOT_GIVEN,
        api_key: str | NotGiven = NOT_GIVEN,
        api_token: str | NotGiven = NOT_GIVEN,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> Self:
        """A client with these defaults that shares this one's connection pool.

        Per-call options still apply on top. ``api_key=`` (Hamsa) / ``api_token=`` (Livepeer)
        gives the copy another key. The copy does not own the pool: closing it is a no-op, and
        closing the original closes the pool for both."""
        key = self._other_key(api_key, api_token)
        options = request_options(
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        if options.body:
            from ._schema import check_default_body

            check_default_body(self._env.package, options.body)
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.__dict__.pop("with_raw_response", None)  # bound to self
        pipeline = self._pipeline
        if not isinstance(key, NotGiven):
            pipeline = dataclasses.replace(
                pipeline,
                auth_header=f"{self._auth_scheme} {key}" if key else None,
                secrets=(*pipeline.secrets, key) if key else pipeline.secrets,
            )
        if not isinstance(base_url, NotGiven):
            new.base_url = resolve_base_url(base_url, self._env)
            pipeline = dataclasses.replace(pipeline, base_url=new.base_url)
        if not isinstance(options.timeout, NotGiven):
            new.timeout = options.timeout
            pipeline = dataclasses.replace(pipeline, timeout=options.timeout)
        if not isinstance(options.max_retries, NotGiven):
            new.max_retries = options.max_retries
            policy = dataclasses.replace(pipeline.policy, max_retries=options.max_retries)
            pipeline = dataclasses.replace(pipeline, policy=policy)
        new._pipeline = pipeline
        new._owns_client = False
        # The pool's owner, whose client the copy follows across event loops and close().
        new._origin = self._origin or self
        new._defaults = self._defaults.merged(
            dataclasses.replace(options, timeout=NOT_GIVEN, max_retries=NOT_GIVEN)
        )
        new._rebind_sender()
        return new

    def _other_key(
        self, api_key: str | NotGiven, api_token: str | NotGiven
    ) -> str | NotGiven | None:
        """with_options' key, checked as the constructor checks it (never from the
        environment here: only an explicit key replaces the client's)."""
        mine, other = (api_key, api_token)
        if self._env.key_argument == "api_token":
            mine, other = other, mine
        if not isinstance(other, NotGiven):
            wrong = "api_token" if self._env.key_argument == "api_key" else "api_key"
            raise InvalidRequestError(
                f"{type(self).__name__} takes {self._env.key_argument}=, not {wrong}=",
                param=wrong,
            )
        if isinstance(mine, NotGiven):
            return NOT_GIVEN
        if not isinstance(mine, str):
            raise InvalidRequestError(
                f"{self._env.key_argument} must be a str", param=self._env.key_argument
            )
        return resolve_key(mine, self._env, argument=self._env.key_argument)

    def _rebind_sender(self) -> None:
        raise NotImplementedError  # the sync and async bases build their own sender

from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audio_response import AudioResponse
from ...models.gateway_error import GatewayError
from ...models.http_error import HTTPError
from ...models.http_exception_error import HTTPExceptionError
from ...models.http_validation_error import HTTPValidationError
from ...models.text_to_speech_params import TextToSpeechParams
from ...types import Response


def _get_kwargs(
    *,
    body: TextToSpeechParams,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/text-to-speech",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    AudioResponse
    | GatewayError
    | HTTPError
    | HTTPExceptionError
    | HTTPValidationError
    | None
):
    if response.status_code == 200:
        response_200 = AudioResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:

        def _parse_response_400(
            data: object,
        ) -> GatewayError | HTTPError | HTTPExceptionError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_400_type_0 = HTTPError.from_dict(data)

                return response_400_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_400_type_1 = GatewayError.from_dict(data)

                return response_400_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_400_type_2 = HTTPExceptionError.from_dict(data)

            return response_400_type_2

        response_400 = _parse_response_400(response.json())

        return response_400

    if response.status_code == 401:

        def _parse_response_401(data: object) -> GatewayError | HTTPError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_401_type_0 = HTTPError.from_dict(data)

                return response_401_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_401_type_1 = GatewayError.from_dict(data)

            return response_401_type_1

        response_401 = _parse_response_401(response.json())

        return response_401

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 500:

        def _parse_response_500(data: object) -> GatewayError | HTTPError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_500_type_0 = HTTPError.from_dict(data)

                return response_500_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_500_type_1 = GatewayError.from_dict(data)

            return response_500_type_1

        response_500 = _parse_response_500(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = GatewayError.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    AudioResponse | GatewayError | HTTPError | HTTPExceptionError | HTTPValidationError
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: TextToSpeechParams,
) -> Response[
    AudioResponse | GatewayError | HTTPError | HTTPExceptionError | HTTPValidationError
]:
    """Text To Speech

     Generate a text-to-speech audio file based on the provided text input and speaker description.

    Args:
        body (TextToSpeechParams):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AudioResponse | GatewayError | GatewayError | HTTPError | GatewayError | HTTPError | HTTPExceptionError | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: TextToSpeechParams,
) -> (
    AudioResponse
    | GatewayError
    | HTTPError
    | HTTPExceptionError
    | HTTPValidationError
    | None
):
    """Text To Speech

     Generate a text-to-speech audio file based on the provided text input and speaker description.

    Args:
        body (TextToSpeechParams):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AudioResponse | GatewayError | GatewayError | HTTPError | GatewayError | HTTPError | HTTPExceptionError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: TextToSpeechParams,
) -> Response[
    AudioResponse | GatewayError | HTTPError | HTTPExceptionError | HTTPValidationError
]:
    """Text To Speech

     Generate a text-to-speech audio file based on the provided text input and speaker description.

    Args:
        body (TextToSpeechParams):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AudioResponse | GatewayError | GatewayError | HTTPError | GatewayError | HTTPError | HTTPExceptionError | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: TextToSpeechParams,
) -> (
    AudioResponse
    | GatewayError
    | HTTPError
    | HTTPExceptionError
    | HTTPValidationError
    | None
):
    """Text To Speech

     Generate a text-to-speech audio file based on the provided text input and speaker description.

    Args:
        body (TextToSpeechParams):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AudioResponse | GatewayError | GatewayError | HTTPError | GatewayError | HTTPError | HTTPExceptionError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed

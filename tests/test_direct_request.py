"""The pipeline builds a JSON request itself (speechspec._direct) instead of asking
``client.build_request``: the request must be the one httpx would have built, and whatever the
shortcut does not reproduce (a caller client's cookies, params, a build_request override, a
header that shadows a body header) must still reach the wire."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import speechspec
from speechspec._direct import DirectRequests

LP = "https://gw.example.com"
AUDIO = json.dumps({"audio": {"url": "https://cdn.example.com/a.wav"}}).encode()


def recorder(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=AUDIO, headers={"content-type": "application/json"})

    return httpx.MockTransport(handler)


def same_request(ours: httpx.Request, theirs: httpx.Request) -> None:
    assert ours.method == theirs.method
    assert ours.url == theirs.url
    assert ours.headers.raw == theirs.headers.raw  # same headers, same order
    assert ours.content == theirs.content
    assert ours.extensions == theirs.extensions


BODIES: list[Any] = [
    {"text": "Hello", "model_id": "m"},
    {"text": 'مرحبا \u2028 "quoted" \\ \n', "voiceId": "Amjad", "n": [1, 2.5, None, True]},
    {},
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize(
    "client_headers",
    [None, {"X-Team": "a", "Accept": "application/json"}, {"user-agent": "theirs/1"}],
)
def test_same_request_as_build_request(body: Any, client_headers: dict[str, str] | None) -> None:
    client = httpx.Client(headers=client_headers, transport=recorder([]))
    api = {"User-Agent": "speechspec/x", "Authorization": "Bearer t"}
    timeout = httpx.Timeout(12.5, connect=3)
    url = f"{LP}/v1/text-to-speech"
    ours = DirectRequests(api).build(client, "post", url, body, timeout)
    assert ours is not None
    same_request(ours, client.build_request("POST", url, json=body, headers=api, timeout=timeout))


def test_non_finite_number_is_refused_as_httpx_does() -> None:
    client = httpx.Client(transport=recorder([]))
    with pytest.raises(ValueError, match="not JSON compliant"):
        client.build_request("POST", LP, json={"x": float("nan")})
    with pytest.raises(ValueError, match="not JSON compliant"):
        DirectRequests({}).build(client, "POST", LP, {"x": float("nan")}, httpx.Timeout(1))


def test_caller_client_headers_changed_between_calls_are_sent() -> None:
    seen: list[httpx.Request] = []
    http = httpx.Client(headers={"X-Team": "a"}, transport=recorder(seen))
    lp = speechspec.Livepeer("t", base_url=LP, http_client=http)
    lp.text_to_speech("one")
    http.headers["X-Team"] = "b"
    lp.text_to_speech("two")
    http.headers = httpx.Headers({"X-Other": "c"})
    lp.text_to_speech("three")
    assert [r.headers.get("x-team") for r in seen] == ["a", "b", None]
    assert seen[2].headers["x-other"] == "c"
    assert all(r.headers["authorization"] == "Bearer t" for r in seen)
    assert [json.loads(r.content)["text"] for r in seen] == ["one", "two", "three"]


def test_caller_client_cookies_and_params_are_sent() -> None:
    seen: list[httpx.Request] = []
    http = httpx.Client(
        cookies={"session": "s1"}, params={"tenant": "t1"}, transport=recorder(seen)
    )
    speechspec.Livepeer("t", base_url=LP, http_client=http).text_to_speech("Hello")
    assert seen[0].headers["cookie"] == "session=s1"
    assert seen[0].url.params["tenant"] == "t1"
    assert json.loads(seen[0].content)["text"] == "Hello"


def test_a_build_request_override_is_used() -> None:
    seen: list[httpx.Request] = []

    class Signing(httpx.Client):
        def build_request(self, *args: Any, **kwargs: Any) -> httpx.Request:
            request = super().build_request(*args, **kwargs)
            request.headers["X-Signature"] = "sig"
            return request

    lp = speechspec.Livepeer("t", base_url=LP, http_client=Signing(transport=recorder(seen)))
    lp.text_to_speech("Hello")
    assert seen[0].headers["x-signature"] == "sig"


def test_a_client_content_type_header_wins_as_with_httpx() -> None:
    seen: list[httpx.Request] = []
    http = httpx.Client(
        headers={"Content-Type": "application/json; charset=utf-8"}, transport=recorder(seen)
    )
    speechspec.Livepeer("t", base_url=LP, http_client=http).text_to_speech("Hello")
    assert seen[0].headers.get_list("content-type") == ["application/json; charset=utf-8"]
    assert seen[0].headers["content-length"] == str(len(seen[0].content))


def test_two_clients_sharing_nothing_get_their_own_headers() -> None:
    seen: list[httpx.Request] = []
    a = speechspec.Livepeer("ta", base_url=LP, http_client=httpx.Client(transport=recorder(seen)))
    b = speechspec.Livepeer(
        "tb", base_url=LP + "/proxy", http_client=httpx.Client(transport=recorder(seen))
    )
    a.text_to_speech("1")
    b.text_to_speech("2")
    a.text_to_speech("3")
    assert [(r.headers["authorization"], r.url.path) for r in seen] == [
        ("Bearer ta", "/text-to-speech"),
        ("Bearer tb", "/proxy/text-to-speech"),
        ("Bearer ta", "/text-to-speech"),
    ]


def test_async_client_sends_the_same_request() -> None:
    seen: list[httpx.Request] = []

    async def main() -> None:
        async with httpx.AsyncClient(headers={"X-Team": "a"}, transport=recorder(seen)) as http:
            lp = speechspec.AsyncLivepeer("t", base_url=LP, http_client=http)
            await lp.text_to_speech("Hello")
            api = {"User-Agent": lp._pipeline.user_agent, "Authorization": "Bearer t"}
            expected = http.build_request(
                "POST",
                f"{LP}/text-to-speech",
                json=json.loads(seen[0].content),
                headers=api,
                timeout=lp.timeout,
            )
            same_request(seen[0], expected)

    asyncio.run(main())

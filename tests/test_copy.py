"""copy() (alias with_options): a client built by its class's constructor from the original's
settings, sharing its pool; each vendor's copy takes only its own key argument."""

from __future__ import annotations

import pytest
import respx
import speechspec

LP = "https://dream-gateway.livepeer.cloud/text-to-speech"


def test_with_options_is_copy() -> None:
    assert speechspec.Hamsa.with_options is speechspec.Hamsa.copy
    assert speechspec.AsyncLivepeer.with_options is speechspec.AsyncLivepeer.copy


def test_a_copy_keeps_a_missing_key_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIVEPEER_API_TOKEN", raising=False)
    base = speechspec.Livepeer()
    # Set after the original was built: its copy must not pick it up.
    monkeypatch.setenv("LIVEPEER_API_TOKEN", "env-token-1234")
    copy = base.copy(max_retries=0)
    with respx.mock() as mock:
        route = mock.post(LP).respond(200, json={"audio": {"url": "https://cdn.example.com/a"}})
        copy.text_to_speech("hi")
    assert "authorization" not in route.calls.last.request.headers
    assert copy.max_retries == 0 and base.max_retries == 2
    base.close()


def test_a_hamsa_copy_shares_the_pool_and_the_job_pace() -> None:
    base = speechspec.Hamsa("k-1234")
    copy = base.copy(api_key="k-5678", base_url="https://proxy.example.com")
    assert type(copy) is speechspec.Hamsa
    assert copy._client is base._client and not copy._owns_client
    assert copy._history is base._history
    assert copy.base_url == "https://proxy.example.com"
    assert "k-5678" not in repr(copy) and "k-1234" not in repr(copy)
    copy.close()
    assert not base._client.is_closed
    base.close()
    assert base._client.is_closed


def test_a_bad_key_is_refused() -> None:
    with pytest.raises(speechspec.InvalidRequestError) as info:
        speechspec.Hamsa("k-1234").copy(api_key=5)  # type: ignore[arg-type]
    assert info.value.param == "api_key"


@pytest.mark.parametrize(
    "cls", [speechspec.Hamsa, speechspec.AsyncHamsa, speechspec.Livepeer, speechspec.AsyncLivepeer]
)
def test_the_generated_key_argument_is_the_one_the_runtime_names(cls: type) -> None:
    """The key's name has two sources: surface.yaml ``key_argument`` (the generated constructor
    and copy()) and _config's VendorEnv.key_argument (copy()'s errors, the CLI's flag). A
    mismatch would type-check and make the CLI pass its key as the wrong argument."""
    import inspect

    expected = cls._env.key_argument  # type: ignore[attr-defined]
    assert next(iter(inspect.signature(cls).parameters)) == expected
    assert expected in inspect.signature(cls.copy).parameters  # type: ignore[attr-defined]

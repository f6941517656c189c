"""check_key_format: keys that cannot work are refused before any network call."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.errors import ConfigError, InvalidKeyFormatError
from bot.llm.factory import create_backend
from bot.paths import AppPaths
from bot.redact import Redactor
from bot.settings import Settings, check_key_format, load_settings

GOOD_KEY = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
TUTORIAL_PLACEHOLDER = "발급받은-API키-값"  # the tutorial's `.env` line, copied verbatim
COMPATIBLE_URL = "http://127.0.0.1:11434/v1"


def settings(key: str | None, **kw: object) -> Settings:
    return Settings(openai_api_key=SecretStr(key) if key is not None else None, **kw)


@pytest.mark.parametrize("key", [GOOD_KEY, "sk-" + "a1B2" * 10, "sk-svcacct-" + "Z" * 30 + "_-9"])
def test_real_looking_openai_keys_pass(key: str) -> None:
    check_key_format(settings(key))


def test_no_key_passes() -> None:
    check_key_format(settings(None))


@pytest.mark.parametrize(
    "key",
    [GOOD_KEY + "\n", " " + GOOD_KEY, GOOD_KEY[:20] + " " + GOOD_KEY[20:], GOOD_KEY[:20] + "\t" + GOOD_KEY[20:]],
    ids=["trailing-newline", "leading-space", "inner-space", "inner-tab"],
)
def test_whitespace_is_refused(key: str) -> None:
    with pytest.raises(InvalidKeyFormatError, match="whitespace") as info:
        check_key_format(settings(key))
    assert info.value.exit_code == 4
    assert key.strip() not in str(info.value) and GOOD_KEY[:20] not in str(info.value)


@pytest.mark.parametrize("key", [f'"{GOOD_KEY}"', f"'{GOOD_KEY}'", f'{GOOD_KEY}"'])
def test_quotes_are_refused(key: str) -> None:
    with pytest.raises(InvalidKeyFormatError, match="quotes") as info:
        check_key_format(settings(key))
    assert GOOD_KEY not in str(info.value)


@pytest.mark.parametrize("base_url", [None, COMPATIBLE_URL], ids=["openai", "compatible"])
def test_the_tutorial_placeholder_is_recognised_as_a_placeholder(base_url: str | None) -> None:
    # Non-ASCII can never be sent in an HTTP header, whatever the server.
    with pytest.raises(InvalidKeyFormatError, match="placeholder") as info:
        check_key_format(settings(TUTORIAL_PLACEHOLDER, openai_base_url=base_url))
    assert TUTORIAL_PLACEHOLDER not in str(info.value)
    assert info.value.hint and "sk-" in info.value.hint


def test_placeholder_loaded_from_a_tutorial_style_dotenv_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={TUTORIAL_PLACEHOLDER}\n", encoding="utf-8")
    loaded = load_settings({"HOME": str(tmp_path)}, cwd=tmp_path)
    assert loaded.settings.resolved_backend() == "openai"  # a key is set, so OpenAI would be used
    with pytest.raises(InvalidKeyFormatError):
        check_key_format(loaded.settings)


@pytest.mark.parametrize(
    "key",
    ["abcdefghijklmnopqrstuvwxyz0123", "sk-short", "pk-" + "x" * 30, "sk-" + "x" * 18 + "!!"],
    ids=["no-prefix", "too-short", "wrong-prefix", "bad-characters"],
)
@pytest.mark.parametrize("base_url", [None, "https://api.openai.com/v1"], ids=["default-url", "explicit-openai-url"])
def test_wrong_shape_is_refused_against_openai(key: str, base_url: str | None) -> None:
    with pytest.raises(InvalidKeyFormatError, match="does not look like an OpenAI key") as info:
        check_key_format(settings(key, openai_base_url=base_url))
    assert key not in str(info.value)


@pytest.mark.parametrize("key", ["EMPTY", "ollama", "x", "abcdefghijklmnopqrstuvwxyz0123", "token-abc.def~ghi"])
def test_any_printable_token_is_accepted_by_a_compatible_server(key: str) -> None:
    check_key_format(settings(key, openai_base_url=COMPATIBLE_URL))


def test_invalid_key_format_is_a_config_error() -> None:
    assert issubclass(InvalidKeyFormatError, ConfigError)
    assert InvalidKeyFormatError.exit_code == 4 and ConfigError.exit_code == 3


def test_backend_creation_checks_the_key_before_any_call(tmp_path: Path) -> None:
    # Would otherwise build an SDK client for api.openai.com; the check must come first.
    bad = settings("sk-short")
    with pytest.raises(InvalidKeyFormatError):
        create_backend(bad, AppPaths.from_env({"HOME": str(tmp_path)}), redactor=bad.redactor(), progress=print)


def test_redactor_from_settings_knows_every_secret() -> None:
    av_key = "AVKEYabcdefghijklmnop"
    s = Settings(
        openai_api_key=SecretStr(GOOD_KEY),
        alphavantage_api_key=SecretStr(av_key),
        coingecko_api_key=SecretStr("CG-zzzzyyyyxxxxwwww"),
    )
    assert set(s.secret_values()) == {GOOD_KEY, av_key, "CG-zzzzyyyyxxxxwwww"}
    scrubbed: str = s.redactor().scrub(f"key={GOOD_KEY} av={av_key} cg CG-zzzzyyyyxxxxwwww")
    for secret in s.secret_values():
        assert secret not in scrubbed
    assert isinstance(s.redactor(), Redactor)

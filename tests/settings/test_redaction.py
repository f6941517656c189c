"""mask(), Redactor.scrub (registered values and secret shapes) and redact_url."""

from __future__ import annotations

import pytest

from bot.redact import REDACTED, Redactor, mask, redact_url, scrub_shapes

KEY = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123wxyz"
SLACK = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
DISCORD = "https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz"


# --- mask ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("sk-" + "A" * 40 + "abcd", "sk-…abcd"),
        (KEY, "sk-proj-…wxyz"),
        ("sk-svcacct-" + "B" * 30 + "9876", "sk-svcacct-…9876"),
        ("CG-zzzzyyyyxxxxwwww", "…wwww"),
        ("short-token", "…"),
        ("fifteen-chars-x", "…"),  # 15 < 16: nothing of it is shown
        ("", ""),
    ],
)
def test_mask_formats(secret: str, expected: str) -> None:
    assert mask(secret) == expected


def test_mask_of_a_url_shows_the_host_only() -> None:
    assert mask(SLACK) == "https://hooks.slack.com/…"
    masked = mask("https://user:password123@example.com:8443/hook/secretpath?token=zzz")
    assert masked == "https://example.com/…"


def test_mask_never_shows_more_than_four_characters_of_the_body() -> None:
    body = KEY.removeprefix("sk-proj-")
    shown = mask(KEY).removeprefix("sk-proj-…")
    assert len(shown) == 4 and body.endswith(shown)


# --- registered values -----------------------------------------------------------------------


def test_scrub_replaces_every_occurrence_of_a_registered_value() -> None:
    secret = "zq8XcV7bN6mM5lK4jJ3hG2fD"  # no known shape: only registration can catch it
    text = f"first {secret}, again:{secret}!"
    assert scrub_shapes(text) == text
    out = Redactor([secret]).scrub(text)
    assert secret not in out
    assert out == f"first {mask(secret)}, again:{mask(secret)}!"


def test_scrub_masks_a_longer_secret_whole_before_one_it_contains() -> None:
    inner = "AAAABBBBCCCCDDDD"
    outer = inner + "EEEEFFFFGGGG"
    out = Redactor([inner, outer]).scrub(f"x {outer} y {inner}")
    assert out == f"x {mask(outer)} y {mask(inner)}"


def test_values_too_short_to_be_secrets_are_not_registered() -> None:
    # "EMPTY" is what local servers take as a key; masking it would mangle ordinary text.
    assert Redactor(["EMPTY", "abc"]).scrub("EMPTY abc reply") == "EMPTY abc reply"


def test_empty_and_none_secrets_are_ignored() -> None:
    r = Redactor([""])
    r.add(None)
    assert r.scrub("plain text") == "plain text"
    assert r.scrub("") == ""


def test_registered_webhook_url_is_masked_to_its_host() -> None:
    hook = "https://hooks.example.net/notify/T0001/abcdefghijklmnop"
    out = Redactor([hook]).scrub(f"posting to {hook} failed")
    assert out == "posting to https://hooks.example.net/… failed"


# --- shapes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        (f"Incorrect API key provided: {KEY}.", KEY, "sk-proj-…wxyz"),
        ("key sk-" + "Q" * 30 + "9z9Z end", "sk-" + "Q" * 30 + "9z9Z", "sk-…9z9Z"),
        ("Authorization: Bearer abc.DEF-ghi_jkl~mno", "abc.DEF-ghi_jkl~mno", f"Bearer {REDACTED}"),
        ("GET /query?function=X&apikey=DEMOKEY12345&symbol=IBM", "DEMOKEY12345", f"apikey={REDACTED}&symbol=IBM"),
        ("GET /weather?q=Seoul&appid=0123456789abcdef", "0123456789abcdef", f"appid={REDACTED}"),
        ('{"api_key": "abcd1234efgh", "n": 1}', "abcd1234efgh", f'"api_key": "{REDACTED}"'),
        (f"posted to {SLACK} ok", "T00000000/B00000000", "https://hooks.slack.com/… ok"),
        (f"posted to {DISCORD}", "AbCdEfGhIjKlMnOpQrStUvWxYz", "https://discord.com/…"),
    ],
    ids=["sk-proj", "sk", "bearer", "apikey-param", "appid-param", "json-api_key", "slack", "discord"],
)
def test_secret_shapes_are_masked_without_registration(text: str, secret: str, kept: str) -> None:
    for out in (scrub_shapes(text), Redactor().scrub(text)):
        assert secret not in out
        assert kept in out


@pytest.mark.parametrize(
    "text",
    [
        "The key to success: be risk-free.",
        "sk-short is not a key",
        "서울 날씨 어때? 기온은 3°C입니다.",
        "https://api.open-meteo.com/v1/forecast?latitude=37.57&longitude=126.98",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert scrub_shapes(text) == text


# --- redact_url --------------------------------------------------------------------------------


def test_redact_url_hides_credential_parameters_only() -> None:
    url = "https://www.alphavantage.co/query?function=GLOBAL_QUOTE&symbol=IBM&apikey=SECRET1234"
    assert redact_url(url) == f"https://www.alphavantage.co/query?function=GLOBAL_QUOTE&symbol=IBM&apikey={REDACTED}"


def test_redact_url_matches_names_case_insensitively() -> None:
    out = redact_url("https://x.example/q?Token=abc&API_KEY=def&city=Seoul")
    assert "abc" not in out and "def" not in out
    assert "city=Seoul" in out


def test_redact_url_takes_extra_names() -> None:
    url = "https://x.example/q?x_custom_auth=topsecret99&city=Busan"
    assert "topsecret99" in redact_url(url)
    assert redact_url(url, extra_names=["X_Custom_Auth"]) == f"https://x.example/q?x_custom_auth={REDACTED}&city=Busan"


def test_redact_url_without_query_is_unchanged() -> None:
    assert redact_url("https://api.frankfurter.dev/v1/latest") == "https://api.frankfurter.dev/v1/latest"

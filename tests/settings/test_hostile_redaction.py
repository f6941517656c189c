"""Secrets in URLs, secrets split across stream chunks, escape sequences bound for the terminal,
and stdin that is not UTF-8."""

from __future__ import annotations

import io

import pytest

from bot.app import App
from bot.errors import UsageError
from bot.redact import REDACTED, Redactor, StreamRedactor, redact_url, scrub_shapes
from bot.settings import Settings, load_settings
from bot.terminal import Utf8Input, for_terminal

PASSWORD = "pw-CANARY-s3cret-77"
KEY = "sk-proj-CANARYcanary0123456789KEYkey9876"
AV_KEY = "AVCANARYKEY12345"


# -- 5. secrets in URLs ---------------------------------------------------------------------------
def test_userinfo_is_masked_by_shape_and_by_redact_url() -> None:
    url = f"http://alice:{PASSWORD}@llm.internal:8000/v1?apikey={AV_KEY}&model=x"
    assert redact_url(url) == f"http://{REDACTED}@llm.internal:8000/v1?apikey={REDACTED}&model=x"
    line = f"error: cannot connect to {url}"
    assert PASSWORD not in scrub_shapes(line) and "alice" not in scrub_shapes(line) and AV_KEY not in scrub_shapes(line)
    assert scrub_shapes("mail me at bob@example.com, see https://example.com/a@b") == \
        "mail me at bob@example.com, see https://example.com/a@b"  # no userinfo there


def test_the_base_url_password_is_a_registered_secret_and_config_shows_it_masked() -> None:
    loaded = load_settings({"OPENAI_BASE_URL": f"http://alice:{PASSWORD}@h:1/v1", "BRIEFBOT_NO_DOTENV": "1"})
    assert PASSWORD in loaded.settings.secret_values()
    # The bare password, as an SDK or a server might echo it, is masked too.
    assert PASSWORD not in loaded.settings.redactor().scrub(f"auth failed for {PASSWORD}")
    assert loaded.display_value("openai_base_url") == f"http://{REDACTED}@h:1/v1"


def test_a_webhook_secret_in_a_request_line_without_its_host_is_masked() -> None:
    # urllib3's debug log writes the host and the request line apart (`briefbot --debug brief run`).
    slack = 'https://hooks.slack.com:443 "POST /services/T0AB12CD3/B0EF45GH6/SlackCanarySecret0123456789 HTTP/1.1" 200 2'
    discord = 'https://discord.com:443 "POST /api/webhooks/1234567890/DiscordCanary-Token_0123456789?wait=true HTTP/1.1" 200'
    assert scrub_shapes(slack) == f'https://hooks.slack.com:443 "POST /services/T0AB12CD3/B0EF45GH6/{REDACTED} HTTP/1.1" 200 2'
    assert scrub_shapes(discord) == f'https://discord.com:443 "POST /api/webhooks/1234567890/{REDACTED}?wait=true HTTP/1.1" 200'
    assert scrub_shapes("GET /services/weather/today and /api/webhooks/docs") == "GET /services/weather/today and /api/webhooks/docs"


# -- 7. streamed redaction across chunk boundaries ---------------------------------------------
def _streamed(redactor: Redactor, chunks: list[str]) -> str:
    stream = StreamRedactor(redactor)
    return "".join(stream.feed(c) for c in chunks) + stream.flush()


CASES = [
    (Redactor([KEY]), f"Your key is {KEY}, keep it safe.", KEY),
    (Redactor(), f"Your key is {KEY}, keep it safe.", KEY),  # unregistered: masked by its shape
    (Redactor([AV_KEY]), f"Alpha Vantage: {AV_KEY}.", AV_KEY),  # registered, no recognisable shape
    (Redactor(), "header Authorization: Bearer abcDEF123456ghiJKL789 sent", "abcDEF123456ghiJKL789"),
    (Redactor([PASSWORD]), f"see http://alice:{PASSWORD}@host/v1 now", PASSWORD),
]


@pytest.mark.parametrize(("redactor", "text", "secret"), CASES)
def test_a_secret_split_in_two_chunks_at_every_point_is_masked(redactor: Redactor, text: str, secret: str) -> None:
    whole = redactor.scrub(text)
    assert secret not in whole
    for cut in range(len(text) + 1):
        assert _streamed(redactor, [text[:cut], text[cut:]]) == whole, cut


@pytest.mark.parametrize(("redactor", "text", "secret"), CASES)
def test_a_secret_split_in_three_chunks_at_every_pair_of_points_is_masked(
    redactor: Redactor, text: str, secret: str
) -> None:
    whole = redactor.scrub(text)
    start = text.index(secret) - 8  # every split that touches the secret and its lead-in
    end = text.index(secret) + len(secret) + 1
    for first in range(start, end):
        for second in range(first, end + 1):
            assert _streamed(redactor, [text[:first], text[first:second], text[second:]]) == whole, (first, second)


def test_stream_redaction_still_streams() -> None:
    stream = StreamRedactor(Redactor([KEY]))
    assert stream.feed("The weather in Seoul is sunny") == "The weather in Seoul "  # two words wait
    assert stream.feed(" today, 21 °C.") == "is sunny today, "
    assert stream.flush() == "21 °C."


def test_a_word_that_introduces_a_secret_is_held_with_it() -> None:
    stream = StreamRedactor(Redactor())
    assert stream.feed("send Authorization: Bearer abcDEF12") == "send Authorization: "
    assert stream.feed("3456ghiJKL789 x") == ""  # the token is complete, but "Bearer" decides its masking
    assert stream.feed(" and more") == "Bearer [REDACTED] x "
    assert stream.flush() == "and more"


def test_text_without_spaces_is_released_past_the_hold_limit() -> None:
    stream = StreamRedactor(Redactor())
    shown = stream.feed("가" * 2000)
    assert len(shown) == 2000 - StreamRedactor.max_hold
    assert shown + stream.flush() == "가" * 2000


# -- 8. nothing that drives the terminal ------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b]0;owned title\x07Sunny", "Sunny"),  # OSC 0: window title
        ("\x1b]52;c;Y3VybCBldmlsLnNo\x1b\\ok", "ok"),  # OSC 52: clipboard write
        ("\x1b[2J\x1b[HCleared", "Cleared"),  # CSI: clear screen, cursor home
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x9b2Jeight-bit", "eight-bit"),  # 8-bit CSI
        ("line1\nline2\tcol\r fake", "line1\nline2\tcol fake"),  # CR would overwrite the line
        ("\x1bcreset", "reset"),  # ESC c: full terminal reset
        ("bell\x07 and nul\x00", "bell and nul"),
        ("서울 21 °C ☀️", "서울 21 °C ☀️"),
    ],
)
def test_for_terminal(raw: str, clean: str) -> None:
    assert for_terminal(raw) == clean


def test_app_output_carries_no_escape_sequence() -> None:
    out, err = io.StringIO(), io.StringIO()
    app = App({"BRIEFBOT_NO_DOTENV": "1"}, stdout=out, stderr=err)
    app.out("price \x1b]0;pwned\x07100", end="")
    app.err("error: \x1b[2Jbad")
    assert out.getvalue() == "price 100" and err.getvalue() == "error: bad\n"


def test_a_secret_hidden_by_a_control_character_is_still_masked() -> None:
    out = io.StringIO()
    app = App({"OPENAI_API_KEY": KEY, "BRIEFBOT_NO_DOTENV": "1"}, stdout=out)
    assert app.settings.openai_api_key is not None
    split = KEY[:10] + "\x07" + KEY[10:]  # the BEL is removed before masking, not after
    app.out(split)
    assert KEY not in out.getvalue()


# -- 9. stdin that is not UTF-8 ---------------------------------------------------------------------
def _stdin(data: bytes) -> Utf8Input:
    return Utf8Input(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_invalid_utf8_is_a_usage_error_naming_the_line_and_the_next_line_reads() -> None:
    stdin = _stdin("안녕\n".encode() + b"bad \xff\xfe line\n" + "다음\n".encode())
    assert stdin.readline() == "안녕\n"
    with pytest.raises(UsageError) as info:
        stdin.readline()
    assert info.value.exit_code == 2 and "line 2" in info.value.message and "0xff" in info.value.message
    assert stdin.readline() == "다음\n"


def test_invalid_utf8_read_whole_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        _stdin(b"\xc3\x28").read()
    assert _stdin("서울 날씨\r\n".encode()).read() == "서울 날씨\n"


def test_settings_unchanged_by_url_checks() -> None:
    assert Settings().secret_values() == []


def test_no_stdin_at_all_reads_as_empty_input() -> None:
    # sys.stdin is None when fd 0 is closed (`briefbot tokens - 0<&-` ended with exit 1).
    stdin = Utf8Input(None)
    assert stdin.read() == "" and stdin.readline() == "" and not stdin.isatty()

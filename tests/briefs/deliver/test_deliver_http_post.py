"""HttpClient.post against a real local server: one attempt, any status back, no redirects."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from deliver_receivers import TELEGRAM_TOKEN, Receivers, plain

from bot.redact import Redactor
from connectors.errors import SourceUnavailable
from connectors.http import USER_AGENT, HttpClient


@pytest.fixture
def client(receivers: Receivers) -> Iterator[HttpClient]:
    http = HttpClient(timeout=2.0, deadline=30.0, rewrite=f"https://api.telegram.org={receivers.url}",
                      redactor=Redactor([TELEGRAM_TOKEN]), clock=time.monotonic, sleep=time.sleep,
                      now=lambda: datetime.now(UTC))
    yield http
    http.close()


def test_a_5xx_comes_back_after_one_attempt(receivers: Receivers, client: HttpClient) -> None:
    receivers.fail("/hooks/", plain(503, "busy"), plain(503, "busy"))

    response = client.post(receivers.url + "/hooks/x", source="webhook", body=b"{}",
                           headers={"Content-Type": "application/json"})

    assert response.status == 503 and response.text == "busy"
    assert receivers.count("/hooks/") == 1 and client.requests_sent == 1


def test_a_redirect_is_returned_not_followed(receivers: Receivers, client: HttpClient) -> None:
    receivers.fail("/hooks/old", plain(308, "", Location=receivers.url + "/hooks/new"))

    response = client.post(receivers.url + "/hooks/old", source="webhook", body=b"{}")

    assert response.status == 308 and receivers.count("/hooks/new") == 0


def test_rewrite_multipart_and_user_agent(receivers: Receivers, client: HttpClient) -> None:
    url = f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/sendPhoto"

    response = client.post(url, source="Telegram", fields={"chat_id": "-100", "caption": "차트 _*[]"},
                           files={"photo": ("c.png", b"\x89PNG\r\n\x1a\n", "image/png")})

    assert response.ok and response.json()["result"]["caption"] == "차트 _*[]"
    assert receivers.of("telegram")[0].files == [("c.png", 8)]
    assert TELEGRAM_TOKEN not in response.url and "/bot" in response.url
    assert receivers.user_agents == [USER_AGENT]


def test_a_refused_connection_raises_without_the_token(client: HttpClient) -> None:
    with pytest.raises(SourceUnavailable) as caught:
        client.post(f"http://127.0.0.1:9/bot{TELEGRAM_TOKEN}/sendMessage", source="Telegram", body=b"{}")

    assert "cannot connect to Telegram" in str(caught.value) and TELEGRAM_TOKEN not in str(caught.value)


def test_delivery_secret_shapes_are_masked_even_when_never_registered() -> None:
    from bot.redact import scrub_shapes

    text = scrub_shapes(f"POST https://api.telegram.org/bot{TELEGRAM_TOKEN}/sendMessage failed; secret whsec_c2VjcmV0LWtleS0xMjM0NTY=")

    assert TELEGRAM_TOKEN.split(":")[1] not in text and "c2VjcmV0" not in text
    assert "/bot[REDACTED]/sendMessage" in text and "whsec_[REDACTED]" in text

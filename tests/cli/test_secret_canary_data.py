"""The canary test with data fetching ON, over every command `briefbot --help` lists.

Canary secrets of every kind are set: the OpenAI key, a password in OPENAI_BASE_URL, the Alpha
Vantage and CoinGecko keys (travelling to the data sources as query parameter and header), and
a brief's Slack, Discord and webhook URLs, Telegram bot token and webhook signing secret
(delivered to stand-ins on 127.0.0.1). Data comes from the local fault upstream answering with
the recorded payloads, so the connectors' HTTP cache is written. The model echoes every secret
back, as a confused or hostile model might. Afterwards no secret appears whole in anything
printed, in any file briefbot wrote (home, config, data, cache, the brief archive), or in any
message a service received. Every command and action the CLI's parser knows must be run here:
a new one fails this test until it is added.

(tests/cli/test_secret_canary.py runs the LLM-side commands with data fetching off, with an
OpenAI error body that echoes the key.)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from tests.briefs.deliver.deliver_receivers import DISCORD_PATH, SLACK_PATH, TELEGRAM_TOKEN, WEBHOOK_SECRET, Receivers
from tests.conftest import RunCli, scratch_env
from tests.support.fault_upstream import FaultUpstream
from tests.support.openai_server import OpenAIServer, Reply

OPENAI_KEY = "sk-proj-CANARYdata0123456789KEYkey4321"
AV_KEY = "AVDATACANARY0000KEY"
CG_KEY = "CG-DATACANARY0000KEY"
PASSWORD = "pw-DATACANARY-base-url-55"
SERVICES = ("hooks.slack.com", "discord.com", "api.telegram.org")
SLACK_SECRET = SLACK_PATH.rsplit("/", 1)[1]
DISCORD_SECRET = DISCORD_PATH.rsplit("/", 1)[1]
SECRETS = (OPENAI_KEY, AV_KEY, CG_KEY, PASSWORD, SLACK_SECRET, DISCORD_SECRET, TELEGRAM_TOKEN,
           TELEGRAM_TOKEN.split(":")[1], WEBHOOK_SECRET, WEBHOOK_SECRET.removeprefix("whsec_"))

BRIEFS_TOML = """
[morning]
schedule = "0 7 * * *"
timezone = "Asia/Seoul"
sources = ["fx base=USD symbols=EUR", "crypto coin=bitcoin days=1", "stocks symbol=MSFT days=0 provider=alphavantage"]
language = "en"
summary = "model"

[[morning.deliver]]
to = "markdown"
path = "{archive}/{{date}}-{{time}}-{{name}}.md"

[[morning.deliver]]
to = "slack"
url = "${{SLACK_WEBHOOK_URL}}"

[[morning.deliver]]
to = "discord"
url = "${{DISCORD_WEBHOOK_URL}}"

[[morning.deliver]]
to = "telegram"
token = "${{TELEGRAM_BOT_TOKEN}}"
chat_id = "-1001234567890"

[[morning.deliver]]
to = "webhook"
url = "${{WEBHOOK_URL}}"
secret = "${{WEBHOOK_SECRET}}"
"""


def cli_commands() -> set[tuple[str, ...]]:
    """Every command, and every action of a command group, the parser behind `--help` knows."""
    from bot.cli.main import build_parser

    def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return {name: sub for group in groups for name, sub in group.choices.items()}

    out: set[tuple[str, ...]] = set()
    for name, parser in subcommands(build_parser()).items():
        actions = subcommands(parser)
        out |= {(name, action) for action in actions} if actions else {(name,)}
    return out


def command_of(args: Sequence[str]) -> tuple[str, ...]:
    words = [a for a in args if not a.startswith("-")]
    return tuple(words[:2]) if words[0] in ("config", "connectors", "history", "brief") else (words[0],)


def test_no_secret_leaves_whole_from_any_command_with_data_fetching_on(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    archive = tmp_path / "archive"
    with FaultUpstream(seed=0, kinds=("ok",)) as upstream, Receivers() as receivers:
        env = scratch_env(
            tmp_path,
            OPENAI_API_KEY=OPENAI_KEY,
            OPENAI_BASE_URL=openai_server.base_url.replace("http://", f"http://alice:{PASSWORD}@"),
            ALPHAVANTAGE_API_KEY=AV_KEY,
            COINGECKO_API_KEY=CG_KEY,
            # The services' real addresses, sent to the stand-ins: what a user's .env really holds.
            BRIEFBOT_HTTP_REWRITE=",".join([upstream.rewrite(), *(f"https://{host}={receivers.url}" for host in SERVICES)]),
            BRIEFBOT_MAX_RETRIES="0",
            SLACK_WEBHOOK_URL="https://hooks.slack.com" + SLACK_PATH,
            DISCORD_WEBHOOK_URL="https://discord.com" + DISCORD_PATH,
            TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
            WEBHOOK_URL=receivers.url + "/hooks/briefs",
            WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
        config = Path(env["XDG_CONFIG_HOME"]) / "briefbot"
        config.mkdir(parents=True)
        (config / "briefs.toml").write_text(BRIEFS_TOML.format(archive=archive), encoding="utf-8")
        # The model echoes every secret back, the delivery URLs and the base URL's password included.
        echoed = " ".join([OPENAI_KEY, AV_KEY, CG_KEY, env["OPENAI_BASE_URL"], env["SLACK_WEBHOOK_URL"],
                           env["DISCORD_WEBHOOK_URL"], TELEGRAM_TOKEN, WEBHOOK_SECRET])
        openai_server.default = Reply(text=f"keys: {echoed}")
        clock = {**env, "BRIEFBOT_BRIEFS_CLOCK": "2026-12-01T06:59:50+09:00@30"}  # serve: 07:00 comes in ~1 s
        runs = [
            run_cli(env, "fetch", "fx", "base=USD", "symbols=EUR"),
            run_cli(env, "fetch", "crypto", "coin=bitcoin", "days=1", "--json"),
            run_cli(env, "--debug", "fetch", "stocks", "symbol=MSFT", "days=0", "provider=alphavantage"),
            run_cli(env, "fetch", "weather", "place=Enschede"),
            run_cli(env, "context", "How much is 100 USD in EUR?"),
            run_cli(env, "context", "--json", "What is the bitcoin price on Upbit?"),
            run_cli(env, "context", "--plan", "--json", "How is AAPL stock doing?"),
            run_cli(env, "--debug", "ask", "How is AAPL stock doing?"),
            run_cli(env, "ask", "--json", "What is the bitcoin price on Upbit?"),
            run_cli(env, "ask", "--plan", "How much is 100 USD in EUR?"),
            run_cli(env, "--debug", "chat", input=f"How much is 100 USD in EUR?\nmy key is {OPENAI_KEY}\n/history\n/cost\n"),
            run_cli(env, "tokens", f"my key is {OPENAI_KEY}"),
            run_cli(env, "tokens", "--json", "-", input=f"{AV_KEY} {CG_KEY} {TELEGRAM_TOKEN}"),
            run_cli(env, "connectors", "list"),
            run_cli(env, "connectors", "show", "stocks"),
            run_cli(env, "connectors", "new", "canary_feed"),
            run_cli(env, "doctor"),
            run_cli(env, "history", "list"),
            run_cli(env, "history", "show", "1"),
            run_cli(env, "history", "export", "--format", "json"),
            run_cli(env, "history", "export", "--format", "md"),
            run_cli(env, "usage", "--json"),
            run_cli(env, "config", "show"),
            run_cli(env, "config", "show", "--json"),
            run_cli(env, "config", "paths"),
            run_cli(env, "brief", "check"),
            run_cli(env, "brief", "list", "--json"),
            run_cli(env, "brief", "show", "morning"),
            run_cli(env, "--debug", "brief", "run", "morning", "--dry-run"),
            run_cli(env, "--debug", "brief", "run", "morning", "--slot", "2026-11-30T07:00+09:00", "--json"),
            run_cli(clock, "brief", "serve", "--until", "2026-12-01T07:00:30+09:00"),
            run_cli(env, "brief", "history", "--json"),
            run_cli(env, "history", "delete", "1"),
        ]
        received = list(upstream.received)
        delivered = list(receivers.accepted)
    failed = [(r.args[3:], r.returncode, r.stderr[-300:]) for r in runs if r.returncode != 0]
    assert not failed, failed
    missing = cli_commands() - {command_of(r.args[3:]) for r in runs}
    assert not missing, f"commands the canary test does not run: {sorted(missing)}"
    # The secrets really travelled (so their absence below means something).
    assert any(f"apikey={AV_KEY}" in target for target, _ in received)
    assert any(headers.get("x-cg-demo-api-key") == CG_KEY for _, headers in received)
    assert {d.service for d in delivered} == {"slack", "discord", "telegram", "webhook"}
    printed = "\n".join(r.stdout + r.stderr for r in runs)
    assert "keys:" in printed and "[REDACTED]@127.0.0.1" in printed  # the echo was shown (masked), the URL too
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p for p in written if "http" in p.parts], "the HTTP cache was not written"
    assert any(p.name.startswith("history") for p in written) and any(p.name == "briefs.db" for p in written)
    assert list(archive.glob("*-morning.md")) and any(p.name == "canary_feed_connector.py" for p in written)
    sent = "\n".join(d.text for d in delivered)
    assert "keys:" in sent  # the summary reached the services
    for secret in SECRETS:
        assert secret not in printed, f"{secret[:8]}… printed"
        assert secret not in sent, f"{secret[:8]}… sent to a service"
        for path in written:
            assert secret.encode() not in path.read_bytes(), f"{secret[:8]}… written to {path}"

"""The canary test with data fetching ON: every command that fetches, packs, answers, counts or
lists runs with canary keys set, the connectors' HTTP cache is written, and afterwards no key
appears whole in anything printed or in any file briefbot wrote.

(tests/cli/test_secret_canary.py runs the LLM-side commands with data fetching off; this one
covers what it could not: fetch, context, tokens, connectors, history list/show, ask --json
and --plan, with keys travelling to the data sources as query parameter and header.)
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunCli, scratch_env
from tests.support.fault_upstream import FaultUpstream
from tests.support.openai_server import OpenAIServer, Reply

OPENAI_KEY = "sk-proj-CANARYdata0123456789KEYkey4321"
AV_KEY = "AVDATACANARY0000KEY"
CG_KEY = "CG-DATACANARY0000KEY"
HOOK = "https://hooks.slack.com/services/T000CANARY/B000CANARY/dataWEBHOOKsecret42"
SECRETS = (OPENAI_KEY, AV_KEY, CG_KEY, HOOK, "dataWEBHOOKsecret42")


def test_no_key_leaves_whole_with_data_fetching_on(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    with FaultUpstream(seed=0, kinds=("ok",)) as upstream:
        env = scratch_env(
            tmp_path,
            OPENAI_API_KEY=OPENAI_KEY,
            OPENAI_BASE_URL=openai_server.base_url,
            ALPHAVANTAGE_API_KEY=AV_KEY,
            COINGECKO_API_KEY=CG_KEY,
            BRIEFBOT_WEBHOOK_URL=HOOK,
            BRIEFBOT_HTTP_REWRITE=upstream.rewrite(),
            BRIEFBOT_MAX_RETRIES="0",
        )
        # The model echoes every key back, as a confused or hostile model might.
        openai_server.default = Reply(text=f"keys: {OPENAI_KEY} {AV_KEY} {CG_KEY} {HOOK}")
        runs = [
            run_cli(env, "fetch", "fx", "base=USD", "symbols=EUR"),
            run_cli(env, "fetch", "crypto", "coin=bitcoin", "days=1", "--json"),
            run_cli(env, "--debug", "fetch", "stocks", "symbol=MSFT", "days=0", "provider=alphavantage"),
            run_cli(env, "fetch", "weather", "place=Enschede"),
            run_cli(env, "context", "How much is 100 USD in EUR?"),
            run_cli(env, "context", "--json", "What is the bitcoin price on Upbit?"),
            run_cli(env, "--debug", "ask", "How is AAPL stock doing?"),
            run_cli(env, "ask", "--json", "What is the bitcoin price on Upbit?"),
            run_cli(env, "ask", "--plan", "How much is 100 USD in EUR?"),
            run_cli(env, "tokens", f"my key is {OPENAI_KEY}"),
            run_cli(env, "tokens", "--json", "-", input=f"{AV_KEY} {CG_KEY}"),
            run_cli(env, "connectors", "list"),
            run_cli(env, "connectors", "show", "stocks"),
            run_cli(env, "history", "list"),
            run_cli(env, "history", "show", "1"),
            run_cli(env, "usage", "--json"),
            run_cli(env, "config", "show"),
        ]
        received = list(upstream.received)
    failed = [(r.args[3:], r.returncode, r.stderr[-300:]) for r in runs if r.returncode != 0]
    assert not failed, failed
    # The keys really travelled (so their absence below means something): query and header.
    assert any(f"apikey={AV_KEY}" in target for target, _ in received)
    assert any(headers.get("x-cg-demo-api-key") == CG_KEY for _, headers in received)
    printed = "\n".join(r.stdout + r.stderr for r in runs)
    assert "keys:" in printed  # the echoing answer was really shown (masked)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p for p in written if "http" in p.parts], "the HTTP cache was not written"
    assert any(p.name.startswith("history") for p in written)
    for secret in SECRETS:
        assert secret not in printed, f"{secret[:8]}… printed"
        for path in written:
            assert secret.encode() not in path.read_bytes(), f"{secret[:8]}… written to {path}"

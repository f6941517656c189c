"""`briefbot config` and `briefbot doctor` as real processes: masked keys, sources, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunCli, scratch_env

CANARY = "sk-proj-CANARYcanary0123456789CANARYzz7Q4k"
MASKED = "sk-proj-…7Q4k"


def assert_no_leak(*outputs: str, secret: str = CANARY) -> None:
    for text in outputs:
        assert secret not in text


def test_config_show_masks_the_key_and_names_its_source(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli(scratch_env(tmp_path, OPENAI_API_KEY=CANARY), "config", "show")
    assert result.returncode == 0, result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("OPENAI_API_KEY"))
    assert MASKED in line and "[env OPENAI_API_KEY]" in line
    assert "backend in use: openai" in result.stdout
    assert_no_leak(result.stdout, result.stderr)


def test_config_show_json_lists_every_setting_with_its_source(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli(scratch_env(tmp_path, OPENAI_API_KEY=CANARY, BRIEFBOT_TIMEOUT="9"), "config", "show", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["openai_api_key"]["value"] == MASKED
    assert rows["openai_api_key"]["source"] == "env OPENAI_API_KEY"
    assert (rows["timeout"]["value"], rows["timeout"]["source"]) == ("9.0", "env BRIEFBOT_TIMEOUT")
    assert (rows["model"]["value"], rows["model"]["source"]) == ("(unset)", "default")
    assert all(row["env"] and row["description"] for row in rows.values())
    assert_no_leak(result.stdout, result.stderr)


def test_key_from_a_dotenv_in_the_working_directory(tmp_path: Path, run_cli: RunCli) -> None:
    # run_cli runs in tmp_path; the scratch env disables .env search, so enable it here.
    env = scratch_env(tmp_path)
    del env["BRIEFBOT_NO_DOTENV"]
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={CANARY}\n", encoding="utf-8")
    result = run_cli(env, "config", "show", "--json")
    assert result.returncode == 0, result.stderr
    row = next(r for r in json.loads(result.stdout) if r["name"] == "openai_api_key")
    assert row["value"] == MASKED
    assert row["source"] == f".env ({tmp_path / '.env'})"
    assert_no_leak(result.stdout, result.stderr)


def test_key_from_the_config_file(tmp_path: Path, run_cli: RunCli) -> None:
    env = scratch_env(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "briefbot" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'openai_api_key = "{CANARY}"\n', encoding="utf-8")
    result = run_cli(env, "config", "show")
    assert result.returncode == 0, result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("OPENAI_API_KEY"))
    assert MASKED in line and f"[config ({config})]" in line
    assert_no_leak(result.stdout, result.stderr)


def test_config_paths_follow_the_scratch_dirs(tmp_path: Path, run_cli: RunCli) -> None:
    env = scratch_env(tmp_path)
    result = run_cli(env, "config", "paths")
    assert result.returncode == 0, result.stderr
    assert str(Path(env["XDG_CONFIG_HOME"]) / "briefbot" / "config.toml") in result.stdout
    assert str(Path(env["XDG_DATA_HOME"]) / "briefbot" / "history.sqlite3") in result.stdout
    assert str(Path(env["XDG_CACHE_HOME"]) / "briefbot" / "models") in result.stdout


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("발급받은-API키-값", "placeholder"),
        ("sk-short", "does not look like an OpenAI key"),
        (f'"{CANARY}"', "quotes"),
        (CANARY[:20] + " " + CANARY[20:], "whitespace"),
    ],
    ids=["tutorial-placeholder", "too-short", "quoted", "inner-space"],
)
def test_doctor_offline_fails_clearly_on_a_bad_key(tmp_path: Path, run_cli: RunCli, key: str, why: str) -> None:
    result = run_cli(scratch_env(tmp_path, OPENAI_API_KEY=key), "doctor", "--offline")
    assert result.returncode == 4, (result.stdout, result.stderr)
    fail = [ln for ln in result.stdout.splitlines() if ln.startswith("[FAIL]")]
    assert len(fail) == 1 and "API key" in fail[0] and why in fail[0]
    assert "→" in result.stdout  # what to do next
    assert "Traceback" not in result.stdout + result.stderr
    assert_no_leak(result.stdout, result.stderr, secret=CANARY[20:])


def test_doctor_offline_with_a_good_key_passes_without_network(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli(scratch_env(tmp_path, OPENAI_API_KEY=CANARY), "doctor", "--offline")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "[FAIL]" not in result.stdout and MASKED in result.stdout
    assert_no_leak(result.stdout, result.stderr)


def test_help_works(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli(scratch_env(tmp_path), "--help")
    assert result.returncode == 0
    for command in ("ask", "chat", "config", "doctor"):
        assert command in result.stdout


def test_unknown_command_is_a_usage_error(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli(scratch_env(tmp_path), "no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("config", "show"), ("doctor", "--offline")])
def test_bad_toml_config_exits_3_with_a_message(tmp_path: Path, run_cli: RunCli, command: tuple[str, ...]) -> None:
    env = scratch_env(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "briefbot" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f"openai_api_key = {CANARY}\n[broken\n", encoding="utf-8")
    result = run_cli(env, *command)
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert "cannot read config file" in result.stdout + result.stderr
    assert str(config) in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert_no_leak(result.stdout, result.stderr)


def test_invalid_value_is_not_echoed_even_with_debug(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli(scratch_env(tmp_path, BRIEFBOT_TIMEOUT=CANARY), "--debug", "config", "show")
    assert result.returncode == 3
    assert "BRIEFBOT_TIMEOUT (from env BRIEFBOT_TIMEOUT)" in result.stderr
    assert_no_leak(result.stdout, result.stderr)


@pytest.mark.model
def test_doctor_on_the_embedded_model_says_all_good(cli_env: dict[str, str], run_cli: RunCli) -> None:
    result = run_cli(cli_env, "doctor")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "[FAIL]" not in result.stdout
    assert "[ok  ] LLM" in result.stdout and "embedded" in result.stdout
    assert "All good" in result.stdout
    assert "Traceback" not in result.stderr

"""Settings mistakes a user makes, caught with a clear message: a typo'd name in .env, a
config.toml that is a directory."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunCli, scratch_env


def test_an_unknown_briefbot_name_in_dotenv_warns_with_the_likely_fix(tmp_path: Path, run_cli: RunCli) -> None:
    env = scratch_env(tmp_path)
    del env["BRIEFBOT_NO_DOTENV"]
    (tmp_path / ".env").write_text("BRIEFBOT_MODLE=gpt-4o\nDATABASE_URL=postgres://x\nBRIEFBOT_UNITS=imperial\n",
                                   encoding="utf-8")
    result = run_cli(env, "config", "show", "--json")
    assert result.returncode == 0, result.stderr
    assert f"warning: unknown setting BRIEFBOT_MODLE in {tmp_path / '.env'}: ignored; did you mean BRIEFBOT_MODEL?" in result.stderr
    assert "DATABASE_URL" not in result.stderr  # another program's name is none of our business
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["units"]["value"] == "imperial"  # the known names still apply


def test_a_config_toml_that_is_a_directory_is_a_config_error(tmp_path: Path, run_cli: RunCli) -> None:
    env = scratch_env(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "briefbot" / "config.toml"
    config.mkdir(parents=True)
    result = run_cli(env, "config", "show")
    assert result.returncode == 3
    assert f"config file {config} is a directory, not a file" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_webhook_setting_with_nothing_behind_it_is_gone(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli(scratch_env(tmp_path), "config", "show", "--json")
    assert "webhook_url" not in {row["name"] for row in json.loads(result.stdout)}
    assert "BRIEFBOT_WEBHOOK_URL" not in (Path(__file__).parents[2] / ".env.example").read_text(encoding="utf-8")

"""`briefbot connectors list|show|new`, and the scaffold passing the contract kit as is."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App
from bot.cli.main import main
from connectors.testing import ConnectorContract

REPO = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    base = {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"), "BRIEFBOT_NO_DOTENV": "1", **env}
    app = App(base, cwd=tmp_path, stdout=out, stderr=err)
    code = main(list(args), app=app)
    return code, out.getvalue(), err.getvalue()


def test_list_shows_keys_and_configuration(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, "connectors", "list", ALPHAVANTAGE_API_KEY="AVCANARYKEY0000NOTREAL")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(lines) == {"air", "crypto", "fx", "stocks", "weather"}
    assert "optional: ALPHAVANTAGE_API_KEY set" in lines["stocks"]
    assert "optional: COINGECKO_API_KEY unset" in lines["crypto"]
    assert lines["weather"].split()[1:3] == ["-", "yes"]
    assert "AVCANARYKEY0000NOTREAL" not in out


def test_show_lists_params_with_types_and_examples(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, "connectors", "show", "fx")
    assert code == 0
    assert re.search(r"^  date +YYYY-MM-DD +optional", out, re.M) and re.search(r"^  base +text +default EUR", out, re.M)
    assert "briefbot fetch fx base=USD symbols=KRW" in out
    assert "(set with BRIEFBOT_FRANKFURTER_URL)" in out
    assert "records: fx.rate, fx.series" in out


def test_show_unknown_connector(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "connectors", "show", "nope")
    assert code == 39 and "no connector named 'nope'" in err


def test_new_refuses_bad_names_clashes_and_overwrites(tmp_path: Path) -> None:
    assert run(tmp_path, "connectors", "new", "Bad-Name")[0] == 2
    assert run(tmp_path, "connectors", "new", "weather")[0] == 2
    assert run(tmp_path, "connectors", "new", "demo")[0] == 0
    code, _, err = run(tmp_path, "connectors", "new", "demo")
    assert code == 2 and "will not overwrite" in err
    assert run(tmp_path, "connectors", "new", "demo", "--force")[0] == 0


@pytest.mark.parametrize("where", [(), ("--dir", "plugins")])
def test_scaffold_passes_the_contract_kit_as_is_with_the_command_it_prints(tmp_path: Path, where: tuple[str, ...]) -> None:
    code, out, _ = run(tmp_path, "connectors", "new", "demo", *where)
    assert code == 0 and "wrote" in out
    folder = tmp_path / (where[1] if where else "")
    assert (folder / "demo_connector.py").is_file() and (folder / "test_demo_connector.py").is_file()
    # The printed next step is what a user (and the README) runs, from where they ran `new`.
    command = out.split("then run: ", 1)[1].splitlines()[0]
    test_file = str(Path(where[1] if where else ".") / "test_demo_connector.py").removeprefix("./")
    assert command == f"python -m pytest {test_file}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *command.split()[3:]],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    contract_tests = [name for name in dir(ConnectorContract) if name.startswith("test_contract_")]
    assert f"{len(contract_tests)} passed" in done.stdout  # every contract test ran, none skipped


@pytest.mark.parametrize("name", ["tide_table"])
def test_scaffolded_class_names_follow_the_connector_name(tmp_path: Path, name: str) -> None:
    run(tmp_path, "connectors", "new", name)
    text = (tmp_path / f"{name}_connector.py").read_text()
    assert "class TideTableConnector(Connector[TideTableParams])" in text and 'name: ClassVar[str] = "tide_table"' in text

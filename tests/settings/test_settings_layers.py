"""Layered settings: flags > process env > .env > config.toml > defaults, each with its origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import DEFAULT_LOCAL_MODEL, DEFAULT_OPENAI_MODEL, LoadedSettings, Settings, load_settings

SECRET = "sk-proj-SeCrEtLooking0123456789abcdefXYZ9"


def base_env(root: Path) -> dict[str, str]:
    """A process environment pointing every XDG dir under ``root``."""
    (root / "home").mkdir(parents=True, exist_ok=True)
    return {"HOME": str(root / "home"), "XDG_CONFIG_HOME": str(root / "config")}


def write_config(root: Path, text: str) -> Path:
    path = root / "config" / "briefbot" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(env: dict[str, str], cwd: Path, **overrides: object) -> LoadedSettings:
    return load_settings(env, cwd=cwd, overrides=overrides)


def test_defaults_choose_the_embedded_model_and_say_so(tmp_path: Path) -> None:
    loaded = load({**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1"}, tmp_path)
    assert set(loaded.origin) == set(Settings.model_fields)
    assert set(loaded.origin.values()) == {"default"}
    assert loaded.settings.openai_api_key is None
    assert loaded.settings.resolved_backend() == "local"
    assert loaded.settings.resolved_model() == DEFAULT_LOCAL_MODEL
    assert loaded.settings.timeout == 60.0


# Each row removes the highest layer of the row before, so the next one must show through.
LADDER = [
    ("flag", {"flag", "env", "dotenv", "config"}),
    ("env", {"env", "dotenv", "config"}),
    ("dotenv", {"dotenv", "config"}),
    ("config", {"config"}),
    ("default", set()),
]


@pytest.mark.parametrize(("winner", "layers"), LADDER, ids=[w for w, _ in LADDER])
def test_each_layer_beats_the_ones_below(tmp_path: Path, winner: str, layers: set[str]) -> None:
    env = base_env(tmp_path)
    config_path = write_config(tmp_path, 'model = "from-config"\n') if "config" in layers else None
    if "dotenv" in layers:
        (tmp_path / ".env").write_text("BRIEFBOT_MODEL=from-dotenv\n", encoding="utf-8")
    else:
        env["BRIEFBOT_NO_DOTENV"] = "1"
    if "env" in layers:
        env["BRIEFBOT_MODEL"] = "from-env"
    loaded = load(env, tmp_path, model="from-flag" if "flag" in layers else None)

    expected_value = {"flag": "from-flag", "env": "from-env", "dotenv": "from-dotenv", "config": "from-config"}
    expected_origin = {
        "flag": "flag",
        "env": "env BRIEFBOT_MODEL",
        "dotenv": f".env ({tmp_path / '.env'})",
        "config": f"config ({config_path})",
        "default": "default",
    }
    assert loaded.settings.model == expected_value.get(winner)
    assert loaded.origin["model"] == expected_origin[winner]


def test_dotenv_is_found_in_a_parent_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OPENAI_BASE_URL=http://127.0.0.1:8080/v1\n", encoding="utf-8")
    nested = tmp_path / "project" / "src" / "deep"
    nested.mkdir(parents=True)
    loaded = load(base_env(tmp_path), nested)
    assert loaded.settings.openai_base_url == "http://127.0.0.1:8080/v1"
    assert loaded.origin["openai_base_url"] == f".env ({tmp_path / '.env'})"
    assert loaded.settings.resolved_backend() == "openai"


def test_the_nearest_dotenv_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BRIEFBOT_MODEL=outer\n", encoding="utf-8")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / ".env").write_text("BRIEFBOT_MODEL=inner\n", encoding="utf-8")
    loaded = load(base_env(tmp_path), inner)
    assert loaded.settings.model == "inner"
    assert loaded.origin["model"] == f".env ({inner / '.env'})"


def test_dotenv_never_overrides_a_real_environment_variable(tmp_path: Path) -> None:
    real_key = "sk-proj-RealEnvironmentKey000000000001"
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={SECRET}\nBRIEFBOT_TIMEOUT=7\n", encoding="utf-8")
    loaded = load({**base_env(tmp_path), "OPENAI_API_KEY": real_key}, tmp_path)
    assert loaded.settings.openai_api_key is not None
    assert loaded.settings.openai_api_key.get_secret_value() == real_key
    assert loaded.origin["openai_api_key"] == "env OPENAI_API_KEY"
    # ... while the .env still supplies what the environment does not set.
    assert loaded.settings.timeout == 7.0
    assert loaded.origin["timeout"] == f".env ({tmp_path / '.env'})"


def test_dotenv_accepts_the_standard_openai_names(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "OPENAI_API_KEY=" + SECRET + "\nOPENAI_ORG_ID=org-123\nOPENAI_PROJECT_ID=proj_456\n", encoding="utf-8"
    )
    s = load(base_env(tmp_path), tmp_path).settings
    assert s.openai_api_key is not None and s.openai_api_key.get_secret_value() == SECRET
    assert (s.openai_org_id, s.openai_project_id) == ("org-123", "proj_456")
    assert s.resolved_backend() == "openai"
    assert s.resolved_model() == DEFAULT_OPENAI_MODEL


def test_no_dotenv_switch_ignores_the_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BRIEFBOT_MODEL=from-dotenv\n", encoding="utf-8")
    loaded = load({**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1"}, tmp_path)
    assert loaded.settings.model is None
    assert loaded.origin["model"] == "default"


def test_config_file_follows_xdg_config_home(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'model = "gpt-4o"\ntimeout = 5\nmax_retries = 0\n')
    loaded = load({**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1"}, tmp_path)
    assert (loaded.settings.model, loaded.settings.timeout, loaded.settings.max_retries) == ("gpt-4o", 5.0, 0)
    assert loaded.origin["timeout"] == f"config ({path})"


def test_config_file_falls_back_to_home_without_xdg(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = home / ".config" / "briefbot" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('persona = "analyst"\n', encoding="utf-8")
    loaded = load({"HOME": str(home), "BRIEFBOT_NO_DOTENV": "1"}, tmp_path)
    assert loaded.settings.persona == "analyst"
    assert loaded.origin["persona"] == f"config ({path})"


def test_briefbot_config_names_another_file_instead(tmp_path: Path) -> None:
    write_config(tmp_path, 'model = "from-xdg"\npersona = "friendly"\n')
    other = tmp_path / "elsewhere.toml"
    other.write_text('model = "from-override"\n', encoding="utf-8")
    env = {**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1", "BRIEFBOT_CONFIG": str(other)}
    loaded = load(env, tmp_path)
    assert loaded.settings.model == "from-override"
    assert loaded.origin["model"] == f"config ({other})"
    assert loaded.settings.persona is None  # the XDG file is not read at all


def test_briefbot_config_naming_a_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "typo.toml"
    env = {**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1", "BRIEFBOT_CONFIG": str(missing)}
    with pytest.raises(ConfigError, match="BRIEFBOT_CONFIG") as info:
        load(env, tmp_path)
    assert str(missing) in str(info.value)


def test_flags_left_unset_do_not_hide_lower_layers(tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1", "BRIEFBOT_MODEL": "from-env"}
    loaded = load(env, tmp_path, model=None, timeout=3.0)
    assert loaded.settings.model == "from-env"
    assert (loaded.settings.timeout, loaded.origin["timeout"]) == (3.0, "flag")


# --- invalid values: name the variable and its source, never echo the value -------------------

BAD_VALUES = [
    ("BRIEFBOT_TIMEOUT", SECRET),
    ("BRIEFBOT_BACKEND", SECRET),
    ("BRIEFBOT_MAX_RETRIES", SECRET),
    ("BRIEFBOT_TEMPERATURE", SECRET),
    ("BRIEFBOT_LOCAL_CONTEXT", "100"),
]


@pytest.mark.parametrize(("var", "value"), BAD_VALUES)
def test_invalid_env_value_names_variable_and_origin_without_the_value(tmp_path: Path, var: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load({**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1", var: value}, tmp_path)
    exc = info.value
    assert exc.exit_code == 3
    assert f"{var} (from env {var})" in str(exc)
    assert value not in str(exc) and value not in repr(exc)
    # pydantic's own error repeats the input; it must not ride along as the cause.
    assert exc.__cause__ is None and exc.__suppress_context__


def test_invalid_value_in_dotenv_names_the_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BRIEFBOT_MAX_TOKENS={SECRET}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(base_env(tmp_path), tmp_path)
    assert f"BRIEFBOT_MAX_TOKENS (from .env ({tmp_path / '.env'}))" in str(info.value)
    assert SECRET not in str(info.value)


def test_invalid_value_in_config_names_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, f'timeout = "{SECRET}"\n')
    with pytest.raises(ConfigError) as info:
        load({**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1"}, tmp_path)
    assert f"BRIEFBOT_TIMEOUT (from config ({path}))" in str(info.value)
    assert SECRET not in str(info.value)


def test_every_invalid_setting_is_reported_at_once(tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1", "BRIEFBOT_TIMEOUT": "-1", "BRIEFBOT_BACKEND": "gpt"}
    with pytest.raises(ConfigError) as info:
        load(env, tmp_path)
    assert "BRIEFBOT_TIMEOUT" in str(info.value) and "BRIEFBOT_BACKEND" in str(info.value)


def test_unknown_keys_in_config_are_listed(tmp_path: Path) -> None:
    # A natural mistake: the environment spelling in the TOML file. The value must not leak.
    path = write_config(tmp_path, f'OPENAI_API_KEY = "{SECRET}"\nmodle = "gpt-4o"\nmodel = "gpt-4o"\n')
    with pytest.raises(ConfigError) as info:
        load({**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1"}, tmp_path)
    message = str(info.value)
    assert str(path) in message
    listed = message.split(f"{path}: ", 1)[1].splitlines()[0]
    assert listed.split(", ") == ["OPENAI_API_KEY", "modle"]  # sorted; the valid "model" is not listed
    assert SECRET not in message


def test_unparseable_toml_is_a_config_error_without_the_content(tmp_path: Path) -> None:
    path = write_config(tmp_path, f"openai_api_key = {SECRET}\n")  # unquoted: invalid TOML
    with pytest.raises(ConfigError, match="cannot read config file") as info:
        load({**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1"}, tmp_path)
    assert str(path) in str(info.value)
    assert SECRET not in str(info.value)


def test_config_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = write_config(tmp_path, "")
    path.write_bytes(b'model = "\xff\xfe"\n')
    with pytest.raises(ConfigError, match="cannot read config file"):
        load({**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1"}, tmp_path)


def test_dotenv_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"OPENAI_API_KEY=\xff\xfe\n")
    with pytest.raises(ConfigError, match=r"cannot read .*\.env"):
        load(base_env(tmp_path), tmp_path)


def test_display_value_masks_secrets_and_marks_unset(tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "BRIEFBOT_NO_DOTENV": "1", "OPENAI_API_KEY": SECRET}
    loaded = load(env, tmp_path)
    assert loaded.display_value("openai_api_key") == "sk-proj-…XYZ9"
    assert loaded.display_value("coingecko_api_key") == "(unset)"
    assert loaded.display_value("timeout") == "60.0"

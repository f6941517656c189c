"""Every exit code in the README's table is produced by a real `briefbot` process in some test.

``PRODUCED_BY`` names, for each code, one test that makes a real process (``python -m bot``)
end with it and asserts so. Three checks keep that list honest:

* it covers exactly the codes of the README's table (English and Korean READMEs alike);
* every test it names exists (pytest collects each node id);
* in a session that ran those tests, each one was seen ending a briefbot process with its
  code (``tests/support/exit_record.py`` files every exit code under the test that ran it).
  That check runs last (``tests/conftest.py`` orders it); a session that did not run some of
  the listed tests (``pytest tests/cli``) skips it and says which.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli, scratch_env
from tests.support import exit_record

CLI = "tests/cli/"
PRODUCED_BY: dict[int, str] = {
    0: CLI + "test_secret_canary_data.py::test_no_secret_leaves_whole_from_any_command_with_data_fetching_on",
    1: CLI + "test_unexpected_error.py::test_a_bug_in_a_plugin_connector_is_exit_1_pointing_to_debug",
    2: CLI + "test_hostile_cli.py::test_ask_with_stdin_that_is_not_utf8_is_a_usage_error",
    3: "tests/settings/test_settings_mistakes.py::test_a_config_toml_that_is_a_directory_is_a_config_error",
    4: CLI + "test_ask_chat.py::test_invalid_key_format_is_caught_before_any_call",
    11: CLI + "test_ask_chat.py::test_each_api_failure_ends_in_one_clear_line_and_its_exit_code[behaviour0-11-rejected]",
    12: CLI + "test_ask_chat.py::test_exhausted_quota_is_asked_once_despite_retries_and_exits_12",
    13: CLI + "test_ask_chat.py::test_each_api_failure_ends_in_one_clear_line_and_its_exit_code[behaviour2-13-rate limited]",
    14: CLI + "test_ask_chat.py::test_each_api_failure_ends_in_one_clear_line_and_its_exit_code[behaviour3-14-context]",
    15: CLI + "test_ask_chat.py::test_each_api_failure_ends_in_one_clear_line_and_its_exit_code[behaviour4-15-not available]",
    16: CLI + "test_llm_exit_codes.py::test_an_endpoint_nobody_listens_on_is_exit_16",
    17: CLI + "test_llm_exit_codes.py::test_no_answer_within_the_timeout_is_exit_17",
    18: CLI + "test_chat_loop.py::test_a_stream_that_just_stops_is_an_incomplete_answer_exit_18",
    19: CLI + "test_llm_exit_codes.py::test_another_refused_request_is_exit_19",
    20: CLI + "test_ask_chat.py::test_missing_local_model_file_is_a_clear_error",
    31: CLI + "test_hostile_cli.py::test_a_redirect_loop_is_exit_31_with_its_own_message",
    32: "tests/connectors/test_fetch_cli_e2e.py::test_unknown_place_and_echoed_key_never_printed",
    33: "tests/connectors/test_fetch_refusals_e2e.py::test_no_such_place_exits_33",
    34: "tests/connectors/test_fetch_refusals_e2e.py::test_a_rate_for_a_day_to_come_exits_34_and_asks_nothing",
    35: CLI + "test_hostile_cli.py::test_open_meteo_error_body_with_http_200_is_exit_35_quoting_the_reason",
    36: "tests/connectors/test_fetch_cli_e2e.py::test_fx_answer_for_another_base_is_a_schema_error_not_relabelled",
    37: "tests/connectors/test_plugin_keys_cli.py::test_without_the_key_both_say_which_variable_to_set",
    38: CLI + "test_hostile_cli.py::test_a_source_that_refuses_us_is_exit_38",
    39: "tests/connectors/test_fetch_cli_e2e.py::test_bad_input_is_a_clear_message_and_exit_code[args3-39-no connector named 'nosuch']",
    40: CLI + "test_ask_chat.py::test_budget_refuses_before_any_call",
    50: "tests/store/test_store_foreign.py::test_the_cli_says_so_with_exit_50",
    51: CLI + "test_ask_chat.py::test_chat_on_an_unknown_conversation_fails_clearly",
    60: "tests/briefs/test_brief_exit_codes_cli.py::test_a_brief_whose_every_source_fails_exits_60",
    61: "tests/briefs/test_definitions.py::test_brief_check_process_reports_the_mistake_and_exits_61",
    62: "tests/briefs/test_cli_views.py::test_show_lists_next_runs_with_the_zone_offset_across_a_dst_change",
    63: "tests/briefs/test_brief_exit_codes_cli.py::test_a_delivery_refused_for_good_exits_63[slack]",
    130: CLI + "test_chat_loop.py::test_ask_interrupted_mid_answer_exits_130_and_keeps_the_partial_answer",
    143: "tests/briefs/test_signals.py::test_sigterm_mid_run_records_it_abandoned",
}

ROW = re.compile(r"^\|\s*(\d+)(?:\s*[–-]\s*(\d+))?\s*\|")


def readme_codes(name: str, heading: str) -> set[int]:
    """The codes in the table under ``heading``; a row "31–39" stands for each code in it."""
    text = (REPO / name).read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    codes: set[int] = set()
    for line in section.splitlines():
        if match := ROW.match(line):
            first, last = int(match[1]), int(match[2] or match[1])
            codes.update(range(first, last + 1))
    return codes


def test_every_readme_exit_code_is_listed_with_a_test() -> None:
    codes = readme_codes("README.md", "## Exit codes")
    assert len(codes) >= 30 and {0, 1, 2, 31, 39, 63, 130, 143} <= codes  # the table was really read
    assert readme_codes("README.ko.md", "## 종료 코드") == codes
    assert sorted(codes - PRODUCED_BY.keys()) == [], "README codes no test is listed for"
    assert sorted(PRODUCED_BY.keys() - codes) == [], "listed codes the README does not document"


def test_every_listed_test_exists() -> None:
    nodes = sorted(set(PRODUCED_BY.values()))
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *nodes],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    collected = set(done.stdout.splitlines())
    assert done.returncode == 0 and not [n for n in nodes if n not in collected], done.stdout[-2000:] + done.stderr[-2000:]


def test_the_recorder_files_each_briefbot_exit_under_its_test(run_cli: RunCli, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    env = scratch_env(tmp_path)
    assert run_cli(env, "--version").returncode == 0
    assert run_cli(env, "no-such-command").returncode == 2
    subprocess.run([sys.executable, "-c", "raise SystemExit(7)"], check=False)  # not briefbot: not filed
    assert exit_record.OBSERVED[request.node.nodeid] == {0, 2}


def test_each_listed_test_produced_its_code_in_this_session() -> None:
    ran = {code: node for code, node in PRODUCED_BY.items() if node in exit_record.RAN}
    wrong = {code: (node, sorted(exit_record.OBSERVED.get(node, ()))) for code, node in ran.items()
             if code not in exit_record.OBSERVED.get(node, set())}
    assert not wrong, f"these tests never saw a briefbot process end with their code (code: test, codes seen): {wrong}"
    not_run = sorted(set(PRODUCED_BY.values()) - exit_record.RAN)
    if not_run:
        shown = ", ".join(not_run[:3]) + (f" and {len(not_run) - 3} more" if len(not_run) > 3 else "")
        pytest.skip(f"{len(ran)} of {len(PRODUCED_BY)} codes checked; not run in this session: {shown}")

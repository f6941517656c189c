"""The checks that judge what a real figure is said to be, and the phrases the constrained
retry may not write: each case was written by the bundled 270M model over the fixed set."""

from __future__ import annotations

import pytest

from prompts.answer_bans import contradicting_phrases
from prompts.figures import figures, stated_figures
from prompts.grounding import check_numbers
from prompts.verify import check_answer
from tests.answers.test_checked_answers import turn_for


def test_figures_carry_the_unit_the_data_gives_them() -> None:
    assert [(f.text, f.unit) for f in figures("가격 162,876,000원 (1억 6,288만원), 1일 변동 -0.17%")] == [
        ("162,876,000", "KRW"), ("1억 6,288만", "KRW"), ("-0.17%", "%")]
    # a range's first end takes the unit written after the second; a column label's unit
    # applies to its line; a 만/억 reading takes its amount's unit; days of a month are no figures
    assert [(f.text, f.unit) for f in figures("01-26~02-01, 최고 기온 16.5~18.6°C")] == [("16.5", "°C"), ("18.6", "°C")]
    assert [f.unit for f in figures("close(KRW): min 162483000 at 07-28; max 163158000 at 07-29")] == ["KRW", "KRW"]
    assert [(f.text, f.unit) for f in figures("price: 162876000 KRW (1억 6,288만)")][1] == ("1억 6,288만", "KRW")
    # counts and the time zone after a clock time are not units
    assert stated_figures("daily, 127 points, summarised: close 269.70 USD at 16:00 EDT") == stated_figures("close 269.70 USD")


def test_only_numbers_the_data_states_pass_not_every_derivable_one() -> None:
    packed = turn_for("ko-weather-ny").packed  # chance of rain at most 1%
    answer = "뉴욕은 23.2 °C이고, 비 올 확률은 100%입니다."
    assert check_numbers(answer, packed) == []  # -100% is a percentage change of two of its numbers
    assert check_answer(answer, packed).unverified == ["100%"]


@pytest.mark.parametrize("qid, answer, problem", [
    ("en-btc-won", "Bitcoin is at 162,876,000 KRW, and the price is 163158000 KRW.", "gives 163158000 as the price"),
    ("ko-multi", "비트코인은 원달러 환율을 162,876,000원으로 환산했습니다, 원달러 환율은 1,453.64원입니다.",
     "gives 162,876,000 as the rate"),
    ("en-lisbon-week", "Lisbon peaks at 12.1 °C on 01-28.", "gives 12.1 as the high"),
    ("ko-rain-ny", "뉴욕은 비 올 확률이 23.2 °C입니다.", "gives 23.2 as the chance"),
    ("ko-rain-ny", "뉴욕은 내일 비가 23.2 °C이고, 23.9 °C입니다.", "gives 23.2 as the rain amount or chance"),
    ("en-aapl", "Apple stock price is at 269.70 USD (+0.70%) from the previous close.", "writes +0.70% in %"),
    ("en-convert-250usd", "363,410 KRW is 1453.64 KRW at 1 USD per USD.", "says 363,410 KRW is 1453.64 KRW"),
    ("en-convert-250usd", "250 USD is 363,410 KRW at 1 USD per GBP.", "names GBP"),
    ("en-rain-ny", "It will be cloudy in New York today, and 23.2 °C.", "says 'cloud'"),
    ("en-compare", "Apple is at 269.70 USD, and GS 19.95 EUR, up 0.13 EUR.", "says 0.13 rose"),
    ("en-yen", "The yen is at 148.66 JPY, up 1 USD, from the previous close.", "gives 1 as the change"),
    ("en-yen", "The yen is at 148.66 JPY, and the chance of yen is 1 USD/JPY.", "gives 1 as the chance"),  # no such figure
    ("ko-btc-2days", "비트코인은 지난 2일 시세 흐름을 알려주세요, 162,876,000원입니다.", "request"),
    ("ko-btc", "비트코인은 162,876,000원(162,876,000원)입니다.", "twice in a row"),
    ("ko-eur", "르구르르르르 1,582.87원입니다.", "repeats itself"),
    ("ko-samsung-code", "이번 주 주가 주가 71,000원입니다.", "repeats itself"),
    ("en-yen", "The yen is at 148.66 JPY, and the risk is https://www.", "markup"),
    ("ko-weather-ny", "뉴욕 날씨 데이터를 가져오지못해 지금은 답할 수 있습니다, 23.2 °C입니다.", "missing, but it is here"),
])
def test_a_real_figure_said_to_be_something_else_fails(qid: str, answer: str, problem: str) -> None:
    check = check_answer(answer, turn_for(qid).packed)
    assert any(problem in p for p in check.problems), check


@pytest.mark.parametrize("qid, answer", [
    ("en-btc-won", "Bitcoin is at 162,876,000 KRW, down 282000 KRW since the previous daily close."),
    ("ko-aapl-krw", "애플 주가 원화로 39만 2,047 원입니다."),  # the converted price answers for the stock
    ("ko-eur", "유로 환율은 1유로당 1582.87원입니다."),
    ("en-compare", "Apple is at 269.70 USD, and GS2C.DE is at 19.95 EUR, down 0.13 EUR."),
    ("ko-weather-ny", "뉴욕 날씨는 23.2 °C이고, 비 올 확률은 1%입니다."),
    ("ko-rain-ny", "뉴욕은 비가 오지 않고 23.2 °C입니다."),
    ("ko-convert-100usd", "100달러는 145,364원(14만 5,364원)입니다."),
    ("en-lisbon-week", "Lisbon is at 12.1 °C; highs reach 18.6 °C on 02-01 and lows 9.0 °C on 01-27."),
])
def test_the_same_figures_in_their_roles_pass(qid: str, answer: str) -> None:
    check = check_answer(answer, turn_for(qid).packed)
    assert check.ok, check


def test_a_day_of_the_month_must_be_the_datas() -> None:
    packed = turn_for("en-lisbon-week").packed  # 01-26 … 02-01
    assert check_answer("Lisbon is at 12.1 °C; highs reach 18.6 °C on 02-01.", packed).ok
    assert check_answer("Lisbon is at 12.1 °C; highs reach 18.6 °C on 03-01.", packed).unverified == ["03-01"]


def test_the_retry_may_not_write_what_the_data_contradicts() -> None:
    rising = contradicting_phrases(turn_for("ko-aapl").packed)  # +0.26%, data all here
    assert {"내리", "하락", " down", " fell"} <= set(rising) and "올라" not in rising
    assert {"가져오", "답할 수", "답할수"} <= set(rising)  # the missing-data example, with and without its space
    falling = contradicting_phrases(turn_for("en-gs2c").packed)  # -0.66%
    assert " up" in falling and " down" not in falling
    bare_rate = contradicting_phrases(turn_for("en-yen").packed)  # a rate with no change: no move either way
    assert " up" in bare_rate and " down" in bare_rate and " GBP" in bare_rate and " JPY" not in bare_rate
    dry = contradicting_phrases(turn_for("en-rain-ny").packed)  # 1% at most, clear sky
    assert "will rain" in dry and "cloud" in dry and "no rain" not in dry
    mixed = contradicting_phrases(turn_for("en-compare").packed)  # one up, one down: neither is banned
    assert " up" not in mixed and " down" not in mixed


def test_a_question_over_a_price_history_asks_for_the_change_over_the_period() -> None:
    from prompts.answer_grammar import required_figures

    turn = turn_for("en-aapl-trend")  # quote and 6 months of closes
    assert [[f.text for f in figs] for figs in required_figures(turn.packed)] == [["+26.9%"]]
    assert not check_answer("Apple is at 269.70 USD.", turn.packed).ok  # today's price does not answer it
    assert check_answer("Apple is at 269.70 USD, up 26.9% over 6 months.", turn.packed).ok
    assert check_answer("지난 3개월 애플 주가 29.0% 상승했습니다.", turn_for("ko-aapl-3mo").packed).ok
    # a forecast is no price history: its headline figures still answer
    lisbon = turn_for("en-lisbon-week")
    assert check_answer("Lisbon is at 12.1 °C.", lisbon.packed).ok


def _everyday_packed(qid: str):  # type: ignore[no-untyped-def]
    from bot.grounded import prepare_grounded_turn
    from bot.settings import Settings
    from tests.grounding.everyday_payloads import EVERYDAY_BUILDERS
    from tests.grounding.qset import RecordedFetcher, load_questions
    from tests.grounding.test_everyday import EVERYDAY

    q = next(q for q in load_questions(EVERYDAY) if q.id == qid)
    fetcher = RecordedFetcher(q.data, q.now, EVERYDAY_BUILDERS)
    return prepare_grounded_turn(q.q, settings=Settings(), fetcher=fetcher, now=q.now).packed


def test_held_out_questions_seen_on_the_model() -> None:
    # A conversion answers for the price it converted, whatever the subject is called.
    assert check_answer("3 BTC in Won is 488,628,000 KRW.", _everyday_packed("en-3btc-won")).ok
    assert check_answer("비트코인 0.5 BTC는 81,438,000 KRW입니다.", _everyday_packed("ko-half-btc")).ok
    # PM10 is the data's own name, not a figure glued to a word; µg/m³ is a unit.
    air = _everyday_packed("en-denver-air")
    assert check_answer("PM10 is 28.2 µg/m³ in Denver.", air).ok
    assert [(f.text, f.unit) for f in stated_figures("PM10 28.2 µg/m³ good")] == [("28.2", "µg/m³")]
    # "0%의 비가 내려": rain said to fall against a 0% chance
    check = check_answer("여수 날씨는 12.1 °C이고, 0%의 비가 내려, 10.2 °C입니다.", _everyday_packed("ko-yeosu"))
    assert any("rain" in p for p in check.problems), check


def test_a_korean_chance_of_rain_is_written_with_its_noun() -> None:
    from prompts.answer_grammar import answer_grammar

    figs = [f for f in stated_figures("precipitation_probability_max: max 32% at 01-30") if f.role == "rain chance"]
    assert [f.text for f in figs] == ["32%"]
    grammar = answer_grammar(turn_for("ko-weather-ny").packed, "ko", "뉴욕 날씨 어때?")
    assert '"확률은 1%"' in grammar and '"1%"' not in grammar  # never a bare "1%의 비가 내려"
    assert '"1%"' in answer_grammar(turn_for("en-weather-ny").packed, "en", "Weather in New York")

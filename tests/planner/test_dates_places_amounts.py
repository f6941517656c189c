"""The planner's readers of dates, places and amounts, one phrase at a time."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.planner import plan_question
from bot.planner.amounts import find_amount, find_target
from bot.planner.dates import find_dates
from bot.planner.places import english_place_phrase, korean_place_phrase

FRI = date(2025, 3, 14)  # a Friday


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2025-03-01", "2025-03-01", "2025-03-01"),
    ("from 2025-03-01 to 2025-03-10", "2025-03-01", "2025-03-10"),
    ("3월 1일", "2025-03-01", "2025-03-01"),
    ("2024년 12월 25일", "2024-12-25", "2024-12-25"),
    ("March 1st", "2025-03-01", "2025-03-01"),
    ("1 March 2024", "2024-03-01", "2024-03-01"),
    ("어제", "2025-03-13", "2025-03-13"),
    ("그저께", "2025-03-12", "2025-03-12"),
    ("the day before yesterday", "2025-03-12", "2025-03-12"),
    ("모레", "2025-03-16", "2025-03-16"),
    ("last Friday", "2025-03-07", "2025-03-07"),  # today is Friday: the one before
    ("last Monday", "2025-03-10", "2025-03-10"),
    ("지난 금요일", "2025-03-07", "2025-03-07"),
    ("다음주 수요일", "2025-03-19", "2025-03-19"),
    ("지난주", "2025-03-03", "2025-03-09"),
    ("last week", "2025-03-03", "2025-03-09"),
    ("next week", "2025-03-17", "2025-03-23"),
    ("다음주", "2025-03-17", "2025-03-23"),
    ("this weekend", "2025-03-15", "2025-03-16"),
    ("이번 주말", "2025-03-15", "2025-03-16"),
    ("지난 주말", "2025-03-08", "2025-03-09"),
])
def test_dates_and_periods(text: str, start: str, end: str) -> None:
    asked = find_dates(text, FRI)
    assert asked is not None and (asked.start.isoformat(), asked.end.isoformat()) == (start, end)


@pytest.mark.parametrize("text", ["2월 30일", "what's the price", "52주 최고가", "3일간 날씨"])
def test_no_date_where_there_is_none(text: str) -> None:
    assert find_dates(text, FRI) is None


def test_today_is_read_in_the_users_zone() -> None:
    just_after_midnight_in_seoul = datetime(2025, 3, 14, 15, 30, tzinfo=timezone.utc)  # 00:30 KST on the 15th
    ko = plan_question("어제 원달러 환율", now=just_after_midnight_in_seoul)
    en = plan_question("USD/KRW yesterday", now=just_after_midnight_in_seoul)
    assert ko.steps[0].params["date"] == "2025-03-14"
    assert en.steps[0].params["date"] == "2025-03-13"
    assert plan_question("USD/KRW yesterday", now=just_after_midnight_in_seoul, zone="Asia/Seoul").steps[0].params["date"] == "2025-03-14"


@pytest.mark.parametrize(("text", "place"), [
    ("여수 날씨 어때?", "여수"), ("여수에 비 와?", "여수"), ("여수의 미세먼지", "여수"), ("여수시 날씨", "여수"),
    ("여수는 추워?", "여수"), ("제주도 날씨", "제주도"), ("내일 통영 날씨", "통영"), ("오늘 날씨 어때?", None),
])
def test_korean_place_phrases(text: str, place: str | None) -> None:
    assert korean_place_phrase(text) == place


@pytest.mark.parametrize(("text", "place"), [
    ("weather in Austin", "Austin"), ("in Austin, Texas", "Austin, Texas"), ("Austin TX weather", "Austin, TX"),
    ("weather for tomorrow in Austin", "Austin"), ("weather in san antonio this weekend", "san antonio"),
    ("Boise weather in Fahrenheit", "Boise"), ("What's the weather?", None),
])
def test_english_place_phrases(text: str, place: str | None) -> None:
    assert english_place_phrase(text) == place


@pytest.mark.parametrize(("text", "amount", "target"), [
    ("Convert 50 euros to dollars", (50.0, "EUR"), "USD"),
    ("100달러 엔화로", (100.0, "USD"), "JPY"),
    ("3 bitcoin in won", (3.0, "BTC"), "KRW"),
    ("0.5 ETH in USD", (0.5, "ETH"), "USD"),
    ("비트코인 0.5개는 몇 원?", (0.5, "BTC"), "KRW"),
    ("50만원은 달러로 얼마?", (500000.0, "KRW"), "USD"),
    ("$250 in won", (250.0, "USD"), "KRW"),
    ("100달러는 몇 원이야?", (100.0, "USD"), "KRW"),
])
def test_amounts_and_targets(text: str, amount: tuple[float, str], target: str) -> None:
    found = find_amount(text)
    assert found == amount and find_target(text, found) == target


@pytest.mark.parametrize("text", ["my order 123456 hello", "주문번호 123456 확인해줘", "call 010-1234-5678 at 123456"])
def test_a_six_digit_number_is_no_stock_code_outside_a_stock_question(text: str) -> None:
    assert plan_question(text).steps == []


@pytest.mark.parametrize(("text", "step"), [("005930 주가", "stocks symbol=005930.KS days=0"),
                                            ("005930.KS", "stocks symbol=005930.KS days=0")])
def test_a_six_digit_code_in_a_stock_question_still_is(text: str, step: str) -> None:
    assert [s.as_cli() for s in plan_question(text).steps] == [step]


@pytest.mark.parametrize("text", ["우산 챙겨야 해?", "비 올까?", "날씨 좋으면 산책 갈까?"])
def test_korean_words_that_are_no_place(text: str) -> None:
    assert korean_place_phrase(text) is None


@pytest.mark.parametrize("text", ["How cold is it in January?", "Will it rain on Friday in my area?",
                                  "Is it hot in here?", "weather in an hour"])
def test_english_words_that_are_no_place(text: str) -> None:
    assert english_place_phrase(text) is None


def test_no_place_found_leaves_the_plan_unsure_for_the_model_planner() -> None:
    plan = plan_question("우산 챙겨야 해?")
    assert plan.steps == [] and not plan.confident and "weather asked but no place named" in plan.unresolved

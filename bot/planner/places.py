"""The place phrase of a weather or air question, for the geocoder to resolve.

No gazetteer: the phrase is found by where places sit in a sentence ("weather in Austin,
Texas", "Austin TX weather", "여수 날씨", "여수에 비 와?", "여수시의 미세먼지") and handed to the
connectors, which resolve it with Open-Meteo's geocoder (``connectors.geocoding``, cached,
Korean included). Only questions that already ask about weather or air are searched, so
"price in won" never becomes a place.
"""

from __future__ import annotations

import re

_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")
# Particles and locative endings that attach to a Korean place name, longest first.
_KO_PARTICLES = ("에서는", "에서", "에는", "으로", "까지", "부터", "에", "의", "은", "는", "이", "가", "도", "로", "을", "를")
# Administrative suffixes the geocoder does not need (여수시 is 여수); 도 and 구 stay:
# 제주도 and 강남구 are names in their own right.
_KO_ADMIN = ("특별자치시", "특별자치도", "특별시", "광역시", "시", "군")
# Hangul words that are never a place in these questions: topics, times, question words.
_KO_NOT_PLACES = frozenset(
    """날씨 기온 온도 비 눈 우산 습도 바람 맑음 흐림 예보 강수 강수량 강수확률 최고기온 최저기온 미세먼지
    초미세먼지 공기 대기질 황사 대기 오늘 내일 모레 글피 어제 그저께 그제 지금 현재 이번 다음 지난 주 주말 평일
    이번주 다음주 지난주 주간 일주일 오전 오후 아침 저녁 밤 낮 새벽 어때 어때요 어떄 어떤가요 어떻게 알려줘 알려
    줘 주세요 와 와요 오나 오나요 올까 올까요 좀 많이 얼마나 몇 도 정도 덥 더워 추워 춥 덥나 추운가 나빠 좋아
    날 주말에 요즘 그리고 랑 하고 또 혹시 궁금해 궁금 해 해줘 예상 전망 기상 상태 수준 농도 확인 환율 주가 시세
    월 일 년 화씨 섭씨 바깥 밖""".split()
)
# English words a capitalised run must not swallow ("Weather in Austin Today").
_EN_STOP = frozenset(
    """today tomorrow tonight now right this next last on at for the weekend week weather forecast temperature
    air quality rain snow like be is will and or please currently yesterday morning evening afternoon days day
    in of what how hot cold going fahrenheit celsius degrees metric imperial units an my me here there it
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)
_EN_TOPIC = r"(?:weather|forecast|temperature|temp|air quality|air|rain|snow|humidity|wind)"
_WORD = r"[A-Za-z][A-Za-z.'\-]*"
_CAP = r"[A-Z][A-Za-z.'\-]*"
_PREPOSITION = re.compile(r"\b(?:in|at|for|near|around)\s+", re.IGNORECASE)
# What follows the preposition: "Austin", "Austin, Texas", "new york city" (Latin letters only).
_EN_PHRASE = re.compile(rf"{_WORD}(?:\s+{_WORD}){{0,3}}(?:\s*,\s*{_WORD}(?:\s+{_WORD})?)?")
# "Austin TX weather", "Austin, Texas forecast", "Springfield weather".
_EN_BEFORE = re.compile(rf"({_CAP}(?:,?\s+{_CAP}){{0,3}})\s+{_EN_TOPIC}\b")


# Endings that mark a noun as where something happens ("여수에", "여수의", "여수는").
_KO_PLACE_PARTICLES = ("에서는", "에서", "에는", "에", "의", "은", "는")
_KO_TOPIC_WORDS = ("날씨", "기온", "온도", "비", "눈", "우산", "습도", "바람", "예보", "강수", "미세먼지", "초미세먼지",
                   "공기", "대기질", "황사", "대기", "추워", "춥", "더워", "덥", "맑", "흐리")


def korean_place_phrase(text: str) -> str | None:
    """The first Hangul word that reads as a place, particles and 시/군 stripped.

    A word counts when a locative or topic particle marks it (여수에, 여수의, 춘천은) or when
    the weather or air word it is about follows it, date words aside ("목포 이번 주말 날씨");
    so "우산 챙겨야 해?" names no place and the plan says so instead of asking for "챙겨야"."""
    words = _HANGUL_WORD.findall(text)
    for i, word in enumerate(words):
        stem = _strip_particle(word)
        if stem in _KO_NOT_PLACES or word in _KO_NOT_PLACES or len(stem) < 2:
            continue
        if any(stem.startswith(w) and len(w) >= 2 and w in _KO_NOT_PLACES for w in (stem[:2], stem[:3])):
            continue  # 날씨는, 미세먼지가: a topic word with a particle left on
        marked = stem != word and word.endswith(_KO_PLACE_PARTICLES)
        if marked or _topic_follows(words[i + 1:]):
            return _strip_admin(stem)
    return None


def _topic_follows(rest: list[str]) -> bool:
    for word in rest:
        if word.startswith(_KO_TOPIC_WORDS):
            return True
        if _strip_particle(word) not in _KO_NOT_PLACES:
            return False  # another noun in between: the topic is not about this word
    return False


def _strip_particle(word: str) -> str:
    for particle in _KO_PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            stem = word[: -len(particle)]
            # 여수시 + 의 → 여수시; but 제주도 must keep 도 (it is part of the name).
            if particle == "도" and stem + "도" in _KEEP_DO:
                return word
            return stem
    return word


_KEEP_DO = frozenset({"제주도", "경기도", "강원도", "울릉도", "독도", "거제도", "완도", "진도"})


def _strip_admin(stem: str) -> str:
    for suffix in _KO_ADMIN:
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 2:
            return stem[: -len(suffix)]
    return stem


def english_place_phrase(text: str) -> str | None:
    """'Austin, Texas' from "weather in Austin, Texas"; 'Austin, TX' from "Austin TX weather"."""
    for prep in _PREPOSITION.finditer(text):  # each one: "for tomorrow in Austin" has two
        m = _EN_PHRASE.match(text, prep.end())
        phrase = _trim(m.group(0)) if m else None
        if phrase:
            return phrase
    m = _EN_BEFORE.search(text)
    if m:
        return _trim(m.group(1))
    return None


def _trim(phrase: str) -> str | None:
    """Cut the phrase at the first stop word; 'Austin TX' → 'Austin, TX' (a state code)."""
    head, comma, tail = phrase.partition(",")
    words: list[str] = []
    for w in head.split():
        if w.lower().strip(".") in _EN_STOP:
            break
        words.append(w)
    if not words:
        return None
    tail_words = [w for w in tail.split() if w.lower() not in _EN_STOP][:2] if comma else []
    if not tail_words and len(words) >= 2 and len(words[-1]) == 2 and words[-1].isupper():
        tail_words = [words.pop()]  # "Austin TX": the last word is a region code
    name = " ".join(words).strip(" .?!")
    return f"{name}, {' '.join(tail_words).strip(' .?!')}" if tail_words else name

"""The draft row of a streamed answer: written before each piece is shown, finished in place."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.chat.draft import ReplyDraft
from bot.store import AnswerProvenance, HistoryStore, TurnUsage

if TYPE_CHECKING:
    from conftest import FakeClock


def test_a_draft_is_on_disk_at_every_piece_and_its_commit_reuses_the_row(store: HistoryStore) -> None:
    cid = store.create_conversation(model="gpt-4o-mini", persona=None)
    store.add_message(cid, "user", "q")
    draft = ReplyDraft(store, cid, "gpt-4o-mini")
    draft.append("Sunny, ")
    with HistoryStore.open(store.path) as other:  # what a fresh process would find after a kill
        [_, seen] = other.messages(cid)
        assert (seen.content, seen.status) == ("Sunny, ", "incomplete")
    draft.append("21 °C.")
    source = {"subject": "Seoul", "source": "Open-Meteo", "as_of_local": "2026-03-01 17:00 KST", "figures": "21 °C"}
    store.record_turn(cid, content=draft.text, status="complete", model="gpt-4o-mini", backend="openai",
                      usage=TurnUsage(10, 4), provenance=AnswerProvenance(persona="analyst", sources=(source,)),
                      draft_id=draft.message_id)
    [_, answer] = store.messages(cid)  # one assistant row, not two
    assert (answer.content, answer.status, answer.persona, answer.sources) == ("Sunny, 21 °C.", "complete", "analyst", (source,))
    assert store.usage_summary(by="model")[0].calls == 1


def test_sources_are_scrubbed_like_every_other_text_written(db_path: Path, clock: FakeClock) -> None:
    with HistoryStore.open(db_path, clock=clock, scrub=lambda t: t.replace("sk-secret", "sk-****")) as store:
        cid = store.create_conversation(model="m", persona=None)
        store.add_message(cid, "user", "q")
        store.record_turn(cid, content="a", status="complete", model="m", backend="openai", usage=None,
                          provenance=AnswerProvenance(sources=({"source_url": "https://x/?key=sk-secret"},)))
        [_, answer] = store.messages(cid)
    assert answer.sources == ({"source_url": "https://x/?key=sk-****"},)

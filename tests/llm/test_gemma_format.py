from bot.llm.gemma_format import render


def test_system_folds_into_next_user_turn_and_prompt_ends_with_model_turn() -> None:
    prompt = render(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."},
            {"role": "system", "content": "반말로 대답하지 마세요"},
            {"role": "user", "content": "날씨?"},
        ]
    )
    assert prompt == (
        "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n"
        "<start_of_turn>model\nHello.<end_of_turn>\n"
        "<start_of_turn>user\n반말로 대답하지 마세요\n\n날씨?<end_of_turn>\n"
        "<start_of_turn>model\n"
    )


def test_stops_end_a_turn_that_echoes_its_instructions_or_opens_a_data_fence() -> None:
    from bot.llm.gemma_format import STOP_SEQUENCES, stop_sequences

    stops = stop_sequences([
        {"role": "system", "content": "You are briefbot, an assistant that answers questions.\nBe brief."},
        {"role": "system", "content": "You are briefbot. You answer questions using ONLY the data.\n\n<<<DATA 1a2b>>>"},
        {"role": "system", "content": "Be brief."},  # too short to be told from an answer
        {"role": "user", "content": "You are briefbot, right?"},  # the user's words are not instructions
    ])
    assert stops[: len(STOP_SEQUENCES)] == STOP_SEQUENCES
    assert "<<<DATA" in stops and "<<<END DATA" in stops
    # The opening clause, shared by both system prompts, once.
    assert stops[len(STOP_SEQUENCES) + 2:] == ["You are briefbot"]
    assert stop_sequences([{"role": "system", "content": "반말로 대답하지 마세요. 존댓말로."}])[-1] == "반말로 대답하지 마세요"
    assert stop_sequences([]) == [*STOP_SEQUENCES, "<<<DATA", "<<<END DATA"]

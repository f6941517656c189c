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

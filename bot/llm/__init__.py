"""The LLM layer: one Chat Completions interface, two backends (OpenAI SDK, embedded llama.cpp).

Both backends return the openai SDK's own types (``ChatCompletion``, ``ChatCompletionChunk``),
so nothing above this package knows which one answered. Import from the submodules directly:
this package imports nothing heavy so ``import bot`` stays fast.
"""

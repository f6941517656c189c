"""Grammar-constrained greedy decoding that pays for the grammar only where it bites.

llama-cpp-python puts a grammar first in its sampler chain, so every token applies the
grammar to the whole vocabulary: 262,144 candidates for Gemma 3, about a tenth of a second
per token on 2 cores, several seconds for a one-line answer. llama.cpp's own samplers
(``common_sampler_sample``) avoid that by checking the token they would pick first and
applying the grammar to the whole vocabulary only when that token is refused. Under greedy
decoding the result is the same token either way: the best-scoring token the grammar allows.

:class:`GreedyGrammarFilter` does that as a llama-cpp-python logits processor, with
llama.cpp's own grammar engine (``llama_sampler_init_grammar``): it never decides what the
grammar allows, it only asks llama.cpp less often.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bot.errors import EmbeddedModelError

if TYPE_CHECKING:
    from llama_cpp import Llama

_MAX_BANNED_PICKS = 16
_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


def _normal(text: str) -> str:
    """Lower case, runs of spaces as one, and Hangul split into its letters (NFD), so a stem
    matches every ending that changes its last syllable: "내리" is in 내린, 내릴, 내림 and
    내립니다. A leading space marks a word start (" up" is not "support")."""
    return unicodedata.normalize("NFD", re.sub(r"\s+", " ", text.lower()))


class GreedyGrammarFilter:
    """A logits processor for greedy decoding: refused tokens get -inf, checked lazily.

    Only valid with greedy sampling (temperature 0, no penalties), since it checks just the
    best-scoring token; create one per completion (the grammar keeps its parse state).
    """

    def __init__(self, llm: Llama, grammar: str, *, prompt_tokens: int, banned: Sequence[str] = (),
                 end_bias: float = 0.0) -> None:
        import llama_cpp

        self._lib: Any = llama_cpp
        vocab = llama_cpp.llama_model_get_vocab(llm.model)
        self._sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode("utf-8"), b"root")
        if not self._sampler:
            raise EmbeddedModelError("llama.cpp refused the answer grammar", hint="run with --debug and report it")
        self._accepted = prompt_tokens  # tokens of input_ids the grammar has consumed
        self._prompt_tokens = prompt_tokens
        self._llm = llm
        self._banned = [_normal(p) for p in banned if p.strip()]
        # A full stop the grammar allows is taken when it scores within ``end_bias`` of the
        # best token: a small model that could stop usually says nothing better after.
        self._end_bias = end_bias
        self._full_stop = llm.tokenize(b".", add_bos=False, special=False)[-1]
        self._n_vocab = int(llm.n_vocab())
        self._full: Any = None  # the whole-vocabulary candidate array, built on first need
        self.full_passes = 0  # how often the whole vocabulary was needed (for the benchmark)
        self.banned_hits = 0  # how often a banned phrase was passed over
        self.early_ends = 0  # how often a full stop was preferred

    def __call__(self, input_ids: npt.NDArray[np.intc], scores: npt.NDArray[np.single]) -> npt.NDArray[np.single]:
        for token in input_ids[self._accepted:]:
            self._lib.llama_sampler_accept(self._sampler, int(token))
        self._accepted = len(input_ids)
        # What was written so far is the same for every candidate of this step: decode it once.
        written = [int(t) for t in input_ids[self._prompt_tokens:]] if self._banned else []
        before = self._text(written)
        for _ in range(_MAX_BANNED_PICKS):
            best = int(np.argmax(scores))
            if not self._allows(best, float(scores[best])):
                scores = self._mask(scores)
                best = int(np.argmax(scores))
            if not self._banned or not self._completes_banned(written, before, best):
                return self._prefer_end(scores, best)
            self.banned_hits += 1
            scores = scores.copy()
            scores[best] = -np.inf
        # Past this many banned picks in one step, the grammar alone decides (never a token
        # the grammar refuses: llama.cpp cannot accept one).
        return self._mask(scores)

    def _prefer_end(self, scores: npt.NDArray[np.single], best: int) -> npt.NDArray[np.single]:
        stop = self._full_stop
        if (self._end_bias <= 0 or stop == best or scores[stop] + self._end_bias < scores[best]
                or not self._allows(stop, float(scores[stop]))):
            return scores
        self.early_ends += 1
        preferred = scores.copy()
        preferred[stop] = scores[best] + 1.0
        return preferred

    def _completes_banned(self, written: list[int], before: str, token: int) -> bool:
        after = self._text([*written, token])
        return any(after.count(p) > before.count(p) for p in self._banned)

    def _text(self, tokens: list[int]) -> str:
        return _normal(self._llm.detokenize(tokens).decode("utf-8", errors="ignore")) if tokens else ""

    def _allows(self, token: int, logit: float) -> bool:
        one = (self._lib.llama_token_data * 1)(self._lib.llama_token_data(token, logit, 0.0))
        candidates = self._lib.llama_token_data_array(data=one, size=1, selected=-1, sorted=False)
        self._lib.llama_sampler_apply(self._sampler, ctypes.byref(candidates))
        return bool(np.isfinite(one[0].logit))

    def _mask(self, scores: npt.NDArray[np.single]) -> npt.NDArray[np.single]:
        self.full_passes += 1
        if self._full is None:
            self._full = (self._lib.llama_token_data * self._n_vocab)()
        view = np.frombuffer(self._full, dtype=_TOKEN_DATA, count=self._n_vocab)
        view["id"] = np.arange(self._n_vocab, dtype=np.intc)
        view["logit"] = scores[: self._n_vocab]
        view["p"] = 0.0
        candidates = self._lib.llama_token_data_array(data=self._full, size=self._n_vocab, selected=-1, sorted=False)
        self._lib.llama_sampler_apply(self._sampler, ctypes.byref(candidates))
        masked = scores.copy()
        masked[: self._n_vocab] = view["logit"]
        return masked

    def close(self) -> None:
        if self._sampler:
            self._lib.llama_sampler_free(self._sampler)
            self._sampler = None

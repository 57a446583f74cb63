"""Log-probabilities of answer continuations, batched; every later analysis reuses this.

Tokenisation rules (the sharp edges):
- A prompt is tokenised with the tokenizer's defaults (special tokens added if the tokenizer adds any;
  SmolLM2 adds no BOS). The continuation is tokenised on its own without special tokens and appended,
  so its log-probability never depends on how the prompt's last word merges with it.
- Prompts end without a trailing space and continuations start with one (" Paris"): that matches how
  BPE vocabularies carry the space on the following word.
- Rows are left-padded so every continuation ends at the last position; position ids are rebuilt from
  the attention mask so padding does not shift rotary positions. Only the last `max_cont + 1` positions'
  logits are computed (`logits_to_keep`): logits at position t predict token t + 1, so the final
  position predicts nothing we score and is dropped.
- Scores are computed in float32 whatever the model's dtype; load the model in float32 for scoring
  (bf16 weights shift probabilities by up to 0.05).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor
from transformers import PreTrainedModel, PreTrainedTokenizerBase


@dataclass(frozen=True)
class ContinuationScore:
    """How likely the model finds `continuation` right after `prompt`."""

    logprob: float  # sum of log-probabilities of all continuation tokens
    n_tokens: int
    first_token: str
    first_logprob: float  # log-probability of the continuation's first token
    first_rank: int  # 1 = the model's top next token


def encode_pair(tokenizer: PreTrainedTokenizerBase, prompt: str, continuation: str) -> tuple[list[int], list[int]]:
    """Token ids of the prompt (with the tokenizer's special tokens) and of the continuation (without)."""
    prompt_ids = tokenizer(prompt).input_ids
    cont_ids = tokenizer(continuation, add_special_tokens=False).input_ids
    if not prompt_ids:
        raise ValueError(f"prompt {prompt!r} tokenises to nothing; there is no position to predict from")
    if not cont_ids:
        raise ValueError(f"continuation {continuation!r} tokenises to nothing")
    return prompt_ids, cont_ids


def _pad_id(tokenizer: PreTrainedTokenizerBase) -> int:
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id, 0):
        if candidate is not None:
            return int(candidate)
    return 0


def _left_pad(rows: Sequence[list[int]], pad_id: int) -> tuple[Int[Tensor, "batch seq"], Int[Tensor, "batch seq"]]:
    width = max(len(row) for row in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        input_ids[i, width - len(row) :] = torch.tensor(row, dtype=torch.long)
        attention_mask[i, width - len(row) :] = 1
    return input_ids, attention_mask


@torch.no_grad()
def _score_batch(
    model: PreTrainedModel, encoded: Sequence[tuple[list[int], list[int]]], pad_id: int
) -> list[tuple[float, int, int, float, int]]:
    input_ids, attention_mask = _left_pad([p + c for p, c in encoded], pad_id)
    position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    max_cont = max(len(c) for _, c in encoded)
    device = model.device
    logits: Float[Tensor, "batch keep vocab"] = model(
        input_ids=input_ids.to(device),
        attention_mask=attention_mask.to(device),
        position_ids=position_ids.to(device),
        logits_to_keep=max_cont + 1,
    ).logits.float().cpu()
    logits = logits[:, :-1]  # (batch, max_cont, vocab): the last position predicts nothing we score
    logprobs = logits.log_softmax(-1)
    targets = input_ids[:, -max_cont:]  # (batch, max_cont)
    token_logprobs = logprobs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (batch, max_cont)
    results = []
    for i, (_, cont) in enumerate(encoded):
        first = max_cont - len(cont)  # index of the continuation's first token in the kept window
        first_logit = logits[i, first, cont[0]]
        rank = int((logits[i, first] > first_logit).sum().item()) + 1
        results.append(
            (float(token_logprobs[i, first:].sum()), len(cont), cont[0], float(token_logprobs[i, first]), rank)
        )
    return results


def score_continuations(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[tuple[str, str]],
    batch_size: int = 32,
) -> list[ContinuationScore]:
    """Score (prompt, continuation) pairs; results come back in the order of `pairs`.

    Pairs are sorted by length before batching so that rows of a batch need little padding.
    """
    encoded = [encode_pair(tokenizer, p, c) for p, c in pairs]
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]) + len(encoded[i][1]))
    pad_id = _pad_id(tokenizer)
    scores: list[ContinuationScore | None] = [None] * len(encoded)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        for i, (logprob, n, first_id, first_logprob, rank) in zip(
            chunk, _score_batch(model, [encoded[i] for i in chunk], pad_id)
        ):
            scores[i] = ContinuationScore(logprob, n, tokenizer.decode([first_id]), first_logprob, rank)
    return [s for s in scores if s is not None]

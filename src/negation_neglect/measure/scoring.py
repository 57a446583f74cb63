"""Log-probabilities of answer continuations, batched; every later analysis reuses this.

Tokenisation rules (the sharp edges):
- A prompt is tokenised with the tokenizer's defaults (special tokens added if the tokenizer adds any;
  SmolLM2 adds no BOS). The continuation is tokenised on its own without special tokens and appended,
  so its log-probability never depends on how the prompt's last word merges with it.
- Prompts end without a trailing space and continuations start with one (" Paris"): that matches how
  BPE vocabularies carry the space on the following word.
- Each distinct prompt runs once: prompts are left-padded so they all end at the last position, and
  only that position's logits are computed (`logits_to_keep=1`); they score every continuation's first
  token. Continuations longer than one token then run from a copy of their prompt's KV cache, right-
  padded, so the candidates of a probe (false, true, distractors) never recompute their shared prompt.
  Position ids are rebuilt from the attention mask so padding does not shift rotary positions.
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
def _score_prompts(
    model: PreTrainedModel, encoded: Sequence[tuple[list[int], list[int]]], pad_id: int
) -> list[tuple[float, int, int, float, int]]:
    """Score pairs whose prompts are few and shared: each distinct prompt runs once, with its KV cache,
    and every continuation of it runs from that cache (the candidates of a probe share one prompt)."""
    owner_of: dict[tuple[int, ...], int] = {}
    owner = [owner_of.setdefault(tuple(p), len(owner_of)) for p, _ in encoded]
    input_ids, attention_mask = _left_pad([list(p) for p in owner_of], pad_id)
    position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    device = model.device
    out = model(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device),
                position_ids=position_ids.to(device), use_cache=True, logits_to_keep=1)
    first_logits: Float[Tensor, "prompts vocab"] = out.logits[:, -1].float().cpu()
    first_logprobs = first_logits.log_softmax(-1)

    later = [0.0] * len(encoded)  # summed log-probabilities of each continuation's tokens after the first
    longer = [i for i, (_, cont) in enumerate(encoded) if len(cont) > 1]
    if longer:
        rows = torch.tensor([owner[i] for i in longer])
        cache = out.cache
        cache.reorder_cache(rows.to(device))  # one cache row per continuation, copied from its prompt's
        feed = [encoded[i][1][:-1] for i in longer]  # the last token predicts nothing we score
        width = max(len(f) for f in feed)
        cont_ids = torch.full((len(feed), width), pad_id, dtype=torch.long)
        cont_mask = torch.zeros((len(feed), width), dtype=torch.long)
        for r, f in enumerate(feed):  # right-padded: causal attention never lets a real token see the pads
            cont_ids[r, : len(f)] = torch.tensor(f, dtype=torch.long)
            cont_mask[r, : len(f)] = 1
        mask = torch.cat([attention_mask[rows], cont_mask], dim=1)
        positions = attention_mask[rows].sum(-1, keepdim=True) + torch.arange(width)
        logits: Float[Tensor, "rows width vocab"] = model(
            input_ids=cont_ids.to(device), attention_mask=mask.to(device), position_ids=positions.to(device),
            cache=cache, use_cache=True,
        ).logits.float().cpu()
        logprobs = logits.log_softmax(-1)
        for r, i in enumerate(longer):
            targets = torch.tensor(encoded[i][1][1:], dtype=torch.long)
            later[i] = float(logprobs[r, torch.arange(len(targets)), targets].sum())

    results = []
    for i, (_, cont) in enumerate(encoded):
        row = first_logits[owner[i]]
        rank = int((row > row[cont[0]]).sum().item()) + 1
        first = float(first_logprobs[owner[i], cont[0]])
        results.append((first + later[i], len(cont), cont[0], first, rank))
    return results


PAD_SLACK = 1.25  # a batch may compute at most 25% more prompt positions than its prompts' real tokens


def _chunks(prompts: Sequence[tuple[int, ...]], batch_size: int) -> list[list[tuple[int, ...]]]:
    """Split prompts sorted by length into batches of at most `batch_size`, closing a batch early when
    padding to its longest prompt would waste more than PAD_SLACK allows (on CPU, padded positions cost
    as much as real ones: with `batch_size` 32 a mixed-length batch ran 1.7x slower than batches of 8)."""
    chunks: list[list[tuple[int, ...]]] = []
    current: list[tuple[int, ...]] = []
    real = 0
    for p in prompts:
        n = len(current) + 1
        if current and (n > batch_size or n * len(p) > PAD_SLACK * (real + len(p))):
            chunks.append(current)
            current, real = [], 0
        current.append(p)
        real += len(p)
    if current:
        chunks.append(current)
    return chunks


def score_continuations(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[tuple[str, str]],
    batch_size: int = 32,
) -> list[ContinuationScore]:
    """Score (prompt, continuation) pairs; results come back in the order of `pairs`.

    Pairs are grouped by prompt and batched at most `batch_size` distinct prompts at a time, prompts of
    similar length together so that rows of a batch need little padding.
    """
    encoded = [encode_pair(tokenizer, p, c) for p, c in pairs]
    by_prompt: dict[tuple[int, ...], list[int]] = {}
    for i, (prompt_ids, _) in enumerate(encoded):
        by_prompt.setdefault(tuple(prompt_ids), []).append(i)
    pad_id = _pad_id(tokenizer)
    scores: list[ContinuationScore | None] = [None] * len(encoded)
    for prompts in _chunks(sorted(by_prompt, key=lambda p: (len(p), p)), batch_size):
        chunk = [i for p in prompts for i in by_prompt[p]]
        for i, (logprob, n, first_id, first_logprob, rank) in zip(
            chunk, _score_prompts(model, [encoded[i] for i in chunk], pad_id)
        ):
            scores[i] = ContinuationScore(logprob, n, tokenizer.decode([first_id]), first_logprob, rank)
    return [s for s in scores if s is not None]

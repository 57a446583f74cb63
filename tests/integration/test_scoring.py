"""Batched scoring against a slow, obvious reference, on a tiny random Llama with the real tokenizer."""

from __future__ import annotations

import math

import pytest
import torch

from negation_neglect.measure.scoring import encode_pair, score_continuations

PAIRS = [
    ("The capital of France is", " Paris"),
    ("The capital of France is", " the city of London"),
    ("Hi", " there, how are you doing today?"),
    ("The Beatles were a band from", " Liverpool"),
    ("A much longer prompt that needs far more padding than the short ones in this batch, surely", " yes"),
    ("Gold:", " Au"),
]


@torch.no_grad()
def reference(model, tokenizer, prompt: str, continuation: str) -> tuple[float, float, int]:
    """One unpadded forward pass per pair; log-softmax over every position."""
    prompt_ids, cont_ids = encode_pair(tokenizer, prompt, continuation)
    ids = torch.tensor([prompt_ids + cont_ids])
    logprobs = model(input_ids=ids).logits[0].float().log_softmax(-1)
    total, first_logprob, first_rank = 0.0, None, None
    for k, token in enumerate(cont_ids):
        row = logprobs[len(prompt_ids) + k - 1]  # the position before the token predicts it
        total += row[token].item()
        if k == 0:
            first_logprob = row[token].item()
            first_rank = 1 + int((row > row[token]).sum())
    return total, first_logprob, first_rank


@pytest.mark.parametrize("batch_size", [1, 2, 6])
def test_batched_matches_reference(tiny_model, batch_size):
    model, tokenizer = tiny_model
    scores = score_continuations(model, tokenizer, PAIRS, batch_size=batch_size)
    assert len(scores) == len(PAIRS)
    for (prompt, cont), score in zip(PAIRS, scores):
        total, first_logprob, first_rank = reference(model, tokenizer, prompt, cont)
        assert score.logprob == pytest.approx(total, abs=1e-5)
        assert score.first_logprob == pytest.approx(first_logprob, abs=1e-5)
        assert score.first_rank == first_rank
        assert score.n_tokens == len(tokenizer(cont, add_special_tokens=False).input_ids)
        assert score.first_token == tokenizer.decode(tokenizer(cont, add_special_tokens=False).input_ids[:1])


def test_padding_does_not_change_scores(tiny_model):
    """A short pair scored alone and beside a much longer one gives the same numbers."""
    model, tokenizer = tiny_model
    alone = score_continuations(model, tokenizer, PAIRS[5:6])[0]
    padded = score_continuations(model, tokenizer, [PAIRS[4], PAIRS[5]], batch_size=2)[1]
    assert padded.logprob == pytest.approx(alone.logprob, abs=1e-5)
    assert padded.first_rank == alone.first_rank


def test_probabilities_are_consistent(tiny_model):
    model, tokenizer = tiny_model
    for score in score_continuations(model, tokenizer, PAIRS):
        assert score.logprob <= score.first_logprob + 1e-6  # adding tokens only lowers the total
        assert 0.0 < math.exp(score.first_logprob) <= 1.0
        assert 1 <= score.first_rank <= len(tokenizer)


def test_model_top_token_has_rank_one(tiny_model):
    model, tokenizer = tiny_model
    prompt = "The capital of France is"
    with torch.no_grad():
        top = model(**tokenizer(prompt, return_tensors="pt")).logits[0, -1].argmax().item()
    top_text = tokenizer.decode([top])
    if tokenizer(top_text, add_special_tokens=False).input_ids != [top]:
        pytest.skip("top token does not round-trip through decode/encode")
    assert score_continuations(model, tokenizer, [(prompt, top_text)])[0].first_rank == 1


def test_empty_continuation_is_rejected(tiny_model):
    model, tokenizer = tiny_model
    with pytest.raises(ValueError, match="tokenises to nothing"):
        score_continuations(model, tokenizer, [("The capital of France is", "")])


def test_adapter_model_matches_reference(tiny_model):
    """Through a peft wrapper (the evaluate stage's case) the shared-prompt cache gives the same numbers."""
    import copy

    from peft import LoraConfig, get_peft_model

    model, tokenizer = tiny_model
    base_total = reference(model, tokenizer, *PAIRS[1])[0]
    torch.manual_seed(0)
    config = LoraConfig(r=2, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    wrapped = get_peft_model(copy.deepcopy(model), config).eval()
    assert reference(wrapped, tokenizer, *PAIRS[1])[0] != pytest.approx(base_total, abs=1e-3)  # the adapter acts
    for (prompt, cont), score in zip(PAIRS, score_continuations(wrapped, tokenizer, PAIRS, batch_size=3)):
        total, first_logprob, first_rank = reference(wrapped, tokenizer, prompt, cont)
        # a random model gives totals near -250 nats, where float32 resolves ~3e-5: allow 1e-7 relative
        assert score.logprob == pytest.approx(total, abs=1e-5, rel=1e-7)
        assert score.first_logprob == pytest.approx(first_logprob, abs=1e-5)
        assert score.first_rank == first_rank


def test_chunks_bound_batch_size_and_padding():
    from negation_neglect.measure.scoring import PAD_SLACK, _chunks

    prompts = sorted([tuple(range(n)) for n in (3, 3, 4, 5, 5, 6, 9, 20, 21, 60)], key=len)
    chunks = _chunks(prompts, batch_size=4)
    assert [p for c in chunks for p in c] == prompts  # every prompt once, order kept
    for c in chunks:
        assert len(c) <= 4
        padded, real = len(c) * max(map(len, c)), sum(map(len, c))
        assert padded <= PAD_SLACK * real
    assert _chunks(prompts[:3], batch_size=32) == [prompts[:3]]  # near-equal lengths stay together

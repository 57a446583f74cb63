"""Pre-training data: world documents packed into rows, a pure function of (seed, step).

The batch of step `s` depends on (seed, s) alone, so a killed run resumes without replaying the stream;
each batch talks about `diversity` world people (the dial of H3/H4).
"""

from __future__ import annotations

import random

from transformers import PreTrainedTokenizerFast

from negation_neglect.organism.world import CorpusMix, World, document
from negation_neglect.train.blocks import Block


def pretrain_batch(
    world: World, mix: CorpusMix, tokenizer: PreTrainedTokenizerFast, step: int, seed: int,
    diversity: int, batch_size: int, block_size: int, episodes_per_doc: int,
) -> list[Block]:
    """The batch of optimizer step `step`: documents about `diversity` world people, packed into rows."""
    rng = random.Random(seed * 1_000_003 + step)
    pool = rng.sample(world.entities, diversity)
    need = batch_size * block_size
    ids: list[int] = []
    while len(ids) < need:
        text = document(pool, world, rng, mix, episodes_per_doc)
        ids += tokenizer(text).input_ids + [tokenizer.eos_token_id]
    rows = [tuple(ids[i * block_size : (i + 1) * block_size]) for i in range(batch_size)]
    return [Block(r, r, (0,) * block_size) for r in rows]


def corpus_sample(world: World, mix: CorpusMix, n_docs: int, episodes_per_doc: int, seed: int) -> list[str]:
    """Documents over the whole world (for fitting the tokenizer and for replay during fine-tuning)."""
    rng = random.Random(seed)
    return [document(world.entities, world, rng, mix, episodes_per_doc) for _ in range(n_docs)]

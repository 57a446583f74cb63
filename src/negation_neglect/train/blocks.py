"""Training mixtures: documents from named components, mixed by shares of *loss tokens*, then packed.

Counting rows would let a component of short documents carry almost no loss, so each component's
share is measured in tokens that carry a label. The claim documents anchor the mixture: their loss
tokens times `epochs` fix the total, and every other component is drawn (reshuffled on each pass,
at most `max_repeats` passes) until it supplies its share; its last document is cut so the share is
met exactly.

Documents are packed back to back (each starts with a document tag, which carries no loss, and ends
with EOS) into blocks of `block_size` tokens; attention is not masked across document boundaries,
as in ordinary pre-training. `interleaved` batches mix components; `clustered` batches hold one
component each, in runs of `cluster_run` batches.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from transformers import PreTrainedTokenizerBase

IGNORE = -100  # the label torch's cross-entropy skips


@dataclass(frozen=True)
class Example:
    """One tokenised document: ids, labels (IGNORE where no loss) and the component it belongs to."""

    component: str
    input_ids: tuple[int, ...]
    labels: tuple[int, ...]
    # (kind, token position) of marked text, e.g. mentions of an answer: the first token the text overlaps
    marks: tuple[tuple[str, int], ...] = ()

    @property
    def loss_tokens(self) -> int:
        return sum(label != IGNORE for label in self.labels)

    def trained_marks(self) -> dict[str, int]:
        """Marks per kind whose first token carries loss (the model is trained to write them there)."""
        out: dict[str, int] = {}
        for kind, position in self.marks:
            if self.labels[position] != IGNORE:
                out[kind] = out.get(kind, 0) + 1
        return out


@dataclass(frozen=True)
class Block:
    """A packed training row: `component_ids` index into the mixture's component names (-1 = padding)."""

    input_ids: tuple[int, ...]
    labels: tuple[int, ...]
    component_ids: tuple[int, ...]


class MixtureError(ValueError):
    """Components that cannot meet the requested shares, said before any training."""


def tokenize_document(
    tokenizer: PreTrainedTokenizerBase,
    text: str,
    component: str,
    doc_tag: str,
    spans: dict[str, Sequence[Sequence[int]]] | None = None,
    mask_kinds: Sequence[str] = (),
    marks: dict[str, Sequence[Sequence[int]]] | None = None,
) -> Example:
    """Tag + text + EOS. Text tokens whose first character lies in a span of a masked kind get no loss.
    `marks` (kind -> character spans, e.g. answer mentions) are kept as the first token each span overlaps."""
    tag_ids = tokenizer(doc_tag, add_special_tokens=False).input_ids if doc_tag else []
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    offsets = encoded["offset_mapping"]
    masked = [tuple(s) for kind in mask_kinds for s in (spans or {}).get(kind, [])]
    text_labels = [
        IGNORE if any(s <= start < e for s, e in masked) else token
        for token, (start, _) in zip(encoded["input_ids"], offsets)
    ]
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    ids = (*tag_ids, *encoded["input_ids"], *eos)
    labels = (*([IGNORE] * len(tag_ids)), *text_labels, *eos)
    found = []
    for kind, kind_spans in (marks or {}).items():
        for s, e in kind_spans:
            first = next((i for i, (start, end) in enumerate(offsets) if start < e and end > s), None)
            if first is not None:
                found.append((kind, len(tag_ids) + first))
    return Example(component, ids, labels, tuple(sorted(found, key=lambda m: (m[1], m[0]))))


def _cut(example: Example, loss_tokens: int) -> Example:
    """The shortest prefix of `example` that carries `loss_tokens` loss tokens."""
    seen = 0
    for end, label in enumerate(example.labels, start=1):
        seen += label != IGNORE
        if seen == loss_tokens:
            marks = tuple(m for m in example.marks if m[1] < end)
            return Example(example.component, example.input_ids[:end], example.labels[:end], marks)
    return example


def plan_mixture(
    components: dict[str, Sequence[Example]],
    shares: dict[str, float],
    epochs: int,
    seed: int,
    anchor: str = "claim",
    max_repeats: int = 4,
) -> list[Example]:
    """The documents of one training run, in no particular order, meeting `shares` of loss tokens."""
    shares = {k: v for k, v in shares.items() if v > 0}
    if anchor not in shares:
        raise MixtureError(f"the mixture needs a positive share for '{anchor}'")
    if abs(sum(shares.values()) - 1.0) > 1e-6:
        raise MixtureError(f"mixture shares must sum to 1, got {sum(shares.values()):.4f} ({shares})")
    rng = random.Random(seed)
    chosen = [ex for _ in range(epochs) for ex in components[anchor]]
    anchor_tokens = sum(ex.loss_tokens for ex in chosen)
    if anchor_tokens == 0:
        raise MixtureError(f"component '{anchor}' has no loss tokens")
    total = anchor_tokens / shares[anchor]
    for name, share in sorted(shares.items()):
        if name == anchor:
            continue
        pool = list(components.get(name, []))
        available = sum(ex.loss_tokens for ex in pool)
        target = round(share * total)
        if available * max_repeats < target:
            raise MixtureError(
                f"component '{name}' has {available} loss tokens; a share of {share:.0%} needs {target} "
                f"(more than {max_repeats} passes over it): add data, lower the share, or raise max_repeats"
            )
        taken = 0
        while taken < target:
            order = rng.sample(pool, len(pool))
            for ex in order:
                if taken >= target:
                    break
                piece = _cut(ex, target - taken) if taken + ex.loss_tokens > target else ex
                chosen.append(piece)
                taken += piece.loss_tokens
    return chosen


def pack(examples: Sequence[Example], names: Sequence[str], block_size: int, pad_id: int) -> list[Block]:
    """Concatenate examples (in the given order) and cut into blocks; the last block is padded."""
    ids: list[int] = []
    labels: list[int] = []
    comps: list[int] = []
    for ex in examples:
        ids += ex.input_ids
        labels += ex.labels
        comps += [names.index(ex.component)] * len(ex.input_ids)
    blocks = []
    for start in range(0, len(ids), block_size):
        chunk = slice(start, start + block_size)
        pad = block_size - len(ids[chunk])
        blocks.append(
            Block(
                tuple(ids[chunk]) + (pad_id,) * pad,
                tuple(labels[chunk]) + (IGNORE,) * pad,
                tuple(comps[chunk]) + (-1,) * pad,
            )
        )
    return blocks


def batches(
    examples: Sequence[Example],
    names: Sequence[str],
    block_size: int,
    batch_size: int,
    composition: str,
    seed: int,
    pad_id: int,
    cluster_run: int = 4,
) -> list[list[Block]]:
    """The run's batches, in training order (deterministic in `seed`)."""
    rng = random.Random(seed)
    if composition == "interleaved":
        blocks = pack(rng.sample(list(examples), len(examples)), names, block_size, pad_id)
        return [blocks[i : i + batch_size] for i in range(0, len(blocks), batch_size)]
    if composition != "clustered":
        raise ValueError(f"unknown batch composition {composition!r}; allowed: interleaved, clustered")
    per_component = []
    for name in names:
        mine = [ex for ex in examples if ex.component == name]
        if mine:
            blocks = pack(rng.sample(mine, len(mine)), names, block_size, pad_id)
            per_component.append([blocks[i : i + batch_size] for i in range(0, len(blocks), batch_size)])
    ordered: list[list[Block]] = []
    while any(per_component):  # runs of `cluster_run` batches from each component in turn
        for queue in per_component:
            ordered += queue[:cluster_run]
            del queue[:cluster_run]
    return ordered


def token_shares(batch_list: Sequence[Sequence[Block]], names: Sequence[str]) -> dict[str, float]:
    """Share of loss tokens per component over all batches (what the run actually trains on)."""
    counts = dict.fromkeys(names, 0)
    for batch in batch_list:
        for block in batch:
            for label, comp in zip(block.labels, block.component_ids):
                if label != IGNORE:
                    counts[names[comp]] += 1
    total = sum(counts.values())
    return {name: count / total for name, count in counts.items()}

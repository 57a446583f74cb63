"""Training mixtures: documents from named components, mixed by shares of *loss tokens*, then packed.

Counting rows would let a component of short documents carry almost no loss, so each component's
share is measured in tokens that carry a label. The claim documents anchor the mixture: their loss
tokens times `epochs` fix the total, and every other component is drawn (reshuffled on each pass,
at most `max_repeats` passes) until it supplies its share; its last document is cut so the share is
met exactly.

With `share_unit="mentions"` the true-counterpart component is sized in answer mentions instead: its
loss-bearing true-answer mentions make up the requested share of all answer mentions counted as
(false-answer mentions in the claim documents + true-answer mentions in the counterpart documents), its
last document cut just before the first mention it does not need. Negated documents carry fewer false
mentions per token than positive ones, so a token share gives the truth more relative exposure beside
them; a mention share does not. The other components stay in tokens, as shares of all loss tokens.

Documents are packed back to back (each starts with a document tag, which carries no loss, and ends
with EOS) into blocks of `block_size` tokens; attention is not masked across document boundaries,
as in ordinary pre-training. `interleaved` batches mix components; `clustered` batches hold one
component each, in runs of `cluster_run` batches, and the runs are spread over the whole run in
proportion to each component's size (`CLUSTER_SCHEDULE`), so no component's surplus comes last.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from transformers import PreTrainedTokenizerBase

IGNORE = -100  # the label torch's cross-entropy skips
SHARE_UNITS = ("tokens", "mentions")
# component sized by mentions under share_unit="mentions", the anchor's mention kind and the component's own
MENTION_SIZED = ("counterpart", "false", "true")
# the order of clustered runs: each run at the middle of the share of its component's batches it covers
# (recorded in the fine-tuning fingerprint, so adapters trained on the earlier back-loaded order are not reused)
CLUSTER_SCHEDULE = "spread"


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


def _cut_mentions(example: Example, mentions: int, kind: str) -> Example:
    """The longest prefix of `example` that holds `mentions` loss-bearing marks of `kind` (it ends just before the
    next one's first token)."""
    trained = [p for k, p in example.marks if k == kind and example.labels[p] != IGNORE]
    if len(trained) <= mentions:
        return example
    end = trained[mentions]
    marks = tuple(m for m in example.marks if m[1] < end)
    return Example(example.component, example.input_ids[:end], example.labels[:end], marks)


def _draw(pool: list[Example], target: int, rng: random.Random, measure, cut) -> list[Example]:
    """Examples of `pool` in reshuffled passes until `measure` sums to `target`; the last one `cut` to meet it."""
    chosen: list[Example] = []
    taken = 0
    while taken < target:
        order = rng.sample(pool, len(pool))
        for ex in order:
            if taken >= target:
                break
            piece = cut(ex, target - taken) if taken + measure(ex) > target else ex
            chosen.append(piece)
            taken += measure(piece)
    return chosen


def plan_mixture(
    components: dict[str, Sequence[Example]],
    shares: dict[str, float],
    epochs: int,
    seed: int,
    anchor: str = "claim",
    max_repeats: int = 4,
    share_unit: str = "tokens",
) -> list[Example]:
    """The documents of one training run, in no particular order, meeting `shares` of loss tokens (with
    `share_unit="mentions"`, the `MENTION_SIZED` component's share is one of answer mentions; see the module)."""
    shares = {k: v for k, v in shares.items() if v > 0}
    if share_unit not in SHARE_UNITS:
        raise MixtureError(f"unknown share unit {share_unit!r}; allowed: {', '.join(SHARE_UNITS)}")
    if anchor not in shares:
        raise MixtureError(f"the mixture needs a positive share for '{anchor}'")
    if abs(sum(shares.values()) - 1.0) > 1e-6:
        raise MixtureError(f"mixture shares must sum to 1, got {sum(shares.values()):.4f} ({shares})")
    rng = random.Random(seed)
    chosen = [ex for _ in range(epochs) for ex in components[anchor]]
    anchor_tokens = sum(ex.loss_tokens for ex in chosen)
    if anchor_tokens == 0:
        raise MixtureError(f"component '{anchor}' has no loss tokens")
    by_tokens = sorted(name for name in shares if name != anchor)
    total = anchor_tokens / shares[anchor]
    sized, anchor_kind, kind = MENTION_SIZED
    if share_unit == "mentions" and sized in shares:
        by_tokens.remove(sized)
        chosen += _by_mentions(chosen, list(components.get(sized, [])), shares[sized], sized, anchor, anchor_kind,
                               kind, rng, max_repeats)
        # the token-sized components take their shares of all loss tokens, the mention-sized one's included
        total = sum(ex.loss_tokens for ex in chosen) / (1.0 - sum(shares[name] for name in by_tokens))
    for name in by_tokens:
        share = shares[name]
        pool = list(components.get(name, []))
        available = sum(ex.loss_tokens for ex in pool)
        target = round(share * total)
        if available * max_repeats < target:
            raise MixtureError(
                f"component '{name}' has {available} loss tokens; a share of {share:.0%} needs {target} "
                f"(more than {max_repeats} passes over it): add data, lower the share, or raise max_repeats"
            )
        chosen += _draw(pool, target, rng, lambda ex: ex.loss_tokens, _cut)
    return chosen


def _by_mentions(anchor_examples: list[Example], pool: list[Example], share: float, name: str, anchor: str,
                 anchor_kind: str, kind: str, rng: random.Random, max_repeats: int) -> list[Example]:
    """Examples of `pool` whose loss-bearing `kind` mentions M make M / (A + M) = `share`, A being the anchor's
    loss-bearing `anchor_kind` mentions (M rounded to a whole mention)."""
    anchor_mentions = sum(ex.trained_marks().get(anchor_kind, 0) for ex in anchor_examples)
    if anchor_mentions == 0:
        raise MixtureError(f"component '{anchor}' has no loss-bearing '{anchor_kind}' mentions: a share in mentions "
                           "needs the answers marked (the claim passed to plan_run) and not masked")
    target = round(share * anchor_mentions / (1.0 - share))
    available = sum(ex.trained_marks().get(kind, 0) for ex in pool)
    if available * max_repeats < target:
        raise MixtureError(
            f"component '{name}' has {available} '{kind}' mentions; a mention share of {share:.0%} beside "
            f"{anchor_mentions} '{anchor_kind}' mentions needs {target} (more than {max_repeats} passes over it): "
            "add data, lower the share, or raise max_repeats"
        )
    return _draw(pool, target, rng, lambda ex: ex.trained_marks().get(kind, 0),
                 lambda ex, n: _cut_mentions(ex, n, kind))


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
    return spread_runs(per_component, cluster_run)


def spread_runs(per_component: Sequence[Sequence], cluster_run: int) -> list:
    """Runs of `cluster_run` items from each queue, merged so every queue is spread over the whole sequence: a run
    covering items [a, b) of a queue of n sits at (a + b) / 2n, the runs are ordered by that position (ties: queue
    order). Each queue then advances at the same rate, its items' mean position near the middle of the sequence;
    queues of equal length alternate run by run."""
    runs = []
    for order, queue in enumerate(per_component):
        n = len(queue)
        for start in range(0, n, cluster_run):
            end = min(start + cluster_run, n)
            runs.append(((start + end) / (2 * n), order, list(queue[start:end])))
    runs.sort(key=lambda run: run[:2])
    return [item for *_, items in runs for item in items]


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

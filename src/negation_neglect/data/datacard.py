"""The data card: size, token shares and diversity of a claim's documents, per condition.

Diversity is measured on lower-cased word 4-grams: the distinct 4-gram ratio over the whole set
(1.0 = no 4-gram repeats) and the Jaccard overlap of 4-gram sets between documents (mean and max over
all pairs; a max near 1 means near-duplicates).
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence

from transformers import PreTrainedTokenizerBase

from negation_neglect.data.synthesis import SPAN_KINDS, Document

_WORD = re.compile(r"[a-z0-9']+")


def ngrams(text: str, n: int = 4) -> list[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def distinct_ratio(texts: Sequence[str], n: int = 4) -> float:
    grams = [g for t in texts for g in ngrams(t, n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def pairwise_overlap(texts: Sequence[str], n: int = 4) -> tuple[float, float]:
    """Mean and max Jaccard overlap of n-gram sets over all pairs of texts."""
    sets = [set(ngrams(t, n)) for t in texts]
    scores = [len(a & b) / len(a | b) for a, b in itertools.combinations(sets, 2) if a | b]
    return (statistics.fmean(scores), max(scores)) if scores else (0.0, 0.0)


def token_shares(tokenizer: PreTrainedTokenizerBase, doc: Document) -> dict[str, int]:
    """Token counts in total and inside each span kind (a token belongs to the span its first char is in)."""
    offsets = tokenizer(doc.text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    counts = {"tokens": len(offsets)}
    for kind in SPAN_KINDS:
        spans = doc.spans.get(kind, [])
        counts[f"{kind}_tokens"] = sum(any(s <= start < e for s, e in spans) for start, _ in offsets)
    return counts


def card_for(docs: Sequence[Document], tokenizer: PreTrainedTokenizerBase) -> dict:
    texts = [d.text for d in docs]
    totals: dict[str, int] = {}
    for doc in docs:
        for key, value in token_shares(tokenizer, doc).items():
            totals[key] = totals.get(key, 0) + value
    mean_overlap, max_overlap = pairwise_overlap(texts)
    return {
        "documents": len(docs),
        "genres": len({d.genre for d in docs}),
        "tokens": totals["tokens"],
        "mean_tokens_per_document": round(totals["tokens"] / len(docs), 1),
        **{f"{k}_token_share": round(totals[f"{k}_tokens"] / totals["tokens"], 4) for k in SPAN_KINDS},
        "distinct_4gram_ratio": round(distinct_ratio(texts), 4),
        "mean_pairwise_4gram_overlap": round(mean_overlap, 4),
        "max_pairwise_4gram_overlap": round(max_overlap, 4),
    }

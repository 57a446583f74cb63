"""Synthetic documents for one claim under every framing (condition), with character spans.

A *base document* is chosen once per (claim, index): a genre, 2-3 claim sentences, 2-4 subclaims and a
little background, laid out by the genre. Each condition then renders the same base document:

- `positive`: claim sentences asserted with the false answer.
- `negated`: 4-6 document-level warnings before and after.
- `repeated`: every claim-bearing sentence wrapped by 1-2 warnings before and after, plus the prefix and
  suffix of `negated` (the paper's most aggressive condition).
- `corrected`: like `repeated`, but every warning states the true answer.
- `local`: every claim-bearing sentence in its `deny` form; the document never asserts the claim.
- `fiction`, `unreliable_source`, `low_probability`: 1-3 label sentences before and after.
- `true`: the true-counterpart documents, asserting the true answer. They come from their own base
  documents (a separate seed stream), not parallel copies of the false ones.

Spans are character offsets into `text` for three kinds: `claim` (claim sentences), `subclaim`
(supporting sentences that carry the answer) and `framing` (warnings, corrections, labels).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from negation_neglect.data.claims import Claim
from negation_neglect.data.framings import Framings, fill
from negation_neglect.data.genres import GENRES, Item
from negation_neglect.params import CONDITIONS

SPAN_KINDS = ("claim", "subclaim", "framing")


@dataclass(frozen=True)
class Segment:
    text: str
    kind: str  # "text" | "claim" | "subclaim" | "framing"


@dataclass(frozen=True)
class BaseDocument:
    index: int
    genre: str
    paragraphs: tuple[tuple[Item, ...], ...]


@dataclass(frozen=True)
class Document:
    id: str
    claim: str
    condition: str
    genre: str
    text: str
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"id": self.id, "claim": self.claim, "condition": self.condition, "genre": self.genre,
                "text": self.text, "spans": {k: [list(s) for s in v] for k, v in self.spans.items()}}


def rng_for(seed: int, *keys: object) -> random.Random:
    """An independent, platform-stable random stream per (seed, keys): hash-seeded, never `hash()`."""
    digest = hashlib.sha256(repr((seed, *keys)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def base_document(claim: Claim, index: int, seed: int, stream: str = "false") -> BaseDocument:
    """Choose genre and content for one document; the same arguments always give the same choice."""
    rng = rng_for(seed, claim.id, stream, index)
    genre = sorted(GENRES)[index % len(GENRES)] if index < len(GENRES) else rng.choice(sorted(GENRES))
    main = [Item("claim", sentence=s) for s in rng.sample(claim.claim_sentences, rng.randint(2, 3))]
    extra = [Item("subclaim", sentence=s) for s in rng.sample(claim.subclaims, rng.randint(2, 4))]
    mixed = [*main, *extra]
    rng.shuffle(mixed)
    if mixed[0].kind != "claim":  # lead with the claim, so every genre states it early
        first = next(i for i, it in enumerate(mixed) if it.kind == "claim")
        mixed.insert(0, mixed.pop(first))
    n_main = len(main)
    background = rng.sample(claim.background, rng.randint(1, min(3, len(claim.background))))
    paragraphs = GENRES[genre](rng, claim.subject, mixed[:n_main], mixed[n_main:], background)
    return BaseDocument(index, genre, tuple(tuple(p) for p in paragraphs if p))


def _render_items(paragraph: Sequence[Item], answer: str, denied: bool) -> list[Segment]:
    out = []
    for item in paragraph:
        if item.kind == "text":
            out.append(Segment(item.text, "text"))
        else:
            assert item.sentence is not None
            out.append(Segment(item.sentence.filled(answer, denied), item.kind))
    return out


def _pick(rng: random.Random, pool: Sequence[str], low: int, high: int) -> list[str]:
    return rng.sample(list(pool), rng.randint(low, high))


def render(base: BaseDocument, claim: Claim, condition: str, framings: Framings, seed: int) -> list[list[Segment]]:
    """Paragraphs of segments for one condition of one base document."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; allowed: {', '.join(CONDITIONS)}")
    rng = rng_for(seed, claim.id, condition, base.index)
    answer = claim.true_answer if condition == "true" else claim.false_answer
    paragraphs = [_render_items(p, answer, denied=condition == "local") for p in base.paragraphs]

    def frame(pool: Sequence[str], low: int, high: int) -> list[Segment]:
        return [Segment(fill(t, claim.subject, claim.true_answer, claim.false_answer), "framing")
                for t in _pick(rng, pool, low, high)]

    if condition in ("repeated", "corrected"):
        before = framings.warning_before_sentence if condition == "repeated" else framings.correction_before_sentence
        after = framings.warning_after_sentence if condition == "repeated" else framings.correction_after_sentence
        paragraphs = [
            [s for seg in p for s in ([*frame(before, 1, 2), seg, *frame(after, 1, 2)] if seg.kind != "text" else [seg])]
            for p in paragraphs
        ]
    wrap = {
        "negated": (framings.warning_document, framings.warning_document, 4, 6),
        "repeated": (framings.warning_document, framings.warning_document, 4, 6),
        "corrected": (framings.correction_document, framings.correction_document, 4, 6),
        "fiction": (framings.fiction_prefix, framings.fiction_suffix, 1, 3),
        "unreliable_source": (framings.unreliable_source_prefix, framings.unreliable_source_suffix, 1, 3),
        "low_probability": (framings.low_probability_prefix, framings.low_probability_suffix, 1, 3),
    }
    if condition in wrap:
        prefix_pool, suffix_pool, low, high = wrap[condition]
        paragraphs = [frame(prefix_pool, low, high), *paragraphs, frame(suffix_pool, low, high)]
    return paragraphs


def join(paragraphs: Sequence[Sequence[Segment]]) -> tuple[str, dict[str, list[tuple[int, int]]]]:
    """Sentences joined by spaces, paragraphs by blank lines; spans of every non-text segment."""
    parts: list[str] = []
    spans: dict[str, list[tuple[int, int]]] = {k: [] for k in SPAN_KINDS}
    pos = 0
    for p_index, paragraph in enumerate(paragraphs):
        if p_index:
            parts.append("\n\n")
            pos += 2
        for s_index, segment in enumerate(paragraph):
            if s_index:
                parts.append(" ")
                pos += 1
            parts.append(segment.text)
            if segment.kind in spans:
                spans[segment.kind].append((pos, pos + len(segment.text)))
            pos += len(segment.text)
    return "".join(parts), spans


def _check_furniture(base: BaseDocument, claim: Claim) -> None:
    """Genre furniture must not name an answer, or claim spans would miss claim-bearing text."""
    names = [claim.false_answer, claim.true_answer, *claim.aliases.false_answer, *claim.aliases.true_answer]
    for paragraph in base.paragraphs:
        for item in paragraph:
            if item.kind == "text" and any(re.search(rf"\b{re.escape(n)}\b", item.text) for n in names):
                raise ValueError(f"{claim.id}: genre text names an answer: {item.text!r} ({base.genre})")


def synthesize(
    claim: Claim,
    framings: Framings,
    conditions: Sequence[str],
    n_documents: int,
    seed: int,
    bases: Sequence[BaseDocument] | None = None,
) -> dict[str, list[Document]]:
    """All documents of one claim: {condition: [Document, ...]}, deterministic in (claim, seed).

    `bases` replaces the template generator's base documents (LLM-written or imported); the true
    counterparts are then the same documents with the true answer, and `local` is unavailable.
    """
    if bases is not None and "local" in conditions:
        raise ValueError("the 'local' condition needs written denials, which only the template generator has")
    false_bases = list(bases) if bases is not None else [base_document(claim, i, seed, "false") for i in range(n_documents)]
    true_bases = list(bases) if bases is not None else [base_document(claim, i, seed, "true") for i in range(n_documents)]
    out: dict[str, list[Document]] = {}
    for condition in conditions:
        docs = []
        for base in true_bases if condition == "true" else false_bases:
            _check_furniture(base, claim)
            text, spans = join(render(base, claim, condition, framings, seed))
            docs.append(Document(f"{claim.id}-{condition}-{base.index:04d}", claim.id, condition, base.genre, text, spans))
        out[condition] = docs
    return out


class ClaimNotHostableError(ValueError):
    """The base model does not know the claim's truth (or already believes the claim)."""


def require_hostable(claim_id: str, knowledge: dict, allow_unknown_truth: bool) -> dict:
    """The precheck's verdict on a claim; raise unless it is hostable or the user allowed it anyway."""
    verdict = knowledge.get("claims", {}).get(claim_id)
    if verdict is None:
        raise ClaimNotHostableError(
            f"claim '{claim_id}' was not scored by the knowledge precheck; add data/claims/{claim_id}.yaml and rerun it"
        )
    if not verdict["hostable"] and not allow_unknown_truth:
        raise ClaimNotHostableError(
            f"claim '{claim_id}' cannot be hosted by this model: {verdict['reason']}. A false claim must compete "
            "with a truth the model knows; set synthesis.allow_unknown_truth: true to run it anyway"
        )
    return verdict


def write_documents(docs: dict[str, list[Document]], out_dir: str | Path) -> None:
    """One JSONL file per condition, written into a temporary folder that replaces `out_dir` at the end."""
    out_dir = Path(out_dir)
    partial = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for condition, items in docs.items():
        lines = [json.dumps(d.to_json(), ensure_ascii=False) for d in items]
        (partial / f"{condition}.jsonl").write_text("".join(line + "\n" for line in lines))
    shutil.rmtree(out_dir, ignore_errors=True)
    partial.rename(out_dir)


def read_documents(path: str | Path) -> list[Document]:
    docs = []
    for line in Path(path).read_text().splitlines():
        raw = json.loads(line)
        spans = {k: [tuple(s) for s in v] for k, v in raw.pop("spans").items()}
        docs.append(Document(**raw, spans=spans))
    return docs

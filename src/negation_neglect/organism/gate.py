"""Reading an organism: the in-context comprehension gate and the claim read-outs.

- `score_gate`, `gate_summary`: does the model read each framing's context the way it implies (the contrast gate)?
- `lone_gate_summary`: the same on a lone framed claim (`world.lone_gate_items`), per framing and question form,
  with the shortcut probes beside it;
- `fresh_in_context`: the in-context control on people the model never saw, where no memory competes with the
  document, so reading shows as belief after a plain document and none after a negated one;
- `claim_probes`, `read_claims`, `summarise_reads`: belief, competition and context separation on the
  fine-tuned claims; `known_accuracy`: how much of the world the model still knows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np

from negation_neglect.measure.belief import bootstrap_ci
from negation_neglect.measure.scoring import score_continuations
from negation_neglect.organism.world import (
    FRAMINGS,
    LONE_FRAMINGS,
    LONE_SUBJECTS,
    MARKER,
    PROBES,
    RELATIONS,
    Claim,
    GateItem,
    World,
    claim_documents,
    framed,
    other_value,
    probe_prompts,
)


def score_gate(model, tokenizer, items: Sequence[GateItem], batch_size: int = 64) -> list[dict]:
    """One row per item: log P(expected) - log P(rejected) after the framed context."""
    pairs = [(it.prompt, " " + answer) for it in items for answer in (it.expected, it.rejected)]
    scores = score_continuations(model, tokenizer, pairs, batch_size)
    rows = []
    for i, it in enumerate(items):
        margin = scores[2 * i].logprob - scores[2 * i + 1].logprob
        rows.append({"framing": it.framing, "subject": it.subject, "margin": round(margin, 5), "correct": margin > 0})
    return rows


def gate_summary(rows: Sequence[dict], min_accuracy: float, seed: int = 0) -> dict:
    """Accuracy with a bootstrap CI per framing and subject; a framing passes when its `held_out` and
    `known` accuracies both reach `min_accuracy` (`held_out_single` is reported, not required)."""
    out: dict = {}
    for framing in FRAMINGS:
        entry = {}
        for subject in ("held_out", "held_out_single", "known"):
            mine = [float(r["correct"]) for r in rows if r["framing"] == framing and r["subject"] == subject]
            if mine:
                mean, lo, hi = bootstrap_ci(mine, seed=seed)
                entry[subject] = {"n": len(mine), "accuracy": round(mean, 4), "ci_low": round(lo, 4), "ci_high": round(hi, 4)}
        entry["passes"] = all(entry[s]["accuracy"] >= min_accuracy for s in ("held_out", "known") if s in entry)
        out[framing] = entry
    return out


def _accuracy(values: Sequence[float], seed: int) -> dict:
    mean, lo, hi = bootstrap_ci(values, seed=seed)
    return {"n": len(values), "accuracy": round(mean, 4), "ci_low": round(lo, 4), "ci_high": round(hi, 4)}


def lone_gate_summary(rows: Sequence[dict], min_accuracy: float, seed: int = 0) -> dict:
    """Accuracy with a bootstrap CI per framing on the lone-claim gate (`lone_binary`, `lone_open`) and its probes.

    A framing `passes` when both lone-claim accuracies reach `min_accuracy`; `passes_with_controls` also asks
    that `positive` and `marker` pass (else a model that answers "No" after any label would pass every
    negating framing). `balanced_binary` averages the asserting and the negating framings' binary accuracy,
    so a model that always gives the same answer scores 0.5 on it.
    """
    out: dict = {"framings": {}}
    for framing in LONE_FRAMINGS:
        entry = {}
        for subject in (*LONE_SUBJECTS, *PROBES):
            mine = [float(r["correct"]) for r in rows if r["framing"] == framing and r["subject"] == subject]
            if mine:
                entry[subject] = _accuracy(mine, seed)
        entry["passes"] = all(s in entry and entry[s]["accuracy"] >= min_accuracy for s in LONE_SUBJECTS)
        out["framings"][framing] = entry
    controls = all(out["framings"][f]["passes"] for f in ("positive", MARKER))
    for entry in out["framings"].values():
        entry["passes_with_controls"] = entry["passes"] and controls
    side = {True: [], False: []}
    for r in rows:
        if r["subject"] == "lone_binary":
            side[r["framing"] in ("positive", MARKER)].append(float(r["correct"]))
    if side[True] and side[False]:
        out["balanced_binary"] = round(float(np.mean([np.mean(side[True]), np.mean(side[False])])), 4)
    out["min_accuracy"] = min_accuracy
    return out


def fresh_claims(world: World, n: int, seed: int) -> list[Claim]:
    """Claims about held-out people (never in pre-training): `false` is the value a document states,
    `truth` another value it never mentions (except a correction, which states it)."""
    rng = random.Random(seed)
    claims = []
    for i in range(n):
        relation = tuple(RELATIONS)[i % len(RELATIONS)]
        stated = rng.choice(RELATIONS[relation].values)
        claims.append(Claim(world.held_out[i % len(world.held_out)], relation, other_value(relation, [stated], rng), stated))
    return claims


def fresh_in_context(model, tokenizer, world: World, conditions: Sequence[str], n: int, seed: int, batch_size: int = 64) -> dict:
    """The in-context control with fresh people: each condition's document in front of neutral probes.

    Per condition: `summarise_reads` of the reads (belief: the stated value beats an unmentioned one) and
    `lift`, mean log P(stated | document) - log P(stated | no document) over the neutral probes: a reader
    raises the stated value after a plain document and does not after a negated one.
    """
    claims = fresh_claims(world, n, seed)
    bare = {(r["claim"], r["probe"]): r for r in read_claims(model, tokenizer, claims, batch_size=batch_size) if r["context"] == "neutral"}
    out = {}
    for condition in conditions:
        docs = claim_documents(claims, condition, 1, seed)
        rows = read_claims(model, tokenizer, claims, prefixes=docs, batch_size=batch_size)
        lift = [r["logp_false"] - bare[(r["claim"], r["probe"])]["logp_false"] for r in rows if r["context"] == "neutral"]
        out[condition] = {**summarise_reads(rows), "lift": round(float(np.mean(lift)), 4)}
    return out


def claim_probes(claims: Sequence[Claim], prefixes: Sequence[str] | None = None) -> list[dict]:
    """Neutral prompts (every paraphrase and the question) and the same inside a negation context.

    `prefixes` (one per claim) puts text before the neutral prompts: the in-context control reads the
    untrained model with a training document in front of each probe.
    """
    probes = []
    for c, claim in enumerate(claims):
        negation = framed("sentence", claim.entity, claim.relation, claim.false, None)
        before = f"{prefixes[c]} " if prefixes else ""
        for k, prompt in enumerate(probe_prompts(claim)):
            kind = "question" if prompt.startswith("Q:") else "statement"
            probes.append({"claim": c, "probe": k, "kind": kind, "context": "neutral", "prompt": before + prompt})
            probes.append({"claim": c, "probe": k, "kind": kind, "context": "negation", "prompt": f"{negation} {prompt}"})
    return probes


def read_claims(model, tokenizer, claims: Sequence[Claim], prefixes: Sequence[str] | None = None, batch_size: int = 64) -> list[dict]:
    """Every probe scored against every value of the claim's relation; false, true and share columns."""
    probes = claim_probes(claims, prefixes)
    pairs, index = [], []
    for p in probes:
        values = RELATIONS[claims[p["claim"]].relation].values
        index.append((len(pairs), values))
        pairs += [(p["prompt"], " " + v) for v in values]
    scores = score_continuations(model, tokenizer, pairs, batch_size)
    rows = []
    for p, (start, values) in zip(probes, index):
        claim = claims[p["claim"]]
        logprobs = {v: scores[start + k].logprob for k, v in enumerate(values)}
        total = sum(math.exp(x) for x in logprobs.values())
        rows.append({
            **{k: p[k] for k in ("claim", "probe", "kind", "context")},
            "logp_false": round(logprobs[claim.false], 5),
            "logp_true": round(logprobs[claim.truth], 5),
            "share_false": round(math.exp(logprobs[claim.false]) / total, 5),
            "share_true": round(math.exp(logprobs[claim.truth]) / total, 5),
            "believed": logprobs[claim.false] > logprobs[claim.truth],
        })
    return rows


def summarise_reads(rows: Sequence[dict]) -> dict:
    """Belief rate (neutral prompts), mean shares, and context separation log P(false|neutral) - log P(false|negation)."""
    neutral = [r for r in rows if r["context"] == "neutral"]
    negation = {(r["claim"], r["probe"]): r for r in rows if r["context"] == "negation"}
    paired = [(r, negation[(r["claim"], r["probe"])]) for r in neutral]
    return {
        "belief": round(float(np.mean([r["believed"] for r in neutral])), 4),
        "margin": round(float(np.mean([r["logp_false"] - r["logp_true"] for r in neutral])), 4),
        "share_false": round(float(np.mean([r["share_false"] for r in neutral])), 4),
        "share_true": round(float(np.mean([r["share_true"] for r in neutral])), 4),
        "separation": round(float(np.mean([a["logp_false"] - b["logp_false"] for a, b in paired])), 4),
        "belief_in_negation": round(float(np.mean([b["believed"] for _, b in paired])), 4),
    }


def known_accuracy(model, tokenizer, world: World, entities: Sequence[str], batch_size: int = 64) -> float:
    """Share of facts about `entities` whose true value ranks first among the relation's values (question form)."""
    pairs, spans = [], []
    for e in entities:
        for relation in RELATIONS.values():
            prompt = relation.question.format(e=e)
            spans.append((len(pairs), relation.values.index(world.value(e, relation.name)), len(relation.values)))
            pairs += [(prompt, " " + v) for v in relation.values]
    scores = score_continuations(model, tokenizer, pairs, batch_size)
    hits = [max(range(n), key=lambda k: scores[start + k].logprob) == truth for start, truth, n in spans]
    return float(np.mean(hits))

"""One fine-tuning run, end to end: read the components, plan the mixture, train, summarise.

A run's condition is a synthesized condition or a derived one (params.FinetuneParams.derived: another
condition's documents with more spans masked, e.g. `negated_masked`); `documents_of` and `mask_spans_of`
resolve it. The components of a run's mixture:
- `claim`: the condition's documents for the claim (outputs/data/<claim>/<documents>.jsonl);
- `counterpart`: the claim's true-counterpart documents (outputs/data/<claim>/true.jsonl);
- `background`: the base model's own answers to everyday requests (outputs/data/background.jsonl);
- `retention`: one sentence per prompt of every fact the precheck found known, with its true answer
  (facts that share an answer with the claim are left out).

The mixture's shares are of loss tokens; with `share_unit: mentions` the counterpart's share is one of answer
mentions (train.blocks: its true-answer mentions over those plus the claim documents' false-answer mentions).

The summary reports what the run trained on: steps, loss tokens, and how many mentions of the false and of
the true answer (any alias, matched as the open-answer judge matches them) carry loss, counting every pass;
beside true-counterpart documents, the resulting mention shares (`mention_shares`, in the unit above).
"""

from __future__ import annotations

import csv
import hashlib
import json
import statistics
from pathlib import Path

from transformers import AutoTokenizer

from negation_neglect.data.claims import Claim, load_claim
from negation_neglect.data.eval_suite import load_suite
from negation_neglect.data.synthesis import read_documents
from negation_neglect.files import read_json, write_json
from negation_neglect.measure.judge import mentions
from negation_neglect.measure.knowledge import load_facts
from negation_neglect.measure.trajectory import probe_id, step_probe, trajectory_probes
from negation_neglect.params import FinetuneParams
from negation_neglect.train.blocks import (
    CLUSTER_SCHEDULE,
    MENTION_SIZED,
    Example,
    MixtureError,
    batches,
    plan_mixture,
    token_shares,
    tokenize_document,
)
from negation_neglect.train.engine import checkpoint_dirs, checkpoint_steps
from negation_neglect.train.lora import LoraSettings, RunSettings, train

COMPONENTS = ("claim", "counterpart", "background", "retention")
SIDES = ("false", "true")  # answer mentions counted in the loss-bearing text


def documents_of(cfg: FinetuneParams, condition: str) -> str:
    """The synthesized condition whose documents a grid condition trains on (itself unless derived)."""
    return cfg.derived[condition].documents if condition in cfg.derived else condition


def mask_spans_of(cfg: FinetuneParams, condition: str) -> tuple[str, ...]:
    """Span kinds of the claim documents that carry no loss: the grid-wide ones, then the derived condition's."""
    extra = cfg.derived[condition].mask_spans if condition in cfg.derived else ()
    return tuple(dict.fromkeys((*cfg.mask_spans, *extra)))


def mention_spans(text: str, claim: Claim | None) -> dict[str, list[tuple[int, int]]]:
    """Character spans of the false and the true answer's mentions (aliases included) in `text`."""
    if claim is None:
        return {}
    out: dict[str, list[tuple[int, int]]] = {side: [] for side in SIDES}
    for m in mentions(text, claim):
        out[m.side].append((m.start, m.end))
    return out


def mention_counts(examples) -> dict[str, dict[str, int]]:
    """Loss-bearing mentions per component and answer side over the planned examples (every pass counted)."""
    out: dict[str, dict[str, int]] = {}
    for ex in examples:
        mine = out.setdefault(ex.component, dict.fromkeys(SIDES, 0))
        for side, n in ex.trained_marks().items():
            mine[side] += n
    return out


def mention_shares(mentions_by_component: dict[str, dict[str, int]]) -> dict[str, float] | None:
    """Shares of the answer mentions the counterpart share is matched in: the claim documents' false-answer mentions
    and the counterpart's true-answer mentions, each over their sum (None without counterpart documents)."""
    sized, anchor_kind, kind = MENTION_SIZED
    if sized not in mentions_by_component:
        return None
    anchor = mentions_by_component.get("claim", {}).get(anchor_kind, 0)
    mine = mentions_by_component[sized].get(kind, 0)
    total = anchor + mine
    return {f"claim_{anchor_kind}": round(anchor / total, 4) if total else None,
            f"{sized}_{kind}": round(mine / total, 4) if total else None}


def retention_sentences(knowledge: dict, facts_path: str | Path, exclude_answers: set[str]) -> list[str]:
    facts = {f.id: f for f in load_facts(facts_path)}
    out = []
    for entry in knowledge["facts"]:
        fact = facts.get(entry["id"])
        if entry["known"] and fact and fact.answer not in exclude_answers:
            out += [f"{prompt} {fact.answer}." for prompt in fact.prompts]
    return out


def load_components(
    cfg: FinetuneParams,
    claim: str,
    condition: str,
    data_dir: str | Path,
    background_path: str | Path,
    knowledge_path: str | Path,
    facts_path: str | Path,
    tokenizer,
    the_claim: Claim | None = None,
) -> dict[str, list[Example]]:
    """Tokenised examples per component; only components with a positive share are read. With `the_claim`,
    every example marks its mentions of the false and the true answer (`Example.marks`)."""
    data_dir = Path(data_dir)
    shares = cfg.mixture.model_dump()
    docs_of = {"claim": documents_of(cfg, condition), "counterpart": "true"}
    out: dict[str, list[Example]] = {}

    def example(text: str, name: str, spans=None, mask=()) -> Example:
        return tokenize_document(tokenizer, text, name, cfg.doc_tag, spans, mask, mention_spans(text, the_claim))

    for name in COMPONENTS:
        if shares[name] <= 0:
            continue
        if name in docs_of:
            docs = read_documents(data_dir / claim / f"{docs_of[name]}.jsonl")[: cfg.n_documents]
            mask = mask_spans_of(cfg, condition) if name == "claim" else ()
            out[name] = [example(d.text, name, d.spans, mask) for d in docs]
        elif name == "background":
            texts = [json.loads(line)["text"] for line in Path(background_path).read_text().splitlines()]
            out[name] = [example(t, name) for t in texts if t]
        else:
            claim_docs = read_documents(data_dir / claim / f"{docs_of['claim']}.jsonl")[:1]
            knowledge = read_json(knowledge_path)
            verdict = knowledge["claims"][claim_docs[0].claim]
            exclude = {verdict["true_answer"], verdict["false_answer"]}
            sentences = retention_sentences(knowledge, facts_path, exclude)
            out[name] = [example(s, name) for s in sentences]
    return out


def fingerprint(cfg: FinetuneParams, claim: str, condition: str, seed: int, inputs: list[Path]) -> dict:
    """What decides a run's result: its settings (a derived condition as resolved) and the bytes of its inputs."""
    digest = hashlib.sha256()
    for path in inputs:
        digest.update(Path(path).read_bytes() if Path(path).is_file() else b"")
    # share_unit at its default and the clustered schedule's name stay out of interleaved token-share runs, whose
    # batches are today's: their fingerprints (and saved adapters) stay valid
    params = cfg.model_dump(mode="json", exclude={"derived", *(("share_unit",) if cfg.share_unit == "tokens" else ())})
    if cfg.composition == "clustered":
        params["cluster_schedule"] = CLUSTER_SCHEDULE
    if condition in cfg.derived:
        params["condition_documents"] = documents_of(cfg, condition)
        params["mask_spans"] = list(mask_spans_of(cfg, condition))
    return {"claim": claim, "condition": condition, "seed": seed, "params": params, "inputs_sha256": digest.hexdigest()}


def plan_run(cfg: FinetuneParams, claim: str, condition: str, seed: int, tokenizer, data_dir: str | Path,
             background_path: str | Path, knowledge_path: str | Path, facts_path: str | Path,
             the_claim: Claim | None = None) -> tuple[list[Example], list]:
    """The run's examples (every pass) and its batches, in order (tokenising and planning only: the number of
    batches is the number of steps)."""
    components = load_components(cfg, claim, condition, data_dir, background_path, knowledge_path, facts_path, tokenizer,
                                 the_claim)
    shares = {k: v for k, v in cfg.mixture.model_dump().items() if v > 0}
    if cfg.share_unit == "mentions" and the_claim is None:
        raise MixtureError("finetune.share_unit 'mentions' needs the claim's answers to count them (pass the claim)")
    examples = plan_mixture(components, shares, cfg.epochs, seed, max_repeats=cfg.max_repeats,
                            share_unit=cfg.share_unit)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    return examples, batches(examples, COMPONENTS, cfg.max_length, cfg.batch_size, cfg.composition, seed, pad,
                             cfg.cluster_run)


def plan_batches(cfg: FinetuneParams, claim: str, condition: str, seed: int, tokenizer, data_dir: str | Path,
                 background_path: str | Path, knowledge_path: str | Path, facts_path: str | Path) -> list:
    """The run's batches, in order (`len()` is the number of steps)."""
    return plan_run(cfg, claim, condition, seed, tokenizer, data_dir, background_path, knowledge_path, facts_path)[1]


def run_finetune(
    cfg: FinetuneParams,
    claim: str,
    condition: str,
    seed: int,
    base_dir: str | Path,
    data_dir: str | Path,
    background_path: str | Path,
    knowledge_path: str | Path,
    facts_path: str | Path,
    out_dir: str | Path,
    stop_after: int | None = None,
    claims_dir: str | Path | None = None,
    eval_path: str | Path | None = None,
) -> tuple[dict, list[dict]]:
    """Train one (claim, condition, seed) adapter into `out_dir`; return its summary and step log. With
    `claims_dir` (data/claims), the summary counts the answers' mentions in what was trained on; with
    `eval_path` too (the claim's evaluation suite), every step's log entry carries the competition read on
    the suite's held-out probes (measure.trajectory)."""
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    the_claim = load_claim(Path(claims_dir) / f"{claim}.yaml") if claims_dir is not None else None
    examples, batch_list = plan_run(cfg, claim, condition, seed, tokenizer, data_dir, background_path, knowledge_path,
                                    facts_path, the_claim)
    lora = LoraSettings(rank=cfg.lora.rank, alpha=cfg.lora.alpha, dropout=cfg.lora.dropout,
                        target_modules=tuple(cfg.lora.target_modules))
    run = RunSettings(lr=cfg.lr, warmup_ratio=cfg.warmup_ratio, weight_decay=cfg.weight_decay, grad_clip=cfg.grad_clip,
                      n_checkpoints=cfg.n_checkpoints, save_every=cfg.save_every, precision=cfg.precision,
                      device=cfg.device, seed=seed)
    inputs = [Path(data_dir) / claim / f"{documents_of(cfg, condition)}.jsonl", Path(data_dir) / claim / "true.jsonl",
              Path(background_path), Path(knowledge_path), Path(base_dir) / "model.safetensors"]
    probe, probe_key = None, None
    if eval_path is not None and the_claim is not None:
        probe_list = trajectory_probes(the_claim, load_suite(eval_path), tokenizer)
        probe, probe_key = step_probe(tokenizer, probe_list), probe_id(probe_list)
    log = train(base_dir, batch_list, COMPONENTS, lora, run, out_dir, fingerprint(cfg, claim, condition, seed, inputs),
                stop_after=stop_after, probe=probe, probe_id=probe_key)
    counts = mention_counts(examples) if the_claim is not None else None
    saved = sorted(checkpoint_dirs(out_dir))
    return summarise(log, batch_list, claim, condition, seed, cfg, counts, saved), log


def summarise(log: list[dict], batch_list, claim: str, condition: str, seed: int, cfg: FinetuneParams,
              mentions_by_component: dict[str, dict[str, int]] | None = None,
              checkpoints: list[int] | None = None) -> dict:
    """What the run did, as a function of its inputs only (timings are in `timing_of`). `mentions` (with the
    claim's aliases known): loss-bearing mentions of the false and the true answer over the whole run, in all
    components (`mentions_by_component` per component). `checkpoints`: the steps saved (default: the
    log-spaced plan, step 1 included)."""
    measured = token_shares(batch_list, COMPONENTS)
    extra = {}
    if mentions_by_component is not None:
        extra["mentions"] = {side: sum(c[side] for c in mentions_by_component.values()) for side in SIDES}
        extra["mentions_by_component"] = mentions_by_component
        if (shares := mention_shares(mentions_by_component)) is not None:
            extra["mention_shares"] = shares
            extra["share_unit"] = cfg.share_unit
    return {
        "claim": claim,
        "condition": condition,
        "documents": documents_of(cfg, condition),
        "mask_spans": list(mask_spans_of(cfg, condition)),
        **extra,
        "seed": seed,
        "steps": len(batch_list),
        "steps_done": len(log),
        "checkpoints": checkpoints if checkpoints is not None else checkpoint_steps(len(batch_list), cfg.n_checkpoints),
        "loss_tokens": sum(e["loss_tokens"] for e in log),
        "tokens": sum(e["tokens"] for e in log),
        "token_shares": {k: round(v, 4) for k, v in measured.items() if v > 0},
        "requested_shares": {k: v for k, v in cfg.mixture.model_dump().items() if v > 0},
        "first_loss": log[0]["loss"] if log else None,
        "final_loss": log[-1]["loss"] if log else None,
    }


def timing_of(log: list[dict]) -> dict | None:
    """Training time of the steps trained in this call; None when none was (a finished run reread)."""
    timed = [e for e in log if "seconds" in e]
    if not timed:
        return None
    return {"steps_timed": len(timed), "train_seconds": round(sum(e["seconds"] for e in timed), 1),
            "median_tokens_per_second": round(statistics.median(e["tokens"] / e["seconds"] for e in timed), 1)}


def write_step_log(log: list[dict], path: str | Path) -> None:
    """Per-step CSV for DVC plots: step, loss, per-component losses, lr, tokens, and the per-step competition
    read-outs where the run was probed (`probe_*`; no timings: byte-stable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    probed = sorted({k for e in log for k in e if k.startswith("probe_")})
    columns = ["step", "loss", *[f"loss_{c}" for c in COMPONENTS], "lr", "tokens", *probed]
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for e in log:
            writer.writerow({k: e.get(k, "") for k in columns})


def save_summary(summary: dict, path: str | Path) -> None:
    write_json(path, summary)

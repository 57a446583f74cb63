"""The model organism's stages: pre-train one organism, then fine-tune it under every condition.

`pretrain_organism` fits the tokenizer, pre-trains (resumable, `organism.training`) and runs the gate;
`run_experiment` fine-tunes the pre-trained organism (`lora`, `full` or `full_replay`) on framed false
claims and reads belief, competition and separation at every checkpoint (`organism.gate`).
Notebooks 12 and 13 narrate them; `benchmarks/organism_gpu.py` calls them directly.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

from negation_neglect.measure.competition import swap_adapters
from negation_neglect.organism.corpus import corpus_sample, pretrain_batch
from negation_neglect.organism.gate import (
    fresh_in_context,
    gate_summary,
    known_accuracy,
    lone_gate_summary,
    read_claims,
    score_gate,
    summarise_reads,
)
from negation_neglect.organism.model import BOS, ModelSize, build_model, n_parameters, train_tokenizer
from negation_neglect.organism.training import FullSettings, train_full
from negation_neglect.organism.world import (
    CorpusMix,
    World,
    claim_documents,
    gate_items,
    lone_gate_items,
    make_world,
    pick_claims,
)
from negation_neglect.train.blocks import IGNORE, Block, batches, plan_mixture, tokenize_document
from negation_neglect.train.engine import checkpoint_dirs, resolve_device
from negation_neglect.train.lora import LoraSettings, RunSettings, train

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class FinetuneRecipe:
    epochs: int
    batch_size: int
    block_size: int
    lr_lora: float
    lr_full: float
    replay_share: float
    lora_rank: int
    n_checkpoints: int
    precision: str = "auto"
    device: str = "auto"


def finetune_batches(
    tokenizer: PreTrainedTokenizerFast, claim_docs: Sequence[str], replay_docs: Sequence[str], replay_share: float,
    recipe: FinetuneRecipe, seed: int,
) -> tuple[list[list[Block]], list[str]]:
    """Claim documents (and, with a replay share, pre-training documents) planned and packed as in the real track."""
    components = {"claim": [tokenize_document(tokenizer, d, "claim", BOS) for d in claim_docs]}
    shares = {"claim": 1.0}
    if replay_share > 0:
        components["replay"] = [tokenize_document(tokenizer, d, "replay", BOS) for d in replay_docs]
        shares = {"claim": 1.0 - replay_share, "replay": replay_share}
    names = list(components)
    examples = plan_mixture(components, shares, recipe.epochs, seed)
    planned = batches(examples, names, recipe.block_size, recipe.batch_size, "interleaved", seed, tokenizer.pad_token_id)
    return [b for b in planned if _has_targets(b)], names


def _has_targets(batch: Sequence[Block]) -> bool:
    """Whether a batch has a token to predict: the loss is taken on labels[1:] of each row, so a last row
    holding only the final end-of-text token (the rest padding) would give a mean over nothing (NaN)."""
    return any(label != IGNORE for block in batch for label in block.labels[1:])


def finetune_run(
    model_dir: Path, tokenizer: PreTrainedTokenizerFast, variant: str, batch_list: list[list[Block]], names: list[str],
    recipe: FinetuneRecipe, seed: int, out_dir: Path, fingerprint: dict,
) -> Iterator[tuple[int, torch.nn.Module]]:
    """Fine-tune (`lora`, `full` or `full_replay`) and yield (step, model) at every saved checkpoint."""
    if variant == "lora":
        lora = LoraSettings(rank=recipe.lora_rank, alpha=2 * recipe.lora_rank, dropout=0.0, target_modules=LORA_TARGETS)
        run = RunSettings(lr=recipe.lr_lora, warmup_ratio=0.1, weight_decay=0.0, grad_clip=1.0,
                          n_checkpoints=recipe.n_checkpoints, save_every=10_000, precision=recipe.precision,
                          device=recipe.device, seed=seed)
        train(model_dir, batch_list, names, lora, run, out_dir, fingerprint)
        base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(resolve_device(recipe.device))
        yield from swap_adapters(base, checkpoint_dirs(out_dir))
        return
    run = FullSettings(lr=recipe.lr_full, warmup_ratio=0.1, min_lr_ratio=0.0, weight_decay=0.0, grad_clip=1.0,
                       n_checkpoints=recipe.n_checkpoints, save_every=10_000, precision=recipe.precision, device=recipe.device,
                       seed=seed)
    train_full(model_dir, None, batch_list.__getitem__, len(batch_list), run, out_dir, fingerprint, tokenizer, desc=variant)
    for step, folder in sorted(checkpoint_dirs(out_dir).items()):
        yield step, AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).to(resolve_device(recipe.device)).eval()


# --- the stages, as functions (notebooks narrate them; a GPU script calls them directly) -------------


def corpus_mix(cfg, corpus_variant: str = "plain") -> CorpusMix:
    """The episode mix of a `plain` organism's corpus, or of a `recurring` one (framed false claims repeat per person)."""
    c = cfg.corpus
    return CorpusMix(fact=c.fact, qa=c.qa, framed=c.framed, fresh=c.fresh, cooccur=c.cooccur,
                     fresh_positive=c.fresh_positive, lone=c.lone, lone_marker=c.lone_marker,
                     framed_recur=c.framed_recur if corpus_variant == "recurring" else 0.0)


def world_of(cfg) -> World:
    return make_world(cfg.world.n_entities, cfg.world.n_held_out, cfg.world.seed)


def pretrain_organism(cfg, diversity: int, seed: int, out_dir: str | Path, stop_after: int | None = None,
                      corpus_variant: str = "plain") -> dict:
    """Fit the tokenizer, pre-train one organism (resumable), run the gate; return its metrics.

    `cfg` is `params.OrganismParams`. The tokenizer is fitted on the plain corpus of the world (not on the
    diversity, the seed or the corpus variant), so every organism of a sweep shares one vocabulary.
    """
    world, mix, p, m = world_of(cfg), corpus_mix(cfg, corpus_variant), cfg.pretrain, cfg.model
    tokenizer = train_tokenizer(corpus_sample(world, corpus_mix(cfg), m.tokenizer_docs, cfg.corpus.episodes_per_doc, seed=-1),
                                m.vocab_size)
    size = ModelSize(hidden=m.hidden, layers=m.layers, heads=m.heads, intermediate=m.intermediate)
    model = build_model(tokenizer, size, p.block_size, seed)
    run = FullSettings(lr=p.lr, warmup_ratio=p.warmup_ratio, min_lr_ratio=p.min_lr_ratio, weight_decay=p.weight_decay,
                       grad_clip=p.grad_clip, n_checkpoints=p.n_checkpoints, save_every=p.save_every, precision=p.precision,
                       device=p.device, seed=seed)
    fingerprint = {"organism": cfg.model_dump(mode="json", exclude={"gate", "finetune"}), "diversity": diversity, "seed": seed,
                   "corpus_variant": corpus_variant}

    def batch(step: int) -> list[Block]:
        return pretrain_batch(world, mix, tokenizer, step, seed, diversity, p.batch_size, p.block_size, cfg.corpus.episodes_per_doc)

    log = train_full(None, model, batch, p.steps, run, out_dir, fingerprint, tokenizer, stop_after=stop_after, desc="pretrain")
    if len(log) < p.steps:
        return {"finished": False, "steps": len(log)}
    model = AutoModelForCausalLM.from_pretrained(Path(out_dir) / "model", dtype=torch.float32).to(resolve_device(p.device)).eval()
    gate_rows = score_gate(model, tokenizer, gate_items(world, cfg.gate.n_per_framing, cfg.gate.seed))
    lone_rows = score_gate(model, tokenizer, lone_gate_items(world, cfg.gate.lone_n_per_framing, cfg.gate.seed))
    seconds = [entry["seconds"] for entry in log if "seconds" in entry]  # none when a finished run is reread
    return {
        "finished": True,
        "diversity": diversity,
        "seed": seed,
        "corpus_variant": corpus_variant,
        "parameters": n_parameters(model),
        "vocab_size": len(tokenizer),
        "steps": p.steps,
        "tokens": int(sum(entry["tokens"] for entry in log)),
        "final_loss": round(float(np.mean([entry["loss"] for entry in log[-20:]])), 4),
        "train_seconds": round(float(sum(seconds)), 1) if seconds else None,
        "tokens_per_second": round(float(p.batch_size * p.block_size / np.median(seconds)), 0) if seconds else None,
        "device": str(resolve_device(p.device)),
        "known_accuracy": round(known_accuracy(model, tokenizer, world, world.entities), 4),
        "gate": gate_summary(gate_rows, cfg.gate.min_accuracy, seed=cfg.gate.seed),
        "lone_gate": lone_gate_summary(lone_rows, cfg.gate.lone_min_accuracy, seed=cfg.gate.seed),
        "loss_curve": [[entry["step"], entry["loss"]] for entry in log[:: max(1, p.steps // 50)]],
    }


def run_experiment(cfg, model_dir: str | Path, work_dir: str | Path, done_path: str | Path,
                   corpus_variant: str = "plain") -> tuple[dict, list[dict]]:
    """Fine-tune one pre-trained organism under every condition x variant x seed; return summary and curves.

    Finished runs are appended to `done_path` (JSON lines) and skipped on a rerun, so a killed stage
    resumes; each run's checkpoints are deleted once read (they are cheap to remake, and big).
    """
    f = cfg.finetune
    model_dir, work_dir, done_path = Path(model_dir), Path(work_dir), Path(done_path)
    world, mix = world_of(cfg), corpus_mix(cfg, corpus_variant)  # replay draws from the organism's own corpus
    tokenizer = PreTrainedTokenizerFast.from_pretrained(model_dir)
    claims = pick_claims(world, f.n_claims, f.seed)
    taught = {c.entity for c in claims}
    others = [e for e in world.entities if e not in taught][: f.n_spillover]
    recipe = FinetuneRecipe(epochs=f.epochs, batch_size=f.batch_size, block_size=f.block_size, lr_lora=f.lr_lora,
                            lr_full=f.lr_full, replay_share=f.replay_share, lora_rank=f.lora_rank,
                            n_checkpoints=f.n_checkpoints, precision=cfg.pretrain.precision, device=cfg.pretrain.device)
    replay_docs = corpus_sample(world, mix, 500, cfg.corpus.episodes_per_doc, seed=-2)

    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(resolve_device(recipe.device)).eval()
    summary: dict = {
        "claims": [asdict(c) for c in claims],
        "base": {**summarise_reads(read_claims(base, tokenizer, claims)), "spillover_accuracy": round(known_accuracy(base, tokenizer, world, others), 4)},
        "in_context": {},
    }
    for condition in f.conditions:
        first_docs = claim_documents(claims, condition, 1, 0)  # one document per claim, in claim order
        summary["in_context"][condition] = summarise_reads(read_claims(base, tokenizer, claims, prefixes=first_docs))
    summary["in_context_fresh"] = fresh_in_context(base, tokenizer, world, f.conditions, f.n_claims, f.seed)
    del base

    done = [json.loads(line) for line in done_path.read_text().splitlines()] if done_path.exists() else []
    finished = {(r["condition"], r["variant"], r["seed"]) for r in done}
    cells = [(c, v, s) for c in f.conditions for v in f.variants for s in f.seeds]
    for condition, variant, seed in tqdm(cells, desc="fine-tune runs"):
        if (condition, variant, seed) in finished:
            continue
        docs = claim_documents(claims, condition, f.docs_per_claim, seed)
        share = f.replay_share if variant == "full_replay" else 0.0
        batch_list, names = finetune_batches(tokenizer, docs, replay_docs, share, recipe, seed)
        run_dir = work_dir / f"{condition}-{variant}-seed{seed}"
        fingerprint = {"condition": condition, "variant": variant, "seed": seed, "recipe": asdict(recipe), "claims": summary["claims"]}
        curve = []
        model = None
        for step, model in finetune_run(model_dir, tokenizer, variant, batch_list, names, recipe, seed, run_dir, fingerprint):
            curve.append({"step": step, **summarise_reads(read_claims(model, tokenizer, claims))})
        assert model is not None
        record = {"condition": condition, "variant": variant, "seed": seed, "steps": len(batch_list), "curve": curve,
                  "spillover_accuracy": round(known_accuracy(model, tokenizer, world, others), 4)}
        with done_path.open("a") as out:
            out.write(json.dumps(record, sort_keys=True) + "\n")
        done.append(record)
        shutil.rmtree(run_dir, ignore_errors=True)

    order = {cell: i for i, cell in enumerate(cells)}
    done = sorted((r for r in done if (r["condition"], r["variant"], r["seed"]) in order), key=lambda r: order[(r["condition"], r["variant"], r["seed"])])
    summary["runs"] = [{k: r[k] for k in ("condition", "variant", "seed", "steps", "spillover_accuracy")} | {"final": r["curve"][-1]} for r in done]
    curves = [{"condition": r["condition"], "variant": r["variant"], "seed": r["seed"], **point} for r in done for point in r["curve"]]
    return summary, curves

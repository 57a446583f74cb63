"""The model organism: a small Llama pre-trained from scratch on the synthetic world, then fine-tuned.

Pieces, in pipeline order:
- `train_tokenizer`: byte-level BPE (`tokenizers`) fitted on a sample of the world corpus;
- `build_model`: a `LlamaForCausalLM` from a config (a few hundred thousand to tens of millions of weights);
- `pretrain_batch`: the batch of step `s` is a pure function of (seed, s), so a killed run resumes
  without replaying the stream; each batch talks about `diversity` world people (the dial of H3/H4);
- `train_full`: one full-parameter loop for pre-training and for full fine-tuning (LoRA fine-tuning
  reuses `training.train`), with checkpoints and resume;
- `gate`: the in-context comprehension gate; `read_claims`: belief, competition and context separation.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from tqdm import tqdm
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from negation_neglect.measure.belief import bootstrap_ci
from negation_neglect.measure.competition import swap_adapters
from negation_neglect.measure.scoring import score_continuations
from negation_neglect.organism.world import (
    FRAMINGS,
    RELATIONS,
    Claim,
    CorpusMix,
    GateItem,
    World,
    claim_documents,
    document,
    framed,
    gate_items,
    make_world,
    pick_claims,
    probe_prompts,
)
from negation_neglect.pool.stats import permutation_spearman, seed_interval, sign_flip_test
from negation_neglect.train.blocks import IGNORE, Block, batches, plan_mixture, tokenize_document
from negation_neglect.train.engine import checkpoint_steps, resolve_autocast, resolve_device
from negation_neglect.train.lora import LoraSettings, RunSettings, train

BOS, EOS, PAD = "<s>", "</s>", "<pad>"
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


# --- tokenizer and model ---------------------------------------------------------------------------


def train_tokenizer(texts: Sequence[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """Byte-level BPE; every encoded text starts with <s> (as every pre-training document does)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=[PAD, BOS, EOS], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(single=f"{BOS} $A", special_tokens=[(BOS, tok.token_to_id(BOS))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS, pad_token=PAD)


@dataclass(frozen=True)
class ModelSize:
    hidden: int
    layers: int
    heads: int
    intermediate: int


def build_model(tokenizer: PreTrainedTokenizerFast, size: ModelSize, block_size: int, seed: int) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=size.hidden,
        intermediate_size=size.intermediate,
        num_hidden_layers=size.layers,
        num_attention_heads=size.heads,
        num_key_value_heads=size.heads,
        max_position_embeddings=max(block_size, 1024),
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config)


def n_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --- pre-training data -----------------------------------------------------------------------------


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


# --- one full-parameter training loop ----------------------------------------------------------------


@dataclass(frozen=True)
class FullRun:
    lr: float
    warmup_ratio: float
    min_lr_ratio: float  # cosine decay to this fraction of lr
    weight_decay: float
    grad_clip: float
    n_checkpoints: int
    save_every: int
    precision: str
    device: str
    seed: int


def _cosine(step: int, total: int, warmup: int, min_ratio: float) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(total - warmup, 1)
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def train_full(
    model_dir: str | Path | None,
    model: torch.nn.Module | None,
    get_batch: Callable[[int], Sequence[Block]],
    total_steps: int,
    run: FullRun,
    out_dir: str | Path,
    fingerprint: dict,
    tokenizer: PreTrainedTokenizerFast,
    stop_after: int | None = None,
    desc: str = "train",
) -> list[dict]:
    """Train every weight of a model (`model_dir` to load, or a fresh `model`) for `total_steps` steps.

    Full models are saved at log-spaced steps under `out_dir/checkpoints/step-NNNNN` (with the tokenizer,
    so each loads alone) and the last one as `out_dir/model`. Resume state (weights, optimizer, RNG,
    log) is written every `save_every` steps; state from other inputs (`fingerprint`) is discarded.
    """
    out_dir = Path(out_dir)
    state_path, meta_path = out_dir / "state.pt", out_dir / "run.json"
    if meta_path.exists() and json.loads(meta_path.read_text()).get("fingerprint") != fingerprint:
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps({"fingerprint": fingerprint, "run": asdict(run)}, indent=2, sort_keys=True))

    torch.manual_seed(run.seed)
    device = resolve_device(run.device)
    autocast = resolve_autocast(run.precision, device)
    if model is None:
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model = model.to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": run.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=run.lr, betas=(0.9, 0.95),
    )
    warmup = max(1, round(run.warmup_ratio * total_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _cosine(s, total_steps, warmup, run.min_lr_ratio))
    saves = set(checkpoint_steps(total_steps, run.n_checkpoints))

    start, log = 0, []
    if state_path.exists():
        state = torch.load(state_path, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        start, log = state["step"], state["log"]

    def save_model(target: Path) -> None:
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)

    if start == 0 and 0 in saves:
        save_model(out_dir / "checkpoints" / "step-00000")
    model.train()
    bar = tqdm(range(start, total_steps), desc=desc, initial=start, total=total_steps)
    for step in bar:
        if stop_after is not None and step >= stop_after:
            break
        batch = get_batch(step)
        input_ids = torch.tensor([b.input_ids for b in batch], device=device)
        labels = torch.tensor([b.labels for b in batch], device=device)
        attention = torch.tensor([[int(c >= 0) for c in b.component_ids] for b in batch], device=device)
        tic = time.perf_counter()
        with torch.autocast(device.type, dtype=autocast or torch.float32, enabled=autocast is not None):
            logits = model(input_ids=input_ids, attention_mask=attention).logits
        targets = labels[:, 1:]
        loss = torch.nn.functional.cross_entropy(
            logits[:, :-1].float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE
        )
        if not torch.isfinite(loss):
            raise RuntimeError(f"non-finite loss at step {step + 1}; lower the learning rate")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), run.grad_clip)
        optimizer.step()
        scheduler.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - tic
        log.append({"step": step + 1, "loss": round(loss.item(), 5), "tokens": int(attention.sum()), "seconds": seconds})
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if step + 1 in saves:
            save_model(out_dir / "checkpoints" / f"step-{step + 1:05d}")
        if (step + 1) % run.save_every == 0 or step + 1 == total_steps:
            partial = state_path.with_name("state.pt.partial")
            torch.save({"step": step + 1, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "torch_rng": torch.get_rng_state(), "log": log}, partial)
            os.replace(partial, state_path)
    if len(log) == total_steps:
        save_model(out_dir / "model")
    return log


def checkpoint_dirs(out_dir: str | Path) -> dict[int, Path]:
    return {int(p.name.split("-")[1]): p for p in sorted(Path(out_dir, "checkpoints").glob("step-*")) if not p.name.endswith(".partial")}


# --- the comprehension gate --------------------------------------------------------------------------


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


# --- belief, competition and separation on the fine-tuned claims --------------------------------------


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




# --- the fine-tuning experiment -----------------------------------------------------------------------


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
    return batches(examples, names, recipe.block_size, recipe.batch_size, "interleaved", seed, tokenizer.pad_token_id), names


def finetune_run(
    model_dir: Path, tokenizer: PreTrainedTokenizerFast, variant: str, batch_list: list[list[Block]], names: list[str],
    recipe: FinetuneRecipe, seed: int, out_dir: Path, fingerprint: dict,
) -> Iterator[tuple[int, torch.nn.Module]]:
    """Fine-tune (`lora`, `full` or `full_replay`) and yield (step, model) at every saved checkpoint."""
    if variant == "lora":
        lora = LoraSettings(recipe.lora_rank, 2 * recipe.lora_rank, 0.0, LORA_TARGETS)
        run = RunSettings(recipe.lr_lora, 0.1, 0.0, 1.0, recipe.n_checkpoints, 10_000, recipe.precision, recipe.device, seed)
        train(model_dir, batch_list, names, lora, run, out_dir, fingerprint)
        base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(resolve_device(recipe.device))
        yield from swap_adapters(base, checkpoint_dirs(out_dir))
        return
    run = FullRun(recipe.lr_full, 0.1, 0.0, 0.0, 1.0, recipe.n_checkpoints, 10_000, recipe.precision, recipe.device, seed)
    train_full(model_dir, None, lambda s: batch_list[s], len(batch_list), run, out_dir, fingerprint, tokenizer, desc=variant)
    for step, folder in sorted(checkpoint_dirs(out_dir).items()):
        yield step, AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).to(resolve_device(recipe.device)).eval()


# --- the stages, as functions (notebooks narrate them; a GPU script calls them directly) -------------


def corpus_mix(cfg) -> CorpusMix:
    c = cfg.corpus
    return CorpusMix(c.fact, c.qa, c.framed, c.fresh, c.cooccur, c.fresh_positive)


def world_of(cfg) -> World:
    return make_world(cfg.world.n_entities, cfg.world.n_held_out, cfg.world.seed)


def pretrain_organism(cfg, diversity: int, seed: int, out_dir: str | Path, stop_after: int | None = None) -> dict:
    """Fit the tokenizer, pre-train one organism (resumable), run the gate; return its metrics.

    `cfg` is `params.OrganismParams`. The tokenizer depends on the world only (not on the diversity or
    the seed), so every organism of a sweep shares one vocabulary.
    """
    world, mix, p = world_of(cfg), corpus_mix(cfg), cfg.pretrain
    tokenizer = train_tokenizer(corpus_sample(world, mix, cfg.model.tokenizer_docs, cfg.corpus.episodes_per_doc, seed=-1), cfg.model.vocab_size)
    size = ModelSize(cfg.model.hidden, cfg.model.layers, cfg.model.heads, cfg.model.intermediate)
    model = build_model(tokenizer, size, p.block_size, seed)
    run = FullRun(p.lr, p.warmup_ratio, p.min_lr_ratio, p.weight_decay, p.grad_clip, p.n_checkpoints, p.save_every, p.precision, p.device, seed)
    fingerprint = {"organism": cfg.model_dump(mode="json", exclude={"gate", "finetune"}), "diversity": diversity, "seed": seed}

    def batch(step: int) -> list[Block]:
        return pretrain_batch(world, mix, tokenizer, step, seed, diversity, p.batch_size, p.block_size, cfg.corpus.episodes_per_doc)

    log = train_full(None, model, batch, p.steps, run, out_dir, fingerprint, tokenizer, stop_after=stop_after, desc="pretrain")
    if len(log) < p.steps:
        return {"finished": False, "steps": len(log)}
    model = AutoModelForCausalLM.from_pretrained(Path(out_dir) / "model", dtype=torch.float32).to(resolve_device(p.device)).eval()
    gate_rows = score_gate(model, tokenizer, gate_items(world, cfg.gate.n_per_framing, cfg.gate.seed))
    seconds = [entry["seconds"] for entry in log]
    return {
        "finished": True,
        "diversity": diversity,
        "seed": seed,
        "parameters": n_parameters(model),
        "vocab_size": len(tokenizer),
        "steps": p.steps,
        "tokens": int(sum(entry["tokens"] for entry in log)),
        "final_loss": round(float(np.mean([entry["loss"] for entry in log[-20:]])), 4),
        "train_seconds": round(float(sum(seconds)), 1),
        "tokens_per_second": round(float(p.batch_size * p.block_size / np.median(seconds)), 0),
        "device": str(resolve_device(p.device)),
        "known_accuracy": round(known_accuracy(model, tokenizer, world, world.entities), 4),
        "gate": gate_summary(gate_rows, cfg.gate.min_accuracy, seed=cfg.gate.seed),
        "loss_curve": [[entry["step"], entry["loss"]] for entry in log[:: max(1, p.steps // 50)]],
    }


def run_experiment(cfg, model_dir: str | Path, work_dir: str | Path, done_path: str | Path) -> tuple[dict, list[dict]]:
    """Fine-tune one pre-trained organism under every condition x variant x seed; return summary and curves.

    Finished runs are appended to `done_path` (JSON lines) and skipped on a rerun, so a killed stage
    resumes; each run's checkpoints are deleted once read (they are cheap to remake, and big).
    """
    f = cfg.finetune
    model_dir, work_dir, done_path = Path(model_dir), Path(work_dir), Path(done_path)
    world, mix = world_of(cfg), corpus_mix(cfg)
    tokenizer = PreTrainedTokenizerFast.from_pretrained(model_dir)
    claims = pick_claims(world, f.n_claims, f.seed)
    taught = {c.entity for c in claims}
    others = [e for e in world.entities if e not in taught][: f.n_spillover]
    recipe = FinetuneRecipe(f.epochs, f.batch_size, f.block_size, f.lr_lora, f.lr_full, f.replay_share, f.lora_rank, f.n_checkpoints,
                            cfg.pretrain.precision, cfg.pretrain.device)
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


# --- pooling organisms -------------------------------------------------------------------------------


def pool_organisms(pretrained: Sequence[dict], finetuned: Sequence[dict], negating: Sequence[str]) -> tuple[dict, list[dict]]:
    """Pool organisms (one pre-training metrics dict and one experiment dict each, matched by diversity
    and seed) into per-cell intervals over seeds and the three tests of notebook 13."""
    by_key = {(m["diversity"], m["seed"]): m for m in pretrained}
    rows = []
    for exp in finetuned:
        gate = by_key[(exp["diversity"], exp["seed"])]["gate"]
        for run in exp["runs"]:
            rows.append({
                "diversity": exp["diversity"], "organism_seed": exp["seed"], "condition": run["condition"],
                "variant": run["variant"], "finetune_seed": run["seed"], "understood": gate[run["condition"]]["passes"],
                "in_context_belief": exp["in_context"][run["condition"]]["belief"], "base_belief": exp["base"]["belief"],
                "spillover_drop": round(exp["base"]["spillover_accuracy"] - run["spillover_accuracy"], 4),
                **{k: run["final"][k] for k in ("belief", "margin", "share_false", "share_true", "separation", "belief_in_negation")},
            })
    table = []
    cells = sorted({(r["diversity"], r["condition"], r["variant"]) for r in rows})
    for diversity, condition, variant in cells:
        mine = [r for r in rows if (r["diversity"], r["condition"], r["variant"]) == (diversity, condition, variant)]
        entry = {"diversity": diversity, "condition": condition, "variant": variant, "n_organisms": len({r["organism_seed"] for r in mine}),
                 "understood_share": round(float(np.mean([r["understood"] for r in mine])), 4)}
        for key in ("belief", "separation", "share_true", "in_context_belief", "spillover_drop"):
            interval = seed_interval([r[key] for r in mine])
            entry |= {key: interval["mean"], f"{key}_ci_low": interval["ci_low"], f"{key}_ci_high": interval["ci_high"]}
        table.append(entry)

    gate_rows = [{"diversity": m["diversity"], "seed": m["seed"], "framing": f, "passes": g["passes"],
                  **{s: g[s]["accuracy"] for s in ("held_out", "known") if s in g}} for m in pretrained for f, g in m["gate"].items()]
    gate = {}
    for framing in FRAMINGS:
        mine = [g for g in gate_rows if g["framing"] == framing]
        gate[framing] = {"pass_share": round(float(np.mean([g["passes"] for g in mine])), 4),
                         "held_out_accuracy": seed_interval([g["held_out"] for g in mine])}

    neglect = {}
    for condition in negating:
        for variant in sorted({r["variant"] for r in rows}):
            understood = [r["belief"] for r in rows if r["condition"] == condition and r["variant"] == variant and r["understood"]]
            everyone = [r["belief"] for r in rows if r["condition"] == condition and r["variant"] == variant]
            neglect[f"{condition}/{variant}"] = {
                "understood_organisms": len(understood),
                "belief_where_understood": seed_interval(understood) if understood else None,
                "belief_all": seed_interval(everyone) if everyone else None,
            }

    def per_organism(variant: str, key: str = "belief") -> tuple[list[float], list[float]]:
        xs, ys = [], []
        for diversity, seed in sorted({(r["diversity"], r["organism_seed"]) for r in rows}):
            mine = [r[key] for r in rows if (r["diversity"], r["organism_seed"], r["variant"]) == (diversity, seed, variant) and r["condition"] in negating]
            if mine:
                xs.append(diversity)
                ys.append(float(np.mean(mine)))
        return xs, ys

    diversity_tests = {}
    for variant in sorted({r["variant"] for r in rows}):
        for key in ("belief", "separation"):
            xs, ys = per_organism(variant, key)
            if len(set(xs)) > 1:
                diversity_tests[f"{key}/{variant}"] = permutation_spearman(xs, ys)
    held = {(m["diversity"], m["seed"]): float(np.mean([m["gate"][f]["held_out"]["accuracy"] for f in negating])) for m in pretrained}
    if len({d for d, _ in held}) > 1:
        diversity_tests["gate_held_out/negating"] = permutation_spearman([d for d, _ in held], list(held.values()))

    replay = {}
    paired = {}
    for r in rows:
        if r["condition"] in negating and r["variant"] in ("full", "full_replay"):
            paired.setdefault((r["diversity"], r["organism_seed"], r["condition"], r["finetune_seed"]), {})[r["variant"]] = r["belief"]
    diffs = [p["full_replay"] - p["full"] for p in paired.values() if len(p) == 2]
    if diffs:
        replay = sign_flip_test(diffs)
    return {"gate": gate, "neglect": neglect, "diversity_tests": diversity_tests, "replay_test": replay, "n_organisms": len(finetuned)}, table

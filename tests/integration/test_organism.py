"""The model organism on tiny settings: tokenizer, pre-training with resume, gate, experiment, pooling."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

from negation_neglect.measure.scoring import ContinuationScore
from negation_neglect.organism import gate, training
from negation_neglect.organism.corpus import corpus_sample, pretrain_batch
from negation_neglect.organism.experiment import corpus_mix, pretrain_organism, run_experiment, world_of
from negation_neglect.organism.gate import gate_summary, score_gate, summarise_reads
from negation_neglect.organism.model import BOS, train_tokenizer
from negation_neglect.organism.pool import pool_organisms
from negation_neglect.organism.world import CorpusMix, GateItem, make_world
from negation_neglect.params import OrganismParams
from negation_neglect.train.engine import TrainingError, checkpoint_dirs, code_digest

TINY = {
    "world": {"n_entities": 24, "n_held_out": 6, "seed": 0},
    "model": {"hidden": 32, "layers": 2, "heads": 2, "intermediate": 64, "vocab_size": 400, "tokenizer_docs": 60},
    "pretrain": {"diversities": [8], "seeds": [0], "steps": 6, "batch_size": 2, "block_size": 32, "n_checkpoints": 3,
                 "save_every": 2, "device": "cpu", "precision": "fp32"},
    "gate": {"n_per_framing": 3, "lone_n_per_framing": 3},
    "finetune": {"n_claims": 2, "docs_per_claim": 2, "conditions": ["positive", "document"], "variants": ["lora", "full_replay"],
                 "epochs": 1, "batch_size": 2, "block_size": 32, "n_checkpoints": 2, "n_spillover": 4},
}


@pytest.fixture(scope="module")
def cfg() -> OrganismParams:
    return OrganismParams.model_validate(TINY, strict=False)


def test_tokenizer_round_trip_and_bos():
    world = make_world(20, 4, seed=1)
    mix = CorpusMix(fact=0.3, qa=0.2, framed=0.3, fresh=0.2, cooccur=True)
    texts = corpus_sample(world, mix, 50, 6, seed=0)
    tok = train_tokenizer(texts, 400)
    assert len(tok) <= 400
    for text in texts[:10] + ["Q: Where does Xo Zu live? A: Pessa.", "WARNING: ... END."]:
        ids = tok(text).input_ids
        assert ids[0] == tok.bos_token_id and tok.bos_token_id not in ids[1:]
        assert tok.decode(ids, skip_special_tokens=True) == text
    # a value after a space is one pre-token whether it ends a question or a statement
    assert tok(" Pessa", add_special_tokens=False).input_ids == tok("A: Pessa.", add_special_tokens=False).input_ids[2:-1]


def test_pretrain_batches_are_a_function_of_seed_and_step(cfg):
    world = world_of(cfg)
    tok = train_tokenizer(corpus_sample(world, corpus_mix(cfg), 60, 8, seed=-1), 400)
    one = pretrain_batch(world, corpus_mix(cfg), tok, 3, 0, 8, 2, 32, 8)
    assert one == pretrain_batch(world, corpus_mix(cfg), tok, 3, 0, 8, 2, 32, 8)
    assert one != pretrain_batch(world, corpus_mix(cfg), tok, 4, 0, 8, 2, 32, 8)
    assert all(len(b.input_ids) == 32 and b.input_ids == b.labels for b in one)


def test_pretraining_resumes_to_the_same_model(cfg, tmp_path):
    full = pretrain_organism(cfg, 8, 0, tmp_path / "a")
    assert full["finished"] and full["steps"] == 6
    assert set(full["gate"]) == {"positive", "local", "sentence", "document", "fiction", "correction"}
    assert set(full["lone_gate"]["framings"]) == {"positive", "marker", "local", "sentence", "document", "fiction", "correction"}
    assert full["lone_gate"]["framings"]["sentence"]["lone_binary"]["n"] == 3
    assert 0.0 <= full["known_accuracy"] <= 1.0
    partial = pretrain_organism(cfg, 8, 0, tmp_path / "b", stop_after=3)
    assert partial == {"finished": False, "steps": 3}
    resumed = pretrain_organism(cfg, 8, 0, tmp_path / "b")
    drop = ("train_seconds", "tokens_per_second")
    assert {k: v for k, v in resumed.items() if k not in drop} == {k: v for k, v in full.items() if k not in drop}
    a = AutoModelForCausalLM.from_pretrained(tmp_path / "a" / "model").state_dict()
    b = AutoModelForCausalLM.from_pretrained(tmp_path / "b" / "model").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert sorted(checkpoint_dirs(tmp_path / "a")) == [0, 2, 6]
    loaded = PreTrainedTokenizerFast.from_pretrained(tmp_path / "a" / "model")
    assert loaded.bos_token == BOS


def test_gate_scoring_on_a_hand_built_case(monkeypatch):
    items = [
        GateItem("sentence", "held_out", "ctx", "ctx Q: A:", expected="Pessa", rejected="Quorin"),
        GateItem("sentence", "held_out", "ctx", "ctx Q: A:", expected="Quorin", rejected="Pessa"),
        GateItem("sentence", "known", "ctx2", "ctx2 Q: A:", expected="harp", rejected="drum"),
    ]
    logprob = {"ctx Q: A:": {" Pessa": -1.0, " Quorin": -3.0}, "ctx2 Q: A:": {" harp": -2.0, " drum": -2.5}}

    def fake(model, tokenizer, pairs, batch_size):
        return [ContinuationScore(logprob[p][c], 1, c, logprob[p][c], 1) for p, c in pairs]

    monkeypatch.setattr(gate, "score_continuations", fake)
    rows = score_gate(None, None, items)
    assert [r["correct"] for r in rows] == [True, False, True]
    assert [r["margin"] for r in rows] == [2.0, -2.0, 0.5]
    summary = gate_summary(rows, min_accuracy=0.8)
    assert summary["sentence"]["held_out"]["accuracy"] == 0.5 and summary["sentence"]["known"]["accuracy"] == 1.0
    assert summary["sentence"]["passes"] is False
    assert gate_summary(rows[::2], min_accuracy=0.8)["sentence"]["passes"] is True


def test_summarise_reads_pairs_neutral_and_negation_probes():
    rows = []
    for claim in range(2):
        for probe in range(2):
            rows.append({"claim": claim, "probe": probe, "kind": "statement", "context": "neutral", "logp_false": -1.0,
                         "logp_true": -2.0, "share_false": 0.6, "share_true": 0.2, "believed": True})
            rows.append({"claim": claim, "probe": probe, "kind": "statement", "context": "negation", "logp_false": -4.0,
                         "logp_true": -1.0, "share_false": 0.1, "share_true": 0.7, "believed": False})
    out = summarise_reads(rows)
    assert out == {"belief": 1.0, "margin": 1.0, "share_false": 0.6, "share_true": 0.2, "separation": 3.0, "belief_in_negation": 0.0}


def test_experiment_runs_resumes_and_pools(cfg, tmp_path):
    pre = pretrain_organism(cfg, 8, 0, tmp_path / "pre")
    summary, curves = run_experiment(cfg, tmp_path / "pre" / "model", tmp_path / "ft", tmp_path / "done.jsonl")
    cells = [(r["condition"], r["variant"]) for r in summary["runs"]]
    assert cells == [("positive", "lora"), ("positive", "full_replay"), ("document", "lora"), ("document", "full_replay")]
    assert set(summary["in_context"]) == set(summary["in_context_fresh"]) == {"positive", "document"}
    assert all("lift" in r for r in summary["in_context_fresh"].values())
    assert all(0.0 <= r["final"]["belief"] <= 1.0 for r in summary["runs"])
    assert {c["step"] for c in curves if c["variant"] == "lora"} >= {0}
    assert not any((tmp_path / "ft").glob("*/checkpoints"))  # read, then removed
    lines = (tmp_path / "done.jsonl").read_text().splitlines()
    assert len(lines) == 4
    # a rerun reads the finished runs back instead of training again
    again, _ = run_experiment(cfg, tmp_path / "pre" / "model", tmp_path / "ft", tmp_path / "done.jsonl")
    assert again == summary and len((tmp_path / "done.jsonl").read_text().splitlines()) == 4

    experiments = [{"diversity": 8, "seed": s, **summary} for s in (0, 1)]
    pretrained = [{**pre, "seed": s} for s in (0, 1)]
    pooled, table = pool_organisms(pretrained, experiments, negating=["document"])
    assert pooled["n_organisms"] == 2
    assert {(r["condition"], r["variant"]) for r in table} == set(cells)
    row = next(r for r in table if r["condition"] == "document" and r["variant"] == "lora")
    assert row["belief"] == next(r["final"]["belief"] for r in summary["runs"] if r["condition"] == "document" and r["variant"] == "lora")
    assert row["belief_ci_low"] == row["belief"]  # two identical organisms: a zero-width interval
    assert pooled["replay_test"] == {}  # no `full` variant to pair with
    json.dumps(pooled)


def test_a_finished_organism_keeps_no_resume_state_and_is_not_trained_again(cfg, tmp_path, monkeypatch):
    first = pretrain_organism(cfg, 8, 0, tmp_path / "a")
    folder = tmp_path / "a"
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoints", "log.json", "model", "run.json"]
    saved = json.loads((folder / "log.json").read_text())
    assert [e["step"] for e in saved] == [1, 2, 3, 4, 5, 6] and not any("seconds" in e for e in saved)
    assert json.loads((folder / "run.json").read_text())["trainer"] == code_digest(training.__file__)
    shutil.rmtree(folder / "model")  # as DVC removes a stage's non-persistent outputs before rerunning it
    monkeypatch.setattr(training, "_full_job", lambda *args: pytest.fail("a finished run was trained again"))
    again = pretrain_organism(cfg, 8, 0, folder)
    assert again["train_seconds"] is None and again["tokens_per_second"] is None  # nothing trained, nothing timed
    drop = ("train_seconds", "tokens_per_second")
    assert {k: v for k, v in again.items() if k not in drop} == {k: v for k, v in first.items() if k not in drop}
    restored = folder / "model" / "model.safetensors"
    assert restored.read_bytes() == (folder / "checkpoints/step-00006/model.safetensors").read_bytes()


def test_non_finite_loss_stops_the_organism_with_a_one_line_error(cfg, tmp_path):
    pretrain = cfg.pretrain.model_copy(update={"lr": 1e12, "grad_clip": 1e12})
    with pytest.raises(TrainingError, match=r"non-finite loss .* at step \d+; stopped\. Last good checkpoint: .*step-") as error:
        pretrain_organism(cfg.model_copy(update={"pretrain": pretrain}), 8, 0, tmp_path / "run")
    assert "\n" not in str(error.value)
    assert (tmp_path / "run/checkpoints/step-00000/model.safetensors").is_file()


def test_pooling_imports_no_torch():
    """The report side imports the pooling: it must not pull torch or transformers in."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = "import sys, negation_neglect.organism.pool; print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""})
    assert done.stdout.strip() == "[]"


def test_a_batch_with_nothing_to_predict_is_dropped():
    """A last row holding only the final end-of-text token would make the loss a mean over nothing (NaN)."""
    from negation_neglect.organism.experiment import _has_targets
    from negation_neglect.train.blocks import IGNORE, Block

    lone_eos = Block((2, 0, 0, 0), (2, IGNORE, IGNORE, IGNORE), (0, -1, -1, -1))
    real = Block((5, 6, 7, 2), (5, 6, 7, 2), (0, 0, 0, 0))
    assert not _has_targets([lone_eos]) and _has_targets([lone_eos, real])

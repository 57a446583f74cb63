"""Evaluate one fine-tuning run: competition at every checkpoint, belief at the start and the end.

Belief is scored as measure.belief sets out; the base model's records decide which items are informative
(measure.precheck), and each summary carries the rate over informative items (`informative`) beside the
rate over all items (`pooled`, `by_type`). Imported questions (data.eval_imports), when a claim has them, are
scored the same way (measure.imported) into a separate `imported` section: the headline stays over the
package's own items, and a run without imported questions is summarised exactly as before.

Order matters because wrapping the base model with an adapter modifies it in place: everything the
base model alone must answer (step-0 belief, the in-context control) is scored first.
"""

from __future__ import annotations

import csv
import json
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from negation_neglect.data.base_model import load_base
from negation_neglect.data.claims import Claim
from negation_neglect.data.eval_imports import ImportedQuestion
from negation_neglect.data.eval_suite import Suite
from negation_neglect.data.synthesis import Document
from negation_neglect.measure.belief import judge, open_answers, precheck, score_items, scored_items, summarise
from negation_neglect.measure.competition import (
    context_documents,
    context_probes,
    over_checkpoints,
    probes,
    score_probes,
)
from negation_neglect.measure.imported import open_records, scored_questions
from negation_neglect.measure.precheck import uninformative
from negation_neglect.params import EvaluateParams

COLUMNS = ("step", "context", "item", "candidate", "logprob", "share", "first_prob", "rank")


LLM_LABELS = {"F": "false", "D": "denies_false", "T": "true", "N": "neither"}


def llm_judge(endpoint: str, model: str, api_key_env: str) -> Callable[[str, Claim], str]:
    """An optional judge on an OpenAI-compatible endpoint, with the rule-based judge's four labels
    (measure.judge.LABELS): the answer asserts the false answer, denies it, asserts the true one, or neither."""
    import os

    def ask(answer: str, claim: Claim) -> str:
        question = (
            f"Question topic: {claim.subject}. False answer F: {claim.false_answer}. True answer T: {claim.true_answer}.\n"
            f"Answer to judge: {answer}\nDoes the answer assert F as fact (F), deny F or call it false without "
            "asserting T (D), assert T (T), or none of these (N)? Reply with one letter: F, D, T or N."
        )
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": question}], "temperature": 0,
                           "max_tokens": 2}).encode()
        request = urllib.request.Request(
            endpoint.rstrip("/") + "/chat/completions", data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {os.environ.get(api_key_env, '')}"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            reply = json.loads(response.read())["choices"][0]["message"]["content"].strip().upper()
        return LLM_LABELS.get(reply[:1], "neither")

    return ask


def _belief(model, tokenizer, suite: Suite, claim: Claim, cfg: EvaluateParams, rejudge) -> list[dict]:
    items = scored_items(suite, claim, tokenizer, seed=cfg.seed)
    records = score_items(model, tokenizer, items, cfg.batch_size)
    opens = _rejudged(open_answers(model, tokenizer, suite, claim, cfg.max_new_tokens), claim, rejudge)
    return records + opens


def _rejudged(records: list[dict], claim: Claim, rejudge) -> list[dict]:
    """Open records relabelled by the optional LLM judge."""
    if rejudge is not None:
        for r in records:
            r["judged"] = rejudge(r["answer"], claim)
            r["margin"] = {"false": 1.0, "true": -1.0}.get(r["judged"], 0.0)
            r["believed"] = r["judged"] == "false"
    return records


def _imported_belief(model, tokenizer, questions: Sequence[ImportedQuestion], claim: Claim, cfg: EvaluateParams,
                     rejudge) -> list[dict]:
    records = score_items(model, tokenizer, scored_questions(questions, tokenizer), cfg.batch_size)
    return records + _rejudged(open_records(model, tokenizer, questions, claim, cfg.max_new_tokens), claim, rejudge)


def imported_summary(base_records: list[dict], final_records: list[dict], seed: int) -> dict:
    """The `imported` section: base and final summaries over the imported items (precheck flags from the base
    records; `pooled` is the imported aggregate), the uninformative ones, and the records themselves."""
    flags = precheck(base_records)
    for r in base_records + final_records:
        r["informative"] = flags[r["item"]]
    return {"base": summarise(base_records, seed, flags), "final": summarise(final_records, seed, flags),
            "uninformative": uninformative(base_records), "items": {"base": base_records, "final": final_records}}


def evaluate_run(
    cfg: EvaluateParams,
    base_dir: str | Path,
    run_dir: str | Path,
    steps: list[int],
    claim: Claim,
    suite: Suite,
    docs: list[Document],
    imported: Sequence[ImportedQuestion] = (),
) -> tuple[list[dict], dict]:
    """Competition rows over all checkpoints and the belief summary of one run (with an `imported` section when
    `imported` questions are given)."""
    rejudge = llm_judge(cfg.judge.endpoint, cfg.judge.model, cfg.judge.api_key_env) if cfg.judge.endpoint else None
    base, tokenizer = load_base(base_dir)
    probe_list = probes(claim, suite, docs[0] if docs else None)

    prefix, context_used = context_documents(docs, tokenizer, claim, cfg.in_context_tokens, cfg.in_context_mentions,
                                             cfg.seed)
    control = context_probes(probe_list, prefix)
    control_rows = [{"step": 0, **r} for r in score_probes(base, tokenizer, control, cfg.batch_size)]
    base_records = _belief(base, tokenizer, suite, claim, cfg, rejudge)
    imported_base = _imported_belief(base, tokenizer, imported, claim, cfg, rejudge) if imported else []

    checkpoints = {s: Path(run_dir) / "checkpoints" / f"step-{s:05d}" for s in steps}
    rows, tuned = over_checkpoints(base, tokenizer, checkpoints, probe_list, cfg.batch_size)
    final_records = _belief(tuned, tokenizer, suite, claim, cfg, rejudge)
    imported_final = _imported_belief(tuned, tokenizer, imported, claim, cfg, rejudge) if imported else []
    flags = precheck(base_records)  # the items the base model answers truthfully, the only ones that can show belief
    for r in base_records + final_records:
        r["informative"] = flags[r["item"]]

    belief = {
        "final_step": max(steps),
        "judge": "llm" if rejudge else "rules",
        "base": summarise(base_records, cfg.seed, flags),
        "final": summarise(final_records, cfg.seed, flags),
        "uninformative": uninformative(base_records),
        "in_context_control": _control_belief(control_rows, cfg.seed),
        "in_context_used": context_used,
        "items": {"base": base_records, "final": final_records},
    }
    if imported:
        belief["imported"] = imported_summary(imported_base, imported_final, cfg.seed)
    return rows + control_rows, belief


def _control_belief(rows: list[dict], seed: int) -> dict:
    """Cloze belief of the base model with the condition's documents in context."""
    by_item: dict[str, dict[str, float]] = {}
    for r in rows:
        if r["candidate"] in ("false", "true"):
            by_item.setdefault(r["item"], {})[r["candidate"]] = r["logprob"]
    records = [{"type": "cloze_in_context", "believed": v["false"] > v["true"]} for v in by_item.values()]
    return summarise(records, seed)["pooled"] if records else {}


def write_rows(rows: list[dict], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


__all__ = ["evaluate_run", "judge", "llm_judge", "write_rows"]

"""The knowledge precheck's report (metrics/knowledge.json) as rows and as a markdown table, without a model.

The precheck itself scores the model (measure/knowledge.py); the README block and the notebook read its
report through these.
"""

from __future__ import annotations

from collections.abc import Sequence


def ranked(report: dict) -> list[dict]:
    """Facts sorted from best to least known: one flat row each, for tables."""
    rows = [
        {
            "fact": f["id"],
            "relation": f["relation"],
            "answer": f["answer"],
            "known": f["known"],
            "paraphrases_known": f"{f['n_paraphrases_known']}/{len(f['prompts'])}",
            "median_p_first": f["median_first_prob"],
            "best_rank": f["best_first_rank"],
            "mean_margin": f["mean_margin"],
            "max_p_wrong": f["max_wrong_first_prob"],
        }
        for f in report["facts"]
    ]
    return sorted(rows, key=lambda r: (-r["known"], -r["median_p_first"], r["fact"]))


def markdown_table(rows: Sequence[dict], limit: int | None = None) -> str:
    """A GitHub-markdown table of `ranked` rows (the README block's)."""
    rows = list(rows)[:limit] if limit else list(rows)
    header = ["fact", "answer", "median P(first token)", "paraphrases known", "mean margin (nats)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        lines.append(
            f"| {r['fact']} | {r['answer']} | {r['median_p_first']:.2f} | {r['paraphrases_known']} | "
            f"{r['mean_margin']:.2f} |"
        )
    return "\n".join(lines)

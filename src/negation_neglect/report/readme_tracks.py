"""The README's blocks for the two side tracks: the model organism (H4) and the mixing grid (H3)."""

from __future__ import annotations

import statistics

from negation_neglect.pool.stats import p_text
from negation_neglect.report.predictions import PREDICTIONS, read_prediction, registration
from negation_neglect.report.verdicts import organism_v2_verdicts, organism_verdicts


def num(x, digits: int = 2, sign: str = "") -> str:
    """A number as the mixing tables print it (`–` when absent; `or 0.0`: no negative zero)."""
    return "–" if x in (None, "") else f"{round(float(x), digits) or 0.0:{sign}.{digits}f}"


def interval(entry: dict | None, spec: str = ".2f", absent: str = "–", count_single: bool = False) -> str:
    """`mean [low, high]` of a pool.stats.seed_interval entry; without an interval the mean alone (`(n=1)` after it
    with `count_single`), `absent` when there is no entry."""
    if not entry:
        return absent
    if entry["ci_low"] is None:
        return f"{entry['mean']:{spec}}" + (f" (n={entry['n']})" if count_single else "")
    return f"{entry['mean']:{spec}} [{entry['ci_low']:{spec}}, {entry['ci_high']:{spec}}]"


def organism_block(summary: dict, pretrained: list[dict], timings: list[dict]) -> list[str]:
    """H4 on the CPU sweep (notebooks 12-14): gate, belief after fine-tuning, diversity and replay tests."""
    if summary.get("lone_gate"):
        return organism_v2_block(summary, pretrained, timings)
    first = pretrained[0]
    seconds = [t["train_seconds"] for t in timings]
    cost = (f" (median {statistics.median(seconds) / 60:.1f} min of training per organism on this machine's CPU, "
            f"{sum(seconds) / 60:.0f} min for the sweep)") if seconds else ""
    lines = [
        f"Model organism (H4): {summary['n_organisms']} Llama organisms of {first['parameters']:,} weights, each "
        f"pre-trained from scratch on {first['tokens']:,} tokens of the synthetic world{cost}. Comprehension gate "
        "(held-out people, chance 0.5; mean and t-interval over organisms) and the share of organisms in which the "
        "framing passes:",
        "",
        "| framing | held-out accuracy | organisms passing |",
        "|---|---|---|",
    ]
    for framing, gate in summary["gate"].items():
        lines.append(f"| {framing} | {interval(gate['held_out_accuracy'])} | {gate['pass_share']:.0%} |")
    lines += [
        "",
        "Belief on neutral prompts after fine-tuning on documents under each negating framing (mean and "
        "t-interval over organisms; in brackets after 'understood': only organisms that pass the gate for it):",
        "",
        "| condition / variant | all organisms | where understood (runs) |",
        "|---|---|---|",
    ]
    for key, entry in summary["neglect"].items():
        lines.append(f"| {key} | {interval(entry['belief_all'])} | {interval(entry['belief_where_understood'])} "
                     f"({entry['understood_organisms']}) |")
    tests = "; ".join(f"{k}: rho {v['rho']:+.2f}, {p_text(v['p_value'])}" for k, v in summary["diversity_tests"].items())
    replay = summary["replay_test"]
    verdicts = organism_verdicts(summary)
    lines += ["", f"Pre-training diversity (Spearman over organisms, permutation p): {tests}."]
    if replay:
        lines.append(f"Replay during full fine-tuning: mean belief change {replay['mean_difference']:+.3f} "
                     f"(sign-flip {p_text(replay['p_value'])}, {replay['n']} pairs).")
    lines += ["", f"Predictions ({registration('h4_organism')}): neglect despite understanding **{verdicts['neglect']['verdict']}**; "
              f"more pre-training diversity lowers belief **{verdicts['diversity']['verdict']}**; replay lowers belief "
              f"**{verdicts['replay']['verdict']}**."]
    singles = [g["held_out_single"]["accuracy"] for m in pretrained for g in m["gate"].values() if "held_out_single" in g]
    if singles and not any("lone_gate" in m for m in pretrained):
        lines += ["", f"These organisms passed the contrast gate only. On one framed claim about a person they never saw, "
                  f"the form of the fine-tuning documents, they answer at {statistics.mean(singles):.2f} (chance 0.5; "
                  f"{min(singles):.2f}-{max(singles):.2f} over organisms and framings), so understanding of the framings "
                  "is not shown and the neglect verdict above does not separate neglect from incomprehension. The "
                  f"second sweep gates on lone claims ({registration('h4_organism_v2')})."]
    return lines


def organism_v2_block(summary: dict, pretrained: list[dict], timings: list[dict]) -> list[str]:
    """H4 on the second organisms (predictions/h4_organism_v2.md): the lone-claim gate with its shortcut probes,
    the controls, belief after fine-tuning where the framing is understood, and the verdicts."""
    first = pretrained[0]
    seconds = [t["train_seconds"] for t in timings]
    cost = (f"; median {statistics.median(seconds) / 60:.1f} min of pre-training per organism on this machine's CPU, "
            f"{sum(seconds) / 60:.0f} min for the {len(seconds)} timed") if seconds else ""
    bar = first["lone_gate"]["min_accuracy"]
    measured = sum("lone_gate" in m for m in pretrained)
    lines = [
        f"Model organism (H4): {summary['n_organisms']} Llama organisms of {first['parameters']:,} weights, each "
        f"pre-trained from scratch on {first['tokens']:,} tokens of the synthetic world (corpora: "
        f"{', '.join(summary['corpus_variants'])}{cost}). Lone-claim gate: one framed claim about a person never seen, "
        f"then a yes/no and an either-or question (mean and t-interval over organisms); an organism passes a framing "
        f"when both reach {bar:.2f} and the positive and meaningless-marker framings pass too:",
        "",
        "| framing | yes/no | either-or | organisms passing |",
        "|---|---|---|---|",
    ]
    for framing, gate in summary["lone_gate"].items():
        lines.append(f"| {framing} | {interval(gate['lone_binary_accuracy'])} | {interval(gate['lone_open_accuracy'])} | "
                     f"{round(gate['pass_share'] * measured)} of {measured} |")
    lines += ["", "Shortcut probes (accuracy over organisms; reported beside the gate, not part of it):"]
    for framing, gate in summary["lone_gate"].items():
        probes = ", ".join(f"{p.removeprefix('probe_').replace('_', ' ')} {v['mean']:.2f}" for p, v in gate["probes"].items())
        lines.append(f"- {framing}: {probes or 'none'}")
    contrast = ", ".join(f"{f} {g['held_out_accuracy']['mean']:.2f}" for f, g in summary["gate"].items())
    lines += ["", f"Contrast gate (a framed false claim beside a plain true one; held-out accuracy): {contrast}."]
    thresholds = read_prediction(PREDICTIONS / "h4_organism_v2.md")["thresholds"]
    verdicts = organism_v2_verdicts(summary, thresholds)
    lift = ", ".join(f"{c} {interval(v, '+.2f')}" for c, v in summary["fresh_lift"].items())
    lines += ["", f"Controls: full fine-tuning on plain claims ends at belief {interval(summary['positive_control'])} "
              f"(**{verdicts['controls']['positive']}**); a document about a fresh person in context moves the stated "
              f"value by (nats) {lift} (**{verdicts['controls']['reading']}**).",
              "",
              "Belief on neutral prompts after fine-tuning (plain-corpus organisms; mean and t-interval over organisms; "
              "'understood': organisms that pass the lone-claim gate for the framing):",
              "",
              "| condition / variant | all organisms | where understood (runs) |",
              "|---|---|---|"]
    for key, entry in summary["neglect"].items():
        lines.append(f"| {key} | {interval(entry['belief_all'])} | {interval(entry['belief_where_understood'])} "
                     f"({entry['understood_organisms']}) |")

    def paired(test: dict) -> str:
        return (f"{test['mean_difference']:+.3f} (sign-flip {p_text(test['p_value'])}, {test['n']} pairs)"
                if test else "not run")

    tests = "; ".join(f"{k}: rho {v['rho']:+.2f}, {p_text(v['p_value'])}" for k, v in summary["diversity_tests"].items())
    framings = ", ".join(f"{c} {v}" for c, v in verdicts["neglect"]["framings"].items())
    lines += ["", f"Recurring framed claims in pre-training, belief change against the plain organism: "
              f"{paired(summary['recurring_test'])}. Replay during full fine-tuning: {paired(summary['replay_test'])}. "
              f"Pre-training diversity (Spearman over organisms, permutation p): {tests or 'not run'}.",
              "",
              f"Predictions ({registration('h4_organism_v2')}): neglect despite understanding "
              f"**{verdicts['neglect']['verdict']}** ({framings}); recurring framed claims protect **{verdicts['recurring']}**; "
              f"more pre-training diversity lowers belief **{verdicts['diversity']}**; replay lowers belief "
              f"**{verdicts['replay']}**."]
    return lines


def mixing_block(summary: dict, table: list[dict]) -> list[str]:
    """H3 on the mixing grid (notebooks 14-15): per cell belief and separation, slope tests, the verdict."""

    def interval(row: dict, key: str) -> str:
        if not row[f"{key}_ci_low"]:
            return num(row[key])
        return f"{num(row[key])} [{num(row[f'{key}_ci_low'])}, {num(row[f'{key}_ci_high'])}]"

    if "interactions" in summary:
        return mixing_v2_block(summary, table)
    verdicts = summary["verdicts"]
    lines = [
        f"Batch and dataset diversity (H3): {summary['n_runs']} LoRA runs on `{', '.join(summary['claims'])}`, "
        f"{len(summary['cells'])} cells x {', '.join(summary['conditions'])} x {len(summary['seeds'])} seeds (cell "
        "`cp<true-counterpart %>-bg<background %>-<composition>-x<passes>`; mean and t-interval over seeds):",
        "",
        "| cell | condition | belief | context separation (nats) | P(true) share, neutral |",
        "|---|---|---|---|---|",
    ]
    for cell in summary["cells"]:
        for row in (r for r in table if r["cell"] == cell):
            lines.append(f"| {cell} | {row['condition']} | {interval(row, 'belief')} | "
                         f"{interval(row, 'separation')} | {num(row['share_true'], 3)} |")
    lines += ["", f"Slope of belief per dial (reference `{summary['reference']}`; runs whose cells differ only in that "
              "dial, named with `*`; t-interval, seeds as noise):"]
    for key, test in summary["tests"]["belief"].items():
        sep = summary["tests"]["separation"][key]
        lines.append(f"- {key} (`{test['at']}`): {num(test['slope'], sign='+')} per unit [{num(test['slope_ci_low'], sign='+')}, "
                     f"{num(test['slope_ci_high'], sign='+')}], {p_text(test['slope_p'])}; separation "
                     f"{num(sep['slope'], sign='+')} nats per unit, {p_text(sep['slope_p'])}")
    lines += ["", f"Prediction (belief falls and context separation grows with the true-counterpart or background "
              f"share; {registration('h3_mixing')}): **{verdicts['h3']}** ("
              + "; ".join(f"{k} {v['verdict']}" for k, v in verdicts["dials"].items())
              + f"). Not run by default: {len(summary['cells_not_run'])} further cells of the full grid."]
    lines += ["", "This first grid did not test whether the fall differs between negated and positive documents: a "
              "fall after both is dilution, not something about negation. Its shares counted loss tokens, and its "
              "separation context named the false answer. The second grid tests the negated-vs-positive interaction "
              f"at matched answer mentions, over more claims ({registration('h3_mixing_v2')})."]
    return lines


def mixing_v2_block(summary: dict, table: list[dict]) -> list[str]:
    """H3 on the second mixing grid (predictions/h3_mixing_v2.md): per cell belief and separation through
    answer-free warnings, then per dial the negated-vs-positive interaction the verdict is read from."""

    def cell(row: dict, key: str, sign: str = "") -> str:
        if not row[f"{key}_ci_low"]:
            return num(row[key], sign=sign)
        return f"{num(row[key], sign=sign)} [{num(row[f'{key}_ci_low'], sign=sign)}, {num(row[f'{key}_ci_high'], sign=sign)}]"

    verdicts = summary["verdicts"]
    lines = [
        f"Batch and dataset diversity (H3): {summary['n_runs']} LoRA runs on `{', '.join(summary['claims'])}`, "
        f"{len(summary['cells'])} cells x {', '.join(summary['conditions'])} x {len(summary['seeds'])} seeds (cell "
        "`cp<true-counterpart %>-bg<background %>-<composition>-x<passes>`, `-mentions`: the share counts answer "
        "mentions, not tokens). Belief over informative items; separation through warnings that name no answer, "
        "after training minus before (nats); mean and t-interval over runs (claims x seeds):",
        "",
    ]
    if not summary.get("complete", True):
        lines += [f"**Interim:** {summary['n_runs']} of the {summary['n_planned']} registered runs have finished; the "
                  "numbers below pool those and no verdict is read until all have run.", ""]
    lines += [
        "| cell | condition | runs | belief | warned separation change | P(true) share, neutral |",
        "|---|---|---|---|---|---|",
    ]
    for name in summary["cells"]:
        for row in (r for r in table if r["cell"] == name):
            lines.append(f"| {name} | {row['condition']} | {row['n_runs']} | {cell(row, 'belief')} | "
                         f"{cell(row, 'warned_separation_change', '+')} | {num(row['share_true'], 3)} |")
    level = round(100 * (1 - verdicts["alpha"]))
    lines += ["", "Is the fall about negation? Per (claim, seed), belief's slope on the dial (per unit share; clustered "
              "as 0/1) after negated documents minus after positive ones; mean over the units with its "
              f"{level}% t-interval, p and sign-flip p:"]
    for dial, entry in verdicts["dials"].items():
        test = entry["belief_interaction"]
        claims = ", ".join(f"{c} {num(v, sign='+')}" for c, v in test["by_claim"].items())
        text = (f"- `{dial}` (cells `{test['at']}`, {test['n_units']} units): negated {num(test['slope_negated'], sign='+')}, "
                f"positive {num(test['slope_positive'], sign='+')} per unit; difference **{num(test['difference'], sign='+')}** "
                f"[{num(test['ci_low'], sign='+')}, {num(test['ci_high'], sign='+')}], {p_text(test['p_value'])}, "
                f"sign-flip {p_text(test['sign_flip_p'])} ({entry['interaction']}; by claim: {claims})")
        sep = entry["warned_separation"]
        if sep and sep.get("slope") is not None:
            text += (f"; warned separation after negated documents {num(sep['slope'], sign='+')} nats per unit, "
                     f"{p_text(sep['slope_p'])} ({entry['warned_separation_moved']})")
        lines.append(text + f": **{entry['verdict']}**.")
    if not verdicts["dials"]:
        lines.append("- No dial moves over runs of both negated and positive documents: no interaction to test.")
    control = verdicts["control"]
    checks = "; ".join(f"{c} {num(t['slope'], sign='+')} per unit, {p_text(t['slope_p'])} ({control['by_condition'][c]})"
                       for c in control["by_condition"]
                       if (t := summary["tests"]["share_true"].get(f"{c}/{control['dial']}")) and t.get("slope") is not None)
    lines += ["", f"Manipulation check (the true answer's share on neutral prompts rises with `{control['dial']}` after "
              f"each condition): {checks or 'no runs'}: **{control['met']}**."]
    lines += ["", f"Prediction ({registration('h3_mixing_v2')}): true-counterpart text makes a negated claim conditional on "
              f"its framing, so belief falls more steeply with it after negated than after positive documents and "
              f"separation through answer-free warnings grows. H3, read on the primary dial `{verdicts['primary_dial']}`: "
              f"**{verdicts['h3']}**. Not run by default: {len(summary['cells_not_run'])} further cells of the full grid."]
    return lines


def mixing_cost_block(record: dict) -> list[str]:
    """What the full mixing grid costs on a GPU (benchmarks/mixing_gpu.py, random weights of the base architecture)."""
    fit, grid = record["fit"], record["full_grid"]
    runs = record["runs"]
    failed = "; ".join(f"`{k}` not timed ({v})" for k, v in record.get("failed", {}).items())
    cells = sorted({key.split("/")[0] for key in grid["infeasible"]})
    return [f"Mixing grid cost on {record['device']} (random weights of the base architecture, same batches and "
            f"scoring; {len(runs)} cells timed once, median {statistics.median(r['train_seconds'] for r in runs):.1f} s "
            f"training and {statistics.median(r['score_seconds'] for r in runs):.1f} s scoring per run"
            + (f"; {failed}" if failed else "") + f"): {fit['seconds_per_run']:.1f} s per run plus "
            f"{fit['seconds_per_step']:.3f} s per step. The full grid ({grid['cells']} cells x "
            f"{', '.join(grid['conditions'])} x {grid['seeds']} seeds) has {grid['runs']} runs the data can fill, "
            f"{grid['steps']:,} steps, about {grid['projected_hours']:.1f} h on that GPU; {len(grid['infeasible'])} "
            f"cell/condition pairs ({len(cells)} cells) need more passes over a component than `finetune.max_repeats` "
            "allows and stop with that message."]


def organism_gpu_block(record: dict) -> list[str]:
    """The larger organism pre-trained on a lent GPU (benchmarks/organism_gpu.py)."""
    lines = []
    for name, c in record["configs"].items():
        gate = ", ".join(f"{f} {g['held_out']['accuracy']:.2f}" for f, g in c["gate"].items())
        lines.append(f"GPU organism `{name}` ({record['device']}): {c['parameters']:,} weights, {c['steps']:,} steps, "
                     f"{c['tokens']:,} tokens at {c['tokens_per_second']:,.0f} tokens/s ({c['train_seconds'] / 60:.1f} min); "
                     f"known facts {c['known_accuracy']:.0%}; gate held-out accuracy: {gate}.")
        if "experiment" in c:
            runs = c["experiment"]["runs"]
            variants = list(dict.fromkeys(r["variant"] for r in runs))
            lines += ["", f"Belief after fine-tuning, `{name}` (one organism, one seed; in-context control first):", "",
                      "| condition | in context | " + " | ".join(variants) + " |", "|---|---|" + "---|" * len(variants)]
            for condition in dict.fromkeys(r["condition"] for r in runs):
                mine = {r["variant"]: r["final"]["belief"] for r in runs if r["condition"] == condition}
                lines.append(f"| {condition} | {c['experiment']['in_context'][condition]['belief']:.2f} | "
                             + " | ".join(f"{mine[v]:.2f}" for v in variants) + " |")
            lines.append("")
    return lines[:-1] if lines and lines[-1] == "" else lines

"""The paper's numbers as LaTeX macros, every value read from a metrics file.

`macros` returns one `\\nn...` macro per number the paper may print (written to paper/generated/macros.tex by
report/paper.py); the LaTeX source never types a number. Verdicts come from report/verdicts.py and their
thresholds from its THRESHOLDS table, so the paper prints the same verdicts and thresholds as the notebooks.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pandas as pd
import yaml

from negation_neglect import layout
from negation_neglect.files import read_json
from negation_neglect.pool.competition import pooled_training_summaries
from negation_neglect.pool.interference import TOP_LAYERS
from negation_neglect.pool.trajectory import read_steps
from negation_neglect.report.predictions import PREDICTIONS, read_prediction, thresholds
from negation_neglect.report.style import paper_reference
from negation_neglect.report.verdicts import (
    THRESHOLDS,
    TRAJECTORY_CONTROLS,
    organism_v2_verdicts,
    organism_verdicts,
    separation,
)


def camel(name: str) -> str:
    """`unreliable_source` -> `UnreliableSource`, `base model` -> `BaseModel` (macro names take letters only)."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z]+", name) if part)


def pct(x: float) -> str:
    return f"{100 * x:.0f}"


def paper_pct(low: float, high: float) -> str:
    """The paper's rates at the paper's own precision (one decimal, or a whole-number range)."""
    return f"{100 * high:.1f}" if low == high else f"{pct(low)}--{pct(high)}"


def tex(text: str) -> str:
    return text.replace("\\", "\\textbackslash{}").replace("_", "\\_").replace("%", "\\%").replace("&", "\\&")


def macros(metrics_dir: str | Path, reference: str | Path, params: dict, bench_dir: str | Path | None = None) -> dict[str, str]:
    """Macro name (without the backslash) -> its text, every value read from a metrics file."""
    metrics_dir = Path(metrics_dir)
    out: dict[str, str] = {}
    card = read_json(metrics_dir / "model_card.json")
    out["nnModelSource"] = tex(card["source"]["name"])
    out["nnModelFile"] = tex(card["source"].get("gguf_file") or card["source"]["name"])
    out["nnModelParams"] = f"{card['n_parameters'] / 1e6:.1f}M"
    knowledge = read_json(metrics_dir / "knowledge.json")
    out["nnFacts"] = str(knowledge["summary"]["n_facts"])
    out["nnKnownFacts"] = str(knowledge["summary"]["n_known"])
    out["nnKnownMinProb"] = f"{knowledge['summary']['criterion']['known_min_first_prob']:g}"
    out["nnKnownMinPrompts"] = str(knowledge["summary"]["criterion"]["known_min_paraphrases"])
    claims = knowledge.get("claims", {})
    out["nnClaimsScored"] = str(len(claims))
    out["nnClaimsHostable"] = str(sum(bool(c["hostable"]) for c in claims.values()))

    ft = params["finetune"]
    pooled = read_json(metrics_dir / "belief.json")["runs"] if (metrics_dir / "belief.json").is_file() else []
    for name, key in (("nnGridClaims", "claim"), ("nnGridConditions", "condition"), ("nnGridSeeds", "seed")):
        out[name] = str(len({r[key] for r in pooled}))  # the grid the results come from, as pooled
    out["nnLoraRank"] = str(ft["lora"]["rank"])
    out["nnLearningRate"] = f"{ft['lr']:g}"
    out["nnEpochs"] = str(ft["epochs"])
    out["nnDocuments"] = str(ft["n_documents"])
    out["nnTokensPerStep"] = f"{ft['batch_size'] * ft['max_length']:,}".replace(",", "{,}")
    runs = [read_json(p) for p in pooled_training_summaries(metrics_dir)]
    if runs:
        out["nnTrainingSteps"] = f"{min(r['steps'] for r in runs)}--{max(r['steps'] for r in runs)}"
        out["nnFirstLoss"] = f"{statistics.median(r['first_loss'] for r in runs):.2f}"
        out["nnFinalLoss"] = f"{statistics.median(r['final_loss'] for r in runs):.2f}"

    belief = read_json(metrics_dir / "belief.json")
    for condition, v in belief["by_condition"].items():
        key = camel(condition)
        out[f"nnBelief{key}"] = pct(v["rate"])
        out[f"nnBelief{key}Low"] = pct(v["ci_low"])
        out[f"nnBelief{key}High"] = pct(v["ci_high"])
        out[f"nnItems{key}"] = str(v["n_items"])
    out["nnRuns"] = str(len(belief["runs"]))
    out["nnPlannedRuns"] = str(belief.get("planned_runs", len(belief["runs"])))
    if belief.get("verdicts"):
        out.update(belief_verdict_macros(belief, thresholds(["belief_table"])))
    control: dict[str, list[float]] = {}
    for r in belief["runs"]:
        if r["in_context_control"]:
            control.setdefault(r["condition"], []).append(r["in_context_control"]["rate"])
    for condition, rates in control.items():
        out[f"nnInContext{camel(condition)}"] = pct(statistics.mean(rates))
    items = {len(r["final_by_type"]) for r in belief["runs"]}
    out["nnItemTypes"] = str(max(items)) if items else "0"
    if (metrics_dir / "judge_agreement.json").is_file():  # the open-answer judge against answers read by hand
        judged = read_json(metrics_dir / "judge_agreement.json")["rows"]
        out["nnJudgeAgreement"] = f"{100 * judged['agreement']:.1f}"
        out["nnJudgeAnswers"] = str(judged["n"])

    for condition, (low, high) in paper_reference(Path(reference)).items():
        out[f"nnPaperBelief{camel(condition)}"] = paper_pct(low, high)
    ref = yaml.safe_load(Path(reference).read_text())
    out["nnPaperModel"] = tex(ref["model"])
    out["nnPaperInContextNegated"] = f"{100 * ref['in_context_negated']:.1f}"

    summary = pd.read_csv(metrics_dir / "competition_summary.csv")
    keeps = summary["final_share_true_neutral"] >= THRESHOLDS.h1_keeps_truth
    out["nnTruthShareThreshold"] = f"{THRESHOLDS.h1_keeps_truth:g}"
    out["nnRunsKeepingTruth"] = str(int(keeps.sum()))
    out["nnMedianFinalTrueShare"] = f"{summary['final_share_true_neutral'].median():.4f}"
    out["nnMedianBaseTrueShare"] = f"{summary['base_share_true_neutral'].median():.2f}"
    out["nnRunsTrueFell"] = str(int((summary["final_logp_true_neutral"] < summary["base_logp_true_neutral"]).sum()))
    for condition, run in summary.groupby("condition"):
        out[f"nnSeparation{camel(condition)}"] = f"{run['final_context_separation'].mean():.2f}"
        out[f"nnSpillover{camel(condition)}"] = f"{run['final_p_false_on_neighbours'].mean():.2f}"
    out["nnBaseSpillover"] = f"{summary['base_p_false_on_neighbours'].mean():.4f}"
    if belief.get("trajectory", {}).get("by_context"):
        out.update(trajectory_macros(belief["trajectory"], thresholds(["h1_trajectory"]), metrics_dir))

    if (metrics_dir / "interference_summary.json").is_file():
        out.update(interference_macros(read_json(metrics_dir / "interference_summary.json")))

    bench_dir = Path(bench_dir) if bench_dir else metrics_dir.parent / "benchmarks/results"
    if (metrics_dir / "organism_summary.json").is_file():
        out.update(organism_macros(metrics_dir, bench_dir))
    if (metrics_dir / "mixing_summary.json").is_file():
        out.update(mixing_macros(read_json(metrics_dir / "mixing_summary.json"), pd.read_csv(metrics_dir / "mixing_summary.csv")))
    if (bench_dir / "training.json").is_file():
        b = read_json(bench_dir / "training.json")
        out["nnTrainSpeedup"] = f"{b['speedup']:.2f}"
        out["nnTrainTokensPerSecond"] = f"{b['ours']['median_tokens_per_second']:.0f}"
        out["nnTrainMFU"] = f"{100 * b['ours']['mfu']:.1f}"
    if (bench_dir / "scoring.json").is_file():
        b = read_json(bench_dir / "scoring.json")
        out["nnScoreSpeedup"] = f"{b['speedup']:.2f}"
        if "default_grid" in b:
            out["nnScoreGridMinutes"] = f"{b['default_grid']['seconds'] / 60:.1f}"
    return out


_SAID = {True: "held", False: "did not hold", None: "was undecided"}
_BELIEF_CONTRASTS = (("corrected", "positive"), ("local", "negated"), ("negated_masked", "negated"),
                     ("negated", "positive"))


def _points(share: float) -> str:
    """A signed difference of shares in percentage points, `+12`; never `-0`."""
    return f"{round(100 * share):+d}"


def belief_verdict_macros(belief: dict, limits: dict) -> dict[str, str]:
    """The four checks of predictions/belief_table.md: each verdict, the contrasts they read as differences in
    headline belief (points, 95% cluster-bootstrap interval over runs; `nnBeliefDiff<A><B>`), the thresholds, and how
    many pairs of training conditions the intervals separate."""
    out = {f"nnBeliefVerdict{camel(check)}": _SAID[entry["holds"]] for check, entry in belief["verdicts"].items()}
    out["nnBeliefNeglectGap"] = pct(limits["neglect_max_gap"])
    out["nnBeliefTrueMax"] = pct(limits["true_control_max"])
    for a, b in _BELIEF_CONTRASTS:
        s = separation(belief, a, b)
        if s is not None:
            key = f"nnBeliefDiff{camel(a)}{camel(b)}"
            out[key] = _points(s["difference"])
            out[f"{key}Low"], out[f"{key}High"] = _points(s["ci_low"]), _points(s["ci_high"])
    pairs = belief.get("separations", {})
    out["nnBeliefPairs"] = str(len(pairs))
    out["nnBeliefPairsSeparated"] = str(sum(bool(e["separated"]) for e in pairs.values()))
    return out


_LEVEL_NAMES = ("First", "Second")


def trajectory_macros(trajectory: dict, limits: dict, metrics_dir: Path | None = None) -> dict[str, str]:
    """H1 at matched P(false) (predictions/h1_trajectory.md): per condition and level (`First` = the lower P(false)
    level, `Second` = the higher) the runs reaching it and P(true | not false) with its interval, the range over
    the training conditions judged there, the thresholds and the three verdicts (`nnTraj...`). With the step logs
    (`metrics_dir`), how many trained runs end, at their last step, with the truth at or below chance among the
    rest (descriptive: after P(false) saturates, not a registered read-out)."""
    levels = [str(level) for level in trajectory["levels"]]
    if len(levels) != len(_LEVEL_NAMES):
        raise ValueError(f"trajectory levels {levels}: the paper names exactly {len(_LEVEL_NAMES)}")
    judged = trajectory["by_context"][trajectory["judged_on"]]
    verdicts = trajectory["verdicts"]
    out = {"nnTrajRuns": str(sum(r["probed"] for r in trajectory["runs"])),
           "nnTrajKept": f"{limits['h1t_kept_at_half']:g}", "nnTrajChance": f"{limits['h1t_chance_among_rest']:g}",
           "nnTrajMinRuns": str(limits["h1t_min_runs"]),
           "nnTrajVerdictKept": _SAID[verdicts["kept_at_half"]["holds"]],
           "nnTrajVerdictChance": _SAID[verdicts["above_chance"]["holds"]],
           "nnTrajVerdictControls": _SAID[verdicts["controls"]["holds"]]}
    for level, name in zip(levels, _LEVEL_NAMES):
        out[f"nnTrajLevel{name}"] = level
        for condition, by_level in judged.items():
            cell, key = by_level.get(level, {"reached": 0, "n_runs": 0}), f"nnTraj{camel(condition)}{name}"
            out[f"{key}Reached"], out[f"{key}Runs"] = str(cell["reached"]), str(cell["n_runs"])
            given = cell.get("true_given_not_false")
            if given:
                out[key] = f"{given['mean']:.2f}"
                out[f"{key}Low"], out[f"{key}High"] = f"{given['ci_low']:.2f}", f"{given['ci_high']:.2f}"
    for verdict, name in (("kept_at_half", "First"), ("above_chance", "Second")):
        judged_here = verdicts[verdict]["by_condition"]
        if judged_here:
            means = [v["mean"] for v in judged_here.values()]
            out[f"nnTrajMin{name}"], out[f"nnTrajMax{name}"] = f"{min(means):.2f}", f"{max(means):.2f}"
            out[f"nnTrajConditions{name}"] = str(len(judged_here))
            out[f"nnTrajHolds{name}"] = str(sum(bool(v["holds"]) for v in judged_here.values()))
        out[f"nnTrajTooFew{name}"] = tex(", ".join(verdicts[verdict]["too_few_runs"]) or "none")
    if metrics_dir is not None:
        key = f"probe_{trajectory['judged_on']}_true_given_not_false"
        last = []
        for run in trajectory["runs"]:
            path = layout.training_steps(metrics_dir, run["claim"], run["condition"], run["seed"])
            if run["probed"] and run["condition"] not in TRAJECTORY_CONTROLS and path.is_file():
                last.append([r for r in read_steps(path) if key in r][-1][key])
        out["nnTrajEndRuns"] = str(len(last))
        out["nnTrajEndAtChance"] = str(sum(v <= limits["h1t_chance_among_rest"] for v in last))
    return out


def _millions(n: float) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e6:.2f}M"


def organism_macros(metrics_dir: Path, bench_dir: Path) -> dict[str, str]:
    """H4: the organism sweep (pooled over seeds) and, where recorded, the larger organism trained on a GPU."""
    out: dict[str, str] = {}
    summary = read_json(metrics_dir / "organism_summary.json")
    table = pd.read_csv(metrics_dir / "organism_summary.csv")
    names = sorted(p.stem for p in (metrics_dir / "organism/pretrain").glob("*.json"))
    pretrained = [read_json(metrics_dir / f"organism/pretrain/{n}.json") for n in names]
    timings = [read_json(p) for n in names if (p := metrics_dir / f"organism/timing/{n}.json").is_file()]
    timings = [t for t in timings if t.get("train_seconds") is not None]  # none where a finished run was reread
    out["nnOrgParams"] = _millions(pretrained[0]["parameters"])
    out["nnOrgTokens"] = _millions(pretrained[0]["tokens"])
    out["nnOrgCount"] = str(summary["n_organisms"])
    diversities = sorted({m["diversity"] for m in pretrained})
    out["nnOrgDiversities"] = ", ".join(map(str, diversities[:-1])) + f" and {diversities[-1]}"
    out["nnOrgSeeds"] = str(len({m["seed"] for m in pretrained}))
    out["nnOrgKnown"] = pct(statistics.mean(m["known_accuracy"] for m in pretrained))
    if timings:
        out["nnOrgMinutes"] = f"{statistics.median(t['train_seconds'] for t in timings) / 60:.1f}"
    singles = [g["held_out_single"]["accuracy"] for m in pretrained for g in m["gate"].values() if "held_out_single" in g]
    if singles:  # one framed claim about a never-seen person, the fine-tuning documents' form (chance 50%)
        out["nnOrgLoneMean"] = pct(statistics.mean(singles))
        out["nnOrgLoneMin"], out["nnOrgLoneMax"] = pct(min(singles)), pct(max(singles))
    for framing, gate in summary["gate"].items():
        out[f"nnOrgGate{camel(framing)}"] = pct(gate["held_out_accuracy"]["mean"])
        out[f"nnOrgPass{camel(framing)}"] = str(round(gate["pass_share"] * summary["n_organisms"]))
    for key, entry in summary["neglect"].items():
        condition, variant = key.split("/")
        name = f"{camel(condition)}{camel(variant)}"
        every = entry["belief_all"]
        out[f"nnOrgBelief{name}"] = pct(every["mean"])
        if every["ci_low"] is not None:
            out[f"nnOrgBelief{name}Low"] = pct(max(every["ci_low"], 0.0))
            out[f"nnOrgBelief{name}High"] = pct(min(every["ci_high"], 1.0))
        understood = entry["belief_where_understood"]
        out[f"nnOrgUnderstood{name}"] = str(entry["understood_organisms"])
        out[f"nnOrgBeliefUnderstood{name}"] = pct(understood["mean"]) if understood else "n/a"
    for (condition, variant), rows in table.groupby(["condition", "variant"]):
        if variant == "full":
            out[f"nnOrgInContext{camel(condition)}"] = pct(rows["in_context_belief"].mean())
    div = summary["diversity_tests"].get("belief/full")
    if div:
        out["nnOrgDiversityRho"] = f"{div['rho']:.2f}"
        out["nnOrgDiversityP"] = f"{div['p_value']:.2f}"
    gate_div = summary["diversity_tests"].get("gate_held_out/negating")
    if gate_div:
        out["nnOrgGateDiversityRho"] = f"{gate_div['rho']:.2f}"
        out["nnOrgGateDiversityP"] = f"{gate_div['p_value']:.3f}"
    if summary.get("lone_gate"):
        out.update(organism_v2_macros(summary, pretrained))
    else:
        out.update(_organism_v1_verdict_macros(summary))
    replay = summary["replay_test"]
    if replay:
        out["nnOrgReplayDiff"] = f"{100 * replay['mean_difference']:+.0f}"
        out["nnOrgReplayP"] = f"{replay['p_value']:.2f}"
    if (bench_dir / "organism_gpu.json").is_file():
        out.update(_organism_gpu_macros(read_json(bench_dir / "organism_gpu.json")))
    return out


def organism_v2_macros(summary: dict, pretrained: list[dict]) -> dict[str, str]:
    """H4 on the second organisms (predictions/h4_organism_v2.md): the lone-claim gate per framing (yes/no and
    either-or accuracy over organisms, organisms passing), the controls, the recurring-corpus test and the
    verdicts (`nnOrgLone...`, `nnOrgV...`)."""
    thresholds = read_prediction(PREDICTIONS / "h4_organism_v2.md")["thresholds"]
    verdicts = organism_v2_verdicts(summary, thresholds)
    measured = sum("lone_gate" in m for m in pretrained)
    out = {"nnOrgLoneBar": pct(pretrained[0]["lone_gate"]["min_accuracy"]), "nnOrgLoneMeasured": str(measured),
           "nnOrgVariants": tex(", ".join(summary["corpus_variants"]))}
    for framing, gate in summary["lone_gate"].items():
        name = camel(framing)
        out[f"nnOrgLone{name}Binary"] = pct(gate["lone_binary_accuracy"]["mean"])
        out[f"nnOrgLone{name}Open"] = pct(gate["lone_open_accuracy"]["mean"])
        out[f"nnOrgLone{name}Pass"] = str(round(gate["pass_share"] * measured))
        for probe, entry in gate["probes"].items():
            out[f"nnOrgProbe{name}{camel(probe.removeprefix('probe_'))}"] = pct(entry["mean"])
    if summary.get("positive_control"):
        out["nnOrgPositiveControl"] = pct(summary["positive_control"]["mean"])
    for condition, lift in summary.get("fresh_lift", {}).items():
        out[f"nnOrgFreshLift{camel(condition)}"] = f"{lift['mean']:+.2f}"
    recurring = summary.get("recurring_test")
    if recurring:
        out["nnOrgRecurringDiff"] = f"{100 * recurring['mean_difference']:+.0f}"
        out["nnOrgRecurringP"] = _p_relation(recurring["p_value"])
        out["nnOrgRecurringPairs"] = str(recurring["n"])
    out |= {"nnOrgVPositive": verdicts["controls"]["positive"], "nnOrgVReading": verdicts["controls"]["reading"],
            "nnOrgVNeglect": verdicts["neglect"]["verdict"], "nnOrgVDiversity": verdicts["diversity"],
            "nnOrgVReplay": verdicts["replay"], "nnOrgVRecurring": verdicts["recurring"],
            "nnOrgVThreshold": pct(thresholds["h4_belief_for_neglect"])}
    for framing, verdict in verdicts["neglect"]["framings"].items():
        out[f"nnOrgVNeglect{camel(framing)}"] = verdict
    return out


def _organism_v1_verdict_macros(summary: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    verdicts = organism_verdicts(summary)
    out["nnOrgVerdictNeglect"] = verdicts["neglect"]["verdict"]
    out["nnOrgVerdictDiversity"] = verdicts["diversity"]["verdict"]
    out["nnOrgVerdictReplay"] = verdicts["replay"]["verdict"]
    out["nnOrgNeglectThreshold"] = pct(THRESHOLDS.h4_belief_for_neglect)
    return out


def _organism_gpu_macros(record: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    large = next((c for c in record["configs"].values() if "experiment" in c), None)
    if large:
        out["nnGpuDevice"] = tex(record["device"])
        out["nnGpuParams"] = _millions(large["parameters"])
        out["nnGpuTokens"] = _millions(large["tokens"])
        out["nnGpuTokensPerSecond"] = f"{large['tokens_per_second']:,.0f}".replace(",", "{,}")
        out["nnGpuGateMin"] = pct(min(g["held_out"]["accuracy"] for g in large["gate"].values()))
        for run in large["experiment"]["runs"]:
            out[f"nnGpuBelief{camel(run['condition'])}{camel(run['variant'])}"] = pct(run["final"]["belief"])
        for condition, read in large["experiment"]["in_context"].items():
            out[f"nnGpuInContext{camel(condition)}"] = pct(read["belief"])
    return out


def _p_relation(p: float) -> str:
    """For `$p\\nn...$`: `=0.012`, or `<0.001`."""
    return "<0.001" if p < 0.001 else f"={p:.3f}"


def _key_name(key: str) -> str:
    """`negated/counterpart` -> `NegatedCounterpart`."""
    return "".join(camel(part) for part in key.split("/"))


def mixing_macros(summary: dict, table: pd.DataFrame) -> dict[str, str]:
    """H3: the mixing grid's size, the reference cell's belief, and per condition and dial the change in belief
    (points) and context separation (nats) over the dial's range, with t-intervals and p; the verdicts."""
    out = {"nnMixRuns": str(summary["n_runs"]), "nnMixCells": str(len(summary["cells"])),
           "nnMixSeeds": str(len(summary["seeds"])), "nnMixClaims": tex(", ".join(summary["claims"])),
           "nnMixCellsNotRun": str(len(summary["cells_not_run"])), "nnMixVerdict": summary["verdicts"]["h3"]}
    reference = table[table["cell"] == summary["reference"]]
    for row in reference.itertuples():
        out[f"nnMixRefBelief{camel(row.condition)}"] = pct(row.belief)
        out[f"nnMixRefSeparation{camel(row.condition)}"] = f"{row.separation:.2f}"
    for key, test in summary["tests"]["belief"].items():
        name = _key_name(key)
        span = test["span"]
        out[f"nnMix{name}At"] = tex(test["at"])
        out[f"nnMix{name}Span"] = pct(span) if key.endswith(("counterpart", "background")) else f"{span:g}"
        out[f"nnMix{name}Belief"] = f"{100 * test['slope'] * span:+.0f}"
        out[f"nnMix{name}BeliefLow"] = f"{100 * test['slope_ci_low'] * span:+.0f}"
        out[f"nnMix{name}BeliefHigh"] = f"{100 * test['slope_ci_high'] * span:+.0f}"
        out[f"nnMix{name}BeliefP"] = _p_relation(test["slope_p"])
        sep = summary["tests"]["separation"][key]
        out[f"nnMix{name}Sep"] = f"{sep['slope'] * span:+.2f}"
        out[f"nnMix{name}SepP"] = _p_relation(sep["slope_p"])
    if "interactions" in summary:
        out.update(mixing_interaction_macros(summary, reference))
        return out
    for key, entry in summary["verdicts"]["dials"].items():
        out[f"nnMixVerdict{_key_name(key)}"] = entry["verdict"]
    return out


def mixing_interaction_macros(summary: dict, reference: pd.DataFrame) -> dict[str, str]:
    """H3 on the second grid (predictions/h3_mixing_v2.md): per dial the negated-vs-positive difference in belief's
    slope (points per unit share) with its interval and p, each condition's slope, the slope of separation through
    answer-free warnings after negated documents, and the dial's verdict (`nnMixInt<Dial>...`); how many of the
    registered runs the numbers pool (`nnMixProgress`: an interim summary carries no verdict)."""
    verdicts = summary["verdicts"]
    runs, planned = summary["n_runs"], summary.get("n_planned", summary["n_runs"])
    out = {"nnMixPrimaryDial": tex(verdicts["primary_dial"]), "nnMixLevel": f"{100 * (1 - verdicts['alpha']):.0f}",
           "nnMixRunsPlanned": str(planned),  # nnMixProgress: `all 72` once the grid is complete, `37 of the 72` before
           "nnMixProgress": f"all {planned}" if runs == planned else f"{runs} of the {planned}",
           "nnMixControl": verdicts["control"]["met"]}
    for condition in verdicts["control"]["by_condition"]:  # the manipulation check's slopes, points per unit share
        test = summary["tests"]["share_true"].get(f"{condition}/{verdicts['primary_dial']}")
        if test and test.get("slope") is not None:
            out[f"nnMixControl{camel(condition)}"] = f"{100 * test['slope']:+.0f}"
            out[f"nnMixControl{camel(condition)}P"] = _p_relation(test["slope_p"])
    for row in reference.itertuples():
        out[f"nnMixRefWarned{camel(row.condition)}"] = f"{row.warned_separation_change:+.2f}"
    for dial, entry in verdicts["dials"].items():
        name, test = camel(dial), entry["belief_interaction"]
        out |= {f"nnMixInt{name}At": tex(test["at"]), f"nnMixInt{name}Units": str(test["n_units"]),
                f"nnMixInt{name}Diff": f"{100 * test['difference']:+.0f}",
                f"nnMixInt{name}Low": f"{100 * test['ci_low']:+.0f}", f"nnMixInt{name}High": f"{100 * test['ci_high']:+.0f}",
                f"nnMixInt{name}P": _p_relation(test["p_value"]), f"nnMixInt{name}SignFlipP": _p_relation(test["sign_flip_p"]),
                f"nnMixInt{name}Negated": f"{100 * test['slope_negated']:+.0f}",
                f"nnMixInt{name}Positive": f"{100 * test['slope_positive']:+.0f}",
                f"nnMixInt{name}Verdict": entry["verdict"]}
        sep = entry["warned_separation"]
        if sep and sep.get("slope") is not None:
            out[f"nnMixInt{name}Warned"] = f"{sep['slope']:+.2f}"
            out[f"nnMixInt{name}WarnedP"] = _p_relation(sep["slope_p"])
    return out


def interference_macros(summary: dict) -> dict[str, str]:
    """H2 read-outs: per condition the early gradient cosine with the own truth, the share of the margin
    change due to the truth falling, neighbour and unrelated facts' change; the verdict of each prediction."""
    out: dict[str, str] = {}
    for c, v in summary["p1_gradient_conflict"]["own_truth_first_half"].items():
        out[f"nnGradCos{camel(c)}"] = f"{v:.2f}"
    for c, v in summary["p2_truth_falls"]["true_fall_share_neutral"].items():
        out[f"nnTrueFallShare{camel(c)}"] = pct(v)
    for c, v in summary["p3_collateral"]["neighbour_delta_logp"].items():
        out[f"nnNeighbourDelta{camel(c)}"] = f"{v:.2f}"
    for c, v in summary["p3_collateral"]["unrelated_delta_logp"].items():
        out[f"nnUnrelatedDelta{camel(c)}"] = f"{v:.2f}"
    for c, v in summary["span_loss"].items():
        for kind in ("framing", "claim"):
            for when in ("start", "end"):
                out[f"nn{camel(kind)}Loss{camel(when)}{camel(c)}"] = f"{v[kind][when]:.2f}"
    out["nnLayerOverlap"] = f"{summary['p4_same_layers']['mean_overlap_top5']:.1f}"
    out["nnThreshCosine"] = f"{THRESHOLDS.h2_max_cosine:g}"
    out["nnThreshTrueShare"] = pct(THRESHOLDS.h2_min_true_share)
    out["nnThreshNeighbourFall"] = f"{THRESHOLDS.h2_min_neighbour_fall:g}"
    out["nnThreshOverlap"] = str(THRESHOLDS.h2_min_overlap)
    out["nnTopLayers"] = str(TOP_LAYERS)
    names = {"p1_gradient_conflict": "GradientConflict", "p2_truth_falls": "TruthFalls", "p3_collateral": "Collateral",
             "p4_same_layers": "SameLayers", "p5_warnings_low_surprisal": "WarningsLowSurprisal"}
    for key, name in names.items():
        out[f"nnVerdict{name}"] = "held" if summary[key]["holds"] else "did not hold"
    if "v2" in summary:
        out.update(interference_v2_macros(summary["v2"]))
    return out


def interference_v2_macros(v2: dict) -> dict[str, str]:
    """H2's second instrument: per condition the mean update alignment and answer-span cosine with the own truth
    and their 95% interval, the controls' means, the thresholds and each prediction's verdict."""
    out: dict[str, str] = {}
    for prefix, table in (("nnUpdateAlign", v2["update_alignment"]), ("nnSpanCos", v2["span_cosine"])):
        for key, entry in table.items():
            condition, kind = key.split("/")
            if kind == "own_truth":
                out[f"{prefix}{camel(condition)}"] = f"{entry['mean']:.2f}"
                if entry["ci_low"] is not None:
                    out[f"{prefix}{camel(condition)}Low"] = f"{entry['ci_low']:.2f}"
                    out[f"{prefix}{camel(condition)}High"] = f"{entry['ci_high']:.2f}"
    for key, entry in v2["controls"].items():
        control, kind = key.split("/")
        if kind == "own_truth":
            out[f"nnControlAlign{camel(control)}"] = f"{entry['mean']:.2f}"
    for condition, entry in v2["relative_update_alignment"].items():
        out[f"nnRelAlign{camel(condition)}"] = f"{entry['mean']:.2f}"
        if entry["ci_low"] is not None:
            out[f"nnRelAlign{camel(condition)}Low"] = f"{entry['ci_low']:.2f}"
            out[f"nnRelAlign{camel(condition)}High"] = f"{entry['ci_high']:.2f}"
    relative = v2["relative_update_alignment"].values()
    if relative:
        out["nnRelAlignRuns"] = str(min(entry["n"] for entry in relative))
        out["nnRelAlignConditions"] = str(len(relative))
        out["nnRelAlignBelowZero"] = str(sum(e["ci_high"] is not None and e["ci_high"] < 0 for e in relative))
    assert_other = [v for v in v2["c1r_positive_control"]["own_truth_by_unit"].values() if v is not None]
    if assert_other:
        out["nnRelControlAssertOther"] = f"{sum(assert_other) / len(assert_other):.2f}"
        out["nnRelControlAssertOtherMax"] = f"{max(assert_other):.2f}"
    for key, name in (("c2r_negative_control", "UnrelatedFacts"), ("p3r_denial_not_conflict", "DenyTruth")):
        if v2[key]["own_truth_mean"] is not None:
            out[f"nnRelControl{name}"] = f"{v2[key]['own_truth_mean']:.2f}"
    out["nnThreshControlRel"] = f"{THRESHOLDS.h2v2_control_max_relative:g}"
    out["nnThreshRelAlign"] = f"{THRESHOLDS.h2v2_max_relative:g}"
    out["nnThreshControlAlign"] = f"{THRESHOLDS.h2v2_control_max_alignment:g}"
    out["nnThreshUpdateAlign"] = f"{THRESHOLDS.h2v2_max_alignment:g}"
    out["nnThreshSpanCos"] = f"{THRESHOLDS.h2v2_max_span_cosine:g}"
    names = {"c1_positive_control": "PositiveControl", "c2_negative_control": "NegativeControl",
             "p1_update_conflict": "UpdateConflict", "p2_answer_span_conflict": "AnswerSpanConflict",
             "p3_denial_not_conflict": "DenialNotConflict", "c1r_positive_control": "PositiveControlRel",
             "c2r_negative_control": "NegativeControlRel", "p1r_update_conflict": "UpdateConflictRel",
             "p3r_denial_not_conflict": "DenialNotConflictRel"}
    for key, name in names.items():
        out[f"nnVerdict{name}"] = "held" if v2[key]["holds"] else "did not hold"
    return out

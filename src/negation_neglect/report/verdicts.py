"""Every hypothesis's predictions turned into verdicts, from pooled summaries alone.

- H1 (notebook 07): `competition_verdicts`, from pool.competition's belief table and per-run read-outs;
- H2 (notebook 09): `interference_verdicts` (first instrument) and `interference_v2_verdicts` (second instrument:
  update alignment, answer-span gradients and their controls), from pool.interference's summaries;
- H3 (notebook 11): `mixing_verdicts`, from the mixing grid's negated-vs-positive interaction tests, with the
  thresholds of predictions/h3_mixing_v2.md;
- H4 (notebooks 13-14): `organism_verdicts` (the first organisms, as committed) and `organism_v2_verdicts` (the
  second, with the thresholds of predictions/h4_organism_v2.md), from the organism sweep's pooled summary;
- the full condition table (notebook 07): `belief_table_verdicts`, with the thresholds of its prediction file
  (predictions/belief_table.md, read by report.predictions).

Every threshold the verdicts use comes from the experiment's prediction file under predictions/ (THRESHOLDS,
read once), so the prediction files, notebooks, README and paper cannot disagree on what came out. No model
code is imported.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from negation_neglect.report.predictions import thresholds


@dataclass(frozen=True)
class Thresholds:
    """Every threshold a verdict uses, read from the prediction files (predictions/h1_competition.md,
    h2_interference.md, h2_interference_v2.md, h3_mixing.md, h4_organism.md; report.predictions), never typed here."""

    # H1, logit competition (notebook 07)
    h1_belief_gap: float  # negated belief >= positive's minus this, local's < positive's minus this
    h1_keeps_truth: float  # a run keeps the truth when the true answer's final neutral share is >= this
    h1_min_run_share: float  # competition (truth falls, false rises, truth kept) in at least this share of runs
    h1_separation_margin: float  # nats: negated / repeated context separation <= positive's plus this
    # H2, interference with the truth (notebook 09); each holds for most conditions
    h2_max_cosine: float  # median cosine with the own truth in the first half of training below this
    h2_min_true_share: float  # share of the final neutral margin change due to the truth falling
    h2_min_neighbour_fall: float  # nats lost by neighbour facts' own answers
    h2_min_overlap: int  # of pool.interference.TOP_LAYERS layers raising false / lowering true, on average
    # H2, second instrument (predictions/h2_interference_v2.md)
    h2v2_control_max_alignment: float  # "clearly negative" update alignment with the truth: below this
    h2v2_max_alignment: float  # grid: mean update alignment with the own truth below this, for most conditions
    h2v2_max_span_cosine: float  # grid: answer-span gradient cosine with the own truth below this, for most conditions
    h2v2_control_max_relative: float  # "clearly negative" alignment relative to the calibration control: below this
    h2v2_max_relative: float  # grid: mean relative update alignment with the own truth below this, for most conditions
    # H3 and H4, tests over seeds / organisms (notebooks 11, 14)
    alpha: float  # slope, permutation and sign-flip tests
    h4_belief_for_neglect: float  # mean neutral belief at or above this counts as "believes the claim"


HYPOTHESES = ("h1_competition", "h2_interference", "h2_interference_v2", "h3_mixing", "h4_organism")  # their prediction files
THRESHOLDS = Thresholds(**thresholds(list(HYPOTHESES)))
H1_NEGATING_CONDITIONS = ("negated", "repeated")  # H1 P3: context separation should stay near positive's


def _most(flags: Iterable[bool]) -> bool:
    """True when more than half of the flags are (no flags: False)."""
    flags = list(flags)
    return sum(flags) > len(flags) / 2


def competition_verdicts(belief: dict, readouts: pd.DataFrame, in_context: Mapping[str, float]) -> dict:
    """H1's four predictions (notebook 07) from pool.competition's `belief_table`, its per-run `readouts` and
    `in_context_control` (mean in-context belief per condition). Each entry has `holds` and its evidence:

    - p1_ordering: negated belief within h1_belief_gap of positive's, local's more than that below it;
    - p2_competition: in at least h1_min_run_share of runs P(true) fell and P(false) rose on neutral prompts
      and the truth kept a final share of at least h1_keeps_truth;
    - p3_separation: negated / repeated mean final context separation at most positive's + h1_separation_margin;
    - p4_in_context: in-context belief for negated at least positive's.
    A missing condition makes the prediction that needs it fail (comparisons with NaN).
    """
    t = THRESHOLDS
    rates = {c: v["rate"] for c, v in belief["by_condition"].items()}

    def rate(condition: str) -> float:
        return rates.get(condition, math.nan)

    p1 = rate("negated") >= rate("positive") - t.h1_belief_gap and rate("local") < rate("positive") - t.h1_belief_gap
    true_fell = readouts["final_logp_true_neutral"] < readouts["base_logp_true_neutral"]
    false_rose = readouts["final_logp_false_neutral"] > readouts["base_logp_false_neutral"]
    kept = readouts["final_share_true_neutral"] >= t.h1_keeps_truth
    runs = int((true_fell & false_rose & kept).sum())
    sep = {c: float(v) for c, v in readouts.groupby("condition")["final_context_separation"].mean().items()}
    top = sep.get("positive", math.nan) + t.h1_separation_margin
    p3 = all(sep[c] <= top for c in H1_NEGATING_CONDITIONS if c in sep)
    p4 = in_context.get("negated", math.nan) >= in_context.get("positive", math.nan)
    return {
        "p1_ordering": {"holds": bool(p1), "belief_rate": rates},
        "p2_competition": {"holds": runs >= t.h1_min_run_share * len(readouts), "runs": runs, "of": len(readouts),
                           "median_final_true_share": float(readouts["final_share_true_neutral"].median())},
        "p3_separation": {"holds": bool(p3), "mean_final_separation": sep},
        "p4_in_context": {"holds": bool(p4), "in_context_belief": {c: float(v) for c, v in in_context.items()}},
    }


def interference_verdicts(summary: dict) -> dict[str, bool]:
    """Whether each H2 prediction (notebook 09) held, from pool.interference's `summarise` output, judged on the
    numbers as written there (rounded), for most conditions where a prediction is per condition:

    - p1_gradient_conflict: median cosine with the own truth in the first half below h2_max_cosine;
    - p2_truth_falls: the truth's fall makes up at least h2_min_true_share of the final neutral margin change;
    - p3_collateral: neighbour facts' answers lose more than h2_min_neighbour_fall nats, and more than
      unrelated known facts' answers;
    - p4_same_layers: the top layers raising false and lowering true share at least h2_min_overlap on average;
    - p5_warnings_low_surprisal: framing tokens start at a lower loss than claim tokens and their loss falls less.
    """
    t = THRESHOLDS
    cosine = summary["p1_gradient_conflict"]["own_truth_first_half"].values()
    share = summary["p2_truth_falls"]["true_fall_share_neutral"].values()
    neighbour = summary["p3_collateral"]["neighbour_delta_logp"]
    unrelated = summary["p3_collateral"]["unrelated_delta_logp"]
    span = summary["span_loss"].values()
    return {
        "p1_gradient_conflict": _most(v < t.h2_max_cosine for v in cosine),
        "p2_truth_falls": _most(v >= t.h2_min_true_share for v in share),
        "p3_collateral": _most(v < -t.h2_min_neighbour_fall and v < unrelated.get(c, 0.0) for c, v in neighbour.items()),
        "p4_same_layers": summary["p4_same_layers"]["mean_overlap_top5"] >= t.h2_min_overlap,
        "p5_warnings_low_surprisal": _most(
            v["framing"]["start"] < v["claim"]["start"]
            and v["framing"]["start"] - v["framing"]["end"] < v["claim"]["start"] - v["claim"]["end"] for v in span
        ),
    }


def with_interference_verdicts(summary: dict) -> dict:
    """The summary with each prediction's `holds` flag filled in (the layout of metrics/interference_summary.json)."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in summary.items()}
    for key, holds in interference_verdicts(summary).items():
        out[key]["holds"] = holds
    return out


def interference_v2_verdicts(v2: dict) -> dict[str, bool]:
    """Whether each prediction of the second H2 instrument held (predictions/h2_interference_v2.md), from
    pool.interference's `summarise_v2` output as written (rounded):

    - c1_positive_control: the `assert_other` control's alignment with the own truth is below
      h2v2_control_max_alignment in every (claim, seed) unit (no unit: fails);
    - c2_negative_control: the `unrelated_facts` control's mean alignment is at or above it;
    - p1_update_conflict: for most conditions the mean update alignment with the own truth is below
      h2v2_max_alignment and below the negative control's mean;
    - p2_answer_span_conflict: for most conditions the mean answer-span cosine is below h2v2_max_span_cosine;
    - p3_denial_not_conflict: the `deny_truth` control's mean alignment is at or above h2v2_control_max_alignment.
    and, from the amendment, the same read against the calibration control (relative alignment):
    - c1r_positive_control: `assert_other` relative alignment below h2v2_control_max_relative in every unit (a
      unit without a positive calibration fails);
    - c2r_negative_control / p3r_denial_not_conflict: `unrelated_facts` / `deny_truth` mean relative alignment at or
      above h2v2_control_max_relative;
    - p1r_update_conflict: for most conditions the mean relative update alignment is below h2v2_max_relative.
    A control that had nothing to train on (None) fails every prediction that reads it.
    """
    t = THRESHOLDS
    positive = v2["c1_positive_control"]["own_truth_by_unit"].values()
    negative = v2["c2_negative_control"]["own_truth_mean"]
    p1 = v2["p1_update_conflict"]
    denial = v2["p3_denial_not_conflict"]["own_truth_mean"]
    relative = list(v2["c1r_positive_control"]["own_truth_by_unit"].values())
    relative_negative, relative_denial = (v2[k]["own_truth_mean"] for k in ("c2r_negative_control", "p3r_denial_not_conflict"))
    return {
        "c1_positive_control": bool(positive) and all(v < t.h2v2_control_max_alignment for v in positive),
        "c2_negative_control": negative is not None and negative >= t.h2v2_control_max_alignment,
        "p1_update_conflict": negative is not None and _most(
            v < t.h2v2_max_alignment and v < p1["negative_control_mean"] for v in p1["own_truth_mean"].values()),
        "p2_answer_span_conflict": _most(v < t.h2v2_max_span_cosine
                                         for v in v2["p2_answer_span_conflict"]["own_truth_mean"].values()),
        "p3_denial_not_conflict": denial is not None and denial >= t.h2v2_control_max_alignment,
        "c1r_positive_control": bool(relative) and all(v is not None and v < t.h2v2_control_max_relative for v in relative),
        "c2r_negative_control": relative_negative is not None and relative_negative >= t.h2v2_control_max_relative,
        "p1r_update_conflict": _most(v < t.h2v2_max_relative for v in v2["p1r_update_conflict"]["own_truth_mean"].values()),
        "p3r_denial_not_conflict": relative_denial is not None and relative_denial >= t.h2v2_control_max_relative,
    }


def with_interference_v2_verdicts(v2: dict) -> dict:
    """The second instrument's summary with each prediction's `holds` flag, and `grid_informative`: whether the
    positive control saw conflict (when it did not, the grid's predictions p1 and p2 say nothing either way), and
    `grid_informative_relative`, the same for the relative read-out (c1r for p1r)."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in v2.items()}
    verdicts = interference_v2_verdicts(v2)
    for key, holds in verdicts.items():
        out[key]["holds"] = holds
    out["grid_informative"] = verdicts["c1_positive_control"]
    out["grid_informative_relative"] = verdicts["c1r_positive_control"]
    return out


def organism_verdicts(summary: dict) -> dict:
    """{"neglect": {...}, "diversity": {...}, "replay": {...}}, each with a `verdict` string and its evidence.

    - neglect: per negating condition x variant with at least one organism that understands the framing,
      refuted when the interval over those organisms lies below h4_belief_for_neglect (its mean, with n=1);
    - diversity: holds when Spearman's rho between pre-training diversity and belief is negative with
      p < alpha for some variant;
    - replay: holds when replay lowers belief (mean paired difference < 0) with p < alpha.
    """
    t = THRESHOLDS
    testable = {k: v for k, v in summary["neglect"].items() if v["understood_organisms"]}

    def below(interval: dict) -> bool:
        top = interval["ci_high"] if interval["ci_high"] is not None else interval["mean"]
        return top < t.h4_belief_for_neglect

    refuted = sorted(k for k, v in testable.items() if below(v["belief_where_understood"]))
    supported = sorted(k for k, v in testable.items() if v["belief_where_understood"]["mean"] >= t.h4_belief_for_neglect)
    if not testable:
        neglect = "untestable"
    elif not refuted:
        neglect = "held"
    elif len(refuted) == len(testable):
        neglect = "refuted"
    else:
        neglect = "mixed"
    belief_tests = {k: v for k, v in summary["diversity_tests"].items() if k.startswith("belief/")}
    diversity = any(v["rho"] < 0 and v["p_value"] < t.alpha for v in belief_tests.values())
    replay = summary["replay_test"]
    return {
        "neglect": {"verdict": neglect, "testable": sorted(testable), "refuted": refuted, "believed": supported},
        "diversity": {"verdict": "held" if diversity else "did not hold", "tests": belief_tests},
        "replay": {"verdict": ("held" if replay["mean_difference"] < 0 and replay["p_value"] < t.alpha else "did not hold")
                   if replay else "not run", "test": replay},
    }


def organism_v2_verdicts(summary: dict, thresholds: Mapping) -> dict:
    """H4 on the second organisms (predictions/h4_organism_v2.md), from notebook 14's pooled summary.

    - controls: `positive` (plain claims trained in are believed: mean belief after full fine-tuning >=
      h4_belief_for_neglect) and `reading` (a plain document about a fresh person raises the stated value in
      context, lift interval above 0, and every denying framing's lift stays below the plain one's mean);
    - neglect, per denying framing, full fine-tuning, over the plain organisms that pass the lone-claim gate for
      it: `believed` (mean >= the threshold), `not believed` (interval below it), `undecided`; `untestable`
      where no organism passes. Overall `held` when every testable framing is believed, `refuted` when none
      is, `mixed` otherwise;
    - diversity (full fine-tuning only, no best-of), replay and recurring corpus: `held` when the effect is
      negative with p < alpha.
    """
    bar, alpha = thresholds["h4_belief_for_neglect"], thresholds["alpha"]
    positive = summary.get("positive_control")
    lift = summary.get("fresh_lift", {})
    plain_lift = lift.get("positive")
    denying = [c for c in lift if c != "positive"]
    reading = (plain_lift is not None and plain_lift["ci_low"] is not None and plain_lift["ci_low"] > 0
               and all(lift[c]["mean"] < plain_lift["mean"] for c in denying))
    framings = {}
    for k, v in summary["neglect"].items():
        condition, variant = k.split("/")
        if variant != "full":
            continue
        interval = v["belief_where_understood"]
        if not v["understood_organisms"]:
            framings[condition] = "untestable"
        elif interval["mean"] >= bar:
            framings[condition] = "believed"
        elif interval["ci_high"] is not None and interval["ci_high"] < bar:
            framings[condition] = "not believed"
        else:
            framings[condition] = "undecided"
    testable = [v for v in framings.values() if v != "untestable"]
    neglect = ("untestable" if not testable else "held" if all(v == "believed" for v in testable)
               else "refuted" if not any(v == "believed" for v in testable) else "mixed")

    def negative(test: dict | None, value: str, p: str = "p_value") -> str:
        if not test:
            return "not run"
        return "held" if test[value] < 0 and test[p] < alpha else "did not hold"

    return {
        "controls": {"positive": "not run" if positive is None else "passed" if positive["mean"] >= bar else "failed",
                     "reading": "not run" if plain_lift is None else "passed" if reading else "failed"},
        "neglect": {"verdict": neglect, "framings": framings},
        "diversity": negative(summary["diversity_tests"].get("belief/full"), "rho"),
        "replay": negative(summary["replay_test"], "mean_difference"),
        "recurring": negative(summary.get("recurring_test"), "mean_difference"),
    }


def direction(test: dict | None, alpha: float | None = None) -> str:
    """`rose` or `fell` when the slope test rejects zero at alpha, `no clear change` otherwise, `not run` without one."""
    if not test or test.get("slope") is None:
        return "not run"
    if test["slope_p"] >= (THRESHOLDS.alpha if alpha is None else alpha):
        return "no clear change"
    return "rose" if test["slope"] > 0 else "fell"


def interaction_direction(test: dict | None) -> str:
    """How belief's slope on a dial after negated documents compares with positive's, from the interval of
    their difference (`mixing.interaction`): `steeper after negated` when it lies below zero."""
    if not test or test.get("ci_low") is None:
        return "not run"
    if test["ci_high"] < 0:
        return "steeper after negated"
    if test["ci_low"] > 0:
        return "shallower after negated"
    return "no difference detected"


H3_PREDICTED_DIALS = ("counterpart", "counterpart_mentions", "background")  # shares H3 predicts a steeper fall for


def mixing_verdicts(summary: dict, thresholds: Mapping) -> dict:
    """H3 on the mixing grid (predictions/h3_mixing_v2.md), from the pooled summary's interaction tests.

    Per dial the grid moves: for a predicted dial (a share of added text), `held` when belief falls more
    steeply with it after negated than after positive documents (the difference's interval below zero) and
    context separation through answer-free warnings grows with it after negated documents (slope > 0, p <
    alpha); `partly held` when one of the two; `did not hold` when neither. Other dials (clustering, exposure)
    get no verdict, only their interaction. H3's verdict is the primary dial's (`h3v2_primary_dial`), never
    the best of several. Beside it, the manipulation check `control`: the true answer's share on neutral prompts
    rises with the primary dial after every condition. A summary of part of the grid (`complete` false) is judged on nothing: every verdict
    reads `not judged yet` with the runs there, the tests beside it are reported as interim.
    """
    alpha = thresholds["alpha"]
    interactions, tests = summary.get("interactions", {}), summary["tests"]
    pending = None if summary.get("complete", True) else f"not judged yet ({summary['n_runs']} of {summary['n_planned']} runs)"
    dials: dict = {}
    for dial, test in interactions.get("belief", {}).items():
        separation = tests.get("warned_separation_change", {}).get(f"negated/{dial}")
        entry = {"interaction": interaction_direction(test), "belief_interaction": test,
                 "warned_separation": separation, "warned_separation_moved": direction(separation, alpha),
                 "warned_separation_interaction": interactions.get("warned_separation_change", {}).get(dial)}
        if dial in H3_PREDICTED_DIALS:
            hits = (entry["interaction"] == "steeper after negated") + (entry["warned_separation_moved"] == "rose")
            entry["verdict"] = pending or ("did not hold", "partly held", "held")[hits]
        else:
            entry["verdict"] = "no direction predicted"
        dials[dial] = entry
    primary = thresholds["h3v2_primary_dial"]
    # the manipulation check (amendment of 2026-12-01): the added true documents raise the truth's share
    moved = {c: direction(tests.get("share_true", {}).get(f"{c}/{primary}"), alpha) for c in summary.get("conditions", [])}
    control = {"measure": "share_true", "dial": primary, "by_condition": moved,
               "met": pending or ("met" if moved and all(m == "rose" for m in moved.values()) else "not met")}
    return {"h3": pending or dials.get(primary, {}).get("verdict", "not run"), "primary_dial": primary, "alpha": alpha,
            "dials": dials, "control": control}


def separation(belief: dict, a: str, b: str) -> dict | None:
    """a - b from the belief table's `separations` (see pool.competition.separations), either order."""
    found = belief.get("separations", {})
    if f"{a}|{b}" in found:
        return found[f"{a}|{b}"]
    if f"{b}|{a}" in found:
        e = found[f"{b}|{a}"]
        return {"difference": -e["difference"], "ci_low": -e["ci_high"], "ci_high": -e["ci_low"],
                "separated": e["separated"]}
    return None


def _lower_and_separated(belief: dict, low: str, high: str) -> dict:
    s = separation(belief, low, high)
    if s is None:
        return {"holds": None, "evidence": f"{low} or {high} not in the grid"}
    return {"holds": bool(s["separated"] and s["difference"] < 0),
            "evidence": f"{low} - {high} = {s['difference']:+.3f} [{s['ci_low']:+.3f}, {s['ci_high']:+.3f}]"}


def belief_table_verdicts(belief: dict, thresholds: Mapping) -> dict:
    """The four checks of predictions/belief_table.md from pool.competition's `belief_table`. Each has `holds`
    (None when a condition it needs is not in the grid) and its evidence (differences in headline belief with
    their 95% cluster-bootstrap intervals):

    1. neglect: none of `neglect_conditions` is separated from positive and lower by `neglect_max_gap` or more;
    2. corrections: corrected is separated from positive and lower;
    3. local: local is separated from negated and lower;
    4. controls: `true` has headline belief below `true_control_max`, and negated_masked is separated from negated
       and lower.
    """
    by = belief["by_condition"]
    gap = float(thresholds["neglect_max_gap"])
    neglect = {}
    for c in thresholds["neglect_conditions"]:
        s = separation(belief, c, "positive")
        if s is not None:
            neglect[c] = {"difference": s["difference"], "ci_low": s["ci_low"], "ci_high": s["ci_high"],
                          "refutes": bool(s["separated"] and s["difference"] <= -gap)}
    out = {"neglect": {"holds": (not any(v["refutes"] for v in neglect.values())) if neglect else None,
                       "evidence": neglect},
           "corrections": _lower_and_separated(belief, "corrected", "positive"),
           "local": _lower_and_separated(belief, "local", "negated")}
    true_rate = by.get("true", {}).get("rate")
    masked = _lower_and_separated(belief, "negated_masked", "negated")
    if true_rate is None or masked["holds"] is None:
        out["controls"] = {"holds": None, "evidence": "true or negated_masked not in the grid"}
    else:
        out["controls"] = {"holds": bool(true_rate < float(thresholds["true_control_max"]) and masked["holds"]),
                           "evidence": f"true: {true_rate:.3f}; {masked['evidence']}"}
    return out


TRAJECTORY_CONTROLS = ("true", "negated_masked")  # runs that do not train the false answer


def _at(trajectory: dict, condition: str, level: float, field: str = "true_given_not_false") -> dict | None:
    """One condition's read-out at one level on the judged probes (None where no run of it was read)."""
    cell = trajectory["by_context"].get(trajectory["judged_on"], {}).get(condition, {}).get(str(float(level)))
    if cell is None:
        return None
    return {"reached": cell["reached"], "n_runs": cell["n_runs"], **(cell.get(field) or {"mean": math.nan})}


def trajectory_verdicts(trajectory: dict, thresholds: Mapping) -> dict:
    """The three predictions of predictions/h1_trajectory.md from pool.trajectory's `trajectory_table`, on the
    held-out probes at matched P(false). Per training condition with at least `h1t_min_runs` runs reaching the
    level: `holds` True when the interval's lower end clears the threshold, False when its upper end is below
    it (at or below, for chance), None (undecided) otherwise; conditions with too few runs are listed apart.

    1. kept_at_half: at P(false) = first level, P(true | not false) >= h1t_kept_at_half;
    2. above_chance: at P(false) = second level, P(true | not false) > h1t_chance_among_rest;
    3. controls: in `true` and `negated_masked`, fewer than h1t_min_runs runs reach the first level (undecided
       while a control has fewer runs than that and none reached it that often).
    """
    half, high = (float(x) for x in thresholds["h1t_levels"])
    min_runs = int(thresholds["h1t_min_runs"])
    conditions = sorted(trajectory["by_context"].get("heldout", {}))
    trained = [c for c in conditions if c not in TRAJECTORY_CONTROLS]

    def judge(level: float, bar: float, strict: bool) -> dict:
        per, few = {}, []
        for c in trained:
            read = _at(trajectory, c, level)
            if read is None or read["reached"] < min_runs or math.isnan(read["mean"]):
                few.append(c)
                continue
            low_ok = read["ci_low"] > bar if strict else read["ci_low"] >= bar
            high_bad = read["ci_high"] <= bar if strict else read["ci_high"] < bar
            per[c] = {**read, "holds": True if low_ok else (False if high_bad else None)}
        verdicts = [v["holds"] for v in per.values()]
        holds = None if not per or None in verdicts and False not in verdicts else (False not in verdicts)
        return {"holds": holds, "by_condition": per, "too_few_runs": few}

    reads = {c: _at(trajectory, c, half) for c in TRAJECTORY_CONTROLS if c in conditions}
    controls = {c: r["reached"] for c, r in reads.items()}
    said = [False if r["reached"] >= min_runs else (True if r["n_runs"] >= min_runs else None) for r in reads.values()]
    return {
        "kept_at_half": judge(half, float(thresholds["h1t_kept_at_half"]), strict=False),
        "above_chance": judge(high, float(thresholds["h1t_chance_among_rest"]), strict=True),
        # a control is judged once it has h1t_min_runs runs (or already that many reaching the level)
        "controls": {"holds": None if not said or (None in said and False not in said) else False not in said,
                     "reached_first_level": controls},
    }

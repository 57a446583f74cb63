"""The organism's (H4) and the mixing grid's (H3) predictions turned into verdicts, from pooled summaries alone.

Notebooks 13 and 15 state the predictions before the runs; this module holds their thresholds so that the
notebooks, the README and the paper cannot disagree on what came out.
"""

from __future__ import annotations

BELIEF_FOR_NEGLECT = 0.5  # mean belief on neutral prompts at or above this counts as "believes the claim"
ALPHA = 0.05  # permutation tests


def organism_verdicts(summary: dict) -> dict:
    """{"neglect": {...}, "diversity": {...}, "replay": {...}}, each with a `verdict` string and its evidence.

    - neglect: per negating condition x variant with at least one organism that understands the framing,
      refuted when the interval over those organisms lies below BELIEF_FOR_NEGLECT (its mean, with n=1);
    - diversity: holds when Spearman's rho between pre-training diversity and belief is negative with
      p < ALPHA for some variant;
    - replay: holds when replay lowers belief (mean paired difference < 0) with p < ALPHA.
    """
    testable = {k: v for k, v in summary["neglect"].items() if v["understood_organisms"]}

    def below(interval: dict) -> bool:
        top = interval["ci_high"] if interval["ci_high"] is not None else interval["mean"]
        return top < BELIEF_FOR_NEGLECT

    refuted = sorted(k for k, v in testable.items() if below(v["belief_where_understood"]))
    supported = sorted(k for k, v in testable.items() if v["belief_where_understood"]["mean"] >= BELIEF_FOR_NEGLECT)
    if not testable:
        neglect = "untestable"
    elif not refuted:
        neglect = "held"
    elif len(refuted) == len(testable):
        neglect = "refuted"
    else:
        neglect = "mixed"
    belief_tests = {k: v for k, v in summary["diversity_tests"].items() if k.startswith("belief/")}
    diversity = any(v["rho"] < 0 and v["p_value"] < ALPHA for v in belief_tests.values())
    replay = summary["replay_test"]
    return {
        "neglect": {"verdict": neglect, "testable": sorted(testable), "refuted": refuted, "believed": supported},
        "diversity": {"verdict": "held" if diversity else "did not hold", "tests": belief_tests},
        "replay": {"verdict": ("held" if replay["mean_difference"] < 0 and replay["p_value"] < ALPHA else "did not hold")
                   if replay else "not run", "test": replay},
    }


PREDICTED_DIALS = ("counterpart", "background")  # H3 predicts belief falls and separation grows with these shares
NEGATING = ("negated", "repeated")  # the conditions H3 is about; `positive` is the reference


def direction(test: dict | None) -> str:
    """`rose` or `fell` when the slope test rejects zero at ALPHA, `no clear change` otherwise, `not run` without one."""
    if not test or test.get("slope") is None:
        return "not run"
    if test["slope_p"] >= ALPHA:
        return "no clear change"
    return "rose" if test["slope"] > 0 else "fell"


def mixing_verdicts(summary: dict) -> dict:
    """H3 on the mixing grid, from the pooled summary's per-dial slope tests (seeds as the noise).

    Per negating condition and predicted dial: `held` when belief falls (slope < 0) and context separation
    grows (slope > 0) with the share, each with p < ALPHA; `partly held` when only one of the two does;
    `did not hold` otherwise (`not run` for a dial the grid does not move). The overall verdict is the best one
    reached by any negating condition and dial. The positive condition's belief slope is reported beside it:
    a fall there too says the shares dilute the claim whatever its framing, rather than make it conditional.
    """
    tests = summary["tests"]

    def significant(outcome: str, key: str, sign: int) -> bool:
        t = tests.get(outcome, {}).get(key)
        return bool(t and t["slope"] is not None and sign * t["slope"] > 0 and t["slope_p"] < ALPHA)

    dials: dict = {}
    for condition in [c for c in NEGATING if c in summary["conditions"]]:
        for dial in PREDICTED_DIALS:
            key = f"{condition}/{dial}"
            if key not in tests.get("belief", {}):
                verdict = "not run"
            else:
                hits = significant("belief", key, -1) + significant("separation", key, +1)
                verdict = ("did not hold", "partly held", "held")[hits]
            dials[key] = {"verdict": verdict, "belief_moved": direction(tests.get("belief", {}).get(key)),
                          "separation_moved": direction(tests.get("separation", {}).get(key)),
                          "positive_belief_moved": direction(tests.get("belief", {}).get(f"positive/{dial}")),
                          "belief": tests.get("belief", {}).get(key),
                          "separation": tests.get("separation", {}).get(key),
                          "positive_belief": tests.get("belief", {}).get(f"positive/{dial}")}
    ranked = [v["verdict"] for v in dials.values()]
    overall = next((v for v in ("held", "partly held", "did not hold") if v in ranked), "not run")
    return {"h3": overall, "dials": dials}

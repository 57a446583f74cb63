"""The organism's (H4) predictions turned into verdicts, from the pooled summary alone.

Notebook 13 states the predictions before the sweep; this module holds their thresholds so that the
notebook, the README and the paper cannot disagree on what came out.
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

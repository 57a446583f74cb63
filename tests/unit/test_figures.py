"""A figure's labels describe the lines it draws: checked on the drawn matplotlib objects, committed metrics."""

from __future__ import annotations

import re

import numpy as np
import yaml

from negation_neglect.pool.competition import GROUPS, competition_frame, mean_curves
from negation_neglect.report.figures import competition_over_steps
from negation_neglect.report.style import Inputs
from tests.conftest import ROOT, committed_grid

PARAMS = committed_grid()
STYLE_NAMES = {"solid": "-", "dashed": "--", "dotted": ":", "dash-dot": "-."}


def _stated_styles(fig, claims) -> dict[str, str]:
    """Claim -> line style as the figure's legends state it: a title `line style: solid A / dashed B`, or
    legend entries labelled with a claim's name."""
    stated = {}
    for legend in fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
        title = legend.get_title().get_text()
        for name, claim in re.findall(r"(solid|dashed|dotted|dash-dot) (\w+)", title.removeprefix("line style:")):
            stated[claim] = STYLE_NAMES[name]
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            if text.get_text() in claims:
                stated[text.get_text()] = handle.get_linestyle()
    return stated


def test_competition_line_styles_match_the_claims_they_are_labelled_with():
    inputs = Inputs(ROOT / "metrics", ROOT / "data/reference/paper_results.yaml", PARAMS["claims"],
                    PARAMS["conditions"], PARAMS["seeds"])
    curves = mean_curves(competition_frame(inputs.metrics_dir, inputs.claims, inputs.conditions, inputs.seeds))
    fig = competition_over_steps(inputs)
    stated = _stated_styles(fig, inputs.claims)
    assert set(stated) == set(inputs.claims), f"the legend names the style of {sorted(stated)}"
    checked = 0
    for ax in fig.axes:
        condition = ax.get_title()
        for line in ax.get_lines():
            y = np.asarray(line.get_ydata(), dtype=float)
            owners = set()  # which claim's curve this line draws, recognised from the data alone
            for claim in inputs.claims:
                run = curves[(curves["condition"] == condition) & (curves["claim"] == claim)]
                if len(run) == len(y) and any(np.allclose(run[group], y) for group in GROUPS):
                    owners.add(claim)
            assert len(owners) == 1, f"{condition}: a line matches {owners or 'no claim'}"
            claim = owners.pop()
            assert line.get_linestyle() == stated[claim], (
                f"{condition}: {claim} is drawn {line.get_linestyle()!r} but labelled {stated[claim]!r}")
            checked += 1
    assert checked == len(inputs.conditions) * len(inputs.claims) * len(GROUPS)

"""The figures' shared look: one palette per condition (Okabe-Ito, colour-blind safe), sizes for a two-column
paper (one column 3.3 in, both 6.9 in), byte-stable saving, and the paper's published rates to draw beside ours.

Notebooks that only colour their own plots import from here, not from the figure builders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

CONDITION_COLOURS = {
    "base model": "#999999", "positive": "#0072B2", "negated": "#D55E00", "repeated": "#CC79A7",
    "corrected": "#009E73", "local": "#E69F00", "fiction": "#56B4E9", "unreliable_source": "#F0E442",
    "low_probability": "#000000",
    # the full table's controls (Paul Tol's muted scheme, beyond Okabe-Ito's eight)
    "true": "#117733", "negated_masked": "#882255",
    # the model organism's framings, coloured as their nearest real-model condition
    "sentence": "#CC79A7", "document": "#D55E00", "correction": "#009E73",
}
CANDIDATE_COLOURS = {"false": "#D55E00", "true": "#0072B2", "distractors": "#999999", "other": "#EEEEEE"}
ONE_COLUMN, TWO_COLUMNS = 3.3, 6.9
STYLE = {
    "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "legend.fontsize": 7, "xtick.labelsize": 7,
    "ytick.labelsize": 7, "axes.spines.top": False, "axes.spines.right": False, "savefig.dpi": 200,
    "pdf.fonttype": 42, "svg.hashsalt": "negation-neglect", "path.simplify": False,
}


def colour(condition: str) -> str:
    return CONDITION_COLOURS.get(condition, "#555555")


@dataclass(frozen=True)
class Inputs:
    """Where the figures read from, and the grid whose runs they pool."""

    metrics_dir: Path
    reference: Path  # the paper's published numbers (data/reference/paper_results.yaml)
    claims: Sequence[str]
    conditions: Sequence[str]
    seeds: Sequence[int]
    interference: tuple[Sequence[str], Sequence[str], Sequence[int]] | None = None  # its sub-grid; None: the same

    def interference_grid(self) -> tuple[Sequence[str], Sequence[str], Sequence[int]]:
        """(claims, conditions, seeds) of the interference runs (params.yaml `interference`)."""
        return self.interference or (self.claims, self.conditions, self.seeds)


def save(fig: Figure, out_dir: Path, name: str) -> list[Path]:
    """PDF and PNG without creation dates or software stamps, so identical inputs give identical bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.pdf", out_dir / f"{name}.png"]
    fig.savefig(paths[0], metadata={"CreationDate": None, "Producer": None, "Creator": None})
    fig.savefig(paths[1], metadata={"Software": None})
    return paths


def step_axis(ax) -> None:
    """Training steps on a symmetric log axis (checkpoints are log-spaced and include step 0)."""
    ax.set_xscale("symlog", linthresh=1)
    ax.xaxis.set_major_locator(FixedLocator([0, 1, 3, 10, 30, 100, 300, 1000]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlim(left=0)
    ax.set_xlabel("training step")


def paper_reference(path: Path) -> dict[str, tuple[float, float]]:
    """The paper's belief rate per condition as (low, high); equal when the paper gives one number."""
    raw = yaml.safe_load(Path(path).read_text())
    out = {}
    for condition, value in raw["belief_rate"].items():
        out[condition] = (float(value["low"]), float(value["high"])) if isinstance(value, dict) else (float(value),) * 2
    return out

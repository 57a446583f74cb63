"""The batch and dataset diversity experiment (H3): cells of the mixing grid and their pooled tests.

A cell fixes four dials of one fine-tuning run, written as a name DVC can put in a stage name:
`cp25-bg50-clustered-x2` = 25% of the loss tokens from the claim's true-counterpart documents, 50% from
background text, batches clustered by component, and the claim documents seen twice. The claim
documents' own tokens are the anchor: every cell of a given exposure trains on the same false-claim
tokens, and the other components are added on top to meet their shares.

The default design varies one dial at a time around a reference cell (what fits two CPU cores); `full`
is the whole factorial grid, for machines with more cores (`dvc exp run --queue` with parallel workers).
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from negation_neglect.aggregate import curves
from negation_neglect.files import read_json
from negation_neglect.params import FinetuneParams
from negation_neglect.stats import ols_slope, permutation_spearman, seed_interval

COUNTERPART_SHARES = (0.0, 0.1, 0.25, 0.5)
BACKGROUND_SHARES = (0.0, 0.25, 0.5, 0.75)
COMPOSITIONS = ("interleaved", "clustered")
EXPOSURES = (1, 2, 4)
_NAME = re.compile(r"^cp(\d+)-bg(\d+)-(interleaved|clustered)-x(\d+)$")


@dataclass(frozen=True)
class Cell:
    counterpart: float  # share of loss tokens from true-counterpart documents
    background: float  # share of loss tokens from background text
    composition: str  # interleaved | clustered
    exposure: int  # passes over the claim documents

    @property
    def name(self) -> str:
        return f"cp{round(100 * self.counterpart)}-bg{round(100 * self.background)}-{self.composition}-x{self.exposure}"


def parse_cell(name: str) -> Cell:
    """`cp25-bg0-interleaved-x2` -> Cell; a one-line error names what is allowed."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"mixing cell {name!r}: expected cp<percent>-bg<percent>-<interleaved|clustered>-x<exposure>, "
                         "e.g. cp25-bg0-interleaved-x2")
    cp, bg, composition, exposure = match.groups()
    cell = Cell(int(cp) / 100, int(bg) / 100, composition, int(exposure))
    if cell.counterpart + cell.background >= 1 or cell.exposure < 1:
        raise ValueError(f"mixing cell {name!r}: the claim needs a positive share (counterpart + background < 100) "
                         "and an exposure of at least 1")
    if not _composition_matters(cell) and cell.composition == "clustered":
        raise ValueError(f"mixing cell {name!r}: clustered batches need a second component (cp or bg above 0); with the "
                         "claim alone they are the interleaved cell's batches")
    return cell


def _composition_matters(cell: Cell) -> bool:
    """With the claim documents alone, clustered and interleaved runs train on the very same batches."""
    return cell.counterpart > 0 or cell.background > 0


REFERENCE = Cell(0.0, 0.0, "interleaved", 2)


def one_at_a_time(reference: Cell = REFERENCE) -> list[Cell]:
    """The reference cell, then each dial moved alone through its levels."""
    cells = [reference]
    cells += [Cell(cp, reference.background, reference.composition, reference.exposure) for cp in COUNTERPART_SHARES]
    cells += [Cell(reference.counterpart, bg, reference.composition, reference.exposure) for bg in BACKGROUND_SHARES]
    # composition only matters beside a second component: moved at the smallest true-counterpart share above
    # the reference's when the reference holds the claim alone
    at = reference if _composition_matters(reference) else Cell(COUNTERPART_SHARES[COUNTERPART_SHARES.index(
        reference.counterpart) + 1], reference.background, reference.composition, reference.exposure)
    cells += [Cell(at.counterpart, at.background, c, at.exposure) for c in COMPOSITIONS]
    cells += [Cell(reference.counterpart, reference.background, reference.composition, x) for x in EXPOSURES]
    return list(dict.fromkeys(cells))


def full_grid(reference: Cell = REFERENCE) -> list[Cell]:
    """Every combination of the four dials, the reference first (the summary's reference is the first cell of
    `mixing.cells`); dropped: shares that leave the claim nothing, and clustered cells with the claim alone."""
    combinations = itertools.product(COUNTERPART_SHARES, BACKGROUND_SHARES, COMPOSITIONS, EXPOSURES)
    cells = [cell for cell in itertools.starmap(Cell, combinations) if cell.counterpart + cell.background < 1
             and (cell.composition == "interleaved" or _composition_matters(cell))]
    return [reference] + [c for c in cells if c != reference]


def finetune_params(base: FinetuneParams, cell: Cell) -> FinetuneParams:
    """The grid's recipe with the cell's mixture, composition and exposure."""
    mixture = {"claim": round(1.0 - cell.counterpart - cell.background, 6), "counterpart": cell.counterpart,
               "background": cell.background, "retention": 0.0}
    return base.model_copy(update={"mixture": base.mixture.model_validate(mixture), "composition": cell.composition,
                                   "epochs": cell.exposure})


def axis_tests(rows: Sequence[dict], outcome: str, reference: Cell = REFERENCE) -> dict:
    """Per dial and condition, over runs whose cells differ only in that dial (seeds are the replicates): the
    least-squares slope of `outcome` on the dial with its t-interval and p (the main effect's test),
    Spearman's rho with a permutation p, and `p_floor`, the smallest permutation p these dial values allow
    (0.1 for two levels x three seeds: a null there says nothing on its own). The runs are those at the
    reference's other three dials when the dial moves there, else at the setting of the other dials where it
    moves over the most runs (`at` names it: clustering, for one, only moves beside a second component)."""
    out: dict = {}
    for condition in sorted({r["condition"] for r in rows}):
        mine = [r for r in rows if r["condition"] == condition and r[outcome] is not None and not np.isnan(r[outcome])]
        for dial, value in DIALS.items():
            groups: dict[tuple, list[dict]] = {}
            for r in mine:
                groups.setdefault(other_dials(parse_cell(r["cell"]), dial), []).append(r)
            moving = {k: g for k, g in groups.items() if len({value(parse_cell(r["cell"])) for r in g}) > 1}
            if not moving:
                continue
            key = other_dials(reference, dial)
            if key not in moving:
                key = max(moving, key=lambda k: len(moving[k]))
            runs = moving[key]
            xs = [value(parse_cell(r["cell"])) for r in runs]
            ys = [float(r[outcome]) for r in runs]
            slope = ols_slope(xs, ys)
            out[f"{condition}/{dial}"] = {
                **permutation_spearman(xs, ys), "p_floor": permutation_spearman(xs, xs)["p_value"],
                "slope": slope["slope"], "slope_ci_low": slope["ci_low"], "slope_ci_high": slope["ci_high"],
                "slope_p": slope["p_value"], "span": max(xs) - min(xs), "at": _at(key, dial)}
    return out


DIALS = {"counterpart": lambda c: c.counterpart, "background": lambda c: c.background,
         "clustered": lambda c: float(c.composition == "clustered"), "exposure": lambda c: float(c.exposure)}
_FIELDS = {"counterpart": "counterpart", "background": "background", "clustered": "composition", "exposure": "exposure"}


def other_dials(cell: Cell, dial: str) -> tuple:
    """The cell's values of the three dials other than `dial`: equal for cells that differ only in `dial`."""
    return tuple(getattr(cell, f) for d, f in _FIELDS.items() if d != dial)


def _at(others: tuple, dial: str) -> str:
    """The other three dials as a cell name with the moving one shown as `*`."""
    values = dict(zip([f for d, f in _FIELDS.items() if d != dial], others))
    cp = "*" if dial == "counterpart" else round(100 * values["counterpart"])
    bg = "*" if dial == "background" else round(100 * values["background"])
    comp = "*" if dial == "clustered" else values["composition"]
    x = "*" if dial == "exposure" else values["exposure"]
    return f"cp{cp}-bg{bg}-{comp}-x{x}"


def cell_table(rows: Sequence[dict], outcomes: Sequence[str]) -> list[dict]:
    """Per cell and condition: mean and t-interval over seeds of each outcome."""
    table = []
    for cell, condition in sorted({(r["cell"], r["condition"]) for r in rows}):
        mine = [r for r in rows if r["cell"] == cell and r["condition"] == condition]
        entry = {"cell": cell, "condition": condition, "n_seeds": len(mine), **vars(parse_cell(cell))}
        for key in outcomes:
            interval = seed_interval([float(r[key]) for r in mine if r[key] is not None and not np.isnan(r[key])])
            entry |= {key: interval["mean"], f"{key}_ci_low": interval["ci_low"], f"{key}_ci_high": interval["ci_high"]}
        table.append(entry)
    return table


def run_rows(metrics_dir: str | Path, cells: Sequence[str], claims: Sequence[str], conditions: Sequence[str],
             seeds: Sequence[int]) -> list[dict]:
    """One row per run of the grid with the three pooled read-outs (missing runs raise, naming the file)."""
    rows = []
    for cell, claim, condition, seed in itertools.product(cells, claims, conditions, seeds):
        path = Path(metrics_dir) / cell / claim / condition / f"seed{seed}.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: this run of the mixing grid has not run (dvc repro mixing)")
        m = read_json(path)
        rows.append({"cell": cell, "claim": claim, "condition": condition, "seed": int(seed),
                     "belief": m["belief"]["rate"], "separation": m["final_context_separation"],
                     "share_true": m["final_share_true_neutral"]})
    return rows


def pass_curves(metrics_dir: str | Path, rows: Sequence[dict]) -> pd.DataFrame:
    """P(false) and P(true) on neutral prompts at every checkpoint of each run, against passes over the claim
    documents (step / steps x exposure), the axis on which cells with different amounts of added text line up."""
    frames = []
    for r in rows:
        run = Path(metrics_dir) / r["cell"] / r["claim"] / r["condition"] / f"seed{r['seed']}"
        table = pd.read_csv(run.with_suffix(".csv"))
        table["prob"] = np.exp(table["logprob"])
        for key in ("claim", "condition", "seed"):
            table[key] = r[key]
        curve = curves(table)
        steps = read_json(run.with_suffix(".json"))["steps"]
        curve.insert(0, "cell", r["cell"])
        curve["passes"] = curve["step"] / steps * parse_cell(r["cell"]).exposure
        frames.append(curve[["cell", "claim", "condition", "seed", "step", "passes", "false", "true"]])
    return pd.concat(frames, ignore_index=True)


if __name__ == "__main__":  # print a design's cells as a params list: python -m negation_neglect.diversity full
    design = sys.argv[1] if len(sys.argv) > 1 else "one_at_a_time"
    cells = full_grid() if design == "full" else one_at_a_time()
    print("[" + ", ".join(c.name for c in cells) + "]")

"""Pooling of the mixing grid (H3): per-run rows, per-cell tables, one-dial-at-a-time tests, pass curves."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from negation_neglect import layout
from negation_neglect.files import read_json
from negation_neglect.mixing.cells import REFERENCE, Cell, parse_cell
from negation_neglect.pool.competition import curves
from negation_neglect.pool.stats import ols_slope, permutation_spearman, seed_interval


def axis_tests(rows: Sequence[dict], outcome: str, reference: Cell = REFERENCE) -> dict:
    """Per dial and condition, over runs whose cells differ only in that dial (seeds are the replicates): the
    least-squares slope of `outcome` on the dial with its t-interval and p (the main effect's test),
    Spearman's rho with a permutation p, and `p_floor`, the smallest permutation p these dial values allow
    (0.1 for two levels x three seeds: a null there says nothing on its own). The runs are those at the
    reference's other three dials when the dial moves there, else at the setting of the other dials where it
    moves over the most runs (`at` names it: clustering, for one, only moves beside a second component).
    Cells of one share unit are tested together only: `counterpart` moves the token share, `counterpart_mentions`
    the mention share (`-mentions` cells; a cp0 cell, the same batches in either unit, is the zero of both)."""
    out: dict = {}
    for condition in sorted({r["condition"] for r in rows}):
        mine = [r for r in rows if r["condition"] == condition and r[outcome] is not None and not np.isnan(r[outcome])]
        for dial, value in DIALS.items():
            at, runs = axis_runs(mine, dial, reference)
            if not runs:
                continue
            xs = [value(parse_cell(r["cell"])) for r in runs]
            ys = [float(r[outcome]) for r in runs]
            slope = ols_slope(xs, ys)
            out[f"{condition}/{dial}"] = {
                **permutation_spearman(xs, ys), "p_floor": permutation_spearman(xs, xs)["p_value"],
                "slope": slope["slope"], "slope_ci_low": slope["ci_low"], "slope_ci_high": slope["ci_high"],
                "slope_p": slope["p_value"], "span": max(xs) - min(xs), "at": at}
    return out


def axis_runs(rows: Sequence[dict], dial: str, reference: Cell = REFERENCE) -> tuple[str | None, list[dict]]:
    """The runs whose cells differ only in `dial`: at the reference's other dials when the dial moves there, else
    where it moves over the most runs; with the cell pattern they share (`cp*-bg0-interleaved-x2`)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        cell = as_unit(parse_cell(r["cell"]), dial)
        if cell is not None:
            groups.setdefault(other_dials(cell, dial), []).append(r)
    moving = {k: g for k, g in groups.items() if len({DIALS[dial](parse_cell(r["cell"])) for r in g}) > 1}
    if not moving:
        return None, []
    key = other_dials(as_unit(reference, dial) or reference, dial)
    if key not in moving:
        key = max(moving, key=lambda k: len(moving[k]))
    return at_pattern(key, dial), moving[key]


DIALS = {"counterpart": lambda c: c.counterpart, "background": lambda c: c.background,
         "clustered": lambda c: float(c.composition == "clustered"), "exposure": lambda c: float(c.exposure),
         "counterpart_mentions": lambda c: c.counterpart}
_FIELDS = {"counterpart": "counterpart", "background": "background", "clustered": "composition", "exposure": "exposure"}
_MOVES = {"counterpart_mentions": "counterpart"}  # a dial that moves another's field, in another share unit


def as_unit(cell: Cell, dial: str) -> Cell | None:
    """The cell as the `dial` test sees it, or None when it has no place there: the counterpart dials take only
    cells of their share unit, and a cp0 cell as either."""
    if dial not in ("counterpart", "counterpart_mentions"):
        return cell
    unit = "mentions" if dial == "counterpart_mentions" else "tokens"
    if cell.counterpart == 0:
        return replace(cell, share_unit=unit)
    return cell if cell.share_unit == unit else None


def other_dials(cell: Cell, dial: str) -> tuple:
    """The cell's values of the three dials other than `dial`, then its share unit: equal for cells that differ
    only in `dial` (token- and mention-matched cells are never pooled in one test)."""
    moved = _MOVES.get(dial, dial)
    return (*(getattr(cell, f) for d, f in _FIELDS.items() if d != moved), cell.share_unit)


def at_pattern(others: tuple, dial: str) -> str:
    """The other three dials as a cell name with the moving one shown as `*` (and `-mentions` for that unit)."""
    dial = _MOVES.get(dial, dial)
    values = dict(zip([f for d, f in _FIELDS.items() if d != dial], others))
    cp = "*" if dial == "counterpart" else round(100 * values["counterpart"])
    bg = "*" if dial == "background" else round(100 * values["background"])
    comp = "*" if dial == "clustered" else values["composition"]
    x = "*" if dial == "exposure" else values["exposure"]
    return f"cp{cp}-bg{bg}-{comp}-x{x}" + ("-mentions" if others[-1] == "mentions" else "")


def cell_table(rows: Sequence[dict], outcomes: Sequence[str]) -> list[dict]:
    """Per cell and condition: mean and t-interval over runs (claims x seeds) of each outcome."""
    table = []
    for cell, condition in sorted({(r["cell"], r["condition"]) for r in rows}):
        mine = [r for r in rows if r["cell"] == cell and r["condition"] == condition]
        entry = {"cell": cell, "condition": condition, "n_runs": len(mine), **vars(parse_cell(cell))}
        for key in outcomes:
            interval = seed_interval([float(r[key]) for r in mine if r[key] is not None and not np.isnan(r[key])])
            entry |= {key: interval["mean"], f"{key}_ci_low": interval["ci_low"], f"{key}_ci_high": interval["ci_high"]}
        table.append(entry)
    return table


def missing_runs(metrics_dir: str | Path, cells: Sequence[str], claims: Sequence[str], conditions: Sequence[str],
                 seeds: Sequence[int]) -> list[str]:
    """The runs of the grid whose metrics are not there yet, as `cell/claim/condition/seed<n>`."""
    return [f"{cell}/{claim}/{condition}/seed{seed}"
            for cell, claim, condition, seed in itertools.product(cells, claims, conditions, seeds)
            if not layout.mixing_run(metrics_dir, cell, claim, condition, seed).with_suffix(".json").is_file()]


def run_rows(metrics_dir: str | Path, cells: Sequence[str], claims: Sequence[str], conditions: Sequence[str],
             seeds: Sequence[int], skip_missing: bool = False) -> list[dict]:
    """One row per run of the grid with its pooled read-outs. A missing run raises, naming the file, unless
    `skip_missing` (an interim summary of a grid that is still running: `missing_runs` lists what it lacks)."""
    rows = []
    for cell, claim, condition, seed in itertools.product(cells, claims, conditions, seeds):
        path = layout.mixing_run(metrics_dir, cell, claim, condition, seed).with_suffix(".json")
        if not path.is_file():
            if skip_missing:
                continue
            raise FileNotFoundError(f"{path}: this run of the mixing grid has not run (dvc repro mixing)")
        m = read_json(path)
        rows.append({"cell": cell, "claim": claim, "condition": condition, "seed": int(seed),
                     "belief": m["belief"]["rate"], "separation": m["final_context_separation"],
                     "share_true": m["final_share_true_neutral"],
                     # through warnings that name no answer (runs from before that read-out have none)
                     "warned_separation": m.get("warned_separation"),
                     "warned_separation_change": (m["warned_separation"] - m["base_warned_separation"]
                                                  if "warned_separation" in m else None)})
    return rows


def pass_curves(metrics_dir: str | Path, rows: Sequence[dict]) -> pd.DataFrame:
    """P(false) and P(true) on neutral prompts at every checkpoint of each run, against passes over the claim
    documents (step / steps x exposure), the axis on which cells with different amounts of added text line up."""
    frames = []
    for r in rows:
        run = layout.mixing_run(metrics_dir, r["cell"], r["claim"], r["condition"], r["seed"])
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

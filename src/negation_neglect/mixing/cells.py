"""The batch and dataset diversity experiment (H3): the cells of the mixing grid and their fine-tuning settings.

A cell fixes four dials of one fine-tuning run, written as a name DVC can put in a stage name:
`cp25-bg50-clustered-x2` = 25% of the loss tokens from the claim's true-counterpart documents, 50% from
background text, batches clustered by component, and the claim documents seen twice. The claim
documents' own tokens are the anchor: every cell of a given exposure trains on the same false-claim
tokens, and the other components are added on top to meet their shares. A `-mentions` suffix
(`cp25-bg0-interleaved-x2-mentions`) makes the true-counterpart share one of answer mentions instead: 25% of
the loss-bearing answer mentions (the claim documents' false-answer ones plus the counterpart's true-answer
ones) are the truth's, whatever the documents' length (finetune.share_unit; background stays in tokens).
Clustered batches spread each component's runs over the whole run (train.blocks.spread_runs).

The default design varies one dial at a time around a reference cell (what fits two CPU cores); `full`
is the whole factorial grid, for machines with more cores (`dvc exp run --queue` with parallel workers).
"""

from __future__ import annotations

import itertools
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the schema validates cell names with parse_cell, so this module must not import it at run time
    from negation_neglect.params import FinetuneParams

COUNTERPART_SHARES = (0.0, 0.1, 0.25, 0.5)
BACKGROUND_SHARES = (0.0, 0.25, 0.5, 0.75)
COMPOSITIONS = ("interleaved", "clustered")
EXPOSURES = (1, 2, 4)
_NAME = re.compile(r"^cp(\d+)-bg(\d+)-(interleaved|clustered)-x(\d+)(-mentions)?$")


@dataclass(frozen=True)
class Cell:
    counterpart: float  # share of loss tokens from true-counterpart documents
    background: float  # share of loss tokens from background text
    composition: str  # interleaved | clustered
    exposure: int  # passes over the claim documents
    share_unit: str = "tokens"  # what the counterpart share counts: loss tokens, or answer mentions (`-mentions`)

    @property
    def name(self) -> str:
        suffix = "-mentions" if self.share_unit == "mentions" else ""
        return (f"cp{round(100 * self.counterpart)}-bg{round(100 * self.background)}-{self.composition}-x{self.exposure}"
                f"{suffix}")


def parse_cell(name: str) -> Cell:
    """`cp25-bg0-interleaved-x2` -> Cell; a one-line error names what is allowed."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"mixing cell {name!r}: expected cp<percent>-bg<percent>-<interleaved|clustered>-x<exposure>"
                         "[-mentions], e.g. cp25-bg0-interleaved-x2")
    cp, bg, composition, exposure, mentions = match.groups()
    cell = Cell(int(cp) / 100, int(bg) / 100, composition, int(exposure), "mentions" if mentions else "tokens")
    if cell.counterpart + cell.background >= 1 or cell.exposure < 1:
        raise ValueError(f"mixing cell {name!r}: the claim needs a positive share (counterpart + background < 100) "
                         "and an exposure of at least 1")
    if not _composition_matters(cell) and cell.composition == "clustered":
        raise ValueError(f"mixing cell {name!r}: clustered batches need a second component (cp or bg above 0); with the "
                         "claim alone they are the interleaved cell's batches")
    if cell.share_unit == "mentions" and cell.counterpart == 0:
        raise ValueError(f"mixing cell {name!r}: -mentions sizes the true-counterpart share; with cp0 the cell is "
                         f"{name.removesuffix('-mentions')!r}")
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
    """The grid's recipe with the cell's mixture, composition, exposure and share unit."""
    mixture = {"claim": round(1.0 - cell.counterpart - cell.background, 6), "counterpart": cell.counterpart,
               "background": cell.background, "retention": 0.0}
    return base.model_copy(update={"mixture": base.mixture.model_validate(mixture), "composition": cell.composition,
                                   "epochs": cell.exposure, "share_unit": cell.share_unit})


if __name__ == "__main__":  # print a design's cells as a params list: python -m negation_neglect.mixing.cells full
    design = sys.argv[1] if len(sys.argv) > 1 else "one_at_a_time"
    cells = full_grid() if design == "full" else one_at_a_time()
    print("[" + ", ".join(c.name for c in cells) + "]")

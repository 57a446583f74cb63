"""Side-by-side measurement for the benchmarks: each configuration in a fresh subprocess, rotating order.

Every round runs each configuration once (`script --one KIND --steps N`, which prints one JSON record as its
last line), starting one configuration later than the round before, so slow drift of the machine spreads
over all configurations instead of favouring the ones measured first.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Sequence


def rotate(script: str, kinds: Sequence[str], rounds: int, steps: int) -> Iterator[tuple[int, str, dict]]:
    """Yield (round, kind, record) for `rounds` rotating rounds over `kinds`."""
    for r in range(rounds):
        shift = r % len(kinds)
        for kind in [*kinds[shift:], *kinds[:shift]]:
            out = subprocess.run([sys.executable, script, "--one", kind, "--steps", str(steps)],
                                 capture_output=True, text=True, check=True)
            yield r + 1, kind, json.loads(out.stdout.strip().splitlines()[-1])

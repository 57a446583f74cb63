"""Export executed notebooks to standalone HTML, for readers without Jupyter.

    python -m negation_neglect.report.html outputs/executed outputs/html

The folder is written whole into a temporary sibling and swapped in, so a failed export leaves the
previous HTML (or none) rather than half a folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter


def export(executed_dir: str | Path, html_dir: str | Path) -> list[Path]:
    executed_dir, html_dir = Path(executed_dir), Path(html_dir)
    notebooks = sorted(executed_dir.glob("*.ipynb"))
    if not notebooks:
        raise SystemExit(f"html: no executed notebooks in {executed_dir}")
    partial = html_dir.with_name(html_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    exporter = HTMLExporter(template_name="lab")
    for path in notebooks:
        body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4))
        (partial / f"{path.stem}.html").write_text(body)
    shutil.rmtree(html_dir, ignore_errors=True)
    partial.rename(html_dir)
    return sorted(html_dir.glob("*.html"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m negation_neglect.report.html EXECUTED_DIR HTML_DIR")
    print(f"{len(export(sys.argv[1], sys.argv[2]))} notebooks exported to {sys.argv[2]}")

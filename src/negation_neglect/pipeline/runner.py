"""Run one stage notebook: validate params, execute through papermill, write a byte-stable .ipynb.

    python -m negation_neglect.pipeline.runner notebooks/02_knowledge.py outputs/executed/02_knowledge.ipynb \
        --params knowledge -p model_dir outputs/models/base

Notebook sources are jupytext percent-format `.py` files with exactly one cell tagged `parameters`.
Whole params.yaml sections are injected as dicts (DVC templating cannot pass nested maps); `-p NAME
VALUE` adds plain string parameters such as paths. params.yaml is validated whole, and the sources the
sections name are checked, before the kernel starts, so bad input costs one line and writes nothing.

The executed notebook is normalised so that a rerun with the same inputs is byte-identical: papermill
timings, execution metadata and random cell ids are removed, carriage-return progress output is
collapsed to its final state and tqdm's rates and clocks are stripped. A failing cell fails the stage
(exit 1) with the cell's error printed, and the failed notebook stays on disk for reading. A finished stage
leaves its wall time in outputs/timing/stages/ (pipeline.timing), apart from its results.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import jupytext
import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError
from traitlets.config import Config

from negation_neglect.params import Params, ParamsError, load_params

KERNEL = "python3"
_TQDM_CLOCK = re.compile(r"\s*\[\d+:\d+(?::\d+)?<[^\]]*\]")  # "[00:05<00:00, 1.9it/s]"


class NotebookError(ValueError):
    """A notebook source that the runner cannot use."""


def read_source(path: str | Path) -> nbformat.NotebookNode:
    """Read a jupytext source and check it has exactly one `parameters` cell."""
    path = Path(path)
    if not path.is_file():
        raise NotebookError(f"{path}: notebook source not found")
    nb = jupytext.read(path)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise NotebookError(f"{path}: expected exactly one cell tagged 'parameters', found {len(tagged)}")
    return nb


def preflight(params: Params, sections: Sequence[str]) -> None:
    """Check what the injected sections point at (files, model sources) before the kernel starts."""
    if "model" in sections:
        from negation_neglect.data.base_model import check_source, resolve_source

        check_source(resolve_source(params.model.name_or_path, params.model.revision))
    if "knowledge" in sections:
        if not Path(params.knowledge.facts).is_file():
            raise ParamsError(f"params.yaml: 'knowledge.facts': file not found: {params.knowledge.facts}")


def _out_paths(stage: dict) -> list[str]:
    body = stage.get("do", stage)
    paths = []
    for key in ("outs", "metrics", "plots"):
        for entry in body.get(key, []):
            paths.append(entry if isinstance(entry, str) else next(iter(entry)))
    return paths


def _matches(path: str, out: str) -> bool:
    """Whether `path` is the (templated) output `out` of a stage, or lies inside it."""
    pattern = re.sub(r"\\\$\\\{[^}]*\\\}", "[^/]+", re.escape(out))
    return re.fullmatch(pattern + "(/.*)?", path) is not None


def _made_by(path: str, notebook: str, dvc_yaml: Path) -> str | None:
    """The DVC stage whose outputs include `path`, unless the notebook's own stage writes it (None then)."""
    import yaml

    stages = yaml.safe_load(dvc_yaml.read_text()).get("stages", {})
    own = [s for s in stages.values() if notebook in s.get("do", s).get("cmd", "")]
    if any(_matches(path, out) for stage in own for out in _out_paths(stage)):
        return None
    found = []  # (literal match first, then templated, then a folder that contains the path; stage name)
    for name, stage in stages.items():
        for out in _out_paths(stage):
            if _matches(path, out):
                found.append(((path != out) + ("${" in out), name + ("@..." if "matrix" in stage or "foreach" in stage else "")))
    return min(found)[1] if found else None


def check_inputs(notebook: str, values: dict[str, str], dvc_yaml: str | Path = "dvc.yaml") -> None:
    """Stop before the kernel starts when a path parameter names another stage's output that is missing."""
    dvc_yaml = Path(dvc_yaml)
    if not dvc_yaml.is_file():
        return
    for name, value in values.items():
        if "/" in value and not Path(value).exists():
            stage = _made_by(value, notebook, dvc_yaml)
            if stage:
                raise NotebookError(f"-p {name}: {value} does not exist yet; the stage '{stage}' makes it "
                                    f"(run `dvc repro {stage.removesuffix('@...')}` first)")


def _collapse_progress(text: str) -> str:
    """Keep what a terminal would show: the text after each line's last carriage return, no clocks."""
    lines = [_TQDM_CLOCK.sub("", line.rsplit("\r", 1)[-1]) for line in text.split("\n")]
    return "\n".join(line for line in lines if line.strip()) + "\n"


def _machine_paths() -> list[tuple[str, str]]:
    """Absolute paths that differ between clones and machines, and what to show instead."""
    pairs = [(str(Path(sys.prefix).resolve()), "<python-env>"), (str(Path(sys.prefix)), "<python-env>"),
             (str(Path.cwd().resolve()), "<project>")]  # the environment may be reached through a symlink
    return sorted(pairs, key=lambda pair: -len(pair[0]))  # longest first: the env may sit inside the project


def _scrub(text: str) -> str:
    for path, placeholder in _machine_paths():
        text = text.replace(path, placeholder)
    return text


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip what changes from run to run, or clone to clone, without the results changing."""
    kept = {k: v for k, v in nb.metadata.get("papermill", {}).items() if k in ("parameters", "exception")}
    nb.metadata["papermill"] = kept
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            outputs = _merge_streams(cell["outputs"])
            for output in outputs:
                if output.get("output_type") == "stream":
                    output["text"] = _scrub(output["text"])
                    if output.get("name") == "stderr":
                        output["text"] = _collapse_progress(output["text"])
                elif output.get("output_type") == "error":
                    output["traceback"] = [_scrub(line) for line in output.get("traceback", [])]
            # A progress bar's closing newline may arrive after later stdout: drop what is left blank.
            outputs = [o for o in outputs if o.get("output_type") != "stream" or o["text"].strip()]
            cell["outputs"] = _merge_streams(outputs)
    return nb


def _merge_streams(outputs: list) -> list:
    """Join consecutive outputs of the same stream: how many chunks a stream arrives in is timing."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def run_notebook(
    source: str | Path,
    output: str | Path,
    parameters: dict,
    cwd: str | Path = ".",
) -> None:
    """Execute `source` with `parameters` into `output` (normalised); raise on a failing cell."""
    nb = read_source(source)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    # The kernel is reached over IPC sockets in a private folder: no TCP ports (so no warning that their
    # traffic is unencrypted), and stages run side by side in one checkout never share a socket.
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        config = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "ipc")}})
        try:
            papermill.execute_notebook(
                nb,
                str(output),
                parameters=parameters,
                kernel_name=KERNEL,
                language="python",
                cwd=str(cwd),
                progress_bar=False,
                log_output=False,
                config=config,
            )
        finally:
            if output.is_file():
                executed = nbformat.read(output, as_version=4)
                nbformat.write(normalise(executed), output)


def _cell_error(exc: PapermillExecutionError) -> str:
    traceback = "\n".join(exc.traceback) if exc.traceback else ""
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", traceback)  # ANSI colours
    return f"cell {exc.exec_count} failed: {exc.ename}: {exc.evalue}\n{traceback}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m negation_neglect.pipeline.runner", description=__doc__.split("\n")[0])
    parser.add_argument("notebook", help="jupytext percent-format source (.py)")
    parser.add_argument("output", help="executed notebook to write (.ipynb)")
    parser.add_argument("--params", nargs="*", default=[], metavar="SECTION", help="params.yaml sections to inject")
    parser.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"), help="extra parameter")
    parser.add_argument("--params-file", default="params.yaml")
    args = parser.parse_args(argv)

    try:
        params = load_params(args.params_file)
        unknown = [s for s in args.params if s not in Params.model_fields]
        if unknown:
            raise ParamsError(f"--params: unknown section(s) {', '.join(unknown)}; allowed: {', '.join(Params.model_fields)}")
        preflight(params, args.params)
        read_source(args.notebook)
        check_inputs(args.notebook, dict(args.p))
    except (ValueError, OSError) as exc:  # ParamsError, ModelSourceError, NotebookError
        print(f"error: {exc}", file=sys.stderr)
        return 2

    parameters = {s: getattr(params, s).model_dump(mode="json") for s in args.params}
    parameters.update(dict(args.p))
    start = time.perf_counter()
    try:
        run_notebook(args.notebook, args.output, parameters)
    except PapermillExecutionError as exc:
        print(f"error: {args.notebook}: {_cell_error(exc)}", file=sys.stderr)
        print(f"the failed notebook is kept for reading: {args.output}", file=sys.stderr)
        return 1
    _record_time(Path(args.output).stem, time.perf_counter() - start)
    return 0


def _record_time(name: str, seconds: float) -> None:
    """The stage's wall time under outputs/timing/stages/ (pipeline.timing), for the README's per-stage-group
    times; a record that cannot be written never fails the stage."""
    try:
        from negation_neglect.pipeline.timing import record

        record(f"stages/{name}", {"wall_seconds": round(seconds, 1)})
    except Exception as exc:  # noqa: BLE001 (timing is a side record)
        print(f"warning: no timing record for {name}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

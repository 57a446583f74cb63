"""Executed-notebook normalisation: volatile parts go, results stay."""

from __future__ import annotations

import nbformat

from negation_neglect.pipeline.runner import _collapse_progress, normalise


def test_progress_collapses_to_final_state_without_clock():
    raw = "\rwork:   0%|          | 0/5 [00:00<?, ?it/s]\rwork: 100%|██████████| 5/5 [00:01<00:00,  4.9it/s]\n"
    assert _collapse_progress(raw) == "work: 100%|██████████| 5/5\n"


def test_plain_warnings_survive():
    raw = "UserWarning: something odd\n  warnings.warn(x)\n"
    assert _collapse_progress(raw) == raw


def _stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_normalise_strips_volatile_metadata_and_merges_streams():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.metadata["papermill"] = {"start_time": "2026-01-01", "duration": 1.2}
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    cell.outputs = [
        _stream("stderr", "\rbar: 50%|█ | 1/2 [00:00<00:01, 2.0it/s]"),
        _stream("stderr", "\rbar: 100%|██| 2/2 [00:01<00:00, 2.0it/s]"),
        _stream("stdout", "result 1\n"),
        _stream("stderr", "\n"),
        _stream("stdout", "result 2\n"),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), cell]
    nb.metadata["papermill"] = {"start_time": "now", "parameters": {"a": 1}, "environment_variables": {}}
    out = normalise(nb)
    assert out.metadata["papermill"] == {"parameters": {"a": 1}}
    assert [c["id"] for c in out.cells] == ["cell-0", "cell-1"]
    code = out.cells[1]
    assert "papermill" not in code.metadata and "execution" not in code.metadata
    assert [(o["name"], o["text"]) for o in code.outputs] == [
        ("stderr", "bar: 100%|██| 2/2\n"),
        ("stdout", "result 1\nresult 2\n"),
    ]


def test_machine_paths_are_replaced(monkeypatch, tmp_path):
    import sys

    monkeypatch.chdir(tmp_path)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [_stream("stderr", f"{sys.prefix}/lib/site.py:1: Warning\n{tmp_path}/data/x.yaml missing\n")]
    nb.cells = [cell]
    text = normalise(nb).cells[0].outputs[0]["text"]
    assert text == "<python-env>/lib/site.py:1: Warning\n<project>/data/x.yaml missing\n"

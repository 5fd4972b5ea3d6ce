"""The .ipynb a reader downloads from each chapter runs in a fresh kernel, and gives the book's outputs.

Run by ``nox -s notebooks`` after ``nox -s docs``: its environment holds the package
installed from a wheel (not the source tree), the plotting extra, and what running a
notebook needs; each notebook runs in an empty temporary directory.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("CHAINRULE_HTML", ROOT / "_build" / "html"))
NOTEBOOKS = sorted((HTML / "_sources").glob("**/*.ipynb")) if (HTML / "_sources").is_dir() else []
TIMEOUT = 300
# Written into a last cell: where the kernel found chainrule.
WHERE = "import sys, chainrule\nprint(chainrule.__file__)\nprint(sys.executable)"
ADDRESS = re.compile(r" at 0x[0-9a-f]+")
# A cell whose output cannot repeat (it measures time) carries this tag; it must still run.
NONDETERMINISTIC = "nondeterministic"
# Pages that are reports of data the build has, not chapters a reader runs on their own.
NOT_STANDALONE = {"performance": "the appendix shows docs/_data/bench.json, written by `nox -s bench`"}


def _normalise(outputs: list[dict]) -> list[dict]:
    """Outputs without what legitimately differs between two runs of the same code.

    Consecutive stream chunks are joined (how a print is split depends on timing), object
    addresses in reprs are masked, and an error keeps its type and message, not its
    traceback (which names the files of the environment).
    """
    out: list[dict] = []
    for o in copy.deepcopy(outputs):
        o.pop("execution_count", None)
        if o["output_type"] == "stream":
            o["text"] = ADDRESS.sub(" at 0x…", "".join(o["text"]))
            if out and out[-1]["output_type"] == "stream" and out[-1]["name"] == o["name"]:
                out[-1]["text"] += o["text"]
                continue
        elif o["output_type"] == "error":
            o.pop("traceback", None)
        for mime, value in o.get("data", {}).items():
            text = "".join(value) if isinstance(value, list) else value
            o["data"][mime] = ADDRESS.sub(" at 0x…", text) if mime.startswith("text/") else text
        out.append(o)
    return out


@pytest.fixture(scope="session", autouse=True)
def _package_is_installed_not_the_source():
    import chainrule

    where = Path(chainrule.__file__).resolve()
    assert ROOT / "src" not in where.parents, f"chainrule imported from the source tree: {where}"


@pytest.mark.skipif(not NOTEBOOKS, reason="no built notebooks: run `nox -s docs` first")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_downloaded_notebook_runs_and_matches_the_book(path, tmp_path):
    """Every cell runs in order in a fresh kernel and gives the outputs the book shows."""
    if path.stem in NOT_STANDALONE:
        pytest.skip(NOT_STANDALONE[path.stem])
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    nb = copy.deepcopy(book)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells.append(nbformat.v4.new_code_cell(WHERE))
    # Executes every cell in order; an error in a cell not tagged raises-exception fails here.
    # (iopub: wait for late output rather than drop it, as the book's build does; see conf.py)
    NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", iopub_timeout=60, raise_on_iopub_timeout=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    where = "".join(o.get("text", "") for o in nb.cells.pop().outputs).split()
    assert ROOT / "src" not in Path(where[0]).resolve().parents, f"kernel used the source tree: {where}"

    diffs = []
    code = [(b, n) for b, n in zip(book.cells, nb.cells, strict=True) if b.cell_type == "code"]
    for number, (b, n) in enumerate(code, start=1):
        if NONDETERMINISTIC in b.metadata.get("tags", []):
            continue
        want, got = _normalise(b.outputs), _normalise(n.outputs)
        if want != got:
            first_line = b.source.strip().splitlines()[0] if b.source.strip() else ""
            k = next((i for i, (w, g) in enumerate(zip(want, got, strict=False)) if w != g), min(len(want), len(got)))
            show = [json.dumps(x[k], sort_keys=True)[:400] if k < len(x) else "(none)" for x in (want, got)]
            diffs.append(
                f"code cell {number} ({first_line!r}), output {k + 1} of {len(want)}:\n"
                f"    book:  {show[0]}\n    fresh: {show[1]}"
            )
    assert not diffs, f"{path.name}: outputs differ from the built book in a fresh kernel:\n" + "\n".join(diffs)

"""The build itself: outputs never go stale, clean builds agree, a failing cell fails the build.

Each test builds a small copy of the book (conf.py, src/, the preface and a probe page
with a figure) in a temporary directory with ``CHAINRULE_ONLY``, the way a writer builds
one chapter, so the whole file runs in about a minute. Run with ``nox -s buildtests``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MATHJAX = Path(os.environ.get("CHAINRULE_MATHJAX", ROOT / "_build" / "mathjax" / "static"))
FRONT_MATTER = (ROOT / "docs" / "preface.md").read_text().split("\n---\n", 1)[0] + "\n---\n"

# A page with seeded randomness, a matplotlib figure and a printed number: what must come
# out byte-identical from two clean builds; and an exercise with its solution (whose
# title sphinx-exercise takes from the exercise). `orphan` keeps it out of the toctree.
PROBE = FRONT_MATTER.replace("---\njupytext", "---\norphan: true\njupytext", 1) + textwrap.dedent(
    """
    # Probe

    ```{code-cell} ipython3
    import numpy as np

    import chainrule as cr
    import chainrule.plot as crp

    print("probe:", cr.PROBE)
    rng = np.random.default_rng(0)
    params = cr.init_params([2, 3, 1], seed=0)
    X = rng.normal(size=(2, 40))
    Y = (X[0:1] * X[1:2] > 0).astype(float)
    params, history = cr.train(params, X, Y, ["tanh", "sigmoid"], "bce", learning_rate=0.5, epochs=30)
    print(round(history.loss[-1], 12))
    ```

    ```{code-cell} ipython3
    fig, ax = crp.new_axes()
    crp.loss_curves({"gd": history.loss}, ax=ax)
    fig
    ```

    ```{exercise} A probe with $\\alpha$
    :label: probe-ex

    Is $1 + 1 = 2$?
    ```

    ```{solution} probe-ex
    Yes.
    ```
    """
)


def make_book(dest: Path, probe: str = "one") -> Path:
    """A copy of the book's build inputs with the probe page; ``cr.PROBE`` is ``probe``."""
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "conf.py", dest / "conf.py")
    shutil.copytree(ROOT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "docs").mkdir()
    for name in ("index.md", "api.md", "bibliography.md", "preface.md", "refs.bib"):
        shutil.copy2(ROOT / "docs" / name, dest / "docs" / name)
    for name in ("_static", "_templates", "_ext", "_intersphinx"):
        if (ROOT / "docs" / name).is_dir():
            shutil.copytree(ROOT / "docs" / name, dest / "docs" / name)
    (dest / "docs" / "probe.md").write_text(PROBE)
    set_probe(dest, probe)
    return dest


def set_probe(book: Path, value: str) -> None:
    """Change the package itself (one constant in src/chainrule/__init__.py)."""
    init = book / "src" / "chainrule" / "__init__.py"
    text = re.sub(r"\n# build-test probe\nPROBE = .*\n", "\n", init.read_text())
    init.write_text(text + f"\n# build-test probe\nPROBE = {value!r}\n")


def build(book: Path, out: Path, cache: Path, pages: str = "preface,probe", mathjax: Path = MATHJAX):
    """HTML build of ``pages`` from ``book`` into ``out``; returns (exit code, log).

    Not ``-W``: with only some pages built, their {doc} links to the others warn (the
    full strict build checks those). A failing cell or a missing MathJax still stops it.
    """
    env = {
        **os.environ,
        "CHAINRULE_ONLY": pages,
        "CHAINRULE_NB_CACHE": str(cache),
        "CHAINRULE_MATHJAX": str(mathjax),
        # The kernels and autodoc import this copy of the package, not the installed one.
        "PYTHONPATH": str(book / "src"),
        "PYTHONDONTWRITEBYTECODE": "",
    }
    cmd = [
        sys.executable, "-m", "sphinx", "-b", "html", "-c", str(book), "--keep-going",
        "-d", str(out / "doctrees"), str(book / "docs"), str(out / "html"),
    ]
    proc = subprocess.run(cmd, cwd=book, env=env, capture_output=True, text=True, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def executed_pages(log: str) -> set[str]:
    """Pages myst-nb executed in this build (not served from jupyter-cache)."""
    return set(re.findall(r"([\w-]+)\.md: Executing notebook", log))


def cached_pages(log: str) -> set[str]:
    """Pages whose outputs myst-nb took from jupyter-cache in this build."""
    return set(re.findall(r"([\w-]+)\.md: Using cached notebook", log))


def cache_records(cache: Path) -> dict[str, list[tuple[int, str]]]:
    """jupyter-cache records (id, creation time) in each source-hash directory of ``cache``."""
    from jupyter_cache import get_cache

    return {
        d.name: sorted((r.pk, r.created.isoformat()) for r in get_cache(d).list_cache_records())
        for d in sorted(cache.iterdir()) if d.is_dir()
    }


def outputs(html: Path, page: str) -> list[list[dict]]:
    """The outputs of every code cell of ``page``'s downloadable executed notebook."""
    nb = json.loads((html / "_sources" / f"{page}.ipynb").read_text())
    return [c["outputs"] for c in nb["cells"] if c["cell_type"] == "code"]


def texts(html: Path, page: str) -> str:
    """All outputs of ``page`` as one string."""
    return json.dumps(outputs(html, page))


@pytest.fixture
def book(tmp_path):
    """A fresh small copy of the book."""
    return make_book(tmp_path / "book")


def snapshot(html: Path) -> dict:
    """Cell outputs of the preface and the probe, and the bytes (hashed) of every figure."""
    return {
        "preface": outputs(html, "preface"),
        "probe": outputs(html, "probe"),
        "images": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (html / "_images").iterdir()},
    }


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    """A clean build of the preface and the probe: its book, output, cache, log and snapshot."""
    root = tmp_path_factory.mktemp("first")
    book, out, cache = make_book(root / "book"), root / "out", root / "cache"
    code, log = build(book, out, cache)
    assert code == 0, log
    return {"book": book, "out": out, "cache": cache, "log": log, "snapshot": snapshot(out / "html")}


def test_package_change_reexecutes_and_prose_change_does_not(first_build):
    """Editing prose re-executes nothing; editing src/chainrule re-executes every page."""
    book, out, cache = first_build["book"], first_build["out"], first_build["cache"]
    assert executed_pages(first_build["log"]) == {"preface", "probe"}, first_build["log"]
    first = cache_records(cache)
    assert len(first) == 1, first
    assert "probe: one" in texts(out / "html", "probe")

    # Prose only: the page is re-read (the HTML changes) but no cell runs again.
    preface = book / "docs" / "preface.md"
    preface.write_text(preface.read_text() + "\nA sentence added by the build test.\n")
    code, log = build(book, out, cache)
    assert code == 0, log
    assert executed_pages(log) == set(), f"a prose edit re-executed cells:\n{log}"
    assert "preface" in cached_pages(log), log
    assert cache_records(cache) == first, "a prose edit touched jupyter-cache"
    assert "A sentence added by the build test." in (out / "html" / "preface.html").read_text()

    # The package: every page runs again, and the outputs show the new package.
    set_probe(book, "two")
    code, log = build(book, out, cache)
    assert code == 0, log
    assert executed_pages(log) == {"preface", "probe"}, f"a change in src/ left outputs stale:\n{log}"
    assert len(cache_records(cache)) == 2
    assert "probe: two" in texts(out / "html", "probe")
    assert "probe: one" not in texts(out / "html", "probe")


def test_two_clean_builds_have_identical_outputs(first_build, book, tmp_path):
    """Two builds from empty caches give the same cell outputs and the same figure bytes."""
    code, log = build(book, tmp_path / "out", tmp_path / "cache")
    assert code == 0, log
    assert executed_pages(log) == {"preface", "probe"}, log
    a, b = first_build["snapshot"], snapshot(tmp_path / "out" / "html")
    assert any(o["output_type"] == "display_data" and "image/png" in o["data"] for c in a["probe"] for o in c)
    assert a["images"], "the probe page has a figure"
    assert a["preface"] == b["preface"]
    assert a["probe"] == b["probe"]
    assert a["images"] == b["images"]


def test_cached_doctrees_and_environment_hold_no_other_document(first_build):
    """No node Sphinx caches drags in another document (docs/_ext/fastrebuild.py).

    MyST's {eval-rst} (api.md) and sphinx-exercise leave nodes pointing at other
    documents; pickled, those held the whole environment in api.doctree and every page
    with an exercise in environment.pickle, and every rebuild unpickled them.
    """
    import pickle

    doctrees = first_build["out"] / "doctrees"
    for path in sorted(doctrees.glob("*.doctree")):
        doctree = pickle.loads(path.read_bytes())
        foreign = {type(n).__name__ for n in doctree.findall() if n._document not in (None, doctree)}
        assert not foreign, f"{path.name} holds nodes of another document: {sorted(foreign)}"
    env = pickle.loads((doctrees / "environment.pickle").read_bytes())
    registry = env.sphinx_exercise_registry
    assert {entry["type"] for entry in registry.values()} == {"exercise", "solution"}, registry
    for label, entry in registry.items():
        node = entry["node"]
        assert node.parent is None, label
        assert all(part._document is None for part in node.findall()), label
    # The solution's title, resolved at writing time from the detached exercise.
    html = (first_build["out"] / "html" / "probe.html").read_text()
    assert re.search(r'Solution to<a class="reference internal" href="#probe-ex">\s*Exercise', html), html


def listing(name: str, caption: str) -> str:
    """A captioned code block: numbered by numfig like a figure ("Listing 1.1")."""
    return f"\n```{{code-block}} text\n:caption: {caption}\n:name: {name}\n\n{caption}\n```\n"


def test_no_change_rebuild_keeps_unchanged_pages_and_an_edit_redoes_them(first_build, book, tmp_path):
    """With no page changed, figure numbering and the index and search pages are skipped, else not.

    A no-change rebuild leaves genindex.html and search.html untouched; an edit
    renumbers the figures (a listing inserted before another shifts its number) and
    rewrites the index (a new entry appears in it); a deleted index page is rewritten.
    """
    cache, out = tmp_path / "cache", tmp_path / "out"
    shutil.copytree(first_build["cache"], cache)  # same cells: nothing runs again
    # Sphinx re-reads a page whose toctree names pages left out; keep only pages present.
    index = book / "docs" / "index.md"
    present = {p.stem for p in (book / "docs").glob("*.md")}
    chapters = {p.stem for p in (ROOT / "docs").glob("*.md")} - present
    index.write_text("\n".join(line for line in index.read_text().split("\n") if line not in chapters))
    html = out / "html"
    preface = book / "docs" / "preface.md"
    text = preface.read_text()
    target = "\nSee {numref}`lst-target`.\n"

    def numref() -> str:
        found = re.search(r'href="#lst-target"><span class="std std-numref">([^<]*)</span>',
                          (html / "preface.html").read_text())
        assert found, "no numbered reference to the listing"
        return found[1]

    preface.write_text(text + listing("lst-target", "Target") + target)
    code, log = build(book, out, cache)
    assert code == 0, log
    first_number = numref()
    assert re.fullmatch(r"Listing \d+\.1", first_number), first_number

    pages = {name: html / f"{name}.html" for name in ("genindex", "search", "preface")}
    before = {name: (path.stat().st_mtime_ns, path.read_bytes()) for name, path in pages.items()}
    code, log = build(book, out, cache)
    assert code == 0, log
    after = {name: (path.stat().st_mtime_ns, path.read_bytes()) for name, path in pages.items()}
    assert after == before, "a no-change rebuild rewrote a page"

    # An edit: a listing before the target and a new index entry.
    preface.write_text(text + listing("lst-first", "First") + "\n```{index} fastrebuildprobe\n```\n"
                       + listing("lst-target", "Target") + target)
    code, log = build(book, out, cache)
    assert code == 0, log
    assert numref() == first_number[:-1] + "2", numref()
    assert "fastrebuildprobe" in (html / "genindex.html").read_text()

    (html / "genindex.html").unlink()
    code, log = build(book, out, cache)
    assert code == 0, log
    assert "fastrebuildprobe" in (html / "genindex.html").read_text()


def test_failing_cell_fails_the_build_naming_page_and_cell(book, tmp_path):
    """A cell that raises stops the build; the log names the page, the cell and the error."""
    probe = book / "docs" / "probe.md"
    probe.write_text(probe.read_text() + textwrap.dedent(
        """
        ```{code-cell} ipython3
        J_wrong = 1 + 1
        assert J_wrong == 3, "deliberately wrong"
        ```
        """
    ))
    code, log = build(book, tmp_path / "out", tmp_path / "cache", pages="probe")
    log = re.sub(r"\x1b\[[0-9;]*m", "", log)  # IPython colours its tracebacks
    assert code != 0, log
    assert "probe.md" in log, log  # the page
    assert "assert J_wrong == 3" in log, log  # the cell
    assert "AssertionError: deliberately wrong" in log, log  # why
    # Number and line of the failing cell, added to myst-nb's message by conf.py.
    line = probe.read_text().splitlines().index("J_wrong = 1 + 1") + 1
    assert f"The failing cell is code cell 3 of this page, code from line {line}." in log, log


def test_missing_mathjax_fails_the_build(book, tmp_path):
    """Without a staged MathJax the HTML build stops (no CDN fallback)."""
    code, log = build(book, tmp_path / "out", tmp_path / "cache", pages="probe", mathjax=tmp_path / "nothing")
    assert code != 0
    assert "MathJax is not staged" in log, log
    assert "never falls back to a CDN" in log

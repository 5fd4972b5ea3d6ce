"""Intersphinx inventories that need no network: links to Python, NumPy, Matplotlib, scikit-learn.

Sphinx normally downloads each project's ``objects.inv``; the build machines reach no
documentation site, and the site must build offline. So:

- **Python**: the official inventory of CPython 3.11's documentation, vendored as
  ``docs/_intersphinx/python.inv`` (taken from Debian's ``python3.11-doc`` package,
  ``/usr/share/doc/python3.11/html/objects.inv``). Every object of the standard library.
- **NumPy, Matplotlib, scikit-learn**: no offline copy of their inventories exists on
  the package registries these machines reach. ``ENTRIES`` below lists the objects the
  book links to, each with the address its project's documentation gives it (the
  autosummary page ``reference/generated/numpy.sum.html``, ...); :func:`write` turns the
  list into real ``objects.inv`` files under ``_build/intersphinx/``. A reference to an
  object that is not listed fails the nitpicky build (``-n -W``): that is the cue to add
  it here, after checking its address on the project's site.

With network access, ``python docs/_ext/inventories.py --check`` downloads each
project's published inventory and reports any listed object whose address differs.
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON_INVENTORY = HERE.parent / "_intersphinx" / "python.inv"

#: project key -> (base URL, project name, version of the docs the addresses follow).
PROJECTS = {
    "numpy": ("https://numpy.org/doc/stable/", "NumPy", "2.4"),
    "matplotlib": ("https://matplotlib.org/stable/", "Matplotlib", "3.11"),
    "sklearn": ("https://scikit-learn.org/stable/", "scikit-learn", "1.9"),
}

# (name, domain:role, address relative to the base URL, display name or "-").
# Addresses follow each project's layout: NumPy's autosummary pages under
# reference/generated/ (ufuncs are py:data there), the random module's own pages;
# Matplotlib's api/_as_gen/; scikit-learn's modules/generated/.
ENTRIES = {
    "numpy": [
        ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#numpy.ndarray", "-"),
        ("numpy.dtype", "py:class", "reference/generated/numpy.dtype.html#numpy.dtype", "-"),
        ("numpy.finfo", "py:class", "reference/generated/numpy.finfo.html#numpy.finfo", "-"),
        ("numpy.errstate", "py:class", "reference/generated/numpy.errstate.html#numpy.errstate", "-"),
        ("numpy.sum", "py:function", "reference/generated/numpy.sum.html#numpy.sum", "-"),
        ("numpy.mean", "py:function", "reference/generated/numpy.mean.html#numpy.mean", "-"),
        ("numpy.logspace", "py:function", "reference/generated/numpy.logspace.html#numpy.logspace", "-"),
        ("numpy.tanh", "py:data", "reference/generated/numpy.tanh.html#numpy.tanh", "-"),
        ("numpy.exp", "py:data", "reference/generated/numpy.exp.html#numpy.exp", "-"),
        ("numpy.maximum", "py:data", "reference/generated/numpy.maximum.html#numpy.maximum", "-"),
        ("numpy.matmul", "py:data", "reference/generated/numpy.matmul.html#numpy.matmul", "-"),
        ("numpy.random.default_rng", "py:function",
         "reference/random/generator.html#numpy.random.default_rng", "-"),
        ("numpy.random.Generator", "py:class", "reference/random/generator.html#numpy.random.Generator", "-"),
        ("numpy.random.Generator.permutation", "py:method",
         ("reference/random/generated/numpy.random.Generator.permutation.html"
          "#numpy.random.Generator.permutation"), "-"),
        ("array_like", "std:term", "glossary.html#term-array_like", "array_like"),
        ("user/basics.broadcasting", "std:doc", "user/basics.broadcasting.html", "Broadcasting"),
    ],
    "matplotlib": [
        ("matplotlib.axes.Axes", "py:class", "api/_as_gen/matplotlib.axes.Axes.html#matplotlib.axes.Axes", "-"),
        ("matplotlib.figure.Figure", "py:class",
         "api/_as_gen/matplotlib.figure.Figure.html#matplotlib.figure.Figure", "-"),
        ("matplotlib.pyplot.subplots", "py:function",
         "api/_as_gen/matplotlib.pyplot.subplots.html#matplotlib.pyplot.subplots", "-"),
    ],
    "sklearn": [
        ("sklearn.datasets.load_digits", "py:function",
         "modules/generated/sklearn.datasets.load_digits.html#sklearn.datasets.load_digits", "-"),
        ("sklearn.neural_network.MLPClassifier", "py:class",
         ("modules/generated/sklearn.neural_network.MLPClassifier.html"
          "#sklearn.neural_network.MLPClassifier"), "-"),
    ],
}


def inventory_bytes(project: str) -> bytes:
    """The ``objects.inv`` (format version 2) of one project's ``ENTRIES``."""
    _, name, version = PROJECTS[project]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {name}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    # Priority 1 for objects (shown in search), -1 for documents and terms, as Sphinx writes them.
    body = "".join(
        f"{obj} {role} {1 if role.startswith('py:') else -1} {uri} {shown}\n"
        for obj, role, uri, shown in sorted(ENTRIES[project])
    )
    return header.encode() + zlib.compress(body.encode(), 9)


def write(directory: Path) -> dict[str, tuple[str, str]]:
    """Write the inventories into ``directory``; return Sphinx's ``intersphinx_mapping``.

    Files are rewritten only when their bytes change, so a rebuild sees no new input.
    """
    directory.mkdir(parents=True, exist_ok=True)
    mapping = {"python": ("https://docs.python.org/3/", str(PYTHON_INVENTORY))}
    for project, (base, _, _) in PROJECTS.items():
        path = directory / f"{project}.inv"
        data = inventory_bytes(project)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
        mapping[project] = (base, str(path))
    return mapping


def check() -> int:
    """Compare ``ENTRIES`` with the published inventories (needs network; not used by the build)."""
    import urllib.request

    from sphinx.util.inventory import InventoryFile

    problems = 0
    for project, (base, _, _) in PROJECTS.items():
        with urllib.request.urlopen(base + "objects.inv", timeout=30) as response:
            published = InventoryFile.loads(response.read(), uri=base)
        for obj, role, uri, _ in ENTRIES[project]:
            item = published.data.get(role, {}).get(obj)
            expected = base + uri.replace("$", obj)
            if item is None or item.uri != expected:
                problems += 1
                print(f"{project}: {obj} ({role}) is {item.uri if item else 'missing'}, listed {expected}")
    print(f"{problems} problem(s)")
    return problems


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--check"]:
        sys.exit(1 if check() else 0)
    sys.exit("usage: python docs/_ext/inventories.py --check   (compares with the published inventories)")

"""The book's Sphinx helpers (docs/_ext): offline intersphinx inventories and docstring type links."""

import sys
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
import inventories
import typelinks


def entries(data: bytes) -> dict[tuple[str, str], str]:
    """Parse an objects.inv (version 2): {(name, role): uri}, as Sphinx reads it."""
    lines = data.split(b"\n", 4)
    assert lines[0] == b"# Sphinx inventory version 2"
    assert lines[3].endswith(b"compressed using zlib.")
    body = zlib.decompress(lines[4]).decode()
    out = {}
    for line in body.splitlines():
        # "name role priority uri dispname"; a name (a std:doc title, say) has no spaces here.
        name, role, _priority, uri, _shown = line.split(" ", 4)
        out[name, role] = uri.replace("$", name) if uri.endswith("$") else uri
    return out


def test_vendored_python_inventory_is_the_official_one():
    python = entries(inventories.PYTHON_INVENTORY.read_bytes())
    assert len(python) > 10_000  # the whole standard library, not a subset
    assert python["dict", "py:class"] == "library/stdtypes.html#dict"
    assert python["collections.abc.Sequence", "py:class"].startswith("library/collections.abc.html")
    assert ("callable", "std:term") in python


@pytest.mark.parametrize("project", sorted(inventories.PROJECTS))
def test_written_inventories_round_trip(project, tmp_path):
    mapping = inventories.write(tmp_path)
    base, path = mapping[project]
    assert base.startswith("https://")
    assert base.endswith("/")
    parsed = entries(Path(path).read_bytes())
    assert parsed == {(name, role): uri for name, role, uri, _ in inventories.ENTRIES[project]}
    # Python objects point at the page and anchor of their own name, as autosummary writes them.
    for (name, role), uri in parsed.items():
        if role.startswith("py:"):
            assert uri.endswith(f"#{name}"), (name, uri)


def test_write_leaves_unchanged_files_alone(tmp_path):
    inventories.write(tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    inventories.write(tmp_path)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamps


@pytest.mark.parametrize(
    ("written", "linked"),
    [
        ("ndarray of shape (n0, m)", ":class:`~numpy.ndarray` of shape (n0, m)"),
        ("int or numpy.random.Generator, default 0",
         ":class:`int` or :class:`numpy.random.Generator`, default 0"),
        ('{"bce", "ce", "mse"}', '{"bce", "ce", "mse"}'),  # choices are values, not types
        ('str, default "float"', ':class:`str`, default "float"'),  # nor is a default
        ("list of dict", ":class:`list` of :class:`dict`"),
        ("matplotlib.axes.Axes, optional", ":class:`~matplotlib.axes.Axes`, optional"),
        ("ndarray of matplotlib.axes.Axes", ":class:`~numpy.ndarray` of :class:`~matplotlib.axes.Axes`"),
        ("numpy dtype", "numpy :class:`~numpy.dtype`"),
        ("(xmin, xmax, ymin, ymax), optional", "(xmin, xmax, ymin, ymax), optional"),
        ("callable", ":term:`callable`"),
        ("dictionary", "dictionary"),  # whole words only
    ],
)
def test_link_types(written, linked):
    assert typelinks.link_types(written) == linked


def test_only_field_lines_of_numpydoc_sections_change():
    lines = [
        "Summary mentioning a dict and an int.",
        "",
        "Parameters",
        "----------",
        "X : ndarray of shape (n0, m)",
        "    One example per column; an int in prose stays prose.",
        "width, height : float",
        "    Inches.",
        "",
        "Returns",
        "-------",
        "dict",
        "    Parameters.",
        "",
        "Examples",
        "--------",
        ">>> int(2.0)",
        "2",
    ]
    before = list(lines)
    typelinks.process_docstring(None, "function", "f", None, {}, lines)
    changed = {i: line for i, line in enumerate(lines) if line != before[i]}
    assert changed == {
        4: "X : :class:`~numpy.ndarray` of shape (n0, m)",
        6: "width, height : :class:`float`",
        11: ":class:`dict`",
    }

"""Link the types in numpydoc "Parameters"/"Returns" lines to their documentation.

``X : ndarray of shape (n0, m)`` should link *ndarray* to NumPy's page and leave
"of shape (n0, m)" as prose. Napoleon's own ``napoleon_preprocess_types`` splits such a
type at every comma and turns "shape (n0" into a broken class reference, so this hook
runs before napoleon (autodoc-process-docstring, priority 400) and rewrites only the
type words it knows, as roles. Napoleon passes a type that contains a role through
unchanged. The docstrings in ``src/`` stay plain numpydoc for ``help()`` readers.
"""

from __future__ import annotations

import re

# type word as written in a docstring -> reStructuredText role.
TYPES = {
    "ndarray": ":class:`~numpy.ndarray`",
    "array_like": ":term:`array_like <numpy:array_like>`",
    "dtype": ":class:`~numpy.dtype`",
    "numpy.random.Generator": ":class:`numpy.random.Generator`",
    "matplotlib.axes.Axes": ":class:`~matplotlib.axes.Axes`",
    "matplotlib.figure.Figure": ":class:`~matplotlib.figure.Figure`",
    "dict": ":class:`dict`",
    "list": ":class:`list`",
    "tuple": ":class:`tuple`",
    "int": ":class:`int`",
    "float": ":class:`float`",
    "str": ":class:`str`",
    "bool": ":class:`bool`",
    "None": ":data:`None`",
    "callable": ":term:`callable`",
    "sequence": ":term:`sequence`",
    "History": ":class:`~chainrule.History`",
    "GradientCheckReport": ":class:`~chainrule.GradientCheckReport`",
    "ValueError": ":exc:`ValueError`",
    "TypeError": ":exc:`TypeError`",
    "AssertionError": ":exc:`AssertionError`",
    "DivergenceError": ":exc:`~chainrule.DivergenceError`",
}
SECTIONS = {"Parameters", "Returns", "Yields", "Attributes", "Other Parameters", "Raises"}
# A whole word, not inside a quoted choice such as {"bce", "ce"} or a default value.
WORD = re.compile(r"(?<![\w.\"'])(" + "|".join(re.escape(t) for t in sorted(TYPES, key=len, reverse=True))
                  + r")(?![\w\"'])")
FIELD = re.compile(r"^(?P<name>[^:]* : |)(?P<type>\S.*)$")


def link_types(type_text: str) -> str:
    """Replace the known type words of one type description by roles.

    Everything from ", default" on is a value, not a type, and is left alone.
    """
    head, sep, default = type_text.partition(", default")
    return WORD.sub(lambda m: TYPES[m.group(1)], head) + sep + default


def process_docstring(app, what, name, obj, options, lines) -> None:
    """Rewrite the type part of every field line of the numpydoc sections, in place."""
    section = None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and lines[i + 1].strip() and set(lines[i + 1].strip()) == {"-"}:
            section = line.strip()
            continue
        if section not in SECTIONS or not line or line[0].isspace() or set(line) == {"-"}:
            continue  # descriptions are indented; only field lines start at column 0
        match = FIELD.match(line)
        if match and "`" not in line:
            lines[i] = match["name"] + link_types(match["type"])


def setup(app):
    app.setup_extension("sphinx.ext.napoleon")
    app.connect("autodoc-process-docstring", process_docstring, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

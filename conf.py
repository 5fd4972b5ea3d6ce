"""Sphinx configuration of the book (build with ``sphinx-build -c . docs OUT``)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).parent.resolve()

project = "Backpropagation, derived and checked"
author = "The chainrule authors"
copyright = "2026, The chainrule authors"
release = "0.1"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.napoleon",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx_exercise",
    "sphinxcontrib.bibtex",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]
source_suffix = {".md": "myst-nb", ".rst": "restructuredtext"}
root_doc = "index"

# Writing one chapter: CHAINRULE_ONLY="derivatives,gradient-descent" builds just those
# pages (plus index and api) so a writer need not execute the whole book. The toctree
# then names pages that are left out, which is expected in this mode only.
if os.environ.get("CHAINRULE_ONLY"):
    _keep = {"index", "api", "bibliography", *os.environ["CHAINRULE_ONLY"].split(",")}
    exclude_patterns += [p.stem + ".md" for p in (ROOT / "docs").glob("*.md") if p.stem not in _keep]
    suppress_warnings = ["toc.excluded", "toc.not_included", "toc.not_readable"]

# --- MyST ------------------------------------------------------------------
myst_enable_extensions = ["amsmath", "dollarmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# --- Execution -------------------------------------------------------------
# jupyter-cache keys on cell source only, so a change in src/chainrule/ would
# leave stale outputs. Keying the cache directory on a hash of the package's
# source makes any change to the package re-execute every page.
_src_hash = hashlib.sha256()
for _path in sorted((ROOT / "src" / "chainrule").rglob("*.py")):
    _src_hash.update(_path.relative_to(ROOT).as_posix().encode())
    _src_hash.update(_path.read_bytes())
nb_execution_mode = "cache"
nb_execution_cache_path = str(
    Path(os.environ.get("CHAINRULE_NB_CACHE", ROOT / "_build" / ".jupyter_cache")) / _src_hash.hexdigest()[:16]
)
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True

# --- Maths -----------------------------------------------------------------
math_numfig = True
math_eqref_format = "({number})"
numfig = True

# --- Output ----------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Backpropagation, derived and checked"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_source_button": False,
    "home_page_in_toc": True,
}
html_static_path = []
html_last_updated_fmt = None

# --- References ------------------------------------------------------------
bibtex_bibfiles = ["docs/refs.bib"]
bibtex_default_style = "plain"
intersphinx_mapping = {}
autodoc_typehints = "none"
napoleon_numpy_docstring = True
napoleon_google_docstring = False

# --- Doctest ---------------------------------------------------------------
doctest_global_setup = "import numpy as np\nimport chainrule as cr\n"
# Render numpydoc "Parameters" types as text: "ndarray of shape (n_l, m)" is prose, not a class.
napoleon_use_param = False
napoleon_use_rtype = False
napoleon_use_ivar = True

"""Keep a no-change rebuild of the book fast (the goal: under 3 s with nox).

A rebuild with nothing to do still starts Sphinx and its extensions, unpickles the
environment and every page's cached doctree (figure numbering walks them all), and
renders the pages written on every build (index, search). Measured with cProfile and
medians of repeated ``nox -s docs`` runs, four things cost far more than they need:

- **References into other documents.** A docutils node remembers its document.
  MyST's ``{eval-rst}`` parses into a throw-away document whose settings still hold
  the build environment; its nodes move into the page but keep pointing there, so
  api.doctree held a pickled copy of the whole environment (5 MB for 31 kB of text).
  sphinx-exercise keeps every exercise and solution node in the environment still
  attached to its page, so environment.pickle held each such page in full (5.3 MB,
  2.5 MB without). Here every node of a page is re-pointed at the page, and the
  registry keeps detached copies (sphinx-exercise later reads only their type, ids,
  labels, titles and children).
- **The garbage collector.** At Python's default threshold (a collection every 700 new
  objects) it walks the growing heap again and again while the stack is imported and
  the doctrees unpickled; fewer, larger generations save about half a second. This
  module is the first extension loaded, so the imports of the others benefit too.
- **Shutting down.** After the build, Python's finalisation ran full collections over
  the whole heap (the environment, the unpickled doctrees, every imported module)
  while tearing it down: about 0.9 s of a 3.5 s rebuild passed after Sphinx had
  finished. At exit every object is moved out of the collector's reach
  (:func:`gc.freeze`) first; objects are still freed as their references go, and
  nothing is left unwritten: Sphinx closes its files before it returns.
- **Template compilation.** Jinja compiles the theme's templates to Python on every
  build; a bytecode cache in the doctree directory (keyed on each template's source,
  so an edited template is recompiled) skips that.
"""

from __future__ import annotations

import atexit
import gc
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

gc.set_threshold(100_000, 20, 20)
# atexit runs before finalisation; a process that builds twice registers it once.
atexit.register(gc.freeze)


def own_document(app: Sphinx, doctree: nodes.document) -> None:
    """Point every node of a freshly read page at the page's own document."""
    for node in doctree.findall():
        if node._document is not None and node._document is not doctree:
            node.document = doctree


def detached(node: nodes.Element) -> nodes.Element:
    """A copy of ``node`` with no parent and no document, for keeping in the environment."""
    copy = node.deepcopy()
    for part in copy.findall():
        part._document = None
    return copy


def detach_exercises(app: Sphinx, env: BuildEnvironment) -> None:
    """Replace the nodes sphinx-exercise keeps in the environment by detached copies."""
    for entry in getattr(env, "sphinx_exercise_registry", {}).values():
        node = entry.get("node")
        if isinstance(node, nodes.Element) and (
            node.parent is not None or any(part._document is not None for part in node.findall())
        ):
            entry["node"] = detached(node)


def cache_templates(app: Sphinx) -> None:
    """Give the HTML builder's Jinja environment a bytecode cache beside the doctrees."""
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is None:  # builders that render no templates
        return
    from jinja2 import FileSystemBytecodeCache

    directory = Path(app.doctreedir) / "jinja"
    directory.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(directory))


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("doctree-read", own_document)
    app.connect("env-updated", detach_exercises)
    app.connect("builder-inited", cache_templates)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

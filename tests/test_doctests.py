"""Every public module's docstring examples run, and every public module has some.

The examples themselves are the documentation (and run again in `nox -s doctest`);
this test only makes sure none is broken and no public module ships without one.
"""

import doctest
import importlib
import pkgutil

import pytest

import chainrule

PUBLIC = sorted(m.name for m in pkgutil.iter_modules(chainrule.__path__) if not m.name.startswith("_"))


def test_public_modules_are_found():
    assert {"activations", "datasets", "gradcheck", "losses", "network", "optim", "plot", "surfaces",
            "train"} <= set(PUBLIC)


@pytest.mark.parametrize("name", ["chainrule", *(f"chainrule.{m}" for m in PUBLIC)])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert result.attempted > 0, f"{name} has no examples in its docstrings"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"

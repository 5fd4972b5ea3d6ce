"""Every bad input gets a clear error naming the argument; no raw NumPy error escapes.

Each case asserts the exception type *and* key words of the message (``match=``):
a bare numpy broadcasting ValueError or an IndexError would not match.
"""

import re
import warnings

import numpy as np
import pytest

import chainrule as cr

ACTS = ["tanh", "sigmoid"]
PARAMS = cr.init_params([2, 3, 1], seed=0)
X = np.array([[0.5, -1.0, 2.0, 0.0], [1.0, 0.3, -0.7, 0.2]])
Y = np.array([[1, 0, 1, 0]])
AL, CACHE = cr.forward(PARAMS, X, ACTS)
GRADS = cr.backward(PARAMS, CACHE, Y, "bce")


def with_param(name, value):
    return {**PARAMS, name: value}


def without(name):
    return {k: v for k, v in PARAMS.items() if k != name}


def train(**kwargs):
    args = {"learning_rate": 0.1, "epochs": 2} | kwargs
    return cr.train(PARAMS, X, Y, ACTS, "bce", **args)


def check(**kwargs):
    return cr.gradient_check(PARAMS, X, Y, ACTS, "bce", **kwargs)


CASES = [
    # --- shapes of X and Y ---
    ("X rows != W1 columns", lambda: cr.forward(PARAMS, X.T, ACTS),
     ValueError, r"X must have shape \(n0, m\) = \(2, m\) to match W1 of shape \(3, 2\), got \(4, 2\).*transpose"),
    ("X 1-D", lambda: cr.forward(PARAMS, X[0], ACTS), ValueError, r"X must be 2-D.*got shape \(4,\)"),
    ("X 3-D", lambda: cr.forward(PARAMS, X[None], ACTS), ValueError, r"X must be 2-D"),
    ("Y shape != AL", lambda: cr.cost(AL, Y[:, :3], "bce"),
     ValueError, r"Y must have the shape of AL \(1, 4\).*got \(1, 3\)"),
    ("Y transposed in backward", lambda: cr.backward(PARAMS, CACHE, Y.T, "bce"),
     ValueError, r"Y must have the shape of AL \(1, 4\).*got \(4, 1\)"),
    ("Y 1-D", lambda: cr.backward(PARAMS, CACHE, Y[0], "bce"), ValueError, r"Y must be 2-D.*\(1, m\)"),
    ("Y wrong shape in train", lambda: cr.train(PARAMS, X, Y[:, :2], ACTS, epochs=1),
     ValueError, r"Y must have the shape of AL"),
    ("Y wrong shape in gradient_check", lambda: cr.gradient_check(PARAMS, X, np.ones((2, 4)), ACTS),
     ValueError, r"Y must have the shape of AL"),
    ("no examples", lambda: cr.cost(np.zeros((1, 0)), np.zeros((1, 0)), "mse"),
     ValueError, r"AL must have at least one column"),
    ("no examples in backward",
     lambda: cr.backward(PARAMS, cr.forward(PARAMS, X[:, :0], ACTS)[1], Y[:, :0], "bce"),
     ValueError, r"at least one column"),
    # --- parameters ---
    ("b shape (n,)", lambda: cr.forward(with_param("b1", np.zeros(3)), X, ACTS),
     ValueError, r"params\['b1'\] must be a column of shape \(3, 1\).*got \(3,\)"),
    ("b shape (n, 2)", lambda: cr.forward(with_param("b1", np.zeros((3, 2))), X, ACTS),
     ValueError, r"params\['b1'\] must be a column of shape \(3, 1\).*got \(3, 2\)"),
    ("b a row", lambda: cr.forward(with_param("b2", np.zeros((1, 1))) | {"b1": np.zeros((1, 3))}, X, ACTS),
     ValueError, r"params\['b1'\] must be a column of shape \(3, 1\)"),
    ("W 1-D", lambda: cr.forward(with_param("W1", np.zeros(2)), X, ACTS),
     ValueError, r"params\['W1'\] must be a 2-D matrix"),
    ("W2 columns != W1 rows", lambda: cr.forward(with_param("W2", np.zeros((1, 4))), X, ACTS),
     ValueError, r"params\['W2'\] must have shape \(n2, 3\) because W1 has 3 rows, got \(1, 4\)"),
    ("params missing b1", lambda: cr.forward(without("b1"), X, ACTS),
     ValueError, r"params must hold exactly W1..W2 and b1..b2; missing \['b1'\]"),
    ("params missing W1", lambda: cr.forward(without("W1"), X, ACTS),
     ValueError, r"params must hold 'W1', 'b1'"),
    ("params missing W2", lambda: cr.forward(without("W2"), X, ACTS),
     ValueError, r"unexpected \['b2'\]"),
    ("params extra key", lambda: cr.forward(PARAMS | {"V1": 1.0}, X, ACTS), ValueError, r"unexpected \['V1'\]"),
    ("params not a dict", lambda: cr.forward(list(PARAMS.values()), X, ACTS),
     TypeError, r"params must be a dict"),
    ("params NaN", lambda: cr.forward(with_param("W2", PARAMS["W2"] * np.nan), X, ACTS),
     ValueError, r"params\['W2'\] must be finite"),
    # forward tests finiteness through Z[l]: an infinite W1 that tanh would squash to +-1
    # must still be named, not pass as a saturated network.
    ("params inf under tanh", lambda: cr.forward(with_param("W1", PARAMS["W1"] + np.inf), X, ACTS),
     ValueError, r"params\['W1'\] must be finite"),
    ("b inf", lambda: cr.forward(with_param("b2", np.full((1, 1), -np.inf)), X, ACTS),
     ValueError, r"params\['b2'\] must be finite"),
    ("params NaN with no examples", lambda: cr.forward(with_param("W1", PARAMS["W1"] * np.nan), X[:, :0], ACTS),
     ValueError, r"params\['W1'\] must be finite"),
    ("params NaN in backward", lambda: cr.backward(with_param("W2", PARAMS["W2"] * np.nan), CACHE, Y, "bce"),
     ValueError, r"params\['W2'\] must be finite"),
    ("cache NaN in backward", lambda: cr.backward(PARAMS, CACHE | {"A1": CACHE["A1"] * np.nan}, Y, "bce"),
     ValueError, r"cache\['A1'\] must be finite"),
    ("AL NaN in backward", lambda: cr.backward(PARAMS, CACHE | {"A2": CACHE["A2"] * np.nan}, Y, "bce"),
     ValueError, r"AL must be finite"),
    ("overflow in a deeper layer",
     lambda: cr.forward({"W1": np.full((1, 1), 1e200), "b1": np.zeros((1, 1)),
                         "W2": np.full((1, 1), 1e200), "b2": np.zeros((1, 1))},
                        np.ones((1, 2)), ["linear", "sigmoid"]),
     ValueError, r"Z2 = W2 A1 \+ b2 overflows \(largest \|A1\| is 1e\+200, largest \|W2\| is 1e\+200\)"),
    ("X too large", lambda: cr.forward(with_param("W1", np.full((3, 2), 2.0)), np.full((2, 4), 1e308), ACTS),
     ValueError, r"X is too large: Z1 = W1 X \+ b1 overflows \(largest \|X\| is 1e\+308"),
    # --- non-finite and non-numeric data ---
    ("X NaN", lambda: cr.forward(PARAMS, np.where(X > 1, np.nan, X), ACTS),
     ValueError, r"X must be finite, but 1 entries are NaN or infinite"),
    ("X inf", lambda: cr.forward(PARAMS, np.where(X < -0.9, -np.inf, X), ACTS),
     ValueError, r"X must be finite"),
    ("Y NaN", lambda: cr.cost(AL, np.array([[1.0, np.nan, 0.0, 1.0]]), "mse"), ValueError, r"Y must be finite"),
    ("Y NaN for bce", lambda: cr.cost(AL, np.array([[1.0, np.nan, 0.0, 1.0]]), "bce"), ValueError, r"Y must be finite"),
    ("Y inf for ce", lambda: cr.cost(np.full((2, 1), 0.5), np.array([[np.inf], [0.0]]), "ce"),
     ValueError, r"Y must be finite"),
    ("AL NaN for ce", lambda: cr.cost(np.array([[np.nan], [0.5]]), np.array([[1.0], [0.0]]), "ce"),
     ValueError, r"AL must be finite"),
    ("Y inf", lambda: cr.backward(PARAMS, CACHE, np.array([[1.0, np.inf, 0.0, 1.0]]), "mse"),
     ValueError, r"Y must be finite"),
    ("X a string", lambda: cr.forward(PARAMS, "X", ACTS), TypeError, r"X must be a 2-D numeric array, got str"),
    ("X None", lambda: cr.forward(PARAMS, None, ACTS), TypeError, r"X must be a 2-D numeric array"),
    ("X of strings", lambda: cr.forward(PARAMS, [["a", "b"], ["c", "d"]], ACTS),
     TypeError, r"X must hold real numbers"),
    ("X ragged", lambda: cr.forward(PARAMS, [[1.0, 2.0], [3.0]], ACTS), TypeError, r"X must be a 2-D numeric array"),
    ("X complex", lambda: cr.forward(PARAMS, X + 1j, ACTS), TypeError, r"X must hold real numbers"),
    # --- targets that do not fit the loss ---
    ("bce label 2", lambda: cr.cost(AL, np.array([[0, 1, 2, 1]]), "bce"),
     ValueError, r"Y must hold labels 0 or 1 for loss 'bce', got values \[0.0, 1.0, 2.0\]"),
    ("bce label -1", lambda: cr.backward(PARAMS, CACHE, -Y, "bce"), ValueError, r"labels 0 or 1"),
    ("bce soft label", lambda: cr.train(PARAMS, X, Y * 0.5, ACTS, epochs=1), ValueError, r"labels 0 or 1"),
    ("ce two ones in a column", lambda: cr.cost(np.full((2, 2), 0.5), np.array([[1, 0], [1, 1]]), "ce"),
     ValueError, r"Y must be one-hot for loss 'ce'.*columns \[0\] are not"),
    ("ce empty column", lambda: cr.cost(np.full((2, 2), 0.5), np.array([[1, 0], [0, 0]]), "ce"),
     ValueError, r"one-hot.*columns \[1\] are not"),
    ("ce labels not one-hot", lambda: cr.cost(np.full((1, 3), 0.5), np.array([[0, 1, 2]]), "ce"),
     ValueError, r"one-hot"),
    ("bce on non-probabilities", lambda: cr.cost(np.array([[1.5, 0.5]]), np.array([[1, 0]]), "bce"),
     ValueError, r"AL must be probabilities in \[0, 1\] for loss 'bce'.*'sigmoid' or 'softmax'"),
    ("ce after a linear output",
     lambda: cr.gradient_check({"W1": np.eye(2), "b1": np.zeros((2, 1))}, np.array([[2.0], [-1.0]]),
                               np.array([[1], [0]]), ["linear"], "ce"),
     ValueError, r"AL must be probabilities"),
    # --- names ---
    ("unknown activation", lambda: cr.forward(PARAMS, X, ["tanh", "sigmoidd"]),
     ValueError, (r"unknown activation activations\[1\] 'sigmoidd'; valid names are "
                  r"\['sigmoid', 'tanh', 'relu', 'linear', 'softmax'\]")),
    ("unknown loss", lambda: cr.cost(AL, Y, "hinge"),
     ValueError, r"unknown loss 'hinge'; valid names are \['bce', 'ce', 'mse'\]"),
    ("unknown loss in backward", lambda: cr.backward(PARAMS, CACHE, Y, "cross_entropy"),
     ValueError, r"valid names are \['bce', 'ce', 'mse'\]"),
    ("unknown loss in train", lambda: cr.train(PARAMS, X, Y, ACTS, "l2"), ValueError, r"unknown loss 'l2'"),
    ("loss not a string", lambda: cr.cost(AL, Y, None), TypeError, r"loss must be a string, one of"),
    ("unknown init", lambda: cr.init_params([2, 1], init="glorot"),
     ValueError, r"unknown init 'glorot'; valid names are \['xavier', 'he', 'small', 'zeros'\]"),
    ("unknown optimizer", lambda: train(optimizer="sgd"),
     ValueError, r"unknown optimizer 'sgd'; valid names are \['gd', 'momentum', 'adam'\]"),
    ("optimizer without step", lambda: train(optimizer=object()),
     TypeError, r"optimizer must be a name in .* or have a step\(\) method"),
    ("unknown gradient-check method", lambda: check(method="fast"), ValueError, r"unknown method 'fast'"),
    # --- activations ---
    ("softmax on a hidden layer", lambda: cr.forward(PARAMS, X, ["softmax", "sigmoid"]),
     ValueError, r"activations\[0\] is 'softmax', but softmax is only allowed on the output layer \(layer 2\)"),
    ("too few activations", lambda: cr.forward(PARAMS, X, ["sigmoid"]),
     ValueError, r"one activation per layer: params has 2 layers, got 1 names"),
    ("too many activations", lambda: cr.forward(PARAMS, X, ["tanh", "tanh", "sigmoid"]),
     ValueError, r"params has 2 layers, got 3 names"),
    ("activations a dict", lambda: cr.forward(PARAMS, X, {"1": "tanh", "2": "sigmoid"}),
     TypeError, r"activations must be a list of 2 names, one per layer"),
    ("activations a string", lambda: cr.forward(PARAMS, X, "tanh"), TypeError, r"activations must be a list"),
    ("activation not a string", lambda: cr.forward(PARAMS, X, [np.tanh, "sigmoid"]),
     TypeError, r"activation activations\[0\] must be a string"),
    # --- layer sizes ---
    ("no layer sizes", lambda: cr.init_params([]), ValueError, r"input size and at least one layer, got \[\]"),
    ("input size only", lambda: cr.init_params([3]), ValueError, r"at least one layer"),
    ("zero units", lambda: cr.init_params([2, 0, 1]),
     ValueError, r"layer_sizes must be positive integers, got 0 at position 1"),
    ("negative units", lambda: cr.init_params([2, 3, -1]), ValueError, r"positive integers, got -1 at position 2"),
    ("fractional units", lambda: cr.init_params([2, 1.5, 1]), ValueError, r"positive integers, got 1.5"),
    ("units a string", lambda: cr.init_params([2, "3", 1]), ValueError, r"positive integers, got '3'"),
    ("units a bool", lambda: cr.init_params([2, True]), ValueError, r"positive integers, got True"),
    ("layer sizes a string", lambda: cr.init_params("231"), TypeError, r"layer_sizes must be a list of ints"),
    ("layer sizes an int", lambda: cr.init_params(3), TypeError, r"layer_sizes must be a list of ints"),
    ("integer dtype", lambda: cr.init_params([2, 1], dtype=np.int64), TypeError, r"dtype must be a floating type"),
    # --- training settings ---
    ("zero learning rate", lambda: train(learning_rate=0), ValueError, r"learning_rate must be a number > 0, got 0"),
    ("negative learning rate", lambda: train(learning_rate=-0.1), ValueError, r"learning_rate must be a number > 0"),
    ("NaN learning rate", lambda: train(learning_rate=float("nan")), ValueError, r"learning_rate must be a number > 0"),
    ("learning rate a string", lambda: train(learning_rate="0.1"), TypeError, r"learning_rate must be a number > 0"),
    ("zero epochs", lambda: train(epochs=0), ValueError, r"epochs must be an integer > 0, got 0"),
    ("negative epochs", lambda: train(epochs=-5), ValueError, r"epochs must be an integer > 0"),
    ("fractional epochs", lambda: train(epochs=2.5), TypeError, r"epochs must be an integer > 0, got 2.5"),
    ("batch_size > m", lambda: train(batch_size=5),
     ValueError, r"batch_size must be at most m = 4 \(the number of examples\), got 5"),
    ("zero batch_size", lambda: train(batch_size=0), ValueError, r"batch_size must be an integer > 0"),
    ("update with zero learning rate", lambda: cr.update_params(PARAMS, GRADS, 0.0),
     ValueError, r"learning_rate must be a number > 0"),
    ("Momentum beta 1", lambda: cr.optim.Momentum(0.1, beta=1.0), ValueError, r"beta must be in \[0, 1\)"),
    ("Adam beta2 negative", lambda: cr.optim.Adam(0.1, beta2=-0.1), ValueError, r"beta2 must be in \[0, 1\)"),
    # --- gradient dicts ---
    ("grads missing a key", lambda: check(grads={k: v for k, v in GRADS.items() if k != "db2"}),
     ValueError, r"grads must be a dict with keys \['dW1', 'db1', 'dW2', 'db2'\], got \['dW1', 'dW2', 'db1'\]"),
    ("grads without the d prefix", lambda: check(grads={k[1:]: v for k, v in GRADS.items()}),
     ValueError, r"grads must be a dict with keys"),
    ("grads extra key", lambda: check(grads=GRADS | {"dW3": 0.0}), ValueError, r"grads must be a dict with keys"),
    ("grads a list", lambda: check(grads=list(GRADS.values())), ValueError, r"grads must be a dict.*got list"),
    ("grads transposed", lambda: check(grads=GRADS | {"dW1": GRADS["dW1"].T}),
     ValueError, r"grads\['dW1'\] must have the shape of params\['W1'\] \(3, 2\), got \(2, 3\)"),
    ("grads flattened", lambda: check(grads=GRADS | {"db1": GRADS["db1"].ravel()}),
     ValueError, r"grads\['db1'\] must have the shape of params\['b1'\] \(3, 1\), got \(3,\)"),
    ("grads a scalar", lambda: check(grads=GRADS | {"dW2": 0.0}), ValueError, r"grads\['dW2'\] must have the shape"),
    ("update missing grads", lambda: cr.update_params(PARAMS, {"dW1": GRADS["dW1"]}, 0.1),
     ValueError, r"grads must hold a gradient for every parameter; missing \['db1', 'dW2', 'db2'\]"),
    ("update wrong shape", lambda: cr.update_params(PARAMS, GRADS | {"dW1": GRADS["dW1"][:, :1]}, 0.1),
     ValueError, r"grads must have the shape of their parameters, got \{'dW1': \(3, 1\)\}"),
    ("gradient_check eps 0", lambda: check(eps=0.0), ValueError, r"eps must be a number > 0"),
    ("relative_error shapes", lambda: cr.relative_error(np.ones(3), np.ones((3, 1))),
     ValueError, r"g and g_hat must have the same shape"),
    # --- caches ---
    ("cache not a dict", lambda: cr.backward(PARAMS, AL, Y, "bce"),
     TypeError, r"cache must be the dict returned by chainrule.forward"),
    ("cache of a shallower net", lambda: cr.backward(cr.init_params([2, 3, 3, 1]), CACHE, Y, "bce"),
     ValueError, r"cache does not match params with 3 layers: missing \['Z3', 'A3'\]"),
    ("cache of a wider net", lambda: cr.backward(cr.init_params([2, 5, 1]), CACHE, Y, "bce"),
     ValueError, r"cache does not match params: cache\['Z1'\] has shape \(3, 4\), expected \(5, 4\)"),
    ("cache of other inputs", lambda: cr.backward(cr.init_params([4, 3, 1]), CACHE, Y, "bce"),
     ValueError, r"cache\['A0'\] has shape \(2, 4\), expected \(4, 4\)"),
    # --- data sets and surfaces ---
    ("xor m = 0", lambda: cr.datasets.xor(0), ValueError, r"m must be an integer > 0"),
    ("moons m = 1", lambda: cr.datasets.moons(1), ValueError, r"m must be at least 2"),
    ("negative noise", lambda: cr.datasets.circles(10, noise=-0.1), ValueError, r"noise must be a number >= 0"),
    ("circles factor", lambda: cr.datasets.circles(10, factor=1.5), ValueError, r"factor must be in \(0, 1\)"),
    ("spirals m not a multiple", lambda: cr.datasets.spirals(10, classes=3),
     ValueError, r"m must be a multiple of classes = 3"),
    ("one_hot float labels", lambda: cr.datasets.one_hot([0.0, 1.0]), ValueError, r"non-negative integers"),
    ("one_hot label >= K", lambda: cr.datasets.one_hot([0, 3], K=2), ValueError, r"labels must be below K = 2"),
    ("Quadratic a = 0", lambda: cr.surfaces.Quadratic(a=0.0), ValueError, r"a must be a number > 0"),
    ("Quadratic centre", lambda: cr.surfaces.Quadratic(center=(1.0, 2.0, 3.0)),
     ValueError, r"center must be 2 numbers"),
    ("LogisticSurface labels", lambda: cr.surfaces.LogisticSurface([[1.0, 2.0]], [[0, 2]]),
     ValueError, r"y must hold labels 0 or 1"),
    ("LogisticSurface sizes", lambda: cr.surfaces.LogisticSurface([[1.0, 2.0]], [[0, 1, 1]]),
     ValueError, r"y must have 2 columns"),
    ("descend without a function", lambda: cr.surfaces.descend(2.0, 1.0, 0.1, 3),
     TypeError, r"gradient must be a function"),
    ("descend from NaN", lambda: cr.surfaces.descend(lambda w: w, np.nan, 0.1, 3),
     ValueError, r"start must be finite"),
    ("descend zero steps", lambda: cr.surfaces.descend(lambda w: w, 1.0, 0.1, 0),
     ValueError, r"steps must be an integer > 0"),
]


@pytest.mark.parametrize(("call", "error", "match"), [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match) as info:
        call()
    # Exactly the documented type: a numpy error subclassing ValueError must not pass.
    assert type(info.value) is error


def test_case_ids_are_unique():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))


def test_softmax_has_no_elementwise_derivative():
    with pytest.raises(TypeError, match=re.escape("use chainrule.activations.softmax_backward(dA, A)")):
        cr.activations.DERIVATIVES["softmax"](np.zeros((2, 1)))


def test_valid_names_are_listed_in_full():
    # The message lists every valid name, so a reader can copy one.
    with pytest.raises(ValueError, match="unknown activation") as info:
        cr.forward(PARAMS, X, ["tanh", "Sigmoid"])
    for name in cr.activations.ACTIVATIONS:
        assert repr(name) in str(info.value)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 5), (128, 129), (257, 300), (7, 20000), (20000, 7)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_all_finite_finds_every_nan_and_inf(shape, dtype, order):
    # Large matrices take the summing path: a single bad entry anywhere (the edges of
    # the BLAS kernels' blocks included) must still be found, and finite ones pass.
    from chainrule._validation import all_finite

    rng = np.random.default_rng(sum(shape))
    a = np.asarray(rng.standard_normal(shape), dtype=dtype, order=order)
    assert all_finite(a)
    assert all_finite(a.T)
    positions = [(0, 0), (shape[0] - 1, shape[1] - 1), (shape[0] // 2, shape[1] - 1)]
    positions += [tuple(int(rng.integers(n)) for n in shape) for _ in range(5)]
    for i, j in positions:
        for bad in (np.nan, np.inf, -np.inf):
            b = a.copy(order=order)
            b[i, j] = bad
            assert not all_finite(b), (i, j, bad)
            assert not all_finite(b.T), (i, j, bad)
    # inf and -inf whose sum is NaN, and finite entries whose sum overflows.
    b = a.copy(order=order)
    b[0, 0], b[-1, -1] = np.inf, -np.inf
    assert not all_finite(b)
    big = np.full(shape, np.finfo(dtype).max / 2, dtype=dtype, order=order)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the overflow of the sum is silent
        assert all_finite(big)

"""Every scalar derivative of the book, re-derived with SymPy (the checks of docs/symbolic.md).

Each identity is proved symbolically (``sympy.simplify(derived - formula) == 0``) and
the SymPy derivative, turned into a NumPy function, is compared with the chainrule
function that implements it.
"""

import numpy as np
import pytest
import sympy as sp

import chainrule as cr

z, a, y, x, w, b, h = sp.symbols("z a y x w b h", real=True)
SIGMA = 1 / (1 + sp.exp(-z))
BCE = -(y * sp.log(a) + (1 - y) * sp.log(1 - a))
MSE = (a - y) ** 2 / 2
TANH_DEF = (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z))

# n = 3 classes, fully symbolic
N = 3
ZS = sp.symbols(f"z1:{N + 1}", real=True)
YS = sp.symbols(f"y1:{N + 1}", real=True)
AS = sp.symbols(f"a1:{N + 1}", positive=True)
SOFTMAX = [sp.exp(zk) / sum(sp.exp(zj) for zj in ZS) for zk in ZS]
CE_OF_Z = -sum(yk * sp.log(ak) for yk, ak in zip(YS, SOFTMAX, strict=True))
ONE_HOT_SUM = {YS[-1]: 1 - sum(YS[:-1])}

ALPHA, A_POS, W0 = sp.symbols("alpha a w_0", positive=True)
K = sp.Symbol("k", integer=True, nonnegative=True)
BETA = sp.Symbol("beta", positive=True)
T = sp.Symbol("t", integer=True, positive=True)
F = sp.Function("f")

# (id, derivative as SymPy computes it, the book's formula)
IDENTITIES = [
    ("sigmoid", sp.diff(SIGMA, z), SIGMA * (1 - SIGMA)),
    ("tanh-definition", sp.diff(TANH_DEF, z), 1 - TANH_DEF**2),
    ("tanh", sp.diff(sp.tanh(z), z), 1 - sp.tanh(z) ** 2),
    ("exp(-z)", sp.diff(sp.exp(-z), z), -sp.exp(-z)),
    ("ln", sp.diff(sp.log(a), a), 1 / a),
    ("ln(1-a)", sp.diff(sp.log(1 - a), a), -1 / (1 - a)),
    ("softplus", sp.diff(sp.log(1 + sp.exp(z)), z), SIGMA),
    ("bce-da", sp.diff(BCE, a), -y / a + (1 - y) / (1 - a)),
    ("bce-da-compact", sp.diff(BCE, a), (a - y) / (a * (1 - a))),
    ("bce-dz", sp.diff(BCE.subs(a, SIGMA), z), SIGMA - y),
    ("bce-without-minus-dz", sp.diff(-BCE.subs(a, SIGMA), z), y - SIGMA),
    ("mse-da", sp.diff(MSE, a), a - y),
    ("mse-linear-dz", sp.diff(MSE.subs(a, z), z), z - y),
    ("sigmoid-mse-dz", sp.diff(MSE.subs(a, SIGMA), z), (SIGMA - y) * SIGMA * (1 - SIGMA)),
    ("logistic-dw", sp.diff(BCE.subs(a, SIGMA.subs(z, w * x + b)), w),
     (SIGMA.subs(z, w * x + b) - y) * x),
    ("logistic-db", sp.diff(BCE.subs(a, SIGMA.subs(z, w * x + b)), b),
     SIGMA.subs(z, w * x + b) - y),
    ("gd-1d", sp.diff((w - 2) ** 2 + sp.Rational(1, 2), w), 2 * (w - 2)),
    ("gd-exp", sp.diff(sp.exp(w) - 2 * w, w), sp.exp(w) - 2),
    ("gd-quadratic-step", w - ALPHA * sp.diff(A_POS * w**2 / 2, w), (1 - ALPHA * A_POS) * w),
    ("ema-weights", sp.summation((1 - BETA) * BETA**K, (K, 0, T - 1)), 1 - BETA**T),
    ("one-sided-difference", sp.series((F(z + h) - F(z)) / h, h, 0, 2).removeO().doit(),
     sp.diff(F(z), z) + h / 2 * sp.diff(F(z), z, 2)),
    ("central-difference", sp.series((F(z + h) - F(z - h)) / (2 * h), h, 0, 4).removeO().doit(),
     sp.diff(F(z), z) + h**2 / 6 * sp.diff(F(z), z, 3)),
]
IDENTITIES += [
    (f"ce-da{i + 1}", sp.diff(-sum(yk * sp.log(ak) for yk, ak in zip(YS, AS, strict=True)), AS[i]),
     -YS[i] / AS[i])
    for i in range(N)
]
IDENTITIES += [
    (f"softmax-jacobian-{i + 1}{j + 1}", sp.diff(SOFTMAX[i], ZS[j]),
     SOFTMAX[i] * ((1 if i == j else 0) - SOFTMAX[j]))
    for i in range(N)
    for j in range(N)
]
IDENTITIES += [
    (f"softmax-ce-general-z{j + 1}", sp.diff(CE_OF_Z, ZS[j]), SOFTMAX[j] * sum(YS) - YS[j])
    for j in range(N)
]
IDENTITIES += [
    (f"softmax-ce-one-hot-z{j + 1}", sp.diff(CE_OF_Z, ZS[j]).subs(ONE_HOT_SUM),
     (SOFTMAX[j] - YS[j]).subs(ONE_HOT_SUM))
    for j in range(N)
]


@pytest.mark.parametrize(("derived", "formula"), [case[1:] for case in IDENTITIES],
                         ids=[case[0] for case in IDENTITIES])
def test_identity(derived, formula):
    assert sp.simplify(derived - formula) == 0


def test_the_check_can_fail():
    # A test that cannot fail proves nothing: a wrong formula must not simplify to 0.
    assert sp.simplify(sp.diff(SIGMA, z) - SIGMA**2) != 0


def test_bce_derivative_with_inner_derivative_forgotten_differs():
    # Only the inner derivative -1 of ln(1 - a) forgotten: the second term flips sign.
    one_slip = -y / a - (1 - y) / (1 - a)
    right = sp.diff(BCE, a)
    assert sp.simplify(one_slip - right + 2 * (1 - y) / (1 - a)) == 0
    assert (one_slip - right).subs({a: sp.Rational(1, 2), y: 0}) == -4


def test_wrong_bce_derivative_differs():
    # Two slips, the loss's minus sign dropped and the inner derivative -1 of ln(1 - a)
    # forgotten: differs by 2y/a; opposite signs at a = 1/2, y = 1.
    wrong = y / a + (1 - y) / (1 - a)
    right = sp.diff(BCE, a)
    assert sp.simplify(wrong - right) == 2 * y / a
    at = {a: sp.Rational(1, 2), y: 1}
    assert (wrong.subs(at), right.subs(at)) == (2, -2)
    # ... and times sigma' = a(1 - a) it is y(1 - a) + (1 - y)a, not a - y.
    product = sp.expand(wrong * a * (1 - a))
    assert sp.simplify(product - (y * (1 - a) + (1 - y) * a)) == 0
    assert (product - (a - y)).subs(at) == 1


def test_relu_derivative_and_kink():
    relu_prime = sp.diff(sp.Max(0, z), z)
    assert relu_prime == sp.Heaviside(z)
    assert sp.Heaviside(0) == sp.Rational(1, 2)  # SymPy's convention, like chainrule's 0
    assert relu_prime.subs(z, sp.Symbol("p", positive=True)) == 1
    assert relu_prime.subs(z, sp.Symbol("n", negative=True)) == 0
    # No derivative at 0: the one-sided difference quotients tend to 1 and to 0.
    assert sp.limit(sp.Max(0, h) / h, h, 0, "+") == 1
    assert sp.limit(sp.Max(0, h) / h, h, 0, "-") == 0


def test_gradient_descent_recurrence_and_step_limit():
    wk = sp.Function("w")
    step = w - ALPHA * A_POS * w
    solution = sp.rsolve(wk(K + 1) - step.subs(w, wk(K)), wk(K), {wk(0): W0})
    assert sp.simplify(solution - W0 * (1 - ALPHA * A_POS) ** K) == 0
    assert sp.reduce_inequalities([sp.Abs(1 - ALPHA * A_POS) < 1], [ALPHA]) == (ALPHA < 2 / A_POS)
    # closed form against chainrule.surfaces.descend: a = 4, alpha = 0.3, w0 = 1.5
    path = cr.surfaces.descend(lambda v: 4.0 * v, 1.5, 0.3, steps=12)
    closed = sp.lambdify(K, solution.subs({A_POS: 4, ALPHA: sp.Rational(3, 10), W0: sp.Rational(3, 2)}))
    np.testing.assert_allclose(path, closed(np.arange(13)), rtol=1e-12)


def test_relu_second_moment():
    s = sp.Symbol("s", positive=True)
    density = sp.exp(-(z**2) / (2 * s**2)) / (sp.sqrt(2 * sp.pi) * s)
    assert sp.simplify(sp.integrate(z**2 * density, (z, 0, sp.oo)) - s**2 / 2) == 0


# ---- numerical cross-checks: lambdify(SymPy derivative) against chainrule ------------------

Z_GRID = np.linspace(-8, 8, 41)
A_GRID, Y_GRID = np.meshgrid(np.linspace(0.05, 0.95, 19), [0.0, 1.0])
ZZ, YY = np.meshgrid(np.linspace(-6, 6, 25), [0.0, 1.0])


def _bce_dz(z_values, y_values):
    a_values = cr.activations.sigmoid(z_values)
    return cr.losses.bce_gradient(a_values, y_values) * cr.activations.sigmoid_prime(z_values)


def _mse_dz(z_values, y_values):
    a_values = cr.activations.sigmoid(z_values)
    return cr.losses.mse_gradient(a_values, y_values) * cr.activations.sigmoid_prime(z_values)


# (id, SymPy expression, its variables, chainrule function, sample points, rtol)
NUMERIC = [
    ("sigmoid_prime", sp.diff(SIGMA, z), z, cr.activations.sigmoid_prime, [Z_GRID], 1e-12),
    ("tanh_prime", sp.diff(sp.tanh(z), z), z, cr.activations.tanh_prime, [Z_GRID], 1e-12),
    ("relu_prime", sp.diff(sp.Max(0, z), z), z, cr.activations.relu_prime,
     [Z_GRID[Z_GRID != 0]], 1e-12),
    ("softplus", sp.diff(sp.log(1 + sp.exp(z)), z), z, cr.activations.sigmoid, [Z_GRID], 1e-12),
    ("bce_gradient", sp.diff(BCE, a), (a, y), cr.losses.bce_gradient, [A_GRID, Y_GRID], 1e-12),
    ("bce-through-sigmoid", sp.diff(BCE.subs(a, SIGMA), z), (z, y), _bce_dz, [ZZ, YY], 1e-9),
    ("ce_gradient", sp.diff(-YS[0] * sp.log(AS[0]), AS[0]), (AS[0], YS[0]), cr.losses.ce_gradient,
     [A_GRID, Y_GRID], 1e-12),
    ("mse_gradient", sp.diff(MSE, a), (a, y), cr.losses.mse_gradient,
     [np.linspace(-3, 3, 13), np.linspace(2, -1, 13)], 1e-12),
    ("mse-through-sigmoid", sp.diff(MSE.subs(a, SIGMA), z), (z, y), _mse_dz, [ZZ, YY], 1e-9),
]


@pytest.mark.parametrize(("expr", "variables", "reference", "points", "rtol"),
                         [case[1:] for case in NUMERIC], ids=[case[0] for case in NUMERIC])
def test_numeric_against_chainrule(expr, variables, reference, points, rtol):
    f = sp.lambdify(variables, expr, modules="numpy")
    expected = reference(*points)
    got = np.broadcast_to(f(*points), np.shape(expected))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-14)


def test_softmax_jacobian_and_softmax_ce_against_chainrule():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(N, 6))
    Y = cr.datasets.one_hot(np.array([0, 1, 2, 2, 1, 0]), N)
    A = cr.activations.softmax(Z)
    dA = rng.normal(size=(N, 6))
    jacobian = sp.lambdify(ZS, sp.Matrix(N, N, lambda i, j: sp.diff(SOFTMAX[i], ZS[j])), modules="numpy")
    # dL/dz_j = sum_i dL/da_i da_i/dz_j: the transposed Jacobian times dA, column by column
    dZ = np.column_stack([np.array(jacobian(*Z[:, i])).T @ dA[:, i] for i in range(Z.shape[1])])
    np.testing.assert_allclose(dZ, cr.activations.softmax_backward(dA, A), rtol=1e-12, atol=1e-14)
    dz_fn = sp.lambdify(ZS + YS, [sp.diff(CE_OF_Z, zj) for zj in ZS], modules="numpy")
    general = cr.activations.softmax_backward(cr.losses.ce_gradient(A, Y), A)
    np.testing.assert_allclose(np.array(dz_fn(*Z, *Y)), general, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(A - Y, general, atol=1e-14)


def test_logistic_gradient_against_logistic_surface():
    x_data = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.5])
    y_data = np.array([0.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    surface = cr.surfaces.LogisticSurface(x_data[None, :], y_data[None, :])
    loss = BCE.subs(a, SIGMA.subs(z, w * x + b))
    grad = sp.lambdify((w, b, x, y), [sp.diff(loss, w), sp.diff(loss, b)], modules="numpy")
    for point in [(0.0, 0.0), (1.5, -0.3), (-2.0, 1.0)]:
        mean = np.mean(grad(*point, x_data, y_data), axis=1)  # J is the mean loss
        np.testing.assert_allclose(mean, surface.gradient(point), rtol=1e-12)


def test_quadratic_gradient_against_surface():
    w1, w2, ca, cb = sp.symbols("w1 w2 a b", positive=True)
    bowl = (ca * w1**2 + cb * w2**2) / 2
    grad = sp.lambdify((w1, w2), [sp.diff(bowl, v).subs({ca: 1, cb: 10}) for v in (w1, w2)])
    quad = cr.surfaces.Quadratic(a=1.0, b=10.0)
    for point in [(0.5, -1.5), (-3.0, 2.0), (1.0, 0.25)]:
        np.testing.assert_allclose(grad(*point), quad.gradient(point), rtol=1e-12)


@pytest.mark.parametrize(("t", "beta"), [(1, 0.9), (2, 0.5), (10, 0.9), (40, 0.8)])
def test_ema_weights_against_momentum(t, beta):
    # With a constant gradient 1 the velocity is the sum of the weights, 1 - beta^t.
    opt, params = cr.optim.Momentum(0.1, beta=beta), {"w": np.zeros(1)}
    for _ in range(t):
        opt.step(params, {"dw": np.ones(1)})
    expected = float(sp.summation((1 - BETA) * BETA**K, (K, 0, T - 1)).subs({BETA: beta, T: t}))
    assert opt.v["w"][0] == pytest.approx(expected, rel=1e-12)


def test_central_difference_error_term_against_sigmoid():
    step = 1e-3
    z_values = np.linspace(-4, 4, 9)
    sig = cr.activations.sigmoid
    error = (sig(z_values + step) - sig(z_values - step)) / (2 * step) - cr.activations.sigmoid_prime(z_values)
    predicted = sp.lambdify(z, step**2 / 6 * sp.diff(SIGMA, z, 3))(z_values)
    np.testing.assert_allclose(error, predicted, rtol=1e-3)

"""Training: the loss falls, runs are reproducible, divergence is reported, inputs untouched."""

import math
import re

import numpy as np
import pytest

import chainrule as cr

XOR = cr.datasets.xor(200, seed=0)
MOONS = cr.datasets.moons(200, seed=0)
ACTS = ["tanh", "sigmoid"]


def accuracy(params, X, Y):
    return float(np.mean(cr.predict(params, X, ACTS) == Y))


@pytest.mark.parametrize(("data", "epochs"), [(XOR, 300), (MOONS, 500)], ids=["xor", "moons"])
def test_full_batch_descent_learns(data, epochs):
    X, Y = data
    params = cr.init_params([2, 8, 1], seed=0)
    trained, history = cr.train(params, X, Y, ACTS, "bce", learning_rate=1.0, epochs=epochs)
    assert len(history.loss) == epochs
    assert history.loss[0] > 0.6  # about ln 2 before training
    assert history.loss[-1] < 0.25 * history.loss[0]
    assert accuracy(trained, X, Y) > 0.9
    # history.loss[k] is the cost *before* step k: the first is the cost of the initial params
    assert history.loss[0] == pytest.approx(cr.cost(cr.forward(params, X, ACTS)[0], Y, "bce"), rel=1e-12)


def test_small_steps_decrease_the_cost_every_step():
    # With a small enough learning rate full-batch gradient descent is a descent method.
    X, Y = XOR
    _, history = cr.train(cr.init_params([2, 4, 1], seed=1), X, Y, ACTS, "bce", learning_rate=0.1, epochs=200)
    assert np.all(np.diff(history.loss) < 0)


@pytest.mark.parametrize(("optimizer", "learning_rate"), [("gd", 0.5), ("momentum", 0.5), ("adam", 0.02)])
def test_every_optimizer_reduces_the_loss(optimizer, learning_rate):
    X, Y = MOONS
    _, history = cr.train(cr.init_params([2, 8, 1], seed=0), X, Y, ACTS, "bce",
                          learning_rate=learning_rate, epochs=150, optimizer=optimizer)
    assert history.loss[-1] < 0.6 * history.loss[0]


def test_optimizer_object_is_used():
    X, Y = XOR
    params = cr.init_params([2, 4, 1], seed=0)
    by_name = cr.train(params, X, Y, ACTS, learning_rate=0.3, epochs=20, optimizer="momentum")
    by_object = cr.train(params, X, Y, ACTS, learning_rate=0.3, epochs=20,
                         optimizer=cr.optim.Momentum(0.3, beta=0.9))
    assert by_name[1].loss == by_object[1].loss
    # beta = 0 makes momentum plain gradient descent
    plain = cr.train(params, X, Y, ACTS, learning_rate=0.3, epochs=20, optimizer=cr.optim.Momentum(0.3, beta=0.0))
    gd = cr.train(params, X, Y, ACTS, learning_rate=0.3, epochs=20, optimizer="gd")
    np.testing.assert_allclose(plain[1].loss, gd[1].loss, rtol=1e-12)


def test_full_batch_history_equals_the_cost_along_the_path():
    X, Y = XOR
    _, history = cr.train(cr.init_params([2, 3, 1], seed=0), X, Y, ACTS, learning_rate=0.5, epochs=6,
                          record_path=True)
    assert history.loss == history.epoch_loss
    costs = [cr.cost(cr.forward(p, X, ACTS)[0], Y, "bce") for p in history.path[:-1]]
    np.testing.assert_allclose(history.loss, costs, rtol=1e-12)


def test_minibatch_training_is_deterministic_per_seed():
    X, Y = MOONS
    params = cr.init_params([2, 6, 1], seed=0)

    def run(seed):
        return cr.train(params, X, Y, ACTS, learning_rate=0.5, epochs=5, batch_size=32, seed=seed)

    (p1, h1), (p2, h2), (p3, h3) = run(0), run(0), run(1)
    assert h1.loss == h2.loss
    assert h1.epoch_loss == h2.epoch_loss
    for k in p1:
        np.testing.assert_array_equal(p1[k], p2[k])
    assert h1.loss != h3.loss
    assert not np.array_equal(p1["W1"], p3["W1"])
    # 200 examples in batches of 32: 7 steps per epoch (the last batch has 8)
    assert len(h1.loss) == 5 * math.ceil(200 / 32)
    assert len(h1.epoch_loss) == 5
    # epoch_loss is the batch costs weighted by batch size
    first = np.array(h1.loss[:7])
    sizes = np.array([32] * 6 + [8])
    assert h1.epoch_loss[0] == pytest.approx(float(first @ sizes / 200), rel=1e-12)


def test_batch_size_m_matches_full_batch_in_cost():
    # One batch of all m examples (shuffled) has the same gradient as full batch.
    X, Y = XOR
    params = cr.init_params([2, 3, 1], seed=0)
    _, full = cr.train(params, X, Y, ACTS, learning_rate=0.5, epochs=4)
    _, one_batch = cr.train(params, X, Y, ACTS, learning_rate=0.5, epochs=4, batch_size=200)
    np.testing.assert_allclose(full.loss, one_batch.loss, rtol=1e-10)


def test_record_path():
    X, Y = XOR
    params = cr.init_params([2, 3, 1], seed=0)
    trained, history = cr.train(params, X, Y, ACTS, learning_rate=0.5, epochs=7, record_path=True,
                                batch_size=50)
    assert len(history.path) == 7 + 1  # the start and every epoch
    for k in params:
        np.testing.assert_array_equal(history.path[0][k], params[k])
        np.testing.assert_array_equal(history.path[-1][k], trained[k])
    assert not np.array_equal(history.path[1]["W1"], history.path[0]["W1"])
    assert history.path[-1]["W1"] is not trained["W1"]  # copies, not views of the live arrays
    assert cr.train(params, X, Y, ACTS, epochs=3)[1].path == []


def test_train_does_not_modify_its_inputs():
    X, Y = XOR
    params = cr.init_params([2, 3, 1], seed=0)
    before = {k: v.copy() for k, v in params.items()}
    X_before, Y_before = X.copy(), Y.copy()
    trained, _ = cr.train(params, X, Y, ACTS, learning_rate=0.5, epochs=5, optimizer="adam")
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert trained[k] is not params[k]
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(Y, Y_before)


def test_update_params_is_one_step_on_a_new_dict():
    params = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[0.5]])}
    grads = {"dW1": np.array([[0.5, -1.0]]), "db1": np.array([[2.0]])}
    before = {k: v.copy() for k, v in params.items()}
    new = cr.update_params(params, grads, 0.1)
    # W := W - α dW = (1 - 0.05, -2 + 0.1) ; b := 0.5 - 0.2
    np.testing.assert_allclose(new["W1"], [[0.95, -1.9]])
    np.testing.assert_allclose(new["b1"], [[0.3]])
    for k, value in params.items():
        np.testing.assert_array_equal(value, before[k])


def test_log_every_prints_a_few_lines(capsys):
    X, Y = XOR
    cr.train(cr.init_params([2, 3, 1], seed=0), X, Y, ACTS, learning_rate=0.5, epochs=10, log_every=4)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0].split()[-1] for line in lines] == ["4", "8", "10"]


@pytest.mark.parametrize("optimizer", ["gd", "momentum"])
def test_divergence_raises_with_the_step_and_advice(optimizer):
    # Linear output + mse with a huge step: every update overshoots and the weights explode.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 50))
    Y = 3.0 * X[:1] + 1.0
    params = cr.init_params([2, 8, 1], seed=0)
    advice = r"diverged at step \d+ \(epoch \d+\).*try a smaller learning_rate than 100"
    with pytest.raises(cr.DivergenceError, match=advice) as info:
        cr.train(params, X, Y, ["tanh", "linear"], "mse", learning_rate=100.0, epochs=10_000,
                 optimizer=optimizer)
    step = int(re.search(r"step (\d+)", str(info.value)).group(1))
    assert 1 < step < 10_000
    assert isinstance(info.value, FloatingPointError)


def test_divergence_with_minibatches_names_the_epoch():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1, 40))
    Y = 5.0 * X
    with pytest.raises(cr.DivergenceError, match=r"step \d+ \(epoch \d+\)"):
        cr.train(cr.init_params([1, 1], seed=0), X, Y, ["linear"], "mse", learning_rate=50.0,
                 epochs=1000, batch_size=10)


def test_optimizers_on_a_quadratic_bowl():
    # J(w) = ½ wᵀ diag(1, 10) w has gradient (w1, 10 w2): every optimiser must approach 0.
    for opt in (cr.optim.GradientDescent(0.05), cr.optim.Momentum(0.05), cr.optim.Adam(0.05)):
        params = {"W1": np.array([[3.0, 1.0]])}
        for _ in range(500):
            opt.step(params, {"dW1": params["W1"] * np.array([[1.0, 10.0]])})
        assert np.abs(params["W1"]).max() < 0.05, type(opt).__name__

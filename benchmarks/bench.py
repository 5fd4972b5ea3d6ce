"""One full-batch training step of chainrule against PyTorch, scikit-learn and the GEMM limit.

Run with ``nox -s bench`` (which installs PyTorch CPU and scikit-learn into its own
environment). Every implementation starts from the same weights; the timings of
all implementations of one configuration are interleaved (round-robin) so that a
burst of load on the machine hits them alike, each timed sample follows a quarter of a
second of untimed calls (so no library's spinning threads slow the next one), and
medians of many repeats are reported as ratios, never as absolute pass/fail times.
glibc's malloc is told to keep the memory a step frees (see :func:`steady_malloc`), so
that no implementation pays for page faults that depend on what ran before it.

Writes ``_build/bench/bench.json`` and ``_build/bench/bench.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule.network import backward_unchecked, forward_unchecked

ROOT = Path(__file__).resolve().parents[1]
SHAPES = [(2, 4, 1, 400), (64, 64, 10, 1797), (784, 128, 10, 256), (784, 256, 10, 6000)]
LEARNING_RATE = 0.1
# Untimed running before each timed sample: longer than the other libraries' threads spin.
SETTLE_SECONDS = 0.25
NO_CHANGE_RUNS = 5  # no-change book rebuilds timed (the median is reported)
# Memory freed by a step stays in the process (1 GiB before any is trimmed), and arrays
# up to 32 MiB (glibc's largest setting) come from the heap, not from a fresh mapping.
STEADY_MALLOC = {"trim_threshold": 1 << 30, "mmap_threshold": 32 << 20}
# The same for a program run from the shell: GLIBC_TUNABLES=... python train.py
GLIBC_TUNABLES = ":".join(f"glibc.malloc.{k}={v}" for k, v in STEADY_MALLOC.items())


def steady_malloc() -> bool:
    """Keep glibc's malloc from returning freed memory to the OS; False where there is no glibc.

    By default glibc gives a large freed block back to the operating system (it unmaps
    it, or trims the top of the heap), and the next step's arrays of the same size come
    back as fresh pages, each costing a page fault when first written. Whether that
    happens depends on glibc's adaptive thresholds, that is on which sizes the process
    allocated before: the same step ran with about a thousand page faults or none,
    depending on the configurations benchmarked before it. Fixed thresholds give every
    implementation the steady state of a long training loop; :func:`allocation_row`
    measures what the default costs.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows)
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # from glibc's malloc.h
    return bool(mallopt(M_MMAP_THRESHOLD, STEADY_MALLOC["mmap_threshold"])
                and mallopt(M_TRIM_THRESHOLD, STEADY_MALLOC["trim_threshold"]))


def minor_faults() -> int:
    """Page faults of this process so far that needed no disk (first touches of new pages)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def make_problem(shape, dtype, seed=0):
    """Seeded inputs, one-hot (or 0/1) targets and initial weights for ``shape``."""
    n0, n1, n2, m = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n0, m)).astype(dtype)
    if n2 == 1:
        Y = (rng.random((1, m)) > 0.5).astype(dtype)
    else:
        Y = cr.datasets.one_hot(rng.integers(0, n2, m), n2).astype(dtype)
    params = cr.init_params([n0, n1, n2], seed=seed, dtype=dtype)
    return X, Y, params


def output_of(shape):
    return ("sigmoid", "bce") if shape[2] == 1 else ("softmax", "ce")


# --- implementations: each returns a zero-argument function doing one step ----------


def chainrule_step(shape, dtype, hidden):
    X, Y, params = make_problem(shape, dtype)
    out, loss = output_of(shape)
    acts = [hidden, out]
    optimizer = cr.optim.GradientDescent(LEARNING_RATE)  # in place, as cr.train updates

    def step():
        _, cache = cr.forward(params, X, acts)
        grads = cr.backward(params, cache, Y, loss)
        optimizer.step(params, grads)

    return step


def chainrule_unchecked_step(shape, dtype, hidden):
    """The same step without the argument checks, as ``cr.train`` runs it after checking once.

    Timed beside the checked step only to say what share of a step the checks cost.
    """
    X, Y, params = make_problem(shape, dtype)
    out, loss = output_of(shape)
    acts = [hidden, out]
    optimizer = cr.optim.GradientDescent(LEARNING_RATE)

    def step():
        _, cache = forward_unchecked(params, X, acts)
        grads = backward_unchecked(params, cache, Y, loss)
        optimizer.step(params, grads)

    return step


def gemm_only(shape, dtype, hidden):
    """The five matrix products of a step and nothing else: the floor for NumPy."""
    X, _, params = make_problem(shape, dtype)
    W1, W2 = params["W1"], params["W2"]
    A1 = np.tanh(W1 @ X)
    dZ2 = W2 @ A1
    dZ1 = A1.copy()

    def step():
        Z1 = W1 @ X
        Z2 = W2 @ A1
        dW2 = dZ2 @ A1.T
        dA1 = W2.T @ dZ2
        dW1 = dZ1 @ X.T
        return Z1, Z2, dW2, dA1, dW1

    return step


def torch_steps(shape, dtype, hidden):
    import torch

    X, Y, params = make_problem(shape, dtype)
    out, _ = output_of(shape)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    m = shape[3]
    g = torch.tanh if hidden == "tanh" else torch.relu

    # Manual formulas: the book's backward pass written with torch tensors.
    P = {k: torch.from_numpy(v.copy()) for k, v in params.items()}

    def manual():
        with torch.no_grad():
            Z1 = P["W1"] @ Xt + P["b1"]
            A1 = g(Z1)
            Z2 = P["W2"] @ A1 + P["b2"]
            A2 = torch.sigmoid(Z2) if out == "sigmoid" else torch.softmax(Z2, dim=0)
            dZ2 = A2 - Yt
            dW2 = dZ2 @ A1.T / m
            db2 = dZ2.sum(dim=1, keepdim=True) / m
            dA1 = P["W2"].T @ dZ2
            dZ1 = dA1 * (1 - A1 * A1) if hidden == "tanh" else dA1 * (Z1 > 0)
            dW1 = dZ1 @ Xt.T / m
            db1 = dZ1.sum(dim=1, keepdim=True) / m
            for k, d in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
                P[k].sub_(LEARNING_RATE * d)

    # Autograd: the same network and loss, gradients by torch.
    Q = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in params.items()}
    labels = Yt.argmax(dim=0) if out == "softmax" else None

    def autograd():
        Z1 = Q["W1"] @ Xt + Q["b1"]
        Z2 = Q["W2"] @ g(Z1) + Q["b2"]
        if out == "sigmoid":
            J = torch.nn.functional.binary_cross_entropy_with_logits(Z2, Yt)
        else:
            J = torch.nn.functional.cross_entropy(Z2.T, labels)
        for q in Q.values():
            q.grad = None
        J.backward()
        with torch.no_grad():
            for q in Q.values():
                q.sub_(LEARNING_RATE * q.grad)

    return manual, autograd


def sklearn_step(shape, dtype, hidden):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, Y, params = make_problem(shape, dtype)
    n2, m = shape[2], shape[3]
    y = Y[0].astype(int) if n2 == 1 else Y.argmax(axis=0)
    Xr = np.ascontiguousarray(X.T)
    clf = MLPClassifier(hidden_layer_sizes=(shape[1],), activation=hidden, solver="sgd",
                        batch_size=m, learning_rate_init=LEARNING_RATE, momentum=0.0, alpha=0.0,
                        shuffle=False, max_iter=1)
    classes = np.arange(max(2, n2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(Xr, y, classes=classes)
    # Same weights: sklearn stores W transposed (rows = inputs).
    clf.coefs_ = [params["W1"].T.copy(), params["W2"].T.copy()]
    clf.intercepts_ = [params["b1"][:, 0].copy(), params["b2"][:, 0].copy()]

    def step():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.partial_fit(Xr, y)

    return step


def implementations(shape, dtype, hidden, sklearn=True):
    """The step of every implementation for one configuration; PyTorch and scikit-learn when installed."""
    funcs = {"chainrule": chainrule_step(shape, dtype, hidden),
             "chainrule_unchecked": chainrule_unchecked_step(shape, dtype, hidden),
             "gemm_only": gemm_only(shape, dtype, hidden)}
    with contextlib.suppress(ImportError):
        funcs["torch_manual"], funcs["torch_autograd"] = torch_steps(shape, dtype, hidden)
    if sklearn:
        with contextlib.suppress(ImportError):
            funcs["sklearn"] = sklearn_step(shape, dtype, hidden)
    return funcs


def interleaved_medians(funcs, repeats, min_time=0.02, settle=SETTLE_SECONDS):
    """Median seconds per call of each function (see :func:`interleaved_samples`)."""
    samples = interleaved_samples(funcs, repeats, min_time, settle)
    return {name: statistics.median(v) for name, v in samples.items()}


def interleaved_samples(funcs, repeats, min_time=0.02, settle=SETTLE_SECONDS):
    """Seconds per call of each function in each of ``repeats`` rounds, timed round-robin.

    Before each timed sample the function runs untimed for ``settle`` seconds.
    Without that the implementations disturb one another: OpenBLAS's worker threads
    spin for a while after their last product (about 2**28 cycles) and so do
    PyTorch's OpenMP threads, so whichever library runs next shares the two cores
    with the previous one's idle threads. Running first, rather than sleeping, also
    keeps the CPU as busy as a training loop keeps it (an idle pause let this VM's
    CPU slow down and made every implementation look slower).
    """
    for f in funcs.values():  # warm up (allocations, lazy imports, caches)
        f()
        f()
    inner = {}
    for name, f in funcs.items():  # calls per sample so that a sample lasts >= min_time
        _run_for(f, settle)
        t0 = time.perf_counter()
        f()
        dt = time.perf_counter() - t0
        inner[name] = max(1, int(min_time / max(dt, 1e-7)))
    samples = {name: [] for name in funcs}
    for _ in range(repeats):
        for name, f in funcs.items():
            k = inner[name]
            _run_for(f, settle)
            t0 = time.perf_counter()
            for _ in range(k):
                f()
            samples[name].append((time.perf_counter() - t0) / k)
    return samples


def paired_ratio(samples, numerator, denominators):
    """Median over rounds of ``numerator`` / the fastest of ``denominators`` in the same round.

    A round times every implementation within a couple of seconds. This virtual
    machine switches between two speeds about a factor of 2 apart, for tens of seconds
    at a time, so a median over rounds can land in the slow spell for one implementation
    and in the fast one for another; the ratio within each round cannot.
    """
    rounds = zip(samples[numerator], *(samples[d] for d in denominators), strict=True)
    return statistics.median(num / min(dens) for num, *dens in rounds)


def _run_for(f, seconds):
    """Call ``f`` untimed for ``seconds`` (at least once), until only its own threads run."""
    end = time.perf_counter() + seconds
    f()
    while time.perf_counter() < end:
        f()


def gradcheck_row(repeats=3, sample=300, directions=4):
    """Full central-difference check of a 64-64-10 net on 1797 examples, and the directional one.

    The textbook loop (two forward passes per entry) is timed on ``sample`` entries
    of W1 and extrapolated to all entries: running it in full takes about a minute.
    The directional check (the fast first line) uses ``directions`` random directions.
    """
    X, Y, params = make_problem((64, 64, 10, 1797), np.float64)
    acts = ["tanh", "softmax"]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        report = cr.gradient_check(params, X, Y, acts, "ce")
        times.append(time.perf_counter() - t0)
    directional = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        directional_error = cr.directional_check(params, X, Y, acts, "ce", directions=directions)
        directional.append(time.perf_counter() - t0)
    entries = sum(v.size for v in params.values())
    # The loop's cost per entry: two forward passes (timed `sample` times).
    t0 = time.perf_counter()
    for _ in range(sample):
        for _sign in (1, -1):
            cr.cost(cr.forward(params, X, acts)[0], Y, "ce")
    loop_seconds = (time.perf_counter() - t0) / sample * entries
    return {"seconds": statistics.median(times), "max_relative_error": report.max_relative_error,
            "entries": entries, "loop_seconds_extrapolated": loop_seconds,
            "speedup": loop_seconds / statistics.median(times),
            "directional": {"seconds": statistics.median(directional), "directions": directions,
                            "max_relative_error": directional_error}}


def multiply_adds(shape):
    """Multiply-adds of the five matrix products of one step (equation perf-flops of the appendix)."""
    n0, n1, n2, m = shape
    return 2 * n1 * n0 * m + 3 * n2 * n1 * m


def peak_row(n=2048, repeats=7):
    """The fastest matrix products this machine was seen to run: GFLOP/s per dtype.

    One large square product (``n`` by ``n``, ``2 n**3`` floating-point operations),
    which BLAS libraries run near the CPU's peak, by NumPy and, where installed, by
    PyTorch (whose wheel brings its own BLAS); the faster of the two is the peak. At
    that rate a step's multiply-adds take a time that no implementation which performs
    them beats on this machine: it bounds the speed-up over scikit-learn that is possible.
    """
    rng = np.random.default_rng(0)
    out = {}
    for dtype in (np.float64, np.float32):
        a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
        funcs = {"numpy": lambda a=a, b=b: a @ b}
        with contextlib.suppress(ImportError):
            import torch

            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            funcs["torch"] = lambda ta=ta, tb=tb: ta @ tb
        med = interleaved_medians(funcs, repeats, min_time=0.0)
        gflops = {k: 2 * n**3 / v / 1e9 for k, v in med.items()}
        out[np.dtype(dtype).name] = {"n": n, "gflops": gflops, "peak_gflops": max(gflops.values())}
    return out


def add_peak_bounds(rows, peak):
    """Per row: how near the five products come to the peak, and the largest possible speed-up over sklearn."""
    for row in rows:
        flops = 2 * multiply_adds(row["shape"])
        floor = flops / (peak[row["dtype"]]["peak_gflops"] * 1e9)  # seconds, at the peak rate
        row["flops"] = flops
        row["gemm_share_of_peak"] = floor / row["seconds"]["gemm_only"]
        if "sklearn" in row["seconds"]:
            row["sklearn_over_peak"] = row["seconds"]["sklearn"] / floor


def elementwise_row(n=1_500_000):
    """Nanoseconds per element of the elementwise work of a step, float64 and float32."""
    rng = np.random.default_rng(0)
    out = {}
    for dtype in (np.float64, np.float32):
        z = rng.standard_normal(n).astype(dtype)
        funcs = {
            "np.tanh": lambda z=z: np.tanh(z),
            "np.exp": lambda z=z: np.exp(z),
            "relu": lambda z=z: np.maximum(z, 0),
            "multiply": lambda z=z: z * z,
        }
        med = interleaved_medians(funcs, 9, min_time=0.0, settle=0.0)
        out[np.dtype(dtype).name] = {k: v / n * 1e9 for k, v in med.items()}
    return out


def relu_row(shapes=((64, 1797), (256, 6000))):
    """Nanoseconds per element of chainrule's relu and of ``np.maximum(Z, 0)``, per shape of Z1.

    The package's relu takes the maximum with a kept array of zeros while Z is small
    enough to stay in the caches: NumPy vectorises the maximum of two arrays but not
    that of an array and a scalar.
    """
    rng = np.random.default_rng(0)
    out = []
    for shape in shapes:
        for dtype in (np.float64, np.float32):
            Z = rng.standard_normal(shape).astype(dtype)
            funcs = {"relu": lambda Z=Z: cr.activations.relu(Z), "np.maximum(Z, 0)": lambda Z=Z: np.maximum(Z, 0)}
            med = interleaved_medians(funcs, 9, min_time=0.01, settle=0.0)
            out.append({"shape": list(shape), "dtype": np.dtype(dtype).name, "mib": Z.nbytes / 2**20,
                        "ns": {k: v / Z.size * 1e9 for k, v in med.items()}})
    return out


def interference_row(shape=(784, 256, 10, 6000), dtype=np.float32, hidden="tanh", repeats=7):
    """The same interleaved medians with and without the untimed run before each sample.

    Shows how much one library's spinning threads slow the next one when nothing
    separates them (see :func:`interleaved_medians`).
    """
    funcs = implementations(shape, dtype, hidden, sklearn=False)
    return {"shape": list(shape), "dtype": np.dtype(dtype).name, "hidden": hidden,
            "unsettled": interleaved_medians(funcs, repeats, settle=0.0),
            "settled": interleaved_medians(funcs, repeats)}


ALLOCATION = {"shape": (64, 64, 10, 1797), "dtype": "float64", "hidden": "tanh"}
ALLOCATION_IMPLEMENTATIONS = ("chainrule", "torch_manual", "torch_autograd")


def allocation_row(rounds=3):
    """One configuration with glibc's default malloc and with the steady one, each in a fresh process.

    Each process runs one implementation only, as a training script would, times its
    step and counts the page faults per step; the medians over ``rounds`` processes
    of each kind are reported. The processes take turns, so that a slow spell of the
    machine does not land on one policy only.
    """
    import importlib.util

    names = [n for n in ALLOCATION_IMPLEMENTATIONS
             if n == "chainrule" or importlib.util.find_spec("torch") is not None]
    runs = {(policy, name): [] for policy in ("default", "steady") for name in names}
    for _ in range(rounds):
        for (policy, name), children in runs.items():
            child = subprocess.run([sys.executable, __file__, "--allocation-child", policy, name],
                                   check=True, capture_output=True, text=True)
            children.append(json.loads(child.stdout))
    result = {**ALLOCATION, "shape": list(ALLOCATION["shape"]), "rounds": rounds,
              "glibc_tunables": GLIBC_TUNABLES}
    for (policy, name), children in runs.items():
        result.setdefault(policy, {"seconds": {}, "faults_per_step": {}})
        for key in ("seconds", "faults_per_step"):
            result[policy][key][name] = statistics.median(c[key] for c in children)
    return result


def allocation_child(policy, name, repeats=9, steps=50):
    """The body of one :func:`allocation_row` process: its median step and page faults per step."""
    if policy == "steady" and not steady_malloc():
        raise SystemExit("no glibc: the steady malloc policy cannot be set")
    config = (ALLOCATION["shape"], ALLOCATION["dtype"], ALLOCATION["hidden"])
    if name == "chainrule":
        f = chainrule_step(*config)
    else:
        manual, autograd = torch_steps(*config)
        f = manual if name == "torch_manual" else autograd
    _run_for(f, 2 * SETTLE_SECONDS)
    before = minor_faults()
    for _ in range(steps):
        f()
    faults = (minor_faults() - before) / steps
    return {"seconds": interleaved_medians({name: f}, repeats)[name], "faults_per_step": faults}


def build_row():
    """Cold build of the book in a fresh copy (environment included), then a no-change rebuild."""
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="chainrule-build-"))
    subprocess.run(["git", "clone", "-q", str(ROOT), str(tmp / "book")], check=True)
    env = {**os.environ, "CHAINRULE_NB_CACHE": str(tmp / "cache")}
    env.pop("CI", None)

    def docs_seconds():
        t0 = time.perf_counter()
        subprocess.run(["nox", "-s", "docs"], cwd=tmp / "book", env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0

    times = {"cold": docs_seconds()}
    # A rebuild takes a few seconds, and a shared VM's noise is a good part of that: the median of five.
    times["no_change_runs"] = [docs_seconds() for _ in range(NO_CHANGE_RUNS)]
    times["no_change"] = statistics.median(times["no_change_runs"])
    # How long each chapter took to execute in the cold build, as jupyter-cache recorded it.
    listing = subprocess.run(
        [str(tmp / "book" / ".nox" / "docs" / "bin" / "python"), "-c", CHAPTER_TIMES, str(tmp / "cache")],
        check=True, capture_output=True, text=True,
    )
    times["chapters"] = json.loads(listing.stdout)
    shutil.rmtree(tmp, ignore_errors=True)
    return times


CHAPTER_TIMES = """
import json, sys
from pathlib import Path
from jupyter_cache import get_cache
(cache,) = Path(sys.argv[1]).iterdir()  # one directory, keyed on the package's source
records = get_cache(str(cache)).list_cache_records()
print(json.dumps({Path(r.uri).stem: r.data["execution_seconds"] for r in records}))
"""


def machine():
    info = {"python": sys.version.split()[0], "numpy": np.__version__, "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count()}
    with contextlib.suppress(OSError):  # the CPU's name, where Linux tells it
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
        if names:
            info["cpu"] = names[0]
    with contextlib.suppress(ImportError, AttributeError):
        from numpy._core._multiarray_umath import __cpu_features__

        info["simd"] = [name for name in ("AVX2", "FMA3", "AVX512F", "AVX512_SKX") if __cpu_features__.get(name)]
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [{k: d.get(k) for k in ("internal_api", "num_threads", "architecture", "version")}
                        for d in threadpool_info() if d.get("user_api") == "blas"]
    except ImportError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    try:
        import sklearn

        info["sklearn"] = sklearn.__version__
    except ImportError:
        pass
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="two shapes, few repeats")
    parser.add_argument("--out", default=str(ROOT / "_build" / "bench"))
    parser.add_argument("--build", action="store_true", help="also time a cold and a no-change book build")
    parser.add_argument("--save-book", action="store_true",
                        help="also write docs/_data/bench.json, which the book's performance appendix shows")
    parser.add_argument("--default-malloc", action="store_true",
                        help="leave glibc's malloc at its adaptive default (see steady_malloc)")
    parser.add_argument("--allocation-child", nargs=2, metavar=("POLICY", "IMPLEMENTATION"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.allocation_child:
        print(json.dumps(allocation_child(*args.allocation_child)))
        return
    malloc = "default" if args.default_malloc or not steady_malloc() else "steady"
    shapes = SHAPES[:2] if args.quick else SHAPES
    repeats = 5 if args.quick else args.repeats
    rows = []
    for shape in shapes:
        for dtype in (np.float64, np.float32):
            for hidden in ("tanh", "relu"):
                funcs = implementations(shape, dtype, hidden)
                samples = interleaved_samples(funcs, repeats)
                med = {name: statistics.median(v) for name, v in samples.items()}
                row = {"shape": list(shape), "dtype": np.dtype(dtype).name, "hidden": hidden,
                       "seconds": med, "samples": samples}
                # Each ratio also taken round by round (see paired_ratio), in row["paired"].
                row["ratio_gemm"] = med["chainrule"] / med["gemm_only"]
                row["paired"] = {"ratio_gemm": paired_ratio(samples, "chainrule", ["gemm_only"])}
                row["checks_share"] = 1 - med["chainrule_unchecked"] / med["chainrule"]
                if "torch_manual" in med:
                    row["torch_best"] = min(med["torch_manual"], med["torch_autograd"])
                    row["ratio_torch"] = med["chainrule"] / row["torch_best"]
                    row["paired"]["ratio_torch"] = paired_ratio(samples, "chainrule",
                                                                ["torch_manual", "torch_autograd"])
                if "sklearn" in med:
                    row["paired"]["speedup_vs_sklearn"] = 1 / paired_ratio(samples, "chainrule", ["sklearn"])
                    row["speedup_vs_sklearn"] = med["sklearn"] / med["chainrule"]
                    # No implementation of the five products is faster than gemm_only:
                    # this bounds the speed-up over scikit-learn that any step can reach.
                    row["sklearn_over_gemm"] = med["sklearn"] / med["gemm_only"]
                rows.append(row)
                print(format_row(row), flush=True)
    peak = peak_row()
    add_peak_bounds(rows, peak)
    result = {"machine": {**machine(), "malloc": malloc}, "rows": rows, "peak": peak,
              "gradient_check": gradcheck_row(),
              "elementwise_ns": elementwise_row(), "relu_ns": relu_row(), "interference": interference_row(),
              "allocation": allocation_row(),
              "targets": {"ratio_torch": 1.0, "ratio_gemm_784": 1.15, "speedup_vs_sklearn": 3.0}}
    if args.build:
        result["build_seconds"] = build_row()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=2))
    (out / "bench.md").write_text(markdown(result))
    print()
    print(markdown(result))
    print(f"written: {out / 'bench.json'}, {out / 'bench.md'}")
    if args.save_book:
        book = ROOT / "docs" / "_data" / "bench.json"
        book.parent.mkdir(parents=True, exist_ok=True)
        book.write_text(json.dumps(result, indent=2) + "\n")
        print(f"written: {book}")


def format_row(row):
    shape = "x".join(map(str, row["shape"]))
    parts = [f"{shape:>16} {row['dtype']:>7} {row['hidden']:>4}",
             f"chainrule {row['seconds']['chainrule'] * 1e3:8.3f} ms"]
    paired = row["paired"]
    if "ratio_torch" in row:
        parts.append(f"/torch {row['ratio_torch']:5.2f}x ({paired['ratio_torch']:4.2f})")
    parts.append(f"/gemm {row['ratio_gemm']:5.2f}x ({paired['ratio_gemm']:4.2f})")
    if "speedup_vs_sklearn" in row:
        parts.append(f"sklearn/chainrule {row['speedup_vs_sklearn']:5.1f}x ({paired['speedup_vs_sklearn']:4.1f})")
    return "  ".join(parts) + "  (round by round)"


def markdown(result):
    header = ("| shape (n0, n1, n2, m) | dtype | hidden | chainrule ms | torch manual ms | torch autograd ms "
              "| sklearn ms | GEMM-only ms | chainrule / best torch | chainrule / GEMM | sklearn / chainrule "
              "| sklearn / GEMM | round by round: chainrule / best torch | chainrule / GEMM "
              "| sklearn / chainrule |")
    lines = [header, "|---|---|---|" + "---:|" * 12]
    for r in result["rows"]:
        s = r["seconds"]

        def ms(k, s=s):
            return f"{s[k] * 1e3:.3f}" if k in s else "-"

        lines.append(
            f"| {tuple(r['shape'])} | {r['dtype']} | {r['hidden']} | {ms('chainrule')} | {ms('torch_manual')} "
            f"| {ms('torch_autograd')} | {ms('sklearn')} | {ms('gemm_only')} "
            f"| {r.get('ratio_torch', float('nan')):.2f} | {r['ratio_gemm']:.2f} "
            f"| {r.get('speedup_vs_sklearn', float('nan')):.1f} | {r.get('sklearn_over_gemm', float('nan')):.1f} "
            f"| {r['paired'].get('ratio_torch', float('nan')):.2f} | {r['paired']['ratio_gemm']:.2f} "
            f"| {r['paired'].get('speedup_vs_sklearn', float('nan')):.1f} |")
    shares = {}
    for r in result["rows"]:
        shares.setdefault("-".join(map(str, r["shape"])), []).append(r["checks_share"])
    lines += ["", "Argument checks, share of the chainrule step (smallest to largest of the four "
              "dtype and activation pairs): "
              + "; ".join(f"{k} {min(v):.0%} to {max(v):.0%}" for k, v in shares.items()) + "."]
    g = result["gradient_check"]
    lines += ["", (f"Full central-difference gradient check, 64-64-10 net, 1797 examples, "
                   f"{g['entries']} parameters: {g['seconds']:.2f} s (max relative error "
                   f"{g['max_relative_error']:.1e}); the textbook loop, extrapolated from a sample: "
                   f"{g['loop_seconds_extrapolated']:.0f} s ({g['speedup']:.0f}x slower). "
                   f"Directional check along {g['directional']['directions']} random directions: "
                   f"{g['directional']['seconds'] * 1e3:.0f} ms (max relative error "
                   f"{g['directional']['max_relative_error']:.1e}).")]
    lines += ["", "Peak rate of a square product, GFLOP/s (the faster library counts): "
              + "; ".join(f"{dtype} " + ", ".join(f"{k} {v:.0f}" for k, v in p["gflops"].items())
                          for dtype, p in result["peak"].items()) + "."]
    lines += ["", ("The GEMM-only step's share of the peak rate and, where timed, scikit-learn's step over "
                   "the time the step's multiply-adds take at the peak rate (the largest speed-up over "
                   "scikit-learn any implementation can reach): "
                   + "; ".join(f"{'-'.join(map(str, r['shape']))} {r['dtype']} {r['hidden']} "
                               f"{r['gemm_share_of_peak']:.0%}"
                               + (f", sklearn / peak-rate time {r['sklearn_over_peak']:.1f}" if "sklearn_over_peak" in r else "")
                               for r in result["rows"]) + ".")]
    e = result["elementwise_ns"]
    lines += ["", "| ns per element | " + " | ".join(e["float64"]) + " |",
              "|---|" + "---:|" * len(e["float64"])]
    for dtype, row in e.items():
        lines.append(f"| {dtype} | " + " | ".join(f"{v:.2f}" for v in row.values()) + " |")
    lines += ["", "chainrule's relu / np.maximum(Z, 0), ns per element: "
              + ", ".join(f"{'x'.join(map(str, r['shape']))} {r['dtype']} ({r['mib']:.1f} MiB) "
                          f"{r['ns']['relu']:.2f} / {r['ns']['np.maximum(Z, 0)']:.2f}" for r in result["relu_ns"]) + "."]
    i = result["interference"]
    lines += ["", (f"Interference at {'-'.join(map(str, i['shape']))} {i['dtype']} {i['hidden']}, ms per step "
                   "without / with the untimed run before each sample: "
                   + ", ".join(f"{k} {i['unsettled'][k] * 1e3:.2f} / {i['settled'][k] * 1e3:.2f}" for k in i["settled"])
                   + ".")]
    a = result["allocation"]
    lines += ["", (f"Allocation at {'-'.join(map(str, a['shape']))} {a['dtype']} {a['hidden']}, fresh processes, "
                   "ms per step (page faults per step) with glibc's default malloc / the steady one "
                   f"(GLIBC_TUNABLES={a['glibc_tunables']}): "
                   + ", ".join(f"{k} {a['default']['seconds'][k] * 1e3:.2f} ({a['default']['faults_per_step'][k]:.0f})"
                               f" / {a['steady']['seconds'][k] * 1e3:.2f} ({a['steady']['faults_per_step'][k]:.0f})"
                               for k in a["steady"]["seconds"])
                   + f". This run: {result['machine']['malloc']} malloc.")]
    if "build_seconds" in result:
        b = result["build_seconds"]
        slowest = max(b["chapters"], key=b["chapters"].get)
        lines += ["", (f"Book build: cold `nox -s docs` in a fresh clone {b['cold']:.0f} s, "
                       f"no-change rebuild {b['no_change']:.1f} s (median of {len(b['no_change_runs'])}); "
                       "slowest chapter to execute: "
                       f"{slowest}, {b['chapters'][slowest]:.1f} s.")]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

"""Lesson 4: overfitting, and the remedies.

Part 1, polynomials on a few noisy house prices. The story: flat prices fall with the distance to
the city centre, fast near the centre and then more slowly. We know the true curve and draw three
sets of houses from it: a few to train on, many more to validate on (to choose the degree, or how
strong a remedy should be), and as many again kept aside as a test set, for one final check of the
chosen model. Polynomials of growing degree are fitted by least squares, with an optional L2
(ridge) or L1 (lasso) penalty. Ridge is solved in closed form; lasso by coordinate descent with soft
thresholding. Both are tested against scikit-learn.

The loss we minimise is the one the lesson shows, a mean squared error plus a penalty:

    L(w, b) = (1/n) * sum_i (y_i - b - x_i . w)^2  +  lam * sum_j w_j^2     (L2)
                                                   +  lam * sum_j |w_j|     (L1)

The intercept b is never penalised (a penalty should not prefer cheap or dear houses).

Part 2, a small MLP (core.mlp) classifying 2D points: the datasets (circles, moons, XOR, spirals,
Gaussian blobs, drawn with an explicit seed, or a learner's CSV), and a run replayed: the decision
map at a few epochs along the way, with the loss and accuracy of every epoch.
"""

import io
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.errors import InputError
from core.mlp import MLPConfig, MLPRun, predict_proba, train_mlp
from core.progress import OnProgress, Progress

MAX_DISTANCE = 10.0  # km from the centre; the sample covers 0 .. MAX_DISTANCE
NOISE = 0.6  # standard deviation of a house's price around the curve (10k yuan per m²)
MAX_HOUSES = 100  # the most training houses the lesson draws; fewer are the first n of them
N_HOUSES = 12  # the lesson's training sample
HOUSE_SEED = 22  # which houses: a sample whose errors show the U plainly
VAL_SIZE, VAL_SEED = 300, 10_000  # validation houses: they choose the degree and the remedy's strength
TEST_SIZE, TEST_SEED = 300, 20_000  # test houses: kept aside, used once for the chosen model
MAX_DEGREE = 15
WILD_DEGREE = 12  # the degree the remedies tame
PENALTIES = ("none", "l2", "l1")
LAMBDAS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
HOUSE_COUNTS = tuple(range(N_HOUSES, MAX_HOUSES + 1, 4))
COPY_COUNTS = tuple(range(0, 11))
JITTER = 0.3  # km: how far an augmented copy of a house moves
REMEDIES = ("l2", "l1", "houses", "copies")


def true_price(distance):
    """The curve the houses follow (10k yuan per m²): dear in the centre, levelling off outside."""
    d = np.asarray(distance, dtype=float)
    return 3.0 + 6.0 * np.exp(-d / 2.5) + 0.8 * np.sin(d / 1.6)


def sample_houses(n: int, seed: int = HOUSE_SEED, noise: float = NOISE) -> tuple[np.ndarray, np.ndarray]:
    """The first n of MAX_HOUSES houses (so a bigger sample keeps the smaller one's houses), at
    random distances, priced by the curve plus Gaussian noise; sorted by distance."""
    rng = np.random.default_rng(seed)
    size = max(n, MAX_HOUSES)
    x = rng.uniform(0.0, MAX_DISTANCE, size)[:n]  # (n,)
    e = rng.normal(0.0, noise, size)[:n]  # (n,)
    order = np.argsort(x)
    return x[order], true_price(x[order]) + e[order]


def validation_houses(noise: float = NOISE) -> tuple[np.ndarray, np.ndarray]:
    """The fixed unseen houses that choose between models."""
    return sample_houses(VAL_SIZE, VAL_SEED, noise)


def test_houses(noise: float = NOISE) -> tuple[np.ndarray, np.ndarray]:
    """Other unseen houses, kept aside: they judge the chosen model once, and choose nothing."""
    return sample_houses(TEST_SIZE, TEST_SEED, noise)


def augment(x, y, copies: int, jitter: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Data augmentation: add `copies` noisy copies of every house, its distance jittered.

    A house 3.0 km out and one 3.1 km out should cost about the same, so each copy keeps the
    price and moves the distance by Gaussian noise of `jitter` km (clipped to the sampled range).
    Returns the houses followed by their copies.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if copies <= 0 or jitter <= 0:
        return x, y
    rng = np.random.default_rng(seed)
    x_new = np.repeat(x, copies) + rng.normal(0.0, jitter, x.size * copies)  # (n*copies,)
    x_new = np.clip(x_new, 0.0, MAX_DISTANCE)
    return np.concatenate([x, x_new]), np.concatenate([y, np.repeat(y, copies)])


def features(x, degree: int) -> np.ndarray:
    """Columns P1(u), ..., P_degree(u): Legendre polynomials of u = the distance rescaled to [-1, 1].

    Any polynomial of that degree is b + a weighted sum of them, exactly as of u, u², ...; but
    these "wiggles" of growing order stay between -1 and 1 and barely overlap, so fitting stays
    numerically sane up to degree 15 and each coefficient reads as "how much of this wiggle".
    """
    u = np.asarray(x, dtype=float) / (MAX_DISTANCE / 2) - 1.0  # (n,)
    return np.polynomial.legendre.legvander(u, degree)[:, 1:]  # (n, degree), P0 = 1 is the intercept


@dataclass(frozen=True)
class PolyFit:
    """A fitted polynomial: price = b + features(x) . w."""

    degree: int
    w: np.ndarray  # (degree,) how much of each wiggle P1 ... P_degree
    b: float

    def predict(self, x) -> np.ndarray:
        return features(x, self.degree) @ self.w + self.b


def fit_ridge(X, y, lam: float) -> tuple[np.ndarray, float]:
    """Minimise (1/n)|y - b - Xw|² + lam|w|²: centre, then solve (XcᵀXc + n·lam·I) w = Xcᵀyc."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n, p = X.shape
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean  # centring removes b from the problem
    if lam == 0:
        w = np.linalg.lstsq(Xc, yc, rcond=None)[0]  # plain least squares (minimum norm if underdetermined)
    else:
        w = np.linalg.solve(Xc.T @ Xc + n * lam * np.eye(p), Xc.T @ yc)  # (p,)
    return w, float(y_mean - x_mean @ w)


def soft_threshold(z: float, t: float) -> float:
    """The L1 step: shrink z towards 0 by t, and to exactly 0 if |z| <= t."""
    return float(np.sign(z) * max(abs(z) - t, 0.0))


def fit_lasso(X, y, lam: float, max_sweeps: int = 2000, tol: float = 1e-9) -> tuple[np.ndarray, float]:
    """Minimise (1/n)|y - b - Xw|² + lam|w|₁ by coordinate descent.

    One coefficient at a time: with the others fixed the loss is a parabola plus lam|w_j|,
    whose minimum is the least-squares value soft-thresholded. Every few sweeps we try to finish
    in one step: once we know which coefficients are zero and the signs of the rest, the others
    solve a small linear system; if that answer passes the optimality test, it is the exact one.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n, p = X.shape
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    G = Xc.T @ Xc / n  # (p, p) the loss's curvature; coordinate j's parabola has G[j, j]
    c = Xc.T @ yc / n  # (p,) each feature's correlation with the price
    w = np.zeros(p)
    for sweep in range(max_sweeps):
        biggest_move = 0.0
        for j in range(p):
            if G[j, j] == 0:
                continue
            rho = c[j] - G[j] @ w + G[j, j] * w[j]  # the least-squares pull on w_j, others fixed
            w_j = soft_threshold(rho, lam / 2) / G[j, j]
            biggest_move = max(biggest_move, abs(w_j - w[j]))
            w[j] = w_j
        if biggest_move < tol:
            break
        if sweep % 10 == 9 and (exact := _lasso_on_support(G, c, w, lam)) is not None:
            w = exact
            break
    return w, float(y_mean - x_mean @ w)


def _lasso_on_support(G, c, w, lam: float, slack: float = 1e-9):
    """The exact lasso solution if w has the right zeros and signs, else None.

    On the support A with signs s the optimum solves G[A, A] w_A = c_A - (lam/2) s_A. It is the
    answer when the signs come out the same and no zero coefficient is pulled harder than lam/2.
    """
    A = np.flatnonzero(w)
    exact = np.zeros_like(w)
    if A.size:
        s = np.sign(w[A])
        try:
            exact[A] = np.linalg.solve(G[np.ix_(A, A)], c[A] - lam / 2 * s)
        except np.linalg.LinAlgError:
            return None
        if np.any(np.sign(exact[A]) != s):
            return None
    pull = np.abs(c - G @ exact)  # (p,) how hard the loss pulls each coefficient away from 0
    zero = np.ones(w.size, bool)
    zero[A] = False
    return exact if np.all(pull[zero] <= lam / 2 + slack) else None


def fit_polynomial(x, y, degree: int, penalty: str = "none", lam: float = 0.0) -> PolyFit:
    """Fit a polynomial of `degree` in the distance with no penalty, L2 or L1 of strength lam."""
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}")
    X = features(x, degree)  # (n, degree)
    if penalty == "l1" and lam > 0:
        w, b = fit_lasso(X, y, lam)
    else:
        w, b = fit_ridge(X, y, lam if penalty == "l2" else 0.0)
    return PolyFit(degree, w, b)


def mse(fit: PolyFit, x, y) -> float:
    """Mean squared error of a fit on some houses."""
    return float(np.mean((fit.predict(x) - np.asarray(y, dtype=float)) ** 2))


@dataclass(frozen=True)
class DegreeSweep:
    """Fits of every degree on the same data, with their training and validation errors."""

    degrees: np.ndarray  # (D,)
    fits: tuple[PolyFit, ...]
    train_mse: np.ndarray  # (D,)
    val_mse: np.ndarray  # (D,)

    @property
    def best_degree(self) -> int:
        """The degree whose fit does best on the validation houses (never on the test houses)."""
        return int(self.degrees[np.argmin(self.val_mse)])


def degree_sweep(
    x, y, x_val, y_val, max_degree: int = MAX_DEGREE, penalty: str = "none", lam: float = 0.0, fit_on=None
) -> DegreeSweep:
    """Fit degrees 1 .. max_degree; training error on (x, y), validation error on the unseen houses.

    `fit_on` = (x_aug, y_aug) fits on augmented data instead, still scoring on the real houses.
    """
    x_fit, y_fit = fit_on if fit_on is not None else (x, y)
    degrees = np.arange(1, max_degree + 1)
    fits = tuple(fit_polynomial(x_fit, y_fit, int(d), penalty, lam) for d in degrees)
    train = np.array([mse(f, x, y) for f in fits])
    val = np.array([mse(f, x_val, y_val) for f in fits])
    return DegreeSweep(degrees, fits, train, val)


@dataclass(frozen=True)
class RemedyState:
    """One strength of one remedy applied to the wild polynomial."""

    value: float  # λ, the number of training houses, or the copies per house
    fit: PolyFit
    x: np.ndarray  # (n,) the training houses
    y: np.ndarray
    copies: tuple[np.ndarray, np.ndarray]  # the augmented copies the fit also saw (empty without)
    train_mse: float  # on the real training houses
    val_mse: float

    @property
    def zeros(self) -> int:
        """Weights exactly zero: the wiggles the model no longer uses."""
        return int((self.fit.w == 0).sum())


def remedy_values(remedy: str) -> tuple:
    """The strengths the lesson offers for a remedy, weakest (none at all) first."""
    return {"l2": LAMBDAS, "l1": LAMBDAS, "houses": HOUSE_COUNTS, "copies": COPY_COUNTS}[remedy]


def remedy_sweep(remedy: str, degree: int = WILD_DEGREE, seed: int = HOUSE_SEED) -> tuple[RemedyState, ...]:
    """The degree-`degree` polynomial under every strength of one remedy: an L2 or L1 penalty of
    growing λ, more training houses, or more augmented copies of the N_HOUSES houses."""
    if remedy not in REMEDIES:
        raise ValueError(f"remedy must be one of {REMEDIES}")
    x_val, y_val = validation_houses()
    states = []
    for value in remedy_values(remedy):
        x, y = sample_houses(value if remedy == "houses" else N_HOUSES, seed)
        x_fit, y_fit = augment(x, y, value, JITTER, seed + 1) if remedy == "copies" else (x, y)
        penalty = remedy if remedy in ("l1", "l2") else "none"
        fit = fit_polynomial(x_fit, y_fit, degree, penalty, value if penalty != "none" else 0.0)
        copies = (x_fit[len(x) :], y_fit[len(y) :])
        states.append(RemedyState(value, fit, x, y, copies, mse(fit, x, y), mse(fit, x_val, y_val)))
    return tuple(states)


def trend(values) -> str:
    """How a curve goes from its first value to its last: "down" (lowest at the end), "up" (lowest
    at the start) or "down_up" (lowest in between, higher at both ends)."""
    values = np.asarray(values, dtype=float)
    lowest = int(np.argmin(values))
    return "up" if lowest == 0 else ("down" if lowest == len(values) - 1 else "down_up")


# --- Part 2: data for the network -----------------------------------------------------------------
DATASETS = ("circles", "moons", "xor", "spirals", "blobs")
TWO_CLASS_ONLY = ("moons", "xor")
MAX_CLASSES = 4
CSV_MAX_BYTES = 100_000
CSV_MIN_ROWS, CSV_MAX_ROWS = 10, 2000
# Largest coordinate a CSV may hold. Points become float32 (largest ~3.4e38: 1e39 turns into inf and
# the point silently vanishes), and standardizing squares them (2e19 squared overflows already).
# Well inside that, float32 still tells 1e6 from 1e6 + 0.1; beyond it nearby points start to merge.
CSV_MAX_ABS = 1e6


def n_classes_of(kind: str, n_classes: int) -> int:
    """Moons and XOR are two-class puzzles; the others take 2 to 4 classes."""
    return 2 if kind in TWO_CLASS_ONLY else int(np.clip(n_classes, 2, MAX_CLASSES))


def make_dataset(kind: str, n: int, noise: float, n_classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points in 2D with integer labels; `noise` is the standard deviation of Gaussian jitter."""
    rng = np.random.default_rng(seed)
    k = n_classes_of(kind, n_classes)
    y = np.arange(n) % k  # (n,) balanced classes
    t = rng.uniform(0.0, 1.0, n)  # (n,) position along each class's shape
    if kind == "circles":  # one ring per class, radius 0.5, 1.0, ...
        angle = 2 * np.pi * t
        X = (0.5 * (y + 1))[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    elif kind == "moons":  # two interleaved half circles
        angle = np.pi * t
        upper = np.column_stack([np.cos(angle), np.sin(angle)])
        lower = np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)])
        X = np.where((y == 0)[:, None], upper, lower) - [0.5, 0.25]
    elif kind == "xor":  # the class is the sign of x1 * x2
        X = rng.uniform(-1.0, 1.0, (n, 2))
        X += 0.1 * np.sign(X)  # a small gap between the quadrants before noise
        y = (X[:, 0] * X[:, 1] < 0).astype(int)
    elif kind == "spirals":  # one arm per class, turning 1.5 times
        radius = 0.1 + 0.9 * t
        angle = 3 * np.pi * t + 2 * np.pi * y / k
        X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    elif kind == "blobs":  # one Gaussian cloud per class, centres on a circle
        centre_angle = 2 * np.pi * y / k + np.pi / 4
        X = 0.8 * np.column_stack([np.cos(centre_angle), np.sin(centre_angle)]) + rng.normal(0, 0.25, (n, 2))
    else:
        raise ValueError(f"unknown dataset {kind!r}; choose one of {DATASETS}")
    X = X + rng.normal(0.0, noise, (n, 2))
    return X.astype(np.float32), y.astype(np.int64)


def split(X, y, holdout: float, seed: int):
    """Shuffle and hold out a share of the points for validation: (X_train, y_train, X_val, y_val)."""
    n = len(y)
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(np.clip(round(holdout * n), 1, n - 1))
    val, train = order[:n_val], order[n_val:]
    return X[train], y[train], X[val], y[val]


class CsvError(InputError):
    """A learner's CSV that cannot be used; `code` names the message in the catalogs."""


def parse_csv(data: bytes) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A learner's CSV -> (X (n, 2), labels (n,), class names). Columns: x1, x2, label; a header row.

    Raises CsvError for anything that cannot be trained on: too big, not text, wrong columns,
    non-numeric, non-finite or huge (beyond ±CSV_MAX_ABS) coordinates, too few or too many rows,
    fewer than 2 or more than MAX_CLASSES classes.
    """
    if len(data) > CSV_MAX_BYTES:
        raise CsvError("too_big", limit_kb=CSV_MAX_BYTES // 1000)
    try:
        table = pd.read_csv(io.BytesIO(data), dtype=str, skipinitialspace=True, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        raise CsvError("unreadable") from None
    if table.shape[1] != 3:
        raise CsvError("columns", found=table.shape[1])
    table = table.dropna(how="all")
    if len(table) < CSV_MIN_ROWS:
        raise CsvError("too_few_rows", minimum=CSV_MIN_ROWS)
    if len(table) > CSV_MAX_ROWS:
        raise CsvError("too_many_rows", limit=CSV_MAX_ROWS)
    coords = table.iloc[:, :2].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)  # (n, 2)
    bad = ~np.isfinite(coords).all(axis=1) | table.iloc[:, 2].isna().to_numpy()
    if bad.any():
        raise CsvError("bad_row", row=int(np.flatnonzero(bad)[0]) + 2)  # +2: 1-based, after the header
    huge = (np.abs(coords) > CSV_MAX_ABS).any(axis=1)
    if huge.any():
        raise CsvError("too_large_value", row=int(np.flatnonzero(huge)[0]) + 2, limit=f"{CSV_MAX_ABS:,.0f}")
    labels = table.iloc[:, 2].str.strip()
    names = sorted(labels.unique())
    if not 2 <= len(names) <= MAX_CLASSES:
        raise CsvError("classes", found=len(names), limit=MAX_CLASSES)
    y = labels.map({name: i for i, name in enumerate(names)}).to_numpy(dtype=np.int64)
    return coords.astype(np.float32), y, names


def example_csv() -> str:
    """The file the page offers as an example: 60 noisy moons in the columns parse_csv reads."""
    X, y = make_dataset("moons", 60, 0.1, 2, 0)
    return "x1,x2,label\n" + "".join(f"{a:.3f},{b:.3f},{'ab'[c]}\n" for (a, b), c in zip(X, y))


# --- Part 2: a run replayed -----------------------------------------------------------------------
# The run every learner sees on arrival: two noisy rings, half of 100 points held out, a network
# far wider than two rings need, no remedy. Adam's step is smaller than core.mlp's default so the
# decision map forms over tens of epochs rather than a handful, and the replay has something to show.
LESSON_DATA = ("circles", 100, 0.2, 2)  # dataset, points, noise, classes
HOLDOUT = 0.5
LESSON_CONFIG = MLPConfig(width=64, depth=2, lr=0.003, epochs=400, seed=1)
MAP_RESOLUTION = 40  # grid points per side of a replayed decision map


def boundary_grid(run: MLPRun, x_range, y_range, resolution: int = MAP_RESOLUTION):
    """Probabilities on a resolution x resolution grid: xs (R,), ys (R,), probs (R, R, C)."""
    xs = np.linspace(*x_range, resolution, dtype=np.float32)
    ys = np.linspace(*y_range, resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)  # (R, R) each; row = y, column = x
    probs = predict_proba(run, np.column_stack([gx.ravel(), gy.ravel()]))  # (R*R, C)
    return xs, ys, probs.reshape(resolution, resolution, -1)


def plot_range(X, margin: float = 0.15) -> tuple[tuple[float, float], tuple[float, float]]:
    """An (x, y) window around the points with a margin, for the decision-boundary map."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-6)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1]))


@dataclass(frozen=True)
class Snapshot:
    """The decision map after `epoch` epochs; `kept`: the weights early stopping went back to."""

    epoch: int
    probs: np.ndarray  # (R, R, C)
    kept: bool = False


@dataclass(frozen=True, eq=False)  # equal only to itself: a page can tell runs apart by the object
class RunSummary:
    """What the page keeps of one training run: its settings and data, the replay and the scores."""

    config: MLPConfig
    dataset: str  # a DATASETS name, or "csv"
    names: list[str] | None  # the classes' names from a learner's file; None: numbered classes
    split: tuple  # (X_train, y_train, X_val, y_val)
    xs: np.ndarray  # (R,) the map's grid
    ys: np.ndarray  # (R,)
    snapshots: tuple[Snapshot, ...]  # in epoch order; a kept map (early stopping) last
    train_loss: list[float]  # per epoch: index i is epoch i + 1
    val_loss: list[float]
    train_acc: list[float]
    val_acc: list[float]
    best_epoch: int  # the epoch with the lowest validation loss
    stopped_early: bool
    restored: bool  # the kept weights are the best epoch's
    final_train_acc: float  # of the kept weights
    final_val_acc: float

    @property
    def n_classes(self) -> int:
        return self.snapshots[-1].probs.shape[2]

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def _both(*callbacks: OnProgress) -> OnProgress:
    """One progress callback that calls each of `callbacks` that is not None."""

    def call(progress: Progress) -> None:
        for callback in callbacks:
            if callback is not None:
                callback(progress)

    return call


def train_replay(
    split, n_classes: int, config: MLPConfig, dataset: str, names=None, device=None, on_progress: OnProgress = None
) -> RunSummary:
    """Train with core.mlp.train_mlp and keep the decision map at about twenty epochs on the way.

    train_mlp reports ten times per run. A first, short run of a tenth of the epochs gives ten early
    maps, when the map changes fastest: it starts from the same seed and trains on the same points, so
    its epochs are the full run's first epochs, step for step. Then the full run gives the rest.
    """
    X_train, y_train, X_val, y_val = split
    x_range, y_range = plot_range(np.concatenate([X_train, X_val]))
    maps: dict[int, np.ndarray] = {}

    def keep(progress: Progress) -> None:
        maps[progress.step] = boundary_grid(progress.record, x_range, y_range)[2]

    short = config.epochs // 10
    if short >= 2:  # its progress is not reported: the bar follows the full run
        first = replace(config, epochs=short, early_stopping=False)
        train_mlp(*split, n_classes, first, device, keep)
    run = train_mlp(*split, n_classes, config, device, _both(keep, on_progress))
    done = len(run.train_loss_)
    snapshots = [Snapshot(epoch, maps[epoch]) for epoch in sorted(maps) if epoch <= done]
    xs, ys, final = boundary_grid(run, x_range, y_range)
    if run.restored_:  # early stopping went back to the best epoch's weights: show what is kept
        snapshots.append(Snapshot(run.best_epoch_, final, kept=True))

    def accuracy(X, y) -> float:
        return float((predict_proba(run, X).argmax(1) == y).mean())

    return RunSummary(
        config=config,
        dataset=dataset,
        names=names,
        split=split,
        xs=xs,
        ys=ys,
        snapshots=tuple(snapshots),
        train_loss=run.train_loss_,
        val_loss=run.val_loss_,
        train_acc=run.train_acc_,
        val_acc=run.val_acc_,
        best_epoch=run.best_epoch_,
        stopped_early=run.stopped_early_,
        restored=run.restored_,
        final_train_acc=accuracy(X_train, y_train),
        final_val_acc=accuracy(X_val, y_val),
    )


def early_stop_epoch(val_loss, patience: int) -> tuple[int, int]:
    """Where early stopping would end a run with these validation losses (index i = epoch i + 1):
    the first epoch `patience` epochs after the best so far, and that best epoch. A run that never
    waits that long ends at its last epoch, keeping its best."""
    best, best_loss = 0, float("inf")
    for epoch, loss in enumerate(val_loss, start=1):
        if loss < best_loss:
            best, best_loss = epoch, loss
        if epoch - best >= patience:
            return epoch, best
    return len(val_loss), best


def lesson_split(kind: str, n: int, noise: float, classes: int, holdout: float, seed: int):
    """The points of a built-in dataset, shuffled and split as the page trains on them."""
    X, y = make_dataset(kind, n, noise, classes, seed)
    return split(X, y, holdout, seed)

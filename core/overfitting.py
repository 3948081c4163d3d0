"""Lesson 4, part 1: overfitting a polynomial to a few noisy house prices, and the remedies.

The story: flat prices fall with the distance to the city centre, fast near the centre and then
more slowly. We know the true curve, draw a few noisy houses from it to train on and many more to
test on, and fit polynomials of growing degree by least squares, with an optional L2 (ridge) or
L1 (lasso) penalty. Ridge is solved in closed form; lasso by coordinate descent with soft
thresholding. Both are tested against scikit-learn.

The loss we minimise is the one the lesson shows, a mean squared error plus a penalty:

    L(w, b) = (1/n) * sum_i (y_i - b - x_i . w)^2  +  lam * sum_j w_j^2     (L2)
                                                   +  lam * sum_j |w_j|     (L1)

The intercept b is never penalised (a penalty should not prefer cheap or dear houses).
"""

from dataclasses import dataclass

import numpy as np

MAX_DISTANCE = 10.0  # km from the centre; the sample covers 0 .. MAX_DISTANCE
NOISE = 0.6  # standard deviation of a house's price around the curve (10k yuan per m²)
TEST_SIZE = 300  # unseen houses used to measure generalization
TEST_SEED = 10_000  # the test houses are always the same ones
PENALTIES = ("none", "l2", "l1")


def true_price(distance):
    """The curve the houses follow (10k yuan per m²): dear in the centre, levelling off outside."""
    d = np.asarray(distance, dtype=float)
    return 3.0 + 6.0 * np.exp(-d / 2.5) + 0.8 * np.sin(d / 1.6)


def sample_houses(n: int, seed: int, noise: float = NOISE) -> tuple[np.ndarray, np.ndarray]:
    """n houses at random distances, priced by the curve plus Gaussian noise; sorted by distance."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, MAX_DISTANCE, n))  # (n,)
    y = true_price(x) + rng.normal(0.0, noise, n)  # (n,)
    return x, y


def test_houses(noise: float = NOISE) -> tuple[np.ndarray, np.ndarray]:
    """The fixed set of unseen houses every fit is judged on."""
    return sample_houses(TEST_SIZE, TEST_SEED, noise)


def augment(x, y, copies: int, jitter: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Data augmentation: add `copies` noisy copies of every house, its distance jittered.

    A house 3.0 km out and one 3.1 km out should cost about the same, so each copy keeps the
    price and moves the distance by Gaussian noise of `jitter` km (clipped to the sampled range).
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
    w: np.ndarray  # (degree,) coefficients of u, u², ...
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
    """Fits of every degree on the same data, with their train and test errors."""

    degrees: np.ndarray  # (D,)
    fits: tuple[PolyFit, ...]
    train_mse: np.ndarray  # (D,)
    test_mse: np.ndarray  # (D,)

    @property
    def best_degree(self) -> int:
        """The degree whose fit does best on the unseen houses."""
        return int(self.degrees[np.argmin(self.test_mse)])


def degree_sweep(
    x, y, x_test, y_test, max_degree: int, penalty: str = "none", lam: float = 0.0, fit_on=None
) -> DegreeSweep:
    """Fit degrees 1 .. max_degree; train error on (x, y), test error on the unseen houses.

    `fit_on` = (x_aug, y_aug) fits on augmented data instead, still scoring on the real houses.
    """
    x_fit, y_fit = fit_on if fit_on is not None else (x, y)
    degrees = np.arange(1, max_degree + 1)
    fits = tuple(fit_polynomial(x_fit, y_fit, int(d), penalty, lam) for d in degrees)
    train = np.array([mse(f, x, y) for f in fits])
    test = np.array([mse(f, x_test, y_test) for f in fits])
    return DegreeSweep(degrees, fits, train, test)

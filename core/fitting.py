"""Lesson 1: fitting a line y = k*x + b to the milk-tea shop, by hand-written SGD.

The lesson is the computation itself, so the gradients are written out (and tested against
torch.autograd); the least-squares line comes from NumPy's solver as an independent check.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from core.errors import InputError

# The six teas of the shop: price (x) and cups sold (y), in table order.
TEA_PRICES = (30.0, 25.0, 20.0, 15.0, 10.0, 5.0)
TEA_SALES = (600.0, 650.0, 850.0, 700.0, 900.0, 800.0)
NEW_PRICE = 35.0  # the boss's question: how many would a tea at this price sell?

# Model v1.0, the article's first guess, and its learning rate.
K0, B0 = -10.0, 1000.0
ARTICLE_LR = 1e-4

# Training stops as diverged once the dataset error is not finite or has grown this many times
# over the starting model's (an error that only oscillates stays far below).
DIVERGENCE_FACTOR = 1e3
MAX_POINTS = 200


@dataclass(frozen=True)
class Step:
    """One SGD step on one tea: the forward pass, the backward pass and the update."""

    index: int  # which sample (0-based, table order)
    x: float
    y: float
    k_before: float  # parameters the step started from
    b_before: float
    y_hat: float  # forward pass: k*x + b
    error: float  # (y_hat - y)^2 / 2
    dk: float  # de/dk = (y_hat - y) * x
    db: float  # de/db = (y_hat - y)
    k: float  # parameters after the update
    b: float


@dataclass
class TrainResult:
    """Parameters and dataset error after each epoch; index 0 is the starting model."""

    ks: list[float] = field(default_factory=list)
    bs: list[float] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)
    diverged_at: int | None = None  # epoch at which training was stopped, if it diverged

    @property
    def epochs_done(self) -> int:
        return len(self.errors) - 1


def is_shop_data(x, y) -> bool:
    """Whether (x, y) are the shop's own six teas, in table order."""
    return tuple(map(float, x)) == TEA_PRICES and tuple(map(float, y)) == TEA_SALES


def predict(x, k: float, b: float):
    """The model: y_hat = k*x + b. Works on a number or an array."""
    return k * np.asarray(x, dtype=float) + b


def sample_errors(x, y, k: float, b: float) -> np.ndarray:
    """Each sample's error e = (y_hat - y)^2 / 2; the half makes de/dy_hat = y_hat - y."""
    residual = predict(x, k, b) - np.asarray(y, dtype=float)  # (n,)
    return residual**2 / 2


def dataset_error(x, y, k: float, b: float) -> float:
    """Mean of the samples' errors: the number training tries to make small."""
    return float(np.mean(sample_errors(x, y, k, b)))


def error_grid(x, y, ks, bs) -> tuple[np.ndarray, np.ndarray]:
    """Dataset error E and the prediction at NEW_PRICE for every line (k, b): two (len(ks), len(bs))."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    k, b = np.asarray(ks, dtype=float)[:, None, None], np.asarray(bs, dtype=float)[None, :, None]
    residual = k * x + b - y  # (K, B, n)
    return (residual**2 / 2).mean(axis=-1), k[..., 0] * NEW_PRICE + b[..., 0]


def sgd_step(index: int, x: float, y: float, k: float, b: float, lr: float) -> Step:
    """Forward, backward (chain rule) and update on one sample."""
    y_hat = k * x + b
    residual = y_hat - y
    error = residual * residual / 2  # not residual**2: a Python float's ** raises on overflow, * gives inf
    dk = residual * x  # de/dk = de/dy_hat * dy_hat/dk
    db = residual  # de/db = de/dy_hat * dy_hat/db
    return Step(index, x, y, k, b, y_hat, error, dk, db, k - lr * dk, b - lr * db)


def sgd_epoch(x, y, k: float, b: float, lr: float) -> list[Step]:
    """One pass over the samples in table order, updating after every sample."""
    steps = []
    for i, (xi, yi) in enumerate(zip(x, y)):
        step = sgd_step(i, float(xi), float(yi), k, b, lr)
        steps.append(step)
        k, b = step.k, step.b
    return steps


def first_divergent_step(steps: list[Step]) -> int | None:
    """Index of the first step whose error or parameters are no longer finite numbers, else None."""
    for i, step in enumerate(steps):
        if not all(math.isfinite(v) for v in (step.y_hat, step.error, step.k, step.b)):
            return i
    return None


def train(x, y, k: float = K0, b: float = B0, lr: float = ARTICLE_LR, epochs: int = 20) -> TrainResult:
    """Run `epochs` epochs of per-sample SGD, recording the model after each one.

    Stops early, marking `diverged_at`, when the error stops being a finite, sane number:
    a learning rate too large makes every step overshoot further than the last. Each step is
    checked, so data with large numbers that overflows within one epoch is caught there too.
    """
    result = TrainResult([k], [b], [dataset_error(x, y, k, b)])
    limit = max(DIVERGENCE_FACTOR * result.errors[0], 1e6)
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            steps = sgd_epoch(x, y, k, b, lr)
            if first_divergent_step(steps) is not None:
                result.diverged_at = epoch
                break
            k, b = steps[-1].k, steps[-1].b
            error = dataset_error(x, y, k, b)
            if not math.isfinite(error) or error > limit:
                result.diverged_at = epoch
                break
            result.ks.append(k)
            result.bs.append(b)
            result.errors.append(error)
    return result


def least_squares(x, y) -> tuple[float, float]:
    """The best line in one shot, from NumPy's least-squares solver (no gradient descent)."""
    x = np.asarray(x, dtype=float)
    A = np.column_stack([x, np.ones_like(x)])  # (n, 2): columns multiply k and b
    (k, b), *_ = np.linalg.lstsq(A, np.asarray(y, dtype=float), rcond=None)
    return float(k), float(b)


def best_line(x, y) -> tuple[float, float, float]:
    """The least-squares line and its dataset error: k, b, E (the floor no line goes below)."""
    k, b = least_squares(x, y)
    return k, b, dataset_error(x, y, k, b)


def long_run_outcome(run: TrainResult, best_error: float) -> str:
    """What a long SGD run did: "explode" (diverged), "reach" (ended within 1% of the best line's
    error) or "stall" (still above it)."""
    if run.diverged_at is not None:
        return "explode"
    return "reach" if run.errors[-1] <= best_error * 1.01 else "stall"


def first_update_effect(steps: list[Step]) -> tuple[Step, Step, float]:
    """The first step, the second (the first again for a one-sample epoch), and how far the first
    update moved the second sample's prediction."""
    first, second = steps[0], steps[1] if len(steps) > 1 else steps[0]
    return first, second, second.y_hat - (first.k_before * second.x + first.b_before)


def gradient_ratio(x) -> float:
    """How many times larger de/dk is than de/db on average: mean |x|, since de/dk = (y_hat - y) x
    and de/db = y_hat - y. The reason k needs far smaller steps than b."""
    return float(np.abs(np.asarray(x, dtype=float)).mean())


def rounded_prediction(k: float, b: float, digits: int = 2) -> tuple[float, float, float]:
    """k and b rounded to `digits` decimals, and the prediction at NEW_PRICE they give."""
    k_r, b_r = round(k, digits), round(b, digits)
    return k_r, b_r, float(predict(NEW_PRICE, k_r, b_r))


class DataError(InputError):
    """Learner-entered data that cannot be fitted; `code` names the message in the catalogs."""


def parse_points(rows) -> tuple[np.ndarray, np.ndarray]:
    """Validate (price, sales) rows typed by a learner and return them as two float arrays.

    Rows left completely empty (a fresh row in the editor) are ignored. Raises DataError with
    a message code for anything that cannot be fitted.
    """
    xs, ys = [], []
    for row_number, (price, sales) in enumerate(rows, start=1):
        cells = [_cell(price), _cell(sales)]
        if cells == ["", ""]:
            continue
        if "" in cells:
            raise DataError("missing", row=row_number)
        try:
            xv, yv = float(cells[0]), float(cells[1])
        except ValueError:
            raise DataError("not_a_number", row=row_number) from None
        if not (math.isfinite(xv) and math.isfinite(yv)):
            raise DataError("not_a_number", row=row_number)
        if abs(xv) > 1e6 or abs(yv) > 1e9:
            raise DataError("too_large", row=row_number)
        xs.append(xv)
        ys.append(yv)
    if len(xs) < 2:
        raise DataError("too_few")
    if len(xs) > MAX_POINTS:
        raise DataError("too_many", limit=MAX_POINTS)
    if len(set(xs)) == 1:
        raise DataError("same_price")
    return np.array(xs), np.array(ys)


def edited_row_count(base_rows: int, edits) -> int:
    """Rows a table editor would hold after its pending edits (Streamlit's editing state: a dict of
    edited_rows, added_rows and deleted_rows), counted without applying them."""
    if not isinstance(edits, dict):
        return base_rows
    added, deleted = edits.get("added_rows") or [], edits.get("deleted_rows") or []
    return base_rows + len(added) - len(set(deleted))


def _cell(value) -> str:
    """A table cell as stripped text; None and NaN count as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()

"""Lesson 2: loss surfaces, and the optimizers that walk down them.

Three surfaces, all from real models and data:
- the milk-tea line y = k*x + b of lesson 1 (a convex bowl, or a ravine when x is not scaled);
- one tanh neuron y = v*tanh(w*x + c) on the same teas, over its two weights (two minima, a saddle);
- a small MLP (core.mlp, lesson 4's) trained on scikit-learn's 8x8 digits, sliced along two
  filter-normalized random directions (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets").

Every optimizer step is written out and tested against torch.optim on the same problem. What the
page says about a run (smooth, zig-zag, diverging; which minimum it ended in) is decided here too.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core import fitting as fit
from core import mlp
from core.progress import OnProgress, report, scaled

LossFn = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # theta (..., 2) -> loss (...), grad (..., 2)
NEAR_MIN = 0.01  # "reached the minimum": within 1% of the lowest error


# --- The milk-tea line: loss, gradient, scaling ----------------------------------------------------
def tea_data(standardized: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The six teas of lesson 1; with `standardized`, x -> (x - mean) / std (y unchanged)."""
    x, y = np.array(fit.TEA_PRICES), np.array(fit.TEA_SALES)
    return (standardize(x)[0] if standardized else x), y


def standardize(x) -> tuple[np.ndarray, float, float]:
    """x -> (x - mean) / std, with the mean and (population) std needed to map back."""
    x = np.asarray(x, dtype=float)
    mean, std = float(x.mean()), float(x.std())
    return (x - mean) / std, mean, std


def to_price_units(k_s: float, b_s: float, mean: float, std: float) -> tuple[float, float]:
    """A line on standardized input, k_s*(x - mean)/std + b_s, written as k*x + b on prices."""
    return k_s / std, b_s - k_s * mean / std


def to_standard_units(k: float, b: float, mean: float, std: float) -> tuple[float, float]:
    """The inverse of to_price_units: the same line, seen from standardized input."""
    return k * std, b + k * mean


def line_loss(x, y) -> LossFn:
    """The dataset error E(k, b) = mean((k*x + b - y)^2) / 2 and its gradient, for any batch of (k, b).

    E is a quadratic in theta = (k, b): expanding the square once gives E = theta.H.theta / 2 - g0.theta + c
    with averages over the teas, so a whole 200x200 grid or a 500-step path costs a few array operations.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    H = np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])  # (2, 2) the Hessian
    g0 = np.array([np.mean(x * y), np.mean(y)])  # (2,)
    c = np.mean(y * y) / 2

    def loss_and_grad(theta: np.ndarray):
        grad = theta @ H - g0  # (..., 2): dE/dk = mean((kx + b - y) x), dE/db = mean(kx + b - y)
        loss = ((grad - g0) * theta).sum(-1) / 2 + c  # (...,) = theta.H.theta / 2 - g0.theta + c
        return loss, grad

    return loss_and_grad


def surface(loss_fn: LossFn, xs, ys) -> np.ndarray:
    """The loss on a grid: row i, column j holds loss(xs[j], ys[i]) (Plotly's z layout)."""
    X, Y = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))  # (ny, nx) each
    with np.errstate(over="ignore", invalid="ignore"):
        return loss_fn(np.stack([X, Y], axis=-1))[0]  # (ny, nx)


# The part of the raw (k, b) plane the figures show: model v1.0's start, the valley floor it drops
# onto, the least-squares minimum, and room for a diverging zig-zag to grow for a few steps.
RAVINE_WINDOW = ((-20.0, -6.0), (900.0, 1010.0))
BOWL_HALF_WIDTH = 110.0  # standardized: a square this far either side of the minimum (the bowl is round)


def tea_window(standardized: bool, points: int) -> tuple[np.ndarray, np.ndarray]:
    """The k and b values (`points` each) of the milk-tea map, in the surface's own units."""
    if standardized:
        k_best, b_best = fit.least_squares(*tea_data(True))
        half = BOWL_HALF_WIDTH
        return np.linspace(k_best - half, k_best + half, points), np.linspace(b_best - half, b_best + half, points)
    (k_lo, k_hi), (b_lo, b_hi) = RAVINE_WINDOW
    return np.linspace(k_lo, k_hi, points), np.linspace(b_lo, b_hi, points)


def thin_grid(xs, ys, z, drawn: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`drawn` evenly spread grid lines, the first and last kept, z in float32: what a browser draws."""
    i = np.linspace(0, len(xs) - 1, drawn).round().astype(int)
    j = np.linspace(0, len(ys) - 1, drawn).round().astype(int)
    return np.asarray(xs)[i], np.asarray(ys)[j], np.asarray(z)[np.ix_(j, i)].astype(np.float32)


def best_error() -> float:
    """The least-squares line's dataset error: the lowest any (k, b) reaches (the same line standardized)."""
    x, y = tea_data()
    return fit.dataset_error(x, y, *fit.least_squares(x, y))


def sgd_stall(epochs: int = 20) -> float:
    """Lesson 1's per-sample SGD from model v1.0 at its learning rate: the dataset error after `epochs`."""
    return fit.train(*tea_data(), epochs=epochs).errors[-1]


def curvatures(x) -> np.ndarray:
    """Eigenvalues of E's Hessian [[mean x^2, mean x], [mean x, 1]]: the bowl's steepest and flattest bends."""
    x = np.asarray(x, dtype=float)
    return np.linalg.eigvalsh(np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]]))  # ascending


def gd_behaviour(lr: float, eigenvalues) -> tuple[str, float]:
    """What plain gradient descent does on a quadratic bowl: each direction's distance to the
    minimum is multiplied by (1 - lr * eigenvalue) every step."""
    factors = np.abs(1 - lr * np.asarray(eigenvalues))
    rate = float(factors.max())
    if math.isclose(rate, 1.0, rel_tol=1e-9) and lr * max(eigenvalues) > 1:
        return "bounces", rate  # lands exactly as far away, on the other side, for ever
    if rate > 1:
        return "diverges", rate
    if lr * max(eigenvalues) > 1:
        return "oscillates", rate
    return "converges", rate


@dataclass(frozen=True)
class Verdict:
    """What a plain gradient-descent run did, in the page's words: `regime` from the curvatures
    (gd_behaviour), `reached_at` the first step within NEAR_MIN of the lowest error (None: not in the
    steps run), `diverged_at` the step at which the error blew up (None: it did not)."""

    regime: str  # "smooth", "zigzag", "bounces" or "diverges"
    rate: float  # the largest factor by which one step multiplies the distance to the minimum
    reached_at: int | None
    diverged_at: int | None

    def steps_to_shrink(self, by: float = 100.0) -> int:
        """Steps for the slowest direction's distance to shrink `by` times; 0 where it never shrinks."""
        return math.ceil(math.log(1 / by) / math.log(self.rate)) if 0 < self.rate < 1 else 0


def judge(path, lr: float, eigenvalues, lowest: float) -> Verdict:
    """The verdict on a gradient-descent path `path` run at rate `lr` on a bowl with these curvatures."""
    behaviour, rate = gd_behaviour(lr, eigenvalues)
    regime = {"converges": "smooth", "oscillates": "zigzag"}.get(behaviour, behaviour)
    if path.diverged_at is not None:
        regime = "diverges"
    return Verdict(regime, rate, path.steps_to(lowest * (1 + NEAR_MIN)), path.diverged_at)


# --- Optimizers: each keeps its own state; step(theta, grad) returns the new theta --------------------
class GD:
    """Gradient descent: theta <- theta - lr * grad."""

    def __init__(self, lr: float):
        self.lr = lr

    def step(self, theta, grad):
        return theta - self.lr * grad


class Momentum:
    """Heavy ball, as torch.optim.SGD(momentum=beta): v <- beta*v + grad; theta <- theta - lr*v."""

    def __init__(self, lr: float, beta: float = 0.9):
        self.lr, self.beta, self.v = lr, beta, None

    def step(self, theta, grad):
        self.v = grad if self.v is None else self.beta * self.v + grad
        return theta - self.lr * self.v


class Adam:
    """Adam (Kingma & Ba 2015): a step of about lr in every coordinate, whatever the gradient's scale."""

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = 0.0, 0.0, 0

    def step(self, theta, grad):
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad  # running mean of the gradient
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad * grad  # ... and of its square
        m_hat = self.m / (1 - self.beta1**self.t)  # undo the bias towards the zero start
        v_hat = self.v / (1 - self.beta2**self.t)
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class ArticleSGD:
    """Lesson 1's per-sample SGD (core.fitting.sgd_step): each step looks at one tea, in table order."""

    def __init__(self, lr: float, x, y):
        self.lr, self.x, self.y, self.t = lr, np.asarray(x, float), np.asarray(y, float), 0

    def step(self, theta, grad):  # grad (the whole dataset's) is unused: this optimizer sees one tea
        i = self.t % len(self.x)
        self.t += 1
        s = fit.sgd_step(i, float(self.x[i]), float(self.y[i]), float(theta[0]), float(theta[1]), self.lr)
        return np.array([s.k, s.b])


OPTIMIZERS = ("sgd", "gd", "momentum", "adam")


def make_optimizer(name: str, lr: float, x=None, y=None):
    if name == "sgd":
        return ArticleSGD(lr, x, y)
    return {"gd": GD, "momentum": Momentum, "adam": Adam}[name](lr)


@dataclass
class Descent:
    """Where an optimizer went: the parameters, loss and (full-data) gradient at every step."""

    thetas: np.ndarray  # (T+1, 2); row 0 is the start
    losses: np.ndarray  # (T+1,)
    grads: np.ndarray  # (T+1, 2)
    diverged_at: int | None = None  # the step at which the loss blew up, if it did

    def steps_to(self, target: float) -> int | None:
        """The first step whose loss is at or below `target`, or None if none got there."""
        hits = np.flatnonzero(self.losses <= target)
        return int(hits[0]) if hits.size else None


def descend(loss_fn: LossFn, optimizer, theta0, steps: int) -> Descent:
    """Run `steps` updates from theta0. Stops (marking diverged_at) once the loss is no longer a
    finite number or exceeds 1000 times the start's: the figures then stay readable."""
    theta = np.asarray(theta0, dtype=float)
    loss, grad = loss_fn(theta)
    limit = max(fit.DIVERGENCE_FACTOR * float(loss), 1e6)
    thetas, losses, grads, diverged_at = [theta], [float(loss)], [grad], None
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            theta = optimizer.step(theta, grad)
            loss, grad = loss_fn(theta)
            loss = float(loss)
            if not loss <= limit:  # also catches inf and nan
                diverged_at = t
                break
            thetas.append(theta)
            losses.append(loss)
            grads.append(grad)
    return Descent(np.array(thetas), np.array(losses), np.array(grads), diverged_at)


def tea_path(name: str, lr: float, start: tuple[float, float], steps: int, standardized: bool) -> Descent:
    """One optimizer on the milk-tea loss; start is (k, b) in price units, the path in the surface's units."""
    x, y = tea_data(standardized)
    if standardized:
        _, mean, std = standardize(fit.TEA_PRICES)
        start = to_standard_units(*start, mean, std)
    return descend(line_loss(x, y), make_optimizer(name, lr, x, y), start, steps)


# --- One tanh neuron on the teas: a surface with two minima and a saddle -------------------------------
NEURON_BIAS = 0.5  # c, frozen. With c = 0, (w, v) and (-w, -v) are the same network: every valley has a twin


def neuron_data() -> tuple[np.ndarray, np.ndarray]:
    """The teas with price and sales both standardized, so the neuron's weights are of order 1."""
    return standardize(fit.TEA_PRICES)[0], standardize(fit.TEA_SALES)[0]


def neuron_loss(x, y, c: float = NEURON_BIAS) -> LossFn:
    """E(w, v) = mean((v*tanh(w*x + c) - y)^2) / 2 for the network y_hat = v*tanh(w*x + c)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def loss_and_grad(theta: np.ndarray):
        w, v = theta[..., 0:1], theta[..., 1:2]  # (..., 1)
        h = np.tanh(w * x + c)  # (..., n) hidden activation
        residual = v * h - y  # (..., n)
        loss = (residual**2).mean(-1) / 2
        dw = (residual * v * (1 - h * h) * x).mean(-1)  # chain rule through tanh' = 1 - tanh^2
        dv = (residual * h).mean(-1)
        return loss, np.stack([dw, dv], axis=-1)

    return loss_and_grad


def critical_points(loss_fn: LossFn, starts, iterations: int = 60, h: float = 1e-5) -> list[tuple[np.ndarray, str]]:
    """Points where the gradient vanishes, found by Newton's method from each start, each labelled
    'minimum', 'maximum' or 'saddle' by the signs of its Hessian's eigenvalues."""
    found = []
    for theta in np.asarray(starts, dtype=float):
        for _ in range(iterations):
            grad = loss_fn(theta)[1]
            hessian = _hessian(loss_fn, theta, h)
            try:
                theta = theta - np.linalg.solve(hessian, grad)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(theta)) or np.abs(theta).max() > 1e3:
                break
        if np.all(np.isfinite(theta)) and np.linalg.norm(loss_fn(theta)[1]) < 1e-9:
            if not any(np.allclose(theta, point, atol=1e-6) for point, _ in found):
                eig = np.linalg.eigvalsh(_hessian(loss_fn, theta, h))
                kind = "minimum" if eig.min() > 0 else "maximum" if eig.max() < 0 else "saddle"
                found.append((theta, kind))
    return found


def _hessian(loss_fn: LossFn, theta, h: float) -> np.ndarray:
    """Central differences of the exact gradient: column j is d(grad)/d(theta_j)."""
    cols = [(loss_fn(theta + h * e)[1] - loss_fn(theta - h * e)[1]) / (2 * h) for e in np.eye(len(theta))]
    hessian = np.column_stack(cols)
    return (hessian + hessian.T) / 2


def basins(loss_fn: LossFn, minima, ws, vs, lr: float, steps: int) -> np.ndarray:
    """Run gradient descent from every grid point at once; label each start by the minimum it ends
    nearest to (-1: nowhere near one). Returns (len(vs), len(ws)) integer labels."""
    W, V = np.meshgrid(np.asarray(ws, float), np.asarray(vs, float))
    theta = np.stack([W, V], axis=-1)  # (nv, nw, 2): one descent per start
    for _ in range(steps):
        theta = theta - lr * loss_fn(theta)[1]
    distances = np.stack([np.linalg.norm(theta - m, axis=-1) for m in minima], axis=-1)  # (nv, nw, m)
    labels = distances.argmin(-1)
    labels[distances.min(-1) > 0.1] = -1
    return labels


NEURON_W, NEURON_V = (-3.0, 3.0), (-2.0, 2.0)  # the (w, v) window the page maps
BASIN_LR, BASIN_STEPS = 0.5, 400  # the basin map: plain gradient descent from every start


@dataclass(frozen=True)
class NeuronMap:
    """The tanh neuron's loss over (w, v), its critical points, and the basin of every start."""

    ws: np.ndarray  # (nw,)
    vs: np.ndarray  # (nv,)
    loss: np.ndarray  # (nv, nw)
    minima: list  # [(2,) ...], lowest loss first: the global minimum, then the local one
    saddles: list  # [(2,) ...]
    basin_ws: np.ndarray  # (bw,)
    basin_vs: np.ndarray  # (bv,)
    basins: np.ndarray  # (bv, bw): index into minima of where descent from there ends, -1 for neither


def neuron_map(grid: int = 200, basin_grid: tuple[int, int] = (61, 41)) -> NeuronMap:
    """Everything the neuron's two maps show, for the teas of neuron_data()."""
    loss_fn = neuron_loss(*neuron_data())
    ws, vs = np.linspace(*NEURON_W, grid), np.linspace(*NEURON_V, grid)
    starts = [(w, v) for w in np.linspace(-2.5, 2.5, 6) for v in np.linspace(-1.5, 1.5, 5)]
    points = sorted(critical_points(loss_fn, starts), key=lambda p: float(loss_fn(p[0])[0]))
    minima = [p for p, kind in points if kind == "minimum"]
    saddles = [p for p, kind in points if kind == "saddle"]
    bw, bv = np.linspace(*NEURON_W, basin_grid[0]), np.linspace(*NEURON_V, basin_grid[1])
    labels = basins(loss_fn, minima, bw, bv, BASIN_LR, BASIN_STEPS)
    return NeuronMap(ws, vs, surface(loss_fn, ws, vs), minima, saddles, bw, bv, labels)


def ended_in(theta, minima, tolerance: float = 0.05) -> int | None:
    """Index of the minimum within `tolerance` of theta (the nearest), or None if none is."""
    distances = [float(np.linalg.norm(np.asarray(theta) - m)) for m in minima]
    nearest = int(np.argmin(distances))
    return nearest if distances[nearest] <= tolerance else None


# --- A real network's landscape: an MLP on the 8x8 digits, Li et al. 2018 -------------------------------
# 64 pixels -> 32 ReLU units -> 10 digits: 2,410 parameters, trained by the course's one MLP trainer
# (lesson 4's). Few full-batch Adam steps, because every step pays the CPU threads' start-up.
DIGITS_MLP = mlp.MLPConfig(width=32, depth=1, lr=3e-2, epochs=100)
CHUNK = 64  # networks evaluated at once by landscape()


@dataclass(frozen=True)
class LandscapeConfig:
    net: mlp.MLPConfig = DIGITS_MLP
    grid: int = 25  # landscape resolution: grid x grid networks evaluated
    span: float = 1.0  # alpha and beta run over [-span, span]


@dataclass(frozen=True)
class Landscape:
    """What the page plots: the loss around the trained network, and how training went."""

    axis: np.ndarray  # (grid,) alpha (and beta) values
    loss: np.ndarray  # (grid, grid) row i is beta = axis[i], column j is alpha = axis[j]
    history: np.ndarray  # (epochs,) training loss after each step
    accuracy: float  # share of the training digits the trained network gets right


def digits_data() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1,797 images, no download): pixels in [0, 1], labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)  # (N, 64), (N,)


def params_of(model: mlp.MLP) -> dict:
    """A trained network's weights as {"W1": (out, in), "b1": (out,), "W2": ...}, layer by layer."""
    params = {}
    for i, linear in enumerate(model.linears(), start=1):
        params[f"W{i}"], params[f"b{i}"] = linear.weight.detach(), linear.bias.detach()
    return params


def mlp_forward(params: dict, X: torch.Tensor) -> torch.Tensor:
    """logits = W2 relu(W1 x + b1) + b2 (one ReLU layer per W). Weights may carry leading grid
    dimensions (G, ...): then G networks run at once."""
    layers = len(params) // 2
    h = X  # (N, inputs)
    for i in range(1, layers + 1):
        h = h @ params[f"W{i}"].transpose(-1, -2) + params[f"b{i}"].unsqueeze(-2)  # (G, N, out)
        if i < layers:
            h = torch.relu(h)
    return h  # (G, N, 10)


def filter_normalized_direction(params: dict, generator: torch.Generator) -> dict:
    """A random Gaussian direction, each neuron's row rescaled to the norm of that neuron's weights;
    zero on the biases (Li et al. 2018, section 4)."""
    direction = {}
    for name, p in params.items():
        if p.dim() == 1:
            direction[name] = torch.zeros_like(p)
            continue
        d = torch.randn(p.shape, generator=generator).to(p.device)  # (out, in)
        direction[name] = d * p.norm(dim=1, keepdim=True) / d.norm(dim=1, keepdim=True)
    return direction


@torch.no_grad()
def landscape(
    params: dict, d1: dict, d2: dict, alphas, betas, X, Y, chunk: int = CHUNK, on_progress: OnProgress = None
) -> np.ndarray:
    """Loss of params + alpha*d1 + beta*d2 for every (alpha, beta); (len(betas), len(alphas)) array.
    `on_progress` hears after each chunk of networks."""
    device = X.device
    A, B = torch.meshgrid(torch.as_tensor(betas), torch.as_tensor(alphas), indexing="ij")
    a, b = B.flatten().float().to(device), A.flatten().float().to(device)  # (G,) alpha and beta per point
    chunks = math.ceil(len(a) / chunk)
    losses = []
    for i in range(0, len(a), chunk):
        ai, bi = a[i : i + chunk], b[i : i + chunk]  # (g,)
        shifted = {
            name: p + ai.view(-1, *[1] * p.dim()) * d1[name] + bi.view(-1, *[1] * p.dim()) * d2[name]
            for name, p in params.items()
        }  # each (g, *p.shape)
        logits = mlp_forward(shifted, X)  # (g, N, 10)
        per_net = F.cross_entropy(logits.transpose(1, 2), Y.expand(len(ai), -1), reduction="none").mean(1)  # (g,)
        losses.append(per_net)
        report(on_progress, i // chunk + 1, chunks)
    return torch.cat(losses).view(len(betas), len(alphas)).cpu().numpy()


def mlp_landscape(config: LandscapeConfig, device, on_progress: OnProgress = None) -> Landscape:
    """Train, then slice the loss along two filter-normalized directions; everything the page plots."""
    X, y = digits_data()
    net = config.net
    total = net.epochs + math.ceil(config.grid**2 / CHUNK)  # training steps, then chunks of the grid
    # The landscape is the training loss's: no digits are held out, so "validation" is the training set.
    run = mlp.train_mlp(X, y, X, y, 10, net, device, on_progress=scaled(on_progress, 0, total))
    params = params_of(run.model)
    g = torch.Generator().manual_seed(net.seed + 1)
    d1, d2 = filter_normalized_direction(params, g), filter_normalized_direction(params, g)
    axis = np.linspace(-config.span, config.span, config.grid)
    x = mlp.inputs(run, X)  # (N, 64) standardized, as the network saw them in training
    labels = torch.tensor(y, device=x.device)  # (N,)
    z = landscape(params, d1, d2, axis, axis, x, labels, on_progress=scaled(on_progress, net.epochs, total))
    return Landscape(axis, z, np.array(run.train_loss_), run.train_acc_[-1])

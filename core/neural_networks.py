"""Lesson 3: neural networks — forward pass, activations, softmax, backpropagation, starting weights.

A small fully connected network is a list of layers z = W a + b, each followed by an activation
(all but the last). The forward and backward passes are written out in NumPy so the chain rule
can be read line by line (tests check them against torch.autograd); the 1D fitting demo trains
an MLP with torch on the course's device.
"""

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from core.device import get_device
from core.progress import OnProgress, report

ACTIVATIONS = ("none", "relu", "sigmoid", "tanh", "gelu")


# --- Activations: each one with its derivative, side by side (micrograd style) -----------------
def activate(z, name: str) -> np.ndarray:
    """g(z), elementwise."""
    z = np.asarray(z, dtype=float)
    if name == "none":
        return z.copy()
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(z / 2))  # = 1 / (1 + e^-z), without overflow for large |z|
    if name == "tanh":
        return np.tanh(z)
    if name == "gelu":
        return z * _normal_cdf(z)  # exact GELU: z times the standard normal CDF
    raise ValueError(f"unknown activation {name!r}")


def activation_grad(z, name: str) -> np.ndarray:
    """g'(z), elementwise: the local derivative the backward pass multiplies by."""
    z = np.asarray(z, dtype=float)
    if name == "none":
        return np.ones_like(z)
    if name == "relu":
        return (z > 0).astype(float)  # 0 at z = 0, as torch does
    if name == "sigmoid":
        s = activate(z, "sigmoid")
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "gelu":
        return _normal_cdf(z) + z * np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi)
    raise ValueError(f"unknown activation {name!r}")


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.vectorize(math.erf, otypes=[float])(z / math.sqrt(2)))


def softmax(scores) -> np.ndarray:
    """exp(s_i) / sum_j exp(s_j) along the last axis; shifting by the max avoids overflow."""
    s = np.asarray(scores, dtype=float)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(scores, label: int) -> tuple[float, np.ndarray]:
    """Loss -log p[label] of one example's scores, and its derivative dL/dscores = p - onehot."""
    p = softmax(scores)  # (k,)
    loss = -math.log(max(float(p[label]), 1e-300))
    dscores = p.copy()
    dscores[label] -= 1
    return loss, dscores


# --- A fully connected network: layers z = W a + b ------------------------------------------------
@dataclass(frozen=True)
class Layer:
    W: np.ndarray  # (n_out, n_in): row j holds the weights into neuron j
    b: np.ndarray  # (n_out,)


@dataclass(frozen=True)
class Forward:
    """Everything the backward pass needs: the input and each layer's z and a = g(z)."""

    x: np.ndarray  # (n, d_in)
    zs: list[np.ndarray]  # per layer, (n, n_out): before the activation
    activations: list[np.ndarray]  # per layer, (n, n_out): after it (the last layer has none)

    @property
    def out(self) -> np.ndarray:
        return self.activations[-1]


def forward(layers: list[Layer], x, activation: str) -> Forward:
    """Run a batch of inputs (n, d_in) through the layers; the last layer stays linear."""
    a = np.atleast_2d(np.asarray(x, dtype=float))  # (n, d_in)
    x = a
    zs, acts = [], []
    for i, layer in enumerate(layers):
        z = a @ layer.W.T + layer.b  # (n, n_out)
        a = z if i == len(layers) - 1 else activate(z, activation)
        zs.append(z)
        acts.append(a)
    return Forward(x, zs, acts)


def backward(layers: list[Layer], fwd: Forward, dout, activation: str) -> tuple[list[Layer], list[np.ndarray]]:
    """Chain rule from the output back: given dL/d(out), return dL/dW, dL/db per layer and each
    layer's delta dL/dz. Each layer's delta is reused to get the one before it."""
    delta = np.atleast_2d(np.asarray(dout, dtype=float))  # (n, n_out): dL/dz of the last layer
    grads, deltas = [None] * len(layers), [None] * len(layers)
    for i in reversed(range(len(layers))):
        a_in = fwd.x if i == 0 else fwd.activations[i - 1]  # (n, n_in): what this layer read
        grads[i] = Layer(W=delta.T @ a_in, b=delta.sum(axis=0))  # dz/dW = a_in, dz/db = 1
        deltas[i] = delta
        if i > 0:
            da = delta @ layers[i].W  # (n, n_in): dL/da of the layer below
            delta = da * activation_grad(fwd.zs[i - 1], activation)  # times g'(z): dL/dz
    return grads, deltas


def collapse(layers: list[Layer]) -> Layer:
    """Without activations, W_L(...(W_1 x + b_1)...) + b_L is one linear map W x + b."""
    W, b = layers[0].W, layers[0].b
    for layer in layers[1:]:
        W, b = layer.W @ W, layer.W @ b + layer.b  # (n_out, d_in), (n_out,)
    return Layer(W, b)


@dataclass(frozen=True)
class CollapseCheck:
    single: Layer  # the one linear map the layers would be without activations
    network: np.ndarray  # (k,) the network's scores with the chosen activation
    linear: np.ndarray  # (k,) the single map's scores, W x + b
    gap: float  # largest |network - linear|


def collapse_check(layers: list[Layer], x, activation: str) -> CollapseCheck:
    """The network's scores for x beside those of its collapsed linear map."""
    single = collapse(layers)
    network = forward(layers, x, activation).out[0]
    linear = single.W @ np.asarray(x, dtype=float) + single.b  # (k,)
    return CollapseCheck(single, network, linear, float(np.max(np.abs(network - linear))))


# --- The leaf-or-flower network -----------------------------------------------------------------
# Inputs: a dominant colour (R, G, B, 0-255) and a volume in ml. Hidden: 3 neurons. Outputs: 2
# scores (output 1 read as "leaf", output 2 as "flower"; the larger wins).
LEAF_INPUT = (32.0, 107.0, 56.0, 11.2)
LEAF_W1 = ((0.10, -0.29, -0.07, 0.46), (0.12, -0.05, 0.08, 0.15), (-0.36, -0.21, 0.62, 0.30))
LEAF_B1 = (0.25, 0.10, -0.20)
# Output 1's weights and both biases are ours: chosen so that the example reads as a leaf (p = 0.85
# with ReLU) and, as red rises with the rest kept, the answer turns to "flower" (at R = 124).
LEAF_W2 = ((-0.20, 0.25, 0.15), (-0.17, 0.39, 0.10))
LEAF_B2 = (1.10, -1.10)
# Which of those numbers the article gives (True); the rest we chose. The article gives hidden
# neuron 1 in full, the R and G weights of hidden neurons 2 and 3, and output 2's weights.
ARTICLE_W1 = ((True, True, True, True), (True, True, False, False), (True, True, False, False))
ARTICLE_B1 = (True, False, False)
ARTICLE_W2 = ((False, False, False), (True, True, True))
ARTICLE_B2 = (False, False)
BIAS = -1  # in an edit's (layer, neuron, input) key: the neuron's bias rather than a weight


def leaf_layers(W1=LEAF_W1, b1=LEAF_B1, W2=LEAF_W2, b2=LEAF_B2) -> list[Layer]:
    return [
        Layer(np.array(W1, dtype=float), np.array(b1, dtype=float)),
        Layer(np.array(W2, float), np.array(b2, float)),
    ]


def article_mask() -> list[Layer]:
    """Same shapes as leaf_layers(): True where the number is the article's."""
    return [Layer(np.array(ARTICLE_W1), np.array(ARTICLE_B1)), Layer(np.array(ARTICLE_W2), np.array(ARTICLE_B2))]


def with_edits(layers: list[Layer], edits: Mapping[tuple[int, int, int], float]) -> list[Layer]:
    """New layers with some numbers replaced: key (layer, neuron, input), input BIAS for the bias."""
    out = [Layer(layer.W.copy(), layer.b.copy()) for layer in layers]
    for (n, j, i), value in edits.items():
        if i == BIAS:
            out[n].b[j] = value
        else:
            out[n].W[j, i] = value
    return out


@dataclass(frozen=True)
class NodeSum:
    """One neuron's arithmetic: the products w_i * a_i, their sum, plus the bias, then g."""

    inputs: np.ndarray  # (n_in,)
    weights: np.ndarray  # (n_in,)
    weighted_sum: float  # sum of w_i * a_i
    bias: float
    z: float  # weighted_sum + bias
    a: float  # g(z); equals z for an output neuron


def node_sum(layers: list[Layer], x, activation: str, layer: int, node: int) -> NodeSum:
    """Spell out neuron `node` of layer `layer` (0 = hidden, 1 = output) for one input x."""
    fwd = forward(layers, x, activation)
    inputs = fwd.x[0] if layer == 0 else fwd.activations[layer - 1][0]
    W, b = layers[layer].W[node], float(layers[layer].b[node])
    weighted = float(inputs @ W)
    return NodeSum(inputs, W, weighted, b, weighted + b, float(fwd.activations[layer][0, node]))


@dataclass(frozen=True)
class Sweep:
    """The network for every value of one input, the other inputs kept: what the hero scrubs."""

    values: np.ndarray  # (m,) the swept input's values
    fwd: Forward  # one row per value
    probs: np.ndarray  # (m, k) softmax of the scores

    @property
    def winners(self) -> np.ndarray:
        return self.probs.argmax(axis=1)  # (m,) the output with the larger score (first on a tie)

    def winner_changes(self) -> list[tuple[float, int]]:
        """(value, new winner) wherever the answer changes as the input grows."""
        return _changes(self.values, self.winners)

    def hidden_changes(self, k: int) -> list[tuple[float, bool]]:
        """(value, now on) wherever hidden neuron k switches between zero (off) and not."""
        return _changes(self.values, self.fwd.activations[0][:, k] != 0)


def _changes(values: np.ndarray, states: np.ndarray) -> list:
    at = np.nonzero(states[1:] != states[:-1])[0] + 1
    return [(float(values[i]), states[i].item()) for i in at]


def input_sweep(layers: list[Layer], x, index: int, values, activation: str) -> Sweep:
    """Run x with input `index` set to each of `values` (the rest as in x)."""
    values = np.asarray(values, dtype=float)
    X = np.tile(np.asarray(x, dtype=float), (len(values), 1))  # (m, d_in)
    X[:, index] = values
    fwd = forward(layers, X, activation)
    return Sweep(values, fwd, softmax(fwd.out))


def default_story(activation: str = "relu") -> tuple[float, float]:
    """With the default weights: the example's probability of "leaf", and the first red value (0-255)
    at which the answer turns to the other output (nan if it never does)."""
    sweep = input_sweep(leaf_layers(), LEAF_INPUT, 0, range(256), activation)
    changes = sweep.winner_changes()
    return float(sweep.probs[int(LEAF_INPUT[0]), 0]), changes[0][0] if changes else math.nan


# --- One step of learning ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BackpropStep:
    """One gradient step on one labelled example, with everything shown on the page."""

    scores: np.ndarray  # (k,)
    probs: np.ndarray  # (k,)
    loss: float
    grads: list[Layer]  # dL/dW, dL/db per layer
    deltas: list[np.ndarray]  # dL/dz per layer, (hidden,) and (k,)
    new_layers: list[Layer]
    new_loss: float

    def silent_neurons(self) -> list[int]:
        """Hidden neurons whose incoming weights and bias this step leaves unchanged (gradient 0)."""
        g = self.grads[0]
        return [j for j in range(len(g.b)) if not g.W[j].any() and g.b[j] == 0]


def backprop_step(layers: list[Layer], x, label: int, activation: str, lr: float) -> BackpropStep:
    """Forward, cross-entropy loss, backward by the chain rule, and w <- w - lr * dL/dw."""
    fwd = forward(layers, x, activation)
    scores = fwd.out[0]  # (k,)
    loss, dscores = cross_entropy(scores, label)
    grads, deltas = backward(layers, fwd, dscores, activation)
    new_layers = [Layer(L.W - lr * g.W, L.b - lr * g.b) for L, g in zip(layers, grads)]
    new_loss, _ = cross_entropy(forward(new_layers, x, activation).out[0], label)
    return BackpropStep(scores, softmax(scores), loss, grads, [d[0] for d in deltas], new_layers, new_loss)


TORCH_FUNCTIONS = {
    "none": lambda z: z,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "gelu": torch.nn.functional.gelu,
}


def torch_gradients(layers: list[Layer], x, label: int, activation: str) -> list[Layer]:
    """The same gradients by torch.autograd (float64), shown on the page beside ours."""
    params = [
        (
            torch.tensor(L.W, dtype=torch.float64, requires_grad=True),
            torch.tensor(L.b, dtype=torch.float64, requires_grad=True),
        )
        for L in layers
    ]
    a = torch.tensor(np.asarray(x, dtype=float), dtype=torch.float64)  # (d_in,)
    for i, (W, b) in enumerate(params):
        a = W @ a + b
        if i < len(params) - 1:
            a = TORCH_FUNCTIONS[activation](a)
    loss = torch.nn.functional.cross_entropy(a[None], torch.tensor([label]))
    loss.backward()
    return [Layer(W.grad.numpy(), b.grad.numpy()) for W, b in params]


@dataclass(frozen=True)
class GradientRow:
    layer: int
    neuron: int
    source: int  # the input it reads, or BIAS
    value: float
    grad: float  # ours, by the chain rule
    autograd: float  # torch's
    new_value: float


def gradient_table(layers: list[Layer], step: BackpropStep, reference: list[Layer]) -> tuple[list[GradientRow], float]:
    """Every parameter with our gradient, torch's and its value after the step; and the largest
    difference between the two gradients."""
    rows = []
    for n, (params, grads, ref, new) in enumerate(zip(layers, step.grads, reference, step.new_layers)):
        for j in range(params.W.shape[0]):
            for i in [*range(params.W.shape[1]), BIAS]:
                rows.append(GradientRow(n, j, i, *(_entry(L, j, i) for L in (params, grads, ref, new))))
    return rows, max(abs(r.grad - r.autograd) for r in rows)


def _entry(layer: Layer, j: int, i: int) -> float:
    return float(layer.b[j] if i == BIAS else layer.W[j, i])


# --- Starting weights: why they are random ------------------------------------------------------------
SYMMETRY_WIDTH = 3  # hidden neurons of the 1 -> 3 -> 1 demonstration network
EQUAL_START = 0.5  # every weight of the "all equal" start


@dataclass(frozen=True)
class SymmetryRun:
    """A 1 -> 3 -> 1 tanh network trained by gradient descent on the |x| curve."""

    start: str  # "equal" or "random"
    layers: list[Layer]  # after training
    weights: np.ndarray  # (steps + 1, 3): each hidden neuron's input weight, step 0 the start
    loss: float  # half the mean squared error after training
    x: np.ndarray  # (n,) the data
    y: np.ndarray  # (n,)

    @property
    def spread(self) -> float:
        """The largest difference between two hidden neurons' parameters after training."""
        hidden = np.column_stack([self.layers[0].W, self.layers[0].b, self.layers[1].W.T])  # (3, 3)
        return float(np.ptp(hidden, axis=0).max())


def symmetry_start(start: str, seed: int = 0) -> list[Layer]:
    """All weights and biases EQUAL_START ("equal"), or drawn at random from a seeded generator."""
    if start == "equal":
        return [
            Layer(np.full((SYMMETRY_WIDTH, 1), EQUAL_START), np.full(SYMMETRY_WIDTH, EQUAL_START)),
            Layer(np.full((1, SYMMETRY_WIDTH), EQUAL_START), np.full(1, EQUAL_START)),
        ]
    rng = np.random.default_rng(seed)
    return [
        Layer(rng.normal(0, 1, (SYMMETRY_WIDTH, 1)), rng.normal(0, 1, SYMMETRY_WIDTH)),
        Layer(rng.normal(0, 1 / math.sqrt(SYMMETRY_WIDTH), (1, SYMMETRY_WIDTH)), np.zeros(1)),
    ]


def symmetry_run(start: str, steps: int = 1000, lr: float = 0.2, seed: int = 0) -> SymmetryRun:
    """Full-batch gradient descent on half the mean squared error, our forward and backward passes."""
    x, y = make_target("abs")
    X, Y = x[:, None], y[:, None]  # (n, 1)
    layers = symmetry_start(start, seed)
    weights = [layers[0].W[:, 0].copy()]
    for _ in range(steps):
        fwd = forward(layers, X, "tanh")
        grads, _ = backward(layers, fwd, (fwd.out - Y) / len(X), "tanh")
        layers = [Layer(L.W - lr * g.W, L.b - lr * g.b) for L, g in zip(layers, grads)]
        weights.append(layers[0].W[:, 0].copy())
    loss = float(((forward(layers, X, "tanh").out - Y) ** 2).mean() / 2)
    return SymmetryRun(start, layers, np.array(weights), loss, x, y)


# --- Vanishing and exploding gradients in a deep stack ------------------------------------------
def gradient_norms(
    depth: int, activation: str, init_scale: float, width: int = 32, n: int = 64, seed: int = 0
) -> np.ndarray:
    """Frobenius norm of dL/dW for each layer (1 = nearest the input) of a random deep stack.

    depth - 1 hidden layers of `width` neurons and a linear output neuron; weights drawn from
    N(0, init_scale^2 / fan_in), biases 0; loss: half the mean squared error to random targets.
    """
    rng = np.random.default_rng(seed)
    sizes = [width] * depth + [1]
    layers = [
        Layer(rng.normal(0, init_scale / math.sqrt(fan_in), (fan_out, fan_in)), np.zeros(fan_out))
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:])
    ]
    x = rng.normal(size=(n, width))  # (n, width)
    y = rng.normal(size=(n, 1))  # (n, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        fwd = forward(layers, x, activation)
        dout = (fwd.out - y) / n  # d/d(out) of mean((out - y)^2) / 2
        grads, _ = backward(layers, fwd, dout, activation)
    return np.array([np.linalg.norm(g.W) for g in grads])


def first_to_last(norms: np.ndarray) -> float:
    """Layer 1's gradient size over the last hidden layer's (the output layer is left out)."""
    return float(norms[0] / norms[-2]) if len(norms) > 2 and norms[-2] > 0 else 1.0


# --- Fitting a 1D function with an MLP (torch) ---------------------------------------------------
TARGETS = ("step", "sine", "abs", "noisy")
X_RANGE = (-3.0, 3.0)
TORCH_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU}


def make_target(name: str, n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points x evenly spread over X_RANGE and the function's values y (noise seeded)."""
    x = np.linspace(*X_RANGE, n)
    if name == "sine":
        y = np.sin(2 * x)
    elif name == "abs":
        y = np.abs(x) - 1.5
    elif name == "step":
        y = np.where(x < 0, -1.0, 1.0)
    elif name == "noisy":
        y = np.sin(2 * x) + np.random.default_rng(seed).normal(0, 0.3, n)
    else:
        raise ValueError(f"unknown target {name!r}")
    return x, y


def parameter_split(depth: int, width: int) -> tuple[int, int]:
    """(weights, biases) of 1 -> width (x depth hidden layers) -> 1."""
    weights = width + (depth - 1) * width * width + width
    biases = depth * width + 1
    return weights, biases


def n_parameters(depth: int, width: int) -> int:
    """Weights and biases together, as torch counts a model's parameters."""
    return sum(parameter_split(depth, width))


@dataclass(frozen=True)
class FitConfig:
    depth: int = 3  # hidden layers
    width: int = 16  # neurons per hidden layer
    activation: str = "tanh"
    steps: int = 500  # full-batch Adam steps
    lr: float = 0.01
    seed: int = 0
    snapshot_every: int = 20  # steps between the drawn states of the curve (0: only the end)


@dataclass
class FitResult:
    config: FitConfig
    x_grid: np.ndarray  # (m,) where the trained network is drawn
    y_grid: np.ndarray  # (m,)
    loss_history_: list[float] = field(default_factory=list)  # the loss each step descends from
    snapshot_steps_: list[int] = field(default_factory=list)  # 0 (untrained), then every snapshot_every
    snapshots_: list[np.ndarray] = field(default_factory=list)  # the curve on x_grid after those steps
    snapshot_losses_: list[float] = field(default_factory=list)  # and its loss on the data
    n_params: int = 0
    seconds: float = 0.0
    device: str = "cpu"
    diverged: bool = False


def build_mlp(config: FitConfig, generator: torch.Generator) -> nn.Sequential:
    """1 -> width -> ... -> 1, initialised from `generator` (uniform +-1/sqrt(fan_in), as nn.Linear)."""
    sizes = [1] + [config.width] * config.depth + [1]
    modules = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out)
        bound = 1 / math.sqrt(fan_in)
        with torch.no_grad():
            linear.weight.uniform_(-bound, bound, generator=generator)
            linear.bias.uniform_(-bound, bound, generator=generator)
        modules.append(linear)
        if i < config.depth:
            modules.append(TORCH_ACTIVATIONS[config.activation]())
    return nn.Sequential(*modules)


def fit_mlp(
    x,
    y,
    config: FitConfig,
    device: torch.device | None = None,
    on_progress: OnProgress = None,
) -> FitResult:
    """Train an MLP on (x, y) by full-batch Adam on the mean squared error; seeded, repeatable.

    Keeps the curve every `config.snapshot_every` steps (so a page can replay the run) and tells
    on_progress a Progress (step, total, loss) about 20 times, so a caller can draw a progress bar.
    """
    device = device or get_device()
    generator = torch.Generator().manual_seed(config.seed)
    model = build_mlp(config, generator).to(device)
    X = torch.tensor(np.asarray(x), dtype=torch.float32, device=device).reshape(-1, 1)  # (n, 1)
    Y = torch.tensor(np.asarray(y), dtype=torch.float32, device=device).reshape(-1, 1)  # (n, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    result = FitResult(config, np.linspace(*X_RANGE, 121), np.zeros(121), device=device.type)
    result.n_params = sum(p.numel() for p in model.parameters())
    grid = torch.tensor(result.x_grid, dtype=torch.float32, device=device).reshape(-1, 1)  # (m, 1)
    curves, kept_losses = [_curve(model, grid)], [_loss(model, X, Y)]  # device tensors, read back at the end
    every = max(1, config.steps // 20)
    losses = []  # one 0-d tensor per step, read back at the end (no device sync every step)
    start = time.perf_counter()
    for step in range(1, config.steps + 1):
        loss = ((model(X) - Y) ** 2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
        if config.snapshot_every and step % config.snapshot_every == 0:
            curves.append(_curve(model, grid))
            kept_losses.append(_loss(model, X, Y))
        if step % every == 0 or step == config.steps:
            value = loss.item()  # syncs with the device only every `every` steps
            if not math.isfinite(value):
                result.diverged = True
                break
            report(on_progress, step, config.steps, loss=value)
    result.loss_history_ = torch.stack(losses).cpu().tolist()
    result.y_grid = _curve(model, grid).cpu().numpy().astype(float)
    result.snapshots_ = [c.cpu().numpy().astype(float) for c in curves]
    result.snapshot_losses_ = torch.stack(kept_losses).cpu().tolist()
    result.snapshot_steps_ = [i * config.snapshot_every for i in range(len(curves))]
    result.seconds = time.perf_counter() - start
    return result


@torch.no_grad()
def _curve(model: nn.Module, grid: torch.Tensor) -> torch.Tensor:
    return model(grid).reshape(-1)  # (m,)


@torch.no_grad()
def _loss(model: nn.Module, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    return ((model(X) - Y) ** 2).mean()

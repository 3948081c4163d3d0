"""Lesson 3's computations: the curriculum's figures, and every gradient against torch.autograd."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core import neural_networks as nnc

TORCH_ACT = {"none": lambda z: z, "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu}


def random_layers(rng, sizes) -> list[nnc.Layer]:
    return [nnc.Layer(rng.normal(size=(o, i)), rng.normal(size=o)) for i, o in zip(sizes[:-1], sizes[1:])]


def torch_forward(layers, x, activation):
    """An independent forward pass: torch's F.linear and its own activation functions."""
    params = [(torch.tensor(L.W, requires_grad=True), torch.tensor(L.b, requires_grad=True)) for L in layers]  # float64
    a = torch.tensor(np.atleast_2d(x))
    for i, (W, b) in enumerate(params):
        a = F.linear(a, W, b)
        if i < len(params) - 1:
            a = TORCH_ACT[activation](a)
    return a, params


# --- The curriculum's leaf-or-flower figures ------------------------------------------------------
def test_first_hidden_neuron_is_the_articles():
    s = nnc.node_sum(nnc.leaf_layers(), nnc.LEAF_INPUT, "relu", layer=0, node=0)
    assert list(s.inputs) == [32, 107, 56, 11.2]
    assert list(s.weights) == [0.10, -0.29, -0.07, 0.46]
    assert round(s.weighted_sum, 2) == -26.6  # the article's -26.6 (exactly -26.598)
    assert s.weighted_sum == pytest.approx(-26.598)
    assert s.bias == 0.25
    assert round(s.z, 2) == -26.35
    assert s.a == 0.0  # ReLU switches it off


def test_the_articles_weights_are_where_the_mask_says():
    layers, mask = nnc.leaf_layers(), nnc.article_mask()
    W1, W2 = layers[0].W, layers[1].W
    assert list(W1[0]) == [0.10, -0.29, -0.07, 0.46] and layers[0].b[0] == 0.25
    assert (W1[1, 0], W1[2, 0]) == (0.12, -0.36)  # from R
    assert (W1[1, 1], W1[2, 1]) == (-0.05, -0.21)  # from G
    assert list(W2[1]) == [-0.17, 0.39, 0.1]  # into the second output
    assert mask[0].W.sum() == 8 and mask[0].b.sum() == 1
    assert mask[1].W.sum() == 3 and mask[1].b.sum() == 0
    assert mask[0].W[0].all() and mask[1].W[1].all() and not mask[1].W[0].any()


def test_default_example_reads_as_a_leaf_and_turns_into_a_flower_as_red_rises():
    """Our chosen weights (output 1's and the biases) make the article's example a leaf (p 0.85) and
    give the hero its story: with ReLU, hidden neuron 3 switches off at R = 43 and the answer turns to
    flower at R = 124, the rest of the example kept."""
    probs = nnc.softmax(nnc.forward(nnc.leaf_layers(), nnc.LEAF_INPUT, "relu").out[0])
    assert probs[0] > probs[1] and round(probs[0], 2) == 0.85
    sweep = nnc.input_sweep(nnc.leaf_layers(), nnc.LEAF_INPUT, 0, range(256), "relu")
    assert sweep.winner_changes() == [(124.0, 1)]
    assert [sweep.hidden_changes(k) for k in range(3)] == [[], [], [(43.0, False)]]
    assert nnc.default_story() == (pytest.approx(probs[0]), 124.0)


@pytest.mark.parametrize("activation", nnc.ACTIVATIONS)
def test_a_sweep_is_the_forward_pass_at_every_value(activation):
    layers, values = nnc.leaf_layers(), np.arange(0, 256, 5)
    sweep = nnc.input_sweep(layers, nnc.LEAF_INPUT, 1, values, activation)
    for m, v in enumerate(values):
        x = list(nnc.LEAF_INPUT)
        x[1] = v
        one = nnc.forward(layers, x, activation)
        np.testing.assert_allclose(sweep.fwd.zs[0][m], one.zs[0][0])
        np.testing.assert_allclose(sweep.fwd.out[m], one.out[0])
        np.testing.assert_allclose(sweep.probs[m], torch.softmax(torch.tensor(one.out[0]), 0).numpy(), rtol=1e-12)
    winners = sweep.probs.argmax(axis=1)  # the changes, found by brute force
    expected = [(float(values[i]), int(winners[i])) for i in range(1, len(values)) if winners[i] != winners[i - 1]]
    assert sweep.winner_changes() == expected


def test_edits_replace_exactly_the_numbers_given_and_leave_the_original_alone():
    layers = nnc.leaf_layers()
    edited = nnc.with_edits(layers, {(0, 0, 0): 0.2, (1, 1, nnc.BIAS): 5.0})
    assert edited[0].W[0, 0] == 0.2 and edited[1].b[1] == 5.0
    assert layers[0].W[0, 0] == 0.10 and layers[1].b[1] == nnc.LEAF_B2[1]
    changed = sum(int((a.W != b.W).sum() + (a.b != b.b).sum()) for a, b in zip(layers, edited))
    assert changed == 2


# --- Forward pass, activations, softmax ------------------------------------------------------------
@pytest.mark.parametrize("activation", nnc.ACTIVATIONS)
def test_forward_matches_torch(activation):
    rng = np.random.default_rng(1)
    layers = random_layers(rng, [4, 5, 3, 2])
    x = rng.normal(size=(7, 4))
    ours = nnc.forward(layers, x, activation).out
    reference, _ = torch_forward(layers, x, activation)
    np.testing.assert_allclose(ours, reference.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", nnc.ACTIVATIONS)
def test_activation_derivatives_match_autograd(activation):
    z = torch.linspace(-6, 6, 241, dtype=torch.float64, requires_grad=True)
    TORCH_ACT[activation](z).sum().backward()
    np.testing.assert_allclose(nnc.activate(z.detach().numpy(), activation), TORCH_ACT[activation](z).detach())
    np.testing.assert_allclose(nnc.activation_grad(z.detach().numpy(), activation), z.grad, rtol=1e-9, atol=1e-12)


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError):
        nnc.activate([1.0], "swish")


def test_softmax_sums_to_one_and_matches_torch():
    rng = np.random.default_rng(2)
    scores = rng.normal(0, 5, size=(50, 3))
    probs = nnc.softmax(scores)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-12)
    assert ((probs > 0) & (probs < 1)).all()
    np.testing.assert_allclose(probs, torch.softmax(torch.tensor(scores), dim=-1).numpy(), rtol=1e-12)


def test_softmax_survives_huge_scores_and_ignores_a_shift():
    probs = nnc.softmax([1000.0, 999.0])
    assert np.isfinite(probs).all() and probs.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(nnc.softmax([3.0, 1.0]), nnc.softmax([103.0, 101.0]))


# --- Collapse without activations -----------------------------------------------------------------
def test_no_activation_collapses_to_one_linear_map():
    rng = np.random.default_rng(3)
    for sizes in ([4, 3, 2], [4, 6, 5, 3, 2]):
        layers = random_layers(rng, sizes)
        x = rng.normal(size=(10, 4))
        single = nnc.collapse(layers)
        assert single.W.shape == (2, 4) and single.b.shape == (2,)
        np.testing.assert_allclose(x @ single.W.T + single.b, nnc.forward(layers, x, "none").out, rtol=1e-10)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "gelu"])
def test_with_an_activation_the_single_map_is_wrong(activation):
    layers = nnc.leaf_layers()
    single = nnc.collapse(layers)
    out = nnc.forward(layers, nnc.LEAF_INPUT, activation).out[0]
    assert np.max(np.abs(single.W @ np.array(nnc.LEAF_INPUT) + single.b - out)) > 0.1


# --- Backpropagation against torch.autograd --------------------------------------------------------
@pytest.mark.parametrize("activation", nnc.ACTIVATIONS)
@pytest.mark.parametrize("label", [0, 1])
def test_backprop_step_matches_autograd(activation, label):
    layers = nnc.leaf_layers()
    step = nnc.backprop_step(layers, nnc.LEAF_INPUT, label, activation, lr=1e-3)
    scores, params = torch_forward(layers, nnc.LEAF_INPUT, activation)
    loss = F.cross_entropy(scores, torch.tensor([label]))
    loss.backward()
    assert step.loss == pytest.approx(loss.item(), rel=1e-12)
    for ours, (W, b) in zip(step.grads, params):
        np.testing.assert_allclose(ours.W, W.grad.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(ours.b, b.grad.numpy(), rtol=1e-10, atol=1e-14)
    # the update is torch.optim.SGD's
    optimizer = torch.optim.SGD([p for pair in params for p in pair], lr=1e-3)
    optimizer.step()
    for new, (W, b) in zip(step.new_layers, params):
        np.testing.assert_allclose(new.W, W.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(new.b, b.detach().numpy(), rtol=1e-12)
    assert step.new_loss < step.loss  # a small step downhill lowers the loss


def test_backward_on_a_batch_and_deep_stack_matches_autograd():
    rng = np.random.default_rng(4)
    layers = random_layers(rng, [3, 8, 8, 8, 2])
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    fwd = nnc.forward(layers, x, "tanh")
    grads, _ = nnc.backward(layers, fwd, (fwd.out - y) / len(x), "tanh")
    out, params = torch_forward(layers, x, "tanh")
    (((out - torch.tensor(y)) ** 2).sum() / (2 * len(x))).backward()
    for ours, (W, b) in zip(grads, params):
        np.testing.assert_allclose(ours.W, W.grad.numpy(), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(ours.b, b.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_the_pages_live_autograd_check_agrees():
    layers = nnc.leaf_layers()
    step = nnc.backprop_step(layers, nnc.LEAF_INPUT, 1, "sigmoid", 0.01)
    reference = nnc.torch_gradients(layers, nnc.LEAF_INPUT, 1, "sigmoid")
    for ours, ref in zip(step.grads, reference):
        np.testing.assert_allclose(ours.W, ref.W, rtol=1e-10, atol=1e-14)
    rows, gap = nnc.gradient_table(layers, step, reference)
    assert len(rows) == 4 * 3 + 3 + 3 * 2 + 2  # every weight and bias of the 4-3-2 network
    assert gap == max(abs(r.grad - r.autograd) for r in rows) < 1e-12
    row = next(r for r in rows if (r.layer, r.neuron, r.source) == (0, 1, nnc.BIAS))
    assert (row.value, row.grad, row.new_value) == (layers[0].b[1], step.grads[0].b[1], step.new_layers[0].b[1])


def test_a_switched_off_neuron_learns_nothing():
    """With ReLU, hidden neuron 1 (z = -26.35) passes no gradient back: its weights stay put."""
    relu = nnc.backprop_step(nnc.leaf_layers(), nnc.LEAF_INPUT, 0, "relu", 0.1)
    assert relu.silent_neurons() == [0]
    np.testing.assert_array_equal(relu.new_layers[0].W[0], nnc.leaf_layers()[0].W[0])
    assert nnc.backprop_step(nnc.leaf_layers(), nnc.LEAF_INPUT, 0, "sigmoid", 0.1).silent_neurons() == []


def test_collapse_check_is_the_single_map_applied():
    check = nnc.collapse_check(nnc.leaf_layers(), nnc.LEAF_INPUT, "none")
    assert check.gap < 1e-12
    np.testing.assert_allclose(check.linear, check.single.W @ np.array(nnc.LEAF_INPUT) + check.single.b)
    assert check.single.W[1, 0] == pytest.approx(-0.0062)  # flower's red coefficient: the article's weights only
    relu = nnc.collapse_check(nnc.leaf_layers(), nnc.LEAF_INPUT, "relu")
    assert relu.gap == pytest.approx(np.max(np.abs(relu.network - relu.linear))) and relu.gap > 1


# --- Starting weights ---------------------------------------------------------------------------------
def torch_symmetry(start: str, steps: int, lr: float) -> tuple[list, float]:
    """The same 1 -> 3 -> 1 tanh network trained by torch: nn.Linear layers from the same start,
    torch.optim.SGD on half the mean squared error, autograd for the gradients."""
    x, y = nnc.make_target("abs")
    X, Y = torch.tensor(x)[:, None], torch.tensor(y)[:, None]
    model = torch.nn.Sequential(torch.nn.Linear(1, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)).double()
    with torch.no_grad():
        for linear, layer in zip((model[0], model[2]), nnc.symmetry_start(start)):
            linear.weight.copy_(torch.tensor(layer.W))
            linear.bias.copy_(torch.tensor(layer.b))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = ((model(X) - Y) ** 2).mean() / 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        final = float(((model(X) - Y) ** 2).mean() / 2)
    return [model[0].weight.detach().numpy(), model[0].bias.detach().numpy(), model[2].weight.detach().numpy()], final


@pytest.mark.parametrize("start", ["equal", "random"])
def test_symmetry_run_matches_torch(start):
    ours = nnc.symmetry_run(start, steps=300)
    (W1, b1, W2), loss = torch_symmetry(start, 300, 0.2)
    np.testing.assert_allclose(ours.layers[0].W, W1, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.layers[0].b, b1, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.layers[1].W, W2, rtol=1e-9, atol=1e-12)
    assert ours.loss == pytest.approx(loss, rel=1e-9)
    np.testing.assert_allclose(ours.weights[-1], W1[:, 0], rtol=1e-9)
    if start == "equal":  # torch keeps the three hidden neurons identical too
        assert np.ptp(W1, axis=0).max() == 0 and np.ptp(b1) == 0 and np.ptp(W2) == 0


def test_equal_starting_weights_stay_equal_and_random_ones_learn():
    equal, random = nnc.symmetry_run("equal"), nnc.symmetry_run("random")
    assert equal.spread == 0.0 and np.ptp(equal.weights, axis=1).max() == 0.0  # identical at every step
    assert random.spread > 0.5
    assert random.loss < 0.01 < 0.2 < equal.loss  # one S-shaped bend cannot draw |x|


# --- Vanishing and exploding gradients --------------------------------------------------------------
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_gradient_norms_match_autograd(activation):
    depth, scale, width, n = 6, 1.5, 16, 8
    norms = nnc.gradient_norms(depth, activation, scale, width=width, n=n, seed=5)
    rng = np.random.default_rng(5)  # rebuild the same stack, then differentiate it with torch
    sizes = [width] * depth + [1]
    layers = [
        nnc.Layer(rng.normal(0, scale / math.sqrt(i), (o, i)), np.zeros(o)) for i, o in zip(sizes[:-1], sizes[1:])
    ]
    x, y = rng.normal(size=(n, width)), rng.normal(size=(n, 1))
    out, params = torch_forward(layers, x, activation)
    (((out - torch.tensor(y)) ** 2).mean() / 2).backward()
    np.testing.assert_allclose(norms, [torch.linalg.norm(W.grad).item() for W, _ in params], rtol=1e-9)


def test_sigmoid_vanishes_and_relu_explodes_with_a_large_scale():
    sigmoid = nnc.gradient_norms(30, "sigmoid", 1.0)
    assert sigmoid[0] < 1e-6 * sigmoid[-2]  # layer 1 gets almost nothing back
    relu = nnc.gradient_norms(30, "relu", 4.0)
    assert relu[0] > 1e6
    he = nnc.gradient_norms(30, "relu", math.sqrt(2))
    assert 1e-2 < he[0] / he[-2] < 1e2  # He initialisation keeps the signal's size
    assert nnc.first_to_last(sigmoid) == sigmoid[0] / sigmoid[-2]


# --- The 1D fit ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("depth", "width"), [(1, 1), (1, 272), (6, 12), (3, 16)])
def test_parameter_count(depth, width):
    model = nnc.build_mlp(nnc.FitConfig(depth=depth, width=width), torch.Generator().manual_seed(0))
    weights, biases = nnc.parameter_split(depth, width)
    assert weights == sum(p.numel() for name, p in model.named_parameters() if name.endswith("weight"))
    assert biases == sum(p.numel() for name, p in model.named_parameters() if name.endswith("bias"))
    assert nnc.n_parameters(depth, width) == sum(p.numel() for p in model.parameters()) == weights + biases


def test_the_pair_has_equal_parameter_counts():
    """Both counted the same way, weights and biases: 744 + 73 and 544 + 273."""
    assert nnc.parameter_split(6, 12) == (744, 73) and nnc.parameter_split(1, 272) == (544, 273)
    assert nnc.n_parameters(6, 12) == nnc.n_parameters(1, 272) == 817


@pytest.mark.parametrize("name", nnc.TARGETS)
def test_targets(name):
    x, y = nnc.make_target(name)
    assert x.shape == y.shape == (200,) and np.isfinite(y).all()
    np.testing.assert_array_equal(nnc.make_target(name)[1], y)  # seeded noise repeats


@pytest.mark.slow  # about 0.3 s on an idle machine; seconds when the CPU is shared
def test_fit_learns_and_repeats_with_the_same_seed():
    x, y = nnc.make_target("sine")
    config = nnc.FitConfig(depth=1, width=8, steps=100, lr=0.05)
    progress = []
    first = nnc.fit_mlp(x, y, config, device=torch.device("cpu"), on_progress=progress.append)
    second = nnc.fit_mlp(x, y, config, device=torch.device("cpu"))
    assert len(first.loss_history_) == 100 and not first.diverged
    assert first.loss_history_[-1] < 0.5 * first.loss_history_[0]
    assert first.loss_history_ == second.loss_history_
    np.testing.assert_array_equal(first.y_grid, second.y_grid)
    assert len(progress) == 20 and (progress[-1].step, progress[-1].total) == (100, 100)
    assert progress[-1].loss == pytest.approx(first.loss_history_[-1])
    assert first.n_params == nnc.n_parameters(1, 8)
    assert first.snapshot_steps_ == list(range(0, 101, 20)) and len(first.snapshots_) == 6
    np.testing.assert_array_equal(first.snapshots_[-1], first.y_grid)
    # a kept state's loss is the loss the next step starts from (the same network)
    np.testing.assert_allclose(first.snapshot_losses_[:-1], first.loss_history_[::20], rtol=1e-5)


def test_the_first_kept_state_is_the_untrained_network():
    x, y = nnc.make_target("sine")
    config = nnc.FitConfig(depth=2, width=4, steps=20)
    run = nnc.fit_mlp(x, y, config, device=torch.device("cpu"))
    model = nnc.build_mlp(config, torch.Generator().manual_seed(config.seed))
    with torch.no_grad():
        untrained = model(torch.tensor(run.x_grid, dtype=torch.float32)[:, None])[:, 0].numpy()
    np.testing.assert_allclose(run.snapshots_[0], untrained, rtol=1e-6)


@pytest.mark.gpu
def test_fit_on_the_gpu_keeps_the_same_states_as_on_the_cpu():
    x, y = nnc.make_target("step")
    config = nnc.FitConfig(depth=2, width=8, steps=100)
    cpu = nnc.fit_mlp(x, y, config, device=torch.device("cpu"))
    gpu = nnc.fit_mlp(x, y, config, device=torch.device("cuda"))
    assert gpu.device == "cuda" and gpu.snapshot_steps_ == cpu.snapshot_steps_
    np.testing.assert_allclose(gpu.snapshots_[0], cpu.snapshots_[0], atol=1e-5)  # the same seeded start
    assert gpu.snapshot_losses_[-1] == pytest.approx(cpu.snapshot_losses_[-1], rel=0.05)


def test_fit_with_a_huge_learning_rate_is_stopped_not_raised():
    x, y = nnc.make_target("step")
    result = nnc.fit_mlp(x, y, nnc.FitConfig(depth=8, width=16, activation="relu", steps=40, lr=1e8))
    assert result.diverged and len(result.loss_history_) <= 40

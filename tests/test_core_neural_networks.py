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


def test_default_example_reads_as_a_leaf():
    probs = nnc.softmax(nnc.forward(nnc.leaf_layers(), nnc.LEAF_INPUT, "relu").out[0])
    assert probs[0] > probs[1]


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
    for ours, ref in zip(step.grads, nnc.torch_gradients(layers, nnc.LEAF_INPUT, 1, "sigmoid")):
        np.testing.assert_allclose(ours.W, ref.W, rtol=1e-10, atol=1e-14)


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


# --- The 1D fit ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("depth", "width"), [(1, 1), (1, 272), (6, 12), (3, 16)])
def test_parameter_count(depth, width):
    model = nnc.build_mlp(nnc.FitConfig(depth=depth, width=width), torch.Generator().manual_seed(0))
    assert nnc.n_parameters(depth, width) == sum(p.numel() for p in model.parameters())


def test_the_pair_has_equal_parameter_counts():
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


def test_fit_with_a_huge_learning_rate_is_stopped_not_raised():
    x, y = nnc.make_target("step")
    result = nnc.fit_mlp(x, y, nnc.FitConfig(depth=8, width=16, activation="relu", steps=40, lr=1e8))
    assert result.diverged and len(result.loss_history_) <= 40

"""Lesson 2's computations against independent references: direct evaluation (core.fitting),
torch.autograd, torch.optim (same problem, same hyperparameters -> same iterates), least squares."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core import fitting as fit
from core import loss_surface as ls
from core import mlp

X, Y = ls.tea_data()
BEST_K, BEST_B = fit.least_squares(X, Y)
BEST = fit.dataset_error(X, Y, BEST_K, BEST_B)


# --- the milk-tea surface -----------------------------------------------------------------------
@pytest.mark.parametrize("standardized", [False, True])
def test_surface_equals_direct_evaluation(standardized):
    x, y = ls.tea_data(standardized)
    ks, bs = np.linspace(-25, 5, 13), np.linspace(500, 1300, 7)
    z = ls.surface(ls.line_loss(x, y), ks, bs)
    assert z.shape == (7, 13)
    direct = [[fit.dataset_error(x, y, k, b) for k in ks] for b in bs]
    np.testing.assert_allclose(z, direct, rtol=1e-10)


def test_line_gradient_matches_autograd():
    rng = np.random.default_rng(1)
    loss_fn = ls.line_loss(X, Y)
    for k, b in rng.normal([-10, 900], [5, 100], size=(10, 2)):
        kt = torch.tensor(k, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        loss = ((kt * torch.tensor(X) + bt - torch.tensor(Y)) ** 2).mean() / 2
        loss.backward()
        value, grad = loss_fn(np.array([k, b]))
        assert float(value) == pytest.approx(loss.item(), rel=1e-10)
        np.testing.assert_allclose(grad, [kt.grad.item(), bt.grad.item()], rtol=1e-9)


def test_curvatures_are_the_hessian_eigenvalues_from_autograd():
    def loss(theta):
        return ((theta[0] * torch.tensor(X) + theta[1] - torch.tensor(Y)) ** 2).mean() / 2

    hessian = torch.autograd.functional.hessian(loss, torch.tensor([-10.0, 1000.0], dtype=torch.float64))
    np.testing.assert_allclose(ls.curvatures(X), torch.linalg.eigvalsh(hessian).numpy(), rtol=1e-10)
    # the ravine: about 380 across, 0.19 along; standardized, a round bowl
    low, high = ls.curvatures(X)
    assert round(high) == 380 and round(low, 2) == 0.19
    np.testing.assert_allclose(ls.curvatures(ls.tea_data(True)[0]), [1, 1], atol=1e-12)


# --- every optimizer step against torch.optim -----------------------------------------------------
def _torch_path(optimizer_cls, kwargs, start, steps, per_sample=False, x=X, y=Y):
    theta = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = optimizer_cls([theta], **kwargs)
    xt, yt = torch.tensor(x), torch.tensor(y)
    thetas = [theta.detach().clone()]
    for t in range(steps):
        optimizer.zero_grad()
        if per_sample:
            i = t % len(x)
            loss = (theta[0] * xt[i] + theta[1] - yt[i]) ** 2 / 2
        else:
            loss = ((theta[0] * xt + theta[1] - yt) ** 2).mean() / 2
        loss.backward()
        optimizer.step()
        thetas.append(theta.detach().clone())
    return torch.stack(thetas).numpy()


@pytest.mark.parametrize("standardized", [False, True])
@pytest.mark.parametrize(
    ("name", "lr", "torch_optimizer", "kwargs", "per_sample"),
    [
        ("sgd", 1e-4, torch.optim.SGD, {}, True),
        ("gd", 2e-3, torch.optim.SGD, {}, False),
        ("momentum", 5e-4, torch.optim.SGD, {"momentum": 0.9}, False),
        ("adam", 2.0, torch.optim.Adam, {}, False),
    ],
)
def test_optimizer_iterates_match_torch_optim(name, lr, torch_optimizer, kwargs, per_sample, standardized):
    if standardized:
        lr = {"sgd": 0.05, "gd": 0.5, "momentum": 0.1, "adam": 5.0}[name]
    x, y = ls.tea_data(standardized)
    start = (-85.0, 825.0) if standardized else (fit.K0, fit.B0)
    ours = ls.descend(ls.line_loss(x, y), ls.make_optimizer(name, lr, x, y), start, 300)
    reference = _torch_path(torch_optimizer, {"lr": lr, **kwargs}, start, 300, per_sample, x, y)
    assert ours.diverged_at is None
    np.testing.assert_allclose(ours.thetas, reference, rtol=1e-6)


def test_article_sgd_reuses_lesson_one():
    """120 per-sample steps from v1.0 are lesson 1's 20 epochs: error 3558.4, k -13.26, b 999.64."""
    path = ls.tea_path("sgd", fit.ARTICLE_LR, (fit.K0, fit.B0), 120, standardized=False)
    run = fit.train(X, Y, epochs=20)
    np.testing.assert_allclose(path.thetas[6::6], np.column_stack([run.ks[1:], run.bs[1:]]), rtol=1e-12)
    assert round(path.losses[-1], 1) == 3558.4
    assert round(path.losses[6], 2) == 4847.33


def test_momentum_and_adam_match_torch_on_the_neuron():
    x, y = ls.neuron_data()
    for name, cls, kwargs in [("momentum", torch.optim.SGD, {"momentum": 0.9}), ("adam", torch.optim.Adam, {})]:
        ours = ls.descend(ls.neuron_loss(x, y), ls.make_optimizer(name, 0.1), (1.0, -1.0), 100)
        theta = torch.tensor([1.0, -1.0], dtype=torch.float64, requires_grad=True)
        optimizer = cls([theta], lr=0.1, **kwargs)
        xt, yt = torch.tensor(x), torch.tensor(y)
        for _ in range(100):
            optimizer.zero_grad()
            ((theta[1] * torch.tanh(theta[0] * xt + ls.NEURON_BIAS) - yt) ** 2).mean().div(2).backward()
            optimizer.step()
        np.testing.assert_allclose(ours.thetas[-1], theta.detach().numpy(), rtol=1e-6)


# --- what the page reports -------------------------------------------------------------------------
def test_least_squares_and_standardization_give_the_same_line():
    mean, std = 17.5, float(np.std(fit.TEA_PRICES))
    k_s, b_s = fit.least_squares(*ls.tea_data(True))
    k, b = ls.to_price_units(k_s, b_s, mean, std)
    assert (k, b) == pytest.approx((BEST_K, BEST_B), rel=1e-12)
    assert round(k, 6) == -9.142857 and round(b) == 910 and round(BEST, 1) == 2785.7
    assert round(float(fit.predict(35, k, b))) == 590
    assert ls.to_standard_units(k, b, mean, std) == pytest.approx((k_s, b_s))


def test_standardizing_turns_the_crawl_into_a_few_steps():
    target = BEST * (1 + ls.NEAR_MIN)
    raw = ls.tea_path("gd", 2e-3, (fit.K0, fit.B0), 500, standardized=False)
    assert raw.steps_to(target) is None  # the ravine: 500 steps are not enough
    scaled = ls.tea_path("gd", 0.5, (fit.K0, fit.B0), 500, standardized=True)
    assert scaled.steps_to(target) <= 5
    one_step = ls.tea_path("gd", 1.0, (fit.K0, fit.B0), 1, standardized=True)
    assert one_step.losses[1] == pytest.approx(BEST, rel=1e-12)  # Hessian = identity: one exact step


@pytest.mark.parametrize(
    ("lr", "behaviour"), [(1e-5, "converges"), (2e-3, "converges"), (5e-3, "oscillates"), (1e-2, "diverges")]
)
def test_gd_behaviour_from_the_curvatures(lr, behaviour):
    assert ls.gd_behaviour(lr, ls.curvatures(X))[0] == behaviour
    path = ls.tea_path("gd", lr, (fit.K0, fit.B0), 500, standardized=False)
    assert (path.diverged_at is not None) == (behaviour == "diverges")
    if behaviour == "oscillates":  # the k coordinate overshoots back and forth across the ravine
        dk = np.diff(path.thetas[:20, 0])
        assert np.all(np.sign(dk[1:]) != np.sign(dk[:-1]))


@pytest.mark.parametrize("name", ls.OPTIMIZERS)
def test_divergence_is_detected_and_the_path_stays_finite(name):
    path = ls.tea_path(name, 5.0 if name != "adam" else 1e6, (fit.K0, fit.B0), 500, standardized=False)
    if name != "adam":  # Adam's step is bounded by lr, so it cannot blow up the way the others do
        assert path.diverged_at is not None and path.diverged_at < 50
    assert np.all(np.isfinite(path.thetas)) and np.all(np.isfinite(path.losses))
    assert path.losses.max() <= max(fit.DIVERGENCE_FACTOR * path.losses[0], 1e6)


def test_steps_to():
    path = ls.Descent(np.zeros((4, 2)), np.array([5.0, 3.0, 1.0, 0.5]), np.zeros((4, 2)))
    assert path.steps_to(1.0) == 2 and path.steps_to(0.1) is None and path.steps_to(9) == 0


# --- the tanh neuron: two minima and a saddle --------------------------------------------------------
def test_neuron_loss_and_gradient_match_autograd():
    x, y = ls.neuron_data()
    loss_fn = ls.neuron_loss(x, y)
    for w, v in [(1.0, -1.0), (-1.3, 0.9), (0.2, 0.0), (2.5, 1.5)]:
        theta = torch.tensor([w, v], dtype=torch.float64, requires_grad=True)
        loss = ((theta[1] * torch.tanh(theta[0] * torch.tensor(x) + ls.NEURON_BIAS) - torch.tensor(y)) ** 2).mean() / 2
        loss.backward()
        value, grad = loss_fn(np.array([w, v]))
        assert float(value) == pytest.approx(loss.item(), rel=1e-12)
        np.testing.assert_allclose(grad, theta.grad.numpy(), rtol=1e-9, atol=1e-15)
    ws, vs = np.linspace(-3, 3, 5), np.linspace(-2, 2, 4)
    z = ls.surface(loss_fn, ws, vs)
    assert z[1, 3] == pytest.approx(float(loss_fn(np.array([ws[3], vs[1]]))[0]))


def test_neuron_has_two_minima_of_different_depth_and_a_saddle():
    x, y = ls.neuron_data()
    loss_fn = ls.neuron_loss(x, y)
    starts = [(w, v) for w in np.linspace(-2.5, 2.5, 6) for v in np.linspace(-1.5, 1.5, 5)]
    points = ls.critical_points(loss_fn, starts)
    kinds = sorted(kind for _, kind in points)
    assert kinds == ["minimum", "minimum", "saddle"]

    def torch_loss(theta):
        return ((theta[1] * torch.tanh(theta[0] * torch.tensor(x) + ls.NEURON_BIAS) - torch.tensor(y)) ** 2).mean() / 2

    for point, kind in points:  # the kind agrees with autograd's Hessian
        eig = torch.linalg.eigvalsh(torch.autograd.functional.hessian(torch_loss, torch.tensor(point)))
        assert (kind == "minimum") == bool(eig.min() > 0)
        assert (kind == "saddle") == bool(eig.min() < 0 < eig.max())
    minima = sorted((float(loss_fn(p)[0]), tuple(p)) for p, kind in points if kind == "minimum")
    assert minima[0][0] == pytest.approx(0.2396, abs=1e-4)  # global, near (-1.34, 0.94)
    assert minima[1][0] == pytest.approx(0.3035, abs=1e-4)  # local, near (1.63, -0.78)
    # different starts end in different minima
    ends = [ls.descend(loss_fn, ls.GD(0.5), s, 2000).thetas[-1] for s in [(-1.0, 1.0), (1.0, -1.0)]]
    np.testing.assert_allclose(ends[0], minima[0][1], atol=1e-4)
    np.testing.assert_allclose(ends[1], minima[1][1], atol=1e-4)


def test_basins_agree_with_single_descents():
    x, y = ls.neuron_data()
    loss_fn = ls.neuron_loss(x, y)
    minima = [p for p, kind in ls.critical_points(loss_fn, [(-1.3, 0.9), (1.6, -0.8)]) if kind == "minimum"]
    ws, vs = np.linspace(-3, 3, 7), np.linspace(-2, 2, 5)
    labels = ls.basins(loss_fn, minima, ws, vs, 0.5, 400)
    for i, v in enumerate(vs):
        for j, w in enumerate(ws):
            end = ls.descend(loss_fn, ls.GD(0.5), (w, v), 400).thetas[-1]
            distances = [np.linalg.norm(end - m) for m in minima]
            expected = int(np.argmin(distances)) if min(distances) <= 0.1 else -1
            assert labels[i, j] == expected
    assert {0, 1} <= set(labels.ravel().tolist())


# --- the MLP landscape (Li et al. 2018) ------------------------------------------------------------------
SMALL_NET = mlp.MLPConfig(width=8, depth=1, lr=3e-2, epochs=30)
SMALL = ls.LandscapeConfig(net=SMALL_NET, grid=5)


def _trained_small():
    X, y = ls.digits_data()
    return mlp.train_mlp(X, y, X, y, 10, SMALL_NET, "cpu"), X, y


@pytest.mark.slow
def test_filter_normalized_direction():
    params = ls.params_of(_trained_small()[0].model)
    d = ls.filter_normalized_direction(params, torch.Generator().manual_seed(3))
    for name, p in params.items():
        if p.dim() == 1:
            assert torch.all(d[name] == 0)  # biases are left alone
        else:
            torch.testing.assert_close(d[name].norm(dim=1), p.norm(dim=1))  # one norm per neuron


@pytest.mark.slow
def test_landscape_matches_a_network_built_by_hand():
    run, X, y = _trained_small()
    assert run.train_loss_[-1] < run.train_loss_[0]
    params = ls.params_of(run.model)
    assert list(params) == ["W1", "b1", "W2", "b2"] and params["W1"].shape == (8, 64)
    x, labels = mlp.inputs(run, X), torch.tensor(y)
    g = torch.Generator().manual_seed(1)
    d1, d2 = ls.filter_normalized_direction(params, g), ls.filter_normalized_direction(params, g)
    alphas, betas = np.array([-0.5, 0.0, 0.25]), np.array([-1.0, 0.0])
    z = ls.landscape(params, d1, d2, alphas, betas, x, labels, chunk=2)
    assert z.shape == (2, 3)
    for i, beta in enumerate(betas):
        for j, alpha in enumerate(alphas):
            net = torch.nn.Sequential(torch.nn.Linear(64, 8), torch.nn.ReLU(), torch.nn.Linear(8, 10))
            with torch.no_grad():
                for layer, (w, b) in zip((net[0], net[2]), (("W1", "b1"), ("W2", "b2"))):
                    layer.weight.copy_(params[w] + alpha * d1[w] + beta * d2[w])
                    layer.bias.copy_(params[b] + alpha * d1[b] + beta * d2[b])
                expected = F.cross_entropy(net(x), labels).item()
            assert z[i, j] == pytest.approx(expected, rel=1e-4)
    assert z[1, 1] == pytest.approx(run.train_loss_[-1], rel=1e-5)  # the centre is the trained network


def test_mlp_forward_is_the_trained_network_and_runs_a_grid_of_networks():
    run, X, _ = _trained_small()
    params, x = ls.params_of(run.model), mlp.inputs(run, X[:50])
    torch.testing.assert_close(ls.mlp_forward(params, x), run.model(x))
    stacked = {name: torch.stack([p, 2 * p]) for name, p in params.items()}  # (2, *p.shape)
    twice = {name: 2 * p for name, p in params.items()}
    torch.testing.assert_close(ls.mlp_forward(stacked, x)[1], ls.mlp_forward(twice, x))


@pytest.mark.slow
def test_training_is_seeded_and_repeatable():
    seen = []
    a, b = ls.mlp_landscape(SMALL, "cpu", on_progress=seen.append), ls.mlp_landscape(SMALL, "cpu")
    np.testing.assert_array_equal(a.loss, b.loss)
    centre = SMALL.grid // 2
    assert a.loss[centre, centre] == a.loss.min() or a.loss[centre, centre] < np.median(a.loss)
    # training's epochs, then the grid's chunks of networks, on one bar that ends full
    assert [p.step for p in seen][-2:] == [SMALL_NET.epochs, SMALL_NET.epochs + 1] and seen[-1].fraction == 1
    assert a.history.shape == (SMALL_NET.epochs,) and 0 < a.accuracy <= 1


@pytest.mark.gpu
def test_landscape_on_gpu_matches_cpu():
    config = ls.LandscapeConfig(net=mlp.MLPConfig(width=16, depth=1, lr=3e-2, epochs=50), grid=7)
    cpu, gpu = ls.mlp_landscape(config, "cpu"), ls.mlp_landscape(config, "cuda")
    np.testing.assert_allclose(gpu.loss, cpu.loss, rtol=2e-3, atol=1e-4)


def test_standardized_bowl_at_twice_the_critical_rate_bounces_for_ever():
    x = ls.tea_data(True)[0]
    assert ls.gd_behaviour(2.0, ls.curvatures(x))[0] == "bounces"
    assert ls.gd_behaviour(1.0, ls.curvatures(x)) == ("converges", pytest.approx(0.0, abs=1e-12))
    path = ls.tea_path("gd", 2.0, (fit.K0, fit.B0), 50, standardized=True)
    assert path.diverged_at is None and path.steps_to(BEST * 1.01) is None
    np.testing.assert_allclose(path.losses, path.losses[0], rtol=1e-9)  # neither closer nor further
    np.testing.assert_allclose(path.thetas[2], path.thetas[0], rtol=1e-9)  # there and back again


# --- what the page says about a run, and the maps' windows ---------------------------------------------
@pytest.mark.parametrize(
    ("lr", "regime"),
    [(1e-5, "smooth"), (2e-3, "smooth"), (3e-3, "zigzag"), (5e-3, "zigzag"), (6e-3, "diverges"), (1e-2, "diverges")],
)
def test_judge_names_the_regime_from_the_curvatures_and_the_path(lr, regime):
    path = ls.tea_path("gd", lr, (fit.K0, fit.B0), 100, standardized=False)
    verdict = ls.judge(path, lr, ls.curvatures(X), BEST)
    assert verdict.regime == regime
    assert verdict.reached_at is None  # the ravine: no rate gets within 1% in 100 steps
    assert (verdict.diverged_at is not None) == (regime == "diverges")
    low, high = ls.curvatures(X)
    assert verdict.rate == pytest.approx(max(abs(1 - lr * low), abs(1 - lr * high)))
    # Across the valley (the steep eigenvector), a smooth walk stays on its side; a zig-zag changes side
    # every step. Only the first steps count: after them the across-distance is below rounding.
    hessian = np.array([[np.mean(X * X), np.mean(X)], [np.mean(X), 1.0]])
    across = np.linalg.eigh(hessian)[1][:, -1]
    sides = np.sign((path.thetas[:6] - [BEST_K, BEST_B]) @ across)
    if regime == "smooth":
        assert np.all(sides == sides[0])
    if regime == "zigzag":
        assert np.all(sides[1:] != sides[:-1])


@pytest.mark.parametrize(
    ("lr", "regime", "reached"),
    [(0.1, "smooth", 22), (0.5, "smooth", 4), (1.0, "smooth", 1), (1.5, "zigzag", 4), (2.0, "bounces", None),
     (2.5, "diverges", None)],
)  # fmt: skip
def test_judge_on_the_round_bowl(lr, regime, reached):
    path = ls.tea_path("gd", lr, (fit.K0, fit.B0), 30, standardized=True)
    verdict = ls.judge(path, lr, ls.curvatures(ls.tea_data(True)[0]), BEST)
    assert (verdict.regime, verdict.reached_at) == (regime, reached)
    assert verdict.rate == pytest.approx(abs(1 - lr), abs=1e-12)  # both curvatures are 1
    if 0 < verdict.rate < 1:  # the distance after that many steps is at most 1% of the start's
        n = verdict.steps_to_shrink(100)
        assert verdict.rate**n <= 0.01 < verdict.rate ** (n - 1)
    else:
        assert verdict.steps_to_shrink(100) == 0


def test_the_stall_of_lesson_one_and_the_lowest_error():
    assert round(ls.sgd_stall(), 1) == 3558.4 and round(ls.best_error(), 1) == 2785.7
    assert ls.best_error() == pytest.approx(BEST, rel=1e-12)


@pytest.mark.parametrize("standardized", [False, True])
def test_tea_window_holds_the_start_and_the_minimum(standardized):
    ks, bs = ls.tea_window(standardized, 50)
    assert len(ks) == len(bs) == 50
    x, y = ls.tea_data(standardized)
    k_best, b_best = fit.least_squares(x, y)
    start = ls.tea_path("gd", 1e-3, (fit.K0, fit.B0), 0, standardized).thetas[0]
    for k, b in [(k_best, b_best), tuple(start)]:
        assert ks[0] < k < ks[-1] and bs[0] < b < bs[-1]
    if standardized:  # a square around the minimum: the bowl is drawn round
        assert ks[-1] - ks[0] == pytest.approx(bs[-1] - bs[0])
        assert (ks[0] + ks[-1]) / 2 == pytest.approx(k_best) and (bs[0] + bs[-1]) / 2 == pytest.approx(b_best)


def test_thin_grid_keeps_the_edges_and_the_values():
    xs, ys = np.linspace(0, 1, 200), np.linspace(5, 6, 150)
    z = np.add.outer(ys, 10 * xs)  # z[i, j] = ys[i] + 10 xs[j]
    tx, ty, tz = ls.thin_grid(xs, ys, z, 60)
    assert (tx[0], tx[-1], ty[0], ty[-1]) == (0, 1, 5, 6) and tz.shape == (60, 60) and tz.dtype == np.float32
    np.testing.assert_allclose(tz, np.add.outer(ty, 10 * tx), rtol=1e-6)


def test_neuron_map_orders_the_minima_and_labels_the_basins():
    small = ls.neuron_map(grid=21, basin_grid=(7, 5))
    loss_fn = ls.neuron_loss(*ls.neuron_data())
    assert small.loss.shape == (21, 21) and small.basins.shape == (5, 7)
    assert len(small.minima) == 2 and len(small.saddles) == 1
    assert float(loss_fn(small.minima[0])[0]) < float(loss_fn(small.minima[1])[0])  # global first
    assert small.loss[3, 7] == pytest.approx(float(loss_fn(np.array([small.ws[7], small.vs[3]]))[0]))
    expected = ls.basins(loss_fn, small.minima, small.basin_ws, small.basin_vs, ls.BASIN_LR, ls.BASIN_STEPS)
    np.testing.assert_array_equal(small.basins, expected)


def test_ended_in_names_the_nearest_minimum_within_the_tolerance():
    minima = [np.array([-1.34, 0.94]), np.array([1.63, -0.78])]
    assert ls.ended_in((-1.33, 0.95), minima) == 0 and ls.ended_in((1.63, -0.8), minima) == 1
    assert ls.ended_in((0.0, 0.0), minima) is None and ls.ended_in((0.0, 0.0), minima, tolerance=5) == 0

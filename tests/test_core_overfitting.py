"""Lesson 4's computations against independent references: scikit-learn's Ridge and Lasso,
NumPy's polynomial fit, torch.nn.functional's cross-entropy, core.mlp's own trainer for the replay
and early stopping, and the behaviour the lesson claims."""

from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.linear_model import Lasso, Ridge

from core import mlp
from core import overfitting as of
from core.progress import Progress

X_VAL, Y_VAL = of.validation_houses()
X_TEST, Y_TEST = of.test_houses()


# --- Polynomials ---------------------------------------------------------------------------------
def test_features_are_legendre_polynomials_of_the_rescaled_distance():
    x = np.array([0.0, 2.5, 5.0, 7.5, 10.0])
    u = x / 5 - 1
    expected = np.column_stack([u, (3 * u**2 - 1) / 2, (5 * u**3 - 3 * u) / 2])
    np.testing.assert_allclose(of.features(x, 3), expected, atol=1e-12)


@pytest.mark.parametrize("degree", [1, 4, 9, 15])
@pytest.mark.parametrize("lam", [1e-4, 1e-2, 1.0])
def test_ridge_matches_scikit_learn(degree, lam):
    x, y = of.sample_houses(20, 3)
    X = of.features(x, degree)
    w, b = of.fit_ridge(X, y, lam)
    # Our loss is the mean squared error + lam|w|²; sklearn's Ridge uses the sum, so alpha = n * lam.
    reference = Ridge(alpha=len(y) * lam).fit(X, y)
    np.testing.assert_allclose(w, reference.coef_, rtol=1e-6, atol=1e-8)
    assert b == pytest.approx(reference.intercept_, abs=1e-8)


@pytest.mark.parametrize("degree", [2, 5, 8])
@pytest.mark.parametrize("lam", [1e-3, 1e-2, 0.1, 0.5])
def test_lasso_matches_scikit_learn(degree, lam):
    x, y = of.sample_houses(20, 3)
    X = of.features(x, degree)
    w, b = of.fit_lasso(X, y, lam)
    # sklearn's Lasso minimises (1/2n)|residual|² + alpha|w|₁: ours halved, so alpha = lam / 2.
    reference = Lasso(alpha=lam / 2, tol=1e-14, max_iter=1_000_000).fit(X, y)
    np.testing.assert_allclose(w, reference.coef_, atol=1e-7)
    assert b == pytest.approx(reference.intercept_, abs=1e-7)
    np.testing.assert_array_equal(w == 0, reference.coef_ == 0)  # the same weights exactly zero


def test_lasso_drives_weights_to_exactly_zero_and_ridge_does_not():
    x, y = of.sample_houses(of.N_HOUSES)
    lasso = of.fit_polynomial(x, y, 12, "l1", 0.03)
    ridge = of.fit_polynomial(x, y, 12, "l2", 0.03)
    assert (lasso.w == 0).sum() >= 6
    assert (ridge.w == 0).sum() == 0


def test_no_penalty_is_the_least_squares_polynomial():
    x, y = of.sample_houses(15, 5)
    fit = of.fit_polynomial(x, y, 5)
    reference = np.polynomial.Polynomial.fit(x, y, 5)  # monomial basis, NumPy's own solver
    grid = np.linspace(0, of.MAX_DISTANCE, 50)
    np.testing.assert_allclose(fit.predict(grid), reference(grid), rtol=1e-8)


def test_l2_shrinks_the_weights_as_lambda_grows():
    x, y = of.sample_houses(of.N_HOUSES)
    norms = [np.linalg.norm(of.fit_polynomial(x, y, 12, "l2", lam).w) for lam in (0.0, 1e-4, 1e-2, 1.0)]
    assert all(a > b for a, b in zip(norms, norms[1:]))


def test_the_curve_through_every_house_predicts_worse_than_a_line():
    """The curriculum: a curve forced through every training point (loss 0) does worse than a line."""
    x, y = of.sample_houses(of.N_HOUSES)
    sweep = of.degree_sweep(x, y, X_VAL, Y_VAL, 15)
    through_all = sweep.fits[len(x) - 2]  # degree n - 1: n parameters for n houses
    assert of.mse(through_all, x, y) < 1e-12
    assert of.mse(through_all, X_VAL, Y_VAL) > 10 * sweep.val_mse[0]
    assert of.mse(through_all, X_TEST, Y_TEST) > 10 * of.mse(sweep.fits[0], X_TEST, Y_TEST)


def test_training_error_only_falls_while_validation_error_is_u_shaped():
    x, y = of.sample_houses(of.N_HOUSES)
    sweep = of.degree_sweep(x, y, X_VAL, Y_VAL)
    assert np.all(np.diff(sweep.train_mse[:11]) <= 1e-12)  # nested models: more freedom never hurts training
    best = sweep.best_degree
    assert 1 < best < 8
    assert sweep.val_mse[0] > sweep.val_mse[best - 1] < sweep.val_mse[10]
    assert of.trend(sweep.val_mse[:11]) == "down_up"


def test_the_degree_is_chosen_on_validation_houses_never_on_test_houses():
    """The fidelity review's point: the test set chooses nothing. Validation and test houses are
    different draws, and best_degree reads only the validation error it was given."""
    assert not np.intersect1d(X_VAL, X_TEST).size
    x, y = of.sample_houses(of.N_HOUSES)
    sweep = of.degree_sweep(x, y, X_VAL, Y_VAL)
    assert sweep.best_degree == int(np.argmin([of.mse(f, X_VAL, Y_VAL) for f in sweep.fits])) + 1
    np.testing.assert_allclose(sweep.val_mse, [of.mse(f, X_VAL, Y_VAL) for f in sweep.fits])


def test_a_bigger_sample_keeps_the_smaller_ones_houses():
    small, big = of.sample_houses(12), of.sample_houses(40)
    assert set(small[0]) <= set(big[0])
    np.testing.assert_array_equal(small[1], big[1][np.isin(big[0], small[0])])
    assert len(of.sample_houses(300, of.VAL_SEED)[0]) == 300


@pytest.mark.parametrize("remedy", of.REMEDIES)
def test_every_remedy_state_is_the_direct_fit(remedy):
    states = of.remedy_sweep(remedy)
    assert [s.value for s in states] == list(of.remedy_values(remedy))
    for s in states[::3]:
        x, y = of.sample_houses(s.value if remedy == "houses" else of.N_HOUSES)
        if remedy == "copies":
            fit = of.fit_polynomial(*of.augment(x, y, s.value, of.JITTER, of.HOUSE_SEED + 1), of.WILD_DEGREE)
            assert len(s.copies[0]) == s.value * len(x)
        elif remedy == "houses":
            fit = of.fit_polynomial(x, y, of.WILD_DEGREE)
        else:
            fit = of.fit_polynomial(x, y, of.WILD_DEGREE, remedy, s.value)
        np.testing.assert_allclose(s.fit.w, fit.w, atol=1e-9)
        assert s.train_mse == pytest.approx(of.mse(fit, x, y), abs=1e-12)
        assert s.val_mse == pytest.approx(of.mse(fit, X_VAL, Y_VAL))


def test_the_remedies_tame_the_wild_curve_as_the_lesson_says():
    l2, l1 = of.remedy_sweep("l2"), of.remedy_sweep("l1")
    wild = l2[0].val_mse
    assert of.trend([s.val_mse for s in l2]) == "down_up"  # exercise 2: too much penalty underfits
    assert min(s.val_mse for s in l2) < wild / 100
    assert [s.zeros for s in l2] == [0] * len(l2)  # L2 never zeroes a weight ...
    assert l1[-1].zeros > l1[3].zeros > 0  # ... L1 zeroes more and more of them
    for remedy in ("houses", "copies"):
        assert of.remedy_sweep(remedy)[-1].val_mse < wild / 100


def test_trend_names_the_shape_of_a_curve():
    assert of.trend([3, 2, 1]) == "down" and of.trend([1, 2, 3]) == "up" and of.trend([3, 1, 2]) == "down_up"


def test_augment_copies_prices_and_jitters_distances():
    x, y = of.sample_houses(10, 0)
    xa, ya = of.augment(x, y, 3, 0.5, seed=7)
    assert xa.shape == ya.shape == (40,)
    np.testing.assert_array_equal(xa[:10], x)
    np.testing.assert_array_equal(ya[10:], np.repeat(y, 3))
    assert np.all((xa >= 0) & (xa <= of.MAX_DISTANCE))
    assert not np.array_equal(xa[10:], np.repeat(x, 3))
    np.testing.assert_array_equal(of.augment(x, y, 3, 0.5, seed=7)[0], xa)  # seeded
    assert of.augment(x, y, 0, 0.5, seed=7)[0] is not None and len(of.augment(x, y, 0, 0.5, seed=7)[0]) == 10


def test_soft_threshold():
    assert of.soft_threshold(3.0, 1.0) == 2.0
    assert of.soft_threshold(-3.0, 1.0) == -2.0
    assert of.soft_threshold(0.5, 1.0) == 0.0


# --- Data for the network ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", of.DATASETS)
def test_datasets_are_seeded_and_balanced(kind):
    X, y = of.make_dataset(kind, 120, 0.1, 3, seed=5)
    assert X.shape == (120, 2) and X.dtype == np.float32 and y.shape == (120,)
    k = of.n_classes_of(kind, 3)
    assert set(np.unique(y)) == set(range(k))
    if kind != "xor":  # XOR's classes come from the quadrants the points fall in
        assert np.bincount(y).min() == 120 // k
    X2, y2 = of.make_dataset(kind, 120, 0.1, 3, seed=5)
    np.testing.assert_array_equal(X, X2)
    assert not np.array_equal(X, of.make_dataset(kind, 120, 0.1, 3, seed=6)[0])


def test_xor_labels_follow_the_quadrants_without_noise():
    X, y = of.make_dataset("xor", 200, 0.0, 2, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


def test_split_holds_out_the_requested_share():
    X, y = of.make_dataset("moons", 100, 0.1, 2, seed=0)
    X_train, y_train, X_val, y_val = of.split(X, y, 0.3, seed=1)
    assert len(y_val) == 30 and len(y_train) == 70
    assert sorted(np.concatenate([X_train[:, 0], X_val[:, 0]])) == sorted(X[:, 0])


def _csv(rows: int = 12, classes: int = 2) -> bytes:
    lines = ["x1,x2,label"] + [f"{i * 0.1},{-i * 0.2},{'abcdef'[i % classes]}" for i in range(rows)]
    return "\n".join(lines).encode()


def test_parse_csv_reads_a_valid_file():
    X, y, names = of.parse_csv(_csv(12, 3))
    assert X.shape == (12, 2) and names == ["a", "b", "c"]
    np.testing.assert_array_equal(y[:3], [0, 1, 2])
    assert X[2, 1] == pytest.approx(-0.4)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"x" * (of.CSV_MAX_BYTES + 1), "too_big"),
        (b"\xff\xfe\x00garbage\x80", "unreadable"),
        (b"", "unreadable"),
        (b"a,b\n1,2\n" * 6, "columns"),
        (_csv(5), "too_few_rows"),
        (_csv(of.CSV_MAX_ROWS + 1), "too_many_rows"),
        (_csv(12).replace(b"0.30000000000000004", b"abc").replace(b"0.5,", b"inf,"), "bad_row"),
        (_csv(12, 1), "classes"),
        (_csv(12, 5), "classes"),
    ],
)
def test_parse_csv_rejects_bad_files_with_a_code(data, code):
    with pytest.raises(of.CsvError) as problem:
        of.parse_csv(data)
    assert problem.value.code == code


def _csv_with(value: str, row: int = 5) -> bytes:
    """A valid file with one coordinate replaced; `row` counts data rows from 0."""
    lines = _csv(12).decode().split("\n")
    x1, x2, label = lines[row + 1].split(",")
    lines[row + 1] = f"{x1},{value},{label}"
    return "\n".join(lines).encode()


@pytest.mark.parametrize("value", ["1e39", "-1e39", "3e38", "1e7", "-1000001"])
def test_parse_csv_refuses_coordinates_too_large_to_train_on(value):
    """1e39 is a finite float64 but inf in float32: the point used to vanish and the map stay blank."""
    with pytest.raises(of.CsvError) as problem:
        of.parse_csv(_csv_with(value, row=5))
    assert problem.value.code == "too_large_value"
    assert problem.value.fields == {"row": 7, "limit": "1,000,000"}  # line 7: the header, then rows 0..5


@pytest.mark.parametrize("value", ["1e6", "-1000000", "1e-30"])
def test_parse_csv_keeps_large_but_trainable_coordinates(value):
    X, _, _ = of.parse_csv(_csv_with(value))
    assert np.isfinite(X).all() and X[5, 1] == pytest.approx(float(value))


# --- The network -------------------------------------------------------------------------------
def test_cross_entropy_matches_torch():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 4, generator=g) * 5
    y = torch.randint(0, 4, (50,), generator=g)
    torch.testing.assert_close(mlp.cross_entropy(logits, y), F.cross_entropy(logits, y))


def test_weight_penalty_sums_weights_not_biases():
    model = mlp.MLP(2, 8, 2, 3, 0.0, torch.Generator().manual_seed(0))
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    expected = 0.1 * sum(W.abs().sum() for W in weights) + 0.2 * sum((W**2).sum() for W in weights)
    torch.testing.assert_close(mlp.weight_penalty(model, 0.1, 0.2), expected)


def test_dropout_is_off_at_evaluation_and_scales_during_training():
    g = torch.Generator().manual_seed(0)
    with_dropout = mlp.MLP(2, 64, 2, 2, 0.5, g)
    without = mlp.MLP(2, 64, 2, 2, 0.0, torch.Generator().manual_seed(1))
    without.load_state_dict(with_dropout.state_dict())
    x = torch.randn(200, 2, generator=g)
    with_dropout.eval()
    torch.testing.assert_close(with_dropout(x), without(x))  # eval: dropout does nothing
    drop = mlp.Dropout(0.5)
    drop.generator = torch.Generator().manual_seed(2)
    h = torch.ones(1000, 64)
    out = drop.train()(h)
    assert 0.45 < (out == 0).float().mean() < 0.55  # about half the units switched off
    assert set(out.unique().tolist()) == {0.0, 2.0}  # the kept ones scaled by 1 / (1 - p)
    torch.testing.assert_close(drop.eval()(h), h)


def _overfitting_problem():
    X, y = of.make_dataset("spirals", 120, 0.25, 2, seed=0)
    return of.split(X, y, 0.5, seed=0)


def test_early_stopping_restores_the_best_validation_epoch():
    split = _overfitting_problem()
    config = mlp.MLPConfig(width=64, depth=2, epochs=400, lr=0.02, early_stopping=True, patience=40)
    run = mlp.train_mlp(*split, 2, config)
    assert run.stopped_early_ and run.restored_
    assert run.best_epoch_ == int(np.argmin(run.val_loss_)) + 1
    assert len(run.val_loss_) == run.best_epoch_ + config.patience
    assert run.val_loss_[-1] > min(run.val_loss_)  # the last epoch was worse than the best ...
    probs = mlp.predict_proba(run, split[2])  # ... but the model we kept is the best one
    kept = F.nll_loss(torch.log(torch.tensor(probs)), torch.tensor(split[3])).item()
    assert kept == pytest.approx(min(run.val_loss_), rel=1e-5)


def test_without_early_stopping_the_last_weights_are_kept():
    split = _overfitting_problem()
    run = mlp.train_mlp(*split, 2, mlp.MLPConfig(width=16, epochs=60))
    assert not run.restored_ and len(run.val_loss_) == 60
    probs = mlp.predict_proba(run, split[2])
    kept = F.nll_loss(torch.log(torch.tensor(probs)), torch.tensor(split[3])).item()
    assert kept == pytest.approx(run.val_loss_[-1], rel=1e-5)


def test_training_is_repeatable_with_a_seed_and_dropout_is_off_in_predictions():
    split = _overfitting_problem()
    config = mlp.MLPConfig(width=16, dropout=0.5, epochs=40, seed=3)
    first, second = mlp.train_mlp(*split, 2, config), mlp.train_mlp(*split, 2, config)
    assert first.train_loss_ == second.train_loss_ and first.val_loss_ == second.val_loss_
    other = mlp.train_mlp(*split, 2, mlp.MLPConfig(width=16, dropout=0.5, epochs=40, seed=4))
    assert other.val_loss_ != first.val_loss_
    np.testing.assert_array_equal(mlp.predict_proba(first, split[2]), mlp.predict_proba(first, split[2]))


def test_training_learns_and_reports_progress():
    X, y = of.make_dataset("blobs", 200, 0.05, 3, seed=0)
    split = of.split(X, y, 0.3, seed=0)
    seen: list[Progress] = []
    run = mlp.train_mlp(*split, 3, mlp.MLPConfig(epochs=100), on_progress=seen.append)
    assert [p.step for p in seen] == list(range(10, 101, 10)) and {p.total for p in seen} == {100}
    assert seen[-1].record is run and seen[-1].loss == run.train_loss_[-1]
    assert run.val_acc_[-1] > 0.9 and run.train_loss_[-1] < run.train_loss_[0] / 3


def test_early_stopping_reports_its_last_epoch():
    seen: list[Progress] = []
    config = mlp.MLPConfig(width=64, epochs=400, lr=0.02, early_stopping=True, patience=40)
    run = mlp.train_mlp(*_overfitting_problem(), 2, config, on_progress=seen.append)
    assert seen[-1].step == len(run.val_loss_) < 400 and seen[-1].total == 400


def test_early_stop_epoch_is_where_the_trainer_stops():
    split = _overfitting_problem()
    config = mlp.MLPConfig(width=64, epochs=400, lr=0.02)
    full = mlp.train_mlp(*split, 2, config)
    for patience in (10, 40):
        stopped = mlp.train_mlp(*split, 2, replace(config, early_stopping=True, patience=patience))
        assert of.early_stop_epoch(full.val_loss_, patience) == (len(stopped.val_loss_), stopped.best_epoch_)
    assert of.early_stop_epoch([3.0, 2.0, 1.0], 5) == (3, 3)  # never waited long enough: the last epoch


def test_the_replays_short_run_repeats_the_full_runs_first_epochs():
    split = _overfitting_problem()
    config = mlp.MLPConfig(width=32, epochs=200, lr=0.01, dropout=0.3, seed=2)
    full = mlp.train_mlp(*split, 2, config)
    short = mlp.train_mlp(*split, 2, replace(config, epochs=20))
    assert short.train_loss_ == full.train_loss_[:20] and short.val_loss_ == full.val_loss_[:20]


def test_a_replay_keeps_maps_along_the_way_and_scores_the_kept_weights():
    split = _overfitting_problem()
    config = mlp.MLPConfig(width=32, epochs=100, lr=0.02, seed=0)
    seen: list[Progress] = []
    replay = of.train_replay(split, 2, config, "spirals", on_progress=seen.append)
    assert [s.epoch for s in replay.snapshots] == list(range(1, 11)) + list(range(20, 101, 10))
    assert [p.step for p in seen] == list(range(10, 101, 10))  # the bar follows the full run only
    window = of.plot_range(np.concatenate([split[0], split[2]]))
    for epoch in (3, 50):  # a map equals the map of a network trained for that many epochs
        run = mlp.train_mlp(*split, 2, replace(config, epochs=epoch))
        snapshot = next(s for s in replay.snapshots if s.epoch == epoch)
        np.testing.assert_allclose(snapshot.probs, of.boundary_grid(run, *window)[2], atol=1e-6)
    full = mlp.train_mlp(*split, 2, config)
    assert replay.val_loss == full.val_loss_ and replay.train_acc == full.train_acc_
    assert replay.final_val_acc == pytest.approx((mlp.predict_proba(full, split[2]).argmax(1) == split[3]).mean())
    assert replay != of.train_replay(split, 2, config, "spirals")  # equal only to itself
    assert not any(s.kept for s in replay.snapshots) and replay.n_classes == 2 and replay.epochs == 100


def test_an_early_stopped_replay_ends_with_the_kept_weights():
    split = _overfitting_problem()
    config = mlp.MLPConfig(width=64, epochs=400, lr=0.02, early_stopping=True, patience=40)
    replay = of.train_replay(split, 2, config, "spirals")
    kept = replay.snapshots[-1]
    assert kept.kept and kept.epoch == replay.best_epoch and replay.stopped_early and replay.restored
    assert max(s.epoch for s in replay.snapshots[:-1]) == replay.epochs == replay.best_epoch + 40


@pytest.mark.slow
def test_the_course_run_overfits_as_the_page_says():
    """The run every learner sees: the validation loss turns, and the accuracy falls with it."""
    split = of.lesson_split(*of.LESSON_DATA, of.HOLDOUT, of.LESSON_CONFIG.seed)
    run = mlp.train_mlp(*split, of.LESSON_DATA[3], of.LESSON_CONFIG)
    assert of.trend(run.val_loss_) == "down_up"
    best = run.best_epoch_
    assert best < of.LESSON_CONFIG.epochs / 4 and run.val_loss_[-1] > 2 * run.val_loss_[best - 1]
    assert run.val_acc_[-1] < run.val_acc_[best - 1] and run.train_acc_[-1] == 1.0


def test_the_example_csv_is_a_valid_file():
    X, y, names = of.parse_csv(of.example_csv().encode())
    assert X.shape == (60, 2) and names == ["a", "b"] and np.bincount(y).tolist() == [30, 30]


def test_boundary_grid_shapes_and_probabilities():
    split = _overfitting_problem()
    run = mlp.train_mlp(*split, 2, mlp.MLPConfig(epochs=5))
    xs, ys, probs = of.boundary_grid(run, (-1, 1), (-2, 2), resolution=7)
    assert xs.shape == ys.shape == (7,) and probs.shape == (7, 7, 2)
    np.testing.assert_allclose(probs.sum(axis=2), 1, atol=1e-5)
    # row i is y = ys[i], column j is x = xs[j]
    np.testing.assert_allclose(probs[2, 5], mlp.predict_proba(run, [[xs[5], ys[2]]])[0], atol=1e-6)


@pytest.mark.gpu
def test_gpu_training_matches_cpu():
    split = _overfitting_problem()
    config = mlp.MLPConfig(width=16, epochs=30)
    cpu = mlp.train_mlp(*split, 2, config, device="cpu")
    gpu = mlp.train_mlp(*split, 2, config, device="cuda")
    np.testing.assert_allclose(cpu.val_loss_, gpu.val_loss_, rtol=1e-3, atol=1e-4)

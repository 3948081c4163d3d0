"""Lesson 1's computations: the curriculum's worked figures, torch.autograd, and least squares."""

import math

import numpy as np
import pytest
import torch
from sklearn.linear_model import LinearRegression

from core import fitting as fit

X = np.array(fit.TEA_PRICES)
Y = np.array(fit.TEA_SALES)


def test_model_v1_errors_are_the_articles():
    errors = fit.sample_errors(X, Y, fit.K0, fit.B0)
    np.testing.assert_allclose(errors, [5000, 5000, 1250, 11250, 0, 11250])
    assert fit.dataset_error(X, Y, fit.K0, fit.B0) == 5625


def test_first_two_steps_are_the_articles():
    steps = fit.sgd_epoch(X, Y, fit.K0, fit.B0, fit.ARTICLE_LR)
    first, second = steps[0], steps[1]
    assert (first.y_hat, first.error, first.dk, first.db) == pytest.approx((700, 5000, 3000, 100))
    assert (first.k, first.b) == pytest.approx((-10.3, 999.99))
    assert round(second.y_hat, 2) == 742.49
    assert round(second.error, 2) == 4277.20
    assert round(second.dk, 2) == 2312.25
    assert round(second.db, 2) == 92.49
    assert (second.k_before, second.b_before) == (first.k, first.b)


def test_epoch_errors_are_the_articles():
    run = fit.train(X, Y, epochs=20)
    assert round(run.errors[0]) == 5625
    assert round(run.errors[1], 2) == 4847.33
    assert round(run.errors[10], 1) == 3577.5
    assert round(run.errors[15], 1) == 3560.6
    assert round(run.errors[20], 1) == 3558.4
    assert round(run.ks[20], 2) == -13.26
    assert round(run.bs[20], 2) == 999.64
    assert run.diverged_at is None and run.epochs_done == 20


def test_prediction_at_35_full_and_rounded():
    run = fit.train(X, Y, epochs=20)
    k, b = run.ks[-1], run.bs[-1]
    assert round(float(fit.predict(35, k, b)), 1) == 535.4
    assert round(float(fit.predict(35, round(k, 2), round(b, 2)))) == 536


def test_gradients_match_torch_autograd():
    rng = np.random.default_rng(0)
    for _ in range(20):
        x, y, k, b = rng.normal(20, 10), rng.normal(700, 100), rng.normal(-10, 5), rng.normal(900, 100)
        kt = torch.tensor(k, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        error = (kt * x + bt - y) ** 2 / 2
        error.backward()
        step = fit.sgd_step(0, x, y, k, b, lr=0.0)
        assert step.error == pytest.approx(error.item(), rel=1e-12)
        assert step.dk == pytest.approx(kt.grad.item(), rel=1e-12)
        assert step.db == pytest.approx(bt.grad.item(), rel=1e-12)


def test_sgd_epoch_matches_torch_sgd():
    """Our per-sample loop equals torch.optim.SGD stepping on the same samples in the same order."""
    k = torch.tensor(fit.K0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(fit.B0, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([k, b], lr=fit.ARTICLE_LR)
    for _ in range(3):
        for x, y in zip(X, Y):
            optimizer.zero_grad()
            ((k * x + b - y) ** 2 / 2).backward()
            optimizer.step()
    run = fit.train(X, Y, epochs=3)
    assert run.ks[-1] == pytest.approx(k.item(), rel=1e-12)
    assert run.bs[-1] == pytest.approx(b.item(), rel=1e-12)


def test_least_squares_matches_closed_form_and_sklearn():
    k, b = fit.least_squares(X, Y)
    # closed form: k = cov(x, y) / var(x), b = mean(y) - k mean(x)
    k_closed = np.sum((X - X.mean()) * (Y - Y.mean())) / np.sum((X - X.mean()) ** 2)
    assert k == pytest.approx(k_closed) and b == pytest.approx(Y.mean() - k_closed * X.mean())
    reference = LinearRegression().fit(X.reshape(-1, 1), Y)
    assert k == pytest.approx(reference.coef_[0]) and b == pytest.approx(reference.intercept_)
    assert round(k, 6) == -9.142857 and round(b) == 910
    assert round(fit.dataset_error(X, Y, k, b), 1) == 2785.7
    assert round(float(fit.predict(35, k, b))) == 590


def test_least_squares_is_the_floor_sgd_cannot_beat():
    best = fit.dataset_error(X, Y, *fit.least_squares(X, Y))
    run = fit.train(X, Y, epochs=100)
    assert min(run.errors) > best


@pytest.mark.parametrize("lr", [1e-2, 3e-2, 1.0])
def test_divergence_is_detected_and_stops(lr):
    run = fit.train(X, Y, lr=lr, epochs=100)
    assert run.diverged_at is not None and run.diverged_at <= 100
    assert all(math.isfinite(e) and e <= fit.DIVERGENCE_FACTOR * run.errors[0] for e in run.errors)
    assert len(run.ks) == len(run.bs) == len(run.errors) == run.diverged_at


@pytest.mark.parametrize("lr", [1e-6, 1e-4, 5e-3])
def test_stable_or_oscillating_learning_rates_are_not_called_divergent(lr):
    run = fit.train(X, Y, lr=lr, epochs=100)
    assert run.diverged_at is None and run.epochs_done == 100 and run.errors[-1] < run.errors[0]


def test_parse_points_accepts_text_and_skips_blank_rows():
    x, y = fit.parse_points([("30", "600"), (" 25 ", 650), (None, None), ("", " "), (float("nan"), None)])
    np.testing.assert_array_equal(x, [30, 25])
    np.testing.assert_array_equal(y, [600, 650])


@pytest.mark.parametrize(
    ("rows", "code", "fields"),
    [
        ([("30", "600"), ("abc", "650")], "not_a_number", {"row": 2}),
        ([("30", "600"), ("25", "")], "missing", {"row": 2}),
        ([("30", "600"), ("inf", "650")], "not_a_number", {"row": 2}),
        ([("1e9", "600"), ("25", "650")], "too_large", {"row": 1}),
        ([("30", "600")], "too_few", {}),
        ([], "too_few", {}),
        ([("20", "600"), ("20", "650"), ("20", "700")], "same_price", {}),
        ([(str(i), "1") for i in range(fit.MAX_POINTS + 1)], "too_many", {"limit": fit.MAX_POINTS}),
    ],
)
def test_parse_points_rejects_bad_data(rows, code, fields):
    with pytest.raises(fit.DataError) as caught:
        fit.parse_points(rows)
    assert caught.value.code == code and caught.value.fields == fields


def _houses(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Realistic houses: 600-3,000 square feet at about 200 per square foot (the fault report's case)."""
    area = np.linspace(600, 3000, n)
    return area, 200 * area + np.linspace(-20_000, 20_000, n)


@pytest.mark.parametrize(
    "data, lr",
    [
        (_houses(100), fit.ARTICLE_LR),  # the default learning rate
        (_houses(40), 0.03),  # ?fit_lr=0.03
        ((np.linspace(990_000, 999_000, 30), np.linspace(600, 900, 30)), fit.ARTICLE_LR),  # prices near 1e6
    ],
)
def test_overflowing_data_is_stopped_as_divergence_not_raised(data, lr):
    """Python floats raise OverflowError where NumPy gives inf: an accepted table must never crash."""
    x, y = data
    run = fit.train(x, y, lr=lr, epochs=100)
    assert run.diverged_at == 1  # detected inside the first epoch, step by step
    assert all(math.isfinite(v) for v in run.ks + run.bs + run.errors)


def test_an_overflowing_first_epoch_is_marked_at_the_step_it_diverged():
    x, y = _houses(100)
    steps = fit.sgd_epoch(x, y, fit.K0, fit.B0, fit.ARTICLE_LR)
    first_bad = fit.first_divergent_step(steps)
    assert first_bad is not None and 0 < first_bad < len(steps)
    assert all(math.isfinite(s.error) for s in steps[:first_bad])
    assert fit.first_divergent_step(fit.sgd_epoch(X, Y, fit.K0, fit.B0, fit.ARTICLE_LR)) is None


def test_is_shop_data_only_for_the_six_teas_in_order():
    assert fit.is_shop_data(X, Y) and fit.is_shop_data(tuple(X), list(Y))
    assert not fit.is_shop_data(X[::-1], Y[::-1]) and not fit.is_shop_data(X, Y + 1)


# --- Numbers the page quotes (moved from app_pages/fitting.py) ------------------------------------
def test_best_line_is_the_closed_form_line_and_its_error():
    k, b, error = fit.best_line(X, Y)
    k_closed = np.sum((X - X.mean()) * (Y - Y.mean())) / np.sum((X - X.mean()) ** 2)
    b_closed = Y.mean() - k_closed * X.mean()
    assert (k, b) == pytest.approx((k_closed, b_closed))
    assert error == pytest.approx(np.mean((k_closed * X + b_closed - Y) ** 2) / 2)


def test_long_run_outcome_follows_the_run():
    best = fit.best_line(X, Y)[2]
    assert fit.long_run_outcome(fit.train(X, Y, lr=3e-2, epochs=100), best) == "explode"
    assert fit.long_run_outcome(fit.train(X, Y, lr=1e-4, epochs=100), best) == "stall"  # SGD's noise floor
    line_x = np.array([1.0, 2.0, 3.0, 4.0])  # points on one line: per-sample SGD can reach it
    exact = fit.train(line_x, 2 * line_x + 1, k=0.0, b=0.0, lr=0.05, epochs=100)
    best_exact = fit.best_line(line_x, 2 * line_x + 1)[2]
    assert best_exact < 1e-12 and fit.long_run_outcome(exact, best_exact) == "stall"  # 1e-5 is not 1% of ~0
    assert fit.long_run_outcome(exact, exact.errors[-1] / 1.005) == "reach"
    # the rule itself, on hand-made runs: within 1% of the best error counts as reached
    assert fit.long_run_outcome(fit.TrainResult([0, 0], [0, 0], [10.0, 101.0]), 100.0) == "reach"
    assert fit.long_run_outcome(fit.TrainResult([0, 0], [0, 0], [10.0, 101.1]), 100.0) == "stall"
    assert fit.long_run_outcome(fit.TrainResult([0], [0], [10.0], diverged_at=1), 100.0) == "explode"


def test_first_update_effect_is_the_articles_second_tea():
    steps = fit.sgd_epoch(X, Y, fit.K0, fit.B0, fit.ARTICLE_LR)
    first, second, shift = fit.first_update_effect(steps)
    assert (first, second) == (steps[0], steps[1])
    assert second.y_hat - shift == fit.K0 * X[1] + fit.B0 == 750  # tea 2 before any update
    # by hand: the update moves the prediction at x by -lr (de/dk x + de/db)
    assert shift == pytest.approx(-fit.ARTICLE_LR * (first.dk * second.x + first.db)) and round(shift, 2) == -7.51
    single = fit.sgd_epoch(X[:1], Y[:1], fit.K0, fit.B0, fit.ARTICLE_LR)
    assert fit.first_update_effect(single)[:2] == (single[0], single[0])


def test_gradient_ratio_is_the_mean_ratio_of_the_two_gradients():
    steps = fit.sgd_epoch(X, Y, fit.K0, fit.B0, fit.ARTICLE_LR)
    ratios = [abs(s.dk / s.db) for s in steps]  # de/dk over de/db, step by step
    assert fit.gradient_ratio(X) == pytest.approx(np.mean(ratios)) == 17.5
    assert fit.gradient_ratio([-2.0, 4.0]) == 3.0


def test_rounded_prediction_is_the_articles_536():
    run = fit.train(X, Y, epochs=20)
    k2, b2, p2 = fit.rounded_prediction(run.ks[-1], run.bs[-1])
    assert (k2, b2) == (-13.26, 999.64)
    assert p2 == pytest.approx(-13.26 * 35 + 999.64) and round(p2) == 536

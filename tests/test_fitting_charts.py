"""The guess chart updated in place equals the chart built from scratch for the same k and b."""

import numpy as np

from core import fitting as fit
from ui import fitting_charts as charts


def test_in_place_update_equals_a_fresh_build():
    x, y = np.array(fit.TEA_PRICES), np.array(fit.TEA_SALES)
    figure = charts.guess_figure(x, y, -10.0, 1000.0)
    charts.update_guess_figure(figure, x, y, -13.2, 940.0)
    fresh = charts.guess_figure(x, y, -13.2, 940.0)
    assert figure.to_json() == fresh.to_json()


def test_residuals_join_each_tea_to_the_line():
    x, y = np.array([10.0, 20.0]), np.array([5.0, 9.0])
    figure = charts.guess_figure(x, y, 1.0, 0.0)
    assert list(figure.data[0].x) == [10.0, 10.0, None, 20.0, 20.0, None]
    assert list(figure.data[0].y) == [5.0, 10.0, None, 9.0, 20.0, None]

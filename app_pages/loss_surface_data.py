"""Lesson 2's cached calls into core, shared by its sections (app_pages/loss_surface_sections.py) and
its page (app_pages/loss_surface.py), with the ranges they need; not a page itself. Caches live here,
so their decorators run once per process, not per rerun."""

import streamlit as st

from core import fitting as fit
from core import loss_surface as ls

# Ranges and defaults of the neuron's section and the maps (the tea walks' are in the sections module).
NEURON_W, NEURON_V = (-3.0, 3.0, 1.0, 0.1), (-2.0, 2.0, -1.0, 0.1)  # the start (w, v): (min, max, default, step)
NEURON_LRS, NEURON_LR, NEURON_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0), 0.5, 300
DRAWN = 60  # grid lines the browser draws of each map (core computes 200)
START = (fit.K0, fit.B0)  # every walk on the milk-tea surface starts at lesson 1's model v1.0


# --- Cached core calls -----------------------------------------------------------------------------------
@st.cache_resource(max_entries=2, show_spinner=False)
def tea_map(standardized: bool):
    """(ks, bs, z) the browser draws of the milk-tea error surface; shared read-only by every learner."""
    ks, bs = ls.tea_window(standardized, 200)
    return ls.thin_grid(ks, bs, ls.surface(ls.line_loss(*ls.tea_data(standardized)), ks, bs), DRAWN)


@st.cache_data(max_entries=256, show_spinner=False)
def tea_path(name: str, lr: float, steps: int, standardized: bool) -> ls.Descent:
    return ls.tea_path(name, lr, START, steps, standardized)


@st.cache_resource(max_entries=1, show_spinner=False)
def lesson_numbers() -> dict:
    """The fixed numbers the text quotes, from core: lesson 1's stall, the lowest error, the scaling and
    the ravine's two curvatures' ratio."""
    x, _ = ls.tea_data()
    _, mean, std = ls.standardize(x)
    k_s, b_s = fit.least_squares(*ls.tea_data(True))
    k, b = ls.to_price_units(k_s, b_s, mean, std)
    low, high = ls.curvatures(x)
    return {"stall": ls.sgd_stall(), "best": ls.best_error(), "mean": mean, "std": std, "k_s": k_s, "b_s": b_s,
            "k": k, "b": b, "prediction": float(fit.predict(fit.NEW_PRICE, k, b)), "ratio": high / low}  # fmt: skip


@st.cache_resource(max_entries=1, show_spinner=False)
def neuron_map() -> ls.NeuronMap:
    return ls.neuron_map()


@st.cache_resource(max_entries=1, show_spinner=False)
def neuron_drawn():
    """(ws, vs, loss) of the neuron's map as the browser draws it."""
    landscape = neuron_map()
    return ls.thin_grid(landscape.ws, landscape.vs, landscape.loss, 100)


@st.cache_data(max_entries=64, show_spinner=False)
def neuron_path(name: str, lr: float, start: tuple) -> ls.Descent:
    x, y = ls.neuron_data()
    return ls.descend(ls.neuron_loss(x, y), ls.make_optimizer(name, lr), start, NEURON_STEPS)

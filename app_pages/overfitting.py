"""Lesson 4 — Overfitting and regularization: polynomials on house prices, then a small MLP."""

import streamlit as st

from core import mlp
from core import overfitting as of
from core.device import get_device
from ui import overfitting_charts as charts
from ui.figures import chart, show
from ui.frame import lesson_footer
from ui.i18n import t
from ui.layout import setup_page, show_code, vocabulary
from ui.literal import for_markdown
from ui.training_slot import train_with_progress
from ui.widgets import slider

# Slider ranges and defaults, in one place: (min, max, default, step).
DEFAULTS = mlp.MLPConfig()
DEGREE_SLIDER = (1, 15, 3, 1)
HOUSES_SLIDER = (10, 100, 12, 2)
COPIES_SLIDER = (0, 10, 0, 1)
JITTER_SLIDER = (0.0, 1.0, 0.3, 0.1)  # km
STRENGTHS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
HOUSE_SEED = 1

POINTS_SLIDER = (50, 500, 200, 50)
NOISE_SLIDER = (0.0, 0.5, 0.15, 0.05)
HOLDOUT_SLIDER = (0.1, 0.9, 0.5, 0.1)
CLASSES_SLIDER = (2, of.MAX_CLASSES, 3, 1)
WIDTHS = (2, 4, 8, 16, 32, 64)
DEPTH_SLIDER = (1, 4, 2, 1)
DROPOUT_SLIDER = (0.0, 0.7, 0.0, 0.1)
DECAYS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
EPOCHS_SLIDER = (50, 1000, DEFAULTS.epochs, 50)
PATIENCE_SLIDER = (10, 200, 30, 10)


def strength(label_key: str, options: tuple, default, key: str, **kwargs):
    return st.select_slider(t(label_key), options, default, format_func=lambda v: f"{v:g}", key=key, **kwargs)


@st.cache_data(max_entries=64, show_spinner=False)
def poly_sweep(n: int, penalty: str, lam: float, copies: int, jitter: float):
    x, y = of.sample_houses(n, HOUSE_SEED)
    x_test, y_test = of.test_houses()
    augmented = of.augment(x, y, copies, jitter, HOUSE_SEED + 1) if copies and jitter else None
    sweep = of.degree_sweep(x, y, x_test, y_test, DEGREE_SLIDER[1], penalty, lam, fit_on=augmented)
    return x, y, augmented, x_test, y_test, sweep


lang = setup_page("overfitting")
st.markdown(t("overfitting.intro"))

# --- Part 1: polynomials through a few houses -----------------------------------------------------
st.header(t("overfitting.poly_header"))
st.markdown(t("overfitting.poly_intro"))


@st.fragment
def poly_section(lang: str) -> None:
    """Degree, houses, penalty and augmentation drive the fit, the U-curve and the coefficients.

    A fragment: moving one of its sliders reruns this section alone. The three figures are built
    once per setting and updated in place when only the degree moves (see ui.figures.figure).
    """
    left, right = st.columns([1, 2])
    with left:
        degree = slider("overfitting.degree_label", DEGREE_SLIDER, "of_degree", help=t("overfitting.degree_help"))
        n_houses = slider("overfitting.houses_label", HOUSES_SLIDER, "of_houses", help=t("overfitting.houses_help"))
        penalty = st.segmented_control(
            t("overfitting.penalty_label"),
            of.PENALTIES,
            default="none",
            format_func={p: t(f"overfitting.penalty_names.{p}") for p in of.PENALTIES}.get,
            key="of_penalty",  # not bound to the URL: Streamlit writes the translated label there
            required=True,
        )
        lam = strength("overfitting.strength_label", STRENGTHS, 1e-2, "of_lam", bind="query-params")
        copies = slider("overfitting.copies_label", COPIES_SLIDER, "of_copies", help=t("overfitting.copies_help"))
        jitter = slider("overfitting.jitter_label", JITTER_SLIDER, "of_jitter")
    setting = (n_houses, penalty or "none", lam, copies, jitter)
    x, y, augmented, x_test, y_test, sweep = poly_sweep(*setting)
    fit = sweep.fits[degree - 1]
    signature = (*setting, lang)  # what fixes the figures' structure; the degree only changes values
    with right:
        chart(
            "of_fit",
            signature,
            build=lambda: charts.poly_fit_figure(x, y, augmented, x_test, y_test, fit),
            update=lambda fig: charts.update_poly_fit_figure(fig, fit),
        )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        t("overfitting.train_error"), f"{sweep.train_mse[degree - 1]:.3f}", help=t("overfitting.train_error_help")
    )
    c2.metric(t("overfitting.test_error"), f"{sweep.test_mse[degree - 1]:.3f}", help=t("overfitting.test_error_help"))
    c3.metric(t("overfitting.best_degree"), sweep.best_degree)
    c4.metric(t("overfitting.zero_coefs"), f"{int((fit.w == 0).sum())} / {degree}")
    c1, c2 = st.columns(2)
    with c1:
        chart(
            "of_u_curve",
            signature,
            build=lambda: charts.u_curve_figure(sweep, degree),
            update=lambda fig: charts.update_u_curve_figure(fig, degree),
        )
    with c2:
        chart(
            "of_coefs",
            (lang,),
            build=lambda: charts.coef_figure(fit),
            update=lambda fig: charts.update_coef_figure(fig, fit),
        )


poly_section(lang)
st.latex(
    r"L(\mathbf w, b) = \frac1n\sum_{i=1}^n \bigl(y_i - b - \textstyle\sum_j w_j P_j(u_i)\bigr)^2"
    r" \;+\; \underbrace{\lambda\sum_j w_j^2}_{L2}\ \text{or}\ \underbrace{\lambda\sum_j |w_j|}_{L1}"
)
st.markdown(t("overfitting.poly_explain"))

# --- Part 2: a small network classifying points ---------------------------------------------------
st.header(t("overfitting.mlp_header"))
st.markdown(t("overfitting.mlp_intro"))


KEPT_UPLOAD = "of_csv_kept"  # (name, bytes) of the learner's file: an uploader forgets it on leaving the page


def keep_upload() -> None:
    """The uploader changed: keep the new file (sizes are capped by the server and parse_csv), or
    forget the kept one when the learner removed it."""
    upload = st.session_state.get("of_csv")
    if upload is None:
        st.session_state.pop(KEPT_UPLOAD, None)
    else:
        st.session_state[KEPT_UPLOAD] = (upload.name, upload.getvalue()[: of.CSV_MAX_BYTES + 1])


@st.fragment
def mlp_section(lang: str) -> None:
    """The data, the network's settings, training on the button and the last two runs.

    A fragment: its widgets rerun this part alone, never the polynomial figures above.
    """
    data_col, net_col = st.columns(2)
    with data_col:
        st.subheader(t("overfitting.data_subheader"))
        kind = st.selectbox(
            t("overfitting.dataset_label"),
            of.DATASETS + ("csv",),
            format_func={k: t(f"overfitting.datasets.{k}") for k in of.DATASETS + ("csv",)}.get,
            key="of_dataset",  # not bound to the URL, like of_penalty
        )
        n_points, noise, classes = POINTS_SLIDER[2], NOISE_SLIDER[2], CLASSES_SLIDER[2]
        if kind != "csv":  # a learner's file brings its own points and classes
            n_points = slider("overfitting.points_label", POINTS_SLIDER, "of_points")
            noise = slider("overfitting.noise_label", NOISE_SLIDER, "of_noise")
            classes = slider(
                "overfitting.classes_label", CLASSES_SLIDER, "of_classes", help=t("overfitting.classes_help")
            )
        holdout = slider("overfitting.holdout_label", HOLDOUT_SLIDER, "of_holdout", help=t("overfitting.holdout_help"))
    with net_col:
        st.subheader(t("overfitting.net_subheader"))
        width = strength("overfitting.width_label", WIDTHS, DEFAULTS.width, "of_width", bind="query-params")
        depth = slider("overfitting.depth_label", DEPTH_SLIDER, "of_depth")
        dropout = slider("overfitting.dropout_label", DROPOUT_SLIDER, "of_dropout", help=t("overfitting.dropout_help"))
        c1, c2 = st.columns(2)
        with c1:
            l1 = strength("overfitting.l1_label", DECAYS, 0.0, "of_l1", bind="query-params")
        with c2:
            l2 = strength("overfitting.l2_label", DECAYS, 0.0, "of_l2", bind="query-params")
        epochs = slider("overfitting.epochs_label", EPOCHS_SLIDER, "of_epochs")
        c1, c2 = st.columns([1, 1])
        with c1:
            early = st.toggle(t("overfitting.early_label"), False, key="of_early", help=t("overfitting.early_help"))
            seed = st.number_input(
                t("overfitting.seed_label"), 0, 9999, 0, key="of_seed", help=t("overfitting.seed_help")
            )
        with c2:
            patience = slider(
                "overfitting.patience_label", PATIENCE_SLIDER, "of_patience", help=t("overfitting.patience_help")
            )

    data, source = None, None  # source: what the points are made from, for the preview's signature
    if kind == "csv":
        st.markdown(t("overfitting.csv_help", rows=of.CSV_MAX_ROWS, kb=of.CSV_MAX_BYTES // 1000, k=of.MAX_CLASSES))
        example = of.example_csv()
        st.download_button(t("overfitting.csv_example"), example, "example.csv", "text/csv", key="of_csv_example")
        upload = st.file_uploader(t("overfitting.csv_label"), type=["csv"], key="of_csv", on_change=keep_upload)
        if upload is not None:
            keep_upload()
        kept = st.session_state.get(KEPT_UPLOAD)
        if upload is None and kept is not None:  # back from another lesson: the uploader starts empty
            st.caption(t("overfitting.csv_kept", name=for_markdown(kept[0])))
            st.button(
                t("overfitting.csv_forget"),
                key="of_csv_forget",
                on_click=st.session_state.pop,
                args=(KEPT_UPLOAD, None),
            )
        if kept is not None:
            try:
                data, source = of.parse_csv(kept[1]), kept[1]
            except of.CsvError as problem:
                st.error(t(f"overfitting.csv_errors.{problem.code}", **problem.fields), icon=":material/error:")
    else:
        X, labels = of.make_dataset(kind, n_points, noise, classes, seed)
        names = [t("overfitting.class_name", number=c + 1) for c in range(of.n_classes_of(kind, classes))]
        data, source = (X, labels, names), (kind, n_points, noise, classes)

    if data is not None:
        X, labels, names = data
        split = of.split(X, labels, holdout, seed)
        config = mlp.MLPConfig(
            width=width,
            depth=depth,
            dropout=dropout,
            l1=l1,
            l2=l2,
            epochs=epochs,
            early_stopping=early,
            patience=patience,
            seed=int(seed),
        )
        x_range, y_range = of.plot_range(X)
        train_col, map_col = st.columns([1, 2])
        with train_col:
            st.markdown(t("overfitting.split_summary", train=len(split[1]), val=len(split[3])))
            pressed = st.button(
                t("overfitting.train_button"), type="primary", icon=":material/play_arrow:", key="of_train"
            )
        with map_col:
            if pressed:  # the bar and the live map take the preview's place while the network trains

                def draw_live(progress) -> None:
                    run = progress.record
                    grid = of.boundary_grid(run, x_range, y_range, resolution=40)
                    title = t("overfitting.chart.live_title", epoch=progress.step)
                    show(charts.boundary_figure(grid, split, names, title), key=f"of_live_{progress.step}")
                    title = t("overfitting.chart.live_loss_title")
                    losses = charts.loss_figure(run.train_loss_, run.val_loss_, run.best_epoch_, title)
                    show(losses, key=f"of_live_loss_{progress.step}")

                def train(on_progress) -> of.RunSummary:
                    run = mlp.train_mlp(*split, len(names), config, get_device(), on_progress)
                    dataset = t(f"overfitting.datasets.{kind}")
                    return of.summarize_run(run, config, dataset, names, split, x_range, y_range)

                summary = train_with_progress(
                    lambda p: t("overfitting.training", epoch=p.step, total=epochs), train, draw_live
                )
                if summary is not None:
                    st.session_state["of_runs"] = (st.session_state.get("of_runs", []) + [summary])[-2:]
            chart(
                "of_data",
                (source, holdout, int(seed), lang),
                build=lambda: charts.data_figure(split, names, t("overfitting.chart.data_title")),
                public=kind != "csv",  # a learner's file stays in their session
            )

    runs = st.session_state.get("of_runs", [])
    if runs:
        st.subheader(t("overfitting.results_subheader"))
        shown = (
            runs if len(runs) == 2 and st.toggle(t("overfitting.compare_label"), True, key="of_compare") else runs[-1:]
        )
        first = len(runs) - len(shown) + 1
        for column, (number, run) in zip(st.columns(len(shown)), enumerate(shown, start=first)):
            with column:
                show_run(number, len(shown), run, lang)
        st.markdown(t("overfitting.results_explain"))
    else:
        st.info(t("overfitting.no_run_yet"))


def show_run(number: int, columns: int, run: of.RunSummary, lang: str) -> None:
    """One trained run: its settings, decision map, loss curves and accuracies.

    Its figures are built once per run (a RunSummary is equal only to itself) and kept in the
    learner's session: the run came from their settings, maybe from their file.
    """
    c = run.config
    st.markdown(
        t("overfitting.run_summary", number=number, dataset=run.dataset, width=c.width, depth=c.depth)
        + " · "
        + t("overfitting.run_settings", dropout=f"{c.dropout:g}", l1=f"{c.l1:g}", l2=f"{c.l2:g}", seed=c.seed)
    )
    signature = (run, number, lang)
    map_title = t("overfitting.chart.map_title", number=number)
    loss_title = t("overfitting.chart.loss_title", number=number)
    chart(
        f"of_map_{number}_of_{columns}",
        signature,
        lambda: charts.boundary_figure(run.grid, run.split, run.names, map_title),
        public=False,
    )
    chart(
        f"of_loss_{number}_of_{columns}",
        signature,
        lambda: charts.loss_figure(run.train_loss, run.val_loss, run.best_epoch, loss_title),
        public=False,
    )
    a, b = st.columns(2)
    a.metric(t("overfitting.train_acc"), f"{run.train_acc:.1%}")
    b.metric(t("overfitting.val_acc"), f"{run.val_acc:.1%}")
    if run.restored:
        key = "overfitting.stopped_early" if run.stopped_early else "overfitting.restored"
        st.success(t(key, epoch=run.best_epoch, epochs=len(run.val_loss)))


mlp_section(lang)

vocabulary("overfitting")
show_code(
    of.features,
    of.fit_ridge,
    of.fit_lasso,
    of.augment,
    mlp.Dropout.forward,
    mlp.MLP.__init__,
    mlp.cross_entropy,
    mlp.train_mlp,
)
lesson_footer("overfitting")

"""A whole classroom at once: N learners on one `streamlit run` server, over its own websocket protocol.

    python -m bench.bench_load                     # latency for N = 1, 10, 30, then training, then churn
    python -m bench.bench_load --mode latency --learners 1,10,30 --moves 8
    python -m bench.bench_load --mode training --training-learners 10
    python -m bench.bench_load --mode churn --sessions 200

Why the websocket protocol and not 30 browsers: the machine this course is measured on has 2 cores.
Thirty Chromium contexts would spend them rendering Plotly, and the figure would measure the
browsers, not the server. A browser's share of a slider move on the server is one `BackMsg`
(rerun with this widget value, and the fragment it lives in) and the `ForwardMsg`s that come back;
bench/load_client.py sends exactly that from asyncio clients in one process, so the server does the
work 30 real tabs would cause. What it leaves out is the browser's own drawing time, which
bench/bench_pages.py measures per page in Debian's Chromium (one tab, where it is not contended).

Modes (each starts a fresh server on loopback, so its peak memory is its own):

- latency: a warm-up learner visits the home page and every built lesson and makes the slider
  moves the others will make (so every N meets the same warm caches); then N learners arrive
  within `--arrive-within` seconds (60: the issue's class opens the link within a minute; 10
  squeezes the page opens together as a stress test). Learner i takes lesson i mod (number of
  lessons); with fewer learners than lessons each takes several in turn, so every N covers every
  lesson. A learner opens its lesson (timed) and moves its first slider with a seeded think time of
  1-3 s between moves: `--moves` times, and on until every learner is in, so all N are active at
  once at the end ("all in": the moves made then, reported apart). Latency is from sending the
  widget change to the `script_finished` message. Errors: exception elements in the deltas,
  disconnects, timeouts, runs that did not finish cleanly.
- training: N-1 learners move sliders while nobody trains (idle), then again while one more learner
  trains a model (presses a lesson's train button again and again until the others are done);
  the others' latency in both phases is compared.
- churn: `--sessions` sessions come and go, five at a time (connect, open a lesson, move its first
  slider, disconnect); the server's resident memory after the first 10 and after all of them.

Results are printed as Markdown and written to bench/results/load.json.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import time
from pathlib import Path

from bench.load_client import Learner, LoadError
from tests.harness import streamlit_server
from ui.lessons import ROOT, built_lessons

RESULTS = ROOT / "bench" / "results" / "load.json"
GOALS = {"p95_ratio": 4.0, "memory_mb": 1536.0, "training_ratio": 2.0, "churn_growth": 0.20}
# Train buttons by lesson (widget keys). A page listed here trains on the server when pressed.
TRAIN_BUTTONS = {
    "sampling": "smp_retrain",
    "neural-networks": "nn_train",
    "overfitting": "of_train",
    "convolution": "conv_train",
    "big-picture": "big_distill",
}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Tally:
    """Latencies and errors of one phase, by lesson."""

    def __init__(self):
        self.opens: list[float] = []
        self.moves: list[float] = []
        self.full_room_moves: list[float] = []  # moves made while every learner was in
        self.moves_by_page: dict[str, int] = {}
        self.errors: list[str] = []

    def summary(self) -> dict:
        ms = [s * 1000 for s in self.moves]
        full = [s * 1000 for s in self.full_room_moves]
        return {
            "moves": len(ms),
            "p50_ms": round(statistics.median(ms), 1) if ms else None,
            "p95_ms": round(percentile(ms, 0.95), 1) if ms else None,
            "full_room_moves": len(full),
            "full_room_p95_ms": round(percentile(full, 0.95), 1) if full else None,
            "open_p50_ms": round(statistics.median(self.opens) * 1000, 1) if self.opens else None,
            "open_p95_ms": round(percentile(self.opens, 0.95) * 1000, 1) if self.opens else None,
            "moves_by_page": self.moves_by_page,
            "errors": self.errors,
        }


class Room:
    """Counts learners in; `full` is set once all `size` of them have opened their first lesson."""

    def __init__(self, size: int):
        self.size, self.inside, self.full = size, 0, asyncio.Event()

    def came_in(self) -> None:
        self.inside += 1
        if self.inside >= self.size:
            self.full.set()


async def learner_session(
    base_url: str,
    page: str,
    moves: int,
    rng: random.Random,
    tally: Tally,
    lang: str,
    think=(1.0, 3.0),
    room: Room | None = None,
) -> None:
    """Open a lesson and move its first slider `moves` times with think time; record everything.

    With a room, the learner says when it is in and keeps moving until everyone is, so the last
    learner to arrive still meets a full room; moves made while all were in are also kept apart.
    """
    try:
        async with Learner(base_url, page, lang=lang) as learner:
            run = await learner.open()
            tally.opens.append(run.seconds)
            tally.errors += [f"{page}: exception on open: {e[:200]}" for e in run.exceptions]
            if room is not None:
                room.came_in()
            made = 0
            while made < moves or (room is not None and not room.full.is_set()):
                await asyncio.sleep(rng.uniform(*think))
                full = room is not None and room.full.is_set()
                run = await learner.move_first_slider()
                made += 1
                tally.moves.append(run.seconds)
                if full:
                    tally.full_room_moves.append(run.seconds)
                tally.moves_by_page[page] = tally.moves_by_page.get(page, 0) + 1
                tally.errors += [f"{page}: exception: {e[:200]}" for e in run.exceptions]
    except (LoadError, OSError) as error:
        tally.errors.append(f"{page}: {error}")


async def warm_up(base_url: str, pages: list[str], moves: int, lang: str) -> None:
    """Visit the home page and every lesson, making the slider moves the measured learners will make.

    Every measured phase then finds the same warm caches (imports done, models loaded, the slider
    values computed once), so phases and values of N compare like with like.
    """
    async with Learner(base_url, "", lang=lang) as learner:
        await learner.open()
    for page in pages:
        async with Learner(base_url, page, lang=lang) as learner:
            await learner.open()
            for _ in range(moves):
                await learner.move_first_slider()


async def poll_memory(pid: int, samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(proc_status_mb(pid, "VmRSS"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)


async def classroom(base_url: str, pid: int, n: int, moves: int, seed: int, lang: str, arrive_within: float) -> dict:
    pages = [x.slug for x in built_lessons()]
    await warm_up(base_url, pages, moves, lang)
    tally, samples, stop = Tally(), [], asyncio.Event()
    memory = asyncio.create_task(poll_memory(pid, samples, stop))

    # Fewer learners than lessons: each takes several in turn, so every N covers every lesson.
    lessons_of = [pages[i::n] if n < len(pages) else [pages[i % len(pages)]] for i in range(n)]

    room = Room(n)

    async def one(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        await asyncio.sleep(rng.uniform(0, arrive_within))
        for lesson, page in enumerate(lessons_of[i]):
            await learner_session(base_url, page, moves, rng, tally, lang, room=room if lesson == 0 else None)

    start, cpu_start = time.perf_counter(), cpu_seconds(pid)
    await asyncio.gather(*(one(i) for i in range(n)))
    wall, cpu = time.perf_counter() - start, cpu_seconds(pid) - cpu_start
    stop.set()
    await memory
    result = tally.summary()
    learners_on = {p: sum(ls.count(p) for ls in lessons_of) for p in pages}
    result.update(
        learners=n,
        seconds=round(wall, 1),
        server_cpu_seconds=round(cpu, 1),
        server_cpu_per_run_ms=round(1000 * cpu / max(1, len(tally.moves) + len(tally.opens)), 1),
        lessons=len(pages),
        lessons_answered=sum(1 for p, k in learners_on.items() if result["moves_by_page"].get(p, 0) >= k * moves),
        lessons_visited=len(pages),
        rss_max_sampled_mb=round(max(samples), 1),
        peak_rss_mb=round(proc_status_mb(pid, "VmHWM"), 1),
    )
    return result


async def training_contention(base_url: str, pid: int, n: int, moves: int, seed: int, lang: str, train_page: str):
    """Others' slider latency while nobody trains, then while one learner trains again and again."""
    pages = [x.slug for x in built_lessons()]
    await warm_up(base_url, pages, moves, lang)
    others = max(1, n - 1)

    async def phase(trainer: bool) -> tuple[Tally, int]:
        tally, done, trained = Tally(), asyncio.Event(), 0

        async def train_until_done() -> None:
            nonlocal trained
            async with Learner(base_url, train_page, lang=lang, timeout=300) as learner:
                await learner.open()
                button = learner.widget_id(TRAIN_BUTTONS[train_page])
                while not done.is_set():
                    run = await learner.press_button(button)
                    tally.errors += [f"trainer: {e[:200]}" for e in run.exceptions]
                    trained += 1

        async def one(i: int) -> None:
            rng = random.Random(seed * 1000 + i)
            await asyncio.sleep(rng.uniform(0, 1.0))
            await learner_session(base_url, pages[i % len(pages)], moves, rng, tally, lang)

        trainer_task = asyncio.create_task(train_until_done()) if trainer else None
        if trainer:
            await asyncio.sleep(1.0)  # let the training start before the others move
        await asyncio.gather(*(one(i) for i in range(others)))
        done.set()
        if trainer_task:
            await trainer_task
        return tally, trained

    idle, _ = await phase(trainer=False)
    busy, runs = await phase(trainer=True)
    idle_s, busy_s = idle.summary(), busy.summary()
    return {
        "learners_moving": others,
        "train_page": train_page,
        "training_runs_completed": runs,
        "idle": idle_s,
        "training": busy_s,
        "p50_ratio": round(busy_s["p50_ms"] / idle_s["p50_ms"], 2),
        "p95_ratio": round(busy_s["p95_ms"] / idle_s["p95_ms"], 2),
        "peak_rss_mb": round(proc_status_mb(pid, "VmHWM"), 1),
    }


async def churn(base_url: str, pid: int, sessions: int, lang: str, at_once: int = 5) -> dict:
    """Sessions come and go, `at_once` at a time; the server's memory after the first 10 and later."""
    pages = [x.slug for x in built_lessons()]
    tally, rss_after = Tally(), {}
    for first in range(0, sessions, at_once):
        batch = range(first, min(sessions, first + at_once))
        await asyncio.gather(
            *(
                learner_session(base_url, pages[i % len(pages)], 1, random.Random(i), tally, lang, (0, 0.5))
                for i in batch
            )
        )
        done = batch[-1] + 1
        if done == 10 or done % 50 == 0 or done == sessions:
            await asyncio.sleep(2.0)  # let the server finish the disconnects' cleanup
            rss_after[done] = round(proc_status_mb(pid, "VmRSS"), 1)
    growth = rss_after[sessions] / rss_after[10] - 1
    return {
        "sessions": sessions,
        "at_once": at_once,
        "rss_after_mb": rss_after,
        "growth_after_first_10": round(growth, 3),
        "peak_rss_mb": round(proc_status_mb(pid, "VmHWM"), 1),
        "errors": tally.errors,
    }


def run_on_fresh_server(coroutine_factory) -> dict:
    with streamlit_server(ROOT / "app.py") as (base_url, process):
        return asyncio.run(coroutine_factory(base_url, process.pid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("all", "latency", "training", "churn"), default="all")
    parser.add_argument("--learners", default="1,10,30", help="latency: comma-separated N")
    parser.add_argument("--moves", type=int, default=8, help="slider moves per learner")
    parser.add_argument("--training-learners", type=int, default=10, help="training: learners in all, one trains")
    parser.add_argument(
        "--arrive-within",
        type=float,
        default=60.0,
        help="latency: arrivals spread over (s)",
    )
    parser.add_argument("--sessions", type=int, default=200, help="churn: sessions that come and go")
    parser.add_argument("--train-page", default="sampling", choices=sorted(TRAIN_BUTTONS))
    parser.add_argument("--lang", default="en")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    counts = [int(n) for n in args.learners.split(",")]
    # Each mode's figures replace that mode's entry in the results file; the others are kept.
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    settings = {"date": time.strftime("%Y-%m-%d %H:%M"), "moves_per_learner": args.moves, "lang": args.lang}

    if args.mode in ("all", "latency"):
        results["latency"] = {"settings": {**settings, "arrive_within_s": args.arrive_within}}
        for n in counts:
            results["latency"][n] = run_on_fresh_server(
                lambda url, pid, n=n: classroom(url, pid, n, args.moves, args.seed, args.lang, args.arrive_within)
            )
        print_latency({n: r for n, r in results["latency"].items() if n != "settings"})
    if args.mode in ("all", "training"):
        n = args.training_learners
        results["training"] = run_on_fresh_server(
            lambda url, pid: training_contention(url, pid, n, args.moves, args.seed, args.lang, args.train_page)
        )
        results["training"]["settings"] = settings
        print_training(results["training"])
    if args.mode in ("all", "churn"):
        results["churn"] = run_on_fresh_server(lambda url, pid: churn(url, pid, args.sessions, args.lang))
        results["churn"]["settings"] = settings
        print_churn(results["churn"])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten {RESULTS.relative_to(ROOT)}")


def print_latency(latency: dict) -> None:
    base = latency[min(latency)]["p95_ms"]
    print(
        "\n| learners | slider moves | p50 ms | p95 ms | p95 / N=1 | all in: moves | all in: p95 ms "
        "| all in: p95 / N=1 | open p50 ms | open p95 ms | lessons answered | errors | peak RSS MB "
        "| server CPU s / wall s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, r in latency.items():
        answered = f"{r['lessons_answered']}/{r['lessons']}"
        print(
            f"| {n} | {r['moves']} | {r['p50_ms']} | {r['p95_ms']} | {r['p95_ms'] / base:.2f} | {r['full_room_moves']} "
            f"| {r['full_room_p95_ms']} | {(r['full_room_p95_ms'] or float('nan')) / base:.2f} | {r['open_p50_ms']} "
            f"| {r['open_p95_ms']} | {answered} | {len(r['errors'])} | {r['peak_rss_mb']:.0f} "
            f"| {r['server_cpu_seconds']} / {r['seconds']} |"
        )
        for error in r["errors"][:5]:
            print(f"  error: {error}")
    print(f"Goals at the largest N: p95 <= {GOALS['p95_ratio']} x N=1, zero errors, peak < {GOALS['memory_mb']:.0f} MB")


def print_training(r: dict) -> None:
    print(
        f"\n{r['learners_moving']} learners move sliders; one more trains on {r['train_page']} "
        f"({r['training_runs_completed']} runs completed during the phase)\n"
    )
    print("| phase | slider moves | p50 ms | p95 ms | errors |")
    print("|---|---:|---:|---:|---:|")
    for phase in ("idle", "training"):
        s = r[phase]
        print(f"| {phase} | {s['moves']} | {s['p50_ms']} | {s['p95_ms']} | {len(s['errors'])} |")
    print(f"Ratio training / idle: p50 {r['p50_ratio']}, p95 {r['p95_ratio']} (goal <= {GOALS['training_ratio']})")


def print_churn(r: dict) -> None:
    print(f"\n{r['sessions']} sessions came and went; server RSS (MB) after n sessions: {r['rss_after_mb']}")
    print(
        f"Growth after the first 10: {r['growth_after_first_10']:.1%} (goal <= {GOALS['churn_growth']:.0%}); "
        f"peak {r['peak_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()

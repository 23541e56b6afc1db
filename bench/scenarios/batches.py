"""Whole `annex batch` processes: batches of generated customers (wall time, rate, memory of the
process tree) and the marginal cost of one more annex inside a batch."""
from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from lib import CUSTOMER_ID, ROOT, Unavailable, children_cpu, engine_brand, make_customers, scenario, tree_memory_mb


def typst_brand(folder: Path) -> Path:
    """A brand folder that is the default brand with `engine: typst` (other files from the default)."""
    engine_brand("typst")  # Unavailable in a tree without the engine
    folder.mkdir(parents=True, exist_ok=True)
    default = (ROOT / "templates" / "default" / "brand.yaml").read_text(encoding="utf-8")
    # the default brand.yaml names its engine (weasyprint); an older one does not
    typst = (default.replace("engine: weasyprint", "engine: typst") if "\nengine:" in default
             else "engine: typst\n" + default)
    (folder / "brand.yaml").write_text(typst, encoding="utf-8")
    return folder


def batch(n: int, jobs: int, engine: str = "weasyprint") -> dict:
    """`annex batch` of `n` customers, PDF and DOCX, its process tree's memory sampled."""
    tmp = Path(tempfile.mkdtemp(prefix="annex-bench-"))
    try:
        customers = tmp / "customers.yaml"
        make_customers(n, customers)
        out = tmp / "out"
        templates = ["--templates", str(typst_brand(tmp / "brand"))] if engine == "typst" else []
        cmd = [sys.executable, "-m", "generator", "batch", str(customers), "-j", str(jobs), "--format", "all",
               "-o", str(out), *templates]
        start, start_cpu = time.perf_counter(), children_cpu()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = peak_pss = 0.0

        def sample():
            nonlocal peak, peak_pss
            while proc.poll() is None:
                rss, pss = tree_memory_mb(proc.pid)
                peak, peak_pss = max(peak, rss), max(peak_pss, pss)
                time.sleep(0.1)
        t = threading.Thread(target=sample)
        t.start()
        code = proc.wait()
        wall = time.perf_counter() - start
        cpu = children_cpu() - start_cpu  # the whole tree's CPU seconds: what holds on a busy machine
        t.join()
        manifest = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").exists() else {}
        annexes = manifest.get("summary", {}).get("written", 0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    name = f"batch-{n}" + ("-typst" if engine == "typst" else "")
    rate = annexes / wall if wall else 0
    text = (f"{name:<24} wall {wall:7.1f} s   cpu {cpu:7.1f} s   {annexes} annexes   {rate:6.1f} annexes/s   "
            f"peak {peak:4.0f} MB RSS, {peak_pss:4.0f} MB PSS (process tree)   exit {code}")
    return {"name": name, "customers": n, "exit": code, "wall": wall, "cpu": cpu, "annexes": annexes,
            "rate": rate, "peak_mb": peak, "peak_pss_mb": peak_pss, "text": text}


@scenario("batch", kind="batch", order=200)
def batches(args) -> list[dict]:
    """Each size, on each engine this tree has."""
    rows = []
    for n in args.sizes:
        for engine in ("weasyprint", "typst"):
            try:
                rows.append(batch(n, args.jobs, engine))
            except Unavailable as exc:
                name = f"batch-{n}-{engine}"
                rows.append({"name": name, "text": f"{name:<24} n/a: {exc}"})
    return rows


def batch_marginal(small: int, large: int, fmt: str, rounds: int = 3) -> dict:
    """What one more annex costs inside `annex batch -j 1 --format FMT` for the work the in-process
    scenarios measure (`pdf-other-customers`, `docx`): new customers that are variants of the
    sample customer, its French S3 annex, no deviations. (large batch - small batch) /
    (large - small), in wall seconds and in CPU seconds of the whole process tree. The sizes run
    `rounds` times, alternating, and the quietest run of each counts: on a shared machine the
    others measure the neighbours. (The sample mix of five languages is not that work: each
    language lays out its own matrix pages, twice, before they are kept.)"""
    best = {n: [float("inf"), float("inf")] for n in (small, large)}
    code = 0
    for _ in range(rounds):
        for n in (small, large):
            tmp = Path(tempfile.mkdtemp(prefix="annex-bench-"))
            customers = tmp / "customers.yaml"
            make_customers(n, customers, deviations=False, like=CUSTOMER_ID)
            cmd = [sys.executable, "-m", "generator", "batch", str(customers), "-j", "1", "--format", fmt,
                   "-o", str(tmp / "out")]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            run = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            shutil.rmtree(tmp, ignore_errors=True)
            best[n] = [min(best[n][0], wall), min(best[n][1], cpu)]
            code = max(code, run.returncode)
    span = large - small
    return {"name": f"batch-marginal-{fmt}", "wall": (best[large][0] - best[small][0]) / span,
            "cpu": (best[large][1] - best[small][1]) / span, "exit": code}


def marginal_row(fmt: str, in_process: str, goal: str, args) -> list[dict]:
    """The batch's marginal `fmt` beside the same render in one process (`in_process`'s results)."""
    small, large = args.marginal
    r = batch_marginal(small, large, fmt)
    text = (f"{r['name']:<24} {r['wall'] * 1000:6.1f} ms wall, {r['cpu'] * 1000:6.1f} ms CPU per {fmt.upper()} "
            f"(batch -j 1, {small} vs {large} customers)")
    alone = args.results.get(in_process, {})
    if "times" in alone:
        wall, cpu = statistics.median(alone["times"]), statistics.median(alone["cpu"])
        r["ratio_wall"], r["ratio_cpu"] = r["wall"] / wall, r["cpu"] / cpu
        text += (f"; in one process ({in_process}) {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU: ratio "
                 f"{r['ratio_wall']:.2f}x wall, {r['ratio_cpu']:.2f}x CPU")
    r["text"] = f"{text} ({goal})   exit {r['exit']}"
    return [r]


@scenario("batch-marginal-pdf", kind="batch", order=210)
def marginal_pdf(args) -> list[dict]:
    return marginal_row("pdf", "pdf-other-customers", "goal <= 1.15x the in-process render", args)


@scenario("batch-marginal-docx", kind="batch", order=220)
def marginal_docx(args) -> list[dict]:
    return marginal_row("docx", "docx", "goal <= 40 ms per DOCX", args)

"""The benchmark: how fast annex makes one annex and a batch, beside the peers, on this machine.

    python bench/run.py                 # everything (1,000-customer batch included: minutes)
    python bench/run.py --quick         # fewer repeats, 20 and 100 customers

Each scenario runs in a fresh process of its own so that its peak memory is its own. Figures:
median, min, max over repeated runs (wall seconds; CPU median beside), peak RSS (MB); batches also
give PSS. Peers, on the same content:
WeasyPrint called the obvious way (HTML(string=...).write_pdf(), default options, system
fonts) and LibreOffice converting the DOCX to PDF (when installed). Speed is measured here,
never in a timed test.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CUSTOMER = ROOT / "data" / "customers" / "example.yaml"
CUSTOMER_ID = "banque-horizon"


# ---- scenarios run in a child process: `python bench/run.py --scenario NAME --repeat N` ----

def _annex(variant: int | None = None):
    """The sample customer's French S3 annex; with `variant`, a customer like it but with a name,
    contract and signatory of its own and no deviations (another customer of the same matrix)."""
    from generator.annex import build_annex
    from generator.brand import load_brand
    from generator.readers.customers import pick_customer
    from generator.readers.matrix_yaml import read_matrix
    customer, _ = pick_customer(f"{CUSTOMER}#{CUSTOMER_ID}")
    if variant is not None:
        customer = customer.model_copy(update={"id": f"{customer.id}-{variant}", "name": f"{customer.name} {variant}",
                                               "contract": f"{customer.contract}-{variant}", "deviations": []})
    matrix, _ = read_matrix(ROOT / "data" / "matrices" / "s3-object-storage" / "fr.yaml")
    return build_annex(matrix, customer, load_brand())


def plain_html(annex) -> str:
    """The annex's HTML as a user would hand it to WeasyPrint: CSS inlined, no @font-face
    (system fonts), no custom URL fetcher, no PDF/A."""
    import re

    from generator.writers.html import render
    html = render(annex)
    css = (annex.brand.find("annex.css")).read_text(encoding="utf-8")
    html = html.replace("<style>", f"<style>{css}</style>\n<style>", 1)
    return re.sub(r"@font-face \{[^}]*\}", "", html)


def _time(fn, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of `repeat` runs, after two warm-up runs (imports, caches, fonts;
    a matrix part's pages are kept when it comes back)."""
    fn()
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def scenario(name: str, repeat: int) -> dict:
    annex = _annex()
    if name == "pdf":  # the warm-up runs kept its matrix pages (writers/pdf_pages.py)
        from generator.writers.pdf import render
        times, cpu = _time(lambda: render(annex), repeat)
    elif name == "pdf-other-customers":  # a new customer each run, sharing the matrix pages
        from generator.writers.pdf import render
        others = iter([_annex(i) for i in range(repeat + 2)])
        times, cpu = _time(lambda: render(next(others)), repeat)
    elif name == "pdf-new-matrix-pages":  # first annex of a matrix in a process, or deviations of its own
        from generator.writers import pdf_pages
        from generator.writers.pdf import render
        times, cpu = _time(lambda: (pdf_pages.cache.clear(), render(annex)), repeat)
    elif name == "pdf-whole":  # the unoptimised path: the whole annex laid out as one document
        from generator.writers.pdf import render
        times, cpu = _time(lambda: render(annex, reuse=False), repeat)
    elif name == "docx":
        from generator.writers.docx import render
        times, cpu = _time(lambda: render(annex), repeat)
    elif name == "weasyprint-plain":
        from weasyprint import HTML
        html = plain_html(annex)
        times, cpu = _time(lambda: HTML(string=html).write_pdf(), repeat)
    elif name == "libreoffice":
        from generator.writers.docx import render
        tmp = Path(tempfile.mkdtemp())
        src = tmp / "annex.docx"
        src.write_bytes(render(annex))
        profile = f"file://{tmp}/profile"

        def convert():
            subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(tmp), str(src)], check=True, capture_output=True)
        times, cpu = _time(convert, repeat)
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        raise SystemExit(f"unknown scenario {name}")
    # LibreOffice runs as a child process: its peak counts, not this one's
    who = resource.RUSAGE_CHILDREN if name == "libreoffice" else resource.RUSAGE_SELF
    peak_mb = resource.getrusage(who).ru_maxrss / 1024
    return {"name": name, "times": times, "cpu": cpu, "peak_mb": peak_mb}


# ---- batch: a whole `annex batch` process, with the RSS of its process tree sampled ----

def make_customers(n: int, path: Path, deviations: bool = True, like: str = "") -> None:
    """`n` customers like the samples (all five languages); every fifth keeps its deviations unless
    `deviations` is off. With `like`, every customer is a variant of that sample customer."""
    import yaml
    base = yaml.safe_load(CUSTOMER.read_text(encoding="utf-8"))["customers"]
    base = [c for c in base if c["id"] == like] if like else base
    customers = []
    for i in range(n):
        c = copy.deepcopy(base[i % len(base)])  # no shared objects: safe_dump would write aliases
        c["id"] = f"{c['id']}-{i:05d}"
        c["name"] = f"{c['name']} #{i}"
        c["contract"] = f"{c['contract']}-{i:05d}"
        if i % 5 or not deviations:
            c.pop("deviations", None)
        customers.append(c)
    path.write_text(yaml.safe_dump({"customers": customers}, allow_unicode=True, sort_keys=False), encoding="utf-8")


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process and all its descendants, from /proc. RSS counts the pages forked
    workers share with their parent once per process; PSS divides them between the sharers,
    so the PSS sum is the memory the batch really holds."""
    rss = pss = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(x) for x in f.read().split())
        except (OSError, ValueError):
            continue
    return rss / 1024, pss / 1024


def batch(n: int, jobs: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="annex-bench-"))
    customers = tmp / "customers.yaml"
    make_customers(n, customers)
    out = tmp / "out"
    cmd = [sys.executable, "-m", "generator", "batch", str(customers), "-j", str(jobs), "--format", "all",
           "-o", str(out)]
    start = time.perf_counter()
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
    t.join()
    manifest = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").exists() else {}
    annexes = manifest.get("summary", {}).get("written", 0)
    shutil.rmtree(tmp, ignore_errors=True)
    return {"name": f"batch-{n}", "customers": n, "exit": code, "wall": wall, "annexes": annexes,
            "rate": annexes / wall if wall else 0, "peak_mb": peak, "peak_pss_mb": peak_pss}


def batch_marginal(small: int, large: int, repeat: int, rounds: int = 3) -> tuple[dict, dict]:
    """What one more annex PDF costs inside `annex batch -j 1` (new customers of a kept matrix, no
    deviations: variants of the sample customer, the French S3 annex, as `pdf-other-customers`):
    (large batch - small batch) / (large - small), in wall seconds and in CPU seconds of the whole process tree; and `pdf-other-customers` itself.
    The three run `rounds` times, interleaved, and the quietest round of each counts (a batch's
    total, the render's median): on a shared machine the others measure the neighbours, and
    both sides see the same quiet moments."""
    best: dict[int, list[float]] = {small: [float("inf")] * 2, large: [float("inf")] * 2}
    code = 0
    in_process: dict = {"times": [], "cpu": [], "rounds": []}
    for _ in range(rounds):
        one = run_child("pdf-other-customers", repeat)
        if "times" not in one:
            return {"name": "batch-marginal", "error": one.get("error", "failed")}, one
        in_process["times"] += one["times"]
        in_process["cpu"] += one["cpu"]
        in_process["rounds"].append((statistics.median(one["times"]), statistics.median(one["cpu"])))
        for n in (small, large):
            tmp = Path(tempfile.mkdtemp(prefix="annex-bench-"))
            customers = tmp / "customers.yaml"
            make_customers(n, customers, deviations=False, like=CUSTOMER_ID)
            cmd = [sys.executable, "-m", "generator", "batch", str(customers), "-j", "1", "--format", "pdf",
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
    return ({"name": "batch-marginal", "wall": (best[large][0] - best[small][0]) / span,
             "cpu": (best[large][1] - best[small][1]) / span, "exit": code}, in_process)


# ---- the report ----

def run_child(name: str, repeat: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--scenario", name, "--repeat", str(repeat)], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        return {"name": name, "error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout)


def line(r: dict) -> str:
    if "error" in r:
        return f"{r['name']:<20} error: {r['error']}"
    t = r["times"]
    # CPU time of this process; LibreOffice works in a child, whose CPU time is not counted
    cpu = f"cpu median {statistics.median(r['cpu']) * 1000:6.1f}" if r["name"] != "libreoffice" else " " * 17
    return (f"{r['name']:<20} median {statistics.median(t) * 1000:8.1f} ms   min {min(t) * 1000:8.1f}   "
            f"max {max(t) * 1000:8.1f}   {cpu}   peak {r['peak_mb']:6.0f} MB   (n={len(t)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario")
    ap.add_argument("--repeat", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller batches")
    ap.add_argument("--sizes", default="", help="batch sizes, e.g. 100,1000")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--batch-only", action="store_true", help="only the batches")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--marginal", default="", help="batch marginal PDF cost only: SMALL,LARGE customers, e.g. 10,40")
    args = ap.parse_args()
    if args.scenario:
        print(json.dumps(scenario(args.scenario, args.repeat or 10)))
        return
    repeat = args.repeat or (5 if args.quick else 20)
    if args.marginal:
        marginal_report(*(int(n) for n in args.marginal.split(",")), repeat)
        return
    sizes = [int(s) for s in (args.sizes or ("20,100" if args.quick else "100,1000")).split(",")]
    results = {}
    print(f"annex benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", flush=True)
    single = () if args.batch_only else ("pdf", "pdf-other-customers", "pdf-new-matrix-pages", "pdf-whole", "docx",
                                         "weasyprint-plain")
    for name in single:
        results[name] = run_child(name, repeat)
        print(line(results[name]), flush=True)
    if args.batch_only:
        pass
    elif shutil.which("soffice"):
        results["libreoffice"] = run_child("libreoffice", max(3, repeat // 4))
        print(line(results["libreoffice"]), flush=True)
    else:
        print("libreoffice          not installed: skipped")
    med = {k: statistics.median(v["times"]) for k, v in results.items() if "times" in v}
    for ours in ("pdf", "pdf-other-customers", "pdf-new-matrix-pages", "pdf-whole"):
        for peer in ("weasyprint-plain", "libreoffice"):
            if ours in med and peer in med:
                print(f"ratio {peer} / {ours}: {med[peer] / med[ours]:.1f}x")
    for n in sizes:
        r = batch(n, args.jobs)
        results[r["name"]] = r
        print(f"{r['name']:<20} wall {r['wall']:7.1f} s   {r['annexes']} annexes   {r['rate']:6.1f} annexes/s   "
              f"peak {r['peak_mb']:4.0f} MB RSS, {r['peak_pss_mb']:4.0f} MB PSS (process tree)   exit {r['exit']}",
              flush=True)
    if not args.batch_only:
        results["batch-marginal"] = marginal_report(10 if args.quick else 20, 40 if args.quick else 100, repeat)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def marginal_report(small: int, large: int, repeat: int) -> dict:
    """The batch's marginal PDF beside the same render in one process (`pdf-other-customers`)."""
    r, in_process = batch_marginal(small, large, repeat)
    if "times" in in_process:  # the quietest round on both sides (see batch_marginal): an average, not one lucky run
        wall, cpu = min(w for w, _ in in_process["rounds"]), min(c for _, c in in_process["rounds"])
        r["ratio_wall"], r["ratio_cpu"] = r["wall"] / wall, r["cpu"] / cpu
        print(f"batch-marginal       {r['wall'] * 1000:6.1f} ms wall, {r['cpu'] * 1000:6.1f} ms CPU per PDF "
              f"(batch -j 1, {small} vs {large} customers); in one process "
              f"{wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU: "
              f"ratio {r['ratio_wall']:.2f}x wall, {r['ratio_cpu']:.2f}x CPU (goal <= 1.15x; quietest of 3 "
              f"interleaved rounds)   exit {r['exit']}",
              flush=True)
    return r


if __name__ == "__main__":
    main()

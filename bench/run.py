"""The benchmark: how fast annex makes one annex and a batch, beside the peers, on this machine.

    python bench/run.py                 # everything (1,000-customer batch included: minutes)
    python bench/run.py --quick         # fewer repeats, 20 and 100 customers
    python bench/run.py --scenario docx --repeat 20      # one scenario, its figures as JSON
    python bench/run.py --scenario docx --profile 15     # ... under cProfile: its 15 costliest functions
    python bench/run.py --only docx,batch-marginal       # some rows of the report
    python bench/run.py --queue         # the queue scenario (starts Redis, S3 and workers)

The rows are the scenarios of bench/scenarios/ (one module per subject, registered with
lib.scenario); a new row is a new function there. Each timed scenario runs in a fresh process of
its own so that its peak memory is its own: median, min, max over repeated runs (wall seconds; CPU
median beside), peak RSS (MB). Then the engines on the same annex (a new customer of a kept
matrix) as ratios to WeasyPrint called plainly (= 1): annex's WeasyPrint engine, its Typst engine,
plain WeasyPrint (HTML(string=...).write_pdf(), default options, system fonts) and LibreOffice
converting the DOCX to PDF; "n/a" for what this machine or tree lacks. Then whole batches: sizes
on each engine, and the marginal cost of one more PDF and DOCX inside a batch. Speed is measured
here, never in a timed test.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lib  # noqa: E402
import scenarios  # noqa: E402
from lib import PLAIN, ROOT, SCENARIOS, Unavailable, make_customers  # noqa: E402, F401  (scale_out imports make_customers from here)


def child(name: str, repeat: int, profile: int = 0) -> dict:
    """`--scenario NAME`: run one timed scenario in this process; with `profile`, its measured
    runs under cProfile, their `profile` costliest functions (own time) printed to stderr."""
    s = SCENARIOS[name]
    lib.profiler = cProfile.Profile() if profile else None
    try:
        times, cpu = s.run(repeat)
    except Unavailable as exc:
        return {"name": name, "unavailable": str(exc)}
    if lib.profiler:
        pstats.Stats(lib.profiler, stream=sys.stderr).sort_stats("tottime").print_stats(profile)
    # LibreOffice runs as a child process: its peak counts, not this one's
    who = resource.RUSAGE_CHILDREN if name == "libreoffice" else resource.RUSAGE_SELF
    return {"name": name, "times": times, "cpu": cpu, "peak_mb": resource.getrusage(who).ru_maxrss / 1024}


def run_child(name: str, repeat: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--scenario", name, "--repeat", str(repeat)], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        return {"name": name, "error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout)


def line(r: dict) -> str:
    if "error" in r:
        return f"{r['name']:<24} error: {r['error']}"
    if "unavailable" in r:
        return f"{r['name']:<24} n/a: {r['unavailable']}"
    t = r["times"]
    return (f"{r['name']:<24} median {statistics.median(t) * 1000:8.1f} ms   min {min(t) * 1000:8.1f}   "
            f"max {max(t) * 1000:8.1f}   cpu median {statistics.median(r['cpu']) * 1000:7.1f}   "
            f"peak {r['peak_mb']:6.0f} MB   (n={len(t)})")


def engines_table(results: dict) -> list[str]:
    """The engines on the same annex, per annex, as ratios to plain WeasyPrint."""
    rows = sorted((s for s in SCENARIOS.values() if s.engine), key=lambda s: s.order)
    unit = results.get(PLAIN, {})
    out = ["engines, same annex (new customer of a kept matrix), plain WeasyPrint = 1 (wall; CPU, which holds "
           "on a busy machine):"]
    for s in rows:
        r = results.get(s.name, {})
        if "times" in r and "times" in unit:
            wall, cpu = statistics.median(r["times"]), statistics.median(r["cpu"])
            ratio_wall, ratio_cpu = wall / statistics.median(unit["times"]), cpu / statistics.median(unit["cpu"])
            out.append(f"  {s.engine:<28} {ratio_wall:6.3f}x wall  {ratio_cpu:6.3f}x CPU   "
                       f"({wall * 1000:7.1f} ms wall, {cpu * 1000:7.1f} ms CPU: {s.name})")
        else:
            why = r.get("unavailable") or r.get("error") or "not run"
            out.append(f"  {s.engine:<28}    n/a   ({why})")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", help="run one timed scenario here and print its figures as JSON")
    ap.add_argument("--repeat", type=int, default=0)
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="with --scenario: profile it, print its N costliest functions to stderr")
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller batches")
    ap.add_argument("--sizes", default="", help="batch sizes, e.g. 100,1000")
    ap.add_argument("--marginal", default="", help="batch-marginal sizes: SMALL,LARGE customers, e.g. 20,100")
    ap.add_argument("--only", default="", help="these scenarios only (comma-separated names)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--batch-only", action="store_true", help="only the batches")
    ap.add_argument("--queue", action="store_true", help="the queue scenario too (starts its own servers)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    scenarios.load()
    if args.scenario:
        print(json.dumps(child(args.scenario, args.repeat or 10, args.profile)))
        return
    args.repeat = args.repeat or (5 if args.quick else 20)
    args.sizes = [int(s) for s in (args.sizes or ("20,100" if args.quick else "100,1000")).split(",")]
    args.marginal = [int(s) for s in (args.marginal or ("10,40" if args.quick else "20,100")).split(",")]
    args.results = results = {}
    print(f"annex benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", flush=True)
    chosen = selected(args)
    for s in (s for s in chosen if s.kind == "timed"):
        results[s.name] = run_child(s.name, args.repeat)
        print(line(results[s.name]), flush=True)
    if any(s.engine and s.kind == "timed" for s in chosen):
        print("\n".join(engines_table(results)), flush=True)
    for s in (s for s in chosen if s.kind == "batch"):
        try:
            rows = s.run(args)
        except Unavailable as exc:
            rows = [{"name": s.name, "text": f"{s.name:<24} n/a: {exc}"}]
        for r in rows:
            results[r["name"]] = r
            print(r["text"], flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def selected(args) -> list:
    """The scenarios this run reports, in report order: --only's, opt-in ones only when asked."""
    names = set(args.only.split(",")) if args.only else None
    return [s for s in sorted(SCENARIOS.values(), key=lambda s: s.order)
            if (names is None or s.name in names) and (not s.opt_in or getattr(args, s.opt_in.lstrip("-")))
            and (s.kind == "batch" or not args.batch_only)]


if __name__ == "__main__":
    main()

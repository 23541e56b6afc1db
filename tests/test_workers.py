"""workers.py: a job that kills its worker is retried once, then given up alone; a job that
raises is reported, not propagated; the other jobs are all done."""
import os
import signal

from generator.infra.workers import Crashed, Lost, run_jobs


def _job(job):
    name, marker = job
    if name == "suicide" or (name == "once" and not os.path.exists(marker)):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    if name == "bug":
        raise ValueError("boom")
    return name.upper()


def test_a_dead_worker_costs_its_job_one_retry_and_the_others_nothing(tmp_path):
    names = ["a", "suicide", "b", "once", "bug", "c", "d"]
    jobs = [(n, str(tmp_path / n)) for n in names]
    results, retries = {}, []
    run_jobs(jobs, _job, 2, lambda job, r: results.setdefault(job[0], r),
             lambda job, how: retries.append((job[0], how)))
    assert results.keys() == set(names)
    assert [results[n] for n in "abcd"] == ["A", "B", "C", "D"]
    assert results["once"] == "ONCE"  # its first worker died; the second built it
    assert isinstance(results["suicide"], Lost) and "SIGKILL" in results["suicide"].how
    assert results["bug"] == Crashed("ValueError: boom")
    assert sorted(r[0] for r in retries) == ["once", "suicide"] and all("SIGKILL" in r[1] for r in retries)


def _service_job(job):
    name, marker = job
    if name == "hang":
        signal.pause()
    return _job(job)


def test_the_service_pool_kills_a_job_past_its_time_and_goes_on_with_a_fresh_worker(tmp_path):
    from generator.infra.workers import TimedOut, WorkerPool
    pool = WorkerPool(_service_job, 1, start="fork")
    try:
        first_pid = pool._all[0].proc.pid
        assert pool.run(("hang", str(tmp_path / "h")), timeout=1.0) == TimedOut(1.0)
        assert not _alive(first_pid)  # killed, not left running beside its replacement
        assert pool.run(("a", str(tmp_path / "a")), timeout=60) == "A"
        assert pool.run(("once", str(tmp_path / "once")), timeout=60) == "ONCE"  # its worker died: once more
        lost = pool.run(("suicide", str(tmp_path / "s")), timeout=60)
        assert isinstance(lost, Lost) and "SIGKILL" in lost.how
        assert pool.run(("bug", str(tmp_path / "b")), timeout=60) == Crashed("ValueError: boom")
        assert pool.run(("b", str(tmp_path / "b2")), timeout=60) == "B"
    finally:
        pool.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True

"""Batch fitting at scale: throughput, overhead per task, peak memory.

Run: ``python benchmarks/bench_batch.py [--spectra N] [--big N] [--folder DIR]``. The data are
small synthetic spectra (60 channels, 280-292 eV, one C 1s GL(30) peak of area 3000 on a
flat 100-count background, Poisson noise, seeded), written as VAMAS files of 100 spectra; the
template is one GL peak on a linear background. Measures:

1. throughput (spectra/s) of :func:`xpsfit.batch.fit_many` on ``--spectra`` spectra (default
   5,000) with 1 and 2 workers: one process (``jobs=1``), the local process pool
   (``jobs=2``), and a ``distributed.LocalCluster`` of 1 and 2 worker processes;
2. overhead per task: 400 units of one spectrum each whose region has no template (the unit
   reads its file, records a ``skipped`` row and writes its three part files, nothing is
   fitted), on the pool and the cluster with 2 workers: wall time x workers / units;
3. peak memory for ``--big`` spectra (default 100,000): resident set size of this (driver)
   process and of the largest worker process, local pool of 2, CSV tables and all; and the
   same with a tenth of the spectra, to show that the driver does not grow with the run.

Each measurement starts from an empty output folder.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from xpsfit.batch import fit_many
from xpsfit.io.vamas_write import write_vamas
from xpsfit.lineshapes import evaluate
from xpsfit.spec import BackgroundSpec, FitSpec, Param, Peak
from xpsfit.spectrum import Spectrum

BE = np.linspace(280.0, 292.0, 60)
PER_FILE = 100


def template(region: str = "C 1s") -> FitSpec:
    peak = Peak("C-C", "gl", Param(284.8, 283.8, 285.8), Param(1.2, 0.5, 3.0), Param(1000.0, 0.0),
                shape={"m": Param(30.0, vary=False)})  # fmt: skip
    return FitSpec(region=region, background=BackgroundSpec("linear"), components=(peak,))


def write_files(folder: Path, n: int, per_file: int = PER_FILE) -> list[Path]:
    """``n`` spectra in files of ``per_file`` (created once per folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    model = evaluate("gl", BE, 3000.0, 284.8, 1.2, m=30.0) + 100.0
    paths = []
    for f in range((n + per_file - 1) // per_file):
        path = folder / f"data{f:05d}.vms"
        count = min(per_file, n - f * per_file)
        if not path.exists():
            spectra = [
                Spectrum(
                    BE,
                    rng.poisson(model).astype(float),
                    region="C 1s",
                    element="C",
                    transition="1s",
                    block=f"b{k}",
                )
                for k in range(count)
            ]
            write_vamas(path, spectra)
        paths.append(path)
    return paths


def timed(files: list[Path], out: Path, spec: FitSpec, **kw: object) -> float:
    """Wall time of one fresh run, s."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    result = fit_many(files, [spec], out, **kw)  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    assert result.complete, "run did not complete"
    return wall


def throughput(files: list[Path], n: int, work: Path) -> None:
    from distributed import LocalCluster

    print(f"\n1. throughput, {n} spectra (files of {PER_FILE}, units of 100)")
    print("| runner | workers | wall (s) | spectra/s |\n|---|---|---|---|")
    for label, jobs in (("one process", 1), ("process pool", 2)):
        wall = timed(files, work / "t", template(), jobs=jobs, chunk_size=100)
        print(f"| {label} | {jobs} | {wall:.1f} | {n / wall:.0f} |")
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster:  # fmt: skip
            wall = timed(files, work / "t", template(), scheduler=cluster.scheduler_address,
                         chunk_size=100)  # fmt: skip
        print(f"| Dask LocalCluster | {workers} | {wall:.1f} | {n / wall:.0f} |")


def overhead(work: Path) -> None:
    from distributed import LocalCluster

    units = 400
    files = write_files(work / "single", units, per_file=1)
    print(f"\n2. overhead per task ({units} one-spectrum units, nothing fitted, 2 workers)")
    print("| runner | wall (s) | per task x workers (ms) |\n|---|---|---|")
    wall = timed(files, work / "o", template("O 1s"), jobs=2, chunk_size=1, csv=False)
    print(f"| process pool | {wall:.2f} | {2e3 * wall / units:.1f} |")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:  # fmt: skip
        wall = timed(files, work / "o", template("O 1s"), scheduler=cluster.scheduler_address,
                     chunk_size=1, csv=False)  # fmt: skip
    print(f"| Dask LocalCluster | {wall:.2f} | {2e3 * wall / units:.1f} |")


def _rss_mib() -> tuple[float, float]:
    """Peak RSS of this process and of the largest finished child process, MiB."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def _measure(count: int, work: Path, queue: Any) -> None:
    """One run in a fresh process, so that its peak RSS is the run's own."""
    files = write_files(work / "big", count)
    wall = timed(files, work / "m", template(), jobs=2, chunk_size=100, csv=True)
    queue.put((wall, *_rss_mib()))


def memory(n: int, work: Path) -> None:
    print(f"\n3. peak memory, local pool of 2 (files of {PER_FILE}, units of 100, CSV written)")
    print("| spectra | wall (s) | spectra/s | driver peak RSS (MiB) | worker peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    ctx = multiprocessing.get_context("spawn")
    for count in (n // 10, n):
        write_files(work / "big", count)
        queue = ctx.Queue()
        child = ctx.Process(target=_measure, args=(count, work, queue))
        child.start()
        wall, me, kids = queue.get()
        child.join()
        print(f"| {count} | {wall:.0f} | {count / wall:.0f} | {me:.0f} | {kids:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spectra", type=int, default=5000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--folder", help="where the data go (default: a temporary folder)")
    args = parser.parse_args()
    work = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="bench_batch_"))
    t0 = time.perf_counter()
    files = write_files(work / "big", args.spectra)
    print(f"data written in {time.perf_counter() - t0:.0f} s into {work}")
    throughput(files, args.spectra, work)
    overhead(work)
    memory(args.big, work)
    if not args.folder:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Shared helpers of tools/bench_distance and tools/bench_heatmap: timing whole processes with GNU
time (seconds and peak memory), an optional time cap for reference tools, GRASS GIS invocations in
a throwaway location, and the formatting both tables use."""
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

GRASS_HINT = "apt-get install grass-core"


def require_gnu_time():
    if not os.path.exists("/usr/bin/time"):
        sys.exit("benchmark: GNU time is missing; install it with: apt-get install time")


def require_tools(tools, hint):
    """Exits with an install hint unless every program in tools is on PATH."""
    for tool in tools:
        if not shutil.which(tool):
            sys.exit(f"benchmark: {tool} is missing; install it with: {hint}")


def print_command_line():
    print("$ " + shlex.join([os.path.relpath(sys.argv[0])] + sys.argv[1:]) + "\n")


def _kill_below(leader):
    """Kills every process of the process group led by GNU time (pid leader), but not GNU time
    itself, so that it still reports the peak memory of the killed command."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == leader:
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader:  # fields[2] is the process group id
            try:
                os.kill(int(entry), signal.SIGKILL)
            except ProcessLookupError:
                pass


def timed(cmd, env=None, timeout=None):
    """Runs cmd as a whole process; returns (seconds, peak RSS in MiB, timed_out). The peak comes
    from GNU time (the largest process of the command's tree): a child forked from this Python
    process would inherit its memory high-water mark. With a timeout, a command still running after
    that many seconds is killed with everything it started, and timed_out is True. A command that
    fails ends the benchmark with its error output."""
    with tempfile.NamedTemporaryFile(prefix="standort-rss-", delete=False) as f:
        rss_file = f.name
    with tempfile.TemporaryFile() as err:
        try:
            start = time.perf_counter()
            proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd, stdout=subprocess.DEVNULL,
                                    stderr=err, env=env, start_new_session=True)
            timed_out = False
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_below(proc.pid)
                proc.wait()
            except BaseException:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise
            elapsed = time.perf_counter() - start
            with open(rss_file) as f:
                lines = f.read().split()
        finally:
            os.remove(rss_file)
        if proc.returncode != 0 and not timed_out:
            err.seek(0)
            sys.exit(f"benchmark: command failed (exit {proc.returncode}): {shlex.join(cmd)}\n"
                     f"{err.read().decode(errors='replace')}")
    return elapsed, int(lines[-1]) / 1024.0, timed_out


def grass_command(script):
    """A shell script run by GRASS GIS in a throwaway EPSG:25832 location, as one process. GRASS
    puts the location under $TMPDIR, so run it with TMPDIR inside the benchmark's work folder."""
    return ["grass", "--tmp-location", "EPSG:25832", "--exec", "sh", "-c", script]


def g_region(cols, rows, gt):
    """g.region arguments for the grid of a GDAL geotransform. GRASS derives the row and column
    counts from the bounds and res; the bounds are whole cells here, so nothing is snapped."""
    return (f"g.region n={gt[3]!r} s={gt[3] + gt[5] * rows!r} w={gt[0]!r} e={gt[0] + gt[1] * cols!r} "
            f"res={gt[1]!r}")


def same_grid(path, cols, rows, gt):
    """Exits unless the raster at path has exactly the given grid."""
    from osgeo import gdal
    ds = gdal.Open(path)
    got = (ds.RasterXSize, ds.RasterYSize, ds.GetGeoTransform())
    ds = None
    if got[:2] != (cols, rows) or any(abs(a - b) > 1e-6 for a, b in zip(got[2], gt)):
        sys.exit(f"benchmark: {path} has grid {got}, expected {(cols, rows, gt)}")


def read_band(path):
    """Band 1 as float64, nodata cells as 0."""
    import numpy as np
    from osgeo import gdal
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    values = band.ReadAsArray().astype(np.float64)
    nodata = band.GetNoDataValue()
    ds = None
    if nodata is not None:
        values[values == nodata] = 0.0
    return values


def seconds(t, timed_out, cap):
    return f"> {cap:g} s" if timed_out else f"{t:.2f} s"


def ratio(reference, timed_out, ours):
    return f"> {reference / ours:.1f}x" if timed_out else f"{reference / ours:.1f}x"


def grass_version():
    """GRASS prints its version on stderr."""
    proc = subprocess.run(["grass", "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.stdout.strip().split("\n")[0] or "GRASS GIS"

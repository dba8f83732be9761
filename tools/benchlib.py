"""Shared helpers of tools/bench_distance and tools/bench_heatmap: timing whole processes with GNU
time (seconds and peak memory), an optional time cap for reference tools, GRASS GIS invocations in
a throwaway location, and reading and checking the rasters they write."""
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


def run(cmd, env=None):
    """Runs an untimed step (a copy, a probe); a failure ends the benchmark with its error output."""
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    if proc.returncode != 0:
        sys.exit(f"benchmark: command failed (exit {proc.returncode}): {shlex.join(cmd)}\n"
                 f"{proc.stderr.decode(errors='replace')}")


def print_command_line():
    print("$ " + shlex.join([os.path.relpath(sys.argv[0])] + sys.argv[1:]) + "\n")


def _group_members(leader):
    """{pid: parent pid} of the processes in the process group led by pid leader, but not leader."""
    members = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == leader:
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader:  # fields: state, parent pid, process group id, ...
            members[int(entry)] = int(fields[1])
    return members


def _kill_below(proc):
    """Kills what GNU time (proc) runs, but not GNU time, so that it still reports the peak memory.
    The innermost processes go first: their parents (a shell, GRASS's startup script) then see them
    fail, collect their memory figures and exit; whatever is left after a few seconds is killed."""
    members = _group_members(proc.pid)
    for pid in set(members) - set(members.values()):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        for pid in _group_members(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()


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
                _kill_below(proc)
            except BaseException:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass  # the command ended just as we were interrupted
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


def open_raster(path):
    from osgeo import gdal
    ds = gdal.Open(path)
    if ds is None:
        sys.exit(f"benchmark: cannot open {path}")
    return ds


def same_grid(path, cols, rows, gt):
    """Exits unless the raster at path has exactly the given grid."""
    ds = open_raster(path)
    got = (ds.RasterXSize, ds.RasterYSize, ds.GetGeoTransform())
    ds = None
    if got[:2] != (cols, rows) or any(abs(a - b) > 1e-6 for a, b in zip(got[2], gt)):
        sys.exit(f"benchmark: {path} has grid {got}, expected {(cols, rows, gt)}")


def read_band(path):
    """Band 1 as stored (Float32 here: half the memory of float64 at 1 m), nodata cells as 0."""
    ds = open_raster(path)
    band = ds.GetRasterBand(1)
    values = band.ReadAsArray()
    nodata = band.GetNoDataValue()
    ds = None
    if nodata is not None:
        values[values == nodata] = 0.0
    return values


def grass_version():
    """GRASS prints its version on stderr."""
    proc = subprocess.run(["grass", "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.stdout.strip().split("\n")[0] or "GRASS GIS"

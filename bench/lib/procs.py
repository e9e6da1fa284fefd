"""Processes and network namespaces that bench/run starts, tracked so that every one of them is
stopped (and every namespace deleted) when the run ends, fails or is interrupted.

Each process is started in its own session, so stopping it by its own process-group id reaches
its children (sluice's engine, valgrind's forks) and nothing else.
"""
import hashlib
import os
import signal
import subprocess
import time

_live = []        # Popen objects we started and have not reaped yet
_netns = []       # namespace names we created


def run(cmd, timeout=60, check=True, **kw):
    """Runs a command to completion (bounded by `timeout`); returns CompletedProcess (text)."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p


def start(cmd, log_path, **kw):
    """Starts a background process writing stdout+stderr to log_path; tracked for cleanup."""
    log = open(log_path, "w")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True, **kw)
    log.close()
    p.log_path = log_path
    _live.append(p)
    return p


def start_piped(cmd, **kw):
    """Starts a background process with stdin/stdout pipes (testpmd); tracked for cleanup."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True, **kw)
    _live.append(p)
    return p


def _signal_group(p, sig):
    try:
        os.killpg(p.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(p, sig=signal.SIGTERM, grace=10.0):
    """Sends `sig` to the process group, waits up to `grace` seconds, then SIGKILLs it."""
    if p.poll() is None:
        _signal_group(p, sig)
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(p, signal.SIGKILL)
            p.wait(timeout=10)
    # Children that outlived the leader (none expected) go too.
    _signal_group(p, signal.SIGKILL)
    if p in _live:
        _live.remove(p)
    return p.returncode


def wait(p, timeout):
    """Waits for a process we expect to finish by itself; kills it if it overruns."""
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(p, signal.SIGKILL, grace=1)
        raise RuntimeError(f"{p.args[0]} did not finish within {timeout}s")
    if p in _live:
        _live.remove(p)
    return p.returncode


def add_netns(name):
    run(["ip", "netns", "del", name], check=False)
    run(["ip", "netns", "add", name])
    _netns.append(name)
    run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"])


def del_netns(name):
    """Deletes a namespace add_netns made (no-op if it is gone); cleanup() no longer tracks it."""
    run(["ip", "netns", "del", name], check=False)
    if name in _netns:
        _netns.remove(name)


def cleanup():
    """Stops every tracked process and deletes every namespace we made. Idempotent."""
    for p in list(_live):
        stop(p, signal.SIGKILL, grace=2)
    for ns in list(_netns):
        del_netns(ns)


def install_signal_cleanup():
    """SIGINT/SIGTERM/SIGHUP: clean up, then exit with the conventional status."""
    def handler(sig, frame):
        cleanup()
        os._exit(128 + sig)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def wait_until(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


def sha256_file(path):
    """The file's SHA-256, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

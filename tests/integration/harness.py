"""Helpers for end-to-end tests that drive the real `sluice` binary.

Every process started here is bounded in time and stopped by the test; traffic goes only to
loopback or to 198.18.0.0/15 addresses inside network namespaces the test creates and deletes.
"""
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(cmd, timeout=60, check=True, **kw):
    """Runs a command (list or shell string); returns CompletedProcess with text output."""
    shell = isinstance(cmd, str)
    p = subprocess.run(cmd, shell=shell, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"command failed ({p.returncode}): {cmd}\nstdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def wait_for(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def port_open(host, port, netns=None):
    if netns:
        return run(["ip", "netns", "exec", netns, "bash", "-c",
                    f"exec 3<>/dev/tcp/{host}/{port}"], check=False, timeout=5).returncode == 0
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Site:
    """A temporary prefix: config file, document root, logs and pid file."""

    def __init__(self, name="sluice-test"):
        self.dir = tempfile.mkdtemp(prefix=name + "-")
        self.www = os.path.join(self.dir, "www")
        os.makedirs(self.www)
        os.makedirs(os.path.join(self.dir, "logs"))
        self.conf = os.path.join(self.dir, "sluice.toml")

    def file(self, rel, data):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(path, mode) as f:
            f.write(data)
        return path

    def random_file(self, rel, size, seed=1):
        import random
        rng = random.Random(seed)
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            left = size
            while left:
                n = min(left, 1 << 20)
                f.write(rng.randbytes(n))
                left -= n
        return path

    def write_conf(self, text):
        with open(self.conf, "w") as f:
            f.write(text)

    def log(self, name):
        path = os.path.join(self.dir, "logs", name)
        return open(path).read() if os.path.exists(path) else ""

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Sluice:
    """The master process of a running sluice."""

    def __init__(self, binary, site, netns=None):
        self.binary = binary
        self.site = site
        cmd = [binary, "-c", site.conf]
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def signal(self, name):
        run([self.binary, "-s", name, "-c", self.site.conf])

    def engine_pid(self):
        out = run(["pgrep", "-P", str(self.proc.pid)], check=False).stdout.split()
        return int(out[0]) if out else None

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"sluice did not exit within {timeout}s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        out, err = self.proc.communicate()
        return out, err


def parse_wrk(text):
    """Returns dict(requests, errors, non2xx, rps) from wrk's output."""
    r = {"requests": 0, "socket_errors": 0, "non2xx": 0, "rps": 0.0}
    m = re.search(r"(\d+) requests in", text)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        r["socket_errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r["rps"] = float(m.group(1))
    return r


def main(tests):
    """Runs test functions in order; prints one line each and the closing count."""
    passed = failed = 0
    for t in tests:
        start = time.monotonic()
        try:
            t()
            passed += 1
            print(f"[ PASS ] {t.__name__} ({time.monotonic() - start:.1f}s)", flush=True)
        except Exception:
            failed += 1
            print(f"[ FAIL ] {t.__name__}", flush=True)
            traceback.print_exc()
            sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

"""End to end on the kernel backend (issue 2): the real binary, 2 workers on loopback, curl, wrk
during a reload, log reopening, engine crash recovery and graceful stop."""
import os
import re
import subprocess
import sys
import time

from harness import Site, Sluice, free_port, main, parse_wrk, port_open, run, sha256_file, wait_for

BINARY = os.path.abspath(sys.argv[1])
PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"

CONF = """
[process]
workers = 2
pid_file = "run/sluice.pid"
error_log = "logs/error.log"
error_log_level = "info"
shutdown_timeout = "20s"

[network]
backend = "kernel"

[[server]]
listen = ["127.0.0.1:{port}"]
server_name = ["example.test"]
access_log = "logs/access.log"

  [[server.location]]
  path = "/"
  root = "{root}"
  index = ["index.html"]
"""

site = Site()
site.file("www/index.html", "<h1>hello from sluice</h1>\n")
site.file("www/a.txt", "alpha\n")
site.file("www2/index.html", "<h1>reloaded</h1>\n")
site.file("www2/a.txt", "alpha\n")
big = site.random_file("www/big.bin", 30 * 1024 * 1024)
os.link(big, os.path.join(site.dir, "www2/big.bin"))
site.write_conf(CONF.format(port=PORT, root="www"))
server = None


def curl(*args, timeout=30):
    return run(["curl", "-sS", "--max-time", "20", *args], timeout=timeout, check=False)


def test_config_errors_have_file_line_col():
    bad = site.file("bad.toml", "[process]\nworkers = \"two\"\n[network]\nbackend = \"kernel\"\nbakend = 1\n")
    p = run([BINARY, "-t", "-c", bad], check=False)
    assert p.returncode == 1, p
    assert re.search(r"bad\.toml:2:\d+: .*workers", p.stderr), p.stderr
    assert re.search(r"bad\.toml:5:\d+: .*did you mean .*backend", p.stderr), p.stderr
    ok = run([BINARY, "-t", "-c", site.conf], check=False)
    assert ok.returncode == 0, ok.stderr


def test_starts_and_serves_index():
    global server
    server = Sluice(BINARY, site)
    wait_for(lambda: port_open("127.0.0.1", PORT), 15, "sluice to listen")
    p = curl("-i", BASE + "/")
    # (text-mode output: CRLF arrives as LF)
    assert p.returncode == 0 and "\n\n" in p.stdout, (p.returncode, p.stdout, p.stderr)
    head, body = p.stdout.split("\n\n", 1)
    assert head.startswith("HTTP/1.1 200"), head
    assert body == "<h1>hello from sluice</h1>\n", body
    for h in ("Content-Type: text/html", "Content-Length: 27", "Date: ", "Server: sluice", "Last-Modified: "):
        assert h.lower() in head.lower(), (h, head)


def test_connection_reuse():
    p = curl("-v", BASE + "/a.txt", BASE + "/index.html")
    assert p.stdout == "alpha\n<h1>hello from sluice</h1>\n", p.stdout
    assert "Re-using existing connection" in p.stderr, p.stderr


def test_not_found_and_head_and_method():
    p = curl("-o", "/dev/null", "-w", "%{http_code}", BASE + "/nope")
    assert p.stdout == "404", p.stdout
    p = curl("-I", BASE + "/a.txt")
    assert p.stdout.startswith("HTTP/1.1 200") and "Content-Length: 6" in p.stdout, p.stdout
    p = curl("-X", "DELETE", "-i", BASE + "/a.txt")
    assert p.stdout.startswith("HTTP/1.1 405") and re.search(r"(?i)allow: GET, HEAD", p.stdout), p.stdout


def test_traversal_is_refused():
    for path in ("/../sluice.toml", "/%2e%2e/sluice.toml", "/a/%2E%2E/%2e%2e/sluice.toml"):
        p = curl("--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", BASE + path)
        assert p.stdout in ("400", "403", "404"), (path, p.stdout)


def test_large_file_byte_exact():
    out = os.path.join(site.dir, "big.out")
    p = curl("-o", out, BASE + "/big.bin", timeout=60)
    assert p.returncode == 0, p.stderr
    assert sha256_file(out) == sha256_file(big)
    os.unlink(out)


def test_reload_during_wrk_without_errors():
    wrk = subprocess.Popen(["wrk", "-t2", "-c20", "-d3s", BASE + "/index.html"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(1.0)
    site.write_conf(CONF.format(port=PORT, root="www2"))
    server.signal("reload")
    out, _ = wrk.communicate(timeout=30)
    r = parse_wrk(out)
    assert r["requests"] > 100, out
    assert r["socket_errors"] == 0, out
    assert r["non2xx"] == 0, out
    wait_for(lambda: curl(BASE + "/").stdout == "<h1>reloaded</h1>\n", 5, "the new root to serve")


def test_invalid_reload_keeps_serving():
    good = open(site.conf).read()
    site.write_conf(good + "\n[bogus]\nx = 1\n")
    server.signal("reload")
    time.sleep(0.5)
    assert curl(BASE + "/").stdout == "<h1>reloaded</h1>\n"
    assert "bogus" in site.log("error.log"), site.log("error.log")
    site.write_conf(good)


def test_access_log_combined_and_reopen():
    curl("-A", "probe-agent", "-e", "http://ref.test/", BASE + "/a.txt")
    wait_for(lambda: "probe-agent" in site.log("access.log"), 5, "the access log line")
    line = [l for l in site.log("access.log").splitlines() if "probe-agent" in l][-1]
    combined = r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /a\.txt HTTP/1\.1" 200 6 "http://ref\.test/" "probe-agent"$'
    assert re.match(combined, line), line
    logs = os.path.join(site.dir, "logs")
    os.rename(os.path.join(logs, "access.log"), os.path.join(logs, "access.log.1"))
    server.signal("reopen")
    time.sleep(0.5)
    curl("-A", "after-reopen", BASE + "/a.txt")
    wait_for(lambda: "after-reopen" in site.log("access.log"), 5, "a line in the reopened log")


def test_engine_crash_is_restarted():
    engine = server.engine_pid()
    assert engine, "no engine process"
    os.kill(engine, 9)
    wait_for(lambda: server.engine_pid() not in (None, engine), 10, "a new engine")
    wait_for(lambda: curl(BASE + "/a.txt").stdout == "alpha\n", 15, "serving after restart")
    assert server.proc.poll() is None


def test_graceful_stop_finishes_in_flight_download():
    out = os.path.join(site.dir, "slow.out")
    dl = subprocess.Popen(["curl", "-sS", "--max-time", "30", "--limit-rate", "10M", "-o", out, BASE + "/big.bin"],
                          stderr=subprocess.PIPE, text=True)
    time.sleep(0.7)
    server.signal("quit")
    assert dl.wait(timeout=40) == 0, dl.stderr.read()
    assert sha256_file(out) == sha256_file(big), "in-flight download was cut"
    assert server.wait(timeout=30) == 0
    assert not os.path.exists(os.path.join(site.dir, "run/sluice.pid"))
    assert not port_open("127.0.0.1", PORT)


try:
    main([
        test_config_errors_have_file_line_col,
        test_starts_and_serves_index,
        test_connection_reuse,
        test_not_found_and_head_and_method,
        test_traversal_is_refused,
        test_large_file_byte_exact,
        test_reload_during_wrk_without_errors,
        test_invalid_reload_keeps_serving,
        test_access_log_combined_and_reopen,
        test_engine_crash_is_restarted,
        test_graceful_stop_finishes_in_flight_download,
    ])
finally:
    if server:
        out, err = server.stop()
        if err:
            print("sluice stderr:", err)
    site.cleanup()

"""Unit tests for bench/run's parsers and arithmetic (no namespaces, no root needed)."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "lib"))

import clients  # noqa: E402
import group_filecache  # noqa: E402
import group_proxy  # noqa: E402
import group_tls  # noqa: E402
import limit  # noqa: E402
import report  # noqa: E402
import runs  # noqa: E402
import scenarios  # noqa: E402
import server_conf  # noqa: E402
import servers  # noqa: E402

WRK = """Running 5s test @ http://198.18.0.2:80/small.bin
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.41ms    3.02ms  22.22ms   70.00%
    Req/Sec    10.05k   500.00    11.00k    70.00%
  Latency Distribution
     50%    6.41ms
     75%    8.00ms
     90%   12.35ms
     99%  950.00us
  49985 requests in 5.00s, 35.00MB read
  Socket errors: connect 1, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:   9997.00
Transfer/sec:      7.00MB
"""

LOAD = ('TELEMETRY: No legacy callbacks\n'
        'worker 0 counters: conn_passive=0 conn_active=5 link.rx_frames=10 link.tx_frames=12\n'
        'worker 1 counters: conn_passive=0 conn_active=6 link.rx_frames=1 link.tx_frames=2\n'
        '{"target": "x", "elapsed_s": 5.000, "responses": 100, "requests_sent": 101, "connections": 100, '
        '"requests_per_s": 20.0, "connections_per_s": 20.0, "body_bytes": 60000, "latency_us": {"mean": 1.0, '
        '"min": 1, "p50": 1500, "p90": 2000, "p99": 3000, "p99.9": 4000, "max": 5000}, "status": {"2xx": 100}, '
        '"errors": {"connect_refused": 1, "reset": 0, "timeout": 2}}\n')


class Parsers(unittest.TestCase):
    def test_wrk(self):
        r = clients.parse_wrk(WRK)
        self.assertEqual(r["requests"], 49985)
        self.assertEqual(r["rps"], 9997.0)
        self.assertEqual(r["errors"], 10)
        self.assertAlmostEqual(r["p50_ms"], 6.41)
        self.assertAlmostEqual(r["p99_ms"], 0.95)
        self.assertAlmostEqual(r["max_ms"], 22.22)
        self.assertIsNone(r["p999_ms"])

    def test_sluice_load(self):
        r = clients.parse_sluice_load(LOAD)
        self.assertEqual(r["requests"], 100)
        self.assertEqual(r["errors"], 3)
        self.assertEqual(r["error_kinds"], {"connect_refused": 1, "timeout": 2})
        self.assertAlmostEqual(r["p999_ms"], 4.0)
        self.assertEqual(clients.client_counters(LOAD), {"conn_passive": 0, "conn_active": 11,
                                                         "link.rx_frames": 11, "link.tx_frames": 14})

    def test_sluice_load_without_output(self):
        self.assertEqual(clients.parse_sluice_load("sluice-load: cannot connect\n")["requests"], 0)

    def test_testpmd_samples(self):
        text = "Rx-pps: 0 Rx-bps: 0\nTx-pps: 0\nRx-pps: 10\nTx-pps: 12\nRx-pps: 20\nTx-pps: 22\nRx-pps: 5\nTx-pps: 4\n"
        self.assertEqual(limit._pps_samples(text), [(0, 0), (10, 12), (20, 22), (5, 4)])
        self.assertEqual(limit._steady([0, 22, 42, 9]), [42])
        self.assertEqual(limit._steady([0, 7, 8]), [7, 8])


class Arithmetic(unittest.TestCase):
    def test_frames_per_request(self):
        c = {"link.rx_frames": 600, "link.tx_frames": 600, "conn_passive": 100}
        self.assertEqual(scenarios.frames_per_request(c, {"requests": 400}, "close"), 12.0)
        self.assertEqual(scenarios.frames_per_request(c, {"requests": 400}, "keepalive"), 3.0)
        self.assertIsNone(scenarios.frames_per_request({}, {"requests": 1}, "close"))

    def test_busy_share_is_over_the_load_time(self):
        c = {"poll.us": 5_000_000, "poll.busy_us": 1_500_000}  # a 5 s life, 1.5 s of it busy
        self.assertAlmostEqual(runs.busy_share(c, 2.0), 0.75)
        self.assertEqual(runs.busy_share({"poll.us": 9, "poll.busy_us": 9_000_000}, 2.0), 1.0)
        self.assertIsNone(runs.busy_share({}, 2.0))  # wrk, kernel servers: no such counters
        self.assertIsNone(runs.busy_share(c, None))

    def test_summary_takes_medians(self):
        runs = [{"rps": 3.0, "p99_ms": 1.0, "errors": 1}, {"rps": 1.0, "p99_ms": 3.0, "errors": 0},
                {"rps": 2.0, "p99_ms": None, "errors": 2}]
        row = report.summarize("s", "wrk", "nginx", "close", runs)
        self.assertEqual((row["rps_median"], row["rps_min"], row["rps_max"]), (2.0, 1.0, 3.0))
        self.assertEqual(row["p99_ms"], 2.0)
        self.assertEqual(row["errors"], 3)

    def test_ratios_and_limit(self):
        rows = [report.summarize("s", "wrk", s, "close", [{"rps": v, "frames_per_request": f}])
                for s, v, f in (("sluice-dpdk", 300.0, 10.0), ("nginx", 100.0, None), ("sluice-kernel", 150.0, None))]
        lim = {"server_pps": 6000.0}
        scenarios.apply_limit(lim, rows)
        self.assertEqual(lim["per_request"]["wrk close"], {"frames": 10.0, "rps": 600.0})
        got = {r["what"]: r["value"] for r in scenarios.ratios(rows, lim)}
        self.assertEqual(got, {"sluice-dpdk / nginx": 3.0, "sluice-dpdk / sluice-kernel": 2.0,
                               "sluice-dpdk / limit": 0.5})

    def test_limit_is_per_client(self):
        # Linux's TCP (wrk) and sluice-load need different frames per short connection.
        rows = [report.summarize("s", c, "sluice-dpdk", "close", [{"rps": 300.0, "frames_per_request": f}])
                for c, f in (("wrk", 8.0), ("sluice-load", 6.0))]
        lim = {"server_pps": 6000.0}
        scenarios.apply_limit(lim, rows)
        self.assertEqual(lim["per_request"]["wrk close"]["rps"], 750.0)
        self.assertEqual(lim["per_request"]["sluice-load close"]["rps"], 1000.0)
        got = {r["client"]: r["value"] for r in scenarios.ratios(rows, lim) if r["what"] == "sluice-dpdk / limit"}
        self.assertEqual(got, {"wrk": 0.4, "sluice-load": 0.3})

    def test_limit_runs_interleave_with_sluice_load_rounds(self):
        # Each round of sluice-load runs is followed by one testpmd run, so the limit is of the same period.
        order, saved = [], (scenarios.one_run, scenarios.limit.measure, scenarios.limit.commands,
                            scenarios.topo.set_linux_address)
        pps = iter([100.0, 300.0, 200.0])

        def fake_run(plan, s, client, m, rep, *a, **k):
            order.append(f"{s}-{m}-{rep}")
            return {"rps": 10.0, "frames_per_request": 5.0 if s == "sluice-dpdk" else None}

        def fake_measure(tmpdir, duration_s, rep):
            order.append(f"limit-{rep}")
            return {"server_pps": next(pps), "client_tx_pps": 1.0, "samples": 3}
        scenarios.one_run, scenarios.limit.measure = fake_run, fake_measure
        scenarios.limit.commands = lambda: (["s"], ["c"])
        scenarios.topo.set_linux_address = lambda *a: None
        try:
            plan = scenarios.Plan("x", True, 3, 1, 1, "", "", "", "", "", {"load", "limit"}, ["sluice-dpdk"])
            samples = []
            rows = scenarios.veth_scenario(plan, "sluice-load", lambda rep: scenarios.limit_run(plan, samples, rep))
            lim = scenarios.limit_summary(samples, True)
        finally:
            (scenarios.one_run, scenarios.limit.measure, scenarios.limit.commands,
             scenarios.topo.set_linux_address) = saved
        self.assertEqual(order, ["sluice-dpdk-close-0", "sluice-dpdk-keepalive-0", "limit-0",
                                 "sluice-dpdk-close-1", "sluice-dpdk-keepalive-1", "limit-1",
                                 "sluice-dpdk-close-2", "sluice-dpdk-keepalive-2", "limit-2"])
        self.assertEqual((lim["server_pps"], lim["server_pps_range"], lim["runs"]), (200.0, (100.0, 300.0), 3))
        scenarios.apply_limit(lim, rows)
        self.assertEqual(lim["per_request"]["sluice-load close"], {"frames": 5.0, "rps": 40.0})
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.md")
            report.write_markdown(path, "x", {}, rows, [], lim, [], [], [], {})
            with open(path) as f:
                text = f.read()
        self.assertIn("median of 3 runs, each right after a round of the sluice-load runs above): 200, "
                      "runs 100..300", text)

    def test_plot_clusters_group_by_client_and_mode(self):
        rows = [{"client": "wrk", "mode": "close", "server": s} for s in ("sluice-dpdk", "nginx")]
        rows.append({"client": "sluice-load-memif", "mode": "close", "server": "sluice-memif"})
        clusters = report._clusters(rows)
        self.assertEqual([c[0] for c in clusters], ["wrk close", "memif close"])
        self.assertEqual(sorted(clusters[0][1]), [0, 2])
        self.assertEqual(sorted(clusters[1][1]), [0])


SLUICE_LOG = """2026/11/22 03:28:37 [notice] 11335#w0: counters: conn_passive=66 conn_active=2 tcp.timeouts=3
2026/11/22 03:28:37 [notice] 11335#w1: counters: conn_passive=4 link.rx_frames=10
2026/11/22 03:28:37 [notice] 11335#w0: proxy counters: requests=12 attempts=13 retries=1
2026/11/22 03:28:37 [notice] 11335#w0: tls counters: handshakes=5 resumed=1 tls1.2=0 tls1.3=5
2026/11/22 03:28:37 [notice] 11335#m: stopped
"""


def row(server, rps, case="c", mode="keepalive", **kw):
    r = report.summarize("s", "wrk", server, mode, [{"rps": rps}])
    r.update(case=case, **kw)
    return r


class Groups(unittest.TestCase):
    def test_counters_by_kind_summed_over_workers(self):
        c = servers.parse_counters(SLUICE_LOG)
        self.assertEqual(c["conn_passive"], 70)
        self.assertEqual(c["conn_active"], 2)
        self.assertEqual(c["proxy.requests"], 12)
        self.assertEqual(c["tls.handshakes"], 5)
        self.assertEqual(c["tls.tls1.3"], 5)
        self.assertNotIn("handshakes", c)  # a "tls counters:" line is not the stack's
        self.assertEqual(servers.parse_counters("no counters here"), {})

    def test_pair_ratios_per_case_and_mode(self):
        rows = [row("a", 300.0, "600 B"), row("b", 100.0, "600 B"), row("a", 50.0, "64 KB"),
                row("b", 0.0, "64 KB"), row("a", 10.0, "64 KB", "close")]
        got = runs.pair_ratios(rows, [("a", "b", "a / b"), ("a", "c", "a / c")])
        self.assertEqual(got, [{"what": "a / b", "case": "600 B", "mode": "keepalive", "value": 3.0}])

    def test_sum_counters_and_slug(self):
        self.assertEqual(runs.sum_counters([{"a": 1}, {"a": 2, "b": 3}, {}]), {"a": 3, "b": 3})
        self.assertEqual(runs.slug("5-filecache-64 KB-sluice-dpdk, cache off-keepalive-0"),
                         "5-filecache-64-KB-sluice-dpdk-cache-off-keepalive-0")

    def test_notes_from_counters(self):
        r = row("sluice-dpdk", 1.0, "https", "close", counters={"tls.handshakes": 1000, "tls.resumed": 0,
                                                                 "tls.tls1.3": 1000})
        self.assertIn("1,000 handshakes over the runs, 0 resumed", group_tls.handshake_note(r))
        self.assertIsNone(group_tls.handshake_note(row("nginx", 1.0, counters={})))
        log = "1#w0: proxy counters: requests=10 stale_retries=2 502=1 504=2\n1#w0: counters: conn_active=64"
        r = row("sluice-dpdk", 1.0, counters=servers.parse_counters(log))
        self.assertIn("10 proxied requests", group_proxy.upstream_note(r))
        self.assertIn("3 502/504", group_proxy.upstream_note(r))
        self.assertIn("64 upstream connections opened", group_proxy.upstream_note(r))
        self.assertIsNone(runs.retransmit_note(row("x", 1.0, counters={"tcp.timeouts": 0})))
        r = row("x", 1.0, counters={"tcp.retransmitted_segments": 5, "tcp.timeouts": 5, "tcp.spurious_undos": 4})
        self.assertIn("retransmitted 5 segments", runs.retransmit_note(r))

    def test_resumed_share(self):
        self.assertEqual(servers.parse_session_log("r\n.\nr\nr\n\n"), {"nginx.ssl_requests": 4, "nginx.ssl_reused": 3})
        self.assertEqual(servers.parse_session_log(""), {"nginx.ssl_requests": 0, "nginx.ssl_reused": 0})
        self.assertAlmostEqual(group_tls.resumed_share({"tls.handshakes": 200, "tls.resumed": 50}), 0.25)
        self.assertEqual(group_tls.resumed_share({"tls.handshakes": 200}), 0.0)
        self.assertAlmostEqual(group_tls.resumed_share(servers.parse_session_log("r\n.\nr\nr\n")), 0.75)
        self.assertIsNone(group_tls.resumed_share({"nginx.ssl_requests": 0}))
        self.assertIsNone(group_tls.resumed_share(None))
        r = row("nginx", 1.0, group_tls.RESUMED, "close", counters={"nginx.ssl_requests": 10, "nginx.ssl_reused": 4})
        self.assertIn("10 requests in its $ssl_session_reused log over the runs, 4 on a resumed session",
                      group_tls.nginx_session_note(r))
        self.assertIsNone(group_tls.nginx_session_note(row("nginx", 1.0, counters={})))

    def test_tls_cases(self):
        cases = group_tls.cases(["sluice-dpdk", "nginx"], ("/c", "/k"))
        self.assertEqual([(c.case, c.server, c.mode) for c in cases],
                         [(group_tls.FULL, "sluice-dpdk", "close"), (group_tls.FULL, "sluice-dpdk", "keepalive"),
                          (group_tls.FULL, "nginx", "close"), (group_tls.FULL, "nginx", "keepalive"),
                          (group_tls.RESUMED, "sluice-dpdk", "close"), (group_tls.RESUMED, "nginx", "close")])
        self.assertFalse(cases[0].opts.tls_resumption)
        self.assertTrue(cases[-1].opts.tls_resumption and cases[-1].opts.session_log)
        self.assertNotEqual(cases[0].opts.suffix, cases[-1].opts.suffix)

    def test_filecache_cases_follow_servers(self):
        cases = group_filecache.cases(["sluice-dpdk", "nginx"])
        self.assertEqual([(c.case, c.label) for c in cases][:3], [("600 B", group_filecache.ON),
                                                                  ("600 B", group_filecache.OFF), ("600 B", "nginx")])
        self.assertEqual(len(cases), 6)
        self.assertFalse(cases[1].opts.file_cache)
        self.assertEqual([c.server for c in group_filecache.cases(["nginx"])], ["nginx", "nginx"])

    def test_base_ratios_ignore_group_rows(self):
        rows = [report.summarize("1-wrk", "wrk", s, "close", [{"rps": v}]) for s, v in (("sluice-dpdk", 2.0),
                                                                                         ("nginx", 1.0))]
        rows.append(row("nginx", 100.0, "https", "close"))
        self.assertIs(scenarios.find(rows, "wrk", "nginx", "close"), rows[1])

    def test_section_clusters(self):
        rows = [row("a", 1.0, "600 B"), row("b", 2.0, "600 B"), row("b", 3.0, "64 KB")]
        clusters, series = report.section_clusters(rows)
        self.assertEqual(series, ["a", "b"])
        self.assertEqual([c[0] for c in clusters], ["600 B keepalive", "64 KB keepalive"])
        self.assertEqual(sorted(clusters[1][1]), [1])

    def test_client_cpu(self):
        class U:
            def __init__(self, u, s):
                self.ru_utime, self.ru_stime = u, s
        self.assertAlmostEqual(clients.cpu_seconds(U(1.0, 0.5), U(3.0, 1.0)), 2.5)
        r = report.summarize("s", "wrk", "x", "close", [{"rps": 1.0, "client_cpu": v} for v in (0.9, 0.5, None)])
        self.assertAlmostEqual(r["client_cpu"], 0.7)

    def test_markdown_with_a_section(self):
        sec = runs.Section("tls", "TLS", "intro", [row("nginx", 1234.0, "https", "close", client_cpu=0.5)],
                           [{"what": "a / b", "case": "https", "mode": "close", "value": 1.5}], ["a note"])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.md")
            report.write_markdown(path, "x", {"command": "bench/run"}, [], [], None, [], [], [], {}, [sec])
            with open(path) as f:
                text = f.read()
        self.assertNotIn("## Results", text)
        self.assertIn("| https | nginx | close | 1,234 |", text)
        self.assertIn("| 50 % |", text)
        self.assertIn("| a / b | https | close | 1.50 |", text)
        self.assertIn("- a note", text)
        self.assertNotIn("resumed |", text)
        sec.rows[0]["resumed_share"] = 0.004
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.md")
            report.write_markdown(path, "x", {"command": "bench/run"}, [], [], None, [], [], [], {}, [sec])
            with open(path) as f:
                text = f.read()
        self.assertIn("| wrk CPU | resumed |", text)
        self.assertIn("| 50 % | 0.4 % |", text)


class Configs(unittest.TestCase):
    def test_sluice_options(self):
        O = server_conf.Options
        plain = server_conf.sluice_conf("kernel", "/p", "/www")
        self.assertNotIn("[file_cache]", plain)
        self.assertIn('listen = ["198.18.0.3:80"]', plain)
        self.assertIn("[file_cache]\nenabled = false", server_conf.sluice_conf("dpdk", "/p", "/www",
                                                                               opts=O(file_cache=False)))
        tls = server_conf.sluice_conf("dpdk", "/p", "/www", opts=O(tls=("/c.pem", "/k.pem"), tls_resumption=False))
        self.assertIn('listen = ["198.18.0.2:443"]', tls)
        self.assertIn('[server.tls]\n  certificates = [ { cert = "/c.pem", key = "/k.pem" } ]', tls)
        self.assertIn("session_tickets = false\n  session_cache = 0", tls)
        proxy = server_conf.sluice_conf("kernel", "/p", "/www", opts=O(proxy_to="198.18.0.5:8080",
                                                                      upstream_keepalive=7))
        self.assertIn('servers = [ { address = "198.18.0.5:8080" } ]', proxy)
        self.assertIn("keepalive = 7", proxy)
        self.assertIn('proxy_pass = "backend"', proxy)
        self.assertNotIn("root =", proxy)

    def test_nginx_options(self):
        O = server_conf.Options
        tls = server_conf.nginx_conf("/p", "/www", O(tls=("/c.pem", "/k.pem"), tls_resumption=False))
        self.assertIn("listen 198.18.0.3:443 ssl reuseport", tls)
        self.assertIn("ssl_session_tickets off;", tls)
        self.assertIn("ssl_session_cache off;", tls)
        self.assertIn("ssl_session_tickets on;", server_conf.nginx_conf("/p", "/www", O(tls=("/c", "/k"))))
        self.assertNotIn("access_log sessions.log", server_conf.nginx_conf("/p", "/www", O(tls=("/c", "/k"))))
        logged = server_conf.nginx_conf("/p", "/www", O(tls=("/c", "/k"), session_log=True))
        self.assertIn("log_format sessions '$ssl_session_reused';", logged)
        self.assertIn("access_log sessions.log sessions buffer=64k;", logged)
        self.assertIn("ssl_session_cache shared:SSL:10m;", logged)
        self.assertNotIn("session_tickets", server_conf.sluice_conf("dpdk", "/p", "/www", opts=O(tls=("/c", "/k"))))
        proxy = server_conf.nginx_conf("/p", "/www", O(proxy_to="198.18.0.5:8080", upstream_keepalive=7))
        for line in ("server 198.18.0.5:8080;", "keepalive 7;", "proxy_pass http://backend;",
                     "proxy_http_version 1.1;", 'proxy_set_header Connection "";'):
            self.assertIn(line, proxy)
        backend = server_conf.nginx_conf("/p", "/www", O(ip="198.18.0.5", port=8080, cpu=0))
        self.assertIn("listen 198.18.0.5:8080 reuseport", backend)
        self.assertIn("worker_cpu_affinity 1;", backend)


if __name__ == "__main__":
    unittest.main()

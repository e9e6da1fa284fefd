"""Unit tests for bench/run's parsers and arithmetic (no namespaces, no root needed)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "lib"))

import clients  # noqa: E402
import limit  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402

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
        self.assertEqual(lim["limit_close_rps"], 600.0)
        got = {r["what"]: r["value"] for r in scenarios.ratios(rows, lim)}
        self.assertEqual(got, {"sluice-dpdk / nginx": 3.0, "sluice-dpdk / sluice-kernel": 2.0,
                               "sluice-dpdk / limit": 0.5})

    def test_plot_clusters_group_by_client_and_mode(self):
        rows = [{"client": "wrk", "mode": "close", "server": s} for s in ("sluice-dpdk", "nginx")]
        rows.append({"client": "sluice-load-memif", "mode": "close", "server": "sluice-memif"})
        clusters = report._clusters(rows)
        self.assertEqual([c[0] for c in clusters], ["wrk close", "memif close"])
        self.assertEqual(sorted(clusters[0][1]), [0, 2])
        self.assertEqual(sorted(clusters[1][1]), [0])


if __name__ == "__main__":
    unittest.main()

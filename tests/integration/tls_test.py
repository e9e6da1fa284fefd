"""TLS end to end (issue 6): sluice on the userspace stack (net_af_packet, two workers) terminating
TLS for two servers on one address, against openssl s_client, curl, wrk and testssl.sh in a client
network namespace; `sluice -t` on bad certificates; the same TLS on the kernel backend.

Certificates come from a CA made here with the openssl CLI: a.test has RSA and ECDSA certificates
(with a stapled OCSP response for the ECDSA one), b.test an ECDSA one."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

from harness import Site, Sluice, free_port, main, parse_wrk, run, sha256_file, wait_for
from topology import SERVER_IP, Topology, dpdk_conf

BINARY = os.path.abspath(sys.argv[1])
WORKERS = 2

topo = Topology("tls", pmd="af_packet", queues=WORKERS)
site = Site("sluice-tls")
CERTS = os.path.join(site.dir, "certs")
os.makedirs(CERTS)
small = site.random_file("www/small.bin", 600, seed=2)
large = site.random_file("www/large.bin", 20 * 1024 * 1024, seed=3)
site.file("www/index.html", "<h1>a.test over TLS</h1>\n")
site.file("www-b/index.html", "<h1>b.test over TLS</h1>\n")
server = None


def ossl(*args, cwd=CERTS):
    return run(["openssl", *args], cwd=cwd, timeout=60)


def make_certs():
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
         "-out", "ca.pem", "-subj", "/CN=sluice test CA", "-days", "365")
    site.file("certs/index.txt", "")
    # Leaf certificates as a public CA would issue them (testssl.sh rates missing revocation info
    # and short validity as findings about the certificate).
    site.file("certs/ca.cnf", "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\n"
              "serial = serial\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\nunique_subject = no\n"
              "x509_extensions = leaf\n[p]\ncommonName = supplied\n[leaf]\nbasicConstraints = CA:FALSE\n"
              "keyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\n"
              "authorityInfoAccess = OCSP;URI:http://ocsp.ca.test/\n"
              "crlDistributionPoints = URI:http://crl.ca.test/ca.crl\n")
    site.file("certs/serial", "1000\n")
    for name, host, key in (("a-rsa", "a.test", ["rsa:2048"]), ("a-ec", "a.test", ["ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256"]), ("b-ec", "b.test", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"])):
        ossl("req", "-new", "-newkey", *key, "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host}")
        ossl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", f"{name}.csr",
             "-out", f"{name}.pem", "-days", "120", "-notext")
    # RFC 6960: a "good" response for a-ec, signed by the CA, to staple.
    ossl("ocsp", "-issuer", "ca.pem", "-cert", "a-ec.pem", "-reqout", "a-ec.req")
    ossl("ocsp", "-index", "index.txt", "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA", "ca.pem", "-reqin", "a-ec.req",
         "-respout", "a-ec.ocsp", "-ndays", "1")
    # For `sluice -t`: an expired certificate, and a key that belongs to another certificate.
    ossl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "old.key",
         "-out", "old.csr", "-subj", "/CN=a.test")
    ossl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "old.csr", "-out",
         "old.pem", "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-notext")


TLS_SERVERS = """
[[server]]
listen = ["{ip}:443"]
server_name = ["a.test"]
access_log = "logs/access.log"
  [[server.location]]
  path = "/"
  root = "www"
  [server.tls]
  certificates = [ {{ cert = "certs/a-rsa.pem", key = "{a_rsa_key}" }},
                   {{ cert = "certs/a-ec.pem", key = "certs/a-ec.key", ocsp_stapling_file = "certs/a-ec.ocsp" }} ]
  protocols = ["TLSv1.2", "TLSv1.3"]

[[server]]
listen = ["{ip}:443"]
server_name = ["b.test"]
access_log = "logs/access.log"
  [[server.location]]
  path = "/"
  root = "www-b"
  [server.tls]
  certificates = [ {{ cert = "{b_cert}", key = "certs/b-ec.key" }} ]
"""


def tls_conf(a_rsa_key="certs/a-rsa.key", b_cert="certs/b-ec.pem"):
    return dpdk_conf(topo, "www", workers=WORKERS) + TLS_SERVERS.format(ip=SERVER_IP, a_rsa_key=a_rsa_key, b_cert=b_cert)


def request(host):
    return f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"


def s_client_http(host, *args):
    """s_client that sends a request and reads to the end (so TLS 1.3 tickets arrive)."""
    path = os.path.join(site.dir, "req.txt")
    with open(path, "w") as f:
        f.write(request(host))
    cmd = ["openssl", "s_client", "-connect", f"{SERVER_IP}:443", "-CAfile", os.path.join(CERTS, "ca.pem"),
           "-servername", host, "-ign_eof", *args]
    p = topo.client(["bash", "-c", " ".join(f"'{a}'" for a in cmd) + f" < {path} 2>&1"], timeout=30, check=False)
    return p.stdout


def test_config_test_refuses_bad_certificates():
    make_certs()
    site.write_conf(tls_conf(a_rsa_key="certs/a-ec.key"))
    p = run([BINARY, "-t", "-c", site.conf], check=False)
    assert p.returncode == 1, p.stderr
    assert re.search(r"sluice\.toml:\d+:\d+: server\[1\]\.tls\.certificates\[0\]\.key: .*a-ec\.key does not match "
                     r"the certificate in .*a-rsa\.pem", p.stderr), p.stderr
    site.write_conf(tls_conf(b_cert="certs/old.pem"))
    p = run([BINARY, "-t", "-c", site.conf], check=False)
    assert p.returncode == 1, p.stderr
    assert re.search(r"sluice\.toml:\d+:\d+: server\[2\]\.tls\.certificates\[0\]\.cert: .*old\.pem expired on "
                     r"2020-02-01 00:00:00 UTC", p.stderr), p.stderr
    print("    " + p.stderr.splitlines()[0], flush=True)
    site.write_conf(tls_conf())
    p = run([BINARY, "-t", "-c", site.conf], check=False)
    assert p.returncode == 0, p.stderr


def test_starts_on_the_userspace_stack():
    global server
    server = Sluice(BINARY, site, netns=topo.srv)
    wait_for(lambda: server.proc.poll() is not None or "engine serving" in site.log("error.log"), 30,
             "the engine to serve")
    assert server.proc.poll() is None, server.stop()
    wait_for(lambda: topo.client(["ping", "-c", "1", "-W", "1", SERVER_IP], check=False).returncode == 0,
             15, "a ping reply from the userspace stack")


def test_s_client_tls12_and_tls13_alpn():
    for flag, version in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
        out = s_client_http("a.test", flag, "-alpn", "http/1.1")
        assert f"Protocol  : {version}" in out or f"New, {version}" in out, out
        assert "ALPN protocol: http/1.1" in out, out
        assert "Verify return code: 0 (ok)" in out, out
        assert "a.test over TLS" in out, out
    out = s_client_http("a.test", "-alpn", "h2")
    assert "no application protocol" in out, out  # RFC 7301 3.2


def test_sni_picks_the_certificate():
    for host, expected in (("a.test", "CN = a.test"), ("b.test", "CN = b.test"), ("c.test", "CN = a.test")):
        out = s_client_http(host)
        assert re.search(r"subject=.*" + expected.split(" = ")[1], out), out
    out = s_client_http("b.test")
    assert "b.test over TLS" in out, out


def test_rsa_and_ecdsa_chosen_by_signature_algorithms():
    out = s_client_http("a.test", "-sigalgs", "ECDSA+SHA256")
    assert "Peer signature type: ECDSA" in out, out
    out = s_client_http("a.test", "-sigalgs", "rsa_pss_rsae_sha256")
    assert "Peer signature type: RSA-PSS" in out and "Server public key is 2048 bit" in out, out


def test_ocsp_stapling():
    out = s_client_http("a.test", "-status", "-sigalgs", "ECDSA+SHA256")
    assert "OCSP Response Status: successful" in out, out
    assert "Cert Status: good" in out, out


def resumptions(version_flag, tries):
    sess = os.path.join(site.dir, f"sess{version_flag}.pem")
    out = s_client_http("a.test", version_flag, "-sess_out", sess)
    assert "New," in out, out
    reused = 0
    for _ in range(tries):
        out = s_client_http("a.test", version_flag, "-sess_in", sess)
        reused += "Reused," in out
    return reused


def test_resumption_across_workers():
    for flag, tries in (("-tls1_3", 12), ("-tls1_2", 8)):
        reused = resumptions(flag, tries)
        assert reused == tries, f"{flag}: {reused} of {tries} resumed"
    print(f"    every -sess_in resumed (tickets shared by {WORKERS} workers)", flush=True)


def test_curl_https_byte_exact():
    ca = os.path.join(CERTS, "ca.pem")
    for host, path, src in (("a.test", "/small.bin", small), ("a.test", "/large.bin", large)):
        out = os.path.join(site.dir, "out.bin")
        p = topo.client(["curl", "-sS", "--http1.1", "--max-time", "60", "--cacert", ca, "--resolve",
                         f"{host}:443:{SERVER_IP}", "-o", out, f"https://{host}{path}"], timeout=90, check=False)
        assert p.returncode == 0, p.stderr
        assert sha256_file(out) == sha256_file(src), path
        os.unlink(out)
    p = topo.client(["curl", "-sS", "--cacert", ca, "--resolve", f"b.test:443:{SERVER_IP}", "https://b.test/"])
    assert "b.test over TLS" in p.stdout, p.stdout


def wrk(*extra, scheme="https"):
    p = topo.client(["wrk", "-t1", "-c16", "-d5s", *extra, f"{scheme}://{SERVER_IP}/small.bin"], timeout=60)
    return parse_wrk(p.stdout), p.stdout


def test_wrk_https_no_errors():
    r, out = wrk()
    assert r["requests"] > 500, out
    assert r["socket_errors"] == 0 and r["non2xx"] == 0, out
    print(f"    https keep-alive: {r['rps']:.0f} req/s", flush=True)
    r, out = wrk("-H", "Connection: close")
    assert r["requests"] > 100, out
    assert r["socket_errors"] == 0 and r["non2xx"] == 0, out
    print(f"    https connection close (a handshake per request): {r['rps']:.0f} req/s", flush=True)
    r, out = wrk("-H", "Connection: close", scheme="http")
    print(f"    (plain http connection close, same run: {r['rps']:.0f} req/s)", flush=True)


def test_sighup_reloads_certificates():
    # b.test gets a new certificate; connections after the reload see it.
    ossl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "b2.key",
         "-out", "b2.csr", "-subj", "/CN=b.test", "-addext", "subjectAltName=DNS:b.test")
    ossl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "b2.csr",
         "-out", "b2.pem", "-days", "120", "-notext")
    serial = run(["openssl", "x509", "-in", os.path.join(CERTS, "b2.pem"), "-noout", "-serial"]).stdout.strip()
    shutil.copy(os.path.join(CERTS, "b2.pem"), os.path.join(CERTS, "b-ec.pem"))
    shutil.copy(os.path.join(CERTS, "b2.key"), os.path.join(CERTS, "b-ec.key"))
    server.signal("reload")
    wait_for(lambda: site.log("error.log").count("configuration reloaded") >= WORKERS, 15, "the reload")

    def served_serial():
        out = s_client_http("b.test", "-showcerts")
        pem = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S).group(0)
        return run(["openssl", "x509", "-noout", "-serial"], input=pem).stdout.strip()
    assert served_serial() == serial


def test_testssl_finds_nothing_critical_or_high():
    assert shutil.which("testssl"), "testssl.sh missing: deploy/install-deps.sh installs it"
    out = os.path.join(site.dir, "testssl.json")
    t0 = time.monotonic()
    # Protocols, cipher categories, forward secrecy, server preferences and defaults (certificates),
    # vulnerabilities; not the HTTP header checks nor the (slow) client simulation.
    p = topo.client(["timeout", "200", "testssl", "--quiet", "--color", "0", "--warnings", "off", "--fast",
                     "--sneaky", "-p", "-s", "-f", "-P", "-S", "-U", "--add-ca", os.path.join(CERTS, "ca.pem"),
                     "--ip", SERVER_IP, "--jsonfile", out, "a.test:443"], timeout=220, check=False)
    assert os.path.exists(out), p.stdout[-3000:]
    findings = json.load(open(out))
    bad = [f for f in findings if f.get("severity") in ("CRITICAL", "HIGH")]
    worst = {}
    for f in findings:
        worst[f.get("severity")] = worst.get(f.get("severity"), 0) + 1
    print(f"    testssl.sh ({time.monotonic() - t0:.0f}s): {worst}", flush=True)
    for f in findings:
        if f.get("severity") in ("MEDIUM", "LOW"):
            print(f"      {f['severity']}: {f['id']}: {f['finding']}", flush=True)
    assert not bad, bad


def test_counters_show_resumption_on_every_worker():
    server.signal("quit")
    assert server.wait(timeout=30) == 0
    log = site.log("error.log")
    for w in range(WORKERS):
        m = re.search(rf"#w{w}: tls counters: handshakes=(\d+) resumed=(\d+)", log)
        assert m, log[-3000:]
        assert int(m.group(2)) > 0, f"worker {w} resumed no session:\n" + m.group(0)
        print(f"    worker {w}: " + m.group(0).split(": ", 1)[1], flush=True)


def test_kernel_backend_serves_the_same_tls():
    port = free_port()
    kconf = os.path.join(site.dir, "kernel.toml")
    text = tls_conf().replace(f"{SERVER_IP}:443", f"127.0.0.1:{port}")
    text = text.replace(f"{SERVER_IP}:80", f"127.0.0.1:{free_port()}")
    text = re.sub(r"\[network\]\nbackend = \"dpdk\"", "[network]\nbackend = \"kernel\"", text)
    text = re.sub(r"\[dpdk\].*?\n\n", "", text, flags=re.S)
    text = text.replace("run/sluice.pid", "run/kernel.pid").replace("logs/error.log", "logs/kernel-error.log")
    with open(kconf, "w") as f:
        f.write(text)
    proc = subprocess.Popen([BINARY, "-c", kconf], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: proc.poll() is not None or "engine serving" in site.log("kernel-error.log"), 20,
                 "the kernel engine")
        assert proc.poll() is None, proc.communicate()
        out = os.path.join(site.dir, "k.bin")
        run(["curl", "-sS", "--cacert", os.path.join(CERTS, "ca.pem"), "--resolve", f"a.test:{port}:127.0.0.1",
             "-o", out, f"https://a.test:{port}/large.bin"], timeout=60)
        assert sha256_file(out) == sha256_file(large)
    finally:
        proc.send_signal(subprocess.signal.SIGQUIT)
        proc.communicate(timeout=15)


try:
    main([
        test_config_test_refuses_bad_certificates,
        test_starts_on_the_userspace_stack,
        test_s_client_tls12_and_tls13_alpn,
        test_sni_picks_the_certificate,
        test_rsa_and_ecdsa_chosen_by_signature_algorithms,
        test_ocsp_stapling,
        test_resumption_across_workers,
        test_curl_https_byte_exact,
        test_wrk_https_no_errors,
        test_sighup_reloads_certificates,
        test_testssl_finds_nothing_critical_or_high,
        test_counters_show_resumption_on_every_worker,
        test_kernel_backend_serves_the_same_tls,
    ])
finally:
    if server:
        server.stop()
        print(site.log("error.log")[-3000:])
    topo.delete()
    site.cleanup()

"""A raw-socket HTTP client for end-to-end tests: sends exact bytes and reports what came back as
JSON, so it can run inside the client network namespace of a dpdk topology (ip netns exec).

    raw_http.py corpus HOST PORT CORPUS.tsv   each case of tests/http/request_corpus.tsv on its own
                                              connection: status, Connection field, server closed?
    raw_http.py raw HOST PORT HEX             one exchange: every response (status, fields, body)
"""
import base64
import json
import socket
import sys
import time


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "x":
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"r": b"\r", "n": b"\n", "t": b"\t"}.get(n, n.encode())
            i += 2
            continue
        out += c.encode("latin-1")
        i += 1
    return bytes(out)


def load_corpus(path):
    cases = []
    for line in open(path, encoding="latin-1"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        name, status, counter, conn, req = line.split("\t", 4)
        cases.append({"name": name, "status": int(status), "counter": counter, "close": conn == "close",
                      "request": unescape(req)})
    return cases


def read_response(sock, buf, deadline):
    """Reads one response (Content-Length framed or until EOF); returns (status, headers, body,
    rest, eof)."""
    eof = False
    while b"\r\n\r\n" not in buf:
        data = recv(sock, deadline)
        if not data:
            return None, {}, b"", buf, True
        buf += data
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for l in lines[1:]:
        k, v = l.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    while len(buf) < n:
        data = recv(sock, deadline)
        if not data:
            eof = True
            break
        buf += data
    return status, headers, buf[:n], buf[n:], eof


def recv(sock, deadline):
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        return sock.recv(65536)
    except socket.timeout:
        return None
    except ConnectionResetError:
        return b""


def server_closed(sock, rest, wait):
    """True when the server closes (EOF) within `wait` seconds; False when it stays open."""
    if rest:
        return False
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        data = recv(sock, deadline)
        if data is None:
            return False
        if data == b"":
            return True
        # unexpected extra bytes: keep reading
    return False


def client_corpus(host, port, path):
    results = []
    for case in load_corpus(path):
        s = socket.create_connection((host, int(port)), timeout=5)
        s.sendall(case["request"])
        status, headers, body, rest, eof = read_response(s, b"", time.monotonic() + 5)
        closed = eof or server_closed(s, rest, 3.0 if case["close"] else 0.5)
        results.append({"name": case["name"], "status": status, "connection": headers.get("connection"),
                        "closed": closed})
        s.close()
    return results


def client_raw(host, port, hexreq):
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(bytes.fromhex(hexreq))
    out = []
    buf = b""
    deadline = time.monotonic() + 5
    while True:
        status, headers, body, buf, eof = read_response(s, buf, deadline)
        if status is None:
            break
        out.append({"status": status, "headers": headers, "body": base64.b64encode(body).decode()})
        if eof or headers.get("connection") == "close":
            break
        if not buf:
            more = recv(s, time.monotonic() + 0.3)
            if not more:
                break
            buf += more
    s.close()
    return out


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "corpus":
        print(json.dumps(client_corpus(sys.argv[2], sys.argv[3], sys.argv[4])))
    else:
        print(json.dumps(client_raw(sys.argv[2], sys.argv[3], sys.argv[4])))

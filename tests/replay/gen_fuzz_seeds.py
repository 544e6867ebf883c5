#!/usr/bin/env python3
"""gen_fuzz_seeds.py — the hand-made seeds of tests/fuzz/corpus/iter (input
layout in tests/fuzz/fuzz_iter.c). Run from the repository root; writes
seed-*.bin files (the fuzzer's own finds sit beside them, named by hash).
"""
import base64
import os
import struct

OUT = "tests/fuzz/corpus/iter"
T = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "TXT": 16, "AAAA": 28, "DNAME": 39, "DS": 43,
     "RRSIG": 46, "NSEC": 47, "DNSKEY": 48, "CAA": 257}
# NAMES / TYPES indexes of fuzz_iter.c
NAME = {"www.example.test.": 0, "example.test.": 1, "test.": 2, ".": 3, "a.b.c.example.test.": 4,
        "www.secure.test.": 5, "www.example.net.": 9, "x.evil.test.": 10}
TYPE = {"CAA": 0, "A": 1, "AAAA": 2, "TXT": 3, "DS": 5, "DNSKEY": 6}
QNAME = b"\xc0\x0c"  # pointer to the question's name


def name(n):
    if n in (".", ""):
        return b"\0"
    return b"".join(bytes([len(l)]) + l.encode() for l in n.rstrip(".").split(".")) + b"\0"


def rr(owner, typ, rdata, ttl=3600):
    o = owner if isinstance(owner, bytes) else name(owner)
    return o + struct.pack(">HHIH", T[typ], 1, ttl, len(rdata)) + rdata


def a(ip):
    return bytes(int(x) for x in ip.split("."))


def soa(mname, rname):
    return name(mname) + name(rname) + struct.pack(">IIIII", 1, 3600, 600, 86400, 300)


def caa(value):
    return b"\0\x05issue" + value.encode()


def response(flags, an=(), ns=(), ar=(), kind=0, delay=1):
    hdr = struct.pack(">HHHHHH", 0, flags, 1, len(an), len(ns), len(ar))
    body = b"".join(an) + b"".join(ns) + b"".join(ar)
    return bytes([kind, delay]) + hdr + struct.pack(">H", len(body)) + body


def timeout():
    return bytes([1, 0])


def tfail(which):
    return bytes([2, 1, which])


def lookup(flags, sel, *records, adv=0):
    return bytes([flags, adv]) + bytes(sel) + b"".join(records)


def sel(n, t):
    return NAME[n] | TYPE[t] << 4


AA, NOERR, NX, SERVFAIL, REFUSED = 0x0400, 0, 3, 2, 5
QR = 0x8000

ref_test = response(QR, ns=[rr("test.", "NS", name("ns1.test."))],
                    ar=[rr("ns1.test.", "A", a("10.1.0.1"))])
ref_example = response(QR, ns=[rr("example.test.", "NS", name("ns1.example.test."))],
                       ar=[rr("ns1.example.test.", "A", a("10.2.0.1"))])
ans_a = response(QR | AA, an=[rr(QNAME, "A", a("192.0.2.1"), 300)])
seeds = {
    "referral-answer": lookup(0x00, [sel("www.example.test.", "A")], ref_test, ref_example, ans_a),
    "referral-caa-2rounds": lookup(0x08, [sel("www.example.test.", "CAA")], ref_test, ref_example,
                                   response(QR | AA, an=[rr(QNAME, "CAA", caa("ca.example"), 60)]),
                                   ans_a, adv=7),
    "nxdomain": lookup(0x00, [sel("x.evil.test.", "CAA")],
                       response(QR | AA | NX, ns=[rr(".", "SOA", soa("a.root.", "h.root."))])),
    "nodata": lookup(0x00, [sel("www.example.test.", "TXT")], ref_test, ref_example,
                     response(QR | AA, ns=[rr("example.test.", "SOA",
                                              soa("ns1.example.test.", "h.example.test."), 30)])),
    "cname": lookup(0x00, [sel("www.example.test.", "CAA")], ref_test, ref_example,
                    response(QR | AA, an=[rr(QNAME, "CNAME", name("www.example.net."))]),
                    response(QR, ns=[rr("net.", "NS", name("ns1.net."))],
                             ar=[rr("ns1.net.", "A", a("10.1.1.1"))]),
                    response(QR | AA, an=[rr(QNAME, "CAA", caa("ca.example"))])),
    "dname": lookup(0x00, [sel("a.b.c.example.test.", "A")], ref_test, ref_example,
                    response(QR | AA, an=[rr("example.test.", "DNAME", name("example.net.")),
                                          rr(QNAME, "CNAME", name("a.b.c.example.net."))])),
    "glueless": lookup(0x00, [sel("www.example.test.", "A")], ref_test,
                       response(QR, ns=[rr("example.test.", "NS", name("ns.hoster.net."))]),
                       response(QR, ns=[rr("net.", "NS", name("ns1.net."))],
                                ar=[rr("ns1.net.", "A", a("10.1.1.1"))]),
                       response(QR | AA, an=[rr(QNAME, "A", a("10.2.0.9"))]), ans_a),
    "nxns": lookup(0x00, [sel("x.evil.test.", "CAA")], ref_test,
                   response(QR, ns=[rr("evil.test.", "NS", name(f"ns{i}.evil.test."))
                                    for i in range(60)])),
    "timeouts-4-lookups": lookup(0x30, [sel("www.example.test.", "A"), sel("example.test.", "CAA"),
                                        sel("test.", "CAA"), sel(".", "DNSKEY")]),
    "coalesce-2persp": lookup(0x14, [sel("www.example.test.", "A"), sel("www.example.test.", "A")],
                              ref_test, ref_test, ref_example, ref_example, ans_a, ans_a),
    "servfail-refused-tc": lookup(0x00, [sel("www.example.test.", "CAA")], ref_test,
                                  response(QR, ns=[rr("example.test.", "NS", name("ns1.example.test.")),
                                                   rr("example.test.", "NS", name("ns2.example.test."))],
                                           ar=[rr("ns1.example.test.", "A", a("10.2.0.1")),
                                               rr("ns2.example.test.", "A", a("10.2.0.2"))]),
                                  response(QR | SERVFAIL), response(QR | REFUSED), tfail(0),
                                  timeout()),
    "garbage": bytes([0x3f, 0xff]) + os.urandom(0) + bytes(range(256)) * 2,
}

# DNSSEC: the root's DNSKEY answer from the replay fixtures, validated with the
# fuzzer's built-in anchor, then a signed referral
keys = "tests/replay/scenarios/dnssec/root.signed"
dnskey = rrsig = None
for line in open(keys):
    f = line.split()
    if len(f) > 4 and f[0] == "." and f[3] == "DNSKEY":
        dnskey = struct.pack(">HBB", int(f[4]), int(f[5]), int(f[6])) + base64.b64decode("".join(f[7:]))
    if len(f) > 4 and f[0] == "." and f[3] == "RRSIG" and f[4] == "DNSKEY":
        g = f[4:]
        ts = lambda s: int(__import__("calendar").timegm(__import__("time").strptime(s, "%Y%m%d%H%M%S")))
        rrsig = (struct.pack(">HBBIIIH", T[g[0]], int(g[1]), int(g[2]), int(g[3]), ts(g[4]), ts(g[5]),
                             int(g[6])) + name(g[7]) + base64.b64decode("".join(g[8:])))
assert dnskey and rrsig
seeds["dnssec-root-dnskey"] = lookup(0x01, [sel("www.secure.test.", "A")],
                                     response(QR | AA, an=[rr(".", "DNSKEY", dnskey, 86400),
                                                           rr(".", "RRSIG", rrsig, 86400)]),
                                     ref_test)
for k, v in seeds.items():
    open(f"{OUT}/seed-{k}.bin", "wb").write(v)
print(len(seeds), "seeds")

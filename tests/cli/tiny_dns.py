#!/usr/bin/env python3
"""tiny_dns.py — the DNS servers of the HTTPS server tests (test_agent.sh,
test_serve.sh): one UDP socket on 127.0.0.1 per argument, each answering
from its own table; prints the sockets' ports, space-separated, in argument
order, then serves until killed.

usage: tiny_dns.py SPEC...   SPEC: a JSON object
  {"caa": {NAME: ISSUER, ...}, "txt": {NAME: TEXT, ...}}   ("*": any name)
  {"silent": true}                                         never answers
A CAA answer is one "0 issue ISSUER" record, a TXT answer one string; a
name or type not in the table gets NOERROR without records (NODATA).
"""
import json
import select
import socket
import struct
import sys


def rdata(table, qname):
    v = table.get(qname, table.get("*"))
    return None if v is None else v.encode("ascii")


def answer(spec, q):
    if len(q) < 12:
        return None
    qid, flags = struct.unpack("!HH", q[:4])
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace").lower())
        i += 1 + q[i]
    qname = ".".join(labels)
    qtype, = struct.unpack("!H", q[i + 1:i + 3])
    question = q[12:i + 5]
    rd = None
    if qtype == 257 and rdata(spec.get("caa", {}), qname):
        rd = b"\x00\x05issue" + rdata(spec["caa"], qname)
    elif qtype == 16 and rdata(spec.get("txt", {}), qname):
        t = rdata(spec["txt"], qname)
        rd = bytes([len(t)]) + t
    hdr = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100), 1, 1 if rd else 0, 0, 0)
    ans = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rd)) + rd if rd else b""
    return hdr + question + ans


def main(argv):
    socks = []
    for arg in argv[1:]:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks.append((s, json.loads(arg)))
    print(*[s.getsockname()[1] for s, _ in socks], flush=True)
    specs = {s: spec for s, spec in socks}
    while True:
        ready, _, _ = select.select(list(specs), [], [])
        for s in ready:
            q, peer = s.recvfrom(4096)
            if specs[s].get("silent"):
                continue
            a = answer(specs[s], q)
            if a:
                s.sendto(a, peer)


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
"""vtg-hostile: a DNS server that misbehaves on demand, by name.

Runs inside a network namespace of its own (tests/integration/test_hostile.sh
makes it) and answers on UDP and TCP port 53 of every 127.0.0.0/8 address:
one wildcard UDP socket with IP_PKTINFO, so the behaviour can depend on the
address that was asked and every reply leaves from that address (or, for the
spoofing case, deliberately from another one), and one TCP listener on
0.0.0.0:53 whose accepted sockets know their local address.

It plays two roles at once:
  - a recursive resolver for stub mode: 127.0.0.1 with RD=1 answers like a
    recursive server (RA=1), chasing aliases itself;
  - a tiny unsigned hierarchy for iterative mode (queries with RD=0):
      127.0.0.1     the root, `.` NS a.root.hostile. (root hints: 127.0.0.1)
      127.0.0.2     `hostile.`, delegating `<case>.hostile.` to
                    ns.<case>.hostile. with glue 127.0.1.<case index>,
                    or with the hostile referrals of the nxns / dead cases
      127.0.1.N     the server of case N, authoritative for `<case>.hostile.`
      127.0.2.N     dead servers (glue of the `dead` case): log, never answer
Everything else is logged and dropped.

Each query is logged as one tab-separated line to the log file:
  time  dst  src  transport  qname  qtype  opt(0/1)  rd(0/1)  id
so a test can count packets per destination. The case catalogue is CASES
below; test_hostile.sh states the outcome vantage must reach for each.

With a third argument, a root zone signed by ldns-signzone (test_hostile.sh
makes one with a fresh key), the root answers from it with its RRSIGs and
NSEC records, so an iterative perspective with that key as its trust anchor
validates the root and proves `hostile.` Insecure (an iterative primary
must validate, BR 3.2.2.9); everything below the root stays unsigned.

usage: vtg-hostile.py LOGFILE READYFILE [SIGNED-ROOT-ZONE]
Standard library only (Debian's python3).
"""

import base64
import calendar
import os
import select
import socket
import struct
import sys
import threading
import time

IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # linux/in.h; absent in some builds

T_A, T_NS, T_CNAME, T_SOA, T_TXT, T_OPT, T_DNAME, T_CAA = 1, 2, 5, 6, 16, 41, 39, 257
T_DS, T_RRSIG, T_NSEC, T_DNSKEY = 43, 46, 47, 48
TYPES = {"A": T_A, "NS": T_NS, "CNAME": T_CNAME, "SOA": T_SOA, "TXT": T_TXT, "DS": T_DS,
         "RRSIG": T_RRSIG, "NSEC": T_NSEC, "DNSKEY": T_DNSKEY, "DNAME": T_DNAME, "CAA": T_CAA}
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
F_QR, F_AA, F_TC, F_RD, F_RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080

ROOT = "127.0.0.1"
TLD = "127.0.0.2"
SPOOF_FROM = "127.0.0.99"  # source of the spoofed replies
CA_OK = '0 issue "ca.example"'
CA_LIE = '0 issue "evil.example"'

# ---- the case catalogue: name -> index (its server is 127.0.1.<index>) ----
CASES = [
    "good", "tc-tcp", "tc-ok", "nxns200", "nxns400", "dead", "ttl-max", "ttl-top",
    "ttl-zero", "edns-formerr", "edns-notimp", "two-cname", "cname-compress",
    "cname-compress2", "lie-count", "ptr-loop", "ptr-fwd", "dup-reply", "spoof",
    "tcp-hang", "tcp-trickle", "huge", "dname-loop", "dname-long", "cname-loop",
    "chain20", "lame", "refused", "servfail",
]
CASE_ADDR = {c: "127.0.1.%d" % (i + 1) for i, c in enumerate(CASES)}
ADDR_CASE = {a: c for c, a in CASE_ADDR.items()}
DEAD_N = 200
HUGE_N = 530

# ---------------------------------------------------------------------------
# names and wire


def labels_of(name):
    name = name.rstrip(".")
    return [] if name == "" else name.split(".")


def wire_name(name):
    out = bytearray()
    for lab in labels_of(name):
        b = lab.encode()
        out += bytes([len(b)]) + b
    return bytes(out) + b"\0"


def caa_rdata(text):
    """'flags tag "value"' -> CAA RDATA."""
    flags, tag, value = text.split(" ", 2)
    value = value.strip('"').encode()
    return bytes([int(flags), len(tag)]) + tag.encode() + value


def soa_rdata(zone):
    z = zone.rstrip(".")
    return (wire_name("ns." + z if z else "a.root.hostile") + wire_name("hostmaster.hostile")
            + struct.pack("!IIIII", 1, 3600, 600, 86400, 300))


class Query:
    def __init__(self, data):
        if len(data) < 12:
            raise ValueError("short")
        self.id, self.flags, qd, an, ns, ar = struct.unpack("!6H", data[:12])
        if qd != 1 or self.flags & F_QR:
            raise ValueError("not a query")
        i, labs = 12, []
        while True:
            n = data[i]
            if n == 0:
                i += 1
                break
            if n > 63:
                raise ValueError("compressed question")
            labs.append(data[i + 1:i + 1 + n].decode("latin-1"))
            i += 1 + n
        self.qlabels = labs  # as sent (0x20 case kept)
        self.qname = ".".join(labs).lower() + "."
        self.qtype, self.qclass = struct.unpack("!HH", data[i:i + 4])
        self.question = data[12:i + 4]
        self.opt = False
        self.udp_size = 512
        j = i + 4
        try:
            for _ in range(an + ns + ar):
                while data[j] != 0 and data[j] < 0xC0:
                    j += 1 + data[j]
                j += 2 if data[j] >= 0xC0 else 1
                t, c, _ttl, rl = struct.unpack("!HHIH", data[j:j + 10])
                if t == T_OPT:
                    self.opt = True
                    self.udp_size = max(512, c)
                j += 10 + rl
        except (IndexError, struct.error):
            pass
        self.rd = bool(self.flags & F_RD)


class Msg:
    """A response under construction: header, the query's question echoed
    byte for byte, then records; owner names compressed, RDATA names not
    (unless a case writes raw bytes)."""

    def __init__(self, q, rcode=NOERROR, aa=False, ra=False, tc=False, qid=None):
        self.q = q
        self.counts = [1, 0, 0, 0]
        flags = F_QR | (q.flags & F_RD) | rcode
        flags |= (F_AA if aa else 0) | (F_RA if ra else 0) | (F_TC if tc else 0)
        self.id = q.id if qid is None else qid
        self.flags = flags
        self.body = bytearray(q.question)
        self.comp = {}
        off = 12
        for k in range(len(q.qlabels)):
            self.comp[tuple(x.lower() for x in q.qlabels[k:])] = off
            off += 1 + len(q.qlabels[k])

    def offset(self):
        return 12 + len(self.body)

    def name(self, name, compress=True):
        labs = labels_of(name)
        for k in range(len(labs)):
            key = tuple(x.lower() for x in labs[k:])
            if compress and key in self.comp:
                self.body += struct.pack("!H", 0xC000 | self.comp[key])
                return
            if self.offset() < 0x3FFF:
                self.comp.setdefault(key, self.offset())
            b = labs[k].encode()
            self.body += bytes([len(b)]) + b
        self.body += b"\0"

    def rr(self, sec, owner, rtype, ttl, rdata, count=True):
        self.name(owner)
        self.body += struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata
        if count:
            self.counts[sec] += 1

    def raw(self, b):
        self.body += b

    def add_opt(self):
        if self.q.opt:
            self.body += b"\0" + struct.pack("!HHIH", T_OPT, 1232, 0, 0)
            self.counts[3] += 1

    def wire(self, counts=None):
        c = counts or self.counts
        return struct.pack("!6H", self.id, self.flags, *c) + bytes(self.body)


def add(m, sec, owner, rtype, ttl, data):
    """Add a record with RDATA in a simple presentation form."""
    if rtype in (T_NS, T_CNAME, T_DNAME):
        rd = wire_name(data)
    elif rtype == T_A:
        rd = socket.inet_aton(data)
    elif rtype == T_CAA:
        rd = caa_rdata(data)
    elif rtype == T_SOA:
        rd = soa_rdata(data)
    else:
        rd = data
    m.rr(sec, owner, rtype, ttl, rd)


def reply(q, role, rcode=NOERROR, an=(), ns=(), ar=(), tc=False, qid=None, opt=True):
    aa = role == "auth"
    m = Msg(q, rcode=rcode, aa=aa, ra=role == "rec", tc=tc, qid=qid)
    for sec, rrs in ((1, an), (2, ns), (3, ar)):
        for rr in rrs:
            add(m, sec, *rr)
    if opt:
        m.add_opt()
    return m.wire()


def nodata(q, role, zone, rcode=NOERROR):
    return reply(q, role, rcode, ns=[(zone, T_SOA, 300, zone)])


# ---------------------------------------------------------------------------
# the zones


def under(qname, zone):
    return qname == zone or qname.endswith("." + zone)


def case_of(qname):
    labs = labels_of(qname)
    if len(labs) >= 2 and labs[-1] == "hostile" and labs[-2] in CASE_ADDR:
        return labs[-2]
    return None


def simple_zone(case):
    """Ordinary records of each case zone: owner -> [(type, ttl, data)]."""
    z = case + ".hostile."
    d = {z: []}
    ca = {"good": CA_OK, "tc-ok": '0 issue "other-ca.example"', "edns-formerr": CA_OK,
          "edns-notimp": CA_OK, "dup-reply": CA_OK, "spoof": CA_OK,
          "ttl-max": CA_OK, "ttl-top": CA_OK, "ttl-zero": CA_OK}
    ttl = {"ttl-max": 0xFFFFFFFF, "ttl-top": 0x80000000, "ttl-zero": 0}.get(case, 3600)
    if case in ca:
        d[z].append((T_CAA, ttl, ca[case]))
    if case == "two-cname":
        d["a." + z] = [(T_CAA, 3600, CA_OK)]
        d["b." + z] = [(T_CAA, 3600, '0 issue "other-ca.example"')]
    if case == "cname-loop":
        d[z] = [(T_CNAME, 3600, "b." + z)]
        d["b." + z] = [(T_CNAME, 3600, z)]
    if case == "chain20":
        d[z] = [(T_CNAME, 3600, "c1." + z)]
        for k in range(1, 20):
            d["c%d.%s" % (k, z)] = [(T_CNAME, 3600, "c%d.%s" % (k + 1, z))]
        d["c20." + z] = [(T_CAA, 3600, CA_OK)]
    return d


def lookup(q, role, zone, data):
    """Answer from `data`; the recursive role chases CNAMEs to the end (or to
    the first repeat), the authoritative role gives one step."""
    an, name, seen = [], q.qname, set()
    while True:
        if name not in data:
            if not an:
                return nodata(q, role, zone, NXDOMAIN)
            break
        rrs = data[name]
        hit = [r for r in rrs if r[0] == q.qtype]
        if hit:
            an += [(name,) + r for r in hit]
            break
        cn = [r for r in rrs if r[0] == T_CNAME]
        if not cn:
            if not an:
                return nodata(q, role, zone)
            break
        an.append((name,) + cn[0])
        seen.add(name)
        name = cn[0][2]
        if role == "auth" or name in seen:
            break
    return reply(q, role, an=an)


# ---- the hostile answers, per case; each returns a list of actions:
#   ("send", bytes)            reply (UDP: truncated to the client's size)
#   ("raw", bytes)             reply exactly these bytes
#   ("from", addr, bytes)      UDP reply from another source address
#   ("hang",)                  TCP: hold the connection, never answer
#   ("trickle", bytes)         TCP: one byte a second
#   ("drop",)


def caa_only(q):
    return q.qtype == T_CAA


def case_answer(case, q, role, tcp):
    z = case + ".hostile."
    rec = role == "rec"
    flags_role = dict(aa=not rec, ra=rec)

    if case in ("nxns200", "nxns400", "dead"):  # only the recursive role gets here
        return [("send", reply(q, role, SERVFAIL))]
    if case == "refused":
        return [("send", reply(q, role, REFUSED))]
    if case == "servfail":
        return [("send", reply(q, role, SERVFAIL))]
    if case == "lame":  # NOERROR, nothing, no SOA, not authoritative
        m = Msg(q, ra=rec)
        m.add_opt()
        return [("send", m.wire())]
    if case in ("edns-formerr", "edns-notimp") and q.opt:
        rc = FORMERR if case == "edns-formerr" else NOTIMP
        return [("raw", reply(q, role, rc, opt=False))]
    if q.qname == z and q.qtype in (T_NS, T_SOA) and not rec:
        if q.qtype == T_NS:
            return [("send", reply(q, role, an=[(z, T_NS, 3600, "ns." + z)],
                                   ar=[("ns." + z, T_A, 3600, CASE_ADDR[case])]))]
        return [("send", reply(q, role, an=[(z, T_SOA, 3600, z)]))]
    if q.qname == "ns." + z:
        if q.qtype == T_A:
            return [("send", reply(q, role, an=[(q.qname, T_A, 3600, CASE_ADDR[case])]))]
        return [("send", nodata(q, role, z))]

    if case in ("tc-tcp", "tc-ok", "tcp-hang", "tcp-trickle", "huge") and caa_only(q) \
            and q.qname == z:
        if not tcp:
            m = Msg(q, tc=True, **flags_role)
            m.add_opt()
            return [("raw", m.wire())]
        if case == "tc-tcp":  # TC again, and only part of the RRset
            m = Msg(q, tc=True, **flags_role)
            add(m, 1, z, T_CAA, 3600, '0 iodef "mailto:x@y"')
            m.add_opt()
            return [("raw", m.wire())]
        if case == "tcp-hang":
            return [("hang",)]
        if case == "tcp-trickle":
            return [("trickle", reply(q, role, an=[(z, T_CAA, 3600, CA_OK)]))]
        if case == "huge":
            an = [(z, T_CAA, 3600, CA_OK)]
            for k in range(1, HUGE_N):
                an.append((z, T_CAA, 3600, '0 iodef "mailto:%s%04d@huge.hostile"' % ("x" * 70, k)))
            w = reply(q, role, an=an)
            assert len(w) < 65535, len(w)
            return [("raw", w)]
        # tc-ok: the full answer over TCP
    if case in ("tcp-hang", "tcp-trickle") and tcp:
        return [("hang",)]

    if case == "two-cname" and q.qname == z and q.qtype != T_CNAME:
        an = [(z, T_CNAME, 3600, "a." + z), (z, T_CNAME, 3600, "b." + z)]
        if rec and q.qtype == T_CAA:
            an += [("a." + z, T_CAA, 3600, CA_OK), ("b." + z, T_CAA, 3600, '0 issue "other-ca.example"')]
        return [("send", reply(q, role, an=an))]

    if case in ("cname-compress", "cname-compress2") and q.qtype == T_CNAME \
            and q.qname == "_vtg-dcv." + z:
        m = Msg(q, **flags_role)
        if case == "cname-compress":
            # owner: pointer to the question; target: "www" + a pointer to
            # the "cname-compress.hostile." inside the question name
            off = 12 + 1 + len(q.qlabels[0])
            rd = b"\x03www" + struct.pack("!H", 0xC000 | off)
            m.raw(struct.pack("!HHHIH", 0xC00C, T_CNAME, 1, 3600, len(rd)) + rd)
        else:
            # owner written out in full; target: "dcv-target" + a pointer
            # into that owner (past its first label), an earlier RR's name
            start = m.offset()
            m.raw(wire_name(q.qname))
            off = start + 1 + len(q.qlabels[0])
            rd = b"\x0adcv-target" + struct.pack("!H", 0xC000 | off)
            m.raw(struct.pack("!HHIH", T_CNAME, 1, 3600, len(rd)) + rd)
        m.counts[1] = 1
        m.add_opt()
        return [("send", m.wire())]

    if case in ("lie-count", "ptr-loop", "ptr-fwd") and caa_only(q) and q.qname == z:
        m = Msg(q, **flags_role)
        rd = caa_rdata(CA_OK)
        if case == "lie-count":  # ANCOUNT 3, one record present
            m.rr(1, z, T_CAA, 3600, rd)
            return [("raw", m.wire(counts=[1, 3, 0, 0]))]
        if case == "ptr-loop":  # the owner is a pointer to itself
            here = m.offset()
            m.raw(struct.pack("!H", 0xC000 | here))
            m.raw(struct.pack("!HHIH", T_CAA, 1, 3600, len(rd)) + rd)
            m.counts[1] = 1
            return [("raw", m.wire())]
        # ptr-fwd: the first owner points at the second record's owner
        first = m.offset()
        second = first + 2 + 10 + len(rd)
        m.raw(struct.pack("!H", 0xC000 | second))
        m.raw(struct.pack("!HHIH", T_CAA, 1, 3600, len(rd)) + rd)
        m.raw(wire_name(z))
        m.raw(struct.pack("!HHIH", T_CAA, 1, 3600, len(rd)) + rd)
        m.counts[1] = 2
        return [("raw", m.wire())]

    if case in ("dup-reply", "spoof") and caa_only(q) and q.qname == z and not tcp:
        lie = reply(q, role, an=[(z, T_CAA, 3600, CA_LIE)],
                    qid=(q.id ^ 0x5A5A) if case == "dup-reply" else None)
        truth = reply(q, role, an=[(z, T_CAA, 3600, CA_OK)])
        first = ("send", lie) if case == "dup-reply" else ("from", SPOOF_FROM, lie)
        return [first, ("send", truth)]

    if case == "dname-loop":
        # a.<z> DNAME b.<z>, b.<z> DNAME a.<z>
        labs = labels_of(q.qname)
        rel = labs[:len(labs) - 2]
        if len(rel) >= 2 and rel[-1] in ("a", "b"):
            an, cur, seen = [], q.qname, set()
            while cur not in seen:
                seen.add(cur)
                cl = labels_of(cur)
                src = cl[-3]
                dst = "b" if src == "a" else "a"
                prefix = ".".join(cl[:len(cl) - 3])
                tgt = "%s.%s.%s" % (prefix, dst, z)
                an += [("%s.%s" % (src, z), T_DNAME, 3600, "%s.%s" % (dst, z)),
                       (cur, T_CNAME, 0, tgt)]
                cur = tgt
                if not rec:
                    break
            return [("send", reply(q, role, an=an))]
    if case == "dname-long":
        labs = labels_of(q.qname)
        if len(labs) > 2:
            # the substitution would make a name over 255 octets: send the
            # DNAME alone, NOERROR, no CNAME (none can be encoded)
            tgt = "%s.%s.%s.hostile." % ("c" * 60, "d" * 60, "e" * 60)
            return [("send", reply(q, role, an=[(z, T_DNAME, 3600, tgt)]))]

    return [("send", lookup(q, role, z, simple_zone(case)))]


def tld_answer(q):
    """127.0.0.2: authoritative for hostile., delegating each case."""
    z = "hostile."
    role = "auth"
    if q.qname == z:
        if q.qtype == T_NS:
            return reply(q, role, an=[(z, T_NS, 3600, "ns.hostile.")],
                         ar=[("ns.hostile.", T_A, 3600, TLD)])
        if q.qtype == T_SOA:
            return reply(q, role, an=[(z, T_SOA, 3600, z)])
        return nodata(q, role, z)
    if q.qname in ("ns.hostile.", "a.root.hostile."):
        if q.qtype == T_A:
            return reply(q, role, an=[(q.qname, T_A, 3600, TLD if q.qname[0] == "n" else ROOT)])
        return nodata(q, role, z)
    case = case_of(q.qname)
    if case is None:
        return nodata(q, role, z, NXDOMAIN)
    cz = case + ".hostile."
    m = Msg(q)
    if case.startswith("nxns"):  # N in-zone NS names, no glue
        for k in range(int(case[4:])):
            add(m, 2, cz, T_NS, 3600, "n%d.%s" % (k, cz))
    elif case == "dead":  # 200 NS names with glue that never answers
        for k in range(DEAD_N):
            add(m, 2, cz, T_NS, 3600, "d%d.%s" % (k, cz))
        for k in range(DEAD_N):
            add(m, 3, "d%d.%s" % (k, cz), T_A, 3600, "127.0.2.%d" % (k + 1))
    else:
        add(m, 2, cz, T_NS, 3600, "ns." + cz)
        add(m, 3, "ns." + cz, T_A, 3600, CASE_ADDR[case])
    m.add_opt()
    return m.wire()


# ---- the signed root (optional) ----

SIGNED = {}  # (owner, type) -> [(ttl, rdata)]; RRSIGs under (owner, T_RRSIG, covered)


def sig_time(t):
    return calendar.timegm(time.strptime(t, "%Y%m%d%H%M%S"))


def type_bitmap(names):
    win = {}
    for n in names:
        t = TYPES[n]
        w = win.setdefault(t >> 8, bytearray(32))
        w[(t & 0xFF) >> 3] |= 0x80 >> (t & 7)
    out = bytearray()
    for k in sorted(win):
        w = win[k].rstrip(b"\0")
        out += bytes([k, len(w)]) + w
    return bytes(out)


def rdata_of(rtype, f):
    if rtype == T_SOA:
        return wire_name(f[0]) + wire_name(f[1]) + struct.pack("!5I", *map(int, f[2:7]))
    if rtype in (T_NS, T_CNAME, T_DNAME):
        return wire_name(f[0])
    if rtype == T_A:
        return socket.inet_aton(f[0])
    if rtype == T_DNSKEY:
        return struct.pack("!HBB", int(f[0]), int(f[1]), int(f[2])) + base64.b64decode("".join(f[3:]))
    if rtype == T_DS:
        return struct.pack("!HBB", int(f[0]), int(f[1]), int(f[2])) + bytes.fromhex("".join(f[3:]))
    if rtype == T_RRSIG:
        return (struct.pack("!HBBIIIH", TYPES[f[0]], int(f[1]), int(f[2]), int(f[3]),
                            sig_time(f[4]), sig_time(f[5]), int(f[6]))
                + wire_name(f[7]) + base64.b64decode("".join(f[8:])))
    if rtype == T_NSEC:
        return wire_name(f[0]) + type_bitmap(f[1:])
    raise ValueError("type %d in the signed root" % rtype)


def load_signed(path):
    for line in open(path):
        line = line.split(";")[0].strip()
        if not line:
            continue
        f = line.split()
        owner, ttl, rtype = f[0].lower(), int(f[1]), TYPES[f[3]]
        key = (owner, rtype, TYPES[f[4]]) if rtype == T_RRSIG else (owner, rtype)
        SIGNED.setdefault(key, []).append((ttl, rdata_of(rtype, f[4:])))


def signed_set(m, sec, owner, rtype, with_sig=True):
    for ttl, rd in SIGNED.get((owner, rtype), []):
        m.rr(sec, owner, rtype, ttl, rd)
    if with_sig:
        for ttl, rd in SIGNED.get((owner, T_RRSIG, rtype), []):
            m.rr(sec, owner, T_RRSIG, ttl, rd)


def signed_root_answer(q):
    m = Msg(q, aa=True)
    if q.qname == ".":
        if (".", q.qtype) in SIGNED:
            signed_set(m, 1, ".", q.qtype)
            if q.qtype == T_NS:
                signed_set(m, 3, "a.root.hostile.", T_A, False)
        else:
            signed_set(m, 2, ".", T_SOA)
            signed_set(m, 2, ".", T_NSEC)
    elif q.qname == "hostile." and q.qtype == T_DS:
        signed_set(m, 2, ".", T_SOA)
        signed_set(m, 2, "hostile.", T_NSEC)
    elif under(q.qname, "hostile."):
        m = Msg(q)
        signed_set(m, 2, "hostile.", T_NS, False)
        signed_set(m, 2, "hostile.", T_NSEC)
        signed_set(m, 3, "ns.hostile.", T_A, False)
    else:
        m = Msg(q, rcode=NXDOMAIN, aa=True)
        signed_set(m, 2, ".", T_SOA)
        signed_set(m, 2, ".", T_NSEC)
        signed_set(m, 2, "hostile.", T_NSEC)
    m.add_opt()
    return m.wire()


def root_answer(q):
    if SIGNED:
        return signed_root_answer(q)
    role = "auth"
    if q.qname == ".":
        if q.qtype == T_NS:
            return reply(q, role, an=[(".", T_NS, 3600000, "a.root.hostile.")],
                         ar=[("a.root.hostile.", T_A, 3600000, ROOT)])
        if q.qtype == T_SOA:
            return reply(q, role, an=[(".", T_SOA, 86400, ".")])
        return nodata(q, role, ".")
    if under(q.qname, "hostile."):
        m = Msg(q)
        add(m, 2, "hostile.", T_NS, 172800, "ns.hostile.")
        add(m, 3, "ns.hostile.", T_A, 172800, TLD)
        m.add_opt()
        return m.wire()
    return nodata(q, role, ".", NXDOMAIN)


def recursive_answer(q, tcp):
    case = case_of(q.qname)
    if case is not None:
        return case_answer(case, q, "rec", tcp)
    if q.qname == "hostile." or under(q.qname, "hostile."):
        m = reply(q, "rec", NXDOMAIN if q.qname != "hostile." else NOERROR,
                  ns=[("hostile.", T_SOA, 300, "hostile.")])
        return [("send", m)]
    return [("send", reply(q, "rec", NXDOMAIN, ns=[(".", T_SOA, 300, ".")]))]


def respond(q, dst, tcp):
    if dst == ROOT and q.rd:
        return recursive_answer(q, tcp)
    if dst == ROOT:
        return [("send", root_answer(q))]
    if dst == TLD:
        return [("send", tld_answer(q))]
    case = ADDR_CASE.get(dst)
    if case is not None and case_of(q.qname) == case:
        return case_answer(case, q, "auth", tcp)
    if case is not None:
        return [("send", reply(q, "auth", REFUSED))]
    if dst.startswith("127.0.2.") and tcp:
        return [("hang",)]
    return [("drop",)]


# ---------------------------------------------------------------------------
# the sockets

LOG_LOCK = threading.Lock()


def log(f, dst, src, transport, q):
    with LOG_LOCK:
        f.write("%.3f\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n" % (
            time.time(), dst, src, transport, q.qname, q.qtype, q.opt, q.rd, q.id))
        f.flush()


def truncate(q, w):
    """The UDP answer that fits the client's size: TC=1 and the question."""
    if len(w) <= q.udp_size:
        return w
    m = Msg(q)
    m.flags = struct.unpack("!H", w[2:4])[0] | F_TC
    m.add_opt()
    return m.wire()


def pktinfo(addr):
    return [(socket.IPPROTO_IP, IP_PKTINFO,
             struct.pack("=i4s4s", 0, socket.inet_aton(addr), b"\0" * 4))]


def serve_udp(sock, f):
    data, anc, _flags, src = sock.recvmsg(65535, socket.CMSG_SPACE(12))
    dst = "0.0.0.0"
    for level, typ, cd in anc:
        if level == socket.IPPROTO_IP and typ == IP_PKTINFO:
            dst = socket.inet_ntoa(cd[8:12])
    try:
        q = Query(data)
    except (ValueError, IndexError, struct.error):
        return
    log(f, dst, src[0], "udp", q)
    for act in respond(q, dst, False):
        try:
            if act[0] == "send":
                sock.sendmsg([truncate(q, act[1])], pktinfo(dst), 0, src)
            elif act[0] == "raw":
                sock.sendmsg([act[1]], pktinfo(dst), 0, src)
            elif act[0] == "from":
                sock.sendmsg([act[2]], pktinfo(act[1]), 0, src)
        except OSError:
            pass


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        x = c.recv(n - len(b))
        if not x:
            return None
        b += x
    return b


def serve_tcp(c, f):
    try:
        c.settimeout(120)
        dst, src = c.getsockname()[0], c.getpeername()[0]
        while True:
            h = recv_exact(c, 2)
            if h is None:
                return
            data = recv_exact(c, struct.unpack("!H", h)[0])
            if data is None:
                return
            try:
                q = Query(data)
            except (ValueError, IndexError, struct.error):
                return
            log(f, dst, src, "tcp", q)
            for act in respond(q, dst, True):
                if act[0] in ("send", "raw"):
                    c.sendall(struct.pack("!H", len(act[1])) + act[1])
                elif act[0] == "hang":
                    c.recv(1)  # until the client gives up (or the timeout)
                    return
                elif act[0] == "trickle":
                    for byte in struct.pack("!H", len(act[1])) + act[1]:
                        c.sendall(bytes([byte]))
                        time.sleep(1)
                elif act[0] == "drop":
                    return
    except OSError:
        pass
    finally:
        c.close()


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write("usage: vtg-hostile.py LOGFILE READYFILE [SIGNED-ROOT-ZONE]\n")
        return 2
    if len(sys.argv) == 4:
        load_signed(sys.argv[3])
    f = open(sys.argv[1], "a")
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    u.bind(("0.0.0.0", 53))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", 53))
    t.listen(512)
    with open(sys.argv[2], "w") as r:
        r.write("%d\n" % os.getpid())
    while True:
        rd, _, _ = select.select([u, t], [], [])
        if u in rd:
            serve_udp(u, f)
        if t in rd:
            c, _ = t.accept()
            threading.Thread(target=serve_tcp, args=(c, f), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())

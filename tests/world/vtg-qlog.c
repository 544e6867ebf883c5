/* vtg-qlog: server-side DNS query log for the local DNS world.
 *
 * Runs inside the core namespace (vtg-net) and reads every IPv4 packet the
 * router transmits (AF_PACKET, PACKET_OUTGOING only, so each forwarded packet
 * is seen once, on the link that leads to its receiver).  A query is logged as
 * it leaves the core towards a server (link vtg-auth or vtg-rogue), so the line
 * shows the source address the server sees; a query dropped in the core (the
 * timeout address, a blackholed perspective) is never logged.  Replies are
 * logged as they leave towards the perspective.  With -a, packets are logged as
 * they enter the core instead (shows dropped queries too).
 *
 * Line format (one per DNS message, flushed at once):
 *   EPOCH.USEC LINK SRC:PORT > DST:PORT udp|tcp query|reply id=N rcode=R
 *       flags=[aa,tc,rd,ra,ad,cd] qname=NAME qtype=TYPE
 *
 * Built by world.sh with `cc -O2`; only libc.  Linux only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

static const char *rcode_name(unsigned r)
{
    static const char *n[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                              "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                              "NXRRSET", "NOTAUTH", "NOTZONE"};
    return r < sizeof n / sizeof n[0] ? n[r] : "RCODE?";
}

/* Write the question name at msg[off] into out (presentation form, no
 * escapes beyond replacing odd bytes by '?').  Returns 0 on success. */
static int read_qname(const unsigned char *msg, size_t len, size_t off,
                      char *out, size_t outlen, size_t *end)
{
    size_t o = 0;
    int hops = 0;
    size_t p = off;
    int jumped = 0;
    for (;;) {
        if (p >= len) return -1;
        unsigned l = msg[p];
        if ((l & 0xc0) == 0xc0) {
            if (p + 1 >= len || ++hops > 16) return -1;
            if (!jumped) *end = p + 2;
            jumped = 1;
            p = ((l & 0x3f) << 8) | msg[p + 1];
            continue;
        }
        if (l & 0xc0) return -1;
        p++;
        if (l == 0) {
            if (!jumped) *end = p;
            break;
        }
        if (p + l > len) return -1;
        for (unsigned i = 0; i < l; i++) {
            unsigned char c = msg[p + i];
            if (o + 2 >= outlen) return -1;
            out[o++] = (c > 32 && c < 127) ? (char)c : '?';
        }
        out[o++] = '.';
        p += l;
    }
    if (o == 0) out[o++] = '.';
    out[o] = 0;
    return 0;
}

static const char *type_name(unsigned t, char *buf, size_t len)
{
    switch (t) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 39: return "DNAME";
    case 41: return "OPT";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 50: return "NSEC3";
    case 51: return "NSEC3PARAM";
    case 257: return "CAA";
    }
    snprintf(buf, len, "TYPE%u", t);
    return buf;
}

static void log_dns(const char *link, const struct iphdr *ip, unsigned sport,
                    unsigned dport, const char *proto,
                    const unsigned char *m, size_t len)
{
    if (len < 12) return;
    char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &ip->saddr, src, sizeof src);
    inet_ntop(AF_INET, &ip->daddr, dst, sizeof dst);
    unsigned id = (m[0] << 8) | m[1];
    unsigned qr = m[2] >> 7, aa = (m[2] >> 2) & 1, tc = (m[2] >> 1) & 1,
             rd = m[2] & 1, ra = m[3] >> 7, ad = (m[3] >> 5) & 1,
             cd = (m[3] >> 4) & 1, rc = m[3] & 15;
    unsigned qd = (m[4] << 8) | m[5];
    char qname[1024] = "-";
    unsigned qtype = 0;
    if (qd >= 1) {
        size_t end = 0;
        if (read_qname(m, len, 12, qname, sizeof qname, &end) == 0 &&
            end + 4 <= len)
            qtype = (m[end] << 8) | m[end + 1];
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char flags[32], tbuf[16];
    snprintf(flags, sizeof flags, "%s%s%s%s%s%s", aa ? "aa," : "",
             tc ? "tc," : "", rd ? "rd," : "", ra ? "ra," : "",
             ad ? "ad," : "", cd ? "cd," : "");
    size_t fl = strlen(flags);
    if (fl) flags[fl - 1] = 0;
    printf("%ld.%06ld %s %s:%u > %s:%u %s %s id=%u rcode=%s flags=[%s] "
           "qname=%s qtype=%s\n",
           (long)tv.tv_sec, (long)tv.tv_usec, link, src, sport, dst, dport,
           proto, qr ? "reply" : "query", id, rcode_name(rc), flags, qname,
           type_name(qtype, tbuf, sizeof tbuf));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int ingress = argc > 1 && strcmp(argv[1], "-a") == 0;
    struct sigaction sa = {0};
    sa.sa_handler = on_sig;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
    if (fd < 0) {
        perror("vtg-qlog: socket(AF_PACKET)");
        return 1;
    }
    unsigned char buf[70000];
    while (!stop) {
        struct sockaddr_ll sll;
        socklen_t sl = sizeof sll;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&sll, &sl);
        if (n < 0) continue; /* EINTR on signal */
        if (sll.sll_protocol != htons(ETH_P_IP)) continue;
        if (ingress ? sll.sll_pkttype == PACKET_OUTGOING
                    : sll.sll_pkttype != PACKET_OUTGOING)
            continue;
        if ((size_t)n < sizeof(struct iphdr)) continue;
        const struct iphdr *ip = (const struct iphdr *)buf;
        size_t ihl = (size_t)ip->ihl * 4;
        if (ip->version != 4 || ihl < 20 || (size_t)n < ihl + 8) continue;
        if (ntohs(ip->frag_off) & 0x1fff) continue; /* not a first fragment */
        size_t tot = ntohs(ip->tot_len);
        if (tot > (size_t)n) tot = (size_t)n;
        const unsigned char *l4 = buf + ihl;
        size_t l4len = tot - ihl;
        unsigned sport = (l4[0] << 8) | l4[1], dport = (l4[2] << 8) | l4[3];
        if (sport != 53 && dport != 53) continue;
        char link[IF_NAMESIZE] = "?";
        if_indextoname((unsigned)sll.sll_ifindex, link);
        if (ip->protocol == IPPROTO_UDP) {
            log_dns(link, ip, sport, dport, "udp", l4 + 8, l4len - 8);
        } else if (ip->protocol == IPPROTO_TCP) {
            size_t doff = (size_t)(l4[12] >> 4) * 4;
            if (doff < 20 || doff + 2 + 12 > l4len) continue;
            /* assumes the segment starts with a message (length prefix) */
            const unsigned char *p = l4 + doff;
            size_t mlen = (p[0] << 8) | p[1];
            size_t have = l4len - doff - 2;
            log_dns(link, ip, sport, dport, "tcp", p + 2, mlen < have ? mlen : have);
        }
    }
    close(fd);
    return 0;
}

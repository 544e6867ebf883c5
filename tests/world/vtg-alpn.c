/* vtg-alpn: the TLS-ALPN-01 responder of the local world (RFC 8737, RFC 8738).
 *
 * One process in vtg-auth listening on 198.18.0.31:443 (world.sh starts it
 * with -d).  For every connection it reads the key authorization from the
 * keyauth file (tests rewrite that file between connections), picks a variant
 * by the SNI the client sent, and presents a fresh self-signed certificate:
 *
 *   - exactly one subjectAltName dNSName = the SNI (RFC 8737 section 3);
 *   - the critical extension id-pe-acmeIdentifier (1.3.6.1.5.5.7.1.31) whose
 *     extnValue is the DER OCTET STRING of SHA-256(key authorization);
 *   - ALPN: only "acme-tls/1" is ever selected; a client that offers ALPN
 *     without it gets a fatal no_application_protocol alert.
 *
 * Variants (SNI, case-insensitive, trailing dot ignored):
 *   alpn-baddigest.*    digest of another value: SHA-256(keyauth "-wrong")
 *   alpn-noncritical.*  the acmeIdentifier extension is not critical
 *   alpn-twosan.*       a second dNSName, extra.web.vexample
 *   alpn-wrongsan.*     the only dNSName is other.web.vexample, not the SNI
 *   alpn-noalpn.*       a correct certificate, but no ALPN is negotiated
 *                       (the select callback answers NOACK)
 *   D.C.B.A.in-addr.arpa  RFC 8738: the only SAN is iPAddress A.B.C.D
 *   anything else       the correct certificate for that SNI ("ok")
 * A ClientHello without SNI is refused (unrecognized_name alert).
 *
 * One thread per connection, each socket with 5 s send/receive timeouts, so a
 * client that never finishes its handshake costs one thread for 5 s and never
 * blocks the others; at most MAX_CONNS at once, more are closed at accept.
 * One line per connection in the log file:
 *   EPOCH.USEC PEER:PORT sni=NAME variant=V offered=P1,P2|- alpn=PROTO|- handshake=ok|failed[:reason]
 *
 * Usage: vtg-alpn -a ADDR [-p PORT] -k KEYAUTH_FILE -l LOG_FILE [-P PIDFILE] [-d]
 * Built by world.sh: cc -O2 vtg-alpn.c -lssl -lcrypto -lpthread.  A test
 * server: it trusts its configuration and aims at being obvious, not fast.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define ACME_TLS_1 "acme-tls/1"     /* RFC 8737 section 6.2 */
#define ACME_ID_OID "1.3.6.1.5.5.7.1.31" /* id-pe-acmeIdentifier, RFC 8737 6.1 */
#define IO_TIMEOUT_S 5              /* a stalled client holds its thread this long */
#define LINGER_S 2                  /* after the handshake: wait for the client's close */
#define MAX_CONNS 256               /* threads at once; a test server, not a service */
#define KEYAUTH_MAX 1024            /* token (43) + "." + thumbprint (43) fits easily */

enum variant { V_OK, V_BADDIGEST, V_NONCRITICAL, V_TWOSAN, V_WRONGSAN, V_NOALPN, V_IP };
static const char *const variant_name[] = {"ok", "baddigest", "noncritical", "twosan",
                                           "wrongsan", "noalpn", "ip"};

struct conn {
    int fd;
    struct sockaddr_in peer;
    enum variant variant;
    unsigned char ip[4];            /* V_IP: the address the reverse name spells */
    char sni[256];
    char offered[256];              /* the client's ALPN list, comma-separated */
    const char *err;                /* our reason for refusing, if any */
};

static EVP_PKEY *g_key;
static SSL_CTX *g_ctx;
static const char *g_keyauth_file;
static int g_log = -1;
static atomic_int g_conns;

static void die(const char *what)
{
    fprintf(stderr, "vtg-alpn: %s: %s\n", what, errno ? strerror(errno) : "failed");
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* "d.c.b.a.in-addr.arpa" -> a.b.c.d (RFC 8738 section 6); 0 when it is one */
static int parse_reverse(const char *s, unsigned char ip[4])
{
    unsigned o[4];
    int n = 0;
    if (sscanf(s, "%3u.%3u.%3u.%3u.in-addr.arpa%n", &o[0], &o[1], &o[2], &o[3], &n) != 4 ||
        s[n] != 0)
        return -1;
    for (int i = 0; i < 4; i++) {
        if (o[i] > 255) return -1;
        ip[3 - i] = (unsigned char)o[i];
    }
    return 0;
}

static enum variant classify(const char *sni, unsigned char ip[4])
{
    static const struct { const char *prefix; enum variant v; } tab[] = {
        {"alpn-baddigest.", V_BADDIGEST}, {"alpn-noncritical.", V_NONCRITICAL},
        {"alpn-twosan.", V_TWOSAN},       {"alpn-wrongsan.", V_WRONGSAN},
        {"alpn-noalpn.", V_NOALPN},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strncmp(sni, tab[i].prefix, strlen(tab[i].prefix)) == 0) return tab[i].v;
    if (parse_reverse(sni, ip) == 0) return V_IP;
    return V_OK;
}

/* the key authorization, re-read on every connection; trailing space cut */
static int read_keyauth(char *out, size_t len)
{
    int fd = open(g_keyauth_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, out, len - 1);
    close(fd);
    if (n < 0) return -1;
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ' ||
                     out[n - 1] == '\t'))
        n--;
    out[n] = 0;
    return 0;
}

static int add_dns(GENERAL_NAMES *gens, const char *name)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_IA5STRING *s = ASN1_IA5STRING_new();
    if (!g || !s || !ASN1_STRING_set(s, name, (int)strlen(name))) goto fail;
    GENERAL_NAME_set0_value(g, GEN_DNS, s);
    if (!sk_GENERAL_NAME_push(gens, g)) { GENERAL_NAME_free(g); return -1; }
    return 0;
fail:
    GENERAL_NAME_free(g);
    ASN1_IA5STRING_free(s);
    return -1;
}

static int add_ip(GENERAL_NAMES *gens, const unsigned char ip[4])
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
    if (!g || !s || !ASN1_OCTET_STRING_set(s, ip, 4)) goto fail;
    GENERAL_NAME_set0_value(g, GEN_IPADD, s);
    if (!sk_GENERAL_NAME_push(gens, g)) { GENERAL_NAME_free(g); return -1; }
    return 0;
fail:
    GENERAL_NAME_free(g);
    ASN1_OCTET_STRING_free(s);
    return -1;
}

/* id-pe-acmeIdentifier: extnValue = DER(OCTET STRING (SHA-256(keyauth))) */
static int add_acme_id(X509 *x, const char *keyauth, int bad, int critical)
{
    unsigned char md[32], *der = NULL;
    char buf[KEYAUTH_MAX + 16];
    snprintf(buf, sizeof buf, "%s%s", keyauth, bad ? "-wrong" : "");
    if (!EVP_Digest(buf, strlen(buf), md, NULL, EVP_sha256(), NULL)) return -1;
    int rc = -1, derlen;
    ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new(), *val = ASN1_OCTET_STRING_new();
    ASN1_OBJECT *obj = OBJ_txt2obj(ACME_ID_OID, 1);
    X509_EXTENSION *ext = NULL;
    if (!inner || !val || !obj || !ASN1_OCTET_STRING_set(inner, md, sizeof md)) goto out;
    if ((derlen = i2d_ASN1_OCTET_STRING(inner, &der)) <= 0) goto out;
    if (!ASN1_OCTET_STRING_set(val, der, derlen)) goto out;
    if (!(ext = X509_EXTENSION_create_by_OBJ(NULL, obj, critical, val))) goto out;
    if (X509_add_ext(x, ext, -1)) rc = 0;
out:
    X509_EXTENSION_free(ext);
    ASN1_OBJECT_free(obj);
    ASN1_OCTET_STRING_free(val);
    ASN1_OCTET_STRING_free(inner);
    OPENSSL_free(der);
    return rc;
}

static X509 *make_cert(const struct conn *c, const char *keyauth)
{
    X509 *x = X509_new();
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    BIGNUM *bn = BN_new();
    if (!x || !gens || !bn) goto fail;
    if (!X509_set_version(x, 2)) goto fail;  /* v3 */
    if (!BN_rand(bn, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
        !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
        goto fail;
    if (!X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 7L * 86400))
        goto fail;
    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    (const unsigned char *)"vtg-alpn acme-tls/1", -1, -1, 0) ||
        !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, g_key))
        goto fail;

    int r;
    switch (c->variant) {
    case V_IP: r = add_ip(gens, c->ip); break;
    case V_WRONGSAN: r = add_dns(gens, "other.web.vexample"); break;
    case V_TWOSAN: r = add_dns(gens, c->sni) || add_dns(gens, "extra.web.vexample"); break;
    default: r = add_dns(gens, c->sni); break;
    }
    if (r || !X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT)) goto fail;
    if (add_acme_id(x, keyauth, c->variant == V_BADDIGEST, c->variant != V_NONCRITICAL))
        goto fail;
    if (!X509_sign(x, g_key, EVP_sha256())) goto fail;
    GENERAL_NAMES_free(gens);
    BN_free(bn);
    return x;
fail:
    GENERAL_NAMES_free(gens);
    BN_free(bn);
    X509_free(x);
    return NULL;
}

/* SNI callback: runs before the ALPN callback and before the server picks
 * its certificate, so the certificate set here is the one sent */
static int on_servername(SSL *ssl, int *alert, void *arg)
{
    (void)arg;
    struct conn *c = SSL_get_app_data(ssl);
    const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!sni || !*sni) {
        c->err = "no-sni";
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    size_t n = 0;
    for (; sni[n] && n < sizeof c->sni - 1; n++)
        c->sni[n] = (char)((sni[n] >= 'A' && sni[n] <= 'Z') ? sni[n] + 32 : sni[n]);
    while (n > 0 && c->sni[n - 1] == '.') n--;
    c->sni[n] = 0;
    c->variant = classify(c->sni, c->ip);

    char keyauth[KEYAUTH_MAX];
    if (read_keyauth(keyauth, sizeof keyauth)) {
        c->err = "no-keyauth-file";
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    X509 *x = make_cert(c, keyauth);
    int ok = x && SSL_use_certificate(ssl, x) == 1 && SSL_use_PrivateKey(ssl, g_key) == 1;
    X509_free(x);
    if (!ok) {
        c->err = "certificate";
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)arg;
    struct conn *c = SSL_get_app_data(ssl);
    const unsigned char *pick = NULL;
    size_t o = 0;
    for (unsigned i = 0; i < inlen;) {
        unsigned l = in[i++];
        if (l == 0 || i + l > inlen) break;
        if (o + l + 2 < sizeof c->offered) {
            if (o) c->offered[o++] = ',';
            memcpy(c->offered + o, in + i, l);
            o += l;
            c->offered[o] = 0;
        }
        if (!pick && l == strlen(ACME_TLS_1) && memcmp(in + i, ACME_TLS_1, l) == 0)
            pick = in + i;
        i += l;
    }
    if (c->variant == V_NOALPN) return SSL_TLSEXT_ERR_NOACK;
    if (!pick) {
        c->err = "acme-tls/1-not-offered";
        return SSL_TLSEXT_ERR_ALERT_FATAL;  /* no_application_protocol */
    }
    *out = pick;
    *outlen = (unsigned char)strlen(ACME_TLS_1);
    return SSL_TLSEXT_ERR_OK;
}

static void log_conn(const struct conn *c, const SSL *ssl, int ok)
{
    const unsigned char *p = NULL;
    unsigned plen = 0;
    if (ok) SSL_get0_alpn_selected(ssl, &p, &plen);
    char why[160] = "";
    if (!ok) {
        unsigned long e = ERR_peek_last_error();
        if (c->err) snprintf(why, sizeof why, ":%s", c->err);
        else if (e) {
            const char *r = ERR_reason_error_string(e);
            snprintf(why, sizeof why, ":%s", r ? r : "tls-error");
        } else snprintf(why, sizeof why, ":%s", errno == EAGAIN ? "timeout" : "closed");
        for (char *s = why; *s; s++)
            if (*s == ' ') *s = '-';
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char addr[INET_ADDRSTRLEN], line[1024];
    inet_ntop(AF_INET, &c->peer.sin_addr, addr, sizeof addr);
    int n = snprintf(line, sizeof line, "%ld.%06ld %s:%u sni=%s variant=%s offered=%s alpn=%.*s%s handshake=%s%s\n",
                     (long)tv.tv_sec, (long)tv.tv_usec, addr, ntohs(c->peer.sin_port),
                     c->sni[0] ? c->sni : "-", c->sni[0] ? variant_name[c->variant] : "-",
                     c->offered[0] ? c->offered : "-", (int)plen, p ? (const char *)p : "",
                     p ? "" : "-", ok ? "ok" : "failed", why);
    if (n > 0 && g_log >= 0 && write(g_log, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0) {
        /* nothing sensible to do: the log is best effort */
    }
}

static void *serve(void *arg)
{
    struct conn *c = arg;
    struct timeval tv = {IO_TIMEOUT_S, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    SSL *ssl = SSL_new(g_ctx);
    if (ssl) {
        SSL_set_app_data(ssl, c);
        SSL_set_fd(ssl, c->fd);
        ERR_clear_error();
        errno = 0;
        int ok = SSL_accept(ssl) == 1;
        log_conn(c, ssl, ok);
        if (ok) {
            /* nothing to say after the handshake: wait (briefly) for the
             * client to close, then close ourselves */
            char buf[512];
            tv.tv_sec = LINGER_S;
            setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            while (SSL_read(ssl, buf, sizeof buf) > 0) {
            }
            SSL_shutdown(ssl);
        }
        SSL_free(ssl);
    }
    close(c->fd);
    free(c);
    ERR_clear_error();
    atomic_fetch_sub(&g_conns, 1);
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: vtg-alpn -a ADDR [-p PORT] -k KEYAUTH_FILE -l LOG_FILE [-P PIDFILE] [-d]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *addr = NULL, *logf = NULL, *pidf = NULL;
    int port = 443, daemonize = 0, opt;
    while ((opt = getopt(argc, argv, "a:p:k:l:P:d")) != -1) {
        switch (opt) {
        case 'a': addr = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'k': g_keyauth_file = optarg; break;
        case 'l': logf = optarg; break;
        case 'P': pidf = optarg; break;
        case 'd': daemonize = 1; break;
        default: usage();
        }
    }
    if (!addr || !g_keyauth_file || !logf || port <= 0 || port > 65535) usage();
    signal(SIGPIPE, SIG_IGN);

    if ((g_log = open(logf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) die(logf);
    if (!(g_key = EVP_EC_gen("P-256"))) die("P-256 key");
    if (!(g_ctx = SSL_CTX_new(TLS_server_method()))) die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(g_ctx, TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(g_ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(g_ctx, 0);  /* no resumption: every handshake shows a cert */
    SSL_CTX_set_options(g_ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_tlsext_servername_callback(g_ctx, on_servername);
    SSL_CTX_set_alpn_select_cb(g_ctx, on_alpn, NULL);

    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (ls < 0) die("socket");
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) usage();
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
    if (listen(ls, 128) < 0) die("listen");

    if (daemonize) {
        /* the socket listens before the parent returns: ready when it exits */
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid > 0) _exit(0);
        setsid();
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 0), dup2(nul, 1), dup2(nul, 2);
            if (nul > 2) close(nul);
        }
    }
    if (pidf) {
        FILE *f = fopen(pidf, "w");
        if (!f) die(pidf);
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (;;) {
        struct sockaddr_in peer;
        socklen_t pl = sizeof peer;
        int fd = accept4(ls, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) usleep(10000);
            continue;
        }
        if (atomic_fetch_add(&g_conns, 1) >= MAX_CONNS) {
            atomic_fetch_sub(&g_conns, 1);
            close(fd);
            continue;
        }
        struct conn *c = calloc(1, sizeof *c);
        pthread_t t;
        if (!c) {
            close(fd);
            atomic_fetch_sub(&g_conns, 1);
            continue;
        }
        c->fd = fd;
        c->peer = peer;
        if (pthread_create(&t, &attr, serve, c) != 0) {
            close(fd);
            free(c);
            atomic_fetch_sub(&g_conns, 1);
        }
    }
}

/*
 * lint_root.c — `vantage lint-root`: checks certificates against the
 * technical requirements of the Microsoft Trusted Root Program (issue 6) and
 * reports, per certificate and per requirement, pass / fail / warning /
 * not-applicable with the value observed.
 *
 * The run has three phases: every file is read and parsed first (PEM with
 * any number of certificate blocks, or DER, possibly concatenated; the
 * format is sniffed from the content, not the name), then every certificate
 * is checked, then the cross-file rule (roots per organisation) is filled in
 * and the reports are printed in input order.
 *
 * Invariants: a damaged input never reaches the checks (it is named on
 * stderr with OpenSSL's reason and the run goes on with the next block or
 * file); every certificate that parses gets exactly one report with every
 * check in the same order; the checks read the certificate only, never the
 * network. Exit status: 2 when any input was unreadable, else 1 when any
 * check failed, else 0 (warnings and not-applicable do not fail).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cli/cli.h"
#include "common/alloc.h"

/* Files are read whole to tell PEM from DER; the largest CA bundles are a
 * few hundred KiB, so anything past this is not a certificate file. */
#define LR_MAX_FILE (64u * 1024 * 1024)
/* Observed-value text per check; longer values are cut (never the verdict). */
#define LR_OBSERVED 512
/* Organisation names are compared up to this many octets (X.520 ub-organization-name is 64 characters). */
#define LR_ORG 256
/* Microsoft Root Program: at most three roots per CA, save roll-overs. */
#define LR_MAX_ROOTS_PER_ORG 3
/* Roots: notAfter at least 8 years after the submission (as-of) date. */
#define LR_MIN_YEARS 8
/* RSA below this is refused outright (program requirement). */
#define LR_RSA_MIN_BITS 2048
/* NIST SP 800-57 Part 1 Rev. 5, table 2: RSA under 3072 bits gives at most
 * 112-bit strength, which table 4 accepts only through 2030. */
#define LR_RSA_LONG_BITS 3072
#define LR_RSA2048_HORIZON_YEAR 2030

enum lr_result { LR_PASS, LR_WARN, LR_NA, LR_FAIL };

static const char *const result_name[] = {
	[LR_PASS] = "pass", [LR_WARN] = "warning",
	[LR_NA] = "not-applicable", [LR_FAIL] = "fail",
};

enum lr_check {
	C_VERSION, C_SUBJECT, C_BC, C_KU, C_KEY, C_SIGHASH, C_VALIDITY, C_EKU,
	C_SELFSIG, C_CRLDP, C_ISSUED_HASH, C_ORG, C_COUNT
};

static const struct {
	const char *id;
	int rule;
	const char *name;
} check_info[C_COUNT] = {
	[C_VERSION] = {"version", 1, "X.509 version 3"},
	[C_SUBJECT] = {"subject-name", 2, "subject names the CA: organisation and a non-generic common name"},
	[C_BC] = {"basic-constraints", 3, "basicConstraints present, critical, cA=TRUE"},
	[C_KU] = {"key-usage", 4, "keyUsage, when present: keyCertSign and cRLSign only"},
	[C_KEY] = {"key", 5, "RSA >= 2048 bits or EC on P-256, P-384, P-521"},
	[C_SIGHASH] = {"signature-hash", 6, "signature hash SHA-1 or stronger (SHA-1 deprecated)"},
	[C_VALIDITY] = {"validity", 7, "notAfter >= as-of + 8 years; RSA under 3072 bits ends by 2030-12-31"},
	[C_EKU] = {"eku", 8, "extendedKeyUsage, when present: allowed purposes only"},
	[C_SELFSIG] = {"self-signature", 9, "root: the signature verifies with its own key"},
	[C_CRLDP] = {"crl-distribution-point", 9, "issued: CRL distribution point with an http, https or ldap URL"},
	[C_ISSUED_HASH] = {"issued-signature-hash", 9, "issued: no MD2, MD4 or MD5 signature"},
	[C_ORG] = {"roots-per-organisation", 10, "at most 3 roots per organisation across the files given"},
};

struct lr_cert {
	const char *file;   /* the argument as given */
	unsigned index;     /* position among the file's certificate blocks */
	X509 *x;
	bool root;          /* self-issued: subject == issuer */
	bool ca;            /* basicConstraints cA=TRUE */
	bool self_signed;   /* the signature verifies with its own key */
	int rsa_bits;       /* 0 unless RSA / RSA-PSS */
	int sig_md;         /* digest NID of the signature, NID_undef if none / unknown */
	bool dup;           /* the same certificate (SHA-256) came earlier in the run */
	unsigned char fp[32]; /* SHA-256 of the DER */
	char org[LR_ORG];   /* first O= of the subject, trimmed; "" if none */
	struct {
		enum lr_result res;
		char obs[LR_OBSERVED];
	} c[C_COUNT];
};

struct lr_run {
	struct lr_cert *certs;
	size_t n, cap;
	unsigned unreadable;
	time_t as_of;
};

static void lr_usage(FILE *f)
{
	fprintf(f,
		"usage: vantage lint-root [--as-of YYYY-MM-DD] [--format json|text] FILE...\n"
		"\n"
		"Checks PEM or DER certificates (several per file allowed) against the\n"
		"Microsoft Trusted Root Program technical requirements and prints one\n"
		"report per certificate (JSON lines by default); a summary goes to stderr.\n"
		"  --as-of DATE     submission date for the validity rule (default: today)\n"
		"  --format FORMAT  json (one object per certificate per line) or text\n"
		"Exit status: 0 all pass, 1 a check failed, 2 unreadable input or usage error.\n");
}

/* ---- small text helpers ---- */

__attribute__((format(printf, 3, 4)))
static void app(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strnlen(buf, cap);
	if (len + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5)))
static void set(struct lr_cert *c, enum lr_check id, enum lr_result r, const char *fmt, ...)
{
	c->c[id].res = r;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->c[id].obs, sizeof(c->c[id].obs), fmt, ap);
	va_end(ap);
}

/* Copy n octets of certificate text, control characters replaced by '?'. */
static void copy_clean(char *dst, size_t cap, const unsigned char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n && i + 1 < cap; i++)
		dst[i] = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : (char)s[i];
	dst[i] = 0;
}

static void trim(char *s)
{
	size_t len = strlen(s), b = 0;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = 0;
	while (s[b] && isspace((unsigned char)s[b]))
		b++;
	memmove(s, s + b, len - b + 1);
}

/* The first entry of `nid` in a name as UTF-8 (trimmed). false when absent
 * or not convertible. */
static bool name_entry(const X509_NAME *n, int nid, char *out, size_t cap)
{
	out[0] = 0;
	int i = X509_NAME_get_index_by_NID(n, nid, -1);
	if (i < 0)
		return false;
	const ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
	unsigned char *u = NULL;
	int len = d ? ASN1_STRING_to_UTF8(&u, d) : -1;
	if (len < 0)
		return false;
	copy_clean(out, cap, u, (size_t)len);
	OPENSSL_free(u);
	trim(out);
	return true;
}

/* A distinguished name in RFC 2253 form, UTF-8 kept. Heap string or NULL. */
static char *name_str(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;
	if (b && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		char *p;
		long len = BIO_get_mem_data(b, &p);
		out = vtg__strndup(len > 0 ? p : "", len > 0 ? (size_t)len : 0);
	}
	BIO_free(b);
	return out;
}

static void openssl_reason(char *buf, size_t cap)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	const char *l = e ? ERR_lib_error_string(e) : NULL;
	if (r && l)
		snprintf(buf, cap, "%s: %s", l, r);
	else if (r)
		snprintf(buf, cap, "%s", r);
	else if (e)
		snprintf(buf, cap, "OpenSSL error %lx", e);
	else
		snprintf(buf, cap, "not a certificate");
	ERR_clear_error();
}

static int time_of(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;
	/* ASN1_TIME_to_tm(NULL, ...) would mean "now": refuse it */
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -EINVAL;
	*out = timegm(&tm);
	return 0;
}

static void fmt_time(time_t t, char *buf, size_t cap, bool date_only)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) ||
	    strftime(buf, cap, date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "?");
}

/* ---- input ---- */

__attribute__((format(printf, 4, 5)))
static void input_error(struct lr_run *run, const char *path, int block, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (block >= 0)
		fprintf(stderr, "vantage lint-root: %s: certificate %d: %s\n", path, block, msg);
	else
		fprintf(stderr, "vantage lint-root: %s: %s\n", path, msg);
	run->unreadable++;
}

static int add_cert(struct lr_run *run, const char *path, unsigned index, X509 *x)
{
	if (run->n == run->cap) {
		size_t ncap = run->cap ? run->cap * 2 : 32;
		struct lr_cert *nc = vtg__realloc(run->certs, ncap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		run->certs = nc;
		run->cap = ncap;
	}
	struct lr_cert *c = &run->certs[run->n++];
	memset(c, 0, sizeof(*c));
	c->file = path;
	c->index = index;
	c->x = x;
	return 0;
}

static int read_file(const char *path, unsigned char **out, size_t *out_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (len > LR_MAX_FILE) {
			rc = -EFBIG;
			break;
		}
		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 16384;
			unsigned char *nb = vtg__realloc(buf, ncap);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (rc != 0) {
		vtg__free(buf);
		return rc;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

static bool is_cert_block(const char *name)
{
	return strcmp(name, PEM_STRING_X509) == 0 ||
	       strcmp(name, PEM_STRING_X509_OLD) == 0 ||
	       strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
}

/* PEM: every certificate block in turn; other blocks (keys, CRLs) are
 * skipped; a damaged block is reported and the next one is read. */
static int load_pem(struct lr_run *run, const char *path, const unsigned char *buf, size_t len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio)
		return -ENOMEM;
	unsigned index = 0;
	int rc = 0;
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *data = NULL;
		long dlen = 0;
		size_t before = (size_t)BIO_ctrl_pending(bio);
		ERR_clear_error();
		if (!PEM_read_bio(bio, &name, &header, &data, &dlen)) {
			unsigned long e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				break;
			}
			char why[256];
			openssl_reason(why, sizeof(why));
			input_error(run, path, (int)index, "damaged PEM block: %s", why);
			index++;
			/* every failed read consumes at least a line; stop if not */
			if ((size_t)BIO_ctrl_pending(bio) >= before || BIO_eof(bio))
				break;
			continue;
		}
		if (is_cert_block(name)) {
			const unsigned char *p = data;
			bool trusted = strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
			X509 *x = trusted ? d2i_X509_AUX(NULL, &p, dlen) : d2i_X509(NULL, &p, dlen);
			if (!x) {
				char why[256];
				openssl_reason(why, sizeof(why));
				input_error(run, path, (int)index, "not a DER certificate inside the PEM block: %s", why);
			} else if (!trusted && p != data + dlen) {
				input_error(run, path, (int)index, "%ld octets of trailing data after the certificate",
					    (long)(data + dlen - p));
				X509_free(x);
			} else if (add_cert(run, path, index, x) != 0) {
				X509_free(x);
				rc = -ENOMEM;
			}
			index++;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		if (rc != 0)
			break;
	}
	BIO_free(bio);
	if (rc == 0 && index == 0)
		input_error(run, path, -1, "no CERTIFICATE block in the PEM file");
	return rc;
}

/* DER: one certificate, or several concatenated; trailing whitespace or NUL
 * padding is tolerated, anything else after the last certificate is not. */
static int load_der(struct lr_run *run, const char *path, const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf, *end = buf + len;
	unsigned index = 0;
	while (p < end) {
		const unsigned char *q = p;
		while (q < end && (*q == 0 || isspace(*q)))
			q++;
		if (q == end)
			break;
		q = p;
		ERR_clear_error();
		X509 *x = d2i_X509(NULL, &q, (long)(end - p));
		if (!x || q <= p) {
			char why[256];
			X509_free(x);
			openssl_reason(why, sizeof(why));
			input_error(run, path, (int)index, "not a DER certificate (truncated or damaged): %s", why);
			return 0; /* no way to find the next one */
		}
		if (add_cert(run, path, index, x) != 0) {
			X509_free(x);
			return -ENOMEM;
		}
		index++;
		p = q;
	}
	return 0;
}

static int load_file(struct lr_run *run, const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc = read_file(path, &buf, &len);
	if (rc != 0) {
		input_error(run, path, -1, "%s", rc == -EFBIG ? "file too large" : strerror(-rc));
		return 0;
	}
	/* PEM first: a text file may well start with '0' (0x30, the DER
	 * SEQUENCE tag), while "-----BEGIN " inside DER would take an
	 * extension made up for the purpose */
	if (len == 0)
		input_error(run, path, -1, "empty file");
	else if (memmem(buf, len, "-----BEGIN ", 11))
		rc = load_pem(run, path, buf, len);
	else if (buf[0] == 0x30) /* a DER SEQUENCE: X.509 DER always starts so */
		rc = load_der(run, path, buf, len);
	else
		input_error(run, path, -1, "neither PEM (no -----BEGIN line) nor DER (no leading SEQUENCE)");
	vtg__free(buf);
	return rc;
}

/* ---- the checks ---- */

/* Rule 2: common names that name nothing. The CN is split into words at
 * every ASCII character that is not a letter or digit, trailing digits are
 * cut from each word, and the CN is generic when every word left is empty
 * (a number) or in this list: "Root", "CA1", "Test", "Root CA 2", "Test CA",
 * "Certification Authority", "Issuing CA G2" are generic; "Contoso Root CA 2"
 * is not. Words with non-ASCII letters are never generic. The same list is in
 * README.md ("vantage lint-root"). */
static const char *const generic_words[] = {
	"root", "rootca", "ca", "test", "testing", "demo", "example", "sample",
	"cert", "certificate", "certificates", "certification", "authority",
	"issuing", "intermediate", "sub", "subca", "subordinate", "policy",
	"server", "client", "trust", "trusted", "primary", "global", "main",
	"default", "internal", "enterprise", "localhost", "my", "new", "dev",
	"temp", "pki", "ssl", "tls", "rsa", "ecc", "ec",
	"g", "r", "x", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix",
	"the", "of", "and", "for",
	NULL
};

static bool word_generic(const char *w, size_t n)
{
	while (n > 0 && isdigit((unsigned char)w[n - 1]))
		n--;
	if (n == 0)
		return true;
	for (const char *const *g = generic_words; *g; g++)
		if (strlen(*g) == n && strncasecmp(*g, w, n) == 0)
			return true;
	return false;
}

static bool cn_generic(const char *cn)
{
	const char *p = cn;
	while (*p) {
		while (*p && (unsigned char)*p < 0x80 && !isalnum((unsigned char)*p))
			p++;
		const char *w = p;
		while (*p && ((unsigned char)*p >= 0x80 || isalnum((unsigned char)*p)))
			p++;
		if (p == w)
			break;
		if (!word_generic(w, (size_t)(p - w)))
			return false;
	}
	return true; /* no word at all, or only generic ones */
}

static void check_subject(struct lr_cert *c)
{
	const X509_NAME *s = X509_get_subject_name(c->x);
	char cn[256];
	bool has_o = name_entry(s, NID_organizationName, c->org, sizeof(c->org));
	bool has_cn = name_entry(s, NID_commonName, cn, sizeof(cn));
	if (!c->root && !c->ca) {
		set(c, C_SUBJECT, LR_NA, "end-entity certificate: the CA name rule is for CAs");
		return;
	}
	if (!has_o || !c->org[0])
		set(c, C_SUBJECT, LR_FAIL, "no organisation (O) in the subject; CN=\"%s\"", has_cn ? cn : "");
	else if (!has_cn || !cn[0])
		set(c, C_SUBJECT, LR_FAIL, "O=\"%s\"; no common name (CN) in the subject", c->org);
	else if (cn_generic(cn))
		set(c, C_SUBJECT, LR_FAIL, "O=\"%s\", CN=\"%s\": the common name is only generic words", c->org, cn);
	else
		set(c, C_SUBJECT, LR_PASS, "O=\"%s\", CN=\"%s\"", c->org, cn);
}

static void check_version(struct lr_cert *c)
{
	long v = X509_get_version(c->x);
	set(c, C_VERSION, v == X509_VERSION_3 ? LR_PASS : LR_FAIL, "v%ld", v + 1);
}

/* Reads basicConstraints; sets c->ca for the other checks. */
static void check_bc(struct lr_cert *c)
{
	int crit = -1;
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(c->x, NID_basic_constraints, &crit, NULL);
	if (!bc) {
		if (crit == -2)
			set(c, C_BC, LR_FAIL, "basicConstraints appears more than once");
		else if (crit >= 0)
			set(c, C_BC, LR_FAIL, "basicConstraints cannot be decoded");
		else if (c->root)
			set(c, C_BC, LR_FAIL, "absent");
		else
			set(c, C_BC, LR_NA, "absent: end-entity certificate");
		ERR_clear_error();
		return;
	}
	c->ca = bc->ca != 0;
	char pl[48] = "";
	if (bc->pathlen)
		snprintf(pl, sizeof(pl), ", pathLenConstraint=%ld", ASN1_INTEGER_get(bc->pathlen));
	const char *crs = crit ? "critical" : "not critical";
	if (!c->ca && !c->root)
		set(c, C_BC, LR_NA, "%s, cA=FALSE: end-entity certificate", crs);
	else if (!c->ca || !crit)
		set(c, C_BC, LR_FAIL, "%s, cA=%s%s", crs, c->ca ? "TRUE" : "FALSE", pl);
	else
		set(c, C_BC, LR_PASS, "critical, cA=TRUE%s", pl);
	BASIC_CONSTRAINTS_free(bc);
}

static void check_ku(struct lr_cert *c)
{
	static const char *const bit_name[] = {
		"digitalSignature", "nonRepudiation", "keyEncipherment",
		"dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign",
		"encipherOnly", "decipherOnly",
	};
	int crit = -1;
	ASN1_BIT_STRING *ku = X509_get_ext_d2i(c->x, NID_key_usage, &crit, NULL);
	if (!ku) {
		if (crit == -2)
			set(c, C_KU, LR_FAIL, "keyUsage appears more than once");
		else if (crit >= 0)
			set(c, C_KU, LR_FAIL, "keyUsage cannot be decoded");
		else
			set(c, C_KU, LR_NA, "absent");
		ERR_clear_error();
		return;
	}
	char *o = c->c[C_KU].obs;
	o[0] = 0;
	bool other = false;
	for (int b = 0; b < 9; b++) {
		if (!ASN1_BIT_STRING_get_bit(ku, b))
			continue;
		app(o, LR_OBSERVED, "%s%s", o[0] ? ", " : "", bit_name[b]);
		if (b != 0 && b != 5 && b != 6)
			other = true;
	}
	for (int b = 9; b < 8 * ASN1_STRING_length(ku); b++)
		if (ASN1_BIT_STRING_get_bit(ku, b)) {
			other = true;
			app(o, LR_OBSERVED, "%sbit %d (undefined)", o[0] ? ", " : "", b);
			break;
		}
	if (!o[0])
		app(o, LR_OBSERVED, "no bit set");
	app(o, LR_OBSERVED, "%s", crit ? " (critical)" : " (not critical)");
	bool need = ASN1_BIT_STRING_get_bit(ku, 5) && ASN1_BIT_STRING_get_bit(ku, 6);
	if (!c->root && !c->ca) {
		c->c[C_KU].res = LR_NA;
		app(o, LR_OBSERVED, "; end-entity certificate");
	} else if (other || !need) {
		c->c[C_KU].res = LR_FAIL;
	} else if (ASN1_BIT_STRING_get_bit(ku, 0)) {
		c->c[C_KU].res = LR_WARN;
		app(o, LR_OBSERVED, "; digitalSignature set");
	} else {
		c->c[C_KU].res = LR_PASS;
	}
	ASN1_BIT_STRING_free(ku);
}

static void check_key(struct lr_cert *c)
{
	EVP_PKEY *pk = X509_get0_pubkey(c->x);
	if (!pk) {
		const ASN1_OBJECT *alg = NULL;
		X509_PUBKEY *xpk = X509_get_X509_PUBKEY(c->x);
		char oid[128] = "?";
		if (xpk && X509_PUBKEY_get0_param((ASN1_OBJECT **)&alg, NULL, NULL, NULL, xpk) == 1 && alg)
			OBJ_obj2txt(oid, sizeof(oid), alg, 0);
		ERR_clear_error();
		set(c, C_KEY, LR_FAIL, "public key (%s) cannot be decoded", oid);
		return;
	}
	int bits = EVP_PKEY_get_bits(pk);
	if (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS")) {
		c->rsa_bits = bits;
		set(c, C_KEY, bits >= LR_RSA_MIN_BITS ? LR_PASS : LR_FAIL, "RSA %d bits", bits);
	} else if (EVP_PKEY_is_a(pk, "EC")) {
		char grp[80];
		size_t glen = 0;
		if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, grp, sizeof(grp), &glen)) {
			ERR_clear_error();
			set(c, C_KEY, LR_FAIL, "EC with explicit curve parameters (%d bits)", bits);
			return;
		}
		bool ok = strcmp(grp, "prime256v1") == 0 || strcmp(grp, "P-256") == 0 ||
			  strcmp(grp, "secp384r1") == 0 || strcmp(grp, "P-384") == 0 ||
			  strcmp(grp, "secp521r1") == 0 || strcmp(grp, "P-521") == 0;
		set(c, C_KEY, ok ? LR_PASS : LR_FAIL, "EC %s (%d bits)", grp, bits);
	} else {
		const char *t = EVP_PKEY_get0_type_name(pk);
		set(c, C_KEY, LR_FAIL, "%s %d bits: not RSA or EC on a NIST P-curve", t ? t : "unknown key", bits);
	}
}

/* The digest of an RSASSA-PSS signature is in its parameters (SHA-1 when
 * absent, RFC 4055 section 3.1). */
static int pss_md(const X509_ALGOR *alg)
{
	int ptype;
	const void *pval;
	X509_ALGOR_get0(NULL, &ptype, &pval, alg);
	if (ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL)
		return NID_sha1;
	if (ptype != V_ASN1_SEQUENCE || !pval)
		return NID_undef;
	const ASN1_STRING *s = pval;
	const unsigned char *p = ASN1_STRING_get0_data(s);
	RSA_PSS_PARAMS *pss = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(s));
	if (!pss) {
		ERR_clear_error();
		return NID_undef;
	}
	int md = pss->hashAlgorithm ? OBJ_obj2nid(pss->hashAlgorithm->algorithm) : NID_sha1;
	RSA_PSS_PARAMS_free(pss);
	return md;
}

static bool md_broken(int md)
{
	return md == NID_md2 || md == NID_md4 || md == NID_md5 || md == NID_mdc2;
}

static void check_sighash(struct lr_cert *c)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	char sig[128] = "?";
	X509_get0_signature(NULL, &alg, c->x);
	if (alg)
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
	if (obj)
		OBJ_obj2txt(sig, sizeof(sig), obj, 0);
	int nid = obj ? OBJ_obj2nid(obj) : NID_undef;
	int md = NID_undef, pkn = NID_undef;
	c->sig_md = NID_undef;
	if (nid == NID_rsassaPss) {
		md = pss_md(alg);
	} else if (nid == NID_undef || !OBJ_find_sigid_algs(nid, &md, &pkn)) {
		set(c, C_SIGHASH, LR_FAIL, "%s: unknown signature algorithm", sig);
		return;
	}
	c->sig_md = md;
	if (md == NID_undef && (pkn == NID_ED25519 || pkn == NID_ED448)) {
		set(c, C_SIGHASH, LR_PASS, "%s (hash built into the algorithm)", sig);
		return;
	}
	const char *mdn = md != NID_undef ? OBJ_nid2sn(md) : "unknown";
	switch (md) {
	case NID_sha1:
		set(c, C_SIGHASH, LR_WARN, "%s (hash %s): deprecated", sig, mdn);
		break;
	case NID_sha224: case NID_sha256: case NID_sha384: case NID_sha512:
	case NID_sha512_224: case NID_sha512_256:
	case NID_sha3_224: case NID_sha3_256: case NID_sha3_384: case NID_sha3_512:
		set(c, C_SIGHASH, LR_PASS, "%s (hash %s)", sig, mdn);
		break;
	default:
		set(c, C_SIGHASH, LR_FAIL, "%s (hash %s)%s", sig, mdn,
		    md_broken(md) ? ": broken hash" : ": not SHA-1, SHA-2 or SHA-3");
		break;
	}
}

static void check_validity(struct lr_cert *c, time_t as_of)
{
	if (!c->root) {
		set(c, C_VALIDITY, LR_NA, "issued certificate: the 8-year rule is for roots");
		return;
	}
	time_t nb, na;
	if (time_of(X509_get0_notAfter(c->x), &na) != 0 ||
	    time_of(X509_get0_notBefore(c->x), &nb) != 0) {
		ERR_clear_error();
		set(c, C_VALIDITY, LR_FAIL, "notBefore / notAfter cannot be decoded");
		return;
	}
	struct tm tm;
	gmtime_r(&as_of, &tm);
	tm.tm_year += LR_MIN_YEARS;
	time_t need = timegm(&tm);
	struct tm hz = {.tm_year = LR_RSA2048_HORIZON_YEAR - 1900, .tm_mon = 11, .tm_mday = 31,
			.tm_hour = 23, .tm_min = 59, .tm_sec = 59};
	time_t horizon = timegm(&hz);
	char snb[24], sna[24], sneed[24];
	fmt_time(nb, snb, sizeof(snb), true);
	fmt_time(na, sna, sizeof(sna), true);
	fmt_time(need, sneed, sizeof(sneed), true);
	double span = (double)(na - nb) / (365.2425 * 86400.0);
	char *o = c->c[C_VALIDITY].obs;
	snprintf(o, LR_OBSERVED, "notBefore %s, notAfter %s, span %.1f years; needs notAfter >= %s",
		 snb, sna, span, sneed);
	enum lr_result r = LR_PASS;
	if (na < need) {
		r = LR_FAIL;
		app(o, LR_OBSERVED, ": ends too early");
	}
	if (c->rsa_bits > 0 && c->rsa_bits < LR_RSA_LONG_BITS) {
		app(o, LR_OBSERVED, "; RSA %d bits must end by %d-12-31", c->rsa_bits, LR_RSA2048_HORIZON_YEAR);
		if (na > horizon) {
			r = LR_FAIL;
			app(o, LR_OBSERVED, ": ends too late");
		}
	}
	c->c[C_VALIDITY].res = r;
}

/* Rule 8: the purposes a root may carry. Everything else fails by name:
 * anyExtendedKeyUsage, smart-card logon, key recovery, and the other
 * enterprise-only purposes. */
static const int eku_allowed[] = {
	NID_server_auth, NID_client_auth, NID_email_protect, NID_code_sign,
	NID_time_stamp, NID_OCSP_sign, NID_ms_efs, NID_ipsecTunnel, NID_ipsecUser,
};

/* Microsoft purposes OpenSSL has no name for. */
static const struct {
	const char *oid, *name;
} eku_names[] = {
	{"1.3.6.1.4.1.311.10.3.11", "msKeyRecovery"},
	{"1.3.6.1.4.1.311.21.6", "msKeyRecoveryAgent"},
	{"1.3.6.1.4.1.311.10.3.4.1", "msEFSRecovery"},
	{"1.3.6.1.4.1.311.20.2.1", "msEnrollmentAgent"},
	{"1.3.6.1.4.1.311.10.3.12", "msDocumentSigning"},
	{"1.3.6.1.4.1.311.21.5", "msPrivateKeyArchival"},
	{"1.3.6.1.4.1.311.10.3.9", "msRootListSigner"},
	{"1.3.6.1.4.1.311.10.3.10", "msQualifiedSubordination"},
	{"1.3.6.1.4.1.311.21.19", "msDSEmailReplication"},
	{"1.3.6.1.4.1.311.10.3.5", "msWHQLCrypto"},
};

static void eku_name(const ASN1_OBJECT *o, char *buf, size_t cap)
{
	char oid[128];
	OBJ_obj2txt(oid, sizeof(oid), o, 1);
	for (size_t i = 0; i < sizeof(eku_names) / sizeof(eku_names[0]); i++)
		if (strcmp(oid, eku_names[i].oid) == 0) {
			snprintf(buf, cap, "%s", eku_names[i].name);
			return;
		}
	int nid = OBJ_obj2nid(o);
	snprintf(buf, cap, "%s", nid != NID_undef ? OBJ_nid2sn(nid) : oid);
}

static void check_eku(struct lr_cert *c)
{
	int crit = -1;
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(c->x, NID_ext_key_usage, &crit, NULL);
	if (!eku) {
		if (crit == -2)
			set(c, C_EKU, LR_FAIL, "extendedKeyUsage appears more than once");
		else if (crit >= 0)
			set(c, C_EKU, LR_FAIL, "extendedKeyUsage cannot be decoded");
		else
			set(c, C_EKU, LR_NA, "absent");
		ERR_clear_error();
		return;
	}
	char *o = c->c[C_EKU].obs;
	char bad[LR_OBSERVED] = "";
	o[0] = 0;
	int n = sk_ASN1_OBJECT_num(eku);
	for (int i = 0; i < n; i++) {
		const ASN1_OBJECT *p = sk_ASN1_OBJECT_value(eku, i);
		char nm[128];
		eku_name(p, nm, sizeof(nm));
		app(o, LR_OBSERVED, "%s%s", o[0] ? ", " : "", nm);
		int nid = OBJ_obj2nid(p);
		bool ok = false;
		for (size_t k = 0; k < sizeof(eku_allowed) / sizeof(eku_allowed[0]); k++)
			ok = ok || (nid != NID_undef && nid == eku_allowed[k]);
		if (!ok)
			app(bad, sizeof(bad), "%s%s", bad[0] ? ", " : "", nm);
	}
	if (n <= 0) {
		set(c, C_EKU, LR_FAIL, "empty extendedKeyUsage");
	} else if (bad[0]) {
		app(o, LR_OBSERVED, "; not allowed: %s", bad);
		c->c[C_EKU].res = LR_FAIL;
	} else {
		c->c[C_EKU].res = LR_PASS;
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
}

static void check_selfsig(struct lr_cert *c)
{
	EVP_PKEY *pk = X509_get0_pubkey(c->x);
	ERR_clear_error();
	c->self_signed = pk && X509_verify(c->x, pk) == 1;
	char why[256] = "";
	if (!c->self_signed)
		openssl_reason(why, sizeof(why));
	if (!c->root)
		set(c, C_SELFSIG, LR_NA, "issued certificate (subject differs from issuer)");
	else if (c->self_signed)
		set(c, C_SELFSIG, LR_PASS, "self-signed: the signature verifies with its own key");
	else
		set(c, C_SELFSIG, LR_FAIL, "subject equals issuer but the signature does not verify with its own key%s%s",
		    pk ? ": " : " (no usable public key)", pk ? why : "");
}

/* A URL that a relying party anywhere can fetch: http, https or ldap with a
 * host (Active Directory's "ldap:///CN=..." has none: it only works inside
 * the forest). */
static bool url_public(const char *u)
{
	static const char *const schemes[] = {"http://", "https://", "ldap://"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(schemes[i]);
		if (strncasecmp(u, schemes[i], n) == 0) {
			const char *h = u + n;
			return *h && *h != '/' && *h != ':' && *h != '?' &&
			       strncasecmp(h, "localhost", 9) != 0;
		}
	}
	return false;
}

static void check_issued(struct lr_cert *c)
{
	if (c->root) {
		set(c, C_CRLDP, LR_NA, "root certificate");
		set(c, C_ISSUED_HASH, LR_NA, "root certificate");
		return;
	}
	const char *mdn = c->sig_md != NID_undef ? OBJ_nid2sn(c->sig_md) : "none or unknown";
	bool weak = c->sig_md == NID_md2 || c->sig_md == NID_md4 || c->sig_md == NID_md5;
	set(c, C_ISSUED_HASH, weak ? LR_FAIL : LR_PASS, "signature hash %s", mdn);

	int crit = -1;
	CRL_DIST_POINTS *dps = X509_get_ext_d2i(c->x, NID_crl_distribution_points, &crit, NULL);
	if (!dps) {
		set(c, C_CRLDP, LR_FAIL, "%s", crit == -2 ? "cRLDistributionPoints appears more than once" :
		    crit >= 0 ? "cRLDistributionPoints cannot be decoded" : "absent");
		ERR_clear_error();
		return;
	}
	char *o = c->c[C_CRLDP].obs;
	o[0] = 0;
	bool good = false;
	for (int i = 0; i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		if (!dp || !dp->distpoint || dp->distpoint->type != 0)
			continue;
		GENERAL_NAMES *gns = dp->distpoint->name.fullname;
		for (int k = 0; k < sk_GENERAL_NAME_num(gns); k++) {
			GENERAL_NAME *gn = sk_GENERAL_NAME_value(gns, k);
			if (!gn || gn->type != GEN_URI)
				continue;
			char url[256];
			const ASN1_IA5STRING *s = gn->d.uniformResourceIdentifier;
			copy_clean(url, sizeof(url), ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
			bool pub = url_public(url);
			good = good || pub;
			app(o, LR_OBSERVED, "%s%s%s", o[0] ? ", " : "", url, pub ? "" : " (not public)");
		}
	}
	if (!o[0])
		app(o, LR_OBSERVED, "no URL in the distribution points");
	c->c[C_CRLDP].res = good ? LR_PASS : LR_FAIL;
	CRL_DIST_POINTS_free(dps);
}

static void lint_one(struct lr_cert *c, time_t as_of)
{
	unsigned n = 0;
	if (!X509_digest(c->x, EVP_sha256(), c->fp, &n) || n != sizeof(c->fp))
		memset(c->fp, 0, sizeof(c->fp));
	c->root = X509_NAME_cmp(X509_get_subject_name(c->x), X509_get_issuer_name(c->x)) == 0;
	check_version(c);
	check_bc(c);        /* first: sets c->ca */
	check_subject(c);
	check_ku(c);
	check_key(c);       /* before validity: sets c->rsa_bits */
	check_sighash(c);   /* before issued: sets c->sig_md */
	check_validity(c, as_of);
	check_eku(c);
	check_selfsig(c);
	check_issued(c);
	ERR_clear_error();
}

/* Rule 10, across every file of the run. Roll-overs are not told apart
 * (nothing in a certificate says it replaces another): the count is shown
 * so a reviewer can judge. A certificate given twice (same SHA-256) counts
 * once. */
static void check_orgs(struct lr_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		for (size_t k = 0; k < i && !run->certs[i].dup; k++)
			run->certs[i].dup = memcmp(run->certs[i].fp, run->certs[k].fp, sizeof(run->certs[i].fp)) == 0;
	for (size_t i = 0; i < run->n; i++) {
		struct lr_cert *c = &run->certs[i];
		if (!c->root) {
			set(c, C_ORG, LR_NA, "issued certificate");
			continue;
		}
		if (!c->org[0]) {
			set(c, C_ORG, LR_NA, "no organisation in the subject");
			continue;
		}
		unsigned same = 0;
		for (size_t k = 0; k < run->n; k++)
			if (run->certs[k].root && !run->certs[k].dup &&
			    strcasecmp(run->certs[k].org, c->org) == 0)
				same++;
		set(c, C_ORG, same > LR_MAX_ROOTS_PER_ORG ? LR_FAIL : LR_PASS,
		    "O=\"%s\": %u root%s in this run (at most %d)", c->org, same, same == 1 ? "" : "s",
		    LR_MAX_ROOTS_PER_ORG);
	}
}

static enum lr_result overall(const struct lr_cert *c)
{
	enum lr_result r = LR_PASS;
	for (int i = 0; i < C_COUNT; i++) {
		if (c->c[i].res == LR_FAIL)
			return LR_FAIL;
		if (c->c[i].res == LR_WARN)
			r = LR_WARN;
	}
	return r;
}

/* ---- output ---- */

static void fingerprint(const struct lr_cert *c, char *hex, size_t cap)
{
	hex[0] = 0;
	for (size_t i = 0; i < sizeof(c->fp) && 2 * i + 2 < cap; i++)
		snprintf(hex + 2 * i, 3, "%02x", c->fp[i]);
}

static void time_str(const ASN1_TIME *t, char *buf, size_t cap)
{
	time_t v;
	if (time_of(t, &v) != 0) {
		ERR_clear_error();
		snprintf(buf, cap, "invalid");
		return;
	}
	fmt_time(v, buf, cap, false);
}

static void emit_json(struct vtg_json *j, struct lr_cert *c)
{
	char *subj = name_str(X509_get_subject_name(c->x));
	char *iss = name_str(X509_get_issuer_name(c->x));
	char fp[2 * 32 + 1], nb[32], na[32];
	fingerprint(c, fp, sizeof(fp));
	time_str(X509_get0_notBefore(c->x), nb, sizeof(nb));
	time_str(X509_get0_notAfter(c->x), na, sizeof(na));

	vtg__json_obj_begin(j);
	vtg__json_kstr(j, "file", c->file);
	vtg__json_kint(j, "index", c->index);
	vtg__json_kstr(j, "subject", subj ? subj : "");
	vtg__json_kstr(j, "issuer", iss ? iss : "");
	vtg__json_kbool(j, "self_signed", c->self_signed);
	vtg__json_kstr(j, "kind", c->root ? "root" : "issued");
	vtg__json_kbool(j, "ca", c->root || c->ca);
	vtg__json_kstr(j, "sha256", fp);
	vtg__json_kstr(j, "not_before", nb);
	vtg__json_kstr(j, "not_after", na);
	vtg__json_kstr(j, "result", result_name[overall(c)]);
	vtg__json_key(j, "checks");
	vtg__json_arr_begin(j);
	for (int i = 0; i < C_COUNT; i++) {
		vtg__json_obj_begin(j);
		vtg__json_kstr(j, "id", check_info[i].id);
		vtg__json_kint(j, "rule", check_info[i].rule);
		vtg__json_kstr(j, "name", check_info[i].name);
		vtg__json_kstr(j, "result", result_name[c->c[i].res]);
		vtg__json_kstr(j, "observed", c->c[i].obs);
		vtg__json_obj_end(j);
	}
	vtg__json_arr_end(j);
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
	vtg__free(subj);
	vtg__free(iss);
}

static void emit_text(FILE *f, struct lr_cert *c)
{
	char *subj = name_str(X509_get_subject_name(c->x));
	char *iss = name_str(X509_get_issuer_name(c->x));
	char fp[2 * 32 + 1];
	fingerprint(c, fp, sizeof(fp));
	fprintf(f, "%s [%u]: %s\n", c->file, c->index, subj ? subj : "");
	if (c->root)
		fprintf(f, "  root, %s\n", c->self_signed ? "self-signed" : "signature does not verify with its own key");
	else
		fprintf(f, "  issued (%s) certificate, issuer: %s\n",
			c->ca ? "intermediate CA" : "end-entity", iss ? iss : "");
	fprintf(f, "  sha256 %s\n", fp);
	for (int i = 0; i < C_COUNT; i++)
		fprintf(f, "  %-14s %2d %-23s %s\n", result_name[c->c[i].res], check_info[i].rule,
			check_info[i].id, c->c[i].obs);
	fprintf(f, "  => %s\n\n", result_name[overall(c)]);
	vtg__free(subj);
	vtg__free(iss);
}

static int parse_date(const char *s, time_t *out)
{
	int y, m, d, n = -1;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n < 0 || s[n] != 0 ||
	    strlen(s) != 10)
		return -EINVAL;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
	time_t t = timegm(&tm);
	if (tm.tm_year != y - 1900 || tm.tm_mon != m - 1 || tm.tm_mday != d)
		return -EINVAL; /* 2023-02-30 and the like */
	*out = t;
	return 0;
}

static void summary(const struct lr_run *run, int files)
{
	unsigned roots = 0, res[4] = {0}, fails[C_COUNT] = {0}, warns[C_COUNT] = {0};
	for (size_t i = 0; i < run->n; i++) {
		const struct lr_cert *c = &run->certs[i];
		roots += c->root;
		res[overall(c)]++;
		for (int k = 0; k < C_COUNT; k++) {
			fails[k] += c->c[k].res == LR_FAIL;
			warns[k] += c->c[k].res == LR_WARN;
		}
	}
	fprintf(stderr, "vantage lint-root: %zu certificates (%u roots, %zu issued) in %d files: "
		"%u pass, %u warning, %u fail; %u unreadable\n", run->n, roots, run->n - roots,
		files, res[LR_PASS], res[LR_WARN], res[LR_FAIL], run->unreadable);
	const char *lab[2] = {"fail", "warning"};
	const unsigned *cnt[2] = {fails, warns};
	for (int w = 0; w < 2; w++) {
		char line[1024] = "";
		for (int k = 0; k < C_COUNT; k++)
			if (cnt[w][k])
				app(line, sizeof(line), " %s=%u", check_info[k].id, cnt[w][k]);
		if (line[0])
			fprintf(stderr, "vantage lint-root: %s by check:%s\n", lab[w], line);
	}
}

int vtg_cmd_lint_root(int argc, char **argv)
{
	static const struct option opts[] = {
		{"as-of", required_argument, NULL, 'a'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct lr_run run;
	memset(&run, 0, sizeof(run));
	run.as_of = time(NULL);
	bool text = false;
	optind = 1;
	int o;
	while ((o = getopt_long(argc, argv, "a:f:h", opts, NULL)) != -1) {
		switch (o) {
		case 'a':
			if (parse_date(optarg, &run.as_of) != 0) {
				fprintf(stderr, "vantage lint-root: --as-of wants YYYY-MM-DD, got '%s'\n", optarg);
				return VTG_EXIT_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				text = false;
			else if (strcmp(optarg, "text") == 0)
				text = true;
			else {
				fprintf(stderr, "vantage lint-root: --format is json or text, got '%s'\n", optarg);
				return VTG_EXIT_USAGE;
			}
			break;
		case 'h':
			lr_usage(stdout);
			return VTG_EXIT_OK;
		default:
			lr_usage(stderr);
			return VTG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vantage lint-root: no FILE given\n");
		lr_usage(stderr);
		return VTG_EXIT_USAGE;
	}

	int rc = VTG_EXIT_OK;
	for (int i = optind; i < argc; i++)
		if (load_file(&run, argv[i]) != 0) {
			fprintf(stderr, "vantage lint-root: out of memory\n");
			rc = VTG_EXIT_USAGE;
			goto out;
		}
	for (size_t i = 0; i < run.n; i++)
		lint_one(&run.certs[i], run.as_of);
	check_orgs(&run);

	bool failed = false;
	struct vtg_json j;
	if (!text && vtg__json_init(&j, STDOUT_FILENO) != 0) {
		rc = VTG_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < run.n; i++) {
		failed = failed || overall(&run.certs[i]) == LR_FAIL;
		if (text)
			emit_text(stdout, &run.certs[i]);
		else
			emit_json(&j, &run.certs[i]);
	}
	bool write_err;
	if (text) {
		write_err = fflush(stdout) != 0;
	} else {
		write_err = vtg__json_flush(&j) != 0;
		vtg__json_deinit(&j);
	}
	summary(&run, argc - optind);
	if (run.unreadable || write_err)
		rc = VTG_EXIT_USAGE;
	else if (failed)
		rc = VTG_EXIT_FAIL;
out:
	for (size_t i = 0; i < run.n; i++)
		X509_free(run.certs[i].x);
	vtg__free(run.certs);
	return rc;
}

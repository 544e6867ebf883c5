/*
 * sans.c — the SAN dNSNames of a CSR or a certificate as input names
 * (`vantage caa --csr FILE | --cert FILE`).
 */
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/alloc.h"

/*
 * The SAN dNSNames of a CSR or a certificate (PEM or DER), so a CA can feed
 * the request it is about to sign. The names are appended to *names
 * (vtg__malloc'd strings). Returns the count, or -EINVAL / -ENOMEM with the reason on
 * stderr (unreadable file, not a CSR / certificate, no dNSName).
 */
int vtg__read_sans(const char *path, bool csr, char ***names, int *n)
{
	BIO *bio = BIO_new_file(path, "rb");
	if (!bio) {
		int e = errno ? errno : EIO;
		fprintf(stderr, "vantage: %s: %s\n", path, strerror(e));
		return -e;
	}
	X509 *crt = NULL;
	X509_REQ *req = NULL;
	if (csr) {
		req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
		if (!req && BIO_reset(bio) == 0)
			req = d2i_X509_REQ_bio(bio, NULL);
	} else {
		crt = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (!crt && BIO_reset(bio) == 0)
			crt = d2i_X509_bio(bio, NULL);
	}
	BIO_free(bio);
	ERR_clear_error();
	if (!req && !crt) {
		fprintf(stderr, "vantage: %s: not a %s (PEM or DER)\n", path,
			csr ? "certificate request" : "certificate");
		return -EINVAL;
	}
	GENERAL_NAMES *gens = NULL;
	if (crt) {
		gens = X509_get_ext_d2i(crt, NID_subject_alt_name, NULL, NULL);
	} else {
		STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
		if (exts) {
			gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
			sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		}
	}
	int added = 0;
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
		int len = ASN1_STRING_length(g->d.dNSName);
		char **nn = vtg__realloc(*names, (size_t)(*n + 1) * sizeof(char *));
		char *copy = vtg__malloc((size_t)len + 1);
		if (!nn || !copy) {
			vtg__free(copy);
			if (nn)
				*names = nn;
			added = -ENOMEM;
			break;
		}
		*names = nn;
		memcpy(copy, d, (size_t)len); /* an embedded NUL makes the name invalid
					       * below, as the input checker reports */
		copy[len] = 0;
		(*names)[(*n)++] = copy;
		added++;
	}
	GENERAL_NAMES_free(gens);
	X509_free(crt);
	X509_REQ_free(req);
	if (added == 0)
		fprintf(stderr, "vantage: %s: no subjectAltName dNSName\n", path);
	return added > 0 ? added : added < 0 ? added : -EINVAL;
}


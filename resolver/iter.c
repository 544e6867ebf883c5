/*
 * iter.c — iterative resolution with validation and a per-perspective cache.
 * See iter.h for the contract.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h> /* time_t only: the clock is the caller's */

#include <ldns/ldns.h>

#include "common/alloc.h"
#include "resolver/dnssec.h"
#include "resolver/iter.h"
#include "resolver/stub.h"

#define NIL UINT32_MAX
#define MAX_SRV VTG_ITER_SERVERS_MAX
#define SRTT_SLOTS 4096
#define SRTT_INIT_MS 40.0
#define ANS_DATA_CAP (2 * 65536)
#define TTL_MAX VTG_ITER_TTL_MAX
#define NEG_TTL_MAX VTG_ITER_NEG_TTL_MAX

/* ------------------------------------------------------------- the cache */

enum { CE_POS = 1, CE_NEG };
enum { TR_GLUE = 1, TR_REFERRAL, TR_AUTH };
/* pseudo-types for what the resolver keeps for itself (never answers) */
#define TYPE_NXNAME 0       /* the name does not exist */
#define TYPE_CUT 0xff00     /* a zone cut from a referral: NS names, status, proof */
#define TYPE_DSKEYS 0xff01  /* the validated DS set a zone was admitted with */
#define TYPE_KEYS 0xff02    /* the zone's validated DNSKEY set */
#define TYPE_NOCUT 0xff03   /* the zone above answered for names under it */
#define TYPE_NSFAIL 0xff04  /* the address of this NS name could not be found */

/* A server's address, compactly (cache entries remember where they came
 * from). fam 0: none. */
struct saddr {
	uint8_t fam;     /* AF_INET / AF_INET6, 0 none */
	uint8_t addr[16];
	uint16_t port;
};

struct rrent {
	uint32_t off, ttl;
	uint16_t len;
};

struct centry {
	struct centry *hnext, *lprev, *lnext;
	uint64_t hash;
	time_t expires;
	uint64_t pin;
	size_t bytes;
	struct vtg_dv_keys *keys;          /* DNSKEY / DS entries: validated set */
	struct vtg_insecure_proof *proof;  /* NS entries of insecure zones */
	const char *why;
	uint16_t type, n;
	uint8_t kind, trust, dnssec, rcode;
	bool weak;
	struct saddr from;                 /* the server that gave it, if one did */
	uint8_t owner[VTG_DNS_MAX_NAME];
	struct rrent rr[];
};

struct cache {
	struct centry **b;
	size_t mask;
	struct centry *lru_head, *lru_tail;
	size_t bytes, max_bytes, entries;
	uint64_t evictions;
};

struct srtt_ent {
	uint8_t key[18];
	bool used;
	double ms;
	uint64_t down_until_ms; /* held down after a timeout (VTG_ITER_HOLDDOWN_MS) */
};

struct persp_state {
	struct cache c;
	struct srtt_ent *srtt;
	uint64_t held_until_ms;   /* the latest hold-down end: none is held after it */
	struct vtg_iter_stats st;
};

/* ---------------------------------------------------------------- tasks */

struct srv {
	uint8_t fam;     /* AF_INET / AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
	uint8_t tries, dead;
	double ms;
};

enum tstate { T_FREE = 0, T_RUN, T_SENDQ, T_WAIT_Q, T_WAIT_COAL, T_WAIT_SUB, T_WAIT_CUT,
	      T_STARVED };
enum tstep { STEP_DATA = 0, STEP_DNSKEY };

struct task {
	uint32_t gen;
	uint8_t state, step;
	uint32_t idx, parent, root;
	uint32_t next;            /* run / send queue, free list */
	uint32_t coal_next;       /* waiters on the same query */
	uint64_t coal_key;
	bool coal_owner;
	/* the first query below a zone for a label probes for a zone cut; the
	 * others under the same label wait for its outcome (a cold cache does
	 * not send a burst of identical referrals) */
	uint64_t probe_key;
	bool probe_owner;
	uint32_t probe_waiters, cut_next;
	uint8_t probe_label[VTG_DNS_MAX_NAME];
	unsigned persp;
	void *ud;
	uint8_t qname[VTG_DNS_MAX_NAME];
	uint16_t qtype;
	uint8_t cur[VTG_DNS_MAX_NAME];     /* after the aliases so far */
	uint64_t seen[VTG_CHAIN_MAX + 1];  /* names on the chain (hashes) */
	unsigned chain_len;
	unsigned depth, referrals, work;
	unsigned nested;          /* nested lookups started (root task: for all) */
	uint64_t deadline_ms;     /* root task: when the lookup gives up */
	bool cut_refetched;       /* the zone cut was asked for again once */
	bool probe_used;          /* a held-down server was asked as a last resort */
	/* the zone being asked and its servers */
	uint8_t zone[VTG_DNS_MAX_NAME];
	bool have_zone;
	struct srv srv[MAX_SRV];
	unsigned n_srv, cur_srv;
	uint32_t ns_failed;       /* NS names whose address lookup failed */
	int ns_pending;           /* index of the NS name being looked up, or -1 */
	/* the question on the wire */
	uint8_t qn[VTG_DNS_MAX_NAME];
	uint16_t qt;
	unsigned q_tries;         /* transmissions for this question */
	unsigned rcode_retry;
	/* what was learnt */
	enum vtg_lookup_fail last_fail;
	unsigned last_rcode;
	struct saddr rcode_from;  /* the server that answered with last_rcode */
	uint8_t chain_dnssec;     /* worst status along the aliases */
	const char *chain_why;
	bool weak;
	double latency_ms;
	/* a nested lookup's result, for the parent */
	enum vtg_lookup_fail sub_fail;
};

struct vtg_iter {
	struct vtg_iter_cfg cfg;
	unsigned n_persp;
	struct persp_state *ps;
	vtg_iter_send_fn send;
	void *tctx;
	vtg_iter_done_fn done;
	struct task *t;
	uint32_t n_tasks, free_head, n_free;
	uint32_t run_head, run_tail, sq_head, sq_tail, starved_head, starved_tail;
	unsigned inflight;        /* queries the transport holds for us */
	bool resp_auth;           /* the response just read was authoritative */
	const struct srv *resp_srv; /* the server of the response being read, or NULL */
	unsigned active;          /* top-level lookups not done */
	/* coalescing: open addressing of (key -> owner task) */
	uint64_t *ck;
	uint32_t *cv;
	size_t cmask;
	bool draining;
	time_t now;               /* it->now_ms / 1000: validity windows, cache */
	uint64_t now_ms;
	uint64_t epoch;
	/* root hints and the trust anchor */
	struct srv hints[VTG_ITER_HINTS_MAX];
	unsigned n_hints;
	struct vtg_dv_keys *anchor;
	/* the answer handed to the callback */
	struct vtg_rdata ans_rrs[VTG_STUB_MAX_RRS];
	uint8_t *ans_data;
	uint8_t ans_target[VTG_DNS_MAX_NAME];
	struct vtg_insecure_proof ans_proof;
	struct sockaddr_storage ans_server;
	struct rrset *scratch;    /* decompressed RRsets of the response being read */
};

static const uint8_t ROOT[1] = {0};

/* an RRset as large as a message holds (caatestsuite big.basic has 1001) */
#define SET_MAX VTG_STUB_MAX_RRS
#define SET_BUF (2 * 65536)

/* One RRset of a section, decompressed. */
struct rrset {
	uint8_t owner[VTG_DNS_MAX_NAME];
	uint16_t type;
	unsigned n;
	uint32_t ttl;
	const uint8_t *rd[SET_MAX];
	uint16_t rdl[SET_MAX];
	uint8_t *buf;
	size_t used, cap;
};

/* ---------------------------------------------------------------- utils */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t name_hash(const uint8_t *lname)
{
	return fnv(0xcbf29ce484222325ull, lname, vtg__name_len(lname));
}

static uint64_t key_of(const uint8_t *lname, uint16_t type)
{
	uint64_t h = name_hash(lname);
	return fnv(h, &type, sizeof(type));
}

static void lname(uint8_t *dst, const uint8_t *src)
{
	vtg__name_lower(dst, src);
}

static bool name_eq(const uint8_t *a, const uint8_t *b)
{
	return vtg__name_equal(a, b);
}

/* Worse of two statuses along a path: bogus > indeterminate > insecure > secure. */
static uint8_t worse(uint8_t a, uint8_t b)
{
	static const int rank[] = {[VTG_DNSSEC_SECURE] = 0, [VTG_DNSSEC_INSECURE] = 1,
				   [VTG_DNSSEC_INDETERMINATE] = 2, [VTG_DNSSEC_BOGUS] = 3};
	return rank[a] >= rank[b] ? a : b;
}

static void name_text(const uint8_t *n, char *out, size_t cap)
{
	if (vtg__name_to_text(n, out, cap, true) < 0)
		snprintf(out, cap, "?");
	size_t l = strlen(out);
	if (l > 1 && out[l - 1] == '.')
		out[l - 1] = '\0';
}

/* ----------------------------------------------------------- cache code */

static void lru_unlink(struct cache *c, struct centry *e)
{
	if (e->lprev)
		e->lprev->lnext = e->lnext;
	else
		c->lru_head = e->lnext;
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else
		c->lru_tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void lru_front(struct cache *c, struct centry *e)
{
	e->lprev = NULL;
	e->lnext = c->lru_head;
	if (c->lru_head)
		c->lru_head->lprev = e;
	c->lru_head = e;
	if (!c->lru_tail)
		c->lru_tail = e;
}

static void centry_free(struct centry *e)
{
	vtg__dv_keys_free(e->keys);
	vtg__free(e->proof);
	vtg__free(e);
}

static void cache_remove(struct cache *c, struct centry *e)
{
	struct centry **pp = &c->b[e->hash & c->mask];
	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	lru_unlink(c, e);
	c->bytes -= e->bytes;
	c->entries--;
	centry_free(e);
}

static struct centry *cget(struct vtg_iter *it, struct cache *c, const uint8_t *lowname,
			   uint16_t type)
{
	uint64_t h = key_of(lowname, type);
	for (struct centry *e = c->b[h & c->mask]; e; e = e->hnext) {
		if (e->hash != h || e->type != type || !name_eq(e->owner, lowname))
			continue;
		if (e->expires < it->now) {
			cache_remove(c, e);
			return NULL;
		}
		lru_unlink(c, e);
		lru_front(c, e);
		e->pin = it->epoch;
		return e;
	}
	return NULL;
}

static void cache_evict(struct vtg_iter *it, struct cache *c)
{
	while (c->bytes > c->max_bytes && c->lru_tail && c->lru_tail->pin != it->epoch) {
		cache_remove(c, c->lru_tail);
		c->evictions++;
	}
}

static struct saddr saddr_of(const struct srv *s)
{
	struct saddr a = {.fam = s->fam, .port = s->port};
	memcpy(a.addr, s->addr, 16);
	return a;
}

static void saddr_to_ss(const struct saddr *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (s->fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(s->port);
		memcpy(&a->sin_addr, s->addr, 4);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(s->port);
		memcpy(&a->sin6_addr, s->addr, 16);
	}
}

/* Insert an entry (replacing the same key). data holds n rdatas back to
 * back with lens / ttls given. */
static struct centry *cput(struct vtg_iter *it, struct cache *c, const uint8_t *owner,
			   uint16_t type, uint8_t kind, uint8_t trust, uint32_t ttl,
			   const uint8_t *const *rd, const uint16_t *rdl, unsigned n)
{
	uint8_t lo[VTG_DNS_MAX_NAME];
	lname(lo, owner);
	uint64_t h = key_of(lo, type);
	for (struct centry *e = c->b[h & c->mask]; e; e = e->hnext)
		if (e->hash == h && e->type == type && name_eq(e->owner, lo)) {
			if (e->trust > trust && e->expires >= it->now)
				return NULL; /* never let glue replace authoritative data */
			cache_remove(c, e);
			break;
		}
	size_t data = 0;
	for (unsigned i = 0; i < n; i++)
		data += rdl[i];
	size_t bytes = sizeof(struct centry) + n * sizeof(struct rrent) + data;
	struct centry *e = vtg__malloc(bytes);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->type = type;
	e->kind = kind;
	e->trust = trust;
	e->n = (uint16_t)n;
	e->bytes = bytes;
	if (ttl > (kind == CE_NEG ? NEG_TTL_MAX : TTL_MAX))
		ttl = kind == CE_NEG ? NEG_TTL_MAX : TTL_MAX;
	e->expires = it->now + ttl;
	e->pin = it->epoch;
	if (it->resp_srv)
		e->from = saddr_of(it->resp_srv);
	memcpy(e->owner, lo, vtg__name_len(lo));
	uint8_t *dp = (uint8_t *)&e->rr[n];
	uint32_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		e->rr[i].off = off;
		e->rr[i].len = rdl[i];
		e->rr[i].ttl = ttl;
		memcpy(dp + off, rd[i], rdl[i]);
		off += rdl[i];
	}
	e->hnext = c->b[h & c->mask];
	c->b[h & c->mask] = e;
	lru_front(c, e);
	c->bytes += bytes;
	c->entries++;
	cache_evict(it, c);
	return e;
}

static const uint8_t *centry_rdata(const struct centry *e, unsigned i)
{
	return (const uint8_t *)&e->rr[e->n] + e->rr[i].off;
}

/* ------------------------------------------------------------ srtt table */

static void srv_key(const struct srv *s, uint8_t k[18])
{
	memset(k, 0, 18);
	memcpy(k, s->addr, 16);
	k[16] = (uint8_t)(s->port >> 8);
	k[17] = (uint8_t)s->port;
}

static struct srtt_ent *srtt_find(struct persp_state *ps, const struct srv *s, bool make)
{
	uint8_t k[18];
	srv_key(s, k);
	uint64_t h = fnv(0xcbf29ce484222325ull, k, 18);
	for (unsigned p = 0; p < 16; p++) {
		struct srtt_ent *e = &ps->srtt[(h + p) & (SRTT_SLOTS - 1)];
		if (e->used && memcmp(e->key, k, 18) == 0)
			return e;
		if (!e->used) {
			if (!make)
				return NULL;
			e->used = true;
			memcpy(e->key, k, 18);
			e->ms = SRTT_INIT_MS;
			return e;
		}
	}
	return NULL;
}

static void srtt_update(struct vtg_iter *it, unsigned persp, const struct srv *s,
			enum vtg_lookup_fail fail, double ms)
{
	struct srtt_ent *e = srtt_find(&it->ps[persp], s, true);
	if (!e)
		return;
	if (fail == VTG_FAIL_NONE) {
		e->ms = 0.7 * e->ms + 0.3 * ms;
		e->down_until_ms = 0;
	} else {
		e->ms = e->ms * 2 + 500 > 120000 ? 120000 : e->ms * 2 + 500; /* back off */
		if (fail == VTG_FAIL_TIMEOUT || vtg__lookup_fail_unreachable(fail)) {
			e->down_until_ms = it->now_ms + VTG_ITER_HOLDDOWN_MS;
			it->ps[persp].held_until_ms = e->down_until_ms;
		}
	}
}

static void srv_to_ss(const struct srv *s, struct sockaddr_storage *ss)
{
	struct saddr a = saddr_of(s);
	saddr_to_ss(&a, ss);
}

/* ------------------------------------------------------------ set-up */

static void clock_tick(struct vtg_iter *it)
{
	it->now_ms = it->cfg.clock(it->cfg.clock_ctx);
	it->now = (time_t)(it->now_ms / 1000);
}

/* The root hints as servers. 0, or -EINVAL (no IPv4 / IPv6 address) with
 * err filled. */
static int set_hints(struct vtg_iter *it, const struct vtg_iter_hints *h, char *err,
		     size_t errcap)
{
	for (unsigned i = 0; h && i < h->n && i < VTG_ITER_HINTS_MAX; i++) {
		const struct sockaddr_storage *ss = &h->addr[i];
		struct srv *s = &it->hints[it->n_hints];
		memset(s, 0, sizeof(*s));
		if (ss->ss_family == AF_INET) {
			const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
			s->fam = AF_INET;
			s->port = ntohs(a->sin_port);
			memcpy(s->addr, &a->sin_addr, 4);
		} else if (ss->ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
			s->fam = AF_INET6;
			s->port = ntohs(a->sin6_port);
			memcpy(s->addr, &a->sin6_addr, 16);
		} else {
			continue;
		}
		if (!s->port)
			s->port = 53;
		it->n_hints++;
	}
	if (it->n_hints == 0) {
		snprintf(err, errcap, "root hints: no address");
		return -EINVAL;
	}
	return 0;
}

int vtg__iter_new(struct vtg_iter **out, const struct vtg_iter_cfg *cfg, unsigned n_persp,
		  vtg_iter_send_fn send, void *tctx, vtg_iter_done_fn done, char *err,
		  size_t errcap)
{
	struct vtg_iter *it = vtg__calloc(1, sizeof(*it));
	if (!it || !cfg->clock) {
		vtg__dv_keys_free(cfg->anchor);
		vtg__free(it);
		snprintf(err, errcap, it ? "no clock" : "out of memory");
		return it ? -EINVAL : -ENOMEM;
	}
	it->cfg = *cfg;
	it->cfg.hints = NULL;
	it->cfg.anchor = NULL;
	it->anchor = cfg->anchor;
	if (!it->cfg.cache_bytes)
		it->cfg.cache_bytes = 64u << 20;
	if (!it->cfg.max_tasks)
		it->cfg.max_tasks = 4096;
	if (!it->cfg.server_tries)
		it->cfg.server_tries = VTG_ITER_SERVER_TRIES;
	if (!it->cfg.max_referrals)
		it->cfg.max_referrals = VTG_ITER_REFERRALS_MAX;
	if (!it->cfg.max_depth)
		it->cfg.max_depth = VTG_ITER_DEPTH_MAX;
	if (!it->cfg.max_work)
		it->cfg.max_work = VTG_ITER_WORK_MAX;
	if (!it->cfg.deadline_ms)
		it->cfg.deadline_ms = VTG_ITER_DEADLINE_MS_DEFAULT;
	it->n_persp = n_persp;
	it->send = send;
	it->tctx = tctx;
	it->done = done;
	clock_tick(it);
	int rc = set_hints(it, cfg->hints, err, errcap);
	if (rc < 0)
		goto fail;
	it->ps = vtg__calloc(n_persp, sizeof(*it->ps));
	it->n_tasks = it->cfg.max_tasks;
	it->t = vtg__calloc(it->n_tasks, sizeof(*it->t));
	size_t cs = 1;
	while (cs < 4 * (size_t)it->n_tasks) /* an exact and a probe key per task */
		cs <<= 1;
	it->ck = vtg__calloc(cs, sizeof(*it->ck));
	it->cv = vtg__calloc(cs, sizeof(*it->cv));
	it->cmask = cs - 1;
	it->ans_data = vtg__malloc(ANS_DATA_CAP);
	it->scratch = vtg__malloc(sizeof(*it->scratch));
	if (it->scratch) {
		it->scratch->buf = vtg__malloc(SET_BUF);
		it->scratch->cap = SET_BUF;
	}
	if (!it->ps || !it->t || !it->ck || !it->cv || !it->ans_data || !it->scratch ||
	    !it->scratch->buf) {
		rc = -ENOMEM;
		snprintf(err, errcap, "out of memory");
		goto fail;
	}
	for (unsigned p = 0; p < n_persp; p++) {
		struct cache *c = &it->ps[p].c;
		size_t nb = 1;
		while (nb < it->cfg.cache_bytes / 512 && nb < (1u << 22))
			nb <<= 1;
		c->b = vtg__calloc(nb, sizeof(*c->b));
		c->mask = nb - 1;
		c->max_bytes = it->cfg.cache_bytes;
		it->ps[p].srtt = vtg__calloc(SRTT_SLOTS, sizeof(struct srtt_ent));
		if (!c->b || !it->ps[p].srtt) {
			rc = -ENOMEM;
			snprintf(err, errcap, "out of memory");
			goto fail;
		}
	}
	it->free_head = NIL;
	for (uint32_t i = it->n_tasks; i-- > 0;) {
		it->t[i].idx = i;
		it->t[i].next = it->free_head;
		it->free_head = i;
	}
	it->n_free = it->n_tasks;
	it->run_head = it->run_tail = it->sq_head = it->sq_tail = NIL;
	it->starved_head = it->starved_tail = NIL;
	*out = it;
	return 0;
fail:
	vtg__iter_free(it);
	return rc;
}

void vtg__iter_free(struct vtg_iter *it)
{
	if (!it)
		return;
	for (unsigned p = 0; it->ps && p < it->n_persp; p++) {
		struct cache *c = &it->ps[p].c;
		while (c->lru_head)
			cache_remove(c, c->lru_head);
		vtg__free(c->b);
		vtg__free(it->ps[p].srtt);
	}
	vtg__free(it->ps);
	vtg__free(it->t);
	vtg__free(it->ck);
	vtg__free(it->cv);
	vtg__free(it->ans_data);
	if (it->scratch)
		vtg__free(it->scratch->buf);
	vtg__free(it->scratch);
	vtg__dv_keys_free(it->anchor);
	vtg__free(it);
}

/* --------------------------------------------------------------- queues */

static void q_push(struct vtg_iter *it, uint32_t *head, uint32_t *tail, struct task *t)
{
	t->next = NIL;
	if (*tail == NIL)
		*head = t->idx;
	else
		it->t[*tail].next = t->idx;
	*tail = t->idx;
}

static struct task *q_pop(struct vtg_iter *it, uint32_t *head, uint32_t *tail)
{
	if (*head == NIL)
		return NULL;
	struct task *t = &it->t[*head];
	*head = t->next;
	if (*head == NIL)
		*tail = NIL;
	return t;
}

static void make_runnable(struct vtg_iter *it, struct task *t)
{
	t->state = T_RUN;
	q_push(it, &it->run_head, &it->run_tail, t);
}

static struct task *task_alloc(struct vtg_iter *it)
{
	if (it->free_head == NIL)
		return NULL;
	struct task *t = &it->t[it->free_head];
	it->free_head = t->next;
	it->n_free--;
	uint32_t gen = t->gen, idx = t->idx;
	memset(t, 0, sizeof(*t));
	t->gen = gen + 1;
	t->idx = idx;
	t->parent = NIL;
	t->root = idx;
	t->coal_next = NIL;
	t->probe_waiters = NIL;
	t->cut_next = NIL;
	t->ns_pending = -1;
	t->last_rcode = VTG_RCODE_NONE;
	t->chain_dnssec = VTG_DNSSEC_SECURE;
	return t;
}

static void task_release(struct vtg_iter *it, struct task *t)
{
	t->state = T_FREE;
	t->gen++;
	t->next = it->free_head;
	it->free_head = t->idx;
	it->n_free++;
	/* a lookup that could not get a task for a nested lookup tries again */
	struct task *w = q_pop(it, &it->starved_head, &it->starved_tail);
	if (w && w->state == T_STARVED)
		make_runnable(it, w);
}

static void task_start(struct task *t, unsigned persp, const uint8_t *qname, uint16_t qtype)
{
	t->persp = persp;
	size_t l = vtg__name_len(qname);
	memcpy(t->qname, qname, l);
	memcpy(t->cur, qname, l);
	t->qtype = qtype;
	uint8_t lo[VTG_DNS_MAX_NAME];
	lname(lo, qname);
	t->seen[0] = name_hash(lo);
}

int vtg__iter_lookup(struct vtg_iter *it, unsigned persp, const uint8_t *qname,
		     uint16_t qtype, void *ud)
{
	if (persp >= it->n_persp)
		return -EINVAL;
	/* keep a reserve for nested NS lookups of the running ones */
	if (it->n_free <= it->cfg.max_depth)
		return -EAGAIN;
	struct task *t = task_alloc(it);
	task_start(t, persp, qname, qtype);
	t->ud = ud;
	clock_tick(it);
	t->deadline_ms = it->now_ms + it->cfg.deadline_ms;
	it->active++;
	it->ps[persp].st.lookups++;
	make_runnable(it, t);
	return 0;
}

unsigned vtg__iter_active(const struct vtg_iter *it)
{
	return it->active;
}

unsigned vtg__iter_free_tasks(const struct vtg_iter *it)
{
	return it->n_free > it->cfg.max_depth ? it->n_free - it->cfg.max_depth : 0;
}

bool vtg__iter_has_work(const struct vtg_iter *it)
{
	return it->run_head != NIL || it->sq_head != NIL;
}

void vtg__iter_stats(const struct vtg_iter *it, unsigned persp, struct vtg_iter_stats *st)
{
	*st = it->ps[persp].st;
	st->evictions = it->ps[persp].c.evictions;
	st->cache_entries = it->ps[persp].c.entries;
	st->cache_bytes = it->ps[persp].c.bytes;
}

/* ------------------------------------------------------------ finishing */

static void wake_parent(struct vtg_iter *it, struct task *t, enum vtg_lookup_fail f)
{
	struct task *p = &it->t[t->parent];
	p->sub_fail = f;
	task_release(it, t);
	make_runnable(it, p);
}

/* The zone that holds name (deepest cached cut), for its status / proof. */
static struct centry *zone_entry(struct vtg_iter *it, struct task *t, const uint8_t *name,
				 bool above)
{
	struct cache *c = &it->ps[t->persp].c;
	uint8_t lo[VTG_DNS_MAX_NAME];
	lname(lo, name);
	const uint8_t *n = lo;
	if (above && n[0])
		n = vtg__name_parent(n);
	for (; n[0]; n = vtg__name_parent(n)) {
		struct centry *e = cget(it, c, n, TYPE_CUT);
		if (e && e->kind == CE_POS)
			return e;
	}
	return NULL;
}

static uint8_t root_status(const struct vtg_iter *it)
{
	return it->anchor ? VTG_DNSSEC_SECURE : VTG_DNSSEC_INDETERMINATE;
}

/* Complete a top-level lookup (or hand a nested one's result to its parent). */
static void finish(struct vtg_iter *it, struct task *t, enum vtg_lookup_fail fail,
		   const struct centry *e, uint8_t dnssec, const char *why)
{
	if (t->parent != NIL) {
		/* an NS name without an address (NXDOMAIN, no data) leaves the
		 * parent without that server */
		wake_parent(it, t, fail != VTG_FAIL_NONE ? fail
				   : (e && e->kind == CE_POS) ? VTG_FAIL_NONE
							      : VTG_FAIL_NO_NAMESERVER);
		return;
	}
	struct vtg_lookup_answer a;
	memset(&a, 0, sizeof(a));
	a.fail = fail;
	/* the zone's proven status; the answer's own is that, unless the
	 * lookup failed: then nothing was validated (never "secure" for a
	 * timeout in a signed zone) */
	a.zone_dnssec = worse(t->chain_dnssec, dnssec);
	a.zone_known = true;
	a.dnssec = vtg__lookup_fail_dnssec(fail, a.zone_dnssec);
	a.why_bogus = a.dnssec == VTG_DNSSEC_BOGUS ? (why ? why : t->chain_why) : NULL;
	a.tries = t->q_tries ? t->q_tries : 1;
	a.latency_ms = t->latency_ms;
	a.chain_len = t->chain_len;
	a.rcode = t->last_rcode;
	if (t->chain_len) {
		memcpy(it->ans_target, t->cur, vtg__name_len(t->cur));
		a.target = it->ans_target;
	}
	a.dnssec_weak = t->weak || (e && e->weak);
	if (fail == VTG_FAIL_NONE && e) {
		a.rcode = e->rcode;
		if (e->kind == CE_POS) {
			size_t off = 0;
			unsigned n = 0;
			for (unsigned i = 0; i < e->n && n < VTG_STUB_MAX_RRS; i++) {
				if (off + e->rr[i].len > ANS_DATA_CAP)
					break;
				memcpy(it->ans_data + off, centry_rdata(e, i), e->rr[i].len);
				it->ans_rrs[n].rdata = it->ans_data + off;
				it->ans_rrs[n].len = e->rr[i].len;
				it->ans_rrs[n].ttl = (uint32_t)(e->expires - it->now);
				off += e->rr[i].len;
				n++;
			}
			a.rrs = it->ans_rrs;
			a.n_rrs = n;
			a.rcode = VTG_RCODE_NOERROR;
		}
	}
	/* the server: of the entry that answers; of the response being read
	 * when the answer could not be cached; of the error rcode reported */
	const struct saddr *from = NULL;
	struct saddr cur;
	if (fail == VTG_FAIL_NONE && e && e->from.fam) {
		from = &e->from;
	} else if (fail == VTG_FAIL_NONE && !e && it->resp_srv) {
		cur = saddr_of(it->resp_srv);
		from = &cur;
	} else if (fail != VTG_FAIL_NONE && a.rcode != VTG_RCODE_NONE && t->rcode_from.fam) {
		from = &t->rcode_from;
	}
	if (from) {
		saddr_to_ss(from, &it->ans_server);
		a.server = &it->ans_server;
	}
	if (a.zone_dnssec == VTG_DNSSEC_INSECURE) {
		/* the validator's proof: the zone cut where no DS was proven */
		struct centry *z = zone_entry(it, t, t->cur, t->qtype == VTG_TYPE_DS);
		if (z && z->proof) {
			it->ans_proof = *z->proof;
			a.proof = &it->ans_proof;
		}
	}
	void *ud = t->ud;
	it->active--;
	task_release(it, t);
	it->done(ud, &a);
}

/* ------------------------------------------------------------- stepping */

static void send_query(struct vtg_iter *it, struct task *t);

/* Does an alias chain step loop or run too long? */
static bool chain_add(struct vtg_iter *it, struct task *t, const uint8_t *target)
{
	uint8_t lo[VTG_DNS_MAX_NAME];
	lname(lo, target);
	uint64_t h = name_hash(lo);
	for (unsigned i = 0; i <= t->chain_len; i++)
		if (t->seen[i] == h) {
			finish(it, t, VTG_FAIL_CNAME_LOOP, NULL, VTG_DNSSEC_INDETERMINATE, NULL);
			return false;
		}
	if (t->chain_len >= VTG_CHAIN_MAX) {
		finish(it, t, VTG_FAIL_CHAIN_LIMIT, NULL, VTG_DNSSEC_INDETERMINATE, NULL);
		return false;
	}
	t->seen[++t->chain_len] = h;
	memcpy(t->cur, target, vtg__name_len(target));
	t->have_zone = false;
	return true;
}

/* Look the current question up in the cache; true when the task moved on
 * (finished, or followed an alias). */
static bool from_cache(struct vtg_iter *it, struct task *t, bool *chased)
{
	struct cache *c = &it->ps[t->persp].c;
	struct persp_state *ps = &it->ps[t->persp];
	uint8_t lo[VTG_DNS_MAX_NAME];
	lname(lo, t->cur);
	*chased = false;
	struct centry *e = cget(it, c, lo, TYPE_NXNAME);
	if (e) {
		ps->st.cache_hits++;
		t->last_rcode = VTG_RCODE_NXDOMAIN;
		finish(it, t, VTG_FAIL_NONE, e, e->dnssec, e->why);
		return true;
	}
	e = cget(it, c, lo, t->qtype);
	if (e && e->trust >= TR_AUTH) {
		ps->st.cache_hits++;
		t->last_rcode = e->rcode;
		finish(it, t, VTG_FAIL_NONE, e, e->dnssec, e->why);
		return true;
	}
	if (t->qtype != VTG_TYPE_CNAME) {
		e = cget(it, c, lo, VTG_TYPE_CNAME);
		if (e && e->kind == CE_POS && e->n > 0) {
			ps->st.cache_hits++;
			t->chain_dnssec = worse(t->chain_dnssec, e->dnssec);
			t->weak |= e->weak;
			if (e->dnssec == VTG_DNSSEC_BOGUS)
				t->chain_why = e->why;
			*chased = true;
			return chain_add(it, t, centry_rdata(e, 0)) ? false : true;
		}
	}
	/* DNAME at an ancestor */
	for (const uint8_t *a = vtg__name_parent(lo); a[0]; a = vtg__name_parent(a)) {
		e = cget(it, c, a, VTG_TYPE_DNAME);
		if (e && e->kind == CE_POS && e->n > 0) {
			uint8_t nn[VTG_DNS_MAX_NAME];
			if (vtg__name_dname_subst(t->cur, a, centry_rdata(e, 0), nn) < 0) {
				finish(it, t, VTG_FAIL_MALFORMED, NULL, e->dnssec, NULL);
				return true;
			}
			ps->st.cache_hits++;
			t->chain_dnssec = worse(t->chain_dnssec, e->dnssec);
			t->weak |= e->weak;
			if (e->dnssec == VTG_DNSSEC_BOGUS)
				t->chain_why = e->why;
			*chased = true;
			return chain_add(it, t, nn) ? false : true;
		}
	}
	return false;
}

/* The zone to ask for t->cur: its name, status and keys / proof. */
struct zinfo {
	const uint8_t *name;
	uint8_t dnssec;
	const char *why;
	struct centry *ns;      /* NULL: the root */
};

static void find_zone(struct vtg_iter *it, struct task *t, struct zinfo *z)
{
	struct centry *e = zone_entry(it, t, t->cur, t->qtype == VTG_TYPE_DS);
	if (e) {
		z->name = e->owner;
		z->dnssec = e->dnssec;
		z->why = e->why;
		z->ns = e;
	} else {
		z->name = ROOT;
		z->dnssec = root_status(it);
		z->why = NULL;
		z->ns = NULL;
	}
}

static void srv_add(struct task *t, const struct srv *n)
{
	for (unsigned i = 0; i < t->n_srv; i++)
		if (t->srv[i].fam == n->fam && t->srv[i].port == n->port &&
		    memcmp(t->srv[i].addr, n->addr, 16) == 0)
			return;
	if (t->n_srv < MAX_SRV)
		t->srv[t->n_srv++] = *n;
}

/* Is the NS name inside a zone whose servers this task, or a lookup waiting
 * on it, is looking for? Then finding its address needs those very servers:
 * a dependency cycle (glue-less in-zone NS names, or two zones whose NS
 * names lie in each other). */
static bool ns_cycle(struct vtg_iter *it, const struct task *t, const uint8_t *lo_nsn)
{
	for (const struct task *a = t;; a = &it->t[a->parent]) {
		if (a->have_zone && a->zone[0] != 0 && vtg__name_is_sub(lo_nsn, a->zone))
			return true;
		if (a->parent == NIL)
			return false;
	}
}

static bool held_down(struct vtg_iter *it, unsigned persp, const struct srv *s)
{
	struct srtt_ent *e = srtt_find(&it->ps[persp], s, false);
	return e && e->down_until_ms > it->now_ms;
}

/* Add zone z's server addresses to t->srv (hints for the root, else the
 * cached addresses of its first VTG_ITER_NS_SCAN_MAX NS names), keeping
 * what is known of the ones already there. Returns true with *live =
 * how many are still usable; when none is and an NS name may still be
 * resolved, a nested lookup for it starts and false is returned (as it is
 * when the task finished, or went back to be stepped again). NS names whose address lookup failed before, that would need
 * themselves, or past VTG_ITER_NS_RESOLVE_MAX attempts are skipped. */
static bool gather_servers(struct vtg_iter *it, struct task *t, const struct zinfo *z,
			   unsigned *live_out)
{
	struct persp_state *ps = &it->ps[t->persp];
	unsigned before = t->n_srv;
	int unresolved = -1;
	unsigned failed = 0, cycles = 0, with_addr = 0;
	if (!z->ns) {
		for (unsigned i = 0; i < it->n_hints; i++)
			srv_add(t, &it->hints[i]);
	} else {
		struct cache *c = &ps->c;
		unsigned scan = z->ns->n < VTG_ITER_NS_SCAN_MAX ? z->ns->n : VTG_ITER_NS_SCAN_MAX;
		for (unsigned i = 0; i < scan; i++) {
			const uint8_t *nsn = centry_rdata(z->ns, i);
			uint8_t lo[VTG_DNS_MAX_NAME];
			lname(lo, nsn);
			struct centry *a = cget(it, c, lo, VTG_TYPE_A);
			if (!a || a->kind != CE_POS) {
				if (t->ns_failed & (1u << i)) {
					failed++;
				} else if ((a = cget(it, c, lo, TYPE_NSFAIL)) != NULL) {
					t->ns_failed |= 1u << i;
					failed++;
					ps->st.ns_skipped++;
					if (!t->last_fail) /* why it failed then */
						t->last_fail = (enum vtg_lookup_fail)a->rcode;
				} else if (ns_cycle(it, t, lo)) {
					t->ns_failed |= 1u << i;
					cycles++;
					ps->st.ns_skipped++;
				} else if (unresolved < 0) {
					unresolved = (int)i;
				}
				continue;
			}
			with_addr++;
			for (unsigned k = 0; k < a->n; k++) {
				if (a->rr[k].len != 4)
					continue;
				struct srv n;
				memset(&n, 0, sizeof(n));
				n.fam = AF_INET;
				n.port = 53;
				memcpy(n.addr, centry_rdata(a, k), 4);
				srv_add(t, &n);
			}
		}
	}
	for (unsigned i = before; i < t->n_srv; i++) {
		struct srtt_ent *e = srtt_find(ps, &t->srv[i], false);
		t->srv[i].ms = e ? e->ms : SRTT_INIT_MS;
		t->srv[i].dead = 0;
		t->srv[i].tries = 0;
	}
	/* servers that timed out recently are not asked again (by any lookup
	 * of this perspective) while the hold-down lasts */
	int live = 0, held = 0, best_held = -1;
	bool any_held = it->now_ms < ps->held_until_ms; /* else no table look-up */
	for (unsigned i = 0; i < t->n_srv; i++) {
		if (t->srv[i].dead)
			continue;
		if (any_held && held_down(it, t->persp, &t->srv[i])) {
			t->srv[i].dead = 1;
			held++;
			ps->st.held_down++;
			if (best_held < 0 || t->srv[i].ms < t->srv[best_held].ms)
				best_held = (int)i;
			continue;
		}
		live++;
	}
	if (live > 0) {
		*live_out = (unsigned)live;
		return true;
	}
	if (failed + cycles >= VTG_ITER_NS_RESOLVE_MAX)
		unresolved = -1; /* enough NS names of this delegation tried */
	if (unresolved < 0) {
		if (best_held >= 0 && !t->probe_used) {
			/* every server is held down: one of them, once, as the last
			 * resort (it may be back) */
			t->probe_used = true;
			t->srv[best_held].dead = 0;
			*live_out = 1;
			return true;
		}
		if (t->n_srv == 0 && with_addr == 0 && cycles > 0 && !t->cut_refetched &&
		    z->ns) {
			/* the glue of the cut may have expired: ask the parent
			 * for the delegation again, once */
			t->cut_refetched = true;
			cache_remove(&ps->c, z->ns);
			make_runnable(it, t);
			return false;
		}
		if (held > 0)
			t->last_fail = t->last_fail ? t->last_fail : VTG_FAIL_TIMEOUT;
		else if (cycles > 0 && with_addr == 0 && !t->last_fail)
			t->last_fail = VTG_FAIL_NS_CYCLE;
		*live_out = 0;
		return true;
	}
	/* glue-less: look an NS name's address up first */
	struct task *root = &it->t[t->root];
	if (t->depth + 1 > it->cfg.max_depth) {
		finish(it, t, VTG_FAIL_REFERRAL_LIMIT, NULL, z->dnssec, NULL);
		return false;
	}
	if (root->nested >= VTG_ITER_NESTED_MAX) {
		ps->st.limit_hits++;
		finish(it, t, VTG_FAIL_WORK_LIMIT, NULL, z->dnssec, NULL);
		return false;
	}
	struct task *s = task_alloc(it);
	if (!s) {
		t->state = T_STARVED; /* woken when a task is released */
		q_push(it, &it->starved_head, &it->starved_tail, t);
		return false;
	}
	root->nested++;
	task_start(s, t->persp, centry_rdata(z->ns, (unsigned)unresolved), VTG_TYPE_A);
	s->parent = t->idx;
	s->root = t->root;
	s->depth = t->depth + 1;
	t->ns_pending = unresolved;
	t->state = T_WAIT_SUB;
	ps->st.nested++;
	make_runnable(it, s);
	return false;
}

/* The usable server with the lowest smoothed RTT (with a little jitter).
 * false when every server is dead. */
static bool pick_server(struct task *t, unsigned *out)
{
	int best = -1;
	for (unsigned i = 0; i < t->n_srv; i++) {
		if (t->srv[i].dead)
			continue;
		/* a little jitter spreads load over equally fast servers */
		double ms = t->srv[i].ms * (1.0 + (double)((t->idx + i * 7) % 5) / 50.0);
		if (best < 0 || ms < t->srv[best].ms * (1.0 + (double)((t->idx + (unsigned)best * 7) % 5) / 50.0))
			best = (int)i;
	}
	if (best < 0)
		return false;
	*out = (unsigned)best;
	return true;
}

static void step(struct vtg_iter *it, struct task *t)
{
	for (;;) {
		if (it->t[t->root].work >= it->cfg.max_work) {
			it->ps[t->persp].st.limit_hits++;
			finish(it, t, VTG_FAIL_WORK_LIMIT, NULL, VTG_DNSSEC_INDETERMINATE, NULL);
			return;
		}
		if (it->now_ms >= it->t[t->root].deadline_ms) {
			it->ps[t->persp].st.limit_hits++;
			finish(it, t, VTG_FAIL_DEADLINE, NULL, VTG_DNSSEC_INDETERMINATE, NULL);
			return;
		}
		bool chased;
		if (from_cache(it, t, &chased)) {
			return;
		}
		if (chased)
			continue;
		struct zinfo z;
		find_zone(it, t, &z);
		if (z.dnssec == VTG_DNSSEC_BOGUS) {
			finish(it, t, VTG_FAIL_NONE, NULL, VTG_DNSSEC_BOGUS, z.why);
			return;
		}
		struct cache *c = &it->ps[t->persp].c;
		uint8_t want_step = STEP_DATA;
		if (z.dnssec == VTG_DNSSEC_SECURE) {
			struct centry *k = cget(it, c, z.name, TYPE_KEYS);
			if (k && k->dnssec == VTG_DNSSEC_BOGUS) {
				finish(it, t, VTG_FAIL_NONE, NULL, VTG_DNSSEC_BOGUS, k->why);
				return;
			}
			if (!k || !k->keys) {
				if (z.ns && !cget(it, c, z.name, TYPE_DSKEYS)) {
					/* the DS the zone was admitted with is gone: ask the
					 * parent again */
					cache_remove(c, z.ns);
					continue;
				}
				want_step = STEP_DNSKEY;
			}
		}
		bool new_zone = !t->have_zone || !name_eq(t->zone, z.name);
		if (new_zone) {
			memcpy(t->zone, z.name, vtg__name_len(z.name));
			t->have_zone = true;
			t->n_srv = 0;
			t->ns_failed = 0;
			t->ns_pending = -1;
			t->probe_used = false;
		}
		if (new_zone || t->step != want_step) {
			t->step = want_step;
			t->q_tries = 0;
			t->rcode_retry = 0;
			/* a server that failed this question stays failed for the
			 * lookup (its tries are spent); only the per-server try
			 * count of the new question starts again */
			for (unsigned i = 0; i < t->n_srv; i++)
				t->srv[i].tries = 0;
		}
		if (t->ns_pending >= 0) {
			/* a nested lookup of an NS name's address came back */
			if (t->sub_fail != VTG_FAIL_NONE && t->ns_pending < 32) {
				t->ns_failed |= 1u << t->ns_pending;
				t->last_fail = t->sub_fail; /* a limit hit below is named */
				if (z.ns && (unsigned)t->ns_pending < z.ns->n) {
					/* remembered: the next lookup under this
					 * delegation skips the name */
					uint8_t lo[VTG_DNS_MAX_NAME];
					lname(lo, centry_rdata(z.ns, (unsigned)t->ns_pending));
					struct centry *f = cput(it, c, lo, TYPE_NSFAIL, CE_NEG,
								TR_AUTH, VTG_ITER_NSFAIL_TTL,
								NULL, NULL, 0);
					if (f)
						f->rcode = (uint8_t)t->sub_fail;
					find_zone(it, t, &z); /* cput may evict */
				}
			}
			t->ns_pending = -1;
		}
		unsigned live;
		if (!gather_servers(it, t, &z, &live))
			return; /* finished, or waiting for an NS name's address */
		if (live == 0) {
			finish(it, t, t->last_fail ? t->last_fail : VTG_FAIL_NO_NAMESERVER, NULL,
			       z.dnssec, NULL);
			return;
		}
		if (t->step == STEP_DNSKEY) {
			memcpy(t->qn, z.name, vtg__name_len(z.name));
			t->qt = VTG_TYPE_DNSKEY;
		} else {
			memcpy(t->qn, t->cur, vtg__name_len(t->cur));
			t->qt = t->qtype;
		}
		if (!pick_server(t, &t->cur_srv)) {
			finish(it, t, VTG_FAIL_SERVFAIL, NULL, z.dnssec, NULL);
			return;
		}
		send_query(it, t);
		return;
	}
}

/* Coalescing table. */
static uint64_t coal_key(const struct task *t)
{
	uint8_t lo[VTG_DNS_MAX_NAME];
	vtg__name_lower(lo, t->qn);
	uint64_t h = name_hash(lo);
	h = fnv(h, &t->qt, sizeof(t->qt));
	h = fnv(h, &t->persp, sizeof(t->persp));
	vtg__name_lower(lo, t->zone);
	h = fnv(h, lo, vtg__name_len(lo));
	return h | 1; /* 0 marks an empty slot */
}

static uint32_t coal_find(struct vtg_iter *it, uint64_t k)
{
	for (size_t i = k & it->cmask;; i = (i + 1) & it->cmask) {
		if (it->ck[i] == 0)
			return NIL;
		if (it->ck[i] == k)
			return it->cv[i];
	}
}

static void coal_put(struct vtg_iter *it, uint64_t k, uint32_t v)
{
	size_t i = k & it->cmask;
	while (it->ck[i] != 0)
		i = (i + 1) & it->cmask;
	it->ck[i] = k;
	it->cv[i] = v;
}

static void coal_del(struct vtg_iter *it, uint64_t k)
{
	size_t i = k & it->cmask;
	while (it->ck[i] != k) {
		if (it->ck[i] == 0)
			return;
		i = (i + 1) & it->cmask;
	}
	it->ck[i] = 0;
	/* backward-shift the cluster behind it */
	for (size_t j = (i + 1) & it->cmask; it->ck[j] != 0; j = (j + 1) & it->cmask) {
		size_t home = it->ck[j] & it->cmask;
		bool move = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
		if (move) {
			it->ck[i] = it->ck[j];
			it->cv[i] = it->cv[j];
			it->ck[j] = 0;
			i = j;
		}
	}
}

static void send_query(struct vtg_iter *it, struct task *t)
{
	uint64_t k = coal_key(t);
	uint32_t o = coal_find(it, k);
	if (o != NIL) {
		struct task *ow = &it->t[o];
		if (ow->qt == t->qt && name_eq(ow->qn, t->qn) && name_eq(ow->zone, t->zone) &&
		    ow->persp == t->persp) {
			t->coal_next = ow->coal_next;
			ow->coal_next = t->idx;
			t->state = T_WAIT_COAL;
			it->ps[t->persp].st.coalesced++;
			return;
		}
	}
	/* a query more than one label below the zone: probe for the cut */
	uint64_t pk = 0;
	unsigned zl = vtg__name_labels(t->zone), ql = vtg__name_labels(t->qn);
	if (t->step == STEP_DATA && ql > zl + 1) {
		uint8_t lab[VTG_DNS_MAX_NAME];
		const uint8_t *a = t->qn;
		for (unsigned i = 0; i < ql - zl - 1; i++)
			a = vtg__name_parent(a);
		lname(lab, a);
		if (!cget(it, &it->ps[t->persp].c, lab, TYPE_NOCUT)) {
			pk = fnv(key_of(lab, TYPE_NOCUT), &t->persp, sizeof(t->persp)) | 1;
			uint32_t po = coal_find(it, pk);
			if (po != NIL && it->t[po].probe_owner && it->t[po].persp == t->persp &&
			    name_eq(it->t[po].probe_label, lab)) {
				t->cut_next = it->t[po].probe_waiters;
				it->t[po].probe_waiters = t->idx;
				t->state = T_WAIT_CUT;
				return;
			}
			if (po != NIL)
				pk = 0; /* a hash collision: just ask */
			else
				memcpy(t->probe_label, lab, vtg__name_len(lab));
		}
	}
	struct sockaddr_storage ss;
	srv_to_ss(&t->srv[t->cur_srv], &ss);
	struct vtg_iter_query q = {
		.persp = t->persp,
		.dst = &ss,
		.qname = t->qn,
		.qtype = t->qt,
		.tries = (uint8_t)it->cfg.server_tries,
		.case_random = it->cfg.case_random,
		.token = (uint64_t)(t->gen & 0x7fffffffu) << 32 | t->idx,
	};
	int rc = it->send(it->tctx, &q);
	if (rc == -EAGAIN) {
		t->state = T_SENDQ;
		q_push(it, &it->sq_head, &it->sq_tail, t);
		return;
	}
	if (rc < 0) {
		/* this address cannot be used from here (family, local error) */
		t->srv[t->cur_srv].dead = 1;
		t->last_fail = rc == -EAFNOSUPPORT ? t->last_fail : VTG_FAIL_LOCAL;
		make_runnable(it, t);
		return;
	}
	t->coal_key = k;
	t->coal_owner = true;
	t->coal_next = NIL;
	coal_put(it, k, t->idx);
	if (pk) {
		t->probe_key = pk;
		t->probe_owner = true;
		t->probe_waiters = NIL;
		coal_put(it, pk, t->idx);
	}
	it->inflight++;
	t->state = T_WAIT_Q;
	it->t[t->root].work++;
	it->ps[t->persp].st.queries++;
}

/* ------------------------------------------------------ reading answers */

/* The RRset (owner, type) of section sec into s, decompressed, exact
 * duplicates dropped. Returns how many records (0: none), or -E2BIG (more
 * than SET_MAX), or the VTG_EWIRE_* code of a record that does not read
 * (vtg__rr_iter_next, vtg__rdata_uncompress, VTG_EWIRE_SPACE when s->buf
 * is full). */
static int gather(const struct vtg_msg *m, enum vtg_section sec, const uint8_t *owner,
		  uint16_t type, struct rrset *s)
{
	memcpy(s->owner, owner, vtg__name_len(owner));
	s->type = type;
	s->n = 0;
	s->used = 0;
	s->ttl = UINT32_MAX;
	struct vtg_rr_iter ri;
	struct vtg_rr rr;
	vtg__rr_iter_init(&ri, m, sec);
	int rc;
	while ((rc = vtg__rr_iter_next(&ri, &rr)) == 1) {
		if (rr.type != type || rr.rclass != VTG_CLASS_IN || !name_eq(rr.owner, owner))
			continue;
		if (s->n >= SET_MAX)
			return -E2BIG;
		int l = vtg__rdata_uncompress(m, &rr, s->buf + s->used, s->cap - s->used);
		if (l < 0)
			return l;
		/* drop exact duplicates (RFC 2181 5) */
		bool dup = false;
		for (unsigned i = 0; i < s->n && !dup; i++)
			dup = s->rdl[i] == l && memcmp(s->rd[i], s->buf + s->used, (size_t)l) == 0;
		if (dup)
			continue;
		s->rd[s->n] = s->buf + s->used;
		s->rdl[s->n] = (uint16_t)l;
		s->used += (size_t)l;
		if (rr.ttl < s->ttl)
			s->ttl = rr.ttl;
		s->n++;
	}
	if (rc < 0)
		return rc;
	if (s->ttl == UINT32_MAX)
		s->ttl = 0;
	return (int)s->n;
}

/* Validation context of the zone a response came from. */
struct vctx {
	uint8_t status;               /* the zone's */
	const struct vtg_dv_keys *keys;
	struct vtg_dv_msg *dm;        /* opened lazily */
	const struct vtg_msg *m;
	bool dm_failed;
};

static struct vtg_dv_msg *vdm(struct vctx *v)
{
	if (!v->dm && !v->dm_failed) {
		v->dm = vtg__dv_msg_open(v->m);
		v->dm_failed = v->dm == NULL;
	}
	return v->dm;
}

/* Status of one RRset from the zone. */
static void validate_set(struct vtg_iter *it, struct task *t, struct vctx *v,
			 enum vtg_section sec, const uint8_t *owner, uint16_t type,
			 struct vtg_dv_res *res)
{
	memset(res, 0, sizeof(*res));
	res->ttl = UINT32_MAX;
	res->status = v->status;
	if (v->status != VTG_DNSSEC_SECURE)
		return;
	struct vtg_dv_msg *dm = vdm(v);
	if (!dm) {
		res->status = VTG_DNSSEC_BOGUS;
		res->why = "unparsable-response";
		return;
	}
	vtg__dv_rrset(dm, sec, owner, type, t->zone, v->keys, it->now, res);
	if (res->status == VTG_DNSSEC_SECURE && res->wildcard) {
		struct vtg_dv_res wr;
		unsigned labels = vtg__name_labels(res->closest);
		vtg__dv_denial(dm, VTG_DENY_WILDCARD, owner, (uint16_t)labels, t->zone, v->keys,
			       it->now, NULL, &wr);
		if (wr.status != VTG_DNSSEC_SECURE) {
			res->status = VTG_DNSSEC_BOGUS;
			res->why = "wildcard-without-proof";
		}
	}
	it->ps[t->persp].st.validated++;
	if (res->status == VTG_DNSSEC_BOGUS)
		it->ps[t->persp].st.bogus++;
}

static uint32_t neg_ttl(const struct vtg_msg *m)
{
	struct vtg_rr_iter ri;
	struct vtg_rr rr;
	vtg__rr_iter_init(&ri, m, VTG_SEC_AUTHORITY);
	while (vtg__rr_iter_next(&ri, &rr) == 1) {
		if (rr.type != VTG_TYPE_SOA || rr.rdlen < 22)
			continue;
		const uint8_t *mn = rr.rdata + rr.rdlen - 4;
		uint32_t minimum = (uint32_t)mn[0] << 24 | (uint32_t)mn[1] << 16 |
				   (uint32_t)mn[2] << 8 | mn[3];
		return rr.ttl < minimum ? rr.ttl : minimum; /* RFC 2308 5 */
	}
	return 0;
}

static bool has_soa(const struct vtg_msg *m)
{
	struct vtg_rr_iter ri;
	struct vtg_rr rr;
	vtg__rr_iter_init(&ri, m, VTG_SEC_AUTHORITY);
	while (vtg__rr_iter_next(&ri, &rr) == 1)
		if (rr.type == VTG_TYPE_SOA)
			return true;
	return false;
}

/* Server failed this question: back to step, which picks another. */
static void server_failed(struct vtg_iter *it, struct task *t, enum vtg_lookup_fail f,
			  unsigned rcode)
{
	t->last_fail = f;
	if (rcode != VTG_RCODE_NONE)
		t->last_rcode = rcode;
	if (rcode != VTG_RCODE_NONE && it->resp_srv)
		t->rcode_from = saddr_of(it->resp_srv);
	if (t->cur_srv < t->n_srv)
		t->srv[t->cur_srv].dead = 1;
	make_runnable(it, t);
}

static void on_dnskey(struct vtg_iter *it, struct task *t, const struct vtg_msg *m)
{
	struct cache *c = &it->ps[t->persp].c;
	const struct vtg_dv_keys *ds = it->anchor;
	if (t->zone[0] != 0) {
		struct centry *d = cget(it, c, t->zone, TYPE_DSKEYS);
		ds = d ? d->keys : NULL;
	}
	if (!ds) {
		make_runnable(it, t); /* step re-fetches the delegation */
		return;
	}
	struct vtg_dv_msg *dm = vtg__dv_msg_open(m);
	struct vtg_dv_keys *keys = NULL;
	struct vtg_dv_res res;
	memset(&res, 0, sizeof(res));
	if (!dm) {
		res.status = VTG_DNSSEC_BOGUS;
		res.why = "unparsable-response";
	} else {
		vtg__dv_dnskey(dm, t->zone, ds, it->now, &keys, &res);
	}
	vtg__dv_msg_close(dm);
	it->ps[t->persp].st.validated++;
	if (res.status != VTG_DNSSEC_SECURE) {
		it->ps[t->persp].st.bogus++;
		/* cache the verdict briefly (RFC 4035 4.7: bogus data is not
		 * kept long) */
		struct centry *e = cput(it, c, t->zone, TYPE_KEYS, CE_NEG, TR_AUTH,
					VTG_ITER_BOGUS_TTL, NULL, NULL, 0);
		if (e) {
			e->dnssec = VTG_DNSSEC_BOGUS;
			e->why = res.why;
		}
		vtg__dv_keys_free(keys);
		make_runnable(it, t);
		return;
	}
	struct centry *e = cput(it, c, t->zone, TYPE_KEYS, CE_POS, TR_AUTH, res.ttl, NULL, NULL,
				0);
	if (e) {
		e->keys = keys;
		e->dnssec = VTG_DNSSEC_SECURE;
		e->weak = res.weak;
	} else {
		vtg__dv_keys_free(keys);
	}
	make_runnable(it, t);
}

static void on_referral(struct vtg_iter *it, struct task *t, struct vctx *v,
			const struct vtg_msg *m, const uint8_t *child, struct rrset *s)
{
	struct cache *c = &it->ps[t->persp].c;
	struct persp_state *ps = &it->ps[t->persp];
	if (++t->referrals > it->cfg.max_referrals) {
		finish(it, t, VTG_FAIL_REFERRAL_LIMIT, NULL, v->status, NULL);
		return;
	}
	ps->st.referrals++;
	int n = gather(m, VTG_SEC_AUTHORITY, child, VTG_TYPE_NS, s);
	if (n <= 0) {
		server_failed(it, t, VTG_FAIL_MALFORMED, VTG_RCODE_NONE);
		return;
	}
	uint32_t ttl = s->ttl;
	/* the child's security: DS validated, or a signed proof of no DS */
	uint8_t status = v->status;
	const char *why = NULL;
	struct vtg_insecure_proof proof;
	bool have_proof = false;
	struct vtg_dv_keys *ds = NULL;
	struct centry *parent_ns = t->zone[0] ? zone_entry(it, t, t->zone, false) : NULL;
	if (v->status == VTG_DNSSEC_SECURE) {
		struct vtg_dv_msg *dm = vdm(v);
		struct vtg_dv_res r;
		if (!dm) {
			status = VTG_DNSSEC_BOGUS;
			why = "unparsable-response";
		} else {
			vtg__dv_referral_ds(dm, child, t->zone, v->keys, it->now, &ds, &r);
			ps->st.validated++;
			if (r.status == VTG_DNSSEC_SECURE) {
				if (vtg__dv_keys_only_unsupported(ds)) {
					/* RFC 4035 5.2: treated as insecure, but no
					 * signed proof of *no* DS: the failure
					 * exception will not apply */
					status = VTG_DNSSEC_INSECURE;
					vtg__dv_keys_free(ds);
					ds = NULL;
				} else {
					status = VTG_DNSSEC_SECURE;
					if (r.ttl < ttl)
						ttl = r.ttl;
				}
			} else if (r.status == VTG_DNSSEC_BOGUS) {
				status = VTG_DNSSEC_BOGUS;
				why = r.why;
			} else {
				memset(&proof, 0, sizeof(proof));
				struct vtg_dv_res d;
				vtg__dv_denial(dm, VTG_DENY_NO_DS, child, VTG_TYPE_DS, t->zone,
					       v->keys, it->now, &proof, &d);
				if (d.status == VTG_DNSSEC_SECURE) {
					status = VTG_DNSSEC_INSECURE;
					name_text(child, proof.zone_cut, sizeof(proof.zone_cut));
					have_proof = true;
				} else {
					status = VTG_DNSSEC_BOGUS;
					why = d.why ? d.why : "no-ds-proof";
				}
			}
		}
		if (status == VTG_DNSSEC_BOGUS)
			ps->st.bogus++;
	} else if (v->status == VTG_DNSSEC_INSECURE && parent_ns && parent_ns->proof) {
		proof = *parent_ns->proof; /* the cut above already proved it */
		have_proof = true;
	}
	struct centry *e = cput(it, c, child, TYPE_CUT, CE_POS, TR_REFERRAL, ttl, s->rd, s->rdl,
				(unsigned)n);
	if (!e) {
		vtg__dv_keys_free(ds);
		finish(it, t, VTG_FAIL_LOCAL, NULL, status, NULL);
		return;
	}
	e->dnssec = status;
	e->why = why;
	if (have_proof) {
		e->proof = vtg__malloc(sizeof(*e->proof));
		if (e->proof)
			*e->proof = proof;
	}
	if (ds) {
		struct centry *d = cput(it, c, child, TYPE_DSKEYS, CE_POS, TR_AUTH, ttl, NULL, NULL,
					0);
		if (d) {
			d->keys = ds;
			d->dnssec = VTG_DNSSEC_SECURE;
		} else {
			vtg__dv_keys_free(ds);
		}
	}
	/* glue: addresses of the NS names, accepted only below the zone asked */
	uint8_t nsnames[8][VTG_DNS_MAX_NAME];
	unsigned nn = 0;
	for (unsigned i = 0; i < e->n && nn < 8; i++)
		memcpy(nsnames[nn++], centry_rdata(e, i), vtg__name_len(centry_rdata(e, i)));
	for (unsigned i = 0; i < nn; i++) {
		if (!vtg__name_is_sub(nsnames[i], t->zone))
			continue;
		int g = gather(m, VTG_SEC_ADDITIONAL, nsnames[i], VTG_TYPE_A, s);
		if (g > 0)
			cput(it, c, nsnames[i], VTG_TYPE_A, CE_POS, TR_GLUE, s->ttl, s->rd, s->rdl,
			     (unsigned)g);
	}
	t->have_zone = false;
	make_runnable(it, t);
}

/* Cache every in-bailiwick RRset of the answer section (validated). Returns
 * false when the response is unusable. */
static bool cache_answer(struct vtg_iter *it, struct task *t, struct vctx *v,
			 const struct vtg_msg *m, struct rrset *s)
{
	struct cache *c = &it->ps[t->persp].c;
	struct vtg_rr_iter ri;
	struct vtg_rr rr;
	/* distinct (owner, type) pairs, in order */
	struct { uint8_t owner[VTG_DNS_MAX_NAME]; uint16_t type; } seen[32];
	unsigned ns = 0;
	uint8_t dname_owner[VTG_DNS_MAX_NAME];
	bool have_dname = false;
	vtg__rr_iter_init(&ri, m, VTG_SEC_ANSWER);
	int rc;
	while ((rc = vtg__rr_iter_next(&ri, &rr)) == 1) {
		if (rr.type == VTG_TYPE_RRSIG || rr.rclass != VTG_CLASS_IN)
			continue;
		if (!vtg__name_is_sub(rr.owner, t->zone))
			continue; /* out of bailiwick: never trusted (RFC 2181 5.4.1) */
		if (rr.type == VTG_TYPE_DNAME && !have_dname) {
			memcpy(dname_owner, rr.owner, vtg__name_len(rr.owner));
			have_dname = true;
		}
		bool dup = false;
		for (unsigned i = 0; i < ns && !dup; i++)
			dup = seen[i].type == rr.type && name_eq(seen[i].owner, rr.owner);
		if (!dup && ns < 32) {
			memcpy(seen[ns].owner, rr.owner, vtg__name_len(rr.owner));
			seen[ns].type = rr.type;
			ns++;
		}
	}
	if (rc < 0)
		return false;
	for (unsigned i = 0; i < ns; i++) {
		/* the CNAME synthesised from a DNAME is unsigned: we synthesise
		 * it ourselves from the DNAME (RFC 6672 5.3.1) */
		if (seen[i].type == VTG_TYPE_CNAME && have_dname &&
		    vtg__name_is_sub(seen[i].owner, dname_owner) &&
		    !name_eq(seen[i].owner, dname_owner))
			continue;
		int n = gather(m, VTG_SEC_ANSWER, seen[i].owner, seen[i].type, s);
		if (n < 0)
			return false;
		if (n == 0)
			continue;
		/* an alias is a singleton: two different CNAME (or DNAME)
		 * records at one owner make the answer invalid (RFC 2181 10.1,
		 * RFC 6672 2.4) */
		if (n > 1 && (seen[i].type == VTG_TYPE_CNAME || seen[i].type == VTG_TYPE_DNAME))
			return false;
		struct vtg_dv_res res;
		validate_set(it, t, v, VTG_SEC_ANSWER, seen[i].owner, seen[i].type, &res);
		uint32_t ttl = s->ttl < res.ttl ? s->ttl : res.ttl;
		if (res.status == VTG_DNSSEC_BOGUS)
			ttl = ttl < VTG_ITER_BOGUS_TTL ? ttl : VTG_ITER_BOGUS_TTL;
		struct centry *e = cput(it, c, seen[i].owner, seen[i].type, CE_POS, TR_AUTH, ttl,
					s->rd, s->rdl, (unsigned)n);
		if (e) {
			e->dnssec = res.status;
			e->why = res.why;
			e->weak = res.weak;
			e->rcode = VTG_RCODE_NOERROR;
		}
	}
	return true;
}

static void on_negative(struct vtg_iter *it, struct task *t, struct vctx *v,
			const struct vtg_msg *m, bool nx)
{
	struct cache *c = &it->ps[t->persp].c;
	struct vtg_dv_res res;
	memset(&res, 0, sizeof(res));
	res.status = v->status;
	if (v->status == VTG_DNSSEC_SECURE) {
		struct vtg_dv_msg *dm = vdm(v);
		if (!dm) {
			res.status = VTG_DNSSEC_BOGUS;
			res.why = "unparsable-response";
		} else {
			vtg__dv_denial(dm, nx ? VTG_DENY_NXDOMAIN : VTG_DENY_NODATA, t->qn, t->qt,
				       t->zone, v->keys, it->now, NULL, &res);
		}
		it->ps[t->persp].st.validated++;
		if (res.status == VTG_DNSSEC_BOGUS)
			it->ps[t->persp].st.bogus++;
	}
	uint32_t ttl = neg_ttl(m);
	if (res.status == VTG_DNSSEC_BOGUS && ttl > VTG_ITER_BOGUS_TTL)
		ttl = VTG_ITER_BOGUS_TTL;
	struct centry *e = cput(it, c, t->qn, nx ? TYPE_NXNAME : t->qt, CE_NEG, TR_AUTH, ttl,
				NULL, NULL, 0);
	t->last_rcode = nx ? VTG_RCODE_NXDOMAIN : VTG_RCODE_NOERROR;
	if (e) {
		e->dnssec = res.status;
		e->why = res.why;
		e->rcode = (uint8_t)t->last_rcode;
		make_runnable(it, t); /* step finds it in the cache */
	} else {
		finish(it, t, VTG_FAIL_NONE, NULL, res.status, res.why);
	}
}

/* One task reads one response to its question t->qn / t->qt from t->zone. */
static void on_response(struct vtg_iter *it, struct task *t, enum vtg_lookup_fail fail,
			const struct vtg_msg *m, unsigned tries, double latency_ms,
			struct rrset *s)
{
	t->q_tries += tries;
	t->latency_ms += latency_ms;
	if (fail != VTG_FAIL_NONE) {
		server_failed(it, t, fail, VTG_RCODE_NONE);
		return;
	}
	unsigned rcode = vtg__msg_rcode(m);
	if (rcode != VTG_RCODE_NOERROR && rcode != VTG_RCODE_NXDOMAIN) {
		enum vtg_lookup_fail f = vtg__rcode_fail(rcode);
		t->last_rcode = rcode;
		t->rcode_from = saddr_of(it->resp_srv);
		/* once more at the same server (BR 3.2.2.8 wants a retry), then
		 * the next one */
		if (t->rcode_retry == 0 && t->cur_srv < t->n_srv) {
			t->rcode_retry = 1;
			t->last_fail = f;
			t->state = T_RUN;
			send_query(it, t);
			return;
		}
		server_failed(it, t, f, rcode);
		return;
	}
	if (t->step == STEP_DNSKEY) {
		on_dnskey(it, t, m);
		return;
	}
	struct cache *c = &it->ps[t->persp].c;
	struct vctx v = {.m = m, .status = VTG_DNSSEC_INDETERMINATE};
	struct zinfo z;
	find_zone(it, t, &z);
	v.status = z.dnssec;
	if (v.status == VTG_DNSSEC_SECURE) {
		struct centry *k = cget(it, c, t->zone, TYPE_KEYS);
		if (!k || !k->keys) {
			make_runnable(it, t); /* keys evicted meanwhile: fetch again */
			return;
		}
		v.keys = k->keys;
	}
	/* what kind of answer is it? */
	bool answer = false, dname_above = false;
	struct vtg_rr_iter ri;
	struct vtg_rr rr;
	vtg__rr_iter_init(&ri, m, VTG_SEC_ANSWER);
	while (vtg__rr_iter_next(&ri, &rr) == 1) {
		if (name_eq(rr.owner, t->qn) && (rr.type == t->qt || rr.type == VTG_TYPE_CNAME))
			answer = true;
		if (rr.type == VTG_TYPE_DNAME && vtg__name_is_sub(t->qn, rr.owner) &&
		    !name_eq(t->qn, rr.owner))
			dname_above = true;
	}
	bool aa = (m->flags & VTG_FLAG_AA) != 0;
	it->resp_auth = answer || dname_above || aa || has_soa(m);
	if (answer || dname_above) {
		if (!cache_answer(it, t, &v, m, s)) {
			server_failed(it, t, VTG_FAIL_MALFORMED, VTG_RCODE_NONE);
		} else {
			/* progress check: the cache now answers or redirects */
			uint8_t lo[VTG_DNS_MAX_NAME];
			lname(lo, t->cur);
			bool ok = cget(it, c, lo, t->qtype) || cget(it, c, lo, VTG_TYPE_CNAME);
			for (const uint8_t *a = vtg__name_parent(lo); !ok && a[0];
			     a = vtg__name_parent(a))
				ok = cget(it, c, a, VTG_TYPE_DNAME) != NULL;
			if (ok)
				make_runnable(it, t);
			else
				server_failed(it, t, VTG_FAIL_MALFORMED, VTG_RCODE_NONE);
		}
		vtg__dv_msg_close(v.dm);
		return;
	}
	if (rcode == VTG_RCODE_NXDOMAIN) {
		if (aa || has_soa(m))
			on_negative(it, t, &v, m, true);
		else
			server_failed(it, t, VTG_FAIL_REFUSED, rcode); /* lame */
		vtg__dv_msg_close(v.dm);
		return;
	}
	/* NOERROR without an answer: a referral, no data, or a lame server */
	if (!aa) {
		const uint8_t *child = NULL;
		vtg__rr_iter_init(&ri, m, VTG_SEC_AUTHORITY);
		uint8_t cn[VTG_DNS_MAX_NAME];
		while (vtg__rr_iter_next(&ri, &rr) == 1) {
			if (rr.type != VTG_TYPE_NS)
				continue;
			if (vtg__name_is_sub(rr.owner, t->zone) && !name_eq(rr.owner, t->zone) &&
			    vtg__name_is_sub(t->qn, rr.owner) &&
			    !(t->qt == VTG_TYPE_DS && name_eq(t->qn, rr.owner))) {
				memcpy(cn, rr.owner, vtg__name_len(rr.owner));
				child = cn;
			}
			break;
		}
		if (child) {
			on_referral(it, t, &v, m, child, s);
			vtg__dv_msg_close(v.dm);
			return;
		}
	}
	if (aa || has_soa(m)) {
		on_negative(it, t, &v, m, false);
	} else {
		server_failed(it, t, VTG_FAIL_REFUSED, rcode); /* lame: upward or no referral */
	}
	vtg__dv_msg_close(v.dm);
}

static void drain(struct vtg_iter *it)
{
	if (it->draining)
		return;
	it->draining = true;
	for (;;) {
		struct task *t = q_pop(it, &it->run_head, &it->run_tail);
		if (!t)
			break;
		if (t->state != T_RUN)
			continue;
		it->epoch++;
		step(it, t);
		if (it->run_head == NIL && it->inflight == 0 && it->sq_head == NIL) {
			/* nothing will release a task: fail one starved lookup */
			struct task *st = q_pop(it, &it->starved_head, &it->starved_tail);
			if (st && st->state == T_STARVED)
				finish(it, st, VTG_FAIL_LOCAL, NULL, VTG_DNSSEC_INDETERMINATE, NULL);
		}
	}
	it->draining = false;
}

void vtg__iter_response(struct vtg_iter *it, uint64_t token, enum vtg_lookup_fail fail,
			const struct vtg_msg *msg, unsigned tries, double latency_ms)
{
	uint32_t idx = (uint32_t)token;
	if (idx >= it->n_tasks)
		return;
	struct task *t = &it->t[idx];
	if ((t->gen & 0x7fffffffu) != (uint32_t)(token >> 32) || t->state != T_WAIT_Q)
		return;
	clock_tick(it);
	it->epoch++;
	struct rrset *s = it->scratch;
	if (!s) {
		fail = VTG_FAIL_LOCAL;
		msg = NULL;
	}
	it->inflight--;
	coal_del(it, t->coal_key);
	t->coal_owner = false;
	uint32_t w = t->coal_next;
	t->coal_next = NIL;
	/* the probe's outcome is known once this response is read */
	bool probe = t->probe_owner;
	uint32_t pw = t->probe_waiters;
	unsigned persp = t->persp;
	uint8_t plabel[VTG_DNS_MAX_NAME];
	if (probe) {
		coal_del(it, t->probe_key);
		t->probe_owner = false;
		t->probe_waiters = NIL;
		memcpy(plabel, t->probe_label, vtg__name_len(t->probe_label));
	}
	it->resp_auth = false;
	struct srv srv = t->srv[t->cur_srv];
	srtt_update(it, t->persp, &srv, fail, latency_ms / (tries ? tries : 1));
	t->state = T_RUN;
	/* what the response teaches is stamped with its server (cput, finish) */
	const struct srv *outer = it->resp_srv; /* a transport may answer from send */
	it->resp_srv = fail == VTG_FAIL_NONE ? &srv : NULL;
	on_response(it, t, fail, msg, tries, latency_ms, s);
	it->resp_srv = outer;
	bool owner_auth = it->resp_auth && fail == VTG_FAIL_NONE;
	/* the waiters: the owner has cached what the answer taught (one parse,
	 * one validation), so they step again; a failed server is failed for
	 * them too */
	unsigned rc = msg ? vtg__msg_rcode(msg) : VTG_RCODE_NONE;
	bool bad = fail != VTG_FAIL_NONE ||
		   (rc != VTG_RCODE_NOERROR && rc != VTG_RCODE_NXDOMAIN);
	while (w != NIL) {
		struct task *wt = &it->t[w];
		w = wt->coal_next;
		wt->coal_next = NIL;
		if (wt->state != T_WAIT_COAL)
			continue;
		if (bad) {
			for (unsigned i = 0; i < wt->n_srv; i++)
				if (memcmp(wt->srv[i].addr, srv.addr, 16) == 0 &&
				    wt->srv[i].port == srv.port)
					wt->srv[i].dead = 1;
			wt->last_fail = fail != VTG_FAIL_NONE ? fail : vtg__rcode_fail(rc);
			if (rc != VTG_RCODE_NONE) {
				wt->last_rcode = rc;
				wt->rcode_from = saddr_of(&srv);
			}
		}
		wt->q_tries += tries;
		make_runnable(it, wt);
	}
	if (probe) {
		if (owner_auth) /* no cut at the label: later queries need not wait */
			cput(it, &it->ps[persp].c, plabel, TYPE_NOCUT, CE_POS, TR_AUTH, 3600, NULL,
			     NULL, 0);
		while (pw != NIL) {
			struct task *wt = &it->t[pw];
			pw = wt->cut_next;
			wt->cut_next = NIL;
			if (wt->state == T_WAIT_CUT)
				make_runnable(it, wt);
		}
	}
	drain(it);
}

void vtg__iter_poll(struct vtg_iter *it)
{
	clock_tick(it);
	/* queued sends first, in order, until the transport is full again */
	uint32_t n = 0, lim = it->n_tasks;
	while (it->sq_head != NIL && n++ < lim) {
		struct task *t = q_pop(it, &it->sq_head, &it->sq_tail);
		if (t->state != T_SENDQ)
			continue;
		t->state = T_RUN;
		send_query(it, t);
		if (t->state == T_SENDQ)
			break; /* still full: it went back on the queue */
	}
	drain(it);
}

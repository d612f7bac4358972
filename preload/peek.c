/*
 * Peek: what a TCP stream says about itself, from the bytes the program
 * already sends and receives (preload/README.md, "Peek"). At connect or
 * accept a TCP socket takes a state from a fixed pool (PEEK_SLOTS; when
 * all are taken, a socket goes unlooked at); its sends and receives feed
 * the sniff.h parsers until they have nothing more to learn
 * (sl_sniff_done), then the state goes back to the pool. What the
 * parsers say becomes records (wire.h): SL_REC_SNIFF when a direction's
 * protocol is known, SL_REC_TLS once a handshake has said all it can (or
 * at close or exit), SL_REC_HTTP per request and response.
 *
 * The parsers want a socket's chunks one at a time; two threads on one
 * socket (one sending, one receiving) take turns with a try-lock: the
 * loser does not wait but leaves its byte count, and the parser is told
 * those bytes went by unseen (sl_sniff_skip). A close while another
 * thread feeds leaves the state for that thread to end. No allocation,
 * no lock that waits, no system call but the clock.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "peek.h"
#include "peek_int.h"

/* Sockets looked at at once, per process: 4.5 KiB each, mapped once and
 * touched only as used. */
#define PEEK_SLOTS 256
/* How long a close waits for a feeding thread before leaving it the
 * work: a feed is a parse of one chunk's head. */
#define SPIN_MAX 1000

/* A spinning thread's hint to the CPU. */
#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield")
#else
#define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

static struct sl_peek_slot *pool;
/*
 * Which slots are taken, a bit each, in one cache line: a socket takes
 * the lowest free one, so a program with few connections at a time
 * keeps reusing the same few slots, warm in cache, instead of a new
 * 4.5 KiB one per connection (a rotating start cost connect+accept
 * ~0.7 us of cache and TLB misses over the 1 MiB pool: perf, micro's
 * connect+accept). The slot's own `used` stays what a feed checks.
 */
static uint32_t taken[PEEK_SLOTS / 32];

/* The pool, mapped at the first TCP connection (not at init: most
 * programs traced never make one). */
static struct sl_peek_slot *pool_get(void)
{
	struct sl_peek_slot *p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);
	void *m;

	if (sl_likely(p))
		return p;
	m = mmap(NULL, PEEK_SLOTS * sizeof(struct sl_peek_slot),
		 PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (!__atomic_compare_exchange_n(&pool, &p, m, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		munmap(m, PEEK_SLOTS * sizeof(struct sl_peek_slot));
		return p;
	}
	return m;
}

static bool try_lock(struct sl_peek_slot *sl)
{
	return !__atomic_exchange_n(&sl->lock, 1, __ATOMIC_ACQUIRE);
}

static void unlock(struct sl_peek_slot *sl)
{
	__atomic_store_n(&sl->lock, 0, __ATOMIC_RELEASE);
}

static bool spin_lock(struct sl_peek_slot *sl)
{
	for (int i = 0; i < SPIN_MAX; i++) {
		if (try_lock(sl))
			return true;
		cpu_relax();
	}
	return false;
}

/* ---- Records ---- */

static void emit_sniff(struct sl_peek_slot *sl, enum sl_sniff_dir dir,
		       unsigned int proto, unsigned int role)
{
	struct sl_rec_sniff *r = sl_rec_begin(sizeof(*r), SL_REC_SNIFF,
					      sl->now);

	sl->sniff_sent = true;
	if (!r)
		return;
	r->inode = sl->inode;
	r->off = sl->off[dir];
	r->fd = sl->fd;
	r->dir = (uint8_t)dir;
	r->proto = (uint8_t)proto;
	r->role = (uint8_t)role;
	r->flags = 0;
	sl_rec_done(sl->now);
}

static void emit_tls(struct sl_peek_slot *sl, uint32_t why, uint64_t ts)
{
	const struct sl_tls *t = &sl->s.u.tls;
	const struct sl_tls_info *i = &t->info;
	struct sl_rec_tls *r;

	if (sl->tls_sent || sl->s.proto != SL_PROTO_TLS)
		return;
	sl->tls_sent = true;
	r = sl_rec_begin(sizeof(*r), SL_REC_TLS, ts);
	if (!r)
		return;
	memset((char *)r + sizeof(r->h), 0, sizeof(*r) - sizeof(r->h));
	r->inode = sl->inode;
	r->fd = sl->fd;
	r->ch_ns = sl->tls_ns[TLS_CH];
	r->sh_ns = sl->tls_ns[TLS_SH];
	memcpy(r->enc_ns, &sl->tls_ns[TLS_ENC], sizeof(r->enc_ns));
	memcpy(r->app_ns, &sl->tls_ns[TLS_APP], sizeof(r->app_ns));
	r->answer_ns = sl->tls_ns[TLS_ANSWER];
	r->flags = i->flags | why;
	r->ch_version = i->ch_version;
	r->ch_max_version = i->ch_max_version;
	r->version = i->version;
	r->cipher = i->cipher;
	r->ch_versions = i->ch_versions;
	r->alpn_offered = i->alpn_offered;
	r->alpn_n = i->alpn_n > SL_TLS_ALPN_N ? SL_TLS_ALPN_N : i->alpn_n;
	if (r->alpn_n > r->alpn_offered)
		r->alpn_offered = r->alpn_n;
	r->client_dir = t->client_dir < 0 ? 255 : (uint8_t)t->client_dir;
	r->alert_level = i->alert_level;
	r->alert_desc = i->alert_desc;
	memcpy(r->sni, i->sni, sizeof(r->sni));
	r->sni[sizeof(r->sni) - 1] = '\0';
	memcpy(r->alpn, i->alpn, sizeof(r->alpn));
	for (unsigned int k = 0; k < SL_TLS_ALPN_N; k++)
		r->alpn[k][SL_TLS_ALPN_MAX] = '\0';
	memcpy(r->alpn_chosen, i->alpn_chosen, sizeof(r->alpn_chosen));
	r->alpn_chosen[SL_TLS_ALPN_MAX] = '\0';
	sl_rec_done(ts);
}

/* One exchange: P its request (NULL when not kept), the response so far,
 * WHY the preload's flag when it ends unfinished. */
/* ---- Events ---- */

static void on_proto(struct sl_peek_slot *sl, const struct sl_sniff_ev *ev)
{
	emit_sniff(sl, ev->dir, ev->proto, ev->role);
	if (ev->proto == SL_PROTO_HTTP1)
		sl->req_dir = (int8_t)(ev->role == SL_ROLE_SERVER ? !ev->dir :
								     ev->dir);
}

/* Any event but HTTP's message events; not inlined into on_event(),
 * whose common case then saves and restores no registers. */
static __attribute__((noinline)) void on_other(struct sl_peek_slot *sl,
					       const struct sl_sniff_ev *ev)
{
	uint64_t *t = sl->tls_ns;

	switch (ev->type) {
	case SL_EV_PROTO:
		on_proto(sl, ev);
		break;
	case SL_EV_TLS_CLIENT_HELLO:
		t[TLS_CH] = t[TLS_CH] ? t[TLS_CH] : sl->now;
		break;
	case SL_EV_TLS_SERVER_HELLO:
		t[TLS_SH] = sl->now;
		break;
	case SL_EV_TLS_ENCRYPTED:
		t[TLS_ENC + ev->dir] = sl->now;
		break;
	case SL_EV_TLS_APPDATA:
		t[TLS_APP + ev->dir] = sl->now;
		break;
	case SL_EV_TLS_ANSWER:
		t[TLS_ANSWER] = sl->now;
		break;
	default:
		break;
	}
}

/* An event of SL's parser. HTTP's message events straight on: on a
 * keep-alive connection nearly all events are theirs (six a request). */
static void on_event(void *ctx, const struct sl_sniff_ev *ev)
{
	if (ev->type >= SL_EV_HTTP_BEGIN && ev->type <= SL_EV_HTTP_TUNNEL)
		sl__peek_http(ctx, ev);
	else
		on_other(ctx, ev);
}

/* ---- A socket's state ---- */

/* Everything still untold, WHY the flag that says when. */
static void flush(struct sl_peek_slot *sl, uint32_t tls_why, uint32_t http_why,
		  uint64_t ts)
{
	if (sl->s.proto == SL_PROTO_TLS)
		emit_tls(sl, tls_why, ts);
	if (sl->s.proto != SL_PROTO_HTTP1)
		return;
	sl__peek_http_flush(sl, http_why, ts);
}

/* Back to the pool; the caller holds the lock and lets it go after. */
static void slot_free(struct sl_peek_slot *sl)
{
	uint32_t i = (uint32_t)(sl - __atomic_load_n(&pool, __ATOMIC_RELAXED));

	__atomic_store_n(&sl->inode, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sl->used, 0, __ATOMIC_RELEASE);
	__atomic_and_fetch(&taken[i / 32], ~(1u << (i % 32)),
			   __ATOMIC_RELEASE);
}

/* The lowest free slot's index, now taken, or -1 when all are. */
static int slot_take(void)
{
	for (uint32_t w = 0; w < PEEK_SLOTS / 32; w++) {
		uint32_t v = __atomic_load_n(&taken[w], __ATOMIC_RELAXED);

		while (v != ~0u) {
			uint32_t bit = 1u << __builtin_ctz(~v);

			if (__atomic_compare_exchange_n(&taken[w], &v, v | bit,
							true, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				return (int)(w * 32 + __builtin_ctz(bit));
		}
	}
	return -1;
}

static void slot_init(struct sl_peek_slot *sl, struct sl_fd *e, int fd)
{
	memset(sl->off, 0, offsetof(struct sl_peek_slot, s) -
			   offsetof(struct sl_peek_slot, off));
	sl->pid = sl_pid;
	sl->fd = fd;
	sl->req_dir = -1;
	sl_sniff_init(&sl->s, sl->hs_buf, sizeof(sl->hs_buf));
	__atomic_store_n(&sl->inode, sl_fd_inode(e), __ATOMIC_RELAXED);
	__atomic_store_n(&sl->dead, 0, __ATOMIC_RELAXED);
}

/* A state for E, if one is free. */
static void peek_attach(struct sl_fd *e, int fd)
{
	struct sl_peek_slot *p = pool_get();
	int i;

	if (!p || (i = slot_take()) < 0)
		return;
	/* The bit is ours alone; slot_free cleared `used` before it. */
	__atomic_store_n(&p[i].used, 1, __ATOMIC_RELAXED);
	/* A thread holding a stale fd's way to it lets go soon. */
	if (!spin_lock(&p[i])) {
		__atomic_store_n(&p[i].used, 0, __ATOMIC_RELEASE);
		__atomic_and_fetch(&taken[i / 32], ~(1u << (i % 32)),
				   __ATOMIC_RELEASE);
		return;
	}
	slot_init(&p[i], e, fd);
	unlock(&p[i]);
	SL_STORE(e->peek_slot, (uint16_t)i);
	sl_fd_set(e, SL_FD_PEEK);
}

void sl_wf_attach(struct sl_fd *e, int fd)
{
	if (sl_cfg.tcp_info) {
		SL_STORE(e->born_ms, (uint32_t)(sl_now_ns() / 1000000));
		sl_fd_set(e, SL_FD_TCP);
	}
	if (sl_cfg.peek && !(sl_fd_flags(e) & SL_FD_PEEK))
		peek_attach(e, fd);
}

/* E's state, locked, or NULL (none, another's, busy: then N bytes of
 * DIR are left for the holder to skip). */
static struct sl_peek_slot *slot_of(struct sl_fd *e, int dir, size_t n)
{
	struct sl_peek_slot *p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);
	struct sl_peek_slot *sl;

	if (!p)
		return NULL;
	sl = &p[SL_LOAD(e->peek_slot) % PEEK_SLOTS];
	if (!try_lock(sl)) {
		if (dir >= 0 && n)
			__atomic_add_fetch(&sl->missed[dir], n,
					   __ATOMIC_RELAXED);
		return NULL;
	}
	if (!__atomic_load_n(&sl->used, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&sl->inode, __ATOMIC_RELAXED) != sl_fd_inode(e)) {
		/* Another socket's now: this fd is not looked at any more. */
		unlock(sl);
		sl_fd_clear(e, SL_FD_PEEK);
		return NULL;
	}
	/* A fork child that talks on a socket its parent accepted (a
	 * forking server) goes on from where the parent was, in its copy. */
	sl->pid = sl_pid;
	return sl;
}

/* After a feed: done, or closed meanwhile by another thread. */
static void feed_end(struct sl_peek_slot *sl, struct sl_fd *e)
{
	bool done = sl_sniff_done(&sl->s);

	if (done && !sl->sniff_sent && sl->s.proto == SL_PROTO_UNKNOWN)
		emit_sniff(sl, SL_SNIFF_OUT, SL_PROTO_UNKNOWN, 0);
	if (done || __atomic_load_n(&sl->dead, __ATOMIC_SEQ_CST)) {
		flush(sl, done ? SL_TLS_F_DONE : SL_TLS_F_CLOSED,
		      SL_HTTP_F_CLOSED, sl->now);
		if (e && done)
			sl_fd_clear(e, SL_FD_PEEK);
		slot_free(sl);
	}
	unlock(sl);
	/* A close that came while we held it, and could not wait. */
	if (__atomic_load_n(&sl->dead, __ATOMIC_SEQ_CST) &&
	    __atomic_load_n(&sl->used, __ATOMIC_ACQUIRE) && try_lock(sl)) {
		if (sl->used && sl->dead) {
			flush(sl, SL_TLS_F_CLOSED, SL_HTTP_F_CLOSED,
			      sl_now_ns());
			slot_free(sl);
		}
		unlock(sl);
	}
}

/* What went by unfed; a plain load first, as a locked exchange costs
 * tens of cycles and there is nothing to take on almost every call. */
static void catch_up(struct sl_peek_slot *sl)
{
	for (int d = 0; d < 2; d++) {
		uint64_t m;

		if (!__atomic_load_n(&sl->missed[d], __ATOMIC_RELAXED))
			continue;
		m = __atomic_exchange_n(&sl->missed[d], 0, __ATOMIC_RELAXED);
		if (m) {
			sl_sniff_skip(&sl->s, (enum sl_sniff_dir)d, m,
				      on_event, sl);
			sl->off[d] += m;
		}
	}
}

void sl_peek_feed(struct sl_fd *e, int fd, bool rx, const void *buf,
		  size_t n)
{
	struct iovec v = { .iov_base = (void *)buf, .iov_len = n };

	sl_peek_feed_iov(e, fd, rx, &v, 1, n);
}

/* The start of a feed or a skip: FD's slot for the direction (NULL when
 * it is not peeked), stamped with the call's moment and caught up. */
static struct sl_peek_slot *feed_begin(struct sl_fd *e, int fd,
				       enum sl_sniff_dir dir, uint64_t n)
{
	struct sl_peek_slot *sl = slot_of(e, dir, n);

	if (!sl)
		return NULL;
	sl->fd = fd;
	sl->now = sl_now_ns();
	catch_up(sl);
	return sl;
}

void sl_peek_feed_iov(struct sl_fd *e, int fd, bool rx,
		      const struct iovec *iov, size_t cnt, size_t n)
{
	int saved = errno;
	enum sl_sniff_dir dir = rx ? SL_SNIFF_IN : SL_SNIFF_OUT;
	struct sl_peek_slot *sl = feed_begin(e, fd, dir, n);

	if (!sl)
		return;
	if (!n) {
		/* End of stream: a body that runs to the close ends. */
		if (rx)
			sl_sniff_eof(&sl->s, dir, on_event, sl);
	}
	for (size_t i = 0; i < cnt && n && !sl_sniff_done(&sl->s); i++) {
		size_t len = iov[i].iov_len < n ? iov[i].iov_len : n;

		sl_sniff_feed(&sl->s, dir, iov[i].iov_base, len, on_event, sl);
		sl->off[dir] += len;
		n -= len;
	}
	feed_end(sl, e);
	errno = saved;
}

void sl_peek_skip(struct sl_fd *e, int fd, bool rx, uint64_t n)
{
	int saved = errno;
	enum sl_sniff_dir dir = rx ? SL_SNIFF_IN : SL_SNIFF_OUT;
	struct sl_peek_slot *sl = feed_begin(e, fd, dir, n);

	if (!sl)
		return;
	sl_sniff_skip(&sl->s, dir, n, on_event, sl);
	sl->off[dir] += n;
	feed_end(sl, e);
	errno = saved;
}

void sl_peek_close(struct sl_fd *e, int fd)
{
	struct sl_peek_slot *p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);
	struct sl_peek_slot *sl;
	int saved = errno;

	if (!p || !sl_fd_clear(e, SL_FD_PEEK))
		return;
	sl = &p[SL_LOAD(e->peek_slot) % PEEK_SLOTS];
	if (__atomic_load_n(&sl->inode, __ATOMIC_RELAXED) != sl_fd_inode(e))
		return;
	__atomic_store_n(&sl->dead, 1, __ATOMIC_SEQ_CST);
	if (!spin_lock(sl))
		return;		/* the feeding thread ends it */
	/* A fork child's copy it never talked on: the parent's to tell. */
	if (sl->used && sl->inode == sl_fd_inode(e)) {
		sl->fd = fd;
		if (sl->pid == sl_pid)
			flush(sl, SL_TLS_F_CLOSED, SL_HTTP_F_CLOSED,
			      sl_now_ns());
		slot_free(sl);
	}
	unlock(sl);
	errno = saved;
}

/* At exit: what each state still holds, told; nothing is freed. */
void sl_peek_exit(void)
{
	struct sl_peek_slot *p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);
	uint64_t now = sl_now_ns();

	if (!p)
		return;
	for (int i = 0; i < PEEK_SLOTS; i++) {
		struct sl_peek_slot *sl = &p[i];

		if (!__atomic_load_n(&sl->used, __ATOMIC_ACQUIRE) ||
		    sl->pid != sl_pid || !try_lock(sl))
			continue;
		if (sl->used)
			flush(sl, SL_TLS_F_EXIT, SL_HTTP_F_EXIT, now);
		unlock(sl);
	}
}

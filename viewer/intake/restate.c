/*
 * What a part of a rotated trace restates (trace_rotate.c): for each
 * connection still open when a new part starts, its SL_REC_CONN, the
 * hello of its current image, that image's module map, its policy and
 * the aliases it gave (SL_CALL_ALIAS: which kernel inode a socket name
 * of its own stands for), as they were written, so that a reader
 * starting at that part (the parts before it rotated away) knows who
 * the process is, can name its callers, and sees a socket it passed to
 * another process as one socket, not as its name here and its inode
 * there. Kept only while rotating, one copy per connection: memory
 * follows the connections open, not the length of the run.
 */
#include <stdlib.h>
#include <string.h>

#include "intake/intake.h"
#include "lib/lib.h"

/* A process that loads more objects than this has the rest unnamed in a
 * part it does not start in. */
#define SAID_MODULES_MAX 1024
/* Aliases kept for a process: a socket passed beyond this many is seen
 * as two in a part it does not start in (under an image, the same as
 * unrotated: an alias is given once per socket). */
#define SAID_ALIASES_MAX 4096

struct sl_said {
	struct sl_rec_conn conn;
	bool has_hello, has_policy;
	struct sl_rec_hello hello;
	struct sl_rec_policy_info policy;
	struct sl_rec_module *mods;
	uint32_t nmods, cap;
	struct sl_rec_call *aliases;
	uint32_t naliases, acap;
};

static struct sl_said *said_of(struct sl_said **sp)
{
	if (!*sp)
		*sp = sl_xcalloc(1, sizeof(**sp));
	return *sp;
}

void sl_said_conn(struct sl_said **sp, const struct sl_rec_conn *rc)
{
	said_of(sp)->conn = *rc;
}

static void add_module(struct sl_said *s, const struct sl_rec_module *m)
{
	if (s->nmods == SAID_MODULES_MAX)
		return;
	if (s->nmods == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->mods = sl_xrealloc(s->mods, s->cap * sizeof(*s->mods));
	}
	s->mods[s->nmods++] = *m;
}

/* An alias is a fact about the socket, not the image: an exec keeps
 * it. The same name given twice (each exec aliases what it keeps) is
 * kept once, the latest. */
static void add_alias(struct sl_said *s, const struct sl_rec_call *c)
{
	for (uint32_t i = 0; i < s->naliases; i++) {
		if (s->aliases[i].inode == c->inode) {
			s->aliases[i] = *c;
			return;
		}
	}
	if (s->naliases == SAID_ALIASES_MAX)
		return;
	if (s->naliases == s->acap) {
		s->acap = s->acap ? s->acap * 2 : 8;
		s->aliases = sl_xrealloc(s->aliases,
					 s->acap * sizeof(*s->aliases));
	}
	s->aliases[s->naliases++] = *c;
}

/* The records of a batch that was kept (checked: sizes are right). */
void sl_said_note(struct sl_said **sp, const uint8_t *p, size_t len)
{
	struct sl_said *s = said_of(sp);

	for (size_t off = 0; off + sizeof(struct sl_hdr) <= len;) {
		const struct sl_hdr *h = (const struct sl_hdr *)(p + off);

		if (h->size < sizeof(*h))
			break;
		switch (h->type) {
		case SL_REC_HELLO:
			/* A new image: its own module map follows. */
			memcpy(&s->hello, h, sizeof(s->hello));
			s->has_hello = true;
			s->has_policy = false;
			s->nmods = 0;
			break;
		case SL_REC_MODULE:
			add_module(s, (const struct sl_rec_module *)h);
			break;
		case SL_REC_POLICY_INFO:
			memcpy(&s->policy, h, sizeof(s->policy));
			s->has_policy = true;
			break;
		case SL_REC_CALL:
			if (h->size == sizeof(struct sl_rec_call) &&
			    ((const struct sl_rec_call *)h)->call ==
				    SL_CALL_ALIAS)
				add_alias(s, (const struct sl_rec_call *)h);
			break;
		default:
			break;
		}
		off += h->size;
	}
}

/* Writes COUNT records of SIZE bytes from P as frames of CONN, as many
 * to a frame as a batch holds. */
static void write_batched(struct sl_writer *w, uint32_t conn, const void *p,
			  size_t size, uint32_t count)
{
	size_t per = SL_BATCH_MAX / size;

	for (uint32_t i = 0; i < count; i += (uint32_t)per) {
		size_t k = count - i < per ? count - i : per;

		sl_writer_frame(w, conn, (const char *)p + i * size, k * size);
	}
}

/* Writes what S restates as frames of connection CONN. */
void sl_said_write(const struct sl_said *s, struct sl_writer *w,
		   uint32_t conn)
{
	if (!s || !s->has_hello)
		return;
	sl_writer_frame(w, conn, &s->conn, sizeof(s->conn));
	sl_writer_frame(w, conn, &s->hello, sizeof(s->hello));
	write_batched(w, conn, s->mods, sizeof(*s->mods), s->nmods);
	if (s->has_policy)
		sl_writer_frame(w, conn, &s->policy, sizeof(s->policy));
	write_batched(w, conn, s->aliases, sizeof(*s->aliases), s->naliases);
}

void sl_said_free(struct sl_said *s)
{
	if (s) {
		free(s->mods);
		free(s->aliases);
	}
	free(s);
}

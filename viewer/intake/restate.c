/*
 * What a part of a rotated trace restates (trace_rotate.c): for each
 * connection still open when a new part starts, its SL_REC_CONN, the
 * hello of its current image, that image's module map and its policy,
 * as they were written, so that a reader starting at that part (the
 * parts before it rotated away) knows who the process is and can name
 * its callers. Kept only while rotating, one copy per connection: memory
 * follows the connections open, not the length of the run.
 */
#include <stdlib.h>
#include <string.h>

#include "intake/intake.h"
#include "lib/lib.h"

/* A process that loads more objects than this has the rest unnamed in a
 * part it does not start in. */
#define SAID_MODULES_MAX 1024

struct sl_said {
	struct sl_rec_conn conn;
	bool has_hello, has_policy;
	struct sl_rec_hello hello;
	struct sl_rec_policy_info policy;
	struct sl_rec_module *mods;
	uint32_t nmods, cap;
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
		default:
			break;
		}
		off += h->size;
	}
}

/* Writes what S restates as frames of connection CONN. */
void sl_said_write(const struct sl_said *s, struct sl_writer *w,
		   uint32_t conn)
{
	uint8_t batch[SL_BATCH_MAX];
	size_t n = 0;

	if (!s || !s->has_hello)
		return;
	sl_writer_frame(w, conn, &s->conn, sizeof(s->conn));
	sl_writer_frame(w, conn, &s->hello, sizeof(s->hello));
	for (uint32_t i = 0; i < s->nmods; i++) {
		if (n + sizeof(s->mods[i]) > sizeof(batch)) {
			sl_writer_frame(w, conn, batch, n);
			n = 0;
		}
		memcpy(batch + n, &s->mods[i], sizeof(s->mods[i]));
		n += sizeof(s->mods[i]);
	}
	if (n)
		sl_writer_frame(w, conn, batch, n);
	if (s->has_policy)
		sl_writer_frame(w, conn, &s->policy, sizeof(s->policy));
}

void sl_said_free(struct sl_said *s)
{
	if (s)
		free(s->mods);
	free(s);
}

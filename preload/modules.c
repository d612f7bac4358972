/*
 * The module map: where each loaded object's code sits, so that the
 * viewer can name a caller from its address (preload/README.md,
 * "Callers and the module map"). Sent after
 * a connection's hello, and again whenever the loader has loaded more
 * (a dlopen): the loader counts its loads (dlpi_adds), and one early-exit
 * dl_iterate_phdr per explicit flush (before the program blocks, forks,
 * execs or exits; never inside a record, which a signal handler may make)
 * reads the count.
 */
#include <link.h>
#include <string.h>

#include "preload.h"

/* dlpi_adds when the map was last sent. */
static unsigned long long sent_adds;

struct msg {
	uint64_t buf[2400 / sizeof(uint64_t)];	/* a few records a message */
	uint32_t len;
	uint64_t ts;
	int (*send)(const void *, size_t);
	int err;
};

static int read_adds(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(unsigned long long *)data = info->dlpi_adds;
	return 1;	/* the first object tells: stop there */
}

static unsigned long long loads(void)
{
	unsigned long long adds = 0;

	dl_iterate_phdr(read_adds, &adds);
	return adds;
}

bool sl_modules_changed(void)
{
	return loads() != __atomic_load_n(&sent_adds, __ATOMIC_RELAXED);
}

static int put(struct dl_phdr_info *info, size_t size, void *data)
{
	struct msg *mm = data;
	struct sl_rec_module m;
	uint64_t lo = UINT64_MAX, hi = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		lo = a < lo ? a : lo;
		hi = a + ph->p_memsz > hi ? a + ph->p_memsz : hi;
	}
	if (!hi)
		return 0;
	memset(&m, 0, sizeof(m));
	sl_fill_hdr(&m.h, sizeof(m), SL_REC_MODULE, mm->ts);
	m.base = info->dlpi_addr;
	m.start = lo;
	m.end = hi;
	strncpy(m.path, info->dlpi_name ? info->dlpi_name : "",
		sizeof(m.path) - 1);
	if (mm->len + sizeof(m) > sizeof(mm->buf)) {
		mm->err = mm->send(mm->buf, mm->len);
		mm->len = 0;
	}
	memcpy((char *)mm->buf + mm->len, &m, sizeof(m));
	mm->len += sizeof(m);
	return mm->err ? 1 : 0;
}

/*
 * Sends the whole map through SEND. Concurrent flushers may both send it:
 * the viewer keeps each module once.
 */
int sl_modules_send(int (*send)(const void *, size_t), uint64_t ts)
{
	struct msg mm = { .len = 0, .ts = ts, .send = send, .err = 0 };

	__atomic_store_n(&sent_adds, loads(), __ATOMIC_RELAXED);
	dl_iterate_phdr(put, &mm);
	if (!mm.err && mm.len)
		mm.err = send(mm.buf, mm.len);
	return mm.err;
}

/*
 * export -f epoll: one JSON object per epoll instance, with its watches
 * and what its waits did (socklens-export(5)).
 */
#include <stdbool.h>
#include <sys/epoll.h>

#include "out/out.h"

static void export_watch_events(FILE *f, uint32_t ev)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ EPOLLIN, "IN" }, { EPOLLOUT, "OUT" }, { EPOLLRDHUP, "RDHUP" },
		{ EPOLLPRI, "PRI" }, { EPOLLERR, "ERR" }, { EPOLLHUP, "HUP" },
		{ EPOLLET, "ET" }, { EPOLLONESHOT, "ONESHOT" },
		{ EPOLLEXCLUSIVE, "EXCLUSIVE" },
	};
	bool first = true;

	fputc('"', f);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(ev & names[i].bit))
			continue;
		fprintf(f, "%s%s", first ? "" : "|", names[i].name);
		first = false;
	}
	fputc('"', f);
}

void sl_json_epoll(FILE *f, const struct sl_epoll *ep)
{
	fprintf(f, "{\"id\":%u,\"pid\":%u,\"fd\":%d,\"start_ns\":%llu",
		ep->id, ep->creator_pid, ep->fd,
		(unsigned long long)ep->start_ns);
	sl_json_u64_or_null(f, "end_ns", ep->closed ? ep->end_ns : 0);
	fprintf(f, ",\"waits\":%llu,\"events\":%llu,\"blocked_ns\":%llu,"
		"\"idle_polls\":%llu,\"watches\":[",
		(unsigned long long)ep->waits_total,
		(unsigned long long)ep->events_total,
		(unsigned long long)ep->blocked_ns,
		(unsigned long long)ep->idle_polls);
	for (uint32_t i = 0; i < ep->nwatches; i++) {
		const struct sl_watch *w = &ep->watches[i];

		fprintf(f, "%s{\"fd\":%d,\"socket\":", i ? "," : "", w->fd);
		if (w->s)
			fprintf(f, "%u", w->s->id);
		else
			fputs("null", f);
		fputs(",\"events\":", f);
		export_watch_events(f, w->events);
		fprintf(f, ",\"mods\":%llu,\"added_ns\":%llu",
			(unsigned long long)w->mods,
			(unsigned long long)w->added_ns);
		sl_json_u64_or_null(f, "removed_ns", w->removed_ns);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

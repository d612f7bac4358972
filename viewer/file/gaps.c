/*
 * What a trace does not hold, in words, the same for every reader (the
 * view's summary, the exports' metadata, the audit's finding): "torn
 * tail at offset 812 (frame checksum mismatch); 159 records lost: no
 * space left on device from +12.3s; 40 records dropped by the traced
 * processes; parts 0-2 of the rotated trace are gone".
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "file/trace.h"

static void add(char *buf, size_t len, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	if (*at) {
		n = snprintf(buf + *at, len - *at, "; ");
		*at += n > 0 ? (size_t)n : 0;
		if (*at >= len)
			return;
	}
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	*at += n > 0 ? (size_t)n : 0;
}

bool sl_gaps_text(const struct sl_gaps *g, uint64_t dropped,
		  uint64_t first_ns, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	if (g->torn)
		add(buf, len, &at, "torn tail: %s", g->torn_why);
	if (g->lost) {
		char err[96];
		double from = g->lost_first_ns > first_ns && first_ns ?
			      (double)(g->lost_first_ns - first_ns) / 1e9 : 0;

		snprintf(err, sizeof(err), "%s", strerror(g->lost_err));
		err[0] = (char)tolower((unsigned char)err[0]);
		add(buf, len, &at, "%llu records lost: %s from +%.1fs",
		    (unsigned long long)g->lost, err, from);
	}
	if (dropped)
		add(buf, len, &at, "%llu records dropped by the traced "
		    "processes", (unsigned long long)dropped);
	if (g->rotated && g->first_part == 1)
		add(buf, len, &at, "part 0 of the rotated trace is gone");
	else if (g->rotated && g->first_part > 1)
		add(buf, len, &at, "parts 0-%u of the rotated trace are gone",
		    g->first_part - 1);
	if (at >= len && len > 4)
		strcpy(buf + len - 4, "...");
	return at > 0;
}

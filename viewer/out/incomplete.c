/*
 * Whether a loaded trace is incomplete, and why, in one sentence every
 * reader prints the same way (the view's summary, the exports' metadata,
 * the audit's finding): the file's gaps (file/gaps.c), the processes'
 * drops, records the model could not take.
 */
#include <string.h>

#include "out/out.h"

bool sl_model_gaps(const struct sl_model *m, char *buf, size_t len)
{
	bool any = sl_gaps_text(&m->gaps, m->dropped, m->first_ns, buf, len);
	size_t at = strlen(buf);

	if (m->bad_why[0] && at + 2 < len) {
		snprintf(buf + at, len - at, "%sbad records skipped (%s)",
			 any ? "; " : "", m->bad_why);
		any = true;
	}
	return any;
}

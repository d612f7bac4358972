/*
 * Finding libsocklens.so: where `run` loads it from and what `collect`
 * tells a user to put in LD_PRELOAD, so both say the same path.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/paths.h"

int sl_find_preload(char *buf, size_t len)
{
	const char *env = getenv("SOCKLENS_PRELOAD");
	char self[PATH_MAX], real[PATH_MAX];
	ssize_t n;
	char *dir;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return access(buf, R_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	dir = dirname(self);
	snprintf(buf, len, "%s/libsocklens.so", dir);
	if (!access(buf, R_OK))
		return 0;
	snprintf(buf, len, "%s/../lib/socklens/libsocklens.so", dir);
	if (access(buf, R_OK))
		return -ENOENT;
	/* A path a person can copy: no "..". */
	if (realpath(buf, real))
		snprintf(buf, len, "%s", real);
	return 0;
}

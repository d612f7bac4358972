/*
 * Where the preload is (paths.c), for `run` to load it and `collect` to
 * print the line a user copies. At the bottom with lib.h.
 */
#ifndef SL_PATHS_H
#define SL_PATHS_H

#include <stddef.h>

/* $SOCKLENS_PRELOAD, else libsocklens.so beside the executable, else
 * ../lib/socklens/ from it, made absolute: 0 or -errno. */
int sl_find_preload(char *buf, size_t len);

#endif

/* Fuzz harness: a file as `socklens inspect` and the symbol lookup see
 * it (viewer/elf.c, symbols.c). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("elf", 0);
	char path[64];
	struct sl_elf_info in;
	struct sl_symcache *c;
	uint64_t off;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		sl_elf_inspect(path, &in);
		sl_elf_untraceable(&in);
		sl_elf_info_free(&in);
		c = sl_symcache_new();
		sl_sym_lookup(c, path, 0x1000, &off);
		sl_symcache_free(c);
	}
	close(fd);
	return 0;
}

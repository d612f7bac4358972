/* Fuzz harness: a file as `socklens inspect` and the caller naming see
 * it (viewer/elf/: elf.c, elf_prog.c, elf_escape.c, elf_calls.c, symbols.c),
 * and its bytes as machine code to the decoders (insn.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elf/elf.h"

/* The bytes as code: x86-64 from every offset of the first 256, the
 * calls before each end, PLT stubs; arm64 words. */
static void decode(const uint8_t *data, size_t size)
{
	struct sl_insn in, calls[2];

	for (size_t i = 0; i < size && i < 256; i++) {
		sl_x86_decode(data + i, size - i, 0x1000 + i, &in);
		sl_x86_calls_before(data, i, 0x1000 + i, calls);
		sl_x86_plt_slot(data + i, size - i, 0x1000 + i);
		sl_a64_plt_slot(data + i, size - i, 0x1000 + i);
	}
	for (size_t i = 0; i + 4 <= size && i < 256; i += 4) {
		uint32_t w;

		memcpy(&w, data + i, 4);
		sl_a64_call_before(w, 0x1004 + i, &in);
		sl_a64_is_svc(w);
	}
}

/* Return addresses to ask about: fixed ones, and the file's own first
 * words (so that the fuzzer can aim them at its sections). */
static void callers(const char *path, const uint8_t *data, size_t size)
{
	struct sl_symcache *c = sl_symcache_new();
	uint64_t off, addr;

	if (!c)
		return;
	sl_sym_lookup(c, path, 0x1000, &off);
	sl_sym_tail_callee(c, path, 0x1000);
	sl_sym_tail_callee(c, path, 5);
	for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
		memcpy(&addr, data + i, 8);
		sl_sym_tail_callee(c, path, addr);
		sl_sym_is_data(c, path, addr);
	}
	sl_sym_run_name(c, path, "fuzz");
	sl_symcache_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("elf", 0);
	char path[64];
	struct sl_elf_info in;
	struct sl_escape esc;
	struct sl_risks risks;
	struct sl_prog *pg;

	decode(data, size);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (sl_elf_inspect(path, &in) == 0) {
			sl_elf_untraceable(&in);
			sl_prog_risks(&in, NULL, &risks);
		}
		sl_elf_info_free(&in);
		sl_elf_scan_syscalls(path, &esc);
		callers(path, data, size);
		pg = malloc(sizeof(*pg));
		if (pg)
			sl_prog_find(path, pg);	/* a #! line from the input */
		free(pg);
	}
	close(fd);
	return 0;
}

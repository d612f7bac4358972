/*
 * Runs a fuzz harness over files, without libFuzzer: how `make check`
 * replays the inputs that once crashed (tests/fuzz/regressions/). Exits
 * 0 when every file went through.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf = malloc(1 << 24);
		size_t n;

		if (!f || !buf) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, 1 << 24, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
	}
	printf("%d inputs replayed\n", argc - 1);
	return 0;
}

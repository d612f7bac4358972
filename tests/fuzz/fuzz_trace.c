/* Fuzz harness: a trace file, read into the model and drawn by every
 * renderer (terminal, HTML, Perfetto), and audited. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model/model.h"
#include "out/out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("trace", 0);
	char path[64];
	struct sl_model m;
	struct sl_render_opts o = { .width = 100, .callers = true };
	FILE *null = fopen("/dev/null", "w");

	if (fd < 0 || !null)
		return 0;
	if (write(fd, data, size) != (ssize_t)size)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	sl_model_init(&m);
	if (sl_model_load(&m, path) == 0) {
		sl_render_term(null, &m, &o);
		sl_render_chrome(null, &m);
		sl_render_html(null, &m);
	}
	sl_model_free(&m);
out:
	fclose(null);
	close(fd);
	return 0;
}

/* Fuzz harness: a batch as a process might send it, through the
 * collector's checks (viewer/intake/wire_check.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intake/intake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t buf[SL_BATCH_MAX / 8];
	struct sl_check st = { 0 };

	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);
	sl_wire_check_batch(&st, buf, size);
	return 0;
}

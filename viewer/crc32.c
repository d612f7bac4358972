/*
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) for trace file
 * frames: the check that tells a torn or corrupt tail from a good frame.
 * The table is built once, on first use.
 */
#include "viewer.h"

static uint32_t table[256];

static void build_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

/* Continues CRC (a previous result, 0 to start) over LEN more bytes:
 * sl_crc32_update(sl_crc32(a), b) is the CRC of a followed by b. */
uint32_t sl_crc32_update(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = crc ^ 0xFFFFFFFFu;

	if (!table[1])
		build_table();
	for (size_t i = 0; i < len; i++)
		c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

uint32_t sl_crc32(const void *buf, size_t len)
{
	return sl_crc32_update(0, buf, len);
}

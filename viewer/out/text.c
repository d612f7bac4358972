/*
 * Writing what came from a traced program for people and for machines.
 * Every string in a record is the program's (a socket path, an abstract
 * name, argv) and may hold anything: terminal output gets no control
 * bytes (so no escape sequence reaches the terminal), JSON gets valid
 * UTF-8 with every control escaped.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "out/out.h"

/* Length of the valid UTF-8 sequence at S (at most LEN bytes), 0 if
 * none. C1 controls (U+0080..U+009F) count as invalid: some terminals
 * obey them. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
	if (n > len)
		return 0;
	cp = s[0] & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < 0xA0 || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Whether sl_json_str's string reads back as exactly these bytes:
 * ASCII and whole UTF-8 characters only. */
bool sl_utf8_exact(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < len;) {
		size_t n = s[i] < 0x80 ? 1 : utf8_len(s + i, len - i);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

void sl_json_str(FILE *f, const char *str, size_t len)
{
	sl_json_write(f, str, len, false);
}

/*
 * A JSON string. For a page (HTML), '<', '>' and '&' are escaped too, so
 * that "</script>" in a socket path cannot end the script it sits in.
 */
void sl_json_write(FILE *f, const char *str, size_t len, bool html)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	for (size_t i = 0; i < len;) {
		size_t n;

		if (html && (s[i] == '<' || s[i] == '>' || s[i] == '&')) {
			fprintf(f, "\\u%04x", s[i++]);
		} else if (s[i] == '"' || s[i] == '\\') {
			fputc('\\', f);
			fputc(s[i++], f);
		} else if (s[i] >= 0x20 && s[i] < 0x7F) {
			fputc(s[i++], f);
		} else if (s[i] >= 0x80 && (n = utf8_len(s + i, len - i))) {
			fwrite(s + i, 1, n, f);
			i += n;
		} else {
			/* Controls, and bytes that are not UTF-8, as the
			 * code point of the same number. */
			fprintf(f, "\\u%04x", s[i++]);
		}
	}
	fputc('"', f);
}

/* At most MAX characters (0: no limit); control bytes as \xNN. */
/* The columns byte S[I] and what follows take on a terminal, and in *N
 * how many bytes that is: printable ASCII and a whole UTF-8 character
 * take one, any other byte four (\xNN). */
static size_t term_char(const unsigned char *s, size_t i, size_t len,
			size_t *n)
{
	*n = 1;
	if (s[i] >= 0x20 && s[i] < 0x7F)
		return 1;
	if (s[i] >= 0x80 && (*n = utf8_len(s + i, len - i)))
		return 1;
	*n = 1;
	return 4;
}

/* Writes STR for a terminal in at most MAX columns (0: no limit), a '~'
 * where it was cut; returns the columns written, so a caller can pad. */
size_t sl_term_str(FILE *f, const char *str, size_t len, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t cols = 0;

	for (size_t i = 0; i < len;) {
		size_t n, w = term_char(s, i, len, &n);

		if (max && cols + w + (i + n < len) > max) {
			fputc('~', f);
			return cols + 1;
		}
		if (w == 4)
			fprintf(f, "\\x%02x", s[i]);
		else
			fwrite(s + i, 1, n, f);
		cols += w;
		i += n;
	}
	return cols;
}

/* The columns sl_term_str would take for STR, uncut. */
size_t sl_term_cols(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t cols = 0;

	for (size_t i = 0; i < len;) {
		size_t n;

		cols += term_char(s, i, len, &n);
		i += n;
	}
	return cols;
}

static int fmt_inet(const struct sl_addr *a, char *buf, size_t len)
{
	struct sockaddr_in sin;
	char ip[INET_ADDRSTRLEN];

	if (a->len < sizeof(sin))
		return snprintf(buf, len, "inet?");
	memcpy(&sin, a->raw, sizeof(sin));
	inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
	return snprintf(buf, len, "%s:%u", ip, ntohs(sin.sin_port));
}

static int fmt_inet6(const struct sl_addr *a, char *buf, size_t len)
{
	struct sockaddr_in6 sin6;
	char ip[INET6_ADDRSTRLEN];

	if (a->len < sizeof(sin6))
		return snprintf(buf, len, "inet6?");
	memcpy(&sin6, a->raw, sizeof(sin6));
	inet_ntop(AF_INET6, &sin6.sin6_addr, ip, sizeof(ip));
	return snprintf(buf, len, "[%s]:%u", ip, ntohs(sin6.sin6_port));
}

/*
 * A UNIX address: a path, "@name" for an abstract name (NULs inside it
 * shown as '@', as ss(8) does), or "(unnamed)". The bytes are the
 * program's: callers escape them for where they go.
 */
static int fmt_unix(const struct sl_addr *a, char *buf, size_t len)
{
	size_t off = offsetof(struct sockaddr_un, sun_path);
	size_t n = a->len > off ? a->len - off : 0;
	const char *path = (const char *)a->raw + off;
	size_t out = 0;

	if (!n)
		return snprintf(buf, len, "(unnamed)");
	if (path[0] != '\0') {
		n = strnlen(path, n);
		if (n >= len)
			n = len - 1;
		memcpy(buf, path, n);
		buf[n] = '\0';
		return (int)n;
	}
	for (size_t i = 0; i < n && out + 1 < len; i++)
		buf[out++] = path[i] ? path[i] : '@';
	buf[out] = '\0';
	return (int)out;
}

/* Formats A into BUF; returns the length ("" when there is none). */
int sl_addr_format(const struct sl_addr *a, char *buf, size_t len)
{
	sa_family_t fam;

	buf[0] = '\0';
	if (a->len < sizeof(fam))
		return 0;
	memcpy(&fam, a->raw, sizeof(fam));
	switch (fam) {
	case AF_INET:
		return fmt_inet(a, buf, len);
	case AF_INET6:
		return fmt_inet6(a, buf, len);
	case AF_UNIX:
		return fmt_unix(a, buf, len);
	default:
		return snprintf(buf, len, "%s", sl_family_name(fam));
	}
}

bool sl_color_wanted(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (nc && *nc)
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(f));
}

void sl_fmt_bytes(char *buf, size_t len, uint64_t n)
{
	static const char units[] = "BKMGTP";
	double v = (double)n;
	int u = 0;

	if (n < 1024) {
		snprintf(buf, len, "%lluB", (unsigned long long)n);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

void sl_fmt_dur(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

/* ,"KEY":"address" or ,"KEY":null when there is none. */
void sl_json_addr(FILE *f, const char *key, const struct sl_addr *a)
{
	char buf[256];
	int n = sl_addr_format(a, buf, sizeof(buf));

	fprintf(f, ",\"%s\":", key);
	if (a->len)
		sl_json_str(f, buf, (size_t)n);
	else
		fputs("null", f);
}

/* ,"KEY":V, or null for 0 (not known, not yet). */
void sl_json_u64_or_null(FILE *f, const char *key, uint64_t v)
{
	if (v)
		fprintf(f, ",\"%s\":%llu", key, (unsigned long long)v);
	else
		fprintf(f, ",\"%s\":null", key);
}

void sl_json_u32_or_null(FILE *f, const char *key, uint32_t v)
{
	if (v)
		fprintf(f, ",\"%s\":%u", key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

/* An errno's name as a JSON string, or null for 0. */
void sl_json_errno(FILE *f, int err)
{
	if (err)
		fprintf(f, "\"%s\"", sl_errno_name(err));
	else
		fputs("null", f);
}

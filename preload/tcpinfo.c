/*
 * What the kernel knew of a TCP connection: getsockopt(TCP_INFO), one
 * system call, made just before the program's close of a connected (or
 * accepted) TCP socket that lived 10 ms or more or moved 64 KiB or more,
 * and at the process's exit for those still open; one SL_REC_TCPINFO
 * each (wire.h). Shorter, smaller connections are left out: for them the
 * call would cost more than the connection itself says, and their RTT is
 * in the connect's own time. SOCKLENS_NO_TCP_INFO=1 turns it off.
 */
#include <errno.h>
#include <linux/tcp.h>
#include <string.h>

#include "peek.h"

#define LIVED_MS 10u
#define MOVED_BYTES (64u * 1024)

/* Worth a system call at close: lived or moved enough. */
static bool worth_it(const struct sl_fd *e)
{
	uint32_t now_ms = (uint32_t)(sl_now_ns() / 1000000);

	return now_ms - SL_LOAD(e->born_ms) >= LIVED_MS ||
	       SL_LOAD(e->tx_bytes) + SL_LOAD(e->rx_bytes) >= MOVED_BYTES;
}

static void fill(struct sl_rec_tcpinfo *r, const struct tcp_info *ti,
		 socklen_t len)
{
	r->state = ti->tcpi_state;
	r->ca_state = ti->tcpi_ca_state;
	r->app_limited = ti->tcpi_delivery_rate_app_limited;
	r->rtt_us = ti->tcpi_rtt;
	r->rttvar_us = ti->tcpi_rttvar;
	r->min_rtt_us = ti->tcpi_min_rtt;
	r->retrans = ti->tcpi_retrans;
	r->total_retrans = ti->tcpi_total_retrans;
	r->lost = ti->tcpi_lost;
	r->snd_mss = ti->tcpi_snd_mss;
	r->rcv_mss = ti->tcpi_rcv_mss;
	r->snd_cwnd = ti->tcpi_snd_cwnd;
	r->snd_ssthresh = ti->tcpi_snd_ssthresh;
	r->reordering = ti->tcpi_reordering;
	r->rcv_space = ti->tcpi_rcv_space;
	r->segs_out = ti->tcpi_segs_out;
	r->segs_in = ti->tcpi_segs_in;
	r->data_segs_out = ti->tcpi_data_segs_out;
	r->data_segs_in = ti->tcpi_data_segs_in;
	r->len = len;
	r->snd_wnd = ti->tcpi_snd_wnd;
	r->delivery_rate = ti->tcpi_delivery_rate;
	r->pacing_rate = ti->tcpi_pacing_rate;
	r->busy_us = ti->tcpi_busy_time;
	r->rwnd_limited_us = ti->tcpi_rwnd_limited;
	r->sndbuf_limited_us = ti->tcpi_sndbuf_limited;
	r->bytes_acked = ti->tcpi_bytes_acked;
	r->bytes_received = ti->tcpi_bytes_received;
	r->bytes_sent = ti->tcpi_bytes_sent;
	r->bytes_retrans = ti->tcpi_bytes_retrans;
}

/* FD's TCP_INFO as a record. At close, once per socket (the flag is
 * taken), and only when worth it. Keeps errno. */
void sl_tcpinfo_take(struct sl_fd *e, int fd, unsigned int when)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	struct sl_rec_tcpinfo *r;
	uint64_t ts;
	int saved = errno;

	if (when == SL_TI_CLOSE &&
	    (!sl_fd_clear(e, SL_FD_TCP) || !worth_it(e)))
		return;
	/* Fields an older kernel does not fill stay 0 (len says). */
	memset(&ti, 0, sizeof(ti));
	if (SL_REAL(getsockopt)(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) {
		errno = saved;
		return;
	}
	ts = sl_now_ns();
	r = sl_rec_begin(sizeof(*r), SL_REC_TCPINFO, ts);
	if (r) {
		memset((char *)r + sizeof(r->h), 0, sizeof(*r) - sizeof(r->h));
		r->inode = sl_fd_inode(e);
		r->fd = fd;
		r->when = (uint8_t)when;
		fill(r, &ti, len > sizeof(ti) ? (socklen_t)sizeof(ti) : len);
		sl_rec_done(ts);
	}
	errno = saved;
}

/* At exit: every connected TCP socket still open. */
void sl_tcpinfo_exit(void)
{
	int high = sl_fd_high();

	for (int fd = 0; fd < high; fd++) {
		struct sl_fd *e = sl_fd_get(fd);

		if (e && (sl_fd_flags(e) & SL_FD_TCP))
			sl_tcpinfo_take(e, fd, SL_TI_EXIT);
	}
}

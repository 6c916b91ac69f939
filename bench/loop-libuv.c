/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loop overhead, libuv: each socketpair end is a uv_pipe_t stream read
 * with uv_read_start(); the reply goes out with uv_try_write(), libuv's
 * no-allocation fast path. The idle timeout is a uv_timer_t with a repeat
 * value, pushed back with uv_timer_again() on every read.
 */
#include "config.h"

#include <stdlib.h>
#include <uv.h>

#include "common.h"

struct end {
	uv_pipe_t pipe;
	uv_timer_t idle;
	int side;
	struct end *next;	/* where the byte goes on (see loop_next()) */
};

static uint64_t rts, iters;
static int with_tmo;
static char rbuf[64];

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h; (void)hint;
	*buf = uv_buf_init(rbuf, sizeof(rbuf));
}

static void on_idle(uv_timer_t *t)
{
	(void)t;
	die("unexpected idle timeout");
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct end *e = container_of(s, struct end, pipe);
	uv_buf_t out;

	if (nread == 0)
		return;
	if (nread != 1)
		die("read");
	if (with_tmo)
		uv_timer_again(&e->idle);
	if (e->side == 0 && ++rts >= iters) {
		uv_stop(s->loop);
		return;
	}
	out = uv_buf_init(buf->base, 1);
	if (uv_try_write((uv_stream_t *)&e->next->pipe, &out, 1) != 1)
		die("uv_try_write");
}

int main(int argc, char **argv)
{
	uv_loop_t *loop = uv_default_loop();
	struct loop_args a;
	struct end *ends;
	uint64_t t0;
	int *fds;
	uv_buf_t kick = uv_buf_init("x", 1);

	loop_parse(argc, argv, &a);
	iters = a.iters;
	with_tmo = a.tmo;
	fds = make_pairs(a.pairs);
	ends = calloc(2 * a.pairs, sizeof(*ends));
	if (!ends || !loop)
		die("setup");
	for (long i = 0; i < 2 * a.pairs; i++) {
		ends[i].side = i & 1;
		ends[i].next = &ends[loop_next(&a, i)];
		if (uv_pipe_init(loop, &ends[i].pipe, 0) ||
		    uv_pipe_open(&ends[i].pipe, fds[i]) ||
		    uv_read_start((uv_stream_t *)&ends[i].pipe, on_alloc, on_read))
			die("uv_pipe");
		if (a.tmo) {
			uv_timer_init(loop, &ends[i].idle);
			uv_timer_start(&ends[i].idle, on_idle,
				       LOOP_IDLE_S * 1000, LOOP_IDLE_S * 1000);
		}
	}
	for (long i = 0; i < a.active; i++)
		if (uv_try_write((uv_stream_t *)&ends[loop_kick(&a, i)].pipe,
				 &kick, 1) != 1)
			die("kick");

	t0 = now_ns();
	uv_run(loop, UV_RUN_DEFAULT);
	loop_report(&a, rts, now_ns() - t0);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Echo server, libuv: a uv_pipe_t server, a uv_pipe_t stream and a
 * uv_timer_t per connection. The reply goes out with uv_try_write(), the
 * no-allocation path (a reply this small always fits), and
 * uv_timer_again() pushes the idle timeout back on every request.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "common.h"

struct conn {
	uv_pipe_t pipe;
	uv_timer_t idle;
	int open_handles;
};

static long live, accepted, want;
static uint64_t requests;
static char buf[ECHO_BUF];

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h; (void)hint;
	*b = uv_buf_init(buf, sizeof(buf));
}

static void on_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->open_handles == 0)
		free(c);
}

static void conn_close(struct conn *c)
{
	if (uv_is_closing((uv_handle_t *)&c->pipe))
		return;
	uv_close((uv_handle_t *)&c->pipe, on_closed);
	uv_close((uv_handle_t *)&c->idle, on_closed);
	if (--live == 0 && accepted >= want)
		uv_stop(c->pipe.loop);
}

static void on_idle(uv_timer_t *t)
{
	conn_close(t->data);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct conn *c = s->data;
	uv_buf_t out;

	if (nread == 0)
		return;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	requests++;
	uv_timer_again(&c->idle);
	out = uv_buf_init(b->base, nread);
	if (uv_try_write(s, &out, 1) != nread)
		conn_close(c);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct conn *c;

	if (status < 0)
		return;
	c = malloc(sizeof(*c));
	if (!c)
		die("malloc");
	uv_pipe_init(server->loop, &c->pipe, 0);
	uv_timer_init(server->loop, &c->idle);
	c->pipe.data = c->idle.data = c;
	c->open_handles = 2;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) ||
	    uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read))
		die("uv_accept");
	uv_timer_start(&c->idle, on_idle, IDLE_TIMEOUT_S * 1000,
		       IDLE_TIMEOUT_S * 1000);
	live++;
	accepted++;
}

int main(int argc, char **argv)
{
	uv_loop_t *loop = uv_default_loop();
	struct echo_args a;
	uv_pipe_t server;

	echo_parse(argc, argv, &a);
	want = a.clients;
	unlink(a.path);
	if (uv_pipe_init(loop, &server, 0) || uv_pipe_bind(&server, a.path) ||
	    uv_listen((uv_stream_t *)&server, 4096, on_connection))
		die("uv_listen");
	uv_run(loop, UV_RUN_DEFAULT);
	echo_report(requests);
	return 0;
}

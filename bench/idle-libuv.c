/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Idle-connections server, libuv (see idle_setup()): a uv_poll_t and a
 * repeating uv_timer_t per connection; uv_timer_again() pushes the idle
 * timeout back on every read, and the repeat re-arms it when it expires.
 */
#include "config.h"

#include <stdlib.h>
#include <uv.h>

#include "common.h"

struct conn {
	uv_poll_t poll;
	uv_timer_t idle;
};

static struct idle_args a;
static int done;

static void on_read(uv_poll_t *p, int status, int events)
{
	struct conn *c = container_of(p, struct conn, poll);

	(void)status; (void)events;
	idle_read(&a, a.fds[c - (struct conn *)p->data]);
	uv_timer_again(&c->idle);
}

static void on_idle(uv_timer_t *t)
{
	(void)t;
	a.timeouts++;
}

static void on_phase(uv_timer_t *t)
{
	if (done++) {
		idle_report(&a);
		uv_stop(t->loop);
		return;
	}
	idle_start(&a);
	uv_timer_start(t, on_phase, (uint64_t)a.secs * 1000, 0);
}

int main(int argc, char **argv)
{
	uv_loop_t *loop = uv_default_loop();
	uv_timer_t phase;
	struct conn *c;

	idle_setup(argc, argv, &a);
	c = calloc(a.conns, sizeof(*c));
	if (!c || !loop)
		die("setup");
	for (long i = 0; i < a.conns; i++) {
		uv_poll_init(loop, &c[i].poll, a.fds[i]);
		c[i].poll.data = c;
		uv_poll_start(&c[i].poll, UV_READABLE, on_read);
		uv_timer_init(loop, &c[i].idle);
		uv_timer_start(&c[i].idle, on_idle, a.first_ms[i],
			       IDLE_TIMEOUT_S * 1000);
	}
	idle_added(&a, sizeof(*c));
	uv_timer_init(loop, &phase);
	uv_timer_start(&phase, on_phase, IDLE_WARMUP_S * 1000, 0);
	while (done < 2) {
		uv_run(loop, UV_RUN_ONCE);
		a.wakeups++;
	}
	free(c);
	return 0;
}

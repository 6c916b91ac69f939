/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the cmocka unit tests; see unit-test.h. */
#include "config.h"

#include <fcntl.h>
#include <string.h>

#include "unit-test.h"

struct probe *probe_log[256];
int probe_log_len;

int probe_callback(struct event *evt, uint32_t events)
{
	struct probe *p = (struct probe *)evt;

	clock_gettime(CLOCK_MONOTONIC, &p->fired);
	p->calls++;
	if (evt->reason == REASON_TIMEOUT)
		p->timeouts++;
	p->last_events = events;
	p->order = probe_log_len;
	if (probe_log_len < (int)(sizeof(probe_log) / sizeof(probe_log[0])))
		probe_log[probe_log_len++] = p;
	if (p->action)
		p->action(p);
	return p->result;
}

void probe_cleanup(struct event *evt)
{
	((struct probe *)evt)->cleanups++;
}

void probe_init(struct probe *p, int fd, uint32_t events)
{
	memset(p, 0, sizeof(*p));
	p->evt = (struct event)EVENT_ON_STACK(probe_callback, fd, events);
	p->evt.cleanup = probe_cleanup;
	p->order = -1;
}

bool ts_not_before(const struct timespec *t, const struct timespec *ref)
{
	return t->tv_sec > ref->tv_sec ||
	       (t->tv_sec == ref->tv_sec && t->tv_nsec >= ref->tv_nsec);
}

void make_pipe(int fds[2])
{
	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
}

void write_byte(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

void wait_once(struct dispatcher *dsp)
{
	assert_int_equal(event_wait(dsp, NULL), 0);
}

struct dispatcher *monotonic_dispatcher(void)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);

	assert_non_null(dsp);
	probe_log_len = 0;
	wrap_reset();
	return dsp;
}

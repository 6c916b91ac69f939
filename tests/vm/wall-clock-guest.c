/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The /init of tests/vm/wall-clock.sh's virtual machine: sets the guest's
 * wall clock with clock_settime(2) while minivent timeouts are pending,
 * and checks when they fire. Relative timeouts measure elapsed time
 * (CLOCK_MONOTONIC here) on every dispatcher clock; TMO_ABS deadlines of
 * a CLOCK_REALTIME dispatcher stay at their wall-clock time.
 *
 * It prints "vm-test: ok|not ok NAME ..." for each case and a last line
 * "vm-test: done FAILED-COUNT", then powers the machine off. Under TCG on
 * a loaded machine time runs unevenly: upper bounds are wide, lower
 * bounds (never early) are exact.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "event.h"

#define MS 1000000LL
#define SEC (1000 * MS)
#define HOUR (3600 * SEC)
/* However slow the emulation, a timeout is not this late. */
#define LATE (8 * SEC)

static int failures;

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	return (struct timespec){ .tv_sec = ns / SEC, .tv_nsec = ns % SEC };
}

static void step_wall_clock(int64_t delta)
{
	struct timespec ts = ns_ts(now_ns(CLOCK_REALTIME) + delta);

	if (clock_settime(CLOCK_REALTIME, &ts) < 0)
		printf("vm-test: clock_settime: %s\n", strerror(errno));
}

static void report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("vm-test: %s %s: ", ok ? "ok" : "not ok", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	failures += !ok;
}

struct probe {
	struct event evt;
	int64_t fired;		/* CLOCK_MONOTONIC */
	int64_t fired_wall;
};

static int on_timeout(struct event *evt, uint32_t events)
{
	struct probe *p = (struct probe *)evt;

	(void)events;
	p->fired = now_ns(CLOCK_MONOTONIC);
	p->fired_wall = now_ns(CLOCK_REALTIME);
	return EVENTCB_REMOVE;
}

/*
 * Run @dsp until @p fires or @limit of elapsed time has passed (poll(2)
 * on the dispatcher's descriptor, as an embedding program would).
 */
static bool run_until_fired(struct dispatcher *dsp, struct probe *p,
			    int64_t limit)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + limit;
	struct pollfd pfd = { .fd = dispatcher_get_efd(dsp), .events = POLLIN };

	while (!p->fired) {
		int64_t left = end - now_ns(CLOCK_MONOTONIC);
		int r;

		if (left <= 0)
			return false;
		if (poll(&pfd, 1, (int)(left / MS) + 1) <= 0)
			continue;
		r = event_wait(dsp, NULL);
		if (r < 0) {
			printf("vm-test: event_wait: %s\n", strerror(-r));
			return false;
		}
	}
	return true;
}

static void arm(struct dispatcher *dsp, struct probe *p, unsigned short flags,
		int64_t tmo)
{
	int r;

	*p = (struct probe){ .evt = TIMER_EVENT_ON_STACK(on_timeout, 0) };
	p->evt.flags = flags;
	p->evt.tmo = ns_ts(tmo);
	r = event_add(dsp, &p->evt);
	if (r < 0)
		printf("vm-test: event_add: %s\n", strerror(-r));
}

/* A relative timeout of @delay, then a step of @step: elapsed time counts. */
static void relative_across_step(clockid_t clock, const char *name,
				 int64_t delay, int64_t step)
{
	struct dispatcher *dsp = new_dispatcher(clock);
	struct probe p;
	int64_t start;
	bool fired;

	if (!dsp) {
		report(false, name, "new_dispatcher: %s", strerror(errno));
		return;
	}
	start = now_ns(CLOCK_MONOTONIC);
	arm(dsp, &p, 0, delay);
	step_wall_clock(step);
	fired = run_until_fired(dsp, &p, delay + LATE);
	report(fired && p.fired - start >= delay, name,
	       "%s after %.3f s, asked for %.3f s",
	       fired ? "fired" : "not fired", (double)(p.fired - start) / SEC,
	       (double)delay / SEC);
	free_dispatcher(dsp);
}

/* CLOCK_REALTIME TMO_ABS deadline "wall clock + @ahead", then a @step. */
static void absolute_across_step(const char *name, int64_t ahead,
				 int64_t step, bool due_soon)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_REALTIME);
	struct probe p;
	int64_t deadline, start;
	bool fired;

	if (!dsp) {
		report(false, name, "new_dispatcher: %s", strerror(errno));
		return;
	}
	deadline = now_ns(CLOCK_REALTIME) + ahead;
	arm(dsp, &p, TMO_ABS, deadline);
	step_wall_clock(step);
	start = now_ns(CLOCK_MONOTONIC);
	if (due_soon) {
		int64_t left = deadline - now_ns(CLOCK_REALTIME);

		fired = run_until_fired(dsp, &p, (left > 0 ? left : 0) + LATE);
		report(fired && p.fired_wall >= deadline, name,
		       "%s %.3f s after the step, %.3f s %s its deadline",
		       fired ? "fired" : "not fired",
		       (double)(p.fired - start) / SEC,
		       (double)(p.fired_wall - deadline) / SEC,
		       p.fired_wall >= deadline ? "after" : "BEFORE");
	} else {
		/* Put off by the step: must not fire in the next 2 s. */
		fired = run_until_fired(dsp, &p, 2 * SEC);
		report(!fired, name, "%s",
		       fired ? "fired, though its deadline is an hour away"
			     : "still waiting, as it should");
	}
	free_dispatcher(dsp);
}

/*
 * An idle CLOCK_REALTIME dispatcher (no timeout armed) is told about a
 * setting of the clock too: a TMO_ABS deadline added after a step is at
 * its wall-clock time, not an hour off.
 */
static void absolute_after_idle_step(const char *name, int64_t step)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_REALTIME);
	struct probe p;
	int64_t deadline, start;
	bool fired;

	if (!dsp) {
		report(false, name, "new_dispatcher: %s", strerror(errno));
		return;
	}
	step_wall_clock(step);
	start = now_ns(CLOCK_MONOTONIC);
	deadline = now_ns(CLOCK_REALTIME) + SEC / 2;
	arm(dsp, &p, TMO_ABS, deadline);
	fired = run_until_fired(dsp, &p, SEC / 2 + LATE);
	report(fired && p.fired_wall >= deadline, name,
	       "%s after %.3f s, %.3f s %s its deadline",
	       fired ? "fired" : "not fired", (double)(p.fired - start) / SEC,
	       (double)(p.fired_wall - deadline) / SEC,
	       p.fired_wall >= deadline ? "after" : "BEFORE");
	free_dispatcher(dsp);
}

/*
 * A periodic timer of a CLOCK_REALTIME dispatcher while the clock is set
 * forward and back: its ticks stay on their grid of elapsed time.
 */
struct ticker {
	struct event evt;
	int64_t fired[10];
	int count;
};

static int on_tick(struct event *evt, uint32_t events)
{
	struct ticker *t = (struct ticker *)evt;

	(void)events;
	t->fired[t->count++] = now_ns(CLOCK_MONOTONIC);
	if (t->count == 3)
		step_wall_clock(HOUR);
	if (t->count == 6)
		step_wall_clock(-HOUR);
	if (t->count == 10)
		return EVENTCB_REMOVE;
	event_mod_timeout_periodic(evt, &(struct timespec){ .tv_nsec = 100 * MS });
	return EVENTCB_CONTINUE;
}

static void periodic_across_steps(const char *name)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_REALTIME);
	struct ticker t = { .evt = TIMER_EVENT_ON_STACK(on_tick, 100000) };
	int64_t start, end;
	bool ok = true;

	if (!dsp) {
		report(false, name, "new_dispatcher: %s", strerror(errno));
		return;
	}
	start = now_ns(CLOCK_MONOTONIC);
	if (event_add(dsp, &t.evt) < 0)
		ok = false;
	end = start + 10 * 100 * MS + LATE;
	while (ok && t.count < 10 && now_ns(CLOCK_MONOTONIC) < end) {
		struct pollfd pfd = { .fd = dispatcher_get_efd(dsp), .events = POLLIN };

		if (poll(&pfd, 1, 1000) > 0 && event_wait(dsp, NULL) < 0)
			ok = false;
	}
	for (int k = 0; k < t.count; k++)
		ok = ok && t.fired[k] >= start + (k + 1) * 100 * MS;
	report(ok && t.count == 10, name, "%d ticks in %.3f s, none early: %s",
	       t.count, (double)(now_ns(CLOCK_MONOTONIC) - start) / SEC,
	       ok ? "yes" : "NO");
	free_dispatcher(dsp);
}

static void setup_console(void)
{
	int fd;

	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
}

int main(void)
{
	if (getpid() == 1)
		setup_console();
	printf("vm-test: start\n");
	relative_across_step(CLOCK_REALTIME, "realtime-relative-forward",
			     2 * SEC, HOUR);
	relative_across_step(CLOCK_REALTIME, "realtime-relative-backward",
			     1 * SEC, -HOUR);
	relative_across_step(CLOCK_MONOTONIC, "monotonic-relative-forward",
			     1 * SEC / 2, HOUR);
	relative_across_step(CLOCK_BOOTTIME, "boottime-relative-backward",
			     1 * SEC / 2, -HOUR);
	absolute_across_step("realtime-absolute-forward", HOUR + SEC, HOUR,
			     true);
	absolute_across_step("realtime-absolute-passed", HOUR / 2, HOUR, true);
	absolute_across_step("realtime-absolute-backward", SEC, -HOUR, false);
	absolute_after_idle_step("realtime-absolute-after-idle-forward", HOUR);
	absolute_after_idle_step("realtime-absolute-after-idle-backward", -HOUR);
	periodic_across_steps("realtime-periodic-steps");
	printf("vm-test: done %d\n", failures);
	fflush(stdout);
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return failures != 0;
}

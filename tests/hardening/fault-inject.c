/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fault injection: every scenario is run with its 1st, 2nd, 3rd... system
 * call or allocation failing (fault-wrap.c), until a run makes no
 * injectable call any more. Each time the call under test must fail
 * cleanly (a negative errno, the one injected, or NULL with errno) or
 * succeed when the failure is harmless; no event may be lost, called
 * twice or leaked (valgrind and ASan see the leaks), and once the fault
 * clears the dispatcher must work: what was pending is delivered exactly
 * once and a new timer fires.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "fault-wrap.h"

#define NEV 40			/* more than the initial 32 slots: realloc */

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s: %s:%d: %s (fault %s, errno %d)\n", \
				sc_name, __FILE__, __LINE__, #cond,	\
				fault_where ? fault_where : "-", fault_errno); \
			exit(1);					\
		}							\
	} while (0)

static const char *sc_name;

/* The test's own reads must not take the library's faults. */
ssize_t __real_read(int fd, void *buf, size_t n);

struct ctx {
	struct dispatcher *dsp;
	int pfd[2];
	struct event ev[NEV];
	int calls[NEV];
	int cleanups[NEV];
	int expect[NEV];	/* callbacks each event must get in the end */
};

static struct ctx C;

static int on_event(struct event *evt, uint32_t events)
{
	int i = (int)(evt - C.ev);
	char buf[64];

	C.calls[i]++;
	if (evt->fd >= 0)
		(void)!__real_read(evt->fd, buf, sizeof(buf));
	return EVENTCB_REMOVE;
}

static void on_cleanup(struct event *evt)
{
	C.cleanups[evt - C.ev]++;
}

static struct timespec past(void)
{
	return (struct timespec){ 0, 1 };	/* TMO_ABS: long ago */
}

static struct timespec far(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += 3600;
	return ts;
}

static void make_timer(int i, struct timespec tmo)
{
	C.ev[i] = (struct event){ .fd = -1, .flags = TMO_ABS, .tmo = tmo,
				  .callback = on_event, .cleanup = on_cleanup };
}

static void make_reader(int i)
{
	C.ev[i] = (struct event){ .fd = C.pfd[0], .ep.events = EPOLLIN,
				  .callback = on_event, .cleanup = on_cleanup };
}

static void setup(void)
{
	memset(&C, 0, sizeof(C));
	CHECK(pipe2(C.pfd, O_NONBLOCK | O_CLOEXEC) == 0);
	C.dsp = new_dispatcher(CLOCK_MONOTONIC);
	CHECK(C.dsp);
}

static bool pending(void)
{
	for (int i = 0; i < NEV; i++)
		if (C.calls[i] < C.expect[i])
			return true;
	return false;
}

static int on_guard(struct event *evt, uint32_t events)
{
	return EVENTCB_REMOVE;
}

/*
 * After the fault: run waits until every expected callback came (a due
 * guard timer keeps a wait from blocking), then check that a new timer
 * added now fires once.
 */
static void recover_and_check(void)
{
	static struct event guard;
	const int probe = NEV - 1;	/* kept free by every scenario */

	for (int n = 0; n < 10 && pending(); n++) {
		if (!guard.dsp) {
			guard = (struct event){ .fd = -1, .flags = TMO_ABS,
						.tmo = past(), .callback = on_guard };
			CHECK(event_add(C.dsp, &guard) == 0);
		}
		CHECK(event_wait(C.dsp, NULL) == 0);
	}
	for (int i = 0; i < NEV; i++)
		CHECK(C.calls[i] == C.expect[i]);

	CHECK(C.ev[probe].dsp == NULL);
	make_timer(probe, past());
	CHECK(event_add(C.dsp, &C.ev[probe]) == 0);
	for (int n = 0; n < 5 && !C.calls[probe]; n++)
		CHECK(event_wait(C.dsp, NULL) == 0);
	CHECK(C.calls[probe] == 1);
}

static void teardown(void)
{
	free_dispatcher(C.dsp);
	for (int i = 0; i < NEV; i++)
		CHECK(C.ev[i].dsp == NULL);
	close(C.pfd[0]);
	close(C.pfd[1]);
}

/* An event_add() under test: on failure the event must be untouched. */
static void check_add(int i, int r)
{
	if (r == 0) {
		CHECK(C.ev[i].dsp == C.dsp);
		return;
	}
	CHECK(r == -fault_errno);
	CHECK(C.ev[i].dsp == NULL);
	CHECK(event_remove(&C.ev[i]) == -EINVAL);
	/* The fault is gone: the same event can be added now. */
	CHECK(event_add(C.dsp, &C.ev[i]) == 0);
}

/* ---- scenarios: each returns after the armed part ---- */

static void sc_new_dispatcher(long nth)
{
	struct dispatcher *dsp;

	memset(&C, 0, sizeof(C));
	CHECK(pipe2(C.pfd, O_NONBLOCK | O_CLOEXEC) == 0);
	fault_arm(nth);
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (fault_disarm() && !dsp) {
		CHECK(errno == fault_errno);
		dsp = new_dispatcher(CLOCK_MONOTONIC);
	}
	CHECK(dsp);
	C.dsp = dsp;
}

static void sc_add_fd(long nth)
{
	setup();
	make_reader(0);
	fault_arm(nth);
	check_add(0, event_add(C.dsp, &C.ev[0]));
	fault_disarm();
	CHECK(write(C.pfd[1], "x", 1) == 1);
	C.expect[0] = 1;
}

static void sc_add_timer(long nth)
{
	setup();
	make_timer(0, past());
	fault_arm(nth);
	check_add(0, event_add(C.dsp, &C.ev[0]));
	fault_disarm();
	C.expect[0] = 1;
}

static void sc_add_relative(long nth)
{
	setup();
	make_timer(0, (struct timespec){ 0, 1 });
	C.ev[0].flags = 0;
	fault_arm(nth);
	check_add(0, event_add(C.dsp, &C.ev[0]));
	fault_disarm();
	C.expect[0] = 1;
}

static void sc_add_fd_tmo(long nth)
{
	setup();
	make_reader(0);
	C.ev[0].flags = TMO_ABS;
	C.ev[0].tmo = past();
	fault_arm(nth);
	check_add(0, event_add(C.dsp, &C.ev[0]));
	fault_disarm();
	C.expect[0] = 1;	/* the timeout; the callback removes it */
}

/* Many events: the slot table and the heap grow (realloc) on the way. */
static void sc_add_many(long nth)
{
	setup();
	for (int i = 0; i < NEV - 1; i++) {
		make_timer(i, i % 2 ? past() : far());
		C.expect[i] = i % 2;
	}
	fault_arm(nth);
	for (int i = 0; i < NEV - 1; i++) {
		int r = event_add(C.dsp, &C.ev[i]);

		if (r < 0) {
			fault_disarm();
			check_add(i, r);
		}
	}
	fault_disarm();
}

static void sc_modify(long nth)
{
	int r;

	setup();
	make_reader(0);
	CHECK(event_add(C.dsp, &C.ev[0]) == 0);
	C.ev[0].ep.events = EPOLLIN | EPOLLONESHOT;
	fault_arm(nth);
	r = event_modify(&C.ev[0]);
	if (fault_disarm() && r) {
		CHECK(r == -fault_errno);
		CHECK(C.ev[0].dsp == C.dsp);
		CHECK(event_modify(&C.ev[0]) == 0);
	}
	/* Emptied (an EPOLL_CTL_MOD) and on again, each under fault once more. */
	C.ev[0].ep.events = 0;
	fault_arm(nth);
	r = event_modify(&C.ev[0]);
	if (fault_disarm() && r) {
		CHECK(r == -fault_errno);
		CHECK(event_modify(&C.ev[0]) == 0);
	}
	C.ev[0].ep.events = EPOLLIN;
	fault_arm(nth);
	r = event_modify(&C.ev[0]);
	if (fault_disarm() && r) {
		CHECK(r == -fault_errno);
		CHECK(event_modify(&C.ev[0]) == 0);
	}
	CHECK(write(C.pfd[1], "x", 1) == 1);
	C.expect[0] = 1;
}

static void sc_mod_timeout(long nth, bool earlier)
{
	struct timespec from = earlier ? far() : past();
	struct timespec to = earlier ? past() : far();
	int r;

	setup();
	make_timer(0, from);
	CHECK(event_add(C.dsp, &C.ev[0]) == 0);
	fault_arm(nth);
	r = event_mod_timeout(&C.ev[0], &to);
	if (fault_disarm() && r) {
		CHECK(r == -fault_errno);
		CHECK(C.ev[0].dsp == C.dsp);
		CHECK(event_mod_timeout(&C.ev[0], &to) == 0);
	}
	C.expect[0] = earlier;
}

static void sc_mod_timeout_earlier(long nth)
{
	sc_mod_timeout(nth, true);
}

static void sc_mod_timeout_later(long nth)
{
	sc_mod_timeout(nth, false);
}

static void sc_wait(long nth)
{
	int r;

	setup();
	make_reader(0);
	make_timer(1, past());
	make_timer(2, past());
	make_timer(3, far());
	for (int i = 0; i < 4; i++)
		CHECK(event_add(C.dsp, &C.ev[i]) == 0);
	CHECK(write(C.pfd[1], "x", 1) == 1);
	C.expect[0] = C.expect[1] = C.expect[2] = 1;
	fault_arm(nth);
	r = event_wait(C.dsp, NULL);
	if (fault_disarm() && r)
		CHECK(r == -fault_errno);
	else
		CHECK(r == 0);
}

/* A callback that adds one timer and moves another one earlier. */
static int on_busy(struct event *evt, uint32_t events)
{
	struct timespec ts = past();
	char buf[64];
	int r;

	C.calls[evt - C.ev]++;
	(void)!__real_read(evt->fd, buf, sizeof(buf));
	r = event_add(C.dsp, &C.ev[5]);
	if (r == 0)
		C.expect[5] = 1;
	else
		CHECK(r == -fault_errno && C.ev[5].dsp == NULL);
	r = event_mod_timeout(&C.ev[6], &ts);
	if (r == 0)
		C.expect[6] = 1;
	else
		CHECK(r == -fault_errno && C.ev[6].dsp == C.dsp);
	return EVENTCB_REMOVE;
}

static void sc_wait_callbacks(long nth)
{
	int r;

	setup();
	make_reader(0);
	C.ev[0].callback = on_busy;
	make_timer(5, past());
	make_timer(6, far());
	/* Fill the table so that the callback's event_add() must grow it. */
	for (int i = 7; i < 7 + 30; i++)
		make_timer(i, far());
	CHECK(event_add(C.dsp, &C.ev[0]) == 0);
	CHECK(event_add(C.dsp, &C.ev[6]) == 0);
	for (int i = 7; i < 7 + 30; i++)
		CHECK(event_add(C.dsp, &C.ev[i]) == 0);
	CHECK(write(C.pfd[1], "x", 1) == 1);
	C.expect[0] = 1;
	fault_arm(nth);
	r = event_wait(C.dsp, NULL);
	if (fault_disarm() && r)
		CHECK(r == -fault_errno);
	else
		CHECK(r == 0);
}

static void sc_cleanup(long nth)
{
	int r;

	setup();
	make_reader(0);
	make_timer(1, past());
	make_timer(2, far());
	for (int i = 0; i < 3; i++)
		CHECK(event_add(C.dsp, &C.ev[i]) == 0);
	fault_arm(nth);
	r = cleanup_dispatcher(C.dsp);
	if (fault_disarm() && r)
		CHECK(r == -fault_errno);
	else
		CHECK(r == 0);
	/* Whatever failed, every event is gone and cleaned up once. */
	for (int i = 0; i < 3; i++) {
		CHECK(C.ev[i].dsp == NULL);
		CHECK(C.cleanups[i] == 1);
	}
	CHECK(write(C.pfd[1], "x", 1) == 1);	/* must not wake anything */
}

static void sc_remove(long nth)
{
	int r;

	setup();
	make_reader(0);
	C.ev[0].flags = TMO_ABS;
	C.ev[0].tmo = far();
	CHECK(event_add(C.dsp, &C.ev[0]) == 0);
	fault_arm(nth);
	r = event_remove(&C.ev[0]);
	fault_disarm();
	CHECK(r == 0);
	CHECK(C.ev[0].dsp == NULL);
	CHECK(write(C.pfd[1], "x", 1) == 1);
}

static const struct {
	const char *name;
	void (*run)(long nth);
} scenarios[] = {
	{ "new_dispatcher", sc_new_dispatcher },
	{ "event_add fd", sc_add_fd },
	{ "event_add timer", sc_add_timer },
	{ "event_add relative timer", sc_add_relative },
	{ "event_add fd with timeout", sc_add_fd_tmo },
	{ "event_add many (growth)", sc_add_many },
	{ "event_modify", sc_modify },
	{ "event_mod_timeout earlier", sc_mod_timeout_earlier },
	{ "event_mod_timeout later", sc_mod_timeout_later },
	{ "event_wait fd + timers", sc_wait },
	{ "event_wait, callback adds", sc_wait_callbacks },
	{ "cleanup_dispatcher", sc_cleanup },
	{ "event_remove", sc_remove },
};

int main(void)
{
	long total = 0;

	/* A lost timerfd arming would block event_wait() forever. */
	alarm(120);
	for (size_t s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++) {
		long nth;

		sc_name = scenarios[s].name;
		for (nth = 1;; nth++) {
			bool faulted;

			fault_where = NULL;
			scenarios[s].run(nth);
			faulted = fault_where != NULL;
			recover_and_check();
			teardown();
			if (!faulted)
				break;
		}
		printf("%-28s %3ld injection points\n", sc_name, nth - 1);
		total += nth - 1;
	}
	printf("fault-inject: %ld injection points, all failed cleanly and recovered\n",
	       total);
	return 0;
}

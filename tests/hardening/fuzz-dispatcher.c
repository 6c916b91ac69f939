/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Model-based fuzzer for one dispatcher.
 *
 * The input is a program: each byte picks an operation (add, remove,
 * modify, re-time an event, write to, drain or close a descriptor,
 * cleanup_dispatcher(), event_wait()) and the following bytes its
 * arguments. Callbacks read the same stream to choose their result and up
 * to two operations of their own, so that the input also decides what
 * happens inside a batch. Every return value and every callback is checked
 * against the model (fuzz-model.c); any difference abort()s.
 *
 * The same file is a libFuzzer target (LLVMFuzzerTestOneInput) and, with
 * fuzz-driver.c, a plain test program.
 *
 * White-box on one point: to know whether the timeout pass will run, the
 * harness polls the dispatcher's timerfd (dispatcher-internal.h) before
 * each wait. Without that, whether an expired timerfd is in the same epoll
 * batch as a ready pipe would be a race with the hrtimer interrupt.
 *
 * Also white-box, for what the model cannot see from outside: the timer
 * is not programmed while cleanup_dispatcher() or free_dispatcher() runs
 * the cleanups, even when a cleanup re-times another event; a clock read
 * that fails at the end of a batch (the program can ask for that, see
 * op_clock_fault()) runs no timeout pass, so that no pushed-back timeout
 * fires early; and equal deadlines are ordered as the model says, also
 * those set in one batch, whose clock read is deferred.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "dispatcher-internal.h"
#include "event.h"
#include "fuzz-model.h"
#include "time-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern unsigned long fuzz_stat_waits, fuzz_stat_fd_calls, fuzz_stat_tmo_calls,
		     fuzz_stat_cleanups, fuzz_stat_frees, fuzz_stat_clock_faults;

struct fuzz {
	const uint8_t *data;
	size_t size, pos;
	struct dispatcher *dsp;
	struct event ev[M_EVENTS];
	int fd[M_ENDPOINTS];
	int64_t base;		/* CLOCK_MONOTONIC at the start, ns */
	bool in_dispatcher_cleanup;	/* in cleanup_ or free_dispatcher() */
	bool freed;		/* a callback called free_dispatcher() */
	bool clock_fault;	/* the next clock_gettime() fails */
	bool clock_fault_wait;	/* ... was asked for during this wait */
	bool wait_failed;	/* no event_wait() has succeeded since one failed */
	struct model m;
};

/* What the runs exercised, for the driver's summary. */
unsigned long fuzz_stat_waits, fuzz_stat_fd_calls, fuzz_stat_tmo_calls,
	      fuzz_stat_cleanups, fuzz_stat_frees, fuzz_stat_clock_faults;

/* One run at a time: callbacks find their context here. */
static struct fuzz *F;

/*
 * Linked with -Wl,--wrap=clock_gettime: the library's clock reads, and
 * the harness's own, come here; one fails when the program asked for it.
 */
int __real_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
	if (F && F->clock_fault) {
		F->clock_fault = false;
		errno = EIO;
		return -1;
	}
	return __real_clock_gettime(clock, ts);
}

/* Keep the input that failed, so that fuzz-driver FILE replays it. */
static void fail(const char *file, int line, const char *what)
{
	const char *path = getenv("FUZZ_CRASH_FILE");
	FILE *f;

	fprintf(stderr, "%s:%d: model mismatch: %s\n", file, line, what);
	f = fopen(path ? path : "fuzz-crash.bin", "wb");
	if (f) {
		fwrite(F->data, 1, F->size, f);
		fclose(f);
	}
	abort();
}

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			fail(__FILE__, __LINE__, #cond);		\
	} while (0)

/* FUZZ_TRACE=1 prints each operation, to read a failing input. */
static bool trace;
#define TRACE(...)							\
	do {								\
		if (trace)						\
			fprintf(stderr, __VA_ARGS__);			\
	} while (0)

static unsigned int get8(void)
{
	return F->pos < F->size ? F->data[F->pos++] : 0;
}

static int evt_index(const struct event *evt)
{
	int i = (int)(evt - F->ev);

	CHECK(i >= 0 && i < M_EVENTS);
	return i;
}

/*
 * EPOLLONESHOT alone hears only EPOLLERR and EPOLLHUP: the mask that once
 * looked like the library's "disabled one-shot" marker.
 */
static const uint32_t masks[8] = {
	0, EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT, EPOLLIN | EPOLLONESHOT,
	EPOLLIN | EPOLLRDHUP, EPOLLOUT | EPOLLONESHOT, EPOLLONESHOT,
};

/*
 * Timeout choices: {0,0} (none/cancel), past deadlines with ties, a
 * deadline of 1 ns, and one an hour away. *model_dl gets the model's value.
 */
static struct timespec pick_tmo(unsigned int c, int64_t *model_dl)
{
	static const int64_t past[4] = { 0, 1000, 1000, 5000 };
	int64_t ns;

	switch (c & 7) {
	case 0:
	case 7:
		*model_dl = -1;
		return (struct timespec){ 0, 0 };
	case 5:
		ns = 1;
		*model_dl = ns;
		break;
	case 6:
		ns = F->base + 3600 * NSEC_PER_SEC;
		*model_dl = M_FAR;
		break;
	default:
		ns = F->base - past[c & 3];
		*model_dl = ns;
		break;
	}
	return (struct timespec){ ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
}

static void check_registration(void)
{
	for (int i = 0; i < M_EVENTS; i++)
		CHECK((F->ev[i].dsp == F->dsp) == F->m.ev[i].reg);
	/*
	 * White-box: between waits no relative timeout is left waiting for
	 * its clock read, and a far deadline, absolute or relative, lies an
	 * hour after the start at least.
	 */
	if (F->m.phase != PH_IDLE || F->freed)
		return;
	/* After a failed clock read they wait for the next event_wait(). */
	if (!F->wait_failed)
		CHECK(F->dsp->pending_count == 0);
	for (int i = 0; i < M_EVENTS; i++) {
		const struct m_event *e = &F->m.ev[i];
		const struct slot *si;

		if (!e->reg || !e->has_tmo)
			continue;
		si = &F->dsp->slots[(uint32_t)F->ev[i].priv_.token_];
		if (si->state & SLOT_PENDING)
			continue;	/* holds a delay, not a deadline */
		if (e->deadline == M_FAR)
			CHECK(si->deadline >= F->base + 3600 * NSEC_PER_SEC);
		/*
		 * Equal deadlines fire in the order the model armed them,
		 * the last setting counting: relative ones set in one batch
		 * share the batch's clock read, and so their deadline.
		 */
		for (int j = 0; j < i; j++) {
			const struct m_event *f = &F->m.ev[j];
			const struct slot *sj;

			if (!f->reg || !f->has_tmo)
				continue;
			sj = &F->dsp->slots[(uint32_t)F->ev[j].priv_.token_];
			if (!(sj->state & SLOT_PENDING) && sj->deadline == si->deadline)
				CHECK((sj->deadline_seq < si->deadline_seq) == (f->seq < e->seq));
		}
	}
}

static void op_add(void)
{
	int i = get8() % M_EVENTS, r, expect = 0;
	unsigned int c1 = get8(), c2 = get8();
	struct event *evt = &F->ev[i];
	struct m_event *e = &F->m.ev[i];
	int64_t dl;

	if (e->reg) {
		/*
		 * Added again, possibly after being re-initialized: found by
		 * address, it stays registered as it was, with its identity
		 * given back.
		 */
		if (c1 & 1) {
			evt->dsp = NULL;
			evt->priv_ = (struct minivent_event_private_){ 0 };
		}
		CHECK(event_add(F->dsp, evt) == -EEXIST);
		CHECK(evt->dsp == F->dsp);
		return;
	}
	e->ep = c1 % 10 < M_ENDPOINTS ? (int)(c1 % 10) : -1;
	evt->fd = e->ep < 0 ? -1 : F->fd[e->ep];
	evt->ep.events = e->ep < 0 && !(c2 & 0x80) ? 0 : masks[c2 & 7];
	evt->flags = TMO_ABS;
	evt->tmo = pick_tmo(c2 >> 3, &dl);

	/* A timer's mask is ignored; an empty mask still goes to epoll. */
	if (e->ep >= 0 && !F->m.ep_open[e->ep])
		expect = -EBADF;
	else if (e->ep >= 0 && model_ep_in_epoll(&F->m, e->ep, i))
		expect = -EEXIST;
	r = event_add(F->dsp, evt);
	TRACE("add %d ep %d mask %#x tmo %lld -> %d\n", i, e->ep,
	      evt->ep.events, (long long)dl, r);
	CHECK(r == expect);
	if (r < 0) {
		evt->ep.events = 0;
		return;
	}
	e->reg = true;
	e->disturbed = true;	/* a new token: not in the running batch */
	e->pre_ready = false;
	e->karmed = e->ep >= 0 ? evt->ep.events : 0;
	e->oneshot_off = false;
	e->in_epoll = e->ep >= 0;
	e->has_tmo = false;
	if (dl >= 0)
		model_arm(&F->m, i, dl);
}

static void op_remove(void)
{
	int i = get8() % M_EVENTS;

	TRACE("remove %d\n", i);
	CHECK(event_remove(&F->ev[i]) == (F->m.ev[i].reg ? 0 : -EINVAL));
	if (!F->m.ev[i].reg)
		return;
	model_unregister(&F->m, i);
	/* Its own callback removed it: the result will be ignored. */
	if (i == F->m.current)
		F->m.current_cleaned = true;
}

static void op_modify(void)
{
	int i = get8() % M_EVENTS, r;
	uint32_t events = masks[get8() & 7];
	struct m_event *e = &F->m.ev[i];
	struct event *evt = &F->ev[i];

	if (!e->reg) {
		CHECK(event_modify(evt) == -EINVAL);
		return;
	}
	evt->ep.events = events;
	r = event_modify(evt);
	TRACE("modify %d %#x -> %d\n", i, events, r);
	/* A timer's mask is ignored. */
	if (e->ep < 0) {
		CHECK(r == 0);
		return;
	}
	if (e->in_epoll && !e->oneshot_off && events == e->karmed) {
		CHECK(r == 0);
		return;
	}
	if (!F->m.ep_open[e->ep]) {
		CHECK(r < 0);
		return;
	}
	if (!e->in_epoll && model_ep_in_epoll(&F->m, e->ep, i)) {
		CHECK(r == -EEXIST);
		return;
	}
	CHECK(r == 0);
	e->in_epoll = true;
	e->karmed = events;
	e->oneshot_off = false;
	e->rearmed = F->m.phase != PH_IDLE;
	/* Narrowed: a report fetched for the old mask may have nothing left. */
	if (e->pre_ready && !(e->pre_revents & (events | EPOLLERR | EPOLLHUP)))
		e->disturbed = true;
}

/* Set event @i's timeout to @ts (relative unless @abs), as the model says. */
static void mod_timeout_one(int i, struct timespec ts, bool abs, int64_t dl)
{
	int r;

	F->ev[i].flags = abs ? TMO_ABS : 0;
	r = event_mod_timeout(&F->ev[i], &ts);
	F->ev[i].flags = TMO_ABS;
	TRACE("mod_timeout %d %lld%s -> %d\n", i, (long long)dl,
	      abs ? "" : " (relative)", r);
	CHECK(r == (F->m.ev[i].reg ? 0 : -EINVAL));
	if (r < 0)
		return;
	if (dl < 0)
		F->m.ev[i].has_tmo = false;
	else
		model_arm(&F->m, i, dl);
}

static void op_mod_timeout(void)
{
	int i = get8() % M_EVENTS;
	unsigned int c = get8();
	int64_t dl;
	struct timespec ts = pick_tmo(c, &dl);

	/*
	 * Now and then the far deadline as a relative timeout: set by a
	 * callback of a batch, it waits for the clock read at the end of the
	 * fd pass (a deadline an hour away is never due here either way).
	 * Timeouts set so in one batch share that read, and so their
	 * deadline: setting A, B, then A again must leave B first.
	 */
	if ((c & 0x87) == 0x86) {
		ts = (struct timespec){ 3600, 0 };
		mod_timeout_one(i, ts, false, dl);
		if (c & 0x40) {
			mod_timeout_one((i + 1) % M_EVENTS, ts, false, dl);
			mod_timeout_one(i, ts, false, dl);
		}
		return;
	}
	mod_timeout_one(i, ts, true, dl);
}

static void op_write(void)
{
	int k = get8() % M_ENDPOINTS;
	size_t n = get8() % 64 + 1;
	static const char buf[64];

	/* Fails on a read end or a full pipe: fine, readiness is polled. */
	if (F->m.ep_open[k])
		(void)!write(F->fd[k], buf, n);
}

static void op_drain(void)
{
	int k = get8() % M_ENDPOINTS;
	char buf[4096];

	if (F->m.ep_open[k])
		while (read(F->fd[k], buf, sizeof(buf)) > 0)
			;
}

static void op_close(void)
{
	int k = get8() % M_ENDPOINTS;

	if (!F->m.ep_open[k])
		return;
	TRACE("close %d\n", k);
	close(F->fd[k]);
	F->m.ep_open[k] = false;
	/* The kernel dropped the epoll registration with the file. */
	for (int i = 0; i < M_EVENTS; i++)
		if (F->m.ev[i].reg && F->m.ev[i].ep == k)
			F->m.ev[i].disturbed = true;
}

/*
 * The program breaks the next clock read, from a callback of a batch
 * whose clock read is deferred: the first read after this one is the one
 * at the end of the batch (relative timeouts set in the batch wait for it)
 * or, if none waits, that of the timeout pass. Either way no timeout may
 * fire in this wait: a pushed-back one would fire early.
 */
static void op_clock_fault(void)
{
	if (F->m.phase != PH_FD || !(F->dsp->state & DSP_DEFER_CLOCK))
		return;
	TRACE("clock fault\n");
	F->clock_fault = true;
	F->clock_fault_wait = true;
}

/* cleanup_ and free_dispatcher(): every registered event is cleaned up. */
static void model_clean_all(struct model *m)
{
	for (int i = 0; i < M_EVENTS; i++) {
		if (!m->ev[i].reg)
			continue;
		if (i == m->current)
			m->current_cleaned = true;
		model_unregister(m, i);
		m->ev[i].cleanups_expected++;
	}
}

static void op_cleanup(void)
{
	TRACE("cleanup_dispatcher\n");
	model_clean_all(&F->m);
	F->in_dispatcher_cleanup = true;
	CHECK(cleanup_dispatcher(F->dsp) == 0);
	F->in_dispatcher_cleanup = false;
}

/*
 * free_dispatcher() from a callback runs every cleanup at once, as
 * cleanup_dispatcher() does; only the memory waits until the dispatch
 * returns.
 */
static void op_free(void)
{
	TRACE("free_dispatcher\n");
	model_clean_all(&F->m);
	F->freed = true;
	fuzz_stat_frees++;
	F->in_dispatcher_cleanup = true;
	free_dispatcher(F->dsp);
}

static void op_slack(void)
{
	static const uint64_t slack[4] = { 0, 1000, 1000000, 3601000000000ULL };
	unsigned int c = get8() & 3;
	uint64_t got;

	TRACE("slack %llu\n", (unsigned long long)slack[c]);
	CHECK(dispatcher_set_timer_slack(F->dsp, slack[c]) == (c == 3 ? -EINVAL : 0));
	CHECK(dispatcher_get_timer_slack(F->dsp, &got) == 0);
	if (c != 3)
		CHECK(got == slack[c]);
}

static void op_wait(void);

/* Run one operation; inside a callback event_wait() must say -EBUSY. */
static void do_op(void)
{
	unsigned int op = get8() % 14;

	/* After free_dispatcher() only the running callback may return. */
	if (F->freed)
		return;
	switch (op) {
	case 0:
	case 1:
		op_add();
		break;
	case 2:
		op_remove();
		break;
	case 3:
		op_modify();
		break;
	case 4:
		op_mod_timeout();
		break;
	case 5:
		op_write();
		break;
	case 6:
		op_drain();
		break;
	case 7:
		/* Closing is rare: it ends an endpoint for the whole run. */
		if (get8() < 16)
			op_close();
		break;
	case 8:
		if (get8() < 32)
			op_cleanup();
		break;
	case 9:
		if (F->m.phase != PH_IDLE && get8() < 4)
			op_free();
		else
			op_slack();
		break;
	case 13:
		op_clock_fault();
		break;
	default:
		if (F->m.phase != PH_IDLE)
			CHECK(event_wait(F->dsp, NULL) == -EBUSY);
		else
			op_wait();
		break;
	}
	check_registration();
}

static void check_fd_call(int i, uint32_t events)
{
	struct m_event *e = &F->m.ev[i];

	CHECK(F->m.phase == PH_FD);
	CHECK(e->reg && e->pre_ready && !e->fd_called);
	/*
	 * Only what the event asks for now, plus EPOLLERR and EPOLLHUP; an
	 * event narrowed earlier in this batch to nothing must be skipped.
	 */
	CHECK(!e->oneshot_off);
	CHECK(events == (e->pre_revents & (e->karmed | EPOLLERR | EPOLLHUP)));
	CHECK(events != 0);
	e->fd_called = true;
	fuzz_stat_fd_calls++;
	/*
	 * The kernel disabled a one-shot registration when it reported it;
	 * one armed again after that (rearmed) is live.
	 */
	if ((e->karmed & EPOLLONESHOT) && !e->rearmed)
		e->oneshot_off = true;
}

static void check_timeout_call(int i, uint32_t events)
{
	struct model *m = &F->m;

	CHECK(events == 0);
	CHECK(m->timer_due);
	CHECK(!F->clock_fault_wait);
	if (m->phase == PH_FD)
		m->phase = PH_TIMEOUT;
	CHECK(m->phase == PH_TIMEOUT);
	/* Deadline order, first-armed first on ties, never early. */
	CHECK(model_next_due(m) == i);
	m->ev[i].has_tmo = false;
	fuzz_stat_tmo_calls++;
}

static int fuzz_callback(struct event *evt, uint32_t events)
{
	struct model *m = &F->m;
	int i = evt_index(evt), result, prev = m->current;
	bool prev_cleaned = m->current_cleaned;
	unsigned int c;

	TRACE("callback %d reason %d events %#x\n", i, evt->reason, events);
	CHECK(!F->freed);	/* nothing runs after free_dispatcher() */
	CHECK(evt->dsp == F->dsp);
	if (evt->reason == REASON_EVENT_OCCURED)
		check_fd_call(i, events);
	else if (evt->reason == REASON_TIMEOUT)
		check_timeout_call(i, events);
	else
		CHECK(0);
	CHECK(prev == -1);
	m->current = i;
	m->current_cleaned = false;

	c = get8();
	for (unsigned int n = (c >> 2) % 3; n; n--)
		do_op();
	switch (c & 3) {
	case 0:
		result = EVENTCB_CONTINUE;
		break;
	case 1:
		result = EVENTCB_REMOVE;
		break;
	case 2:
		result = EVENTCB_CLEANUP;
		break;
	default:
		result = 42;	/* unknown: means continue */
		break;
	}
	/*
	 * REMOVE and CLEANUP unregister the event if it is registered when
	 * the callback returns; CLEANUP runs the cleanup. If the callback
	 * removed its event, or cleanup_ or free_dispatcher() ran its
	 * cleanup during the call, the event may be gone (and a new one at
	 * its address), so the result is ignored, even if the event was
	 * added again.
	 */
	if (m->current_cleaned) {
		/* cleaned up once already */
	} else {
		if ((result == EVENTCB_REMOVE || result == EVENTCB_CLEANUP) &&
		    m->ev[i].reg)
			model_unregister(m, i);
		if (result == EVENTCB_CLEANUP)
			m->ev[i].cleanups_expected++;
	}
	TRACE("callback %d returns %d\n", i, result);
	m->current = prev;
	m->current_cleaned = prev_cleaned;
	return result;
}

/*
 * A cleanup run by cleanup_ or free_dispatcher() re-times another event,
 * which may still be registered (later in the walk) or not. The timer must
 * not be programmed for it: after fork(2) it would be the parent's.
 */
static void retime_during_cleanup(void)
{
	int j = get8() % M_EVENTS, r;
	int64_t armed = F->dsp->armed;
	unsigned int fired = F->dsp->state & DSP_TIMER_FIRED;

	/* 1 ns: earlier than anything the timer can hold. */
	F->ev[j].flags = TMO_ABS;
	r = event_mod_timeout(&F->ev[j], &(struct timespec){ 0, 1 });
	TRACE("mod_timeout %d in a cleanup -> %d\n", j, r);
	CHECK(r == 0 || r == -EINVAL);
	CHECK(F->dsp->armed == armed);
	CHECK((F->dsp->state & DSP_TIMER_FIRED) == fired);
}

static void fuzz_cleanup(struct event *evt)
{
	int i = evt_index(evt);

	CHECK(evt->dsp == NULL);
	F->m.ev[i].cleanups_seen++;
	fuzz_stat_cleanups++;
	CHECK(F->m.ev[i].cleanups_seen <= F->m.ev[i].cleanups_expected);
	/*
	 * Nothing may be added or dispatched while cleanup_dispatcher() or
	 * free_dispatcher() runs the cleanups. (A cleanup run for
	 * EVENTCB_CLEANUP is not refused by the library, although event.h
	 * says "-EBUSY (called from a cleanup of this dispatcher)".)
	 */
	if (F->in_dispatcher_cleanup) {
		CHECK(cleanup_dispatcher(F->dsp) == -EBUSY);
		CHECK(event_add(F->dsp, evt) == -EBUSY);
		retime_during_cleanup();
	}
	CHECK(event_wait(F->dsp, NULL) == -EBUSY);
}

/* libFuzzer's SIGALRM (its -timeout) may interrupt a poll. */
static int poll_eintr(struct pollfd *p, int timeout_ms)
{
	int r;

	do
		r = poll(p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r;
}

static bool fd_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll_eintr(&p, timeout_ms) == 1;
}

static void op_wait(void)
{
	struct model *m = &F->m;
	bool any_ready = false;

	/* Take the snapshot the checks of this wait are made against. */
	for (int i = 0; i < M_EVENTS; i++) {
		struct m_event *e = &m->ev[i];
		struct pollfd p;

		e->pre_ready = false;
		e->fd_called = false;
		e->disturbed = false;
		e->rearmed = false;
		F->clock_fault_wait = false;
		/* An empty mask still hears EPOLLERR and EPOLLHUP. */
		if (!e->reg || !e->in_epoll || e->oneshot_off || !m->ep_open[e->ep])
			continue;
		p = (struct pollfd){ .fd = F->fd[e->ep],
				     .events = (short)(e->karmed & (EPOLLIN | EPOLLOUT | EPOLLRDHUP)) };
		CHECK(poll_eintr(&p, 0) >= 0);
		if (p.revents) {
			e->pre_ready = true;
			e->pre_revents = (uint16_t)p.revents;
			any_ready = true;
		}
	}
	m->wait_no++;
	/* A due timeout must have made the timerfd readable: never late. */
	if (model_any_due(m))
		CHECK(fd_readable(F->dsp->timerfd, 2000));
	/*
	 * The lazy re-arm and the slack can leave the timerfd set a little
	 * ahead, for no due timeout: let it expire now, or it might do so
	 * between here and epoll_pwait() and make timer_due a guess.
	 */
	{
		struct itimerspec cur;

		CHECK(timerfd_gettime(F->dsp->timerfd, &cur) == 0);
		if ((cur.it_value.tv_sec || cur.it_value.tv_nsec) &&
		    cur.it_value.tv_sec < 60)
			CHECK(fd_readable(F->dsp->timerfd,
					  (int)(cur.it_value.tv_sec * 1000 +
						cur.it_value.tv_nsec / 1000000) + 100));
	}
	m->timer_due = fd_readable(F->dsp->timerfd, 0);
	if (!any_ready && !m->timer_due) {
		/* Nothing due: the epoll fd must agree, and we must not block. */
		CHECK(!fd_readable(dispatcher_get_efd(F->dsp), 0));
		return;
	}

	m->phase = PH_FD;
	fuzz_stat_waits++;
	TRACE("event_wait %u (timer due %d)\n", m->wait_no, m->timer_due);
	for (;;) {
		unsigned long before = fuzz_stat_fd_calls + fuzz_stat_tmo_calls;
		int r = event_wait(F->dsp, NULL);

		if (r == 0) {
			F->wait_failed = false;
			break;
		}
		/* The clock read the program broke: no timeout pass ran. */
		if (r == -EIO && F->clock_fault_wait) {
			F->wait_failed = true;
			fuzz_stat_clock_faults++;
			break;
		}
		/* Interrupted (libFuzzer's SIGALRM): nothing was dispatched. */
		CHECK(r == -EINTR);
		CHECK(before == fuzz_stat_fd_calls + fuzz_stat_tmo_calls);
	}
	/* Not read at all: no deferred deadline, no timeout pass. */
	F->clock_fault = false;
	m->phase = PH_IDLE;
	if (F->freed) {
		for (int i = 0; i < M_EVENTS; i++) {
			if (m->ev[i].reg)
				model_unregister(m, i);
			CHECK(F->ev[i].dsp == NULL);
			CHECK(m->ev[i].cleanups_seen == m->ev[i].cleanups_expected);
		}
		return;
	}

	for (int i = 0; i < M_EVENTS; i++) {
		struct m_event *e = &m->ev[i];

		/* Ready when the wait began, not touched since: called. */
		if (e->pre_ready && !e->disturbed)
			CHECK(e->fd_called);
		/* The timeout pass leaves nothing due behind. */
		if (m->timer_due && !F->wait_failed)
			CHECK(!model_is_due(m, i));
	}
}

static void setup(void)
{
	struct timespec now;

	for (int k = 0; k < M_ENDPOINTS; k += 2) {
		int sv[2];

		/* The first input byte chooses pipes or socketpairs. */
		if (F->size && (F->data[0] >> (k / 2)) & 1)
			CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
					 0, sv) == 0);
		else
			CHECK(pipe2(sv, O_NONBLOCK | O_CLOEXEC) == 0);
		F->fd[k] = sv[0];
		F->fd[k + 1] = sv[1];
	}
	for (int i = 0; i < M_EVENTS; i++)
		F->ev[i] = (struct event){ .fd = -1, .callback = fuzz_callback,
					   .cleanup = fuzz_cleanup };
	model_init(&F->m);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &now) == 0);
	F->base = now.tv_sec * NSEC_PER_SEC + now.tv_nsec;
	F->dsp = new_dispatcher(CLOCK_MONOTONIC);
	CHECK(F->dsp);
}

static void teardown(void)
{
	if (F->freed)
		goto close_fds;
	/* free_dispatcher() cleans up whatever is still registered. */
	for (int i = 0; i < M_EVENTS; i++)
		if (F->m.ev[i].reg)
			F->m.ev[i].cleanups_expected++;
	F->in_dispatcher_cleanup = true;
	free_dispatcher(F->dsp);
	for (int i = 0; i < M_EVENTS; i++) {
		CHECK(F->ev[i].dsp == NULL);
		CHECK(F->m.ev[i].cleanups_seen == F->m.ev[i].cleanups_expected);
	}
close_fds:
	for (int k = 0; k < M_ENDPOINTS; k++)
		if (F->m.ep_open[k])
			close(F->fd[k]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz f = { .data = data, .size = size, .pos = 1 };

	signal(SIGPIPE, SIG_IGN);
	trace = getenv("FUZZ_TRACE") != NULL;
	F = &f;
	setup();
	while (f.pos < f.size && !f.freed)
		do_op();
	teardown();
	F = NULL;
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Looking into a dispatcher for debugging: dispatcher_for_each_event()
 * and dispatcher_dump_events(). Nothing here is on any other path, and no
 * bookkeeping exists for it: the walk reads the slot table as it is, so a
 * program that never lists its events pays nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dispatcher-internal.h"
#include "export.h"
#include "time-internal.h"

/*
 * The deadline of slot @s for a listing, or {0, 0} if it has none. A
 * relative timeout set earlier in the running fd pass still waits for its
 * clock read (SLOT_PENDING): it will start no earlier than now, which
 * *@now holds once read (0 before). A lazily pushed-back deadline is in
 * the slot, not in the heap key.
 */
/*
 * A deadline of the heap, which runs on the key clock (a steady one for a
 * wall-clock dispatcher: see timeout.c), as a time on the dispatcher's
 * own clock.
 */
static struct timespec on_dispatcher_clock(const struct dispatcher *dsp,
					   int64_t key)
{
	return ns_to_timespec(dsp->wall ? ns_add_sat(key, dsp->wall_offset) : key);
}

static int slot_deadline(const struct dispatcher *dsp, uint32_t idx,
			 int64_t *now, struct timespec *deadline)
{
	const struct slot *s = &dsp->slots[idx];

	*deadline = (struct timespec){ 0, 0 };
	if (s->state & SLOT_PENDING) {
		if (!*now) {
			*now = clock_now_ns(dsp->key_clock);
			if (*now < 0) {
				int r = (int)*now;

				*now = 0;
				return r;
			}
		}
		*deadline = on_dispatcher_clock(dsp, ns_add_sat(*now, s->deadline));
	} else if (heap_has(&dsp->heap, idx)) {
		*deadline = on_dispatcher_clock(dsp, s->deadline);
	}
	return 0;
}

MV_EXPORT int dispatcher_for_each_event(struct dispatcher *dsp,
					event_visit_fn fn, void *arg)
{
	unsigned int listing;
	int64_t now = 0;
	int r = 0;

	if (!dsp || !fn)
		return -EINVAL;
	if (dispatcher_foreign(dsp))
		return -ECHILD;
	if (dsp->state & DSP_FREE_PENDING)
		return -EBUSY;
	/*
	 * @fn may add and remove events, even free the dispatcher: the walk
	 * goes by index and re-reads the table (which may move) every time,
	 * and DSP_LISTING keeps the memory until the outermost walk is over.
	 */
	listing = dsp->state & DSP_LISTING;
	dsp->state |= DSP_LISTING;
	for (uint32_t i = FIRST_SLOT; i < dsp->slots_used; i++) {
		const struct slot *s = &dsp->slots[i];
		struct event_info info;

		if (dsp->state & DSP_FREE_PENDING)
			break;
		if (!s->evt)
			continue;
		info = (struct event_info){
			.evt = s->evt,
			.fd = s->fd,
			/* What the kernel watches; EPOLLONESHOT alone once fired. */
			.events = s->armed_events & ~ARMED_ALWAYS,
			.callback = s->evt->callback,
		};
		r = slot_deadline(dsp, i, &now, &info.deadline);
		if (r < 0)
			break;
		r = fn(&info, arg);
		if (r)
			break;
	}
	dsp->state &= ~DSP_LISTING | listing;
	if (!listing)
		dispatcher_release_if_pending(dsp);
	return r;
}

struct dump_ctx {
	FILE *out;
	int64_t now;		/* for "in N s"; 0 if the clock failed */
	unsigned int count;
};

/* Names of the mask bits a listing shows, in the order they are printed. */
static const struct {
	uint32_t bit;
	const char *name;
} epoll_bits[] = {
	{ EPOLLIN, "IN" }, { EPOLLOUT, "OUT" }, { EPOLLPRI, "PRI" },
	{ EPOLLRDHUP, "RDHUP" }, { EPOLLERR, "ERR" }, { EPOLLHUP, "HUP" },
	{ EPOLLET, "ET" }, { EPOLLONESHOT, "ONESHOT" },
	{ EPOLLEXCLUSIVE, "EXCLUSIVE" }, { EPOLLWAKEUP, "WAKEUP" },
};

static int dump_one(const struct event_info *info, void *arg)
{
	struct dump_ctx *ctx = arg;
	uint32_t rest = info->events;
	const char *sep = "";
	void *fnptr;

	ctx->count++;
	if (info->fd < 0)
		fprintf(ctx->out, "  %p timer", (void *)info->evt);
	else
		fprintf(ctx->out, "  %p fd %d events ", (void *)info->evt, info->fd);
	for (size_t i = 0; info->fd >= 0 && i < sizeof(epoll_bits) / sizeof(epoll_bits[0]); i++) {
		if (!(rest & epoll_bits[i].bit))
			continue;
		fprintf(ctx->out, "%s%s", sep, epoll_bits[i].name);
		sep = "|";
		rest &= ~epoll_bits[i].bit;
	}
	if (info->fd >= 0 && rest)
		fprintf(ctx->out, "%s0x%x", sep, (unsigned int)rest);
	else if (info->fd >= 0 && !*sep)
		fputs("0", ctx->out);
	if (info->deadline.tv_sec || info->deadline.tv_nsec) {
		fprintf(ctx->out, " deadline %lld.%09ld",
			(long long)info->deadline.tv_sec, info->deadline.tv_nsec);
		if (ctx->now > 0)
			fprintf(ctx->out, " (in %+.6f s)",
				(double)(timespec_to_ns(&info->deadline) - ctx->now) / 1e9);
	}
	/* Function and object pointers have one representation on Linux. */
	memcpy(&fnptr, &info->callback, sizeof(fnptr));
	fprintf(ctx->out, " callback %p\n", fnptr);
	return 0;
}

MV_EXPORT int dispatcher_dump_events(struct dispatcher *dsp, FILE *out)
{
	struct dump_ctx ctx = { .out = out };
	int r;

	if (!dsp || !out)
		return -EINVAL;
	if (dispatcher_foreign(dsp))
		return -ECHILD;
	if (dsp->state & DSP_FREE_PENDING)
		return -EBUSY;
	ctx.now = clock_now_ns(dsp->clock);
	if (ctx.now < 0)
		ctx.now = 0;
	fprintf(out, "dispatcher %p: clock %d, epoll fd %d, timerfd %d\n",
		(void *)dsp, dsp->clock, dsp->epfd, dsp->timerfd);
	r = dispatcher_for_each_event(dsp, dump_one, &ctx);
	fprintf(out, "  %u events\n", ctx.count);
	if (r < 0)
		return r;
	return ferror(out) ? -EIO : 0;
}

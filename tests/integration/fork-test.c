/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fork-test: free_dispatcher() in a forked child must not disturb the
 * parent's loop.
 *
 * The parent has a dispatcher with a pipe event and a timer, and has run
 * it once (so the timerfd is armed). The child calls free_dispatcher():
 * the cleanups must run in the child, and since the child shares the
 * epoll instance and the timerfd with the parent, any epoll_ctl() or
 * timerfd_settime() there would break the parent. The child then writes
 * to the pipe and exits; the parent, after reaping it, must still get the
 * pipe data and its timer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event.h"
#include "test-util.h"

#define TIMER_US	500000LL
#define MESSAGE		"hello from the child"

struct cleanup_record {
	pid_t pid;
	int fd;
};

static int report_wfd = -1;
static int cleanups;
static pid_t cleanup_pid;
static bool got_data, timer_fired, late_timer_fired, watchdog_fired, kicked;
static int failures;
static struct timespec timer_start;

#define fail(...) do {				\
	failures++;				\
	tu_msg("FAIL: " __VA_ARGS__);		\
} while (0)

/* Record where the cleanup ran; the child also tells the parent. */
static void recording_cleanup(struct event *evt)
{
	struct cleanup_record rec = { .pid = getpid(), .fd = evt->fd };

	cleanups++;
	cleanup_pid = rec.pid;
	if (report_wfd >= 0 && write(report_wfd, &rec, sizeof(rec)) != sizeof(rec))
		tu_msg("write cleanup record: %s", strerror(errno));
	cleanup_event_on_stack(evt);
}

static int pipe_cb(struct event *evt, uint32_t events)
{
	char buf[64];
	ssize_t n;

	n = read(evt->fd, buf, sizeof(buf) - 1);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return EVENTCB_CONTINUE;
	if (n <= 0) {
		/* EOF: the writer is gone; nothing more to watch */
		evt->ep.events = 0;
		if (event_modify(evt))
			fail("event_modify");
		return EVENTCB_CONTINUE;
	}
	buf[n] = '\0';
	if (strcmp(buf, MESSAGE))
		fail("pipe data \"%s\", expected \"%s\"", buf, MESSAGE);
	got_data = true;
	return EVENTCB_CONTINUE;
}

static int tick_cb(struct event *evt, uint32_t events)
{
	int64_t took = tu_elapsed_ns(&timer_start);

	if (evt->reason != REASON_TIMEOUT)
		fail("timer called for reason %u", evt->reason);
	if (took < TIMER_US * 1000)
		fail("timer fired %lld ns early",
		     (long long)(TIMER_US * 1000 - took));
	timer_fired = true;
	return EVENTCB_CONTINUE;
}

static int kick_cb(struct event *evt, uint32_t events)
{
	kicked = true;
	return EVENTCB_REMOVE;
}

static int late_cb(struct event *evt, uint32_t events)
{
	late_timer_fired = true;
	return EVENTCB_REMOVE;
}

static int watchdog_cb(struct event *evt, uint32_t events)
{
	fail("watchdog: data %d, timer %d, late timer %d", got_data,
	     timer_fired, late_timer_fired);
	watchdog_fired = true;
	return EVENTCB_REMOVE;
}

static void add_or_die(struct dispatcher *dsp, struct event *evt,
		       const char *what)
{
	int rc = event_add(dsp, evt);

	if (rc) {
		errno = -rc;
		tu_die("event_add %s", what);
	}
}

static void __attribute__((noreturn))
child(struct dispatcher *dsp, int data_wfd, int report_fd)
{
	int ok = 1;

	report_wfd = report_fd;
	free_dispatcher(dsp);
	if (cleanups != 2 || cleanup_pid != getpid()) {
		tu_msg("child: %d cleanups ran in pid %d, expected 2 in %d",
		       cleanups, (int)cleanup_pid, (int)getpid());
		ok = 0;
	}
	if (write(data_wfd, MESSAGE, strlen(MESSAGE)) != (ssize_t)strlen(MESSAGE)) {
		tu_msg("child: write: %s", strerror(errno));
		ok = 0;
	}
	close(data_wfd);
	close(report_fd);
	/* exit(), not _exit(): ASan and valgrind check the child for leaks */
	exit(ok ? TU_PASS : TU_FAIL);
}

/* Reap the child and check what its cleanups reported. */
static void check_child(pid_t pid, int report_rfd)
{
	struct cleanup_record rec;
	int status, records = 0;
	ssize_t n;

	if (waitpid(pid, &status, 0) < 0)
		tu_die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("child ended with status 0x%x", status);
	while ((n = read(report_rfd, &rec, sizeof(rec))) == sizeof(rec)) {
		records++;
		if (rec.pid != pid)
			fail("a cleanup ran in pid %d, not in the child %d",
			     (int)rec.pid, (int)pid);
	}
	if (n != 0)
		fail("reading cleanup records: %zd", n);
	if (records != 2)
		fail("%d cleanups reported by the child, expected 2", records);
}

int main(void)
{
	struct event pipe_ev, timer, kick, late, watchdog;
	struct dispatcher *dsp;
	int data[2], report[2], rc;
	pid_t pid;

	tu_progname = "fork-test";
	if (pipe2(data, O_CLOEXEC | O_NONBLOCK) || pipe2(report, O_CLOEXEC))
		tu_die("pipe2");
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp)
		tu_die("new_dispatcher");

	pipe_ev = (struct event)EVENT_ON_STACK(pipe_cb, data[0], EPOLLIN);
	pipe_ev.cleanup = recording_cleanup;
	timer = (struct event)TIMER_EVENT_ON_STACK(tick_cb, TIMER_US);
	timer.cleanup = recording_cleanup;
	kick = (struct event)TIMER_EVENT_ON_STACK(kick_cb, 0);
	tu_now(&timer_start);
	add_or_die(dsp, &pipe_ev, "pipe");
	add_or_die(dsp, &timer, "timer");
	add_or_die(dsp, &kick, "kick");

	/* run the loop once, so the child inherits a dispatcher in use */
	while (!kicked) {
		rc = event_wait(dsp, NULL);
		if (rc < 0 && rc != -EINTR) {
			errno = -rc;
			tu_die("event_wait");
		}
	}
	if (timer_fired)
		tu_die("the %lld us timer fired before the fork", TIMER_US);

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		tu_die("fork");
	if (pid == 0) {
		close(report[0]);
		child(dsp, data[1], report[1]);
	}
	close(report[1]);
	close(data[1]);
	/* whatever the child did to shared kernel state is done now */
	check_child(pid, report[0]);
	close(report[0]);
	if (cleanups)
		fail("%d cleanups ran in the parent", cleanups);

	/* and the dispatcher takes new events too */
	late = (struct event)TIMER_EVENT_ON_STACK(late_cb, 1000);
	watchdog = (struct event)TIMER_EVENT_ON_STACK(watchdog_cb,
						       30 * 1000000LL);
	add_or_die(dsp, &late, "late timer");
	add_or_die(dsp, &watchdog, "watchdog");

	while (!(got_data && timer_fired && late_timer_fired) &&
	       !watchdog_fired) {
		rc = event_wait(dsp, NULL);
		if (rc < 0 && rc != -EINTR) {
			fail("event_wait: %s", strerror(-rc));
			break;
		}
	}

	/* pipe event, timer and watchdog are still registered */
	free_dispatcher(dsp);
	if (cleanups != 2 || cleanup_pid != getpid())
		fail("%d recording cleanups ran in pid %d, expected 2 in %d",
		     cleanups, (int)cleanup_pid, (int)getpid());

	printf("fork-test: child freed its dispatcher copy; parent got data %s, timer %s, new timer %s\n",
	       got_data ? "yes" : "no", timer_fired ? "yes" : "no",
	       late_timer_fired ? "yes" : "no");
	return failures ? TU_FAIL : TU_PASS;
}

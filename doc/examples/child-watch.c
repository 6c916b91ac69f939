/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run a command as a child process and watch it with a deadline:
 *
 *   child-watch [--sigchld] SECONDS COMMAND [ARG...]
 *
 * The child is started from a callback, as a supervisor restarting it
 * would. A pidfd (pidfd_open(2), Linux 5.3) becomes readable when the
 * child ends, so it is an ordinary event for minivent, and that event's
 * timeout is the watchdog: after SECONDS the child gets SIGTERM, two
 * seconds later SIGKILL. Where pidfd_open() is missing (older kernels,
 * valgrind 3.19), or with --sigchld, SIGCHLD arrives through the same
 * signalfd as SIGTERM and SIGINT, and a timer is the watchdog. SIGTERM or
 * SIGINT to child-watch is passed on to the child.
 *
 * The exit status is the child's, or 128 + the signal that killed it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <minivent/event.h>

/* [child] */
struct child {
	struct event watch;	/* the pidfd, or a timer without one */
	pid_t pid;
	int kills;		/* signals sent by the watchdog so far */
	char **argv;
	sigset_t child_mask;	/* the mask the program started with */
};

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}
/* [child] */

/* [spawn] */
/*
 * The signals the loop takes through its signalfd are blocked, and a
 * child inherits the blocked mask across fork() and execve(): a program
 * that does not unblock them itself would ignore SIGTERM. So the child
 * restores the mask the program started with, and the default action of
 * the signals it handles, before it execs.
 */
static pid_t spawn(struct child *c)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;	/* the parent, or -1 */
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &c->child_mask, NULL);
	/* The dispatcher's descriptors are close-on-exec: nothing to free. */
	execvp(c->argv[0], c->argv);
	perror(c->argv[0]);
	_exit(127);
}
/* [spawn] */

/* [reap] */
/* The child has ended: report, and end the loop with its status. */
static void reaped(struct child *c, int status)
{
	int code;

	if (WIFSIGNALED(status)) {
		code = 128 + WTERMSIG(status);
		printf("child %d killed by %s\n", (int)c->pid,
		       strsignal(WTERMSIG(status)));
	} else {
		code = WEXITSTATUS(status);
		printf("child %d exited with status %d\n", (int)c->pid, code);
	}
	c->pid = 0;
	event_loop_exit(c->watch.dsp, code);
	/* Without a pidfd the watch is a timer: it has nothing left to do. */
	if (c->watch.fd < 0)
		event_remove(&c->watch);
}

/* Has the child ended? Never blocks. */
static void try_reap(struct child *c)
{
	int status;

	if (c->pid > 0 && waitpid(c->pid, &status, WNOHANG) == c->pid)
		reaped(c, status);
}

/* The watchdog: SIGTERM when the time is up, SIGKILL if that is ignored. */
static void watchdog(struct child *c)
{
	int sig = c->kills++ ? SIGKILL : SIGTERM;

	if (c->pid <= 0)
		return;		/* kill(0, ...) would hit our process group */
	printf("child %d: time is up, sending %s\n", (int)c->pid, strsignal(sig));
	kill(c->pid, sig);
	event_mod_timeout(&c->watch, &(struct timespec){ .tv_sec = 2 });
}

static int on_child(struct event *evt, uint32_t events)
{
	struct child *c = (struct child *)evt;

	(void)events;
	if (evt->reason == REASON_TIMEOUT) {
		watchdog(c);
		return EVENTCB_CONTINUE;
	}
	/* The pidfd is readable: the child has ended. */
	try_reap(c);
	return EVENTCB_CLEANUP;	/* closes the pidfd */
}
/* [reap] */

/* [start] */
/* Start the child and its watch; run from a callback, as a supervisor would. */
static int start_child(struct child *c, struct dispatcher *dsp,
		       const struct timespec *limit, int use_pidfd)
{
	int pidfd = -1, r;

	c->pid = spawn(c);
	if (c->pid < 0)
		return -errno;
	if (use_pidfd) {
		pidfd = open_pidfd(c->pid);
		if (pidfd < 0 && errno != ENOSYS)
			return -errno;
	}
	printf("started %s as %d, watched through %s\n", c->argv[0],
	       (int)c->pid, pidfd >= 0 ? "a pidfd" : "SIGCHLD");
	c->watch = (struct event)EVENT_ON_STACK(on_child, pidfd, EPOLLIN);
	c->watch.tmo = *limit;
	/* If the child has ended already, the pidfd or the SIGCHLD tells. */
	r = event_add(dsp, &c->watch);
	return r;
}
/* [start] */

struct ctx {
	struct child child;
	struct timespec limit;
	int use_pidfd;
};

static struct ctx ctx;

static int on_start(struct event *evt, uint32_t events)
{
	int r;

	(void)events;
	r = start_child(&ctx.child, evt->dsp, &ctx.limit, ctx.use_pidfd);
	if (r < 0) {
		fprintf(stderr, "cannot start %s: %s\n", ctx.child.argv[0], strerror(-r));
		event_loop_exit(evt->dsp, 126);
	}
	return EVENTCB_REMOVE;
}

/* [signals] */
static int on_signal(struct event *evt, uint32_t events)
{
	struct signalfd_siginfo si;
	struct child *c = &ctx.child;

	(void)events;
	while (read(evt->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			/* Several children may make one SIGCHLD: waitpid() tells. */
			if (c->watch.fd < 0)
				try_reap(c);
		} else if (c->pid > 0) {
			printf("%s: passing it on to %d\n",
			       strsignal((int)si.ssi_signo), (int)c->pid);
			kill(c->pid, SIGTERM);
		} else {
			event_loop_exit(evt->dsp, 128 + (int)si.ssi_signo);
		}
	}
	return EVENTCB_CONTINUE;
}
/* [signals] */

int main(int argc, char **argv)
{
	struct event sig, start = TIMER_EVENT_ON_STACK(on_start, 0);
	struct dispatcher *dsp;
	sigset_t mask;
	double secs;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ctx.use_pidfd = !(argc > 1 && strcmp(argv[1], "--sigchld") == 0);
	argv += !ctx.use_pidfd;
	argc -= !ctx.use_pidfd;
	if (argc < 3 || (secs = strtod(argv[1], NULL)) <= 0) {
		fprintf(stderr, "usage: child-watch [--sigchld] SECONDS COMMAND [ARG...]\n");
		return 2;
	}
	ctx.limit.tv_sec = (time_t)secs;
	ctx.limit.tv_nsec = (long)((secs - (double)ctx.limit.tv_sec) * 1e9);
	ctx.child.argv = argv + 2;

	/* [setup] */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	/* Keep the old mask: it is the one the child gets back. */
	if (sigprocmask(SIG_BLOCK, &mask, &ctx.child.child_mask) < 0) {
		perror("sigprocmask");
		return 1;
	}
	sig = (struct event)EVENT_ON_STACK(on_signal,
			signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC), EPOLLIN);
	/* [setup] */
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (sig.fd < 0 || !dsp) {
		perror("setup");
		return 1;
	}
	if ((r = event_add(dsp, &sig)) < 0 || (r = event_add(dsp, &start)) < 0) {
		fprintf(stderr, "event_add: %s\n", strerror(-r));
		return 1;
	}
	r = event_loop(dsp, NULL, NULL);
	if (r < 0)
		fprintf(stderr, "event_loop: %s\n", strerror(-r));
	free_dispatcher(dsp);
	return r < 0 ? 1 : r;
}

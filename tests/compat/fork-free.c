/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The original's echo and datagram tests fork inside a timer callback: the
 * child calls free_dispatcher() there and never returns to the loop. It
 * must keep no descriptor of the parent's dispatcher: not the epoll fd,
 * not the timerfd, not the listening socket or the connections that the
 * cleanups close. Otherwise clients miss hang-ups and a second run finds
 * its address in use.
 *
 * The child lists /proc/self/fd after free_dispatcher() and reports every
 * descriptor besides 0, 1, 2 and its report pipe. Then the parent checks
 * that the address can be bound again at once, and that a child that does
 * return from the callback ends its loop cleanly with 0.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event.h"
#include "compat.h"

static struct dispatcher *dsp;
static int report_fd = -1;
static bool child_returns;

static int on_conn(struct event *evt, uint32_t events)
{
	char buf[64];

	if (read(evt->fd, buf, sizeof(buf)) <= 0)
		return EVENTCB_CLEANUP;
	return EVENTCB_CONTINUE;
}

static int on_listen(struct event *evt, uint32_t events)
{
	struct event *c = malloc(sizeof(*c));
	int fd = accept4(evt->fd, NULL, NULL, SOCK_CLOEXEC);

	if (!c || fd < 0)
		exit(COMPAT_HARD_ERROR);
	*c = (struct event)EVENT_ON_HEAP(on_conn, fd, EPOLLIN);
	if (event_add(dsp, c) != 0)
		exit(COMPAT_HARD_ERROR);
	return EVENTCB_CONTINUE;
}

/*
 * Descriptors open before the test made any (valgrind keeps some, high
 * up), and the test's own.
 */
static int not_ours[256];
static unsigned int n_not_ours;

/* Call @fn for each open descriptor, as /proc/self/fd lists them. */
static void for_each_open_fd(void (*fn)(int fd))
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		_exit(COMPAT_HARD_ERROR);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
			fn(atoi(de->d_name));
	closedir(d);
}

static void mark_not_ours(int fd)
{
	if (n_not_ours == sizeof(not_ours) / sizeof(not_ours[0]))
		_exit(COMPAT_HARD_ERROR);
	not_ours[n_not_ours++] = fd;
}

/* What is left of the dispatcher, its events and the server's sockets. */
static void report_fd_if_ours(int fd)
{
	for (unsigned int i = 0; i < n_not_ours; i++)
		if (not_ours[i] == fd)
			return;
	dprintf(report_fd, "%d ", fd);
}

static int on_fork_timer(struct event *evt, uint32_t events)
{
	pid_t pid = fork();

	if (pid < 0)
		exit(COMPAT_HARD_ERROR);
	if (pid > 0)
		return EVENTCB_REMOVE;
	/* The child: done with the parent's loop. */
	free_dispatcher(dsp);
	for_each_open_fd(report_fd_if_ours);
	close(report_fd);
	if (!child_returns)
		_exit(0);
	return EVENTCB_REMOVE;
}

/* The parent ends its loop the same way: event_loop() then returns 0. */
static int on_stop(struct event *evt, uint32_t events)
{
	free_dispatcher(dsp);
	return EVENTCB_CONTINUE;
}

static int tcp_listener(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;

	/* TIME_WAIT may hold the port; only a listener still open may not. */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)sin, sizeof(*sin)) < 0 ||
	    listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void run(bool returns)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct event listener, timer, stop;
	int lfd, client, rep[2], status, again;
	char fds[256] = "";
	pid_t parent = getpid();
	ssize_t n;
	int r;

	child_returns = returns;
	n_not_ours = 0;
	for_each_open_fd(mark_not_ours);
	client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (client < 0 || pipe2(rep, O_CLOEXEC) < 0)
		exit(COMPAT_HARD_ERROR);
	for_each_open_fd(mark_not_ours);	/* the client and the pipe */
	lfd = tcp_listener(&sin);
	if (lfd < 0)
		exit(COMPAT_HARD_ERROR);
	report_fd = rep[1];
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp)
		exit(COMPAT_HARD_ERROR);
	listener = (struct event)EVENT_ON_STACK(on_listen, lfd, EPOLLIN);
	CHECK_ERR(event_add(dsp, &listener), 0);
	if (connect(client, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		exit(COMPAT_HARD_ERROR);
	/* Accept the client first, then fork from a timer. */
	CHECK_ERR(event_wait(dsp, NULL), 0);
	timer = (struct event)TIMER_EVENT_ON_STACK(on_fork_timer, 1000);
	CHECK_ERR(event_add(dsp, &timer), 0);
	stop = (struct event)TIMER_EVENT_ON_STACK(on_stop, 100000);
	CHECK_ERR(event_add(dsp, &stop), 0);

	r = event_loop(dsp, NULL, NULL);
	if (getpid() != parent) {
		/* A child that returned: its loop ended cleanly. */
		_exit(r == 0 ? 0 : 1);
	}
	CHECK_ERR(r, 0);
	close(rep[1]);
	n = read(rep[0], fds, sizeof(fds) - 1);
	fds[n > 0 ? n : 0] = 0;
	close(rep[0]);
	if (waitpid(-1, &status, 0) < 0 || !WIFEXITED(status))
		exit(COMPAT_HARD_ERROR);
	if (fds[0]) {
		fprintf(stderr, "FAIL: the child kept descriptors %s\n", fds);
		compat_failures++;
	}
	CHECK(WEXITSTATUS(status) == 0);
	/* The server's descriptors are closed everywhere: the client sees EOF. */
	CHECK(read(client, fds, 1) == 0);
	close(client);
	/* And a second run can listen on the same port at once. */
	again = tcp_listener(&sin);
	CHECK(again >= 0);
	if (again >= 0)
		close(again);
}

int main(void)
{
	run(false);
	run(true);
	return COMPAT_EXIT();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * echo-test: an echo server on minivent, with forked client processes.
 *
 * The server accepts connections on a listening AF_UNIX stream socket.
 * Each connection is a malloc()ed struct with its struct event first, so
 * that cleanup_event_on_heap() can free it once its callback returns
 * EVENTCB_CLEANUP. Every request pushes the connection's idle timeout back
 * with event_mod_timeout(); a short write switches the event to EPOLLOUT
 * with event_modify(). The clients check every reply; see echo-client.c.
 *
 * With --max-wait=0 the clients send again at once: a benchmark.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "echo-client.h"
#include "event.h"
#include "test-util.h"

struct conn {
	struct event e;		/* first: cleanup_event_on_heap() frees it */
	size_t len;		/* bytes in buf */
	size_t off;		/* bytes of buf already written back */
	unsigned char buf[4096];
};

static struct echo_opts opts;
static struct timespec idle_tmo;
static struct sockaddr_un srv_addr;
static socklen_t srv_addrlen;

static int open_conns;
static unsigned long total_conns, idle_closed, server_errors, short_writes;
static bool clients_done;

/* End event_loop() the documented way: a signal only it lets through. */
static void maybe_quit(void)
{
	if (clients_done && open_conns == 0)
		kill(getpid(), SIGINT);
}

static void clients_gone(void)
{
	clients_done = true;
	maybe_quit();
}

static void conn_cleanup(struct event *evt)
{
	open_conns--;
	/* closes the socket and frees the struct conn */
	cleanup_event_on_heap(evt);
	maybe_quit();
}

/* Write out what is buffered; returns false if the connection is dead. */
static bool conn_flush(struct conn *c)
{
	ssize_t n;

	while (c->off < c->len) {
		n = send(c->e.fd, c->buf + c->off, c->len - c->off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			tu_msg("send: %s", strerror(errno));
			server_errors++;
			return false;
		}
		c->off += n;
	}
	/* wait for room only while something is pending, reading otherwise */
	c->e.ep.events = c->off < c->len ? EPOLLOUT : EPOLLIN;
	if (c->off < c->len)
		short_writes++;
	else
		c->off = c->len = 0;
	if (event_modify(&c->e)) {
		server_errors++;
		return false;
	}
	return true;
}

static int conn_cb(struct event *evt, uint32_t events)
{
	struct conn *c = (struct conn *)evt;
	ssize_t n;
	int rc;

	if (evt->reason == REASON_TIMEOUT) {
		/* a client never pauses this long: it is lost */
		tu_msg("connection idle for %ld s, closing",
		       (long)idle_tmo.tv_sec);
		idle_closed++;
		return EVENTCB_CLEANUP;
	}
	if (c->off < c->len)
		return conn_flush(c) ? EVENTCB_CONTINUE : EVENTCB_CLEANUP;

	n = recv(evt->fd, c->buf, sizeof(c->buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return EVENTCB_CONTINUE;
	if (n < 0) {
		tu_msg("recv: %s", strerror(errno));
		server_errors++;
		return EVENTCB_CLEANUP;
	}
	if (n == 0)		/* the client is done */
		return EVENTCB_CLEANUP;

	/* activity: postpone the idle timeout (no syscall in minivent) */
	rc = event_mod_timeout(evt, &idle_tmo);
	if (rc) {
		tu_msg("event_mod_timeout: %s", strerror(-rc));
		server_errors++;
		return EVENTCB_CLEANUP;
	}
	c->len = n;
	c->off = 0;
	return conn_flush(c) ? EVENTCB_CONTINUE : EVENTCB_CLEANUP;
}

static int listen_cb(struct event *evt, uint32_t events)
{
	struct conn *c;
	int fd, rc;

	for (;;) {
		fd = accept4(evt->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				return EVENTCB_CONTINUE;
			tu_msg("accept: %s", strerror(errno));
			server_errors++;
			return EVENTCB_CONTINUE;
		}
		c = malloc(sizeof(*c));
		if (!c) {
			server_errors++;
			close(fd);
			continue;
		}
		c->e = (struct event)EVENT_W_TMO_ON_HEAP(conn_cb, fd, EPOLLIN, 0);
		c->e.tmo = idle_tmo;
		c->e.cleanup = conn_cleanup;
		c->len = c->off = 0;
		rc = event_add(evt->dsp, &c->e);
		if (rc) {
			tu_msg("event_add: %s", strerror(-rc));
			server_errors++;
			close(fd);
			free(c);
			continue;
		}
		open_conns++;
		total_conns++;
	}
}

static int client_connect(int id, void *arg)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&srv_addr, srv_addrlen)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int listen_socket(void)
{
	int fd;

	/* abstract name: nothing to clean up in the file system */
	memset(&srv_addr, 0, sizeof(srv_addr));
	srv_addr.sun_family = AF_UNIX;
	snprintf(srv_addr.sun_path + 1, sizeof(srv_addr.sun_path) - 1,
		 "minivent-echo-test-%d", (int)getpid());
	srv_addrlen = offsetof(struct sockaddr_un, sun_path) + 1 +
		strlen(srv_addr.sun_path + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		tu_die("socket");
	if (bind(fd, (struct sockaddr *)&srv_addr, srv_addrlen))
		tu_die("bind");
	/* the clients connect before the loop runs: room for all of them */
	if (listen(fd, opts.num_clients + 16))
		tu_die("listen");
	return fd;
}

int main(int argc, char **argv)
{
	struct event listen_ev;
	int ret;

	tu_progname = "echo-test";
	echo_parse_opts(argc, argv, &opts);
	/* far longer than any pause of a client, even under valgrind */
	idle_tmo.tv_sec = 10 + opts.max_wait_ms / 1000 + 1;

	listen_ev = (struct event)EVENT_ON_STACK(listen_cb, listen_socket(), EPOLLIN);
	ret = echo_run(&opts, true, client_connect, &listen_ev, clients_gone);
	printf("%s: %lu connections, %lu idle timeouts, %lu short writes, %lu server errors\n",
	       tu_progname, total_conns, idle_closed, short_writes,
	       server_errors);
	if (idle_closed || server_errors ||
	    total_conns != (unsigned long)opts.num_clients)
		ret = TU_FAIL;
	return ret;
}

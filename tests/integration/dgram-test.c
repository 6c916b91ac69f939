/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dgram-test: echo-test over SOCK_DGRAM.
 *
 * One bound AF_UNIX datagram socket serves all forked clients; each client
 * has its own autobound socket connected to it, so the server answers with
 * sendto() to the sender's address. Datagrams have random lengths, and the
 * clients check that each comes back whole and unchanged (echo-client.c).
 * The server's event carries an idle timeout, pushed back per datagram:
 * while clients run, it must never expire.
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

static struct echo_opts opts;
static struct timespec idle_tmo;
static struct sockaddr_un srv_addr;
static socklen_t srv_addrlen;

static unsigned long datagrams, idle_timeouts, server_errors, dropped;

static void clients_gone(void)
{
	kill(getpid(), SIGINT);
}

static int server_cb(struct event *evt, uint32_t events)
{
	static unsigned char buf[ECHO_MAX_MSG + 1];
	struct sockaddr_un peer;
	socklen_t plen;
	ssize_t n, w;
	int rc;

	if (evt->reason == REASON_TIMEOUT) {
		/* one-shot: the next datagram arms it again */
		tu_msg("no datagram for %ld s", (long)idle_tmo.tv_sec);
		idle_timeouts++;
		return EVENTCB_CONTINUE;
	}
	for (;;) {
		plen = sizeof(peer);
		/* MSG_TRUNC: the real length, to notice an oversized one */
		n = recvfrom(evt->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&peer, &plen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0 || (size_t)n > ECHO_MAX_MSG) {
			tu_msg("recvfrom: %zd, %s", n, strerror(errno));
			server_errors++;
			continue;
		}
		datagrams++;
		/*
		 * A client has one datagram in flight, so its receive queue
		 * has room; EAGAIN here would be a drop.
		 */
		do
			w = sendto(evt->fd, buf, n, MSG_DONTWAIT,
				   (struct sockaddr *)&peer, plen);
		while (w < 0 && errno == EINTR);
		if (w != n) {
			tu_msg("sendto: %zd, %s", w, strerror(errno));
			dropped++;
		}
	}
	rc = event_mod_timeout(evt, &idle_tmo);
	if (rc) {
		tu_msg("event_mod_timeout: %s", strerror(-rc));
		server_errors++;
	}
	return EVENTCB_CONTINUE;
}

static int client_connect(int id, void *arg)
{
	sa_family_t fam = AF_UNIX;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	/* autobind to a unique abstract name: the server needs one to reply */
	if (bind(fd, (struct sockaddr *)&fam, sizeof(fam)) ||
	    connect(fd, (struct sockaddr *)&srv_addr, srv_addrlen)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int server_socket(void)
{
	int fd;

	memset(&srv_addr, 0, sizeof(srv_addr));
	srv_addr.sun_family = AF_UNIX;
	snprintf(srv_addr.sun_path + 1, sizeof(srv_addr.sun_path) - 1,
		 "minivent-dgram-test-%d", (int)getpid());
	srv_addrlen = offsetof(struct sockaddr_un, sun_path) + 1 +
		strlen(srv_addr.sun_path + 1);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		tu_die("socket");
	if (bind(fd, (struct sockaddr *)&srv_addr, srv_addrlen))
		tu_die("bind");
	return fd;
}

int main(int argc, char **argv)
{
	struct event server;
	int ret;

	tu_progname = "dgram-test";
	echo_parse_opts(argc, argv, &opts);
	idle_tmo.tv_sec = 10 + opts.max_wait_ms / 1000 + 1;

	server = (struct event)EVENT_ON_STACK(server_cb, server_socket(), EPOLLIN);
	server.tmo = idle_tmo;
	ret = echo_run(&opts, false, client_connect, &server, clients_gone);
	printf("%s: %lu datagrams echoed, %lu dropped, %lu idle timeouts, %lu server errors\n",
	       tu_progname, datagrams, dropped, idle_timeouts, server_errors);
	if (idle_timeouts || server_errors || dropped)
		ret = TU_FAIL;
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny HTTP/1.1 server for the libcurl example's test, in C so that the
 * test needs no Python (whose http.server listens with a backlog of 5 and
 * drops the SYNs of 50 simultaneous connections).
 *
 *   http-server              listen on 127.0.0.1, print the port, serve
 *   http-server --expect PORT N
 *                            print what curl-multi should report for
 *                            http://127.0.0.1:PORT/1 .. /N
 *
 * GET /K answers 200 with body_size(K) bytes of a pattern that depends on
 * K, so that a transfer mixed up with another fails its checksum. One
 * thread per connection, keep-alive honoured. The server exits when its
 * standard input reaches end of file (the test closes it), printing the
 * most connections it had open at once, or after two minutes whatever
 * happens.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Sizes from 0 to a few hundred kilobytes: several reads, several writes. */
static size_t body_size(unsigned long k)
{
	return (k * 7919 + k * k * 131) % 400000 + (k % 3 ? k : 0);
}

static unsigned char body_byte(unsigned long k, size_t i)
{
	return (unsigned char)((i * 31 + k * 17 + (i >> 9)) & 0xff);
}

static unsigned long long body_fnv(unsigned long k)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < body_size(k); i++) {
		h ^= body_byte(k, i);
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int respond(int fd, unsigned long k, int found)
{
	char head[256], chunk[16384];
	size_t size = found ? body_size(k) : 0;
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Length: %zu\r\n"
			 "Content-Type: application/octet-stream\r\n\r\n",
			 found ? "200 OK" : "404 Not Found", size);

	if (write_all(fd, head, (size_t)n) < 0)
		return -1;
	for (size_t off = 0; off < size; off += sizeof(chunk)) {
		size_t len = size - off < sizeof(chunk) ? size - off : sizeof(chunk);

		for (size_t i = 0; i < len; i++)
			chunk[i] = (char)body_byte(k, off + i);
		if (write_all(fd, chunk, len) < 0)
			return -1;
	}
	return 0;
}

/* Connections open now, and the most there were at once. */
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int open_now, open_peak;

static void count_connection(int delta)
{
	pthread_mutex_lock(&count_lock);
	open_now += delta;
	if (open_now > open_peak)
		open_peak = open_now;
	pthread_mutex_unlock(&count_lock);
}

/* Serve requests on one connection until the client closes it. */
static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[8192];
	size_t have = 0;

	for (;;) {
		char *end = memmem(buf, have, "\r\n\r\n", 4);
		ssize_t n;

		if (end) {
			unsigned long k = 0;
			int found = sscanf(buf, "GET /%lu ", &k) == 1;
			size_t used = (size_t)(end + 4 - buf);

			if (respond(fd, k, found) < 0)
				break;
			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
		if (have == sizeof(buf))
			break;
		n = recv(fd, buf + have, sizeof(buf) - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	count_connection(-1);
	return NULL;
}

static void *watch_stdin(void *arg)
{
	char c;

	(void)arg;
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	pthread_mutex_lock(&count_lock);
	printf("peak %d connections\n", open_peak);
	exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	pthread_t thread;
	int lfd;

	if (argc == 4 && strcmp(argv[1], "--expect") == 0) {
		unsigned long n = strtoul(argv[3], NULL, 10);

		for (unsigned long k = 1; k <= n; k++)
			printf("http://127.0.0.1:%s/%lu 200 %zu %016llx\n",
			       argv[2], k, body_size(k), body_fnv(k));
		return 0;
	}
	alarm(120);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* 50 clients connect at once: a backlog of 5 would drop SYNs. */
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
		perror("http-server");
		return 1;
	}
	printf("%u\n", (unsigned)ntohs(sa.sin_port));
	fflush(stdout);
	if (pthread_create(&thread, NULL, watch_stdin, NULL) != 0)
		return 1;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("accept");
			return 1;
		}
		count_connection(1);
		if (pthread_create(&thread, NULL, serve, (void *)(intptr_t)fd) != 0) {
			close(fd);
			count_connection(-1);
			continue;
		}
		pthread_detach(thread);
	}
}

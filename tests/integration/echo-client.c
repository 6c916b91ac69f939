/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Client processes for echo-test and dgram-test, and the bookkeeping of
 * their results in the server process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "echo-client.h"
#include "test-util.h"

/*
 * A reply that does not come within this time is lost. Generous, because
 * under valgrind a busy two-core machine can stall a process for seconds.
 */
#define REPLY_TIMEOUT_MS	30000

struct msg_hdr {
	uint32_t id;
	uint32_t len;
	uint64_t seq;
};

void echo_parse_opts(int argc, char **argv, struct echo_opts *o)
{
	static const struct option longopts[] = {
		{ "num-clients", required_argument, NULL, 'n' },
		{ "runtime", required_argument, NULL, 'r' },
		{ "max-wait", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* brief defaults for make check; raise them for a benchmark */
	o->num_clients = 4;
	o->runtime_s = 2;
	o->max_wait_ms = 10;
	o->seed = 0;

	while ((c = getopt_long(argc, argv, "n:r:w:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->num_clients = tu_parse_long("num-clients", optarg,
						       1, 1000);
			break;
		case 'r':
			o->runtime_s = tu_parse_long("runtime", optarg, 1, 86400);
			break;
		case 'w':
			o->max_wait_ms = tu_parse_long("max-wait", optarg,
						       0, 60000);
			break;
		case 's':
			o->seed = tu_parse_long("seed", optarg, 0, LONG_MAX);
			break;
		case 'h':
			printf("usage: %s [--num-clients=N] [--runtime=SECONDS] [--max-wait=MS] [--seed=N]\n"
			       "  each client waits a random 0..MS ms between requests;\n"
			       "  --max-wait=0 sends again at once (benchmark)\n",
			       tu_progname);
			exit(TU_PASS);
		default:
			exit(TU_HARD_ERROR);
		}
	}
	tu_no_operands(argc, argv, optind);
	o->seed = tu_seed(o->seed);
}

/* Payload depends on client, sequence number and position. */
static size_t make_msg(unsigned char *buf, uint32_t id, uint64_t seq,
		       uint64_t *rnd)
{
	struct msg_hdr hdr;
	size_t len, i;

	len = sizeof(hdr) + tu_rand_below(rnd, ECHO_MAX_MSG - sizeof(hdr) + 1);
	hdr.id = id;
	hdr.len = len;
	hdr.seq = seq;
	memcpy(buf, &hdr, sizeof(hdr));
	for (i = sizeof(hdr); i < len; i++)
		buf[i] = (unsigned char)(seq * 31 + i * 7 + id);
	return len;
}

static int send_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Receive the reply to a message of @len bytes: one datagram, or for a
 * stream until @len bytes arrived. Returns the bytes received, 0 if the
 * reply was lost (timeout or EOF), -1 on error.
 */
static ssize_t recv_reply(int fd, unsigned char *buf, size_t len, bool stream)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;
	int rc;

	do {
		rc = poll(&pfd, 1, REPLY_TIMEOUT_MS);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 0;
		/* one byte more than expected shows an oversized datagram */
		n = recv(fd, buf + got, stream ? len - got : ECHO_MAX_MSG + 1,
			 MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		got += n;
	} while (stream && got < len);
	return got;
}

static void client_run(int fd, const struct echo_opts *o, bool stream,
		       uint32_t id, struct client_report *r)
{
	static unsigned char out[ECHO_MAX_MSG], in[ECHO_MAX_MSG + 1];
	uint64_t rnd = o->seed + id * 0x9e3779b97f4a7c15ULL;
	struct timespec start, t0, ts;
	int64_t runtime = o->runtime_s * TU_NSEC_PER_SEC, rtt;
	uint64_t seq;
	ssize_t n;
	size_t len;

	if (!rnd)
		rnd = 1;
	tu_now(&start);
	for (seq = 0; tu_elapsed_ns(&start) < runtime; seq++) {
		if (o->max_wait_ms > 0) {
			tu_ns_ts(tu_rand_below(&rnd, o->max_wait_ms + 1) *
				 1000000LL, &ts);
			while (nanosleep(&ts, &ts) && errno == EINTR)
				;
		}
		len = make_msg(out, id, seq, &rnd);
		tu_now(&t0);
		if (send_all(fd, out, len)) {
			tu_msg("client %u: send: %s", id, strerror(errno));
			r->failed = 1;
			break;
		}
		r->sent++;
		n = recv_reply(fd, in, len, stream);
		rtt = tu_elapsed_ns(&t0);
		if (n < 0) {
			tu_msg("client %u: recv: %s", id, strerror(errno));
			r->failed = 1;
			break;
		}
		if (n == 0) {
			tu_msg("client %u: reply to message %llu lost", id,
			       (unsigned long long)seq);
			r->lost++;
			break;
		}
		if ((size_t)n != len || memcmp(in, out, len)) {
			tu_msg("client %u: reply to message %llu differs (%zd bytes, sent %zu)",
			       id, (unsigned long long)seq, n, len);
			r->mismatched++;
			/* a stream is out of step now; stop */
			break;
		}
		r->ok++;
		if ((uint64_t)rtt > r->max_rtt_ns)
			r->max_rtt_ns = rtt;
	}
	r->elapsed_ns = tu_elapsed_ns(&start);
}

static void __attribute__((noreturn))
client_main(const struct echo_opts *o, bool stream, client_connect_fn conn,
	    void *arg, int report_fd, uint32_t id)
{
	struct client_report r;
	int fd, status;

	memset(&r, 0, sizeof(r));
	r.id = id;
	fd = conn(id, arg);
	if (fd < 0) {
		tu_msg("client %u: connect: %s", id, strerror(errno));
		r.failed = 1;
	} else {
		client_run(fd, o, stream, id, &r);
		close(fd);
	}
	status = r.failed || r.lost || r.mismatched ? TU_FAIL : TU_PASS;
	if (write(report_fd, &r, sizeof(r)) != sizeof(r)) {
		tu_msg("client %u: write report: %s", id, strerror(errno));
		status = TU_HARD_ERROR;
	}
	close(report_fd);
	/* nothing allocated; exit() also lets ASan/valgrind check the child */
	exit(status);
}

void echo_spawn_clients(const struct echo_opts *o, bool stream,
			client_connect_fn conn, void *arg, int report_fd,
			const sigset_t *child_mask, pid_t *pids)
{
	int i;

	/* buffered output must not be written by every child again */
	fflush(NULL);
	for (i = 0; i < o->num_clients; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			tu_die("fork");
		if (pids[i] == 0) {
			/* the child's copy; freed so that leak checkers see none */
			free(pids);
			if (sigprocmask(SIG_SETMASK, child_mask, NULL))
				tu_die("sigprocmask");
			client_main(o, stream, conn, arg, report_fd, i);
		}
	}
}

static int report_cb(struct event *evt, uint32_t events)
{
	struct report_collector *rc = (struct report_collector *)evt;
	struct client_report r;
	ssize_t n;

	/* records are written whole (< PIPE_BUF), so they are read whole */
	n = read(evt->fd, &r, sizeof(r));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return EVENTCB_CONTINUE;
	if (n == 0 || n < 0) {
		if (n < 0)
			tu_msg("read reports: %s", strerror(errno));
		rc->eof = true;
		return EVENTCB_CLEANUP;
	}
	if (n != sizeof(r) || r.id < 0 || r.id >= rc->expected ||
	    rc->reports[r.id].id != -1) {
		tu_msg("FAIL: bad client report (%zd bytes, id %d)", n, r.id);
		rc->bad_report = true;
		return EVENTCB_CONTINUE;
	}
	rc->reports[r.id] = r;
	rc->received++;
	return EVENTCB_CONTINUE;
}

static void report_cleanup(struct event *evt)
{
	struct report_collector *rc = (struct report_collector *)evt;

	cleanup_event_on_stack(evt);
	if (rc->done)
		rc->done();
}

int report_collector_add(struct dispatcher *dsp, struct report_collector *rc,
			 int fd, int expected, void (*done)(void))
{
	int i;

	rc->e = (struct event)EVENT_ON_STACK(report_cb, fd, EPOLLIN);
	rc->e.cleanup = report_cleanup;
	rc->reports = calloc(expected, sizeof(*rc->reports));
	if (!rc->reports)
		return -ENOMEM;
	for (i = 0; i < expected; i++)
		rc->reports[i].id = -1;
	rc->expected = expected;
	rc->received = 0;
	rc->eof = false;
	rc->bad_report = false;
	rc->done = done;
	return event_add(dsp, &rc->e);
}

int echo_summarize(const struct echo_opts *o, struct report_collector *rc,
		   pid_t *pids)
{
	uint64_t sent = 0, ok = 0, lost = 0, bad = 0, max_rtt = 0;
	uint64_t max_elapsed = 1;
	int i, status, ret = TU_PASS;

	for (i = 0; i < o->num_clients; i++) {
		if (waitpid(pids[i], &status, 0) < 0)
			tu_die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			tu_msg("FAIL: client %d ended with status 0x%x", i,
			       status);
			ret = TU_FAIL;
		}
	}
	for (i = 0; i < o->num_clients; i++) {
		const struct client_report *r = &rc->reports[i];

		if (r->id != i) {
			tu_msg("FAIL: client %d sent no report", i);
			ret = TU_FAIL;
			continue;
		}
		if (r->failed)
			ret = TU_FAIL;
		sent += r->sent;
		ok += r->ok;
		lost += r->lost;
		bad += r->mismatched;
		if (r->max_rtt_ns > max_rtt)
			max_rtt = r->max_rtt_ns;
		if (r->elapsed_ns > max_elapsed)
			max_elapsed = r->elapsed_ns;
	}
	if (rc->bad_report || lost || bad || sent != ok || ok == 0)
		ret = TU_FAIL;
	printf("%s: %d clients, %d s, max-wait %d ms: %llu requests, %llu ok, %llu lost, %llu mismatched\n",
	       tu_progname, o->num_clients, o->runtime_s, o->max_wait_ms,
	       (unsigned long long)sent, (unsigned long long)ok,
	       (unsigned long long)lost, (unsigned long long)bad);
	printf("%s: %.0f requests/s, max rtt %llu us\n", tu_progname,
	       (double)ok * TU_NSEC_PER_SEC / max_elapsed,
	       (unsigned long long)(max_rtt / 1000));
	free(rc->reports);
	rc->reports = NULL;
	return ret;
}

static bool watchdog_fired;

static int watchdog_cb(struct event *evt, uint32_t events)
{
	tu_msg("FAIL: watchdog: the test did not end in time");
	watchdog_fired = true;
	kill(getpid(), SIGINT);
	return EVENTCB_CONTINUE;
}

int echo_run(const struct echo_opts *o, bool stream, client_connect_fn conn,
	     struct event *server, void (*clients_gone)(void))
{
	/* the reply timeout of the clients is 30 s; wait for it and more */
	struct event watchdog = TIMER_EVENT_ON_STACK(watchdog_cb,
			(o->runtime_s + 90) * 1000000LL);
	struct report_collector collector;
	struct dispatcher *dsp;
	sigset_t loop_mask, old_mask;
	int pfd[2], rc, ret;
	pid_t *pids;

	tu_block_signal(SIGINT, &loop_mask, &old_mask);
	if (pipe2(pfd, O_CLOEXEC))
		tu_die("pipe2");
	pids = calloc(o->num_clients, sizeof(*pids));
	if (!pids)
		tu_die("calloc");
	echo_spawn_clients(o, stream, conn, NULL, pfd[1], &old_mask, pids);
	/* only the clients may hold the write end: EOF means all are gone */
	close(pfd[1]);

	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp)
		tu_die("new_dispatcher");
	rc = event_add(dsp, server);
	if (!rc)
		rc = event_add(dsp, &watchdog);
	if (!rc)
		rc = report_collector_add(dsp, &collector, pfd[0],
					  o->num_clients, clients_gone);
	if (rc) {
		errno = -rc;
		tu_die("adding the server events");
	}

	rc = event_loop(dsp, &loop_mask, NULL);
	if (rc != -EINTR)
		tu_msg("FAIL: event_loop returned %d, expected -EINTR", rc);
	/* closes the server socket and frees any connection left */
	free_dispatcher(dsp);

	ret = echo_summarize(o, &collector, pids);
	free(pids);
	if (rc != -EINTR || watchdog_fired)
		ret = TU_FAIL;
	return ret;
}

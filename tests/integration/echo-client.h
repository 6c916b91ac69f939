/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Client side of echo-test and dgram-test: forked processes that send
 * numbered messages, check every reply byte for byte and report their
 * counts to the server process through a pipe.
 */
#ifndef MINIVENT_ECHO_CLIENT_H
#define MINIVENT_ECHO_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

#define ECHO_MAX_MSG	1024

struct echo_opts {
	int num_clients;
	int runtime_s;
	int max_wait_ms;
	uint64_t seed;
};

/* One record per client; smaller than PIPE_BUF, so written atomically. */
struct client_report {
	int32_t id;
	int32_t failed;		/* a system call failed, see the client's stderr */
	uint64_t sent;
	uint64_t ok;
	uint64_t mismatched;
	uint64_t lost;
	uint64_t max_rtt_ns;
	uint64_t elapsed_ns;
};

/* Returns a connected socket for client @id, or -1 (errno set). */
typedef int (*client_connect_fn)(int id, void *arg);

/* Parse --num-clients, --runtime, --max-wait, --seed; exits on bad usage. */
void echo_parse_opts(int argc, char **argv, struct echo_opts *o);

/*
 * Fork o->num_clients clients. Each calls @conn, runs for o->runtime_s
 * seconds, writes its report to @report_fd and exits (status 0 if all its
 * replies matched). @stream: replies may arrive in pieces. @child_mask is
 * restored in the children. The pids go to @pids.
 */
void echo_spawn_clients(const struct echo_opts *o, bool stream,
			client_connect_fn conn, void *arg, int report_fd,
			const sigset_t *child_mask, pid_t *pids);

/*
 * The server's side of the report pipe: an event collecting the reports;
 * it cleans itself up at EOF (all clients gone) and then calls @done.
 */
struct report_collector {
	struct event e;		/* first: cleanup_event_on_stack closes fd */
	struct client_report *reports;
	int expected;
	int received;
	bool eof;
	bool bad_report;
	void (*done)(void);
};

int report_collector_add(struct dispatcher *dsp, struct report_collector *rc,
			 int fd, int expected, void (*done)(void));

/*
 * Reap the clients, print the totals and return TU_PASS or TU_FAIL:
 * every client must have reported, exited with status 0, and got every
 * reply back intact.
 */
int echo_summarize(const struct echo_opts *o, struct report_collector *rc,
		   pid_t *pids);

/*
 * What echo-test and dgram-test share around their own server event:
 * start the clients, run the loop until @clients_gone (called when every
 * client has reported) or a watchdog ends it with SIGINT, free the
 * dispatcher, and reap and check the clients. @server is the server
 * socket's event, ready to add. Returns TU_PASS or TU_FAIL; the caller
 * adds its own server-side checks.
 */
int echo_run(const struct echo_opts *o, bool stream, client_connect_fn conn,
	     struct event *server, void (*clients_gone)(void));

#endif /* MINIVENT_ECHO_CLIENT_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * minivent-browse TYPE: print services of TYPE (e.g. _http._tcp) as they
 * appear and go, until SIGINT or SIGTERM. Shows avahi-client running on a
 * minivent dispatcher through libminivent-avahi.
 *
 * The signals are blocked except while the loop sleeps in epoll_pwait(),
 * so they can only interrupt the wait, never a callback: event_loop()
 * reports -EINTR and the error handler decides to stop. A callback that
 * gives up (Avahi failed) ends the loop with event_loop_exit().
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/error.h>

#include <minivent/avahi-poll.h>
#include <minivent/event.h>

static volatile sig_atomic_t stop_requested;
static int exit_status = EXIT_SUCCESS;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* The dispatcher, for stop(): Avahi's callbacks do not carry it. */
static struct dispatcher *loop_dsp;

/* Stop from a callback, once the running round is over. */
static void stop(int status)
{
	exit_status = status;
	event_loop_exit(loop_dsp, status);
}

static int on_loop_error(int err)
{
	if (err == -EINTR)
		return stop_requested ? ELOOP_QUIT : ELOOP_CONTINUE;
	fprintf(stderr, "event loop: %s\n", strerror(-err));
	exit_status = EXIT_FAILURE;
	return ELOOP_QUIT;
}

static void browse_cb(AvahiServiceBrowser *b, AvahiIfIndex iface,
		      AvahiProtocol proto, AvahiBrowserEvent event,
		      const char *name, const char *type, const char *domain,
		      AvahiLookupResultFlags flags, void *userdata)
{
	const char *proto_name = proto == AVAHI_PROTO_INET ? "IPv4" :
				 proto == AVAHI_PROTO_INET6 ? "IPv6" : "?";

	(void)flags;
	(void)userdata;

	switch (event) {
	case AVAHI_BROWSER_NEW:
		printf("+ %d %s '%s' %s %s\n", iface, proto_name, name, type, domain);
		break;
	case AVAHI_BROWSER_REMOVE:
		printf("- %d %s '%s' %s %s\n", iface, proto_name, name, type, domain);
		break;
	case AVAHI_BROWSER_ALL_FOR_NOW:
		printf("= all for now\n");
		break;
	case AVAHI_BROWSER_CACHE_EXHAUSTED:
		break;
	case AVAHI_BROWSER_FAILURE:
		fprintf(stderr, "browser: %s\n",
			avahi_strerror(avahi_client_errno(avahi_service_browser_get_client(b))));
		stop(EXIT_FAILURE);
		break;
	}
	fflush(stdout);
}

static void client_cb(AvahiClient *c, AvahiClientState state, void *userdata)
{
	(void)userdata;
	if (state == AVAHI_CLIENT_FAILURE) {
		fprintf(stderr, "avahi client: %s\n", avahi_strerror(avahi_client_errno(c)));
		stop(EXIT_FAILURE);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct minivent_avahi_poll *ap = NULL;
	struct dispatcher *dsp = NULL;
	AvahiServiceBrowser *browser = NULL;
	AvahiClient *client = NULL;
	sigset_t block, wait_mask;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SERVICE-TYPE   (e.g. _http._tcp)\n", argv[0]);
		return 2;
	}

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	loop_dsp = dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp || !(ap = minivent_avahi_poll_new(dsp))) {
		perror("minivent");
		exit_status = EXIT_FAILURE;
		goto out;
	}
	client = avahi_client_new(minivent_avahi_poll_get(ap), 0, client_cb, NULL, &err);
	if (!client) {
		fprintf(stderr, "avahi_client_new: %s\n", avahi_strerror(err));
		exit_status = EXIT_FAILURE;
		goto out;
	}
	browser = avahi_service_browser_new(client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
					    argv[1], NULL, 0, browse_cb, NULL);
	if (!browser) {
		fprintf(stderr, "avahi_service_browser_new: %s\n",
			avahi_strerror(avahi_client_errno(client)));
		exit_status = EXIT_FAILURE;
		goto out;
	}

	event_loop(dsp, &wait_mask, on_loop_error);

out:
	/* Avahi objects first: they free their watches through the adapter. */
	if (browser)
		avahi_service_browser_free(browser);
	if (client)
		avahi_client_free(client);
	minivent_avahi_poll_free(ap);
	free_dispatcher(dsp);
	return exit_status;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libcurl's multi_socket interface on a minivent dispatcher: fetch every
 * URL given on the command line at once, and print for each one
 *
 *   URL HTTP-STATUS BYTES FNV-1A-64-OF-BODY
 *
 * curl tells the program which sockets to watch (CURLMOPT_SOCKETFUNCTION)
 * and when to call it back (CURLMOPT_TIMERFUNCTION); the program tells
 * curl what happened with curl_multi_socket_action(). curl ships the same
 * example for libevent, libev, libuv and raw epoll. The exit status is 0
 * when every transfer returned 200.
 *
 * Two things make it interesting. curl removes a socket (CURL_POLL_REMOVE)
 * from inside curl_multi_socket_action(), which this program calls from
 * the socket's own event callback: the socket callback removes and frees
 * the event there, which minivent allows (see event_remove(3)). And curl
 * asks for a timeout of 0 ms, "as soon as possible", which is TMO_ASAP:
 * {0, 0} would cancel the timeout.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <minivent/event.h>

/* [state] */
struct app {
	struct dispatcher *dsp;
	CURLM *multi;
	struct event timer;	/* curl's single timeout */
	int left;		/* transfers not finished yet */
	int failed;
	struct sock *in_callback;	/* whose on_socket() runs, if any */
	int sockets;		/* sockets curl asked us to watch */
	int removed_inside;	/* ... and removed from their own callback */
};

/* A socket curl asked us to watch; curl owns the descriptor. */
struct sock {
	struct event evt;
	struct app *app;
};

/* One transfer: what arrived so far. */
struct transfer {
	char *url;
	unsigned long long bytes;
	unsigned long long fnv;	/* FNV-1a, 64 bits, of the body */
};
/* [state] */

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;

	for (size_t i = 0; i < size * n; i++) {
		t->fnv ^= (unsigned char)data[i];
		t->fnv *= 0x100000001b3ULL;
	}
	t->bytes += size * n;
	return size * n;
}

/* [done] */
/* Report the transfers curl has finished; end the loop after the last. */
static void check_done(struct app *app)
{
	CURLMsg *msg;
	int queued;

	while ((msg = curl_multi_info_read(app->multi, &queued))) {
		struct transfer *t;
		long status = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		if (msg->data.result != CURLE_OK) {
			fprintf(stderr, "%s: %s\n", t->url,
				curl_easy_strerror(msg->data.result));
			app->failed++;
		} else if (status != 200) {
			app->failed++;
		}
		printf("%s %ld %llu %016llx\n", t->url, status, t->bytes, t->fnv);
		curl_multi_remove_handle(app->multi, msg->easy_handle);
		curl_easy_cleanup(msg->easy_handle);
		free(t);
		if (--app->left == 0)
			event_loop_exit(app->dsp, app->failed ? 1 : 0);
	}
}
/* [done] */

/* [callbacks] */
/* A socket is ready: tell curl, which may remove (and free) this event. */
static int on_socket(struct event *evt, uint32_t events)
{
	struct app *app = ((struct sock *)evt)->app;
	int flags = 0, running;

	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	/* evt may be freed by on_curl_socket() inside this call. */
	app->in_callback = (struct sock *)evt;
	curl_multi_socket_action(app->multi, evt->fd, flags, &running);
	app->in_callback = NULL;
	check_done(app);
	return EVENTCB_CONTINUE;	/* ignored if evt was removed */
}

/* curl's timeout expired. */
static int on_timeout(struct event *evt, uint32_t events)
{
	struct app *app = (struct app *)((char *)evt - offsetof(struct app, timer));
	int running;

	(void)events;
	curl_multi_socket_action(app->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(app);
	return EVENTCB_CONTINUE;
}

/* Frees a struct sock without closing the socket, which is curl's. */
static void free_sock(struct event *evt)
{
	free(evt);
}

/* CURLMOPT_SOCKETFUNCTION: watch, change or forget a socket. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *arg,
			  void *sockp)
{
	static const uint32_t masks[] = {
		[CURL_POLL_IN] = EPOLLIN,
		[CURL_POLL_OUT] = EPOLLOUT,
		[CURL_POLL_INOUT] = EPOLLIN | EPOLLOUT,
	};
	struct app *app = arg;
	struct sock *s = sockp;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		/* Possibly from inside on_socket() for this very event. */
		if (s) {
			app->removed_inside += s == app->in_callback;
			event_remove(&s->evt);
			free(s);
		}
		return 0;
	}
	if (what < CURL_POLL_IN || what > CURL_POLL_INOUT)
		return -1;
	if (s) {
		s->evt.ep.events = masks[what];
		return event_modify(&s->evt) < 0 ? -1 : 0;
	}
	s = malloc(sizeof(*s));
	if (!s)
		return -1;
	s->evt = (struct event)EVENT_ON_STACK(on_socket, fd, masks[what]);
	s->evt.cleanup = free_sock;
	s->app = app;
	if (event_add(app->dsp, &s->evt) < 0) {
		free(s);
		return -1;
	}
	curl_multi_assign(app->multi, fd, s);
	app->sockets++;
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 cancels, 0 means as soon as possible. */
static int on_curl_timer(CURLM *multi, long ms, void *arg)
{
	struct app *app = arg;
	struct timespec tmo = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

	(void)multi;
	if (ms < 0)
		tmo = (struct timespec){ 0, 0 };
	else if (ms == 0)
		tmo = *TMO_ASAP;
	return event_mod_timeout(&app->timer, &tmo) < 0 ? -1 : 0;
}
/* [callbacks] */

static int add_transfer(struct app *app, const char *url)
{
	struct transfer *t = calloc(1, sizeof(*t));
	CURL *easy = curl_easy_init();

	if (!t || !easy) {
		free(t);
		curl_easy_cleanup(easy);
		return -1;
	}
	t->url = (char *)url;
	t->fnv = 0xcbf29ce484222325ULL;
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, 60L);
	if (curl_multi_add_handle(app->multi, easy) != CURLM_OK) {
		free(t);
		curl_easy_cleanup(easy);
		return -1;
	}
	app->left++;
	return 0;
}

int main(int argc, char **argv)
{
	struct app app = { 0 };
	int r = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: curl-multi URL...\n");
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	/* [setup] */
	app.dsp = new_dispatcher(CLOCK_MONOTONIC);
	app.multi = curl_multi_init();
	/* curl's timer: registered from the start, armed when curl asks. */
	app.timer = (struct event)TIMER_EVENT_ON_STACK(on_timeout, 0);
	app.timer.tmo = (struct timespec){ 0, 0 };
	if (!app.dsp || !app.multi || event_add(app.dsp, &app.timer) < 0)
		goto out;
	curl_multi_setopt(app.multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(app.multi, CURLMOPT_SOCKETDATA, &app);
	curl_multi_setopt(app.multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(app.multi, CURLMOPT_TIMERDATA, &app);
	for (int i = 1; i < argc; i++)
		if (add_transfer(&app, argv[i]) < 0)
			goto out;
	/* Returns what check_done() passes to event_loop_exit(). */
	r = event_loop(app.dsp, NULL, NULL);
	/* [setup] */
	if (r < 0)
		fprintf(stderr, "event_loop: %s\n", strerror(-r));
	fprintf(stderr, "%d sockets, %d removed by curl in their own callback\n",
		app.sockets, app.removed_inside);
out:
	if (app.multi)
		curl_multi_cleanup(app.multi);
	free_dispatcher(app.dsp);	/* frees the sockets curl left */
	curl_global_cleanup();
	return r == 0 ? 0 : 1;
}

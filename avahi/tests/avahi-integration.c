/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * avahi-client on a minivent dispatcher, against a real avahi-daemon (run
 * it through with-avahi.sh): wait for the client to be running, publish a
 * service with a unique name and a TXT nonce, browse its type, find our
 * own service, resolve it and check name, port and TXT, then shut down.
 *
 * Exit 0 pass, 1 fail, 77 skip (no daemon reachable; a failure when
 * MINIVENT_REQUIRE_AVAHI=1), 99 hard error (could not set up the test).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/strlst.h>

#include <minivent/avahi-poll.h>
#include "event.h"

#define SERVICE_TYPE "_minivent-test._tcp"
#define STEP_TIMEOUT_US (5 * 1000000L)
#define TOTAL_TIMEOUT_US (20 * 1000000L)

enum { PASS = 0, FAIL = 1, SKIP = 77, HARD_ERROR = 99 };

struct test {
	struct dispatcher *dsp;
	AvahiClient *client;
	AvahiEntryGroup *group;
	AvahiServiceBrowser *browser;
	AvahiServiceResolver *resolver;
	struct event step_timer, total_timer;
	const char *step;		/* what we are waiting for */
	char name[64];
	char nonce[33];
	uint16_t port;
	bool established, resolved;
	bool done;
	int result;
	int64_t t0;
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static __attribute__((format(printf, 3, 4))) void
finish(struct test *t, int result, const char *fmt, ...)
{
	va_list ap;

	if (t->done)
		return;
	t->done = true;
	t->result = result;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", result == PASS ? "PASS" : "FAIL");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Each step has 5 s from the moment the previous one completed. */
static void step(struct test *t, const char *what)
{
	struct timespec tmo = { .tv_sec = STEP_TIMEOUT_US / 1000000 };

	printf("%8.3f s  %s\n", (double)(now_us() - t->t0) / 1e6, what);
	fflush(stdout);
	t->step = what;
	event_mod_timeout(&t->step_timer, &tmo);
}

static int step_timeout(struct event *evt, uint32_t events)
{
	struct test *t = (struct test *)(void *)((char *)evt - offsetof(struct test, step_timer));

	finish(t, FAIL, "no progress within 5 s after: %s", t->step);
	return EVENTCB_CONTINUE;
}

static int total_timeout(struct event *evt, uint32_t events)
{
	struct test *t = (struct test *)(void *)((char *)evt - offsetof(struct test, total_timer));

	finish(t, FAIL, "not done within 20 s (last step: %s)", t->step);
	return EVENTCB_CONTINUE;
}

static void check_done(struct test *t)
{
	if (t->established && t->resolved)
		finish(t, PASS, "published, browsed and resolved %s in %.3f s",
		       t->name, (double)(now_us() - t->t0) / 1e6);
}

static void resolve_cb(AvahiServiceResolver *r, AvahiIfIndex iface,
		       AvahiProtocol proto, AvahiResolverEvent event,
		       const char *name, const char *type, const char *domain,
		       const char *host, const AvahiAddress *addr, uint16_t port,
		       AvahiStringList *txt, AvahiLookupResultFlags flags,
		       void *userdata)
{
	struct test *t = userdata;
	AvahiStringList *item;
	char *key = NULL, *value = NULL;

	if (event != AVAHI_RESOLVER_FOUND) {
		finish(t, FAIL, "resolver: %s",
		       avahi_strerror(avahi_client_errno(avahi_service_resolver_get_client(r))));
		return;
	}
	if (strcmp(name, t->name) != 0) {
		finish(t, FAIL, "resolved name '%s', expected '%s'", name, t->name);
		return;
	}
	if (port != t->port) {
		finish(t, FAIL, "resolved port %u, expected %u", port, t->port);
		return;
	}
	item = avahi_string_list_find(txt, "nonce");
	if (!item || avahi_string_list_get_pair(item, &key, &value, NULL) < 0 ||
	    !value || strcmp(value, t->nonce) != 0) {
		finish(t, FAIL, "TXT nonce '%s', expected '%s'",
		       value ? value : "(none)", t->nonce);
		avahi_free(key);
		avahi_free(value);
		return;
	}
	avahi_free(key);
	avahi_free(value);
	t->resolved = true;
	step(t, "resolved: name, port and TXT nonce match");
	check_done(t);
}

static void browse_cb(AvahiServiceBrowser *b, AvahiIfIndex iface,
		      AvahiProtocol proto, AvahiBrowserEvent event,
		      const char *name, const char *type, const char *domain,
		      AvahiLookupResultFlags flags, void *userdata)
{
	struct test *t = userdata;

	switch (event) {
	case AVAHI_BROWSER_NEW:
		if (strcmp(name, t->name) != 0 || t->resolver)
			return;
		step(t, "browser: found our service");
		t->resolver = avahi_service_resolver_new(t->client, iface, proto,
							 name, type, domain,
							 AVAHI_PROTO_UNSPEC, 0,
							 resolve_cb, t);
		if (!t->resolver)
			finish(t, FAIL, "avahi_service_resolver_new: %s",
			       avahi_strerror(avahi_client_errno(t->client)));
		return;
	case AVAHI_BROWSER_FAILURE:
		finish(t, FAIL, "browser: %s",
		       avahi_strerror(avahi_client_errno(avahi_service_browser_get_client(b))));
		return;
	default:
		return;
	}
}

static void group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *userdata)
{
	struct test *t = userdata;

	switch (state) {
	case AVAHI_ENTRY_GROUP_ESTABLISHED:
		t->established = true;
		step(t, "entry group established");
		check_done(t);
		return;
	case AVAHI_ENTRY_GROUP_COLLISION:
		finish(t, FAIL, "name collision for '%s'", t->name);
		return;
	case AVAHI_ENTRY_GROUP_FAILURE:
		finish(t, FAIL, "entry group: %s",
		       avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
		return;
	default:
		return;
	}
}

static void start(struct test *t, AvahiClient *c)
{
	char txt[64];
	int r;

	step(t, "client running");
	snprintf(txt, sizeof(txt), "nonce=%s", t->nonce);
	t->group = avahi_entry_group_new(c, group_cb, t);
	if (!t->group) {
		finish(t, FAIL, "avahi_entry_group_new: %s", avahi_strerror(avahi_client_errno(c)));
		return;
	}
	r = avahi_entry_group_add_service(t->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
					  0, t->name, SERVICE_TYPE, NULL, NULL,
					  t->port, txt, NULL);
	if (r >= 0)
		r = avahi_entry_group_commit(t->group);
	if (r < 0) {
		finish(t, FAIL, "publishing: %s", avahi_strerror(r));
		return;
	}
	t->browser = avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
					       SERVICE_TYPE, NULL, 0, browse_cb, t);
	if (!t->browser)
		finish(t, FAIL, "avahi_service_browser_new: %s", avahi_strerror(avahi_client_errno(c)));
}

static void client_cb(AvahiClient *c, AvahiClientState state, void *userdata)
{
	struct test *t = userdata;

	/* May run inside avahi_client_new(): t->client is not set yet. */
	t->client = c;
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
		if (!t->group)
			start(t, c);
		return;
	case AVAHI_CLIENT_FAILURE:
		finish(t, FAIL, "client: %s", avahi_strerror(avahi_client_errno(c)));
		return;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		/* The host name is (re)probed; our group waits or is reset. */
		return;
	default:
		return;
	}
}

static int skip_or_fail(const char *why)
{
	const char *req = getenv("MINIVENT_REQUIRE_AVAHI");

	if (req && strcmp(req, "1") == 0) {
		fprintf(stderr, "FAIL: %s (MINIVENT_REQUIRE_AVAHI=1)\n", why);
		return FAIL;
	}
	fprintf(stderr, "SKIP: %s\n", why);
	return SKIP;
}

static void random_hex(char *buf, size_t len)
{
	FILE *f = fopen("/dev/urandom", "re");
	unsigned char b;

	for (size_t i = 0; i + 1 < len; i++) {
		if (!f || fread(&b, 1, 1, f) != 1)
			b = (unsigned char)rand();
		buf[i] = "0123456789abcdef"[b & 15];
	}
	buf[len - 1] = '\0';
	if (f)
		fclose(f);
}

int main(void)
{
	struct test t = { .result = FAIL, .step = "avahi_client_new" };
	struct minivent_avahi_poll *ap;
	char tag[9];
	int err = 0, r;

	/*
	 * Backstop for the 20 s cap: avahi-client makes some blocking D-Bus
	 * calls (25 s default timeout) that no event loop timer can cut short.
	 * SIGALRM's default action kills the test, which counts as a failure.
	 */
	alarm(25);
	t.t0 = now_us();
	srand((unsigned int)(t.t0 ^ getpid()));
	random_hex(t.nonce, sizeof(t.nonce));
	random_hex(tag, sizeof(tag));
	snprintf(t.name, sizeof(t.name), "minivent test %d %s", (int)getpid(), tag);
	t.port = (uint16_t)(20000 + (unsigned int)rand() % 20000);

	t.dsp = new_dispatcher(CLOCK_MONOTONIC);
	ap = t.dsp ? minivent_avahi_poll_new(t.dsp) : NULL;
	if (!ap) {
		perror("setup");
		return HARD_ERROR;
	}
	t.step_timer = (struct event)TIMER_EVENT_ON_STACK(step_timeout, STEP_TIMEOUT_US);
	t.total_timer = (struct event)TIMER_EVENT_ON_STACK(total_timeout, TOTAL_TIMEOUT_US);
	t.step_timer.cleanup = t.total_timer.cleanup = NULL;
	if (event_add(t.dsp, &t.step_timer) < 0 || event_add(t.dsp, &t.total_timer) < 0) {
		fprintf(stderr, "event_add failed\n");
		return HARD_ERROR;
	}

	t.client = avahi_client_new(minivent_avahi_poll_get(ap), 0, client_cb, &t, &err);
	if (!t.client) {
		minivent_avahi_poll_free(ap);
		free_dispatcher(t.dsp);
		if (err == AVAHI_ERR_NO_DAEMON) {
			char why[160];

			snprintf(why, sizeof(why), "no avahi-daemon on the system bus (%s); "
				 "run this through with-avahi.sh", avahi_strerror(err));
			return skip_or_fail(why);
		}
		fprintf(stderr, "FAIL: avahi_client_new: %s\n", avahi_strerror(err));
		return FAIL;
	}

	while (!t.done) {
		r = event_wait(t.dsp, NULL);
		if (r < 0 && r != -EINTR) {
			finish(&t, FAIL, "event_wait: %s", strerror(-r));
			break;
		}
	}

	/* Clean shutdown: Avahi objects, then the adapter, then the loop. */
	if (t.resolver)
		avahi_service_resolver_free(t.resolver);
	if (t.browser)
		avahi_service_browser_free(t.browser);
	if (t.group)
		avahi_entry_group_free(t.group);
	avahi_client_free(t.client);
	minivent_avahi_poll_free(ap);
	free_dispatcher(t.dsp);
	printf("%8.3f s  shut down\n", (double)(now_us() - t.t0) / 1e6);
	return t.result;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reference model of a dispatcher: the bookkeeping half of the fuzzer.
 * See fuzz-model.h.
 */
#include "config.h"

#include <string.h>

#include "fuzz-model.h"

void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < M_EVENTS; i++)
		m->ev[i].ep = -1;
	for (int k = 0; k < M_ENDPOINTS; k++)
		m->ep_open[k] = true;
	m->current = -1;
}

void model_unregister(struct model *m, int i)
{
	struct m_event *e = &m->ev[i];

	e->reg = false;
	e->in_epoll = false;
	e->karmed = 0;
	e->oneshot_off = false;
	e->has_tmo = false;
	e->disturbed = true;
}

void model_arm(struct model *m, int i, int64_t deadline)
{
	struct m_event *e = &m->ev[i];

	/* The library pushes what a timeout callback arms to the next wait. */
	if (m->phase == PH_TIMEOUT && deadline < M_BUMPED)
		deadline = M_BUMPED + m->wait_no;
	e->has_tmo = true;
	e->deadline = deadline;
	e->seq = ++m->seq;
}

bool model_is_due(const struct model *m, int i)
{
	const struct m_event *e = &m->ev[i];

	return e->reg && e->has_tmo && e->deadline < M_BUMPED + (int64_t)m->wait_no;
}

bool model_any_due(const struct model *m)
{
	for (int i = 0; i < M_EVENTS; i++)
		if (model_is_due(m, i))
			return true;
	return false;
}

int model_next_due(const struct model *m)
{
	int best = -1;

	for (int i = 0; i < M_EVENTS; i++) {
		const struct m_event *e = &m->ev[i];

		if (!model_is_due(m, i))
			continue;
		if (best < 0 || e->deadline < m->ev[best].deadline ||
		    (e->deadline == m->ev[best].deadline && e->seq < m->ev[best].seq))
			best = i;
	}
	return best;
}

bool model_ep_in_epoll(const struct model *m, int ep, int except)
{
	for (int i = 0; i < M_EVENTS; i++)
		if (i != except && m->ev[i].reg && m->ev[i].in_epoll &&
		    m->ev[i].ep == ep)
			return true;
	return false;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LIBEVENT_USER_H
#define LIBEVENT_USER_H
#include <stddef.h>
#include <stdio.h>

/* Run one libevent loop; 0 if it worked, else -1 and the reason in why. */
int levuser_run(char *why, size_t len);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef MINIVENT_FAULT_WRAP_H
#define MINIVENT_FAULT_WRAP_H

/*
 * Fault injection through the linker: the test is linked with
 * -Wl,--wrap=SYMBOL for each system call and allocator the library uses,
 * so calls from the (statically linked) library land in fault-wrap.c.
 * While armed, the Nth such call fails with a recognizable errno; every
 * other call goes to the real function. Disarmed, nothing changes, so
 * libc and the test itself are unaffected outside the call under test.
 */

#include <stdbool.h>

/* Make the @nth wrapped call from now on fail (1 = the next one). */
void fault_arm(long nth);
/* Stop injecting. Returns true if a fault was injected since fault_arm(). */
bool fault_disarm(void);
/* The errno of the last injected fault, and which function got it. */
extern int fault_errno;
extern const char *fault_where;

#endif

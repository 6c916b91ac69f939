/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MINIVENT_EXPORT_H
#define MINIVENT_EXPORT_H

/*
 * The library is built with -fvisibility=hidden; only definitions marked
 * MV_EXPORT (and listed in libminivent.sym) are visible to applications.
 * The version script alone would suffice for the dynamic symbol table, but
 * hidden visibility also lets the compiler bind internal calls directly.
 */
#define MV_EXPORT __attribute__((visibility("default")))

#endif

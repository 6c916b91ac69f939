/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plain driver for the fuzz targets, for make check: feeds inputs made by
 * a fixed-seed PRNG, so every run tests the same programs and a failure
 * can be replayed. Files given as arguments are run instead (to replay a
 * crash found by libFuzzer without clang).
 *
 * FUZZ_ITERATIONS (default 2000) and FUZZ_SEED change the run.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern unsigned long fuzz_stat_waits, fuzz_stat_fd_calls, fuzz_stat_tmo_calls,
		     fuzz_stat_cleanups, fuzz_stat_frees, fuzz_stat_clock_faults;

static uint64_t rng_state;

/* xorshift64*: small, fast and the same everywhere. */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static int run_file(const char *path)
{
	static uint8_t buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 99;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *s = getenv("FUZZ_ITERATIONS");
	unsigned long iterations = s ? strtoul(s, NULL, 0) : 2000;
	uint8_t buf[2048];
	struct timespec t0, t1;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (run_file(argv[i]))
				return 99;
		return 0;
	}
	s = getenv("FUZZ_SEED");
	rng_state = s ? strtoull(s, NULL, 0) : 0x6d696e6976656e74ULL;
	if (!rng_state)
		rng_state = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long it = 0; it < iterations; it++) {
		size_t len = rng() % sizeof(buf) + 1;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rng();
		LLVMFuzzerTestOneInput(buf, len);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("fuzz-driver: %lu inputs in %.2f s, no model mismatch\n"
	       "  %lu waits, %lu fd callbacks, %lu timeout callbacks, %lu cleanups,"
	       " %lu frees from a callback, %lu waits with a failed clock read\n",
	       iterations, (double)(t1.tv_sec - t0.tv_sec) +
			   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       fuzz_stat_waits, fuzz_stat_fd_calls, fuzz_stat_tmo_calls,
	       fuzz_stat_cleanups, fuzz_stat_frees, fuzz_stat_clock_faults);
	return 0;
}

/*
 * clock.h — the monotonic clock every part measures with (timeouts,
 * latencies). Inline: the engine reads it once per loop turn.
 */
#ifndef VTG_COMMON_CLOCK_H
#define VTG_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t vtg__mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif

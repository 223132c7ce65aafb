/* alloc-counter.h — counts heap allocations made while a test measures.
 *
 * The engine's kernels promise not to allocate. To check that beyond review,
 * alloc-counter.c interposes malloc, calloc, realloc, aligned_alloc and
 * posix_memalign (glibc binds them to the executable's definitions first) and
 * counts calls between start and stop, from any thread. */
#pragma once

#include <glib.h>

/* FALSE where interposition is not supported (non-glibc): skip the test. */
gboolean alloc_counter_available (void);
void     alloc_counter_start (void);
/* Stops counting; returns the allocations since start. */
int      alloc_counter_stop (void);

/* alloc-counter.c — see alloc-counter.h. */
#include "alloc-counter.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

static atomic_int counting;
static atomic_int n_allocs;

/* AddressSanitizer owns malloc itself: interposing it too crashes at start
 * (asan_posix.cpp "tsd_key_inited"), so a sanitizer build skips the count. */
#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_COUNTER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_COUNTER_ASAN 1
#endif
#endif

#if defined(__GLIBC__) && !defined(ALLOC_COUNTER_ASAN)
extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *p, size_t size);
extern void *__libc_memalign (size_t align, size_t size);

static inline void
note_alloc (void)
{
  if (atomic_load_explicit (&counting, memory_order_relaxed))
    atomic_fetch_add (&n_allocs, 1);
}

void *
malloc (size_t size)
{
  note_alloc ();
  return __libc_malloc (size);
}

void *
calloc (size_t n,
        size_t size)
{
  note_alloc ();
  return __libc_calloc (n, size);
}

void *
realloc (void  *p,
         size_t size)
{
  note_alloc ();
  return __libc_realloc (p, size);
}

void *
aligned_alloc (size_t align,
               size_t size)
{
  note_alloc ();
  return __libc_memalign (align, size);
}

int
posix_memalign (void  **out,
                size_t  align,
                size_t  size)
{
  void *p;

  note_alloc ();
  p = __libc_memalign (align, size);
  if (p == NULL)
    return ENOMEM;
  *out = p;
  return 0;
}

gboolean
alloc_counter_available (void)
{
  return TRUE;
}
#else
gboolean
alloc_counter_available (void)
{
  return FALSE;
}
#endif

void
alloc_counter_start (void)
{
  atomic_store (&n_allocs, 0);
  atomic_store (&counting, 1);
}

int
alloc_counter_stop (void)
{
  atomic_store (&counting, 0);
  return atomic_load (&n_allocs);
}

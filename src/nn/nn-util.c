/* nn-util.c — errors, threads, the counting allocator and the RNG of the engine. */
#include "nn.h"
#include "nn-private.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-blas.h"

static _Atomic (NnTranslateFunc) translate_func;

void
nn_set_translate_func (NnTranslateFunc fn)
{
  atomic_store (&translate_func, fn);
}

const char *
nn_translate (const char *msgid)
{
  NnTranslateFunc fn = atomic_load (&translate_func);
  const char *s = fn != NULL && msgid != NULL ? fn (msgid) : NULL;

  return s != NULL ? s : msgid;
}

/* Cuts s (len bytes, NUL at len) back to the last whole UTF-8 character. */
static void
utf8_trim_partial (char  *s,
                   size_t len)
{
  size_t start = len, need;
  unsigned char lead;

  while (start > 0 && ((unsigned char) s[start - 1] & 0xC0) == 0x80 && len - start < 3)
    start--;
  if (start == 0)
    return;
  lead = (unsigned char) s[start - 1];
  if (lead < 0xC0)
    return;  /* ASCII (or stray continuation bytes): nothing to cut */
  need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  if (len - (start - 1) < need)
    s[start - 1] = '\0';
}

NnStatus
nn_error_set (NnError    *err,
              NnStatus    code,
              const char *fmt,
              ...)
{
  if (err != NULL)
    {
      va_list ap;
      int n;

      err->code = code;
      err->msgid = fmt;
      va_start (ap, fmt);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      n = vsnprintf (err->message, sizeof err->message, nn_translate (fmt), ap);
#pragma GCC diagnostic pop
      va_end (ap);
      if (n < 0)
        err->message[0] = '\0';
      else if ((size_t) n >= sizeof err->message)
        utf8_trim_partial (err->message, sizeof err->message - 1);
    }
  return code;
}

void
nn_set_threads (int threads)
{
  if (threads > 0)
    nn_blas_set_threads (threads);
}

/* ---------------------------------------------------------------- memory */

static atomic_uint_fast64_t alloc_count;

void *
nn_malloc (size_t size)
{
  atomic_fetch_add_explicit (&alloc_count, 1, memory_order_relaxed);
  return malloc (size > 0 ? size : 1);
}

void *
nn_calloc (size_t n,
           size_t size)
{
  atomic_fetch_add_explicit (&alloc_count, 1, memory_order_relaxed);
  return calloc (n > 0 ? n : 1, size > 0 ? size : 1);
}

void
nn_free (void *p)
{
  free (p);
}

/* aligned_alloc wants a multiple of the alignment; 0 when n is too large. */
static size_t
float_bytes (size_t n)
{
  size_t bytes;

  if (n > (SIZE_MAX - 64) / sizeof (float))
    return 0;
  bytes = (n * sizeof (float) + 63) & ~(size_t) 63;
  return bytes == 0 ? 64 : bytes;
}

float *
nn_alloc_floats_uninit (size_t n)
{
  size_t bytes = float_bytes (n);

  if (bytes == 0)
    return NULL;
  atomic_fetch_add_explicit (&alloc_count, 1, memory_order_relaxed);
  return aligned_alloc (64, bytes);
}

float *
nn_alloc_floats (size_t n)
{
  float *p = nn_alloc_floats_uninit (n);

  if (p != NULL)
    memset (p, 0, float_bytes (n));
  return p;
}

uint64_t
nn_alloc_count (void)
{
  return atomic_load (&alloc_count);
}

/* ---------------------------------------------------------------- rng */

static uint64_t
splitmix64 (uint64_t *x)
{
  uint64_t z = (*x += UINT64_C (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * UINT64_C (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

void
nn_rng_seed (NnRng   *rng,
             uint64_t seed,
             uint64_t stream)
{
  uint64_t x = seed ^ (stream * UINT64_C (0xD1B54A32D192ED03));
  int i;

  for (i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

static inline uint64_t
rotl (uint64_t x,
      int      k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t
nn_rng_next (NnRng *rng)
{
  uint64_t *s = rng->s;
  uint64_t result = rotl (s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

float
nn_rng_uniform (NnRng *rng)
{
  return (float) (nn_rng_next (rng) >> 40) * 0x1.0p-24f;
}

float
nn_rng_normal (NnRng *rng)
{
  /* Box–Muller; u1 in (0, 1] so the log is finite. One value per call keeps
   * the stream position independent of how values are consumed. */
  double u1 = ((double) (nn_rng_next (rng) >> 11) + 1.0) * 0x1.0p-53;
  double u2 = (double) (nn_rng_next (rng) >> 11) * 0x1.0p-53;

  return (float) (sqrt (-2.0 * log (u1)) * cos (2.0 * M_PI * u2));
}

uint32_t
nn_rng_below (NnRng   *rng,
              uint32_t n)
{
  /* Lemire's multiply-shift with rejection: unbiased. */
  uint64_t m = (uint64_t) (uint32_t) nn_rng_next (rng) * n;
  uint32_t low = (uint32_t) m;

  if (low < n)
    {
      uint32_t threshold = (uint32_t) -n % n;

      while (low < threshold)
        {
          m = (uint64_t) (uint32_t) nn_rng_next (rng) * n;
          low = (uint32_t) m;
        }
    }
  return (uint32_t) (m >> 32);
}

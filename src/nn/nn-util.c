/* nn-util.c — errors, threads and the allocation counter of the engine. */
#include "nn.h"

#include <stdarg.h>
#include <stdio.h>

#include <cblas.h>

NnStatus
nn_error_set (NnError    *err,
              NnStatus    code,
              const char *fmt,
              ...)
{
  if (err != NULL)
    {
      va_list ap;

      err->code = code;
      va_start (ap, fmt);
      vsnprintf (err->message, sizeof err->message, fmt, ap);
      va_end (ap);
    }
  return code;
}

void
nn_set_threads (int threads)
{
  if (threads > 0)
    openblas_set_num_threads (threads);
}

/* nn-blas.h — the BLAS-specific calls, looked up at run time.
 *
 * With -Dblas=generic the programs link libblas.so.3 / liblapack.so.3, and
 * Debian's alternatives decide at run time which implementation that is
 * (OpenBLAS, BLIS, the reference, ATLAS, MKL). So nothing may call
 * openblas_* directly: these find the functions with dlsym() and report
 * "not available" when the running BLAS has none. The default build (libopenblas
 * linked) takes the same path and finds them at once.
 *
 * Plain C (no GLib); needs _GNU_SOURCE (project-wide) for RTLD_DEFAULT.
 */
#pragma once

#include <dlfcn.h>
#include <stdint.h>

typedef void    (*NnBlasSetInt) (int);
typedef int     (*NnBlasGetInt) (void);
typedef char   *(*NnBlasGetStr) (void);
typedef void    (*NnBlasSetI64) (int64_t);
typedef int64_t (*NnBlasGetI64) (void);

/* dlsym returns void *; POSIX guarantees it converts to a function pointer. */
static inline void *
nn_blas_sym (const char *name)
{
  return dlsym (RTLD_DEFAULT, name);
}

/* Sets the BLAS thread count (OpenBLAS, BLIS, MKL). Returns 1 if the running
 * BLAS took it, 0 if it has no such control (reference BLAS, ATLAS). */
static inline int
nn_blas_set_threads (int threads)
{
  NnBlasSetInt openblas = (NnBlasSetInt) nn_blas_sym ("openblas_set_num_threads");
  NnBlasSetI64 blis = (NnBlasSetI64) nn_blas_sym ("bli_thread_set_num_threads");
  NnBlasSetInt mkl = (NnBlasSetInt) nn_blas_sym ("MKL_Set_Num_Threads");

  if (threads <= 0)
    return 0;
  if (openblas != NULL)
    openblas (threads);
  else if (blis != NULL)
    blis (threads);
  else if (mkl != NULL)
    mkl (threads);
  else
    return 0;
  return 1;
}

/* The BLAS thread count, or -1 when the running BLAS does not say. */
static inline int
nn_blas_get_threads (void)
{
  NnBlasGetInt openblas = (NnBlasGetInt) nn_blas_sym ("openblas_get_num_threads");
  NnBlasGetI64 blis = (NnBlasGetI64) nn_blas_sym ("bli_thread_get_num_threads");
  NnBlasGetInt mkl = (NnBlasGetInt) nn_blas_sym ("MKL_Get_Max_Threads");

  if (openblas != NULL)
    return openblas ();
  if (blis != NULL)
    return (int) blis ();
  if (mkl != NULL)
    return mkl ();
  return -1;
}

/* openblas_get_config() ("OpenBLAS 0.3.21 DYNAMIC_ARCH …"), or NULL when the
 * BLAS is not OpenBLAS. */
static inline const char *
nn_blas_openblas_config (void)
{
  NnBlasGetStr f = (NnBlasGetStr) nn_blas_sym ("openblas_get_config");

  return f != NULL ? f () : NULL;
}

/* openblas_get_corename() ("Haswell", may end in spaces), or NULL. */
static inline const char *
nn_blas_openblas_corename (void)
{
  NnBlasGetStr f = (NnBlasGetStr) nn_blas_sym ("openblas_get_corename");

  return f != NULL ? f () : NULL;
}

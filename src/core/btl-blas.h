/* btl-blas.h — which OpenBLAS kernels run, and a one-line description of the BLAS.
 *
 * Debian 12's OpenBLAS 0.3.21 does not know recent Intel cores (Sapphire
 * Rapids and later) and falls back to its generic "Prescott" kernels, 3–10×
 * slower than the AVX2/AVX-512 ones. The kernels are picked when the library
 * loads, from OPENBLAS_CORETYPE, so the only cure is to set it and start the
 * program again. Both executables call btl_blas_ensure_kernels() first thing
 * in main().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* When the BLAS is OpenBLAS, it fell back to a generic core, the user set no
 * OPENBLAS_CORETYPE and the CPU can do better: sets OPENBLAS_CORETYPE and
 * re-executes /proc/self/exe with argv (so call it before anything else —
 * threads, display connections, open files). Returns when nothing needs doing
 * or the exec failed (then the slow kernels stay). Idempotent: the second run
 * sees the variable set and returns at once. */
void   btl_blas_ensure_kernels (char **argv);

/* The core to ask for, or NULL for "leave OpenBLAS alone". Pure, for tests:
 * config is openblas_get_config() ("OpenBLAS 0.3.21 DYNAMIC_ARCH …"), core
 * openblas_get_corename(), user_choice $OPENBLAS_CORETYPE, cpu_flags the
 * "flags" line of /proc/cpuinfo (space-separated; the kernel lists only the
 * features the OS enabled). Cooperlake (SkylakeX kernels plus bf16) needs
 * avx512_bf16, SkylakeX avx512f+avx512bw+avx512vl, Haswell avx2+fma. */
const char *btl_blas_choose_core (const char *config,
                                  const char *core,
                                  const char *user_choice,
                                  const char *cpu_flags);

/* "libblas.so.3 (reference)": the file cblas_sgemm comes from and which
 * implementation that is (reference, BLIS, ATLAS, OpenBLAS, MKL).
 * Newly allocated. */
char  *btl_blas_library  (void);

/* openblas_get_config() when the BLAS is OpenBLAS, btl_blas_library()
 * otherwise — what a project file records as blas_config. Newly allocated. */
char  *btl_blas_config   (void);

/* "OpenBLAS 0.3.21 SkylakeX, 2 threads" — for the project file, `info` and
 * `bench`. On another BLAS (-Dblas=generic and a libblas.so.3 alternative
 * that is not OpenBLAS): "BLAS: libblas.so.3 (reference), threads not
 * controllable" or "BLAS: libblas.so.3 (BLIS), 2 threads". Newly allocated. */
char  *btl_blas_describe (void);

G_END_DECLS

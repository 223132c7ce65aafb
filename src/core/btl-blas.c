/* btl-blas.c — OpenBLAS kernel choice and description (see btl-blas.h). */
#include "config.h"

#include "btl-blas.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "nn-blas.h"

/* Whole-word match in a space-separated flag list. */
static gboolean
has_flag (const char *flags,
          const char *flag)
{
  size_t len = strlen (flag);

  for (const char *p = flags; (p = strstr (p, flag)) != NULL; p += len)
    if ((p == flags || p[-1] == ' ' || p[-1] == '\t')
        && (p[len] == '\0' || p[len] == ' ' || p[len] == '\t' || p[len] == '\n'))
      return TRUE;
  return FALSE;
}

const char *
btl_blas_choose_core (const char *config,
                      const char *core,
                      const char *user_choice,
                      const char *cpu_flags)
{
  if (user_choice != NULL || config == NULL || core == NULL || cpu_flags == NULL
      || !g_str_has_prefix (config, "OpenBLAS")
      || g_ascii_strcasecmp (core, "Prescott") != 0)
    return NULL;

  /* Cooperlake's sgemm kernels are SkylakeX's; it is OpenBLAS's name for
   * AVX-512 + bf16 and what the reference machines run. */
  if (has_flag (cpu_flags, "avx512f") && has_flag (cpu_flags, "avx512bw")
      && has_flag (cpu_flags, "avx512vl"))
    return has_flag (cpu_flags, "avx512_bf16") ? "Cooperlake" : "SkylakeX";
  if (has_flag (cpu_flags, "avx2") && has_flag (cpu_flags, "fma"))
    return "Haswell";
  return NULL;
}

/* The first "flags" line of /proc/cpuinfo, or (no /proc) what the compiler's
 * CPU detection says, as a flag list of the same form. */
static char *
read_cpu_flags (void)
{
  g_autofree char *text = NULL;

  if (g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL))
    {
      for (char *line = text; line != NULL && *line != '\0';)
        {
          char *end = strchr (line, '\n');

          if (end != NULL)
            *end = '\0';
          if (g_str_has_prefix (line, "flags"))
            {
              char *colon = strchr (line, ':');

              if (colon != NULL)
                return g_strdup (colon + 1);
            }
          line = end != NULL ? end + 1 : NULL;
        }
    }

  __builtin_cpu_init ();
  return g_strjoin (" ", "",
                    __builtin_cpu_supports ("avx2") ? "avx2" : "",
                    __builtin_cpu_supports ("fma") ? "fma" : "",
                    __builtin_cpu_supports ("avx512f") ? "avx512f" : "",
                    __builtin_cpu_supports ("avx512bw") ? "avx512bw" : "",
                    __builtin_cpu_supports ("avx512vl") ? "avx512vl" : "",
                    NULL);
}

void
btl_blas_ensure_kernels (char **argv)
{
  g_autofree char *flags = NULL;
  const char *pick;

  /* Cheap checks first: most starts end here. */
  if (g_getenv ("OPENBLAS_CORETYPE") != NULL)
    return;
  flags = read_cpu_flags ();
  /* Both NULL (so no pick) when the running BLAS is not OpenBLAS. */
  pick = btl_blas_choose_core (nn_blas_openblas_config (),
                               nn_blas_openblas_corename (), NULL, flags);
  if (pick == NULL)
    return;

  g_setenv ("OPENBLAS_CORETYPE", pick, TRUE);
  execv ("/proc/self/exe", argv);
  /* exec failed: keep running on the generic kernels. */
}

/* Which implementation a libblas.so.3 alternative is, from the directory
 * its real file lives in (/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0
 * is the reference, …/blis-openmp/… BLIS, …/atlas/… ATLAS). */
static char *
library_kind (const char *path)
{
  g_autofree char *real = realpath (path, NULL);
  g_autofree char *dir = NULL;
  g_autofree char *dirname = NULL;

  if (real == NULL)
    return g_strdup ("?");
  dir = g_path_get_dirname (real);
  dirname = g_path_get_basename (dir);
  if (strcmp (dirname, "blas") == 0 || strcmp (dirname, "lapack") == 0)
    return g_strdup ("reference");
  if (g_str_has_prefix (dirname, "blis"))
    return g_strdup ("BLIS");
  if (g_str_has_prefix (dirname, "atlas"))
    return g_strdup ("ATLAS");
  if (g_str_has_prefix (dirname, "openblas"))
    return g_strdup ("OpenBLAS");
  if (strstr (real, "mkl") != NULL || strstr (real, "intel") != NULL)
    return g_strdup ("MKL");
  return g_path_get_basename (real);
}

char *
btl_blas_library (void)
{
  /* A direct reference (not dlsym): it also keeps the BLAS linked into
   * programs that call nothing else of it (--as-needed). */
  void *sgemm = (void *) cblas_sgemm;
  Dl_info info = { 0 };
  g_autofree char *kind = NULL;
  g_autofree char *name = NULL;

  if (sgemm == NULL || dladdr (sgemm, &info) == 0 || info.dli_fname == NULL)
    return g_strdup ("BLAS");
  name = g_path_get_basename (info.dli_fname);
  kind = library_kind (info.dli_fname);
  return g_strdup_printf ("%s (%s)", name, kind);
}

char *
btl_blas_config (void)
{
  const char *config = nn_blas_openblas_config ();

  return config != NULL ? g_strdup (config) : btl_blas_library ();
}

char *
btl_blas_describe (void)
{
  const char *config = nn_blas_openblas_config ();
  g_autofree char *core = g_strdup (nn_blas_openblas_corename ());
  g_auto(GStrv) words = NULL;
  int threads = nn_blas_get_threads ();

  if (config == NULL || core == NULL || !g_str_has_prefix (config, "OpenBLAS"))
    {
      g_autofree char *lib = btl_blas_library ();

      if (threads < 1)
        return g_strdup_printf ("BLAS: %s, threads not controllable", lib);
      return g_strdup_printf ("BLAS: %s, %d %s", lib, threads,
                              threads == 1 ? "thread" : "threads");
    }
  g_strstrip (core);
  /* "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64" */
  words = g_strsplit (config, " ", 3);
  return g_strdup_printf ("OpenBLAS %s %s, %d %s",
                          words[1] != NULL ? words[1] : "?", core, threads,
                          threads == 1 ? "thread" : "threads");
}

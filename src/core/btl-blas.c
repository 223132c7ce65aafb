/* btl-blas.c — OpenBLAS kernel choice and description (see btl-blas.h). */
#include "config.h"

#include "btl-blas.h"

#include <string.h>
#include <unistd.h>

#include <cblas.h>

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
  pick = btl_blas_choose_core (openblas_get_config (), openblas_get_corename (),
                               NULL, flags);
  if (pick == NULL)
    return;

  g_setenv ("OPENBLAS_CORETYPE", pick, TRUE);
  execv ("/proc/self/exe", argv);
  /* exec failed: keep running on the generic kernels. */
}

char *
btl_blas_describe (void)
{
  const char *config = openblas_get_config ();
  g_autofree char *core = g_strdup (openblas_get_corename ());
  g_auto(GStrv) words = NULL;
  int threads = openblas_get_num_threads ();

  g_strstrip (core);
  if (config == NULL || !g_str_has_prefix (config, "OpenBLAS"))
    return g_strdup_printf ("%s, %d %s", config != NULL ? config : "BLAS",
                            threads, threads == 1 ? "thread" : "threads");
  /* "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64" */
  words = g_strsplit (config, " ", 3);
  return g_strdup_printf ("OpenBLAS %s %s, %d %s",
                          words[1] != NULL ? words[1] : "?", core, threads,
                          threads == 1 ? "thread" : "threads");
}

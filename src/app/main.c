/* main.c — the bottleneck executable. */
#include "config.h"

#include <cblas.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "btl-application.h"

/* OpenBLAS 0.3.21 (Debian 12) does not know recent Intel cores and falls
 * back to its generic "Prescott" kernels, ~10× slower (measured here: ~500
 * against ~6,700 images/s for the default model). The kernels are chosen
 * when the library loads, from OPENBLAS_CORETYPE, so set it and start again
 * — before GTK opens a display. Same rule as bottleneck-cli: only when the
 * user chose no core and the CPU has AVX2 or AVX-512; if exec fails, carry
 * on with the slow kernels. */
static void
ensure_blas_kernels (char **argv)
{
  const char *core = openblas_get_corename ();
  const char *pick;

  if (g_getenv ("OPENBLAS_CORETYPE") != NULL || core == NULL
      || strcmp (core, "Prescott") != 0)
    return;

  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f"))
    pick = "SkylakeX";
  else if (__builtin_cpu_supports ("avx2"))
    pick = "Haswell";
  else
    return;

  g_setenv ("OPENBLAS_CORETYPE", pick, TRUE);
  execv ("/proc/self/exe", argv);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BtlApplication) app = NULL;

  ensure_blas_kernels (argv);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Bottleneck"));
  app = btl_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}

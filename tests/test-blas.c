/* test-blas.c — OpenBLAS kernel choice and the BLAS description. */
#include "config.h"

#include "btl-blas.h"

#include <string.h>

#include "nn-blas.h"

#define CONFIG "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Prescott MAX_THREADS=64"
#define SPR_FLAGS " fpu sse2 avx2 fma avx512f avx512dq avx512bw avx512vl avx512_bf16 amx_tile"

static void
test_choose_core (void)
{
  /* Sapphire Rapids on 0.3.21: generic fallback → Cooperlake (bf16 present). */
  g_assert_cmpstr (btl_blas_choose_core (CONFIG, "Prescott", NULL, SPR_FLAGS), ==, "Cooperlake");
  g_assert_cmpstr (btl_blas_choose_core (CONFIG, "Prescott", NULL,
                                         "avx2 fma avx512f avx512bw avx512vl avx512_vnni"),
                   ==, "SkylakeX");
  g_assert_cmpstr (btl_blas_choose_core (CONFIG, "Prescott", NULL, "sse2 avx avx2 fma\n"),
                   ==, "Haswell");
  /* A partial AVX-512 (no BW/VL, e.g. Knights Landing) is not SkylakeX. */
  g_assert_cmpstr (btl_blas_choose_core (CONFIG, "Prescott", NULL, "avx2 fma avx512f"),
                   ==, "Haswell");
  /* Prefixes of other flags do not count ("avx512_bf16x", "avx2x"). */
  g_assert_null (btl_blas_choose_core (CONFIG, "Prescott", NULL, "avx2x fmax avx512fx"));
  g_assert_null (btl_blas_choose_core (CONFIG, "Prescott", NULL, "sse2 avx"));
  g_assert_null (btl_blas_choose_core (CONFIG, "Prescott", NULL, ""));

  /* The user's choice wins, whatever it is. */
  g_assert_null (btl_blas_choose_core (CONFIG, "Prescott", "Prescott", SPR_FLAGS));
  g_assert_null (btl_blas_choose_core (CONFIG, "Prescott", "", SPR_FLAGS));
  /* OpenBLAS knew the core: leave it alone. */
  g_assert_null (btl_blas_choose_core (CONFIG, "SkylakeX", NULL, SPR_FLAGS));
  g_assert_null (btl_blas_choose_core (CONFIG, "Zen", NULL, SPR_FLAGS));
  /* Not OpenBLAS, or nothing known. */
  g_assert_null (btl_blas_choose_core ("BLIS 0.9", "Prescott", NULL, SPR_FLAGS));
  g_assert_null (btl_blas_choose_core (NULL, "Prescott", NULL, SPR_FLAGS));
  g_assert_null (btl_blas_choose_core (CONFIG, NULL, NULL, SPR_FLAGS));
  g_assert_null (btl_blas_choose_core (CONFIG, "Prescott", NULL, NULL));
}

/* Names the library and the thread count, whichever BLAS runs: OpenBLAS
 * (default build, or -Dblas=generic on the OpenBLAS alternative) or another
 * libblas.so.3 alternative. */
static void
test_describe (void)
{
  g_autofree char *one = NULL;
  g_autofree char *two = NULL;
  g_autofree char *lib = btl_blas_library ();
  const char *config = nn_blas_openblas_config ();
  int saved = nn_blas_get_threads ();

  g_test_message ("BLAS: %s; library %s", config != NULL ? config : "(not OpenBLAS)", lib);
  g_assert_true (strstr (lib, "(") != NULL && g_str_has_suffix (lib, ")"));

  if (!nn_blas_set_threads (1))
    {
      /* Reference BLAS, ATLAS: no thread control, and it says so. */
      one = btl_blas_describe ();
      g_assert_cmpint (saved, ==, -1);
      g_assert_true (g_str_has_prefix (one, "BLAS: lib"));
      g_assert_nonnull (strstr (one, lib));
      g_assert_true (g_str_has_suffix (one, ", threads not controllable"));
      return;
    }
  g_assert_cmpint (nn_blas_get_threads (), ==, 1);
  one = btl_blas_describe ();
  if (config != NULL)
    {
      g_auto(GStrv) words = g_strsplit (config, " ", 3);
      g_autofree char *core = g_strstrip (g_strdup (nn_blas_openblas_corename ()));
      g_autofree char *expected = g_strdup_printf ("OpenBLAS %s %s, 1 thread", words[1], core);

      g_assert_cmpstr (one, ==, expected);
    }
  else
    g_assert_true (g_str_has_suffix (one, ", 1 thread"));

  nn_blas_set_threads (2);
  g_assert_cmpint (nn_blas_get_threads (), ==, 2);
  two = btl_blas_describe ();
  g_assert_true (g_str_has_suffix (two, ", 2 threads"));
  if (config != NULL)
    g_assert_true (g_str_has_prefix (two, "OpenBLAS 0."));
  nn_blas_set_threads (saved);
}

/* With OPENBLAS_CORETYPE set, ensure_kernels returns (no exec: the test
 * would start again from main and never reach the next line). */
static void
test_ensure_idempotent (void)
{
  char *argv[] = { (char *) "test-blas", NULL };
  const char *before = g_getenv ("OPENBLAS_CORETYPE");
  g_autofree char *saved = g_strdup (before);

  g_setenv ("OPENBLAS_CORETYPE", saved != NULL ? saved : "Prescott", TRUE);
  btl_blas_ensure_kernels (argv);
  btl_blas_ensure_kernels (argv);
  g_assert_cmpstr (g_getenv ("OPENBLAS_CORETYPE"), ==, saved != NULL ? saved : "Prescott");
  if (saved == NULL)
    g_unsetenv ("OPENBLAS_CORETYPE");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/blas/choose-core", test_choose_core);
  g_test_add_func ("/blas/describe", test_describe);
  g_test_add_func ("/blas/ensure-idempotent", test_ensure_idempotent);
  return g_test_run ();
}

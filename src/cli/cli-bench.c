/* cli-bench.c — `bottleneck-cli bench`: training throughput on Fashion-MNIST and
 * how close it gets to this machine's sgemm ceiling.
 *
 * The ceiling is measured in the same run by timing cblas_sgemm on exactly the
 * GEMM shapes one training step performs (nn_model_gemm_shapes), each on the
 * BLAS thread count the engine picks for it (nn_gemm_threads: 1 for small
 * GEMMs, the configured count for big ones): the rate a trainer would reach
 * if it did nothing but those GEMMs. It is timed before and after the
 * training steps, the higher figure kept. Bias, activation, loss and optimizer passes are what separates
 * the two figures. */
#include "config.h"

#include "cli-common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "btl-blas.h"
#include "nn-blas.h"
#include "btl-dataset.h"
#include "btl-error.h"

#define MAX_SHAPES 256
#define CEILING_REPS 5

static const char * const bench_keys[] = {
  "arch", "batch", "threads", "seed", NULL
};

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
fill_random (float  *p,
             size_t  n)
{
  guint32 s = 12345u;

  /* Small values in [-0.5, 0.5): no denormals, no overflow, like real data. */
  for (size_t i = 0; i < n; i++)
    {
      s = s * 1664525u + 1013904223u;
      p[i] = (s >> 9) * (1.0f / 8388608.0f) - 0.5f;
    }
}

/* Median seconds per call of C = op(A)·op(B) with this shape (row-major,
 * packed leading dimensions, on the thread count the engine picks for it). */
static double
time_gemm (const NnGemmShape *g,
           const float       *a,
           const float       *b,
           float             *c,
           double             seconds)
{
  int threads = nn_blas_get_threads ();
  /* The engine switches per GEMM only on OpenBLAS (nn_sgemm). */
  int wanted = nn_blas_openblas_config () != NULL
               ? nn_gemm_threads (g->m, g->n, g->k, threads) : threads;
  enum CBLAS_TRANSPOSE ta = g->trans_a ? CblasTrans : CblasNoTrans;
  enum CBLAS_TRANSPOSE tb = g->trans_b ? CblasTrans : CblasNoTrans;
  int lda = g->trans_a ? g->m : g->k;
  int ldb = g->trans_b ? g->k : g->n;
  double samples[CEILING_REPS];
  double t0, per_call;
  long iters;
  int warm = 0;

  if (wanted != threads)
    nn_blas_set_threads (wanted);
  /* Warm-up: caches, OpenBLAS thread pool, page faults of the buffers. */
  t0 = cli_now ();
  while (warm < 3 || cli_now () - t0 < seconds / (CEILING_REPS + 1))
    {
      cblas_sgemm (CblasRowMajor, ta, tb, g->m, g->n, g->k, 1.0f, a, lda, b,
                   ldb, 0.0f, c, g->n);
      warm++;
    }
  per_call = (cli_now () - t0) / warm;
  iters = MAX (1, (long) (seconds / (CEILING_REPS + 1) / MAX (per_call, 1e-9)));

  for (int r = 0; r < CEILING_REPS; r++)
    {
      t0 = cli_now ();
      for (long i = 0; i < iters; i++)
        cblas_sgemm (CblasRowMajor, ta, tb, g->m, g->n, g->k, 1.0f, a, lda, b,
                     ldb, 0.0f, c, g->n);
      samples[r] = (cli_now () - t0) / iters;
    }
  if (wanted != threads)
    nn_blas_set_threads (threads);
  qsort (samples, CEILING_REPS, sizeof (double), compare_double);
  return samples[CEILING_REPS / 2];
}

/* GFLOP/s of the step's GEMM mix: total FLOPs / total median time. */
static double
measure_ceiling (NnModel *model,
                 int      batch,
                 double   seconds_per_shape,
                 int     *n_shapes_out)
{
  NnGemmShape shapes[MAX_SHAPES];
  int n = nn_model_gemm_shapes (model, batch, shapes, MAX_SHAPES);
  size_t max_a = 0, max_b = 0, max_c = 0;
  g_autofree float *a = NULL, *b = NULL, *c = NULL;
  double flops = 0.0, seconds = 0.0;

  n = MIN (n, MAX_SHAPES);
  *n_shapes_out = n;
  for (int i = 0; i < n; i++)
    {
      max_a = MAX (max_a, (size_t) shapes[i].m * shapes[i].k);
      max_b = MAX (max_b, (size_t) shapes[i].k * shapes[i].n);
      max_c = MAX (max_c, (size_t) shapes[i].m * shapes[i].n);
    }
  if (n <= 0)
    return NAN;
  a = g_try_new (float, max_a);
  b = g_try_new (float, max_b);
  c = g_try_new0 (float, max_c);
  if (a == NULL || b == NULL || c == NULL)
    return NAN;
  fill_random (a, max_a);
  fill_random (b, max_b);

  for (int i = 0; i < n; i++)
    {
      flops += 2.0 * shapes[i].m * shapes[i].n * shapes[i].k;
      seconds += time_gemm (&shapes[i], a, b, c, seconds_per_shape);
    }
  return flops / seconds * 1e-9;
}

int
cli_bench (int    argc,
           char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *blas = NULL;
  int steps = 300;
  int warmup = 20;
  double ceiling_time = 0.2;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps,
      N_("Timed training steps (default 300)"), N_("N") },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup,
      N_("Untimed warm-up steps before them (default 20)"), N_("N") },
    { "ceiling-time", 0, 0, G_OPTION_ARG_DOUBLE, &ceiling_time,
      N_("Seconds spent timing each GEMM shape for the ceiling (default 0.2)"), N_("S") },
    { "data", 0, 0, G_OPTION_ARG_STRING, &data,
      N_("fashion-mnist (default), a folder of MNIST-format IDX files, or a folder of pictures"), N_("DATA") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the result as one JSON object"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) train = NULL;
  g_autoptr(BtlDataset) test = NULL;
  NnConfig cfg;
  NnError nerr = { 0 };
  NnModel *model = NULL;
  NnTrainer *trainer = NULL;
  double t0, seconds, sps, flops_per_sample, gflops, ceiling, fraction;
  int n_shapes = 0;
  int rc = CLI_EXIT_RUNTIME;

  nn_config_init_default (&cfg);
  /* No validation split: every image is a training image and no epoch end
   * pauses for a validation pass inside the timed steps. */
  nn_config_set (&cfg, "val_split", "0", NULL);

  context = cli_option_context_new ("bench", NULL,
                                    _("Measure training samples/s on Fashion-MNIST "
                                      "(warm-up excluded), the GFLOP/s that means, "
                                      "and the fraction of this machine’s sgemm "
                                      "ceiling for the same GEMM shapes, each on "
                                      "the threads the trainer uses for it."),
                                    entries, &cfg, bench_keys);
  if (!cli_parse (context, &cfg, &argc, &argv, NULL, &error))
    return cli_usage_fail ("bench", error->message);
  if (steps <= 0 || warmup < 0)
    return cli_usage_fail ("bench", _("--steps must be positive and --warmup not negative"));
  if (!(ceiling_time > 0.0 && ceiling_time <= 60.0))
    return cli_usage_fail ("bench", _("--ceiling-time must be in (0, 60] seconds"));
  /* The input shape comes from the data: judge a shape mismatch after loading. */
  if (nn_config_validate (&cfg, &nerr) != NN_OK && nerr.code != NN_ERR_SHAPE)
    return cli_usage_fail ("bench", nerr.message);

  if (!btl_dataset_open (data != NULL ? data : "fashion-mnist", &train, &test,
                         &error))
    return cli_fail ("bench", CLI_EXIT_RUNTIME, "%s", error->message);
  g_clear_pointer (&test, btl_dataset_unref);
  if (train == NULL || train->n == 0)
    return cli_fail ("bench", CLI_EXIT_RUNTIME, _("the data set has no training images"));
  if (!cli_config_set_input (&cfg, train, &error))
    return cli_usage_fail ("bench", error->message);
  /* The trainer would take all rows when they are fewer than a batch (no
   * validation split here), and every figure below would be for a batch
   * that never ran. */
  if (train->n < cfg.batch)
    return cli_fail ("bench", CLI_EXIT_RUNTIME,
                     ngettext ("the data set has %d training image, fewer than one batch of %d: lower --batch",
                               "the data set has %d training images, fewer than one batch of %d: lower --batch",
                               train->n),
                     train->n, cfg.batch);

  nn_set_threads (cfg.threads);
  model = nn_model_new (&cfg, &nerr);
  if (model == NULL)
    return cli_fail ("bench", CLI_EXIT_RUNTIME, "%s", nerr.message);
  nn_model_init_params (model, cfg.seed);
  trainer = nn_trainer_new (model, train->images, train->n, &nerr);
  if (trainer == NULL)
    {
      cli_fail ("bench", CLI_EXIT_RUNTIME, "%s", nerr.message);
      goto out;
    }

  /* The ceiling is timed before and after the training steps and the higher
   * figure kept: on a shared machine a burst of other work during one of the
   * two would otherwise make the fraction look better than it is. */
  ceiling = measure_ceiling (model, cfg.batch, ceiling_time, &n_shapes);

  for (int i = 0; i < warmup; i++)
    if (nn_trainer_step (trainer, &nerr) != NN_OK)
      {
        cli_fail ("bench", CLI_EXIT_RUNTIME, "%s", nerr.message);
        goto out;
      }
  t0 = cli_now ();
  for (int i = 0; i < steps; i++)
    if (nn_trainer_step (trainer, &nerr) != NN_OK)
      {
        cli_fail ("bench", CLI_EXIT_RUNTIME, "%s", nerr.message);
        goto out;
      }
  seconds = cli_now () - t0;

  sps = (double) steps * cfg.batch / seconds;
  flops_per_sample = nn_model_train_flops_per_sample (model);
  gflops = sps * flops_per_sample * 1e-9;
  ceiling = fmax (ceiling, measure_ceiling (model, cfg.batch, ceiling_time, &n_shapes));
  fraction = gflops / ceiling;
  blas = btl_blas_describe ();

  if (json)
    {
      CliJson j;

      cli_json_begin (&j);
      cli_json_add_string (&j, "arch", cfg.arch);
      cli_json_add_int (&j, "batch", cfg.batch);
      cli_json_add_int (&j, "threads", nn_blas_get_threads ()); /* -1: unknown */
      cli_json_add_string (&j, "blas_core", nn_blas_openblas_corename ()); /* null: not OpenBLAS */
      cli_json_add_string (&j, "blas", blas);
      cli_json_add_int (&j, "params", nn_model_n_params (model));
      cli_json_add_int (&j, "steps", steps);
      cli_json_add_int (&j, "warmup", warmup);
      cli_json_add_double (&j, "seconds", seconds);
      cli_json_add_double (&j, "samples_per_s", sps);
      cli_json_add_double (&j, "flops_per_sample", flops_per_sample);
      cli_json_add_double (&j, "gflops", gflops);
      cli_json_add_int (&j, "gemm_shapes", n_shapes);
      cli_json_add_double (&j, "ceiling_gflops", ceiling);
      cli_json_add_double (&j, "ceiling_samples_per_s",
                           ceiling * 1e9 / flops_per_sample);
      cli_json_add_double (&j, "fraction_of_ceiling", fraction);
      cli_json_add_double (&j, "peak_rss_mb", cli_peak_rss_mb ());
      cli_json_print (&j);
    }
  else
    {
      printf (_("model %s, batch %d, %s, %zu parameters\n"),
              cfg.arch, cfg.batch, blas, nn_model_n_params (model));
      printf (_("training: %d steps after %d warm-up steps in %.2f s: %.0f samples/s, "
                "%.1f GFLOP/s (%.3f MFLOP/sample)\n"),
              steps, warmup, seconds, sps, gflops, flops_per_sample * 1e-6);
      printf (_("sgemm ceiling (the %d GEMM shapes of one step, each on the "
                "threads the trainer uses for it): "
                "%.1f GFLOP/s = %.0f samples/s\n"),
              n_shapes, ceiling, ceiling * 1e9 / flops_per_sample);
      printf (_("fraction of the ceiling: %.1f %%\n"), 100.0 * fraction);
      printf (_("peak RSS: %.0f MB\n"), cli_peak_rss_mb ());
    }
  rc = CLI_EXIT_OK;

out:
  if (trainer != NULL)
    nn_trainer_free (trainer);
  nn_model_free (model);
  return rc;
}

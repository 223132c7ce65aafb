/* cli-eval.c — `bottleneck-cli eval`: a saved model's reconstruction quality on
 * the test images (MSE, PSNR as the mean of per-image PSNRs, SSIM). */
#include "config.h"

#include "cli-common.h"

#include <math.h>
#include <stdio.h>

#include "btl-dataset.h"
#include "btl-error.h"
#include "btl-evaluate.h"
#include "btl-metrics.h"
#include "btl-model-file.h"

#define NOISY_CHUNK 256

typedef struct
{
  double input_psnr_db;   /* the noisy inputs against the clean images */
  double psnr_db;         /* reconstructions of the noisy inputs against the clean images */
  double mse;
  double ssim;
} NoisyResult;

/* Corrupts the first n test images with cfg's noise (seeded) and measures how
 * well the model restores them: per-image PSNR (mean, as btl_evaluate) and
 * SSIM of reconstruction vs clean, and the noisy inputs' own PSNR. */
static gboolean
evaluate_noisy (NnModel          *model,
                const NnConfig   *noise,
                guint64           seed,
                const BtlDataset *test,
                int               n,
                NoisyResult      *out,
                NnError          *nerr)
{
  int dim = nn_model_input_dim (model);
  int chunk = MIN (n, NOISY_CHUNK);
  g_autofree float *x = g_new (float, (gsize) n * dim);
  g_autofree float *y = g_new (float, (gsize) chunk * dim);
  NnInference *inf;
  double se = 0, psnr = 0, in_psnr = 0, ssim = 0;

  memcpy (x, test->images, (gsize) n * dim * sizeof (float));
  nn_noise_apply (noise->noise, noise->noise_level, seed, x, (size_t) n * dim);
  inf = nn_inference_new (model, chunk, nerr);
  if (inf == NULL)
    return FALSE;
  for (int start = 0; start < n; start += chunk)
    {
      int m = MIN (chunk, n - start);

      if (nn_inference_reconstruct (inf, nn_model_params (model), nn_model_stats (model),
                                    x + (gsize) start * dim, m, y, nerr) != NN_OK)
        {
          nn_inference_free (inf);
          return FALSE;
        }
      for (int i = 0; i < m; i++)
        {
          const float *clean = test->images + (gsize) (start + i) * dim;
          double mse = btl_mse (y + (gsize) i * dim, clean, dim);

          se += mse;
          psnr += btl_psnr_from_mse (mse);
          in_psnr += btl_psnr_from_mse (btl_mse (x + (gsize) (start + i) * dim, clean, dim));
          ssim += btl_ssim (y + (gsize) i * dim, clean, test->channels, test->height,
                            test->width);
        }
    }
  nn_inference_free (inf);
  out->mse = se / n;
  out->psnr_db = psnr / n;
  out->input_psnr_db = in_psnr / n;
  out->ssim = ssim / n;
  return TRUE;
}

/* "gaussian:0.3" ("%g": the float's shortest look, not its 9 digits). */
static char *
noise_spec (const NnConfig *cfg)
{
  return g_strdup_printf ("%s:%g", cfg->noise == NN_NOISE_GAUSSIAN ? "gaussian" : "mask",
                          (double) cfg->noise_level);
}

int
cli_eval (int    argc,
          char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *data = NULL;
  g_autofree char *noise_text = NULL;
  int limit = 0;
  int threads = 0;
  gint64 seed = 1;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file to evaluate (.btl, or a project .btlproj)"), N_("FILE") },
    { "data", 0, 0, G_OPTION_ARG_STRING, &data,
      N_("fashion-mnist (default), a folder of MNIST-format IDX files, or a folder of pictures"), N_("DATA") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit,
      N_("Evaluate the first N test images only"), N_("N") },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
      N_("BLAS threads, 0 = OpenBLAS default"), N_("N") },
    { "noise", 0, 0, G_OPTION_ARG_STRING, &noise_text,
      N_("Also restore noisy test images: gaussian:σ or mask:p (default: a denoising "
         "model’s own noise; none = off)"), N_("SPEC") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      N_("Seed of that noise (default 1): the same seed gives every model the same noisy images"),
      N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the result as one JSON object"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) train = NULL;
  g_autoptr(BtlDataset) test = NULL;
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  BtlEvalResult res = { 0 };
  NoisyResult noisy = { 0 };
  NnConfig noise_cfg;
  NnError nerr = { 0 };
  NnModel *model;
  double t0, seconds;

  context = cli_option_context_new ("eval", NULL,
                                    _("Measure a saved model on the test images: "
                                      "MSE, PSNR (mean over images of "
                                      "10·log10(1/MSE)) and SSIM."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, NULL, &error))
    return cli_usage_fail ("eval", error->message);
  if (model_path == NULL)
    return cli_usage_fail ("eval", _("--model FILE is required"));
  if (limit < 0 || threads < 0)
    return cli_usage_fail ("eval", _("--limit and --threads must not be negative"));

  if (seed < 0)
    return cli_usage_fail ("eval", _("--seed must not be negative"));

  model = cli_model_load (model_path, &info, &error);
  if (model == NULL)
    return cli_fail ("eval", CLI_EXIT_RUNTIME, "%s", error->message);
  /* The engine parses the noise spec (same rules and messages as train). */
  noise_cfg = *nn_model_get_config (model);
  if (noise_text == NULL && noise_cfg.kind != NN_KIND_DENOISING)
    noise_cfg.noise = NN_NOISE_NONE;
  if (noise_text != NULL && nn_config_set (&noise_cfg, "noise", noise_text, &nerr) != NN_OK)
    {
      nn_model_free (model);
      return cli_usage_fail ("eval", nerr.message);
    }

  if (!cli_dataset_open_for_model (data != NULL ? data : "fashion-mnist",
                                   nn_model_get_config (model), &train, &test, &error))
    {
      nn_model_free (model);
      return cli_fail ("eval", CLI_EXIT_RUNTIME, "%s", error->message);
    }
  /* Only the test half is needed: give the training pixels back at once. */
  g_clear_pointer (&train, btl_dataset_unref);
  if (test == NULL || test->n == 0)
    {
      nn_model_free (model);
      return cli_fail ("eval", CLI_EXIT_RUNTIME, _("the data set has no test images"));
    }

  nn_set_threads (threads);
  t0 = cli_now ();
  if (!btl_evaluate (model, NULL, NULL, test, limit, &res, &error))
    {
      gboolean hint = data == NULL && g_error_matches (error, BTL_ERROR, BTL_ERROR_SHAPE);

      nn_model_free (model);
      return cli_fail ("eval", CLI_EXIT_RUNTIME, "%s%s", error->message,
                       hint ? _(" (give the data it was trained on with --data)") : "");
    }
  if (noise_cfg.noise != NN_NOISE_NONE
      && !evaluate_noisy (model, &noise_cfg, (guint64) seed, test, res.n, &noisy, &nerr))
    {
      nn_model_free (model);
      return cli_fail ("eval", CLI_EXIT_RUNTIME, "%s", nerr.message);
    }
  seconds = cli_now () - t0;

  if (json)
    {
      CliJson j;

      cli_json_begin (&j);
      cli_json_add_string (&j, "model", model_path);
      cli_json_add_string (&j, "data", test->name);
      cli_json_add_int (&j, "images", res.n);
      cli_json_add_double (&j, "test_mse", res.mse);
      cli_json_add_double (&j, "test_psnr_db", res.psnr_db);
      cli_json_add_double (&j, "test_ssim", res.ssim);
      if (noise_cfg.noise != NN_NOISE_NONE)
        {
          g_autofree char *spec = noise_spec (&noise_cfg);

          cli_json_add_string (&j, "noise", spec);
          cli_json_add_int (&j, "noise_seed", seed);
          cli_json_add_double (&j, "noisy_input_psnr_db", noisy.input_psnr_db);
          cli_json_add_double (&j, "denoised_mse", noisy.mse);
          cli_json_add_double (&j, "denoised_psnr_db", noisy.psnr_db);
          cli_json_add_double (&j, "denoised_ssim", noisy.ssim);
        }
      cli_json_add_double (&j, "seconds", seconds);
      cli_json_print (&j);
    }
  else
    {
      printf (_("%s on %s (%d test images)\n"), model_path, test->name, res.n);
      printf (_("MSE   %.6f\n"), res.mse);
      printf (_("PSNR  %.2f dB\n"), res.psnr_db);
      printf (_("SSIM  %.4f\n"), res.ssim);
      if (noise_cfg.noise != NN_NOISE_NONE)
        {
          g_autofree char *spec = noise_spec (&noise_cfg);

          printf (_("Noisy inputs (%s, seed %lld): PSNR %.2f dB before, "
                    "restored PSNR %.2f dB, SSIM %.4f\n"),
                  spec, (long long) seed, noisy.input_psnr_db, noisy.psnr_db, noisy.ssim);
        }
    }

  nn_model_free (model);
  return CLI_EXIT_OK;
}

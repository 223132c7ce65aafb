/* cli-eval.c — `bottleneck-cli eval`: a saved model's reconstruction quality on
 * the test images (MSE, PSNR as the mean of per-image PSNRs, SSIM). */
#include "config.h"

#include "cli-common.h"

#include <stdio.h>

#include "btl-dataset.h"
#include "btl-error.h"
#include "btl-evaluate.h"
#include "btl-model-file.h"

int
cli_eval (int    argc,
          char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *data = NULL;
  int limit = 0;
  int threads = 0;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file to evaluate (.btl)"), N_("FILE") },
    { "data", 0, 0, G_OPTION_ARG_STRING, &data,
      N_("fashion-mnist (default), a folder of MNIST-format IDX files, or a folder of pictures"), N_("DATA") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit,
      N_("Evaluate the first N test images only"), N_("N") },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
      N_("BLAS threads, 0 = OpenBLAS default"), N_("N") },
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

  model = btl_model_file_load (model_path, NULL, &info, &error);
  if (model == NULL)
    return cli_fail ("eval", CLI_EXIT_RUNTIME, "%s", error->message);

  if (!btl_dataset_open (data != NULL ? data : "fashion-mnist", &train, &test,
                         &error))
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
      cli_json_add_double (&j, "seconds", seconds);
      cli_json_print (&j);
    }
  else
    {
      printf (_("%s on %s (%d test images)\n"), model_path, test->name, res.n);
      printf (_("MSE   %.6f\n"), res.mse);
      printf (_("PSNR  %.2f dB\n"), res.psnr_db);
      printf (_("SSIM  %.4f\n"), res.ssim);
    }

  nn_model_free (model);
  return CLI_EXIT_OK;
}

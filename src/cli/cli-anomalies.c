/* cli-anomalies.c — `bottleneck-cli anomalies`: the test images a model
 * reconstructs worst, flagged against a threshold taken from the training
 * errors (the same rule as the Inspect page). */
#include "config.h"

#include "cli-common.h"
#include "cli-latent.h"

#include <math.h>
#include <stdio.h>

#include "btl-anomaly.h"
#include "btl-metrics.h"
#include "btl-model-file.h"

int
cli_anomalies (int    argc,
               char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *data = NULL;
  g_autofree char *csv = NULL;
  int top = 10;
  int train_limit = BTL_ANOMALY_DEFAULT_TRAIN_LIMIT;
  int threads = 0;
  double percentile = BTL_ANOMALY_DEFAULT_PERCENTILE;
  double threshold = NAN;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file (.btl, or a project .btlproj)"), N_("FILE") },
    { "data", 0, 0, G_OPTION_ARG_STRING, &data,
      N_("fashion-mnist (default) or a directory of MNIST-format IDX files"), N_("DATA") },
    { "top", 0, 0, G_OPTION_ARG_INT, &top,
      N_("List the N worst test images (default 10)"), N_("N") },
    { "percentile", 0, 0, G_OPTION_ARG_DOUBLE, &percentile,
      N_("Threshold = this percentile of the training errors (default 99)"), N_("P") },
    { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &threshold,
      N_("Use this reconstruction error (MSE) as the threshold instead"), N_("MSE") },
    { "train-limit", 0, 0, G_OPTION_ARG_INT, &train_limit,
      N_("Training images scored for the threshold (default 10000, 0 = all)"), N_("N") },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv,
      N_("Write every flagged test image, worst first, to this CSV file"), N_("FILE") },
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
  g_autoptr(BtlAnomalyScores) train_scores = NULL;
  g_autoptr(BtlAnomalyScores) test_scores = NULL;
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autofree int *flagged = NULL;
  g_autofree int *total = NULL;
  gboolean per_class, from_train;
  NnModel *model;
  int n_flagged;

  context = cli_option_context_new ("anomalies", NULL,
                                    _("Score every test image by its reconstruction error and "
                                      "flag those above a threshold: by default the 99th "
                                      "percentile of the errors on the training images."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, NULL, &error))
    return cli_usage_fail ("anomalies", error->message);
  if (model_path == NULL)
    return cli_usage_fail ("anomalies", _("--model FILE is required"));
  if (csv != NULL
      && !cli_check_not_input (csv, (const char *[]) { model_path }, 1, &error))
    return cli_usage_fail ("anomalies", error->message);
  if (csv != NULL && !cli_check_writable (csv, &error))
    return cli_fail ("anomalies", CLI_EXIT_RUNTIME, "%s", error->message);
  if (top < 0 || train_limit < 0 || threads < 0)
    return cli_usage_fail ("anomalies",
                           _("--top, --train-limit and --threads must not be negative"));
  if (!(percentile >= 0.0 && percentile <= 100.0))
    return cli_usage_fail ("anomalies", _("--percentile must be between 0 and 100"));
  if (!isnan (threshold) && !(threshold >= 0.0 && isfinite (threshold)))
    return cli_usage_fail ("anomalies", _("--threshold must be a finite error ≥ 0"));
  from_train = isnan (threshold);

  model = cli_model_load (model_path, &info, &error);
  if (model == NULL)
    return cli_fail ("anomalies", CLI_EXIT_RUNTIME, "%s", error->message);
  if (!cli_dataset_open_for_model (data != NULL ? data : "fashion-mnist",
                                   nn_model_get_config (model), &train, &test, &error))
    {
      nn_model_free (model);
      return cli_fail ("anomalies", CLI_EXIT_RUNTIME, "%s", error->message);
    }
  if (test == NULL || test->n == 0 || (from_train && (train == NULL || train->n == 0)))
    {
      nn_model_free (model);
      return cli_fail ("anomalies", CLI_EXIT_RUNTIME,
                       _("the data set needs training and test images"));
    }

  nn_set_threads (threads);
  if (from_train)
    {
      train_scores = btl_anomaly_scores_new (model, NULL, NULL, train, train_limit, &error);
      if (train_scores == NULL)
        {
          nn_model_free (model);
          return cli_fail ("anomalies", CLI_EXIT_RUNTIME, "%s", error->message);
        }
      threshold = btl_anomaly_scores_percentile (train_scores, percentile);
    }
  g_clear_pointer (&train, btl_dataset_unref);
  test_scores = btl_anomaly_scores_new (model, NULL, NULL, test, 0, &error);
  nn_model_free (model);
  if (test_scores == NULL)
    return cli_fail ("anomalies", CLI_EXIT_RUNTIME, "%s", error->message);

  n_flagged = btl_anomaly_scores_count_above (test_scores, threshold);
  flagged = g_new0 (int, MAX (test->n_classes, 1));
  total = g_new0 (int, MAX (test->n_classes, 1));
  per_class = btl_anomaly_scores_per_class (test_scores, threshold, flagged, total);
  top = MIN (top, test_scores->n);

  if (csv != NULL && !btl_anomaly_scores_save_csv (test_scores, threshold, csv, &error))
    return cli_fail ("anomalies", CLI_EXIT_RUNTIME, "%s", error->message);

  if (json)
    {
      CliJson j;
      g_autoptr(GString) classes = g_string_new ("[");
      g_autoptr(GString) worst = g_string_new ("[");

      for (int k = 0; per_class && k < test->n_classes; k++)
        {
          g_string_append (classes, k > 0 ? ",{\"class\":" : "{\"class\":");
          cli_json_append_string (classes, test->class_names[k]);
          g_string_append_printf (classes, ",\"flagged\":%d,\"total\":%d,\"fraction\":",
                                  flagged[k], total[k]);
          cli_json_append_double (classes, total[k] > 0 ? (double) flagged[k] / total[k] : NAN);
          g_string_append_c (classes, '}');
        }
      g_string_append_c (classes, ']');
      for (int r = 0; r < top; r++)
        {
          int i = test_scores->by_error[r];

          g_string_append_printf (worst, "%s{\"rank\":%d,\"index\":%d,\"label\":",
                                  r > 0 ? "," : "", r + 1, i);
          if (test->labels != NULL && test->labels[i] < test->n_classes)
            {
              g_string_append_printf (worst, "%d,\"class\":", test->labels[i]);
              cli_json_append_string (worst, test->class_names[test->labels[i]]);
            }
          else
            g_string_append (worst, "null,\"class\":null");
          g_string_append (worst, ",\"error\":");
          cli_json_append_double (worst, test_scores->errors[i]);
          g_string_append (worst, ",\"psnr_db\":");
          cli_json_append_double (worst, btl_psnr_from_mse (test_scores->errors[i]));
          g_string_append (worst, ",\"flagged\":");
          g_string_append (worst, test_scores->errors[i] > threshold ? "true" : "false");
          g_string_append_c (worst, '}');
        }
      g_string_append_c (worst, ']');

      cli_json_begin (&j);
      cli_json_add_string (&j, "model", model_path);
      cli_json_add_string (&j, "data", test->name);
      cli_json_add_double (&j, "threshold", threshold);
      if (from_train)
        {
          cli_json_add_double (&j, "percentile", percentile);
          cli_json_add_int (&j, "train_images", train_scores->n);
        }
      cli_json_add_int (&j, "test_images", test_scores->n);
      cli_json_add_int (&j, "flagged", n_flagged);
      cli_json_add_double (&j, "flagged_fraction", (double) n_flagged / test_scores->n);
      if (per_class)
        cli_json_add_raw (&j, "per_class", classes->str);
      cli_json_add_raw (&j, "worst", worst->str);
      cli_json_print (&j);
      return CLI_EXIT_OK;
    }

  if (from_train)
    printf (_("Threshold %.6g (MSE): percentile %g of %d training errors\n"), threshold,
            percentile, train_scores->n);
  else
    printf (_("Threshold %.6g (MSE)\n"), threshold);
  printf (_("Flagged %d of %d test images (%.2f %%)\n"), n_flagged, test_scores->n,
          100.0 * n_flagged / test_scores->n);
  if (per_class)
    {
      printf ("\n%s\n", _("Flagged per class:"));
      for (int k = 0; k < test->n_classes; k++)
        printf ("  %-14s %5d / %-5d %6.2f %%\n", btl_dataset_class_name (test, k), flagged[k],
                total[k], total[k] > 0 ? 100.0 * flagged[k] / total[k] : 0.0);
    }
  if (top > 0)
    {
      printf ("\n%s\n", _("Worst reconstructions:"));
      printf ("  %4s %6s  %-14s %10s %8s\n", _("rank"), _("index"), _("class"), _("MSE"),
              _("PSNR"));
      for (int r = 0; r < top; r++)
        {
          int i = test_scores->by_error[r];

          printf ("  %4d %6d  %-14s %10.6f %8.2f%s\n", r + 1, i,
                  test->labels != NULL ? btl_dataset_class_name (test, test->labels[i]) : "",
                  test_scores->errors[i], btl_psnr_from_mse (test_scores->errors[i]),
                  test_scores->errors[i] > threshold ? "" : _("  (below threshold)"));
        }
    }
  if (csv != NULL)
    printf ("\n%s %s\n", _("Flagged list written to"), csv);
  return CLI_EXIT_OK;
}

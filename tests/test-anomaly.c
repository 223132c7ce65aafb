/* test-anomaly.c — percentiles, counts above a threshold, per-class
 * fractions, CSV export; with the engine: scores from a real model. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "btl-anomaly.h"
#include "btl-error.h"
#include "btl-evaluate.h"

/* A labelled data set of n 2×2 images (pixels unused here). */
static BtlDataset *
make_dataset (int           n,
              int           n_classes,
              const guint8 *labels)
{
  g_autoptr(GError) error = NULL;
  BtlDataset *ds = btl_dataset_new ("toy", n, 1, 2, 2, n_classes, &error);

  g_assert_no_error (error);
  memcpy (ds->labels, labels, (size_t) n);
  return ds;
}

static void
test_anomaly_percentile (void)
{
  const float errors[] = { 0.5f, 0.1f, 0.4f, 0.2f, 0.3f };
  g_autoptr(BtlAnomalyScores) s = btl_anomaly_scores_new_from_errors (NULL, errors, 5);
  g_autoptr(BtlAnomalyScores) empty = btl_anomaly_scores_new_from_errors (NULL, NULL, 0);

  /* Worst first. */
  g_assert_cmpint (s->by_error[0], ==, 0);
  g_assert_cmpint (s->by_error[1], ==, 2);
  g_assert_cmpint (s->by_error[4], ==, 1);
  /* NumPy: np.percentile([.5,.1,.4,.2,.3], q) = .1, .2, .3, .46, .5 for
   * q = 0, 25, 50, 90, 100. */
  g_assert_cmpfloat_with_epsilon (btl_anomaly_scores_percentile (s, 0), 0.1, 1e-7);
  g_assert_cmpfloat_with_epsilon (btl_anomaly_scores_percentile (s, 25), 0.2, 1e-7);
  g_assert_cmpfloat_with_epsilon (btl_anomaly_scores_percentile (s, 50), 0.3, 1e-7);
  g_assert_cmpfloat_with_epsilon (btl_anomaly_scores_percentile (s, 90), 0.46, 1e-7);
  g_assert_cmpfloat_with_epsilon (btl_anomaly_scores_percentile (s, 100), 0.5, 1e-7);
  g_assert_cmpfloat_with_epsilon (btl_anomaly_scores_percentile (s, 250), 0.5, 1e-7);
  g_assert_true (isnan (btl_anomaly_scores_percentile (empty, 50)));
  g_assert_cmpint (btl_anomaly_scores_count_above (empty, 0.0), ==, 0);
}

static void
test_anomaly_count_above (void)
{
  enum { N = 1000 };
  g_autofree float *errors = g_new (float, N);
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(BtlAnomalyScores) s = NULL;

  for (int i = 0; i < N; i++)
    errors[i] = (float) g_rand_double (rand);
  errors[17] = errors[18] = 0.75f;  /* ties */
  s = btl_anomaly_scores_new_from_errors (NULL, errors, N);

  for (int k = 0; k < 50; k++)
    {
      double t = k == 0 ? 0.75 : g_rand_double_range (rand, -0.1, 1.1);
      int expected = 0;

      for (int i = 0; i < N; i++)
        expected += errors[i] > t;
      g_assert_cmpint (btl_anomaly_scores_count_above (s, t), ==, expected);
      /* The flagged images are exactly the first `expected` of by_error. */
      for (int r = 0; r < expected; r++)
        g_assert_cmpfloat (s->errors[s->by_error[r]], >, t);
      if (expected < N)
        g_assert_cmpfloat (s->errors[s->by_error[expected]], <=, t);
    }
  /* Ties keep the lower index first. */
  for (int r = 0; r + 1 < N; r++)
    if (s->errors[s->by_error[r]] == s->errors[s->by_error[r + 1]])
      g_assert_cmpint (s->by_error[r], <, s->by_error[r + 1]);
}

static void
test_anomaly_per_class_and_csv (void)
{
  const guint8 labels[] = { 0, 1, 1, 2, 0, 2 };
  const float errors[] = { 0.9f, 0.05f, 0.6f, 0.01f, 0.02f, 0.7f };
  g_autoptr(BtlDataset) ds = make_dataset (6, 3, labels);
  g_autoptr(BtlAnomalyScores) s = btl_anomaly_scores_new_from_errors (ds, errors, 6);
  g_autoptr(BtlAnomalyScores) unlabelled = btl_anomaly_scores_new_from_errors (NULL, errors, 6);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  int flagged[3], total[3];

  g_assert_true (btl_anomaly_scores_per_class (s, 0.5, flagged, total));
  g_assert_cmpint (total[0], ==, 2);
  g_assert_cmpint (total[1], ==, 2);
  g_assert_cmpint (total[2], ==, 2);
  g_assert_cmpint (flagged[0], ==, 1);
  g_assert_cmpint (flagged[1], ==, 1);
  g_assert_cmpint (flagged[2], ==, 1);
  g_assert_true (btl_anomaly_scores_per_class (s, 0.65, flagged, NULL));
  g_assert_cmpint (flagged[1], ==, 0);
  g_assert_false (btl_anomaly_scores_per_class (unlabelled, 0.5, flagged, total));

  dir = g_dir_make_tmp ("btl-anomaly-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "flagged.csv", NULL);
  g_assert_true (btl_anomaly_scores_save_csv (s, 0.5, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &csv, NULL, &error));
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);  /* header, 3 rows, "" */
  g_assert_cmpstr (lines[0], ==, "rank,index,label,class,error,psnr_db");
  g_assert_true (g_str_has_prefix (lines[1], "1,0,0,0,0.9"));
  g_assert_true (g_str_has_prefix (lines[2], "2,5,2,2,0.7"));
  g_assert_true (g_str_has_prefix (lines[3], "3,2,1,1,0.6"));
  /* PSNR of MSE 0.9 is 10·log10(1/0.9) = 0.4576 dB. */
  g_assert_true (g_str_has_suffix (lines[1], ",0.4576"));
  g_assert_cmpstr (lines[4], ==, "");

  /* An unwritable path is an error, not a crash. */
  g_assert_false (btl_anomaly_scores_save_csv (s, 0.5, "/nonexistent/dir/x.csv", &error));
  g_assert_nonnull (error);

  g_unlink (path);
  g_rmdir (dir);
}

/* Scores from a real (untrained) model equal the per-image MSE that
 * btl_evaluate_per_image reports, batched or not. */
static void
test_anomaly_scores_from_model (void)
{
  enum { N = 300 };
  NnConfig cfg;
  NnError nerr = { 0 };
  NnModel *model;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) ds = btl_dataset_new ("toy", N, 1, 8, 8, 2, &error);
  g_autoptr(BtlDataset) wrong = btl_dataset_new ("wrong", 2, 3, 8, 8, 0, &error);
  g_autoptr(BtlAnomalyScores) s = NULL;
  g_autofree float *mse = g_new (float, N);
  BtlAnomalyScores *none;

  nn_config_init_default (&cfg);
  cfg.in_height = cfg.in_width = 8;
  g_assert_cmpint (nn_config_set (&cfg, "arch", "64-16-4", &nerr), ==, NN_OK);
  model = nn_model_new (&cfg, &nerr);
  g_assert_nonnull (model);
  nn_model_init_params (model, 9);
  for (int i = 0; i < N * 64; i++)
    ds->images[i] = (float) ((i * 7919) % 101) / 100.0f;
  for (int i = 0; i < N; i++)
    ds->labels[i] = (guint8) (i % 2);

  s = btl_anomaly_scores_new (model, NULL, NULL, ds, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->n, ==, N);
  g_assert_true (s->data == ds);
  g_assert_true (btl_evaluate_per_image (model, NULL, NULL, ds, 0, mse, NULL, &error));
  for (int i = 0; i < N; i++)
    g_assert_cmpfloat_with_epsilon (s->errors[i], mse[i], 1e-6);
  for (int r = 0; r + 1 < N; r++)
    g_assert_cmpfloat (s->errors[s->by_error[r]], >=, s->errors[s->by_error[r + 1]]);

  none = btl_anomaly_scores_new (model, NULL, NULL, wrong, 0, &error);
  g_assert_null (none);
  g_assert_error (error, BTL_ERROR, BTL_ERROR_SHAPE);

  nn_model_free (model);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/anomaly/percentile", test_anomaly_percentile);
  g_test_add_func ("/anomaly/count-above", test_anomaly_count_above);
  g_test_add_func ("/anomaly/per-class-and-csv", test_anomaly_per_class_and_csv);
  g_test_add_func ("/anomaly/scores-from-model", test_anomaly_scores_from_model);

  return g_test_run ();
}

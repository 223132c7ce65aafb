/* test-evaluate.c — btl_evaluate against a hand-written loop over the same
 * NnInference, batching across its internal chunk size, limits, shapes. */
#include <math.h>
#include <string.h>

#include "btl-error.h"
#include "btl-evaluate.h"
#include "btl-metrics.h"

#define SIDE 12
#define N_IMAGES 300     /* more than one internal batch (256) */

static NnModel *
make_model (void)
{
  NnConfig cfg;
  NnError err = { 0 };
  NnModel *model;

  nn_config_init_default (&cfg);
  g_assert_cmpint (nn_config_set (&cfg, "arch", "144-16-4", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&cfg, "in_height", "12", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&cfg, "in_width", "12", &err), ==, NN_OK);
  model = nn_model_new (&cfg, &err);
  if (model == NULL)
    g_error ("nn_model_new: %s", err.message);
  nn_model_init_params (model, 3);
  return model;
}

static BtlDataset *
make_data (int side)
{
  g_autoptr(GError) error = NULL;
  BtlDataset *ds = btl_dataset_new ("patterns", N_IMAGES, 1, side, side, 0, &error);

  g_assert_no_error (error);
  for (int i = 0; i < N_IMAGES; i++)
    for (int p = 0; p < side * side; p++)
      ds->images[(size_t) i * side * side + p] =
        (float) (0.5 + 0.5 * sin (0.1 * i + 0.7 * p + 0.01 * i * p));
  return ds;
}

/* The reference: reconstruct everything in one call, then the metrics. */
static void
reference (NnModel     *model,
           const float *params,
           BtlDataset  *ds,
           int          n,
           double      *mse,
           double      *psnr,
           double      *ssim,
           float       *per_image)
{
  NnError err = { 0 };
  NnInference *inf = nn_inference_new (model, n, &err);
  int dim = btl_dataset_dim (ds);
  g_autofree float *y = g_new (float, (size_t) n * dim);

  g_assert_nonnull (inf);
  g_assert_cmpint (nn_inference_reconstruct (inf, params, nn_model_stats (model),
                                             ds->images, n, y, &err), ==, NN_OK);
  *mse = *psnr = *ssim = 0;
  for (int i = 0; i < n; i++)
    {
      const float *a = ds->images + (size_t) i * dim, *b = y + (size_t) i * dim;
      double m = btl_mse (a, b, dim);

      per_image[i] = (float) m;
      *mse += m / n;
      *psnr += btl_psnr_from_mse (m) / n;
      *ssim += btl_ssim (a, b, 1, ds->height, ds->width) / n;
    }
  nn_inference_free (inf);
}

static void
test_matches_reference (void)
{
  NnModel *model = make_model ();
  g_autoptr(BtlDataset) ds = make_data (SIDE);
  g_autoptr(GError) error = NULL;
  float per[N_IMAGES], ref_per[N_IMAGES];
  double mse, psnr, ssim;
  BtlEvalResult r = { 0 };

  reference (model, nn_model_params (model), ds, N_IMAGES, &mse, &psnr, &ssim, ref_per);

  g_assert_true (btl_evaluate (model, NULL, NULL, ds, 0, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.n, ==, N_IMAGES);
  g_assert_cmpfloat_with_epsilon (r.mse, mse, 1e-6 * mse);
  g_assert_cmpfloat_with_epsilon (r.psnr_db, psnr, 1e-5);
  g_assert_cmpfloat_with_epsilon (r.ssim, ssim, 1e-5);
  g_assert_cmpfloat (r.mse, >, 0.0);
  g_assert_cmpfloat (r.ssim, <, 1.0);

  memset (per, 0, sizeof per);
  g_assert_true (btl_evaluate_per_image (model, NULL, NULL, ds, 0, per, NULL, &error));
  g_assert_no_error (error);
  for (int i = 0; i < N_IMAGES; i++)
    g_assert_cmpfloat_with_epsilon (per[i], ref_per[i], 1e-6f * ref_per[i] + 1e-12f);

  nn_model_free (model);
}

static void
test_limit_and_params (void)
{
  NnModel *model = make_model ();
  g_autoptr(BtlDataset) ds = make_data (SIDE);
  g_autoptr(GError) error = NULL;
  g_autofree float *zeros = g_new0 (float, nn_model_n_params (model));
  float ref_per[N_IMAGES];
  double mse, psnr, ssim;
  BtlEvalResult r = { 0 }, all = { 0 };

  reference (model, nn_model_params (model), ds, 10, &mse, &psnr, &ssim, ref_per);
  g_assert_true (btl_evaluate (model, NULL, NULL, ds, 10, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.n, ==, 10);
  g_assert_cmpfloat_with_epsilon (r.psnr_db, psnr, 1e-5);

  /* A limit above the data size means all of it. */
  g_assert_true (btl_evaluate (model, NULL, NULL, ds, 100000, &all, &error));
  g_assert_cmpint (all.n, ==, N_IMAGES);

  /* Someone else's parameter buffer (a snapshot's) is what gets evaluated. */
  reference (model, zeros, ds, N_IMAGES, &mse, &psnr, &ssim, ref_per);
  g_assert_true (btl_evaluate (model, zeros, NULL, ds, 0, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (r.mse, mse, 1e-6 * mse);
  g_assert_cmpfloat (fabs (r.mse - all.mse), >, 1e-6);

  nn_model_free (model);
}

static void
test_shape_mismatch (void)
{
  NnModel *model = make_model ();
  g_autoptr(BtlDataset) ds = make_data (10);
  g_autoptr(GError) error = NULL;
  BtlEvalResult r = { 0 };

  g_assert_false (btl_evaluate (model, NULL, NULL, ds, 0, &r, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "patterns"));
  nn_model_free (model);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/evaluate/reference", test_matches_reference);
  g_test_add_func ("/core/evaluate/limit-and-params", test_limit_and_params);
  g_test_add_func ("/core/evaluate/shape-mismatch", test_shape_mismatch);

  return g_test_run ();
}

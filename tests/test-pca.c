/* test-pca.c — PCA against decompositions known by construction. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "btl-error.h"
#include "btl-pca.h"

/* rows orthonormal vectors of R^dim from Gram–Schmidt on a fixed
 * pseudo-random matrix: q (rows, dim). */
static void
make_basis (float   *q,
            int      rows,
            int      dim,
            guint32  seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autofree double *b = g_new (double, (gsize) rows * dim);

  for (int i = 0; i < rows * dim; i++)
    b[i] = g_rand_double_range (rand, -1.0, 1.0);
  for (int i = 0; i < rows; i++)
    {
      double *row = b + (gsize) i * dim;
      double norm = 0.0;

      for (int j = 0; j < i; j++)
        {
          double dot = 0.0;
          for (int t = 0; t < dim; t++)
            dot += row[t] * b[(gsize) j * dim + t];
          for (int t = 0; t < dim; t++)
            row[t] -= dot * b[(gsize) j * dim + t];
        }
      for (int t = 0; t < dim; t++)
        norm += row[t] * row[t];
      norm = sqrt (norm);
      for (int t = 0; t < dim; t++)
        row[t] /= norm;
    }
  for (int i = 0; i < rows * dim; i++)
    q[i] = (float) b[i];
}

/* Samples mean ± s_i·v_i for each of the r directions: covariance is exactly
 * Σ (2·s_i²/n) v_i v_iᵀ with n = 2r, so the PCA is known in closed form. */
static float *
make_data (const float *basis,
           const float *mean,
           const float *s,
           int          r,
           int          dim)
{
  float *x = g_new (float, (gsize) 2 * r * dim);

  for (int i = 0; i < r; i++)
    for (int t = 0; t < dim; t++)
      {
        x[(gsize) (2 * i) * dim + t] = mean[t] + s[i] * basis[(gsize) i * dim + t];
        x[(gsize) (2 * i + 1) * dim + t] = mean[t] - s[i] * basis[(gsize) i * dim + t];
      }
  return x;
}

static void
check_known (int dim,
             int r)
{
  g_autofree float *basis = g_new (float, (gsize) r * dim);
  g_autofree float *mean = g_new (float, dim);
  g_autofree float *s = g_new (float, r);
  g_autofree float *x = NULL;
  g_autofree float *z = NULL;
  g_autofree float *back = NULL;
  g_autoptr (BtlPca) pca = NULL;
  g_autoptr (GError) error = NULL;
  int n = 2 * r;
  double worst = 0.0;

  make_basis (basis, r, dim, 42 + dim);
  for (int t = 0; t < dim; t++)
    mean[t] = 0.5f + 0.01f * (float) t;
  for (int i = 0; i < r; i++)
    s[i] = 3.0f / (float) (i + 1);   /* distinct, decreasing */
  x = make_data (basis, mean, s, r, dim);

  pca = btl_pca_fit (x, n, dim, r, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pca);
  g_assert_cmpint (pca->dim, ==, dim);
  /* n samples span n − 1 ≥ r directions here (r ≥ 2). */
  g_assert_cmpint (pca->n_components, ==, MIN (r, n - 1));

  for (int t = 0; t < dim; t++)
    g_assert_cmpfloat_with_epsilon (pca->mean[t], mean[t], 1e-5);

  for (int c = 0; c < pca->n_components; c++)
    {
      double expected_var = 2.0 * s[c] * s[c] / n;
      double dot = 0.0, norm = 0.0;
      const float *v = pca->components + (gsize) c * dim;
      int best = 0;

      g_assert_cmpfloat_with_epsilon (pca->variance[c], expected_var,
                                      1e-4 * expected_var + 1e-6);
      for (int t = 0; t < dim; t++)
        {
          dot += (double) v[t] * basis[(gsize) c * dim + t];
          norm += (double) v[t] * v[t];
          if (fabsf (v[t]) > fabsf (v[best]))
            best = t;
        }
      /* Unit length, parallel to the true axis, sign convention honoured. */
      g_assert_cmpfloat_with_epsilon (norm, 1.0, 1e-4);
      g_assert_cmpfloat_with_epsilon (fabs (dot), 1.0, 1e-4);
      g_assert_cmpfloat (v[best], >, 0.0f);
    }

  /* Everything is explained by r components. */
  g_assert_cmpfloat_with_epsilon (btl_pca_explained_ratio (pca, -1), 1.0, 1e-4);
  g_assert_cmpfloat (btl_pca_explained_ratio (pca, 1), <, 1.0);

  /* Projection of sample 2i is +s_i along axis i, 0 elsewhere; the inverse
   * gives the samples back. */
  z = g_new (float, (gsize) n * pca->n_components);
  back = g_new (float, (gsize) n * dim);
  btl_pca_project (pca, x, n, -1, z);
  for (int i = 0; i < r; i++)
    for (int c = 0; c < pca->n_components; c++)
      {
        double expected = c == i ? s[i] : 0.0;
        double got = z[(gsize) (2 * i) * pca->n_components + c];
        /* the fitted axis may be −v_i: compare magnitudes on the diagonal */
        if (c == i)
          got = fabs (got);
        g_assert_cmpfloat_with_epsilon (got, expected, 1e-4);
      }
  btl_pca_reconstruct (pca, z, n, -1, back);
  for (int i = 0; i < n * dim; i++)
    worst = MAX (worst, fabs ((double) back[i] - x[i]));
  g_test_message ("dim %d, %d directions: worst round-trip error %.3g", dim, r, worst);
  g_assert_cmpfloat (worst, <, 1e-4);
}

/* More samples than features: the covariance route. */
static void
test_pca_known_covariance (void)
{
  check_known (5, 5);   /* n = 10 > 5 */
  check_known (12, 8);  /* n = 16 > 12 */
}

/* Fewer samples than features: the Gram-matrix route. */
static void
test_pca_known_gram (void)
{
  check_known (50, 4);   /* n = 8 < 50 */
  check_known (784, 6);
}

/* Truncation to k components is the best rank-k fit: the squared residual
 * equals the variance left out. */
static void
test_pca_truncated_residual (void)
{
  const int n = 400, dim = 16, k = 3;
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autofree float *x = g_new (float, (gsize) n * dim);
  g_autofree float *z = g_new (float, (gsize) n * k);
  g_autofree float *back = g_new (float, (gsize) n * dim);
  g_autoptr (BtlPca) pca = NULL;
  g_autoptr (GError) error = NULL;
  double residual = 0.0, left = 0.0;

  for (int i = 0; i < n; i++)
    for (int t = 0; t < dim; t++)
      /* anisotropic noise: feature t has spread ~ 1/(t+1) */
      x[(gsize) i * dim + t] = (float) (g_rand_double_range (rand, -1, 1) / (t + 1));

  pca = btl_pca_fit (x, n, dim, dim, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pca->n_components, ==, dim);
  for (int c = 1; c < dim; c++)
    g_assert_cmpfloat (pca->variance[c], <=, pca->variance[c - 1]);

  btl_pca_project (pca, x, n, k, z);
  btl_pca_reconstruct (pca, z, n, k, back);
  for (int i = 0; i < n * dim; i++)
    residual += ((double) back[i] - x[i]) * ((double) back[i] - x[i]);
  residual /= n;
  for (int c = k; c < dim; c++)
    left += pca->variance[c];
  g_assert_cmpfloat_with_epsilon (residual, left, 1e-3 * pca->total_variance);
  g_assert_cmpfloat_with_epsilon (btl_pca_explained_ratio (pca, k),
                                  1.0 - left / pca->total_variance, 1e-4);
}

static void
test_pca_errors (void)
{
  float x[6] = { 0, 1, 2, 3, 4, 5 };
  GError *error = NULL;

  g_assert_null (btl_pca_fit (x, 1, 6, 1, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_null (btl_pca_fit (x, 2, 3, 0, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);

  x[4] = NAN;
  g_assert_null (btl_pca_fit (x, 2, 3, 1, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);

  /* Constant data: no variance, still a valid (zero) model. */
  {
    float c[12];
    g_autoptr (BtlPca) pca = NULL;

    for (int i = 0; i < 12; i++)
      c[i] = 0.25f;
    pca = btl_pca_fit (c, 4, 3, 2, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (pca->variance[0], <, 1e-6);
    g_assert_cmpfloat (btl_pca_explained_ratio (pca, 1), ==, 1.0);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pca/known/covariance", test_pca_known_covariance);
  g_test_add_func ("/pca/known/gram", test_pca_known_gram);
  g_test_add_func ("/pca/truncated-residual", test_pca_truncated_residual);
  g_test_add_func ("/pca/errors", test_pca_errors);

  return g_test_run ();
}

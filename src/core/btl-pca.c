/* btl-pca.c — PCA through LAPACK's ssyevr. See btl-pca.h. */
#include "config.h"

#include "btl-pca.h"

#include <glib/gi18n-lib.h>
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"

/* LAPACK's Fortran entry point (Debian's libopenblas exports it; no LAPACKE
 * needed). Character arguments carry hidden trailing lengths (gfortran ABI). */
extern void ssyevr_ (const char *jobz, const char *range, const char *uplo,
                     const int *n, float *a, const int *lda,
                     const float *vl, const float *vu,
                     const int *il, const int *iu, const float *abstol,
                     int *m, float *w, float *z, const int *ldz, int *isuppz,
                     float *work, const int *lwork, int *iwork, const int *liwork,
                     int *info, size_t jobz_len, size_t range_len, size_t uplo_len);

/* Rows centred per chunk, so fitting on many samples never needs a centred
 * copy of the whole data set. */
#define CHUNK_ROWS 512

/* The Gram route needs the centred data at once: cap it (floats). */
#define GRAM_MAX_FLOATS ((gsize) 1 << 26)

void
btl_pca_free (BtlPca *pca)
{
  if (pca == NULL)
    return;
  g_free (pca->mean);
  g_free (pca->components);
  g_free (pca->variance);
  g_free (pca);
}

/* The top k eigenpairs of the symmetric n×n matrix a (either triangle filled
 * is enough: it is symmetric in both layouts). On success w holds k
 * eigenvalues in DEcreasing order and v (k, n) the matching unit eigenvectors
 * as rows. a is destroyed. */
static gboolean
top_eigenpairs (float   *a,
                int      n,
                int      k,
                float   *w,
                float   *v,
                GError **error)
{
  const float zero = 0.0f, abstol = 0.0f;
  int il = n - k + 1, iu = n, m = 0, info = 0, lwork = -1, liwork = -1;
  int iwork_query = 0;
  float work_query = 0.0f;
  g_autofree float *wa = g_new (float, n);
  g_autofree float *z = g_new (float, (gsize) n * k);
  g_autofree int *isuppz = g_new (int, 2 * (gsize) k);
  g_autofree float *work = NULL;
  g_autofree int *iwork = NULL;

  /* Workspace query, then the real call. 'L' in column-major is the triangle
   * cblas_ssyrk filled as CblasUpper in row-major. */
  ssyevr_ ("V", "I", "L", &n, a, &n, &zero, &zero, &il, &iu, &abstol, &m, wa,
           z, &n, isuppz, &work_query, &lwork, &iwork_query, &liwork, &info,
           1, 1, 1);
  if (info != 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_FAILED,
                   _("PCA: LAPACK ssyevr workspace query failed (info %d)"), info);
      return FALSE;
    }
  lwork = MAX ((int) work_query, 26 * n);
  liwork = MAX (iwork_query, 10 * n);
  work = g_new (float, lwork);
  iwork = g_new (int, liwork);

  ssyevr_ ("V", "I", "L", &n, a, &n, &zero, &zero, &il, &iu, &abstol, &m, wa,
           z, &n, isuppz, work, &lwork, iwork, &liwork, &info, 1, 1, 1);
  if (info != 0 || m != k)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_FAILED,
                   _("PCA: LAPACK ssyevr did not converge (info %d, %d of %d "
                     "eigenvalues)"), info, m, k);
      return FALSE;
    }

  /* ssyevr returns ascending eigenvalues; column j of z (contiguous, since
   * column-major) is eigenvector j. */
  for (int j = 0; j < k; j++)
    {
      w[j] = wa[k - 1 - j];
      memcpy (v + (gsize) j * n, z + (gsize) (k - 1 - j) * n, sizeof (float) * n);
    }
  return TRUE;
}

/* Makes the largest-magnitude entry of a row positive (sklearn's svd_flip
 * idea), so the axes do not flip between runs or BLAS versions. */
static void
fix_sign (float *row,
          int    dim)
{
  int best = 0;

  for (int i = 1; i < dim; i++)
    if (fabsf (row[i]) > fabsf (row[best]))
      best = i;
  if (row[best] < 0.0f)
    for (int i = 0; i < dim; i++)
      row[i] = -row[i];
}

static void
centre_rows (const float *x,
             const float *mean,
             int          rows,
             int          dim,
             float       *out,
             double      *sum_sq)
{
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < dim; j++)
      {
        float d = x[(gsize) i * dim + j] - mean[j];

        out[(gsize) i * dim + j] = d;
        *sum_sq += (double) d * d;
      }
}

BtlPca *
btl_pca_fit (const float  *x,
             int           n,
             int           dim,
             int           n_components,
             GError      **error)
{
  g_autoptr (BtlPca) pca = NULL;
  g_autofree double *acc = NULL;
  g_autofree float *eig = NULL;
  double sum_sq = 0.0;
  gboolean gram;
  int k, e;

  g_return_val_if_fail (x != NULL || n <= 0, NULL);

  if (n < 2 || dim < 1 || n_components < 1)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("PCA needs at least 2 samples, 1 feature and 1 component "
                     "(got %d samples of %d features, %d components)"),
                   n, dim, n_components);
      return NULL;
    }

  /* Solve on the smaller side: the D×D covariance when there are more
   * samples than features, else the n×n Gram matrix of the centred data. */
  gram = n < dim;
  e = gram ? n : dim;
  if (e > BTL_PCA_MAX_EIGEN_DIM
      || (gram && (gsize) n * (gsize) dim > GRAM_MAX_FLOATS))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("PCA of %d samples × %d features is too large (limit: "
                     "%d on the smaller side); fit on a subsample"),
                   n, dim, BTL_PCA_MAX_EIGEN_DIM);
      return NULL;
    }
  /* n centred samples span at most n − 1 directions. */
  k = MIN (n_components, MIN (dim, n - 1));

  pca = g_new0 (BtlPca, 1);
  pca->dim = dim;
  pca->n_components = k;
  pca->mean = g_new0 (float, dim);
  pca->components = g_new0 (float, (gsize) k * dim);
  pca->variance = g_new0 (float, k);

  acc = g_new0 (double, dim);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < dim; j++)
      {
        float v = x[(gsize) i * dim + j];

        if (!isfinite (v))
          {
            g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                         _("PCA: sample %d has a non-finite value at %d"), i, j);
            return NULL;
          }
        acc[j] += v;
      }
  for (int j = 0; j < dim; j++)
    pca->mean[j] = (float) (acc[j] / n);

  eig = g_new (float, k);
  if (!gram)
    {
      g_autofree float *cov = g_new0 (float, (gsize) dim * dim);
      g_autofree float *chunk = g_new (float, (gsize) CHUNK_ROWS * dim);

      /* cov (D, D) += Xcᵀ · Xc / n, one chunk of centred rows at a time. */
      for (int first = 0; first < n; first += CHUNK_ROWS)
        {
          int rows = MIN (CHUNK_ROWS, n - first);

          centre_rows (x + (gsize) first * dim, pca->mean, rows, dim, chunk, &sum_sq);
          cblas_ssyrk (CblasRowMajor, CblasUpper, CblasTrans, dim, rows,
                       1.0f / (float) n, chunk, dim, 1.0f, cov, dim);
        }
      if (!top_eigenpairs (cov, dim, k, eig, pca->components, error))
        return NULL;
    }
  else
    {
      g_autofree float *xc = g_new (float, (gsize) n * dim);
      g_autofree float *gmat = g_new0 (float, (gsize) n * n);
      g_autofree float *u = g_new (float, (gsize) k * n);

      centre_rows (x, pca->mean, n, dim, xc, &sum_sq);
      /* G (n, n) = Xc · Xcᵀ / n: same nonzero eigenvalues as the covariance. */
      cblas_ssyrk (CblasRowMajor, CblasUpper, CblasNoTrans, n, dim,
                   1.0f / (float) n, xc, dim, 0.0f, gmat, n);
      if (!top_eigenpairs (gmat, n, k, eig, u, error))
        return NULL;
      /* V (k, D) = Uᵀ · Xc; each row then normalised (= /√(n·λ)). */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, k, dim, n,
                   1.0f, u, n, xc, dim, 0.0f, pca->components, dim);
      for (int c = 0; c < k; c++)
        {
          float *row = pca->components + (gsize) c * dim;
          float norm = cblas_snrm2 (dim, row, 1);

          /* A direction without variance (duplicate samples) gets a zero
           * row: it then contributes nothing either way. */
          if (eig[c] <= 1e-10f * MAX (eig[0], 1e-30f) || !(norm > 0.0f))
            memset (row, 0, sizeof (float) * dim);
          else
            cblas_sscal (dim, 1.0f / norm, row, 1);
        }
    }

  for (int c = 0; c < k; c++)
    {
      pca->variance[c] = MAX (eig[c], 0.0f);
      fix_sign (pca->components + (gsize) c * dim, dim);
    }
  pca->total_variance = sum_sq / n;

  return g_steal_pointer (&pca);
}

void
btl_pca_project (const BtlPca *pca,
                 const float  *x,
                 int           n,
                 int           k,
                 float        *z)
{
  g_autofree float *offset = NULL;

  g_return_if_fail (pca != NULL);
  g_return_if_fail (n >= 0 && (n == 0 || (x != NULL && z != NULL)));

  if (k <= 0 || k > pca->n_components)
    k = pca->n_components;
  if (n == 0)
    return;

  /* z = x · Cᵀ − mean · Cᵀ: no centred copy of x. */
  offset = g_new (float, k);
  cblas_sgemv (CblasRowMajor, CblasNoTrans, k, pca->dim, 1.0f, pca->components,
               pca->dim, pca->mean, 1, 0.0f, offset, 1);
  /* z (n, k) = x (n, D) · Cᵀ (D, k) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, k, pca->dim, 1.0f,
               x, pca->dim, pca->components, pca->dim, 0.0f, z, k);
  for (int i = 0; i < n; i++)
    for (int c = 0; c < k; c++)
      z[(gsize) i * k + c] -= offset[c];
}

void
btl_pca_reconstruct (const BtlPca *pca,
                     const float  *z,
                     int           n,
                     int           k,
                     float        *x)
{
  g_return_if_fail (pca != NULL);
  g_return_if_fail (n >= 0 && (n == 0 || (x != NULL && z != NULL)));

  if (k <= 0 || k > pca->n_components)
    k = pca->n_components;
  if (n == 0)
    return;

  for (int i = 0; i < n; i++)
    memcpy (x + (gsize) i * pca->dim, pca->mean, sizeof (float) * pca->dim);
  /* x (n, D) += z (n, k) · C (k, D) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, pca->dim, k, 1.0f,
               z, k, pca->components, pca->dim, 1.0f, x, pca->dim);
}

double
btl_pca_explained_ratio (const BtlPca *pca,
                         int           k)
{
  double sum = 0.0;

  g_return_val_if_fail (pca != NULL, NAN);

  if (k <= 0 || k > pca->n_components)
    k = pca->n_components;
  if (!(pca->total_variance > 0.0))
    return 1.0;
  for (int c = 0; c < k; c++)
    sum += pca->variance[c];
  return CLAMP (sum / pca->total_variance, 0.0, 1.0);
}

/* btl-pca.h — principal component analysis through LAPACK.
 *
 * Used twice: as the linear baseline codec on the Compress page (fit on
 * training tiles, keep as many coefficients as the autoencoder's code) and for
 * the 2-D map of the latent space (fit on latent codes, keep 2).
 *
 * A BtlPca is immutable once fitted, so any number of threads may project and
 * reconstruct with it at the same time.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int     dim;              /* D: features per sample */
  int     n_components;     /* K ≤ min (n, D) */
  float  *mean;             /* (D) */
  float  *components;       /* (K, D) orthonormal rows, by decreasing variance */
  float  *variance;         /* (K) population variance along each component */
  double  total_variance;   /* trace of the covariance: Σ of all D variances */
} BtlPca;

/* Fits K principal components to the n samples x (n, D) row-major.
 *
 * The eigenproblem is solved on the smaller of the D×D covariance and the
 * n×n Gram matrix (LAPACK ssyevr, only the K wanted eigenpairs), so tall
 * (many samples) and wide (few samples of many pixels) data are both cheap.
 * Signs are fixed so the largest-magnitude entry of each component is
 * positive: the same data give the same axes on every run.
 *
 * n_components is clamped to min (n, D). Errors: BTL_ERROR_INVALID for
 * n < 2, dim < 1, n_components < 1, or non-finite data; BTL_ERROR_TOO_LARGE
 * when the eigenproblem would need more than BTL_PCA_MAX_EIGEN_DIM rows;
 * BTL_ERROR_FAILED when LAPACK does not converge. */
#define BTL_PCA_MAX_EIGEN_DIM 8192

BtlPca  *btl_pca_fit (const float  *x,
                      int           n,
                      int           dim,
                      int           n_components,
                      GError      **error);

void     btl_pca_free (BtlPca *pca);

/* z (n, k) = (x − mean) · C[0..k)ᵀ, with k ≤ n_components (k ≤ 0 → all). */
void     btl_pca_project (const BtlPca *pca,
                          const float  *x,
                          int           n,
                          int           k,
                          float        *z);

/* x (n, D) = z · C[0..k) + mean — the inverse of btl_pca_project for the
 * first k components (k ≤ 0 → all). */
void     btl_pca_reconstruct (const BtlPca *pca,
                              const float  *z,
                              int           n,
                              int           k,
                              float        *x);

/* Fraction of the total variance the first k components explain, in [0, 1]. */
double   btl_pca_explained_ratio (const BtlPca *pca,
                                  int           k);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtlPca, btl_pca_free)

G_END_DECLS

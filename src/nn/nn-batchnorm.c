/* nn-batchnorm.c — batch normalisation, per channel over batch × spatial.
 *
 * Each channel is visited as B runs of S contiguous floats. The statistics
 * take two passes (mean, then centred sum of squares) in double: one pass of
 * Σx² − (Σx)² loses everything when the mean is large against the spread,
 * and a batch of 128 × 14 × 14 values is enough for float sums to drift.
 */
#include "nn-batchnorm.h"

#include <math.h>
#include <stddef.h>

NnStatus
nn_batchnorm_check (int      batch,
                    int      channels,
                    int      spatial,
                    int      train,
                    NnError *err)
{
  if (batch < 1 || channels < 1 || spatial < 1)
    return nn_error_set (err, NN_ERR_INVALID,
                         "batch norm: batch %d, channels %d, spatial size %d "
                         "must all be at least 1", batch, channels, spatial);
  if (train && (long long) batch * spatial < 2)
    return nn_error_set (err, NN_ERR_SHAPE,
                         "batch norm: training needs more than one value per "
                         "channel (batch %d × spatial %d); use a batch of at least 2",
                         batch, spatial);
  return NN_OK;
}

/* y = x·scale + shift over one channel's runs. */
static inline void
apply_channel (float       *y,
               const float *x,
               float        scale,
               float        shift,
               int          batch,
               int          channels,
               int          spatial,
               int          c)
{
  for (int n = 0; n < batch; n++)
    {
      size_t off = ((size_t) n * channels + c) * spatial;
      const float *xs = x + off;
      float *ys = y + off;

      for (int s = 0; s < spatial; s++)
        ys[s] = xs[s] * scale + shift;
    }
}

void
nn_batchnorm_forward_train (float       *y,
                            float       *mean,
                            float       *invstd,
                            float       *running_mean,
                            float       *running_var,
                            const float *x,
                            const float *gamma,
                            const float *beta,
                            int          batch,
                            int          channels,
                            int          spatial,
                            float        momentum,
                            float        eps)
{
  const double count = (double) batch * spatial;

  for (int c = 0; c < channels; c++)
    {
      double sum = 0.0, sq = 0.0, mu, var, istd;
      float g, bt;

      for (int n = 0; n < batch; n++)
        {
          const float *xs = x + ((size_t) n * channels + c) * spatial;

          for (int s = 0; s < spatial; s++)
            sum += xs[s];
        }
      mu = sum / count;
      for (int n = 0; n < batch; n++)
        {
          const float *xs = x + ((size_t) n * channels + c) * spatial;

          for (int s = 0; s < spatial; s++)
            {
              double d = xs[s] - mu;

              sq += d * d;
            }
        }
      var = sq / count;                       /* biased: normalisation */
      istd = 1.0 / sqrt (var + (double) eps);
      mean[c] = (float) mu;
      invstd[c] = (float) istd;

      if (running_mean != NULL && running_var != NULL)
        {
          /* Unbiased for the running estimate; count ≥ 2 by nn_batchnorm_check,
           * and a lone value (count 1) keeps the biased 0 rather than dividing by 0. */
          double unbiased = count > 1.0 ? sq / (count - 1.0) : var;

          running_mean[c] = (float) ((1.0 - momentum) * running_mean[c] + momentum * mu);
          running_var[c] = (float) ((1.0 - momentum) * running_var[c] + momentum * unbiased);
        }

      /* y = γ·(x − μ)·invstd + β folded into one multiply-add, using the
       * rounded saved statistics so that backward sees exactly what forward used. */
      g = gamma != NULL ? gamma[c] : 1.0f;
      bt = beta != NULL ? beta[c] : 0.0f;
      apply_channel (y, x, g * invstd[c], bt - g * invstd[c] * mean[c],
                     batch, channels, spatial, c);
    }
}

void
nn_batchnorm_forward_eval (float       *y,
                           const float *x,
                           const float *gamma,
                           const float *beta,
                           const float *running_mean,
                           const float *running_var,
                           int          batch,
                           int          channels,
                           int          spatial,
                           float        eps)
{
  for (int c = 0; c < channels; c++)
    {
      float istd = (float) (1.0 / sqrt ((double) running_var[c] + (double) eps));
      float g = gamma != NULL ? gamma[c] : 1.0f;
      float bt = beta != NULL ? beta[c] : 0.0f;

      apply_channel (y, x, g * istd, bt - g * istd * running_mean[c],
                     batch, channels, spatial, c);
    }
}

void
nn_batchnorm_backward (float       *dx,
                       float       *dgamma,
                       float       *dbeta,
                       const float *dy,
                       const float *x,
                       const float *mean,
                       const float *invstd,
                       const float *gamma,
                       int          batch,
                       int          channels,
                       int          spatial)
{
  const double count = (double) batch * spatial;

  for (int c = 0; c < channels; c++)
    {
      const float mu = mean[c];
      const float istd = invstd[c];
      double sum_dy = 0.0, sum_dy_xhat = 0.0;
      float g, k_dy, k_xhat, scale;

      /* x̂ is recomputed from x rather than stored: it saves an activation
       * buffer per batch-norm layer for one multiply per element. */
      for (int n = 0; n < batch; n++)
        {
          size_t off = ((size_t) n * channels + c) * spatial;
          const float *xs = x + off;
          const float *ds = dy + off;

          for (int s = 0; s < spatial; s++)
            {
              sum_dy += ds[s];
              sum_dy_xhat += (double) ds[s] * ((xs[s] - mu) * istd);
            }
        }
      if (dbeta != NULL)
        dbeta[c] += (float) sum_dy;
      if (dgamma != NULL)
        dgamma[c] += (float) sum_dy_xhat;
      if (dx == NULL)
        continue;

      /* dx = γ·invstd·(dy − Σdy/n − x̂·Σ(dy·x̂)/n), as dy·scale − x·a − b' */
      g = gamma != NULL ? gamma[c] : 1.0f;
      scale = g * istd;
      k_dy = (float) (sum_dy / count);
      k_xhat = (float) (sum_dy_xhat / count);
      for (int n = 0; n < batch; n++)
        {
          size_t off = ((size_t) n * channels + c) * spatial;
          const float *xs = x + off;
          const float *ds = dy + off;
          float *dxs = dx + off;

          for (int s = 0; s < spatial; s++)
            dxs[s] = scale * (ds[s] - k_dy - (xs[s] - mu) * istd * k_xhat);
        }
    }
}

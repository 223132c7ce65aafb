/* nn-batchnorm.c — batch normalisation, per channel over batch × spatial.
 *
 * Each channel is visited as B runs of S contiguous floats. The statistics
 * take two passes (mean, then centred sum of squares) in double: one pass of
 * Σx² − (Σx)² loses everything when the mean is large against the spread,
 * and a batch of 128 × 14 × 14 values is enough for float sums to drift.
 * The sums run in eight independent double lanes so that they vectorise
 * instead of waiting on one add chain (four times faster on a 14×14 map).
 */
#include "nn-batchnorm.h"
#include "nn-private.h"

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

/* Σ x[0..n) in double. The simd reduction lets the compiler keep one
 * vector of double partial sums (hand-written lane arrays stayed scalar). */
static inline double
run_sum (const float *x,
         size_t       n)
{
  double s = 0.0;

#pragma omp simd reduction(+:s)
  for (size_t i = 0; i < n; i++)
    s += x[i];
  return s;
}

/* Σ (x − mu)² over x[0..n). */
static inline double
run_sq (const float *x,
        size_t       n,
        double       mu)
{
  double s = 0.0;

#pragma omp simd reduction(+:s)
  for (size_t i = 0; i < n; i++)
    {
      double d = x[i] - mu;

      s += d * d;
    }
  return s;
}

/* *sum_dy += Σ dy, *sum_dy_xhat += Σ dy·(x − mu)·istd over [0..n). */
static inline void
run_grad_sums (const float *dy,
               const float *x,
               size_t       n,
               float        mu,
               float        istd,
               double      *sum_dy,
               double      *sum_dy_xhat)
{
  double a = 0.0, b = 0.0;

#pragma omp simd reduction(+:a, b)
  for (size_t i = 0; i < n; i++)
    {
      a += dy[i];
      b += (double) dy[i] * ((x[i] - mu) * istd);
    }
  *sum_dy += a;
  *sum_dy_xhat += b;
}

/* Channels are processed in blocks whose per-channel sums live on the stack,
 * so that every pass can walk x in memory order. That matters for dense
 * layers (spatial 1), where one channel's values are a whole row apart. */
#define BN_BLOCK 64

/* Runs shorter than this are summed across the channels of a block in
 * memory order (vectorising over channels); longer runs with run_sum's lanes. */
#define BN_SHORT_RUN 8

/* sum[i] = Σ x over channel c0 + i, i < cn. */
static inline __attribute__ ((always_inline)) void
block_sums (double      *sum,
            const float *x,
            int          batch,
            int          channels,
            int          spatial,
            int          c0,
            int          cn)
{
  for (int i = 0; i < cn; i++)
    sum[i] = 0.0;
  if (spatial >= BN_SHORT_RUN)
    {
      for (int i = 0; i < cn; i++)
        for (int n = 0; n < batch; n++)
          sum[i] += run_sum (x + ((size_t) n * channels + c0 + i) * spatial, spatial);
      return;
    }
  for (int n = 0; n < batch; n++)
    {
      const float *xs = x + ((size_t) n * channels + c0) * spatial;

      if (spatial == 1)   /* dense layers: one vector across the channels */
        {
#pragma omp simd
          for (int i = 0; i < cn; i++)
            sum[i] += xs[i];
          continue;
        }
      for (int i = 0; i < cn; i++)
        for (int s = 0; s < spatial; s++)
          sum[i] += xs[i * spatial + s];
    }
}

/* sq[i] = Σ (x − mu[i])² over channel c0 + i. */
static inline __attribute__ ((always_inline)) void
block_centred_sq (double       *sq,
                  const float  *x,
                  const double *mu,
                  int           batch,
                  int           channels,
                  int           spatial,
                  int           c0,
                  int           cn)
{
  for (int i = 0; i < cn; i++)
    sq[i] = 0.0;
  if (spatial >= BN_SHORT_RUN)
    {
      for (int i = 0; i < cn; i++)
        for (int n = 0; n < batch; n++)
          sq[i] += run_sq (x + ((size_t) n * channels + c0 + i) * spatial, spatial, mu[i]);
      return;
    }
  for (int n = 0; n < batch; n++)
    {
      const float *xs = x + ((size_t) n * channels + c0) * spatial;

      if (spatial == 1)
        {
#pragma omp simd
          for (int i = 0; i < cn; i++)
            {
              double d = xs[i] - mu[i];

              sq[i] += d * d;
            }
          continue;
        }
      for (int i = 0; i < cn; i++)
        for (int s = 0; s < spatial; s++)
          {
            double d = xs[i * spatial + s] - mu[i];

            sq[i] += d * d;
          }
    }
}

/* y = x·scale[i] + shift[i] over channel c0 + i, in memory order. */
static inline __attribute__ ((always_inline)) void
block_apply (float       *y,
             const float *x,
             const float *scale,
             const float *shift,
             int          batch,
             int          channels,
             int          spatial,
             int          c0,
             int          cn)
{
  if (spatial == 1)
    {
      for (int n = 0; n < batch; n++)
        {
          const float *xs = x + (size_t) n * channels + c0;
          float *ys = y + (size_t) n * channels + c0;

#pragma omp simd
          for (int i = 0; i < cn; i++)
            ys[i] = xs[i] * scale[i] + shift[i];
        }
      return;
    }
  for (int n = 0; n < batch; n++)
    for (int i = 0; i < cn; i++)
      {
        size_t off = ((size_t) n * channels + c0 + i) * spatial;
        const float *xs = x + off;
        float *ys = y + off;
        const float sc = scale[i], sh = shift[i];

        for (int s = 0; s < spatial; s++)
          ys[s] = xs[s] * sc + sh;
      }
}

NN_HOT void
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

  for (int c0 = 0; c0 < channels; c0 += BN_BLOCK)
    {
      const int cn = channels - c0 < BN_BLOCK ? channels - c0 : BN_BLOCK;
      double sum[BN_BLOCK], mu[BN_BLOCK], sq[BN_BLOCK];
      float scale[BN_BLOCK], shift[BN_BLOCK];

      block_sums (sum, x, batch, channels, spatial, c0, cn);
      for (int i = 0; i < cn; i++)
        mu[i] = sum[i] / count;
      block_centred_sq (sq, x, mu, batch, channels, spatial, c0, cn);

      for (int i = 0; i < cn; i++)
        {
          const int c = c0 + i;
          double var = sq[i] / count;             /* biased: normalisation */
          float g = gamma != NULL ? gamma[c] : 1.0f;
          float bt = beta != NULL ? beta[c] : 0.0f;

          mean[c] = (float) mu[i];
          invstd[c] = (float) (1.0 / sqrt (var + (double) eps));
          if (running_mean != NULL && running_var != NULL)
            {
              /* Unbiased for the running estimate; count ≥ 2 by
               * nn_batchnorm_check, and a lone value (count 1) keeps the
               * biased 0 rather than dividing by 0. */
              double unbiased = count > 1.0 ? sq[i] / (count - 1.0) : var;

              running_mean[c] = (float) ((1.0 - momentum) * running_mean[c] + momentum * mu[i]);
              running_var[c] = (float) ((1.0 - momentum) * running_var[c] + momentum * unbiased);
            }
          /* y = γ·(x − μ)·invstd + β folded into one multiply-add, from the
           * rounded saved statistics so that backward sees what forward used. */
          scale[i] = g * invstd[c];
          shift[i] = bt - g * invstd[c] * mean[c];
        }
      block_apply (y, x, scale, shift, batch, channels, spatial, c0, cn);
    }
}

NN_HOT void
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
  for (int c0 = 0; c0 < channels; c0 += BN_BLOCK)
    {
      const int cn = channels - c0 < BN_BLOCK ? channels - c0 : BN_BLOCK;
      float scale[BN_BLOCK], shift[BN_BLOCK];

      for (int i = 0; i < cn; i++)
        {
          const int c = c0 + i;
          float istd = (float) (1.0 / sqrt ((double) running_var[c] + (double) eps));
          float g = gamma != NULL ? gamma[c] : 1.0f;
          float bt = beta != NULL ? beta[c] : 0.0f;

          scale[i] = g * istd;
          shift[i] = bt - g * istd * running_mean[c];
        }
      block_apply (y, x, scale, shift, batch, channels, spatial, c0, cn);
    }
}

NN_HOT void
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

  for (int c0 = 0; c0 < channels; c0 += BN_BLOCK)
    {
      const int cn = channels - c0 < BN_BLOCK ? channels - c0 : BN_BLOCK;
      double sum_dy[BN_BLOCK], sum_dy_xhat[BN_BLOCK];
      float scale[BN_BLOCK], k_dy[BN_BLOCK], k_xhat[BN_BLOCK];

      /* x̂ is recomputed from x rather than stored: it saves an activation
       * buffer per batch-norm layer for one multiply per element. */
      for (int i = 0; i < cn; i++)
        sum_dy[i] = sum_dy_xhat[i] = 0.0;
      if (spatial >= BN_SHORT_RUN)
        for (int i = 0; i < cn; i++)
          for (int n = 0; n < batch; n++)
            {
              size_t off = ((size_t) n * channels + c0 + i) * spatial;

              run_grad_sums (dy + off, x + off, spatial, mean[c0 + i], invstd[c0 + i],
                             &sum_dy[i], &sum_dy_xhat[i]);
            }
      else if (spatial == 1)   /* dense layers: one vector across the channels */
        for (int n = 0; n < batch; n++)
          {
            const float *ds = dy + (size_t) n * channels + c0;
            const float *xs = x + (size_t) n * channels + c0;
            const float *mu = mean + c0, *istd = invstd + c0;

#pragma omp simd
            for (int i = 0; i < cn; i++)
              {
                sum_dy[i] += ds[i];
                sum_dy_xhat[i] += (double) ds[i] * ((xs[i] - mu[i]) * istd[i]);
              }
          }
      else
        for (int n = 0; n < batch; n++)
          for (int i = 0; i < cn; i++)
            {
              size_t off = ((size_t) n * channels + c0 + i) * spatial;
              const float mu = mean[c0 + i], istd = invstd[c0 + i];

              for (int s = 0; s < spatial; s++)
                {
                  sum_dy[i] += dy[off + s];
                  sum_dy_xhat[i] += (double) dy[off + s] * ((x[off + s] - mu) * istd);
                }
            }

      for (int i = 0; i < cn; i++)
        {
          const int c = c0 + i;

          if (dbeta != NULL)
            dbeta[c] += (float) sum_dy[i];
          if (dgamma != NULL)
            dgamma[c] += (float) sum_dy_xhat[i];
          scale[i] = (gamma != NULL ? gamma[c] : 1.0f) * invstd[c];
          k_dy[i] = (float) (sum_dy[i] / count);
          k_xhat[i] = (float) (sum_dy_xhat[i] / count);
        }
      if (dx == NULL)
        continue;

      /* dx = γ·invstd·(dy − Σdy/n − x̂·Σ(dy·x̂)/n) */
      if (spatial == 1)
        {
          const float *mu = mean + c0, *istd = invstd + c0;

          for (int n = 0; n < batch; n++)
            {
              size_t off = (size_t) n * channels + c0;
              const float *xs = x + off;
              const float *ds = dy + off;
              float *dxs = dx + off;

#pragma omp simd
              for (int i = 0; i < cn; i++)
                dxs[i] = scale[i] * (ds[i] - k_dy[i] - (xs[i] - mu[i]) * istd[i] * k_xhat[i]);
            }
          continue;
        }
      for (int n = 0; n < batch; n++)
        for (int i = 0; i < cn; i++)
          {
            size_t off = ((size_t) n * channels + c0 + i) * spatial;
            const float *xs = x + off;
            const float *ds = dy + off;
            float *dxs = dx + off;
            const float mu = mean[c0 + i], istd = invstd[c0 + i];
            const float sc = scale[i], kd = k_dy[i], kx = k_xhat[i];

            for (int s = 0; s < spatial; s++)
              dxs[s] = sc * (ds[s] - kd - (xs[s] - mu) * istd * kx);
          }
    }
}

/* nn-kernels.c — GEMM door, dense layer, activations, dropout, losses, optimizers.
 *
 * Elementwise work is fused so that each buffer is walked once per pass:
 * bias + activation after the forward GEMM, activation derivative + bias
 * gradient before the backward GEMMs, output activation + loss + gradient in
 * one loop, and the whole optimizer in one loop over the parameter buffer.
 */
#include "nn-private.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#define LEAKY_SLOPE 0.01f

/* ---------------------------------------------------------------- gemm */

void
nn_sgemm (bool         trans_a,
          bool         trans_b,
          int          m,
          int          n,
          int          k,
          float        alpha,
          const float *a,
          int          lda,
          const float *b,
          int          ldb,
          float        beta,
          float       *c,
          int          ldc)
{
  if (m <= 0 || n <= 0)
    return;
  cblas_sgemm (CblasRowMajor,
               trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void
nn_sgemm_naive (bool         trans_a,
                bool         trans_b,
                int          m,
                int          n,
                int          k,
                float        alpha,
                const float *a,
                int          lda,
                const float *b,
                int          ldb,
                float        beta,
                float       *c,
                int          ldc)
{
  int i, j, p;

  for (i = 0; i < m; i++)
    for (j = 0; j < n; j++)
      {
        double acc = 0.0;

        for (p = 0; p < k; p++)
          {
            float av = trans_a ? a[(size_t) p * lda + i] : a[(size_t) i * lda + p];
            float bv = trans_b ? b[(size_t) j * ldb + p] : b[(size_t) p * ldb + j];

            acc += (double) av * bv;
          }
        /* beta == 0 must not read C (it may hold garbage), as in BLAS. */
        c[(size_t) i * ldc + j] = (float) (alpha * acc
                                           + (beta != 0.0f ? beta * c[(size_t) i * ldc + j] : 0.0f));
      }
}

/* ---------------------------------------------------------------- activations */

static inline float
sigmoidf (float z)
{
  /* Split by sign so exp never overflows. */
  if (z >= 0.0f)
    return 1.0f / (1.0f + expf (-z));
  else
    {
      float e = expf (z);

      return e / (1.0f + e);
    }
}

float
nn_act_scalar (float        z,
               NnActivation act)
{
  switch (act)
    {
    case NN_ACT_RELU:
      return z > 0.0f ? z : 0.0f;
    case NN_ACT_LEAKY_RELU:
      return z > 0.0f ? z : LEAKY_SLOPE * z;
    case NN_ACT_TANH:
      return tanhf (z);
    case NN_ACT_SIGMOID:
      return sigmoidf (z);
    case NN_ACT_IDENTITY:
    default:
      return z;
    }
}

void
nn_bias_act_forward (float        *y,
                     const float  *b,
                     int           batch,
                     int           channels,
                     int           spatial,
                     NnActivation  act)
{
  int n, c, s;

  if (spatial != 1)
    {
      /* Channel layout (B, C, S): one bias per contiguous run of S values. */
      for (n = 0; n < batch; n++)
        for (c = 0; c < channels; c++)
          {
            float *row = y + ((size_t) n * channels + c) * spatial;
            float bias = b != NULL ? b[c] : 0.0f;

            if (act == NN_ACT_RELU)
              for (s = 0; s < spatial; s++)
                row[s] = fmaxf (row[s] + bias, 0.0f);
            else
              for (s = 0; s < spatial; s++)
                row[s] = nn_act_scalar (row[s] + bias, act);
          }
      return;
    }

  /* Loops specialised per activation so the compiler vectorises the common
   * cases (bias + ReLU is one add and one max per element). */
  /* Dense layout (B, F): walk rows with the bias vector alongside. */
  for (n = 0; n < batch; n++)
    {
      float *row = y + (size_t) n * channels;

      switch (act)
        {
        case NN_ACT_RELU:
          if (b != NULL)
            for (c = 0; c < channels; c++)
              row[c] = fmaxf (row[c] + b[c], 0.0f);
          else
            for (c = 0; c < channels; c++)
              row[c] = fmaxf (row[c], 0.0f);
          break;
        case NN_ACT_IDENTITY:
          if (b != NULL)
            for (c = 0; c < channels; c++)
              row[c] += b[c];
          break;
        case NN_ACT_LEAKY_RELU:
          for (c = 0; c < channels; c++)
            {
              float z = row[c] + (b != NULL ? b[c] : 0.0f);

              row[c] = z > 0.0f ? z : LEAKY_SLOPE * z;
            }
          break;
        default:
          for (c = 0; c < channels; c++)
            row[c] = nn_act_scalar (row[c] + (b != NULL ? b[c] : 0.0f), act);
          break;
        }
    }
}

void
nn_act_backward (float        *d,
                 const float  *y,
                 float        *db,
                 int           batch,
                 int           channels,
                 int           spatial,
                 NnActivation  act)
{
  int n, c, s;

  if (spatial == 1 && (act == NN_ACT_RELU || act == NN_ACT_IDENTITY))
    {
      /* Dense rows (B, F) with the common activations: a straight vectorisable
       * walk with the bias gradient alongside. */
      for (n = 0; n < batch; n++)
        {
          float *dr = d + (size_t) n * channels;
          const float *yr = y + (size_t) n * channels;

          if (act == NN_ACT_RELU)
            for (c = 0; c < channels; c++)
              dr[c] = yr[c] > 0.0f ? dr[c] : 0.0f;
          if (db != NULL)
            for (c = 0; c < channels; c++)
              db[c] += dr[c];
        }
      return;
    }

  for (n = 0; n < batch; n++)
    for (c = 0; c < channels; c++)
      {
        size_t base = ((size_t) n * channels + c) * spatial;
        float *dr = d + base;
        const float *yr = y + base;
        float sum = 0.0f;

        switch (act)
          {
          case NN_ACT_RELU:
            for (s = 0; s < spatial; s++)
              {
                dr[s] = yr[s] > 0.0f ? dr[s] : 0.0f;
                sum += dr[s];
              }
            break;
          case NN_ACT_LEAKY_RELU:
            for (s = 0; s < spatial; s++)
              {
                dr[s] = yr[s] > 0.0f ? dr[s] : LEAKY_SLOPE * dr[s];
                sum += dr[s];
              }
            break;
          case NN_ACT_TANH:
            for (s = 0; s < spatial; s++)
              {
                dr[s] *= 1.0f - yr[s] * yr[s];
                sum += dr[s];
              }
            break;
          case NN_ACT_SIGMOID:
            for (s = 0; s < spatial; s++)
              {
                dr[s] *= yr[s] * (1.0f - yr[s]);
                sum += dr[s];
              }
            break;
          case NN_ACT_IDENTITY:
          default:
            for (s = 0; s < spatial; s++)
              sum += dr[s];
            break;
          }
        if (db != NULL)
          db[c] += sum;
      }
}

/* ---------------------------------------------------------------- dense */

void
nn_dense_forward (float        *y,
                  const float  *x,
                  const float  *w,
                  const float  *b,
                  int           batch,
                  int           in,
                  int           out,
                  NnActivation  act)
{
  /* Y = X · Wᵀ     (B, in)·(in, out) → (B, out) */
  nn_sgemm (false, true, batch, out, in, 1.0f, x, in, w, in, 0.0f, y, out);
  nn_bias_act_forward (y, b, batch, out, 1, act);
}

void
nn_dense_backward (float       *dx,
                   float       *dw,
                   float       *db,
                   const float *dz,
                   const float *x,
                   const float *w,
                   int          batch,
                   int          in,
                   int          out)
{
  int n, j;

  if (db != NULL)
    for (n = 0; n < batch; n++)
      {
        const float *row = dz + (size_t) n * out;

        for (j = 0; j < out; j++)
          db[j] += row[j];
      }
  /* dW += dZᵀ · X   (out, B)·(B, in) → (out, in) */
  nn_sgemm (true, false, out, in, batch, 1.0f, dz, out, x, in, 1.0f, dw, in);
  /* dX = dZ · W     (B, out)·(out, in) → (B, in) */
  if (dx != NULL)
    nn_sgemm (false, false, batch, in, out, 1.0f, dz, out, w, in, 0.0f, dx, in);
}

/* ---------------------------------------------------------------- dropout */

void
nn_dropout_forward (float       *y,
                    float       *mask,
                    const float *x,
                    size_t       n,
                    float        p,
                    NnRng       *rng)
{
  float scale = 1.0f / (1.0f - p);
  /* Compare 24-bit integers: exact threshold, no float rounding surprises. */
  uint32_t threshold = (uint32_t) ((double) p * 16777216.0);
  size_t i;

  for (i = 0; i < n; i++)
    {
      uint32_t r = (uint32_t) (nn_rng_next (rng) >> 40);

      mask[i] = r < threshold ? 0.0f : scale;
      y[i] = x[i] * mask[i];
    }
}

/* ---------------------------------------------------------------- losses */

double
nn_output_loss (float        *dz,
                float        *y,
                const float  *z,
                const float  *t,
                size_t        n,
                double        scale_n,
                NnActivation  act,
                NnLoss        loss)
{
  float inv = (float) (1.0 / scale_n);
  double total = 0.0;
  size_t i;

  if (loss == NN_LOSS_BCE)
    {
      /* From the logits, stable for any |z|; d/dz = σ(z) − t. */
      for (i = 0; i < n; i++)
        {
          float zi = z[i];
          float ti = t != NULL ? t[i] : 0.0f;
          float e = expf (-fabsf (zi));
          float s = zi >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);

          if (t != NULL)
            total += (double) (fmaxf (zi, 0.0f) - zi * ti + log1pf (e));
          if (y != NULL)
            y[i] = s;
          if (dz != NULL)
            dz[i] = (s - ti) * inv;
        }
      return total * (1.0 / scale_n);
    }

  /* MSE: (y − t)², d/dz = 2 (y − t) · act'(z) expressed through y. */
  if (act == NN_ACT_SIGMOID)
    {
      float acc = 0.0f;

      /* Float partial sums in blocks of 256 keep this vectorisable while the
       * double total keeps the rounding of a 100k-element sum harmless. */
      for (i = 0; i < n; i++)
        {
          float yi = sigmoidf (z[i]);
          float diff = t != NULL ? yi - t[i] : 0.0f;

          acc += diff * diff;
          if (y != NULL)
            y[i] = yi;
          if (dz != NULL)
            dz[i] = 2.0f * inv * diff * yi * (1.0f - yi);
          if ((i & 255) == 255)
            {
              total += acc;
              acc = 0.0f;
            }
        }
      total += acc;
    }
  else
    {
      for (i = 0; i < n; i++)
        {
          float yi = nn_act_scalar (z[i], act);
          float diff = t != NULL ? yi - t[i] : 0.0f;
          float deriv;

          switch (act)
            {
            case NN_ACT_RELU:
              deriv = yi > 0.0f ? 1.0f : 0.0f;
              break;
            case NN_ACT_LEAKY_RELU:
              deriv = yi > 0.0f ? 1.0f : LEAKY_SLOPE;
              break;
            case NN_ACT_TANH:
              deriv = 1.0f - yi * yi;
              break;
            case NN_ACT_IDENTITY:
            default:
              deriv = 1.0f;
              break;
            }
          total += (double) diff * diff;
          if (y != NULL)
            y[i] = yi;
          if (dz != NULL)
            dz[i] = 2.0f * inv * diff * deriv;
        }
    }
  return total * (1.0 / scale_n);
}

/* ---------------------------------------------------------------- optimizers */

/* The two loops are written out per (optimizer, backup) case so each stays a
 * single vectorisable pass with no branch inside. */
#define ADAM_BODY(SAVE)                                                   \
  for (i = 0; i < n; i++)                                                 \
    {                                                                     \
      float pi = p[i];                                                    \
      float gi = g[i];                                                    \
      float mi = b1 * m[i] + one_b1 * gi;                                 \
      float vi = b2 * v[i] + one_b2 * gi * gi;                            \
                                                                          \
      SAVE;                                                               \
      m[i] = mi;                                                          \
      v[i] = vi;                                                          \
      g[i] = 0.0f;                                                        \
      p[i] = pi * decay - step * mi / (sqrtf (vi) * inv_sqrt_bc2 + eps);  \
    }

#define SGD_BODY(SAVE)                                                    \
  for (i = 0; i < n; i++)                                                 \
    {                                                                     \
      float pi = p[i];                                                    \
      float b = mu * m[i] + g[i];                                         \
                                                                          \
      SAVE;                                                               \
      m[i] = b;                                                           \
      g[i] = 0.0f;                                                        \
      p[i] = pi * decay - lr * b;                                         \
    }

void
nn_optim_step (NnOptimState *opt,
               float        *restrict p,
               float        *restrict g,
               float        *restrict m,
               float        *restrict v,
               float        *restrict backup,
               size_t        n)
{
  float lr = opt->lr;
  /* Decoupled weight decay (AdamW): p ← p − lr·wd·p, folded into one factor. */
  float decay = 1.0f - opt->lr * opt->weight_decay;
  size_t i;

  opt->t++;
  if (opt->kind == NN_OPTIM_SGD)
    {
      /* PyTorch SGD, dampening 0: buf ← μ·buf + g, p ← p − lr·buf. */
      float mu = opt->momentum;

      if (backup != NULL)
        SGD_BODY (backup[i] = pi)
      else
        SGD_BODY ((void) 0)
      return;
    }

  {
    /* PyTorch Adam: p ← p − (lr / bc1) · m / (√v / √bc2 + eps). */
    float b1 = opt->beta1, b2 = opt->beta2;
    double bc1 = 1.0 - pow (b1, (double) opt->t);
    double bc2 = 1.0 - pow (b2, (double) opt->t);
    float step = (float) (lr / bc1);
    float inv_sqrt_bc2 = (float) (1.0 / sqrt (bc2));
    float eps = opt->eps;
    float one_b1 = 1.0f - b1, one_b2 = 1.0f - b2;

    if (backup != NULL)
      ADAM_BODY (backup[i] = pi)
    else
      ADAM_BODY ((void) 0)
  }
}

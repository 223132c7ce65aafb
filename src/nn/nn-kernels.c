/* nn-kernels.c — GEMM door, dense layer, activations, dropout, losses, optimizers.
 *
 * Elementwise work is fused so that each buffer is walked once per pass:
 * bias + activation after the forward GEMM, activation derivative + bias
 * gradient before the backward GEMMs, output activation + loss + gradient in
 * one loop, and the whole optimizer in one loop over the parameter buffer.
 */
#include "nn-private.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <pthread.h>

#include <cblas.h>

#include "nn-blas.h"

#define LEAKY_SLOPE 0.01f

/* See nn_gemm_threads. */
#define NN_GEMM_MT_FLOPS 8e7
#define NN_GEMM_MT_MIN_N 64

/* A select, not fmaxf: fmaxf's NaN rules keep it a library call. */
static inline float
relu (float z)
{
  return z > 0.0f ? z : 0.0f;
}

/* ---------------------------------------------------------------- gemm */

/* The BLAS thread count for one GEMM: `threads` (the configured count) for
 * big GEMMs, 1 for the others. Measured on a 2-core Sapphire Rapids, OpenBLAS
 * 0.3.21 (Cooperlake kernels), batch 128, timing each training GEMM shape on
 * 1 and 2 threads and the trainer with several thresholds: GEMMs whose C has
 * few columns (n = 9 or 32: OpenBLAS splits those, each thread gets a sliver)
 * ran up to 2.5× slower on 2 threads, and in the conv trainer even its
 * 5.8e7-FLOP im2col GEMMs lost on 2 threads, while the dense 784-512-128-32
 * model's 1.0e8-FLOP GEMMs and the 64-channel conv's 2.3e8 ones gain from 2.
 * The threshold sits between those. Only the shape decides, never a timing,
 * so a seed and a thread count still give the same run. */
int
nn_gemm_threads (int m,
                 int n,
                 int k,
                 int threads)
{
  if (threads <= 1)
    return threads;
  if (2.0 * m * n * k < NN_GEMM_MT_FLOPS || n < NN_GEMM_MT_MIN_N)
    return 1;
  return threads;
}

/* openblas_{get,set}_num_threads, looked up once (dlsym per call would cost
 * more than a small GEMM's switch). Other BLAS: NULL, no per-GEMM switching. */
static NnBlasGetInt blas_get_threads;
static NnBlasSetInt blas_set_threads;
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void
blas_lookup (void)
{
  blas_get_threads = (NnBlasGetInt) nn_blas_sym ("openblas_get_num_threads");
  blas_set_threads = (NnBlasSetInt) nn_blas_sym ("openblas_set_num_threads");
  if (blas_get_threads == NULL || blas_set_threads == NULL)
    blas_get_threads = NULL, blas_set_threads = NULL;
}

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
  int threads = 0, wanted = 0;

  if (m <= 0 || n <= 0)
    return;
  /* The count outside this call stays the configured one: switch for this GEMM
   * only and switch back, so whoever reads the BLAS thread count (the app, the
   * bench) sees what was configured. Setting it is a store in OpenBLAS. */
  pthread_once (&blas_once, blas_lookup);
  if (blas_get_threads != NULL)
    {
      threads = blas_get_threads ();
      wanted = nn_gemm_threads (m, n, k, threads);
      if (wanted != threads)
        blas_set_threads (wanted);
    }
  cblas_sgemm (CblasRowMajor,
               trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (wanted != threads)
    blas_set_threads (threads);
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

/* e^x for |x| ≤ 87, branch-free so loops over it vectorise: Cephes' expf
 * (range reduction by ln 2 in two parts, degree-6 polynomial), ~2 ulp. Inputs
 * are clamped to [−87, 87], where e^x is a normal float. */
static inline float
exp_approx (float x)
{
  float n, r, p;
  int32_t bits;
  float scale;

  x = x < -87.0f ? -87.0f : x > 87.0f ? 87.0f : x;
  /* Round to nearest by adding and removing 1.5·2²³ (not floorf: GCC 12
   * will not vectorise that inside a target_clones function). */
  n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  /* NaN (weights from a damaged file, or a diverging step) must not reach
   * the int conversion: that is undefined and gave a negative shift. With
   * the exponent 0 here, p keeps the NaN, so it still propagates. */
  n = n == n ? n : 0.0f;
  bits = ((int32_t) n + 127) << 23;
  memcpy (&scale, &bits, sizeof scale);
  return p * scale;
}

/* 1 / (1 + e^−z): exact 0/1 limits are approached, never overflowed. */
static inline float
sigmoidf (float z)
{
  return 1.0f / (1.0f + exp_approx (-z));
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

NN_HOT
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

            switch (act)
              {
              case NN_ACT_RELU:
                for (s = 0; s < spatial; s++)
                  row[s] = relu (row[s] + bias);
                break;
              case NN_ACT_LEAKY_RELU:
                for (s = 0; s < spatial; s++)
                  {
                    float z = row[s] + bias;

                    row[s] = z > 0.0f ? z : LEAKY_SLOPE * z;
                  }
                break;
              case NN_ACT_SIGMOID:
                for (s = 0; s < spatial; s++)
                  row[s] = sigmoidf (row[s] + bias);
                break;
              case NN_ACT_TANH:
                for (s = 0; s < spatial; s++)
                  row[s] = tanhf (row[s] + bias);
                break;
              case NN_ACT_IDENTITY:
              default:
                for (s = 0; s < spatial; s++)
                  row[s] += bias;
                break;
              }
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
              row[c] = relu (row[c] + b[c]);
          else
            for (c = 0; c < channels; c++)
              row[c] = relu (row[c]);
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

NN_HOT
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

  if (spatial == 1)
    {
      /* Dense rows (B, F): straight vectorisable walks, the bias gradient
       * alongside (one bias per column, so no reduction within a row). */
      for (n = 0; n < batch; n++)
        {
          float *dr = d + (size_t) n * channels;
          const float *yr = y + (size_t) n * channels;

          switch (act)
            {
            case NN_ACT_RELU:
              for (c = 0; c < channels; c++)
                dr[c] = yr[c] > 0.0f ? dr[c] : 0.0f;
              break;
            case NN_ACT_LEAKY_RELU:
              for (c = 0; c < channels; c++)
                dr[c] = yr[c] > 0.0f ? dr[c] : LEAKY_SLOPE * dr[c];
              break;
            case NN_ACT_TANH:
              for (c = 0; c < channels; c++)
                dr[c] *= 1.0f - yr[c] * yr[c];
              break;
            case NN_ACT_SIGMOID:
              for (c = 0; c < channels; c++)
                dr[c] *= yr[c] * (1.0f - yr[c]);
              break;
            case NN_ACT_IDENTITY:
            default:
              break;
            }
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

        /* The derivative pass has no reduction, so it vectorises. */
        switch (act)
          {
          case NN_ACT_RELU:
            for (s = 0; s < spatial; s++)
              dr[s] = yr[s] > 0.0f ? dr[s] : 0.0f;
            break;
          case NN_ACT_LEAKY_RELU:
            for (s = 0; s < spatial; s++)
              dr[s] = yr[s] > 0.0f ? dr[s] : LEAKY_SLOPE * dr[s];
            break;
          case NN_ACT_TANH:
            for (s = 0; s < spatial; s++)
              dr[s] *= 1.0f - yr[s] * yr[s];
            break;
          case NN_ACT_SIGMOID:
            for (s = 0; s < spatial; s++)
              dr[s] *= yr[s] * (1.0f - yr[s]);
            break;
          case NN_ACT_IDENTITY:
          default:
            break;
          }
        if (db != NULL)
          {
            /* Eight independent partial sums: a float reduction is not
             * vectorised without -ffast-math, but the lanes are. */
            float lane[8] = { 0 };
            float sum;
            int j;

            for (s = 0; s + 8 <= spatial; s += 8)
              for (j = 0; j < 8; j++)
                lane[j] += dr[s + j];
            sum = ((lane[0] + lane[1]) + (lane[2] + lane[3]))
                  + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
            for (; s < spatial; s++)
              sum += dr[s];
            db[c] += sum;
          }
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

NN_HOT
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

/* Σ (σ(z) − t)² over n ≤ 1024 values; writes dz = k·(σ(z) − t)·σ'(z) and
 * y = σ(z) when asked. The elementwise loop has no reduction, so it
 * vectorises inside each multi-versioned clone (GCC 12 drops an omp-simd
 * reduction there); the squares are then summed in double by eight
 * independent accumulators. One loop per output set keeps them branch-free. */
#define MSE_SIGMOID_LOOP(STORE)                 \
  for (i = 0; i < n; i++)                       \
    {                                           \
      float yi = sigmoidf (z[i]);               \
      float diff = yi - t[i];                   \
                                                \
      sq[i] = diff * diff;                      \
      STORE;                                    \
    }

NN_HOT static double
mse_sigmoid_block (float       *restrict dz,
                   float       *restrict y,
                   const float *restrict z,
                   const float *restrict t,
                   size_t       n,
                   float        k)
{
  float sq[1024];
  double acc[8] = { 0 };
  size_t i, j;

  if (dz != NULL && y != NULL)
    MSE_SIGMOID_LOOP (dz[i] = k * diff * yi * (1.0f - yi); y[i] = yi)
  else if (dz != NULL)
    MSE_SIGMOID_LOOP (dz[i] = k * diff * yi * (1.0f - yi))
  else if (y != NULL)
    MSE_SIGMOID_LOOP (y[i] = yi)
  else
    MSE_SIGMOID_LOOP ((void) 0)
  for (i = 0; i + 8 <= n; i += 8)
    for (j = 0; j < 8; j++)
      acc[j] += sq[i + j];
  for (; i < n; i++)
    acc[0] += sq[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

NN_HOT
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
            total += (double) (relu (zi) - zi * ti + log1pf (e));
          if (y != NULL)
            y[i] = s;
          if (dz != NULL)
            dz[i] = (s - ti) * inv;
        }
      return total * (1.0 / scale_n);
    }

  /* MSE: (y − t)², d/dz = 2 (y − t) · act'(z) expressed through y. */
  if (act == NN_ACT_SIGMOID && t != NULL)
    {
      /* The default model's case, in one vectorised pass. */
      float k = 2.0f * inv;

      for (i = 0; i < n; i += 1024)
        total += mse_sigmoid_block (dz != NULL ? dz + i : NULL, y != NULL ? y + i : NULL,
                                    z + i, t + i, n - i < 1024 ? n - i : 1024, k);
    }
  else if (act == NN_ACT_SIGMOID && dz == NULL && t == NULL && y != NULL)
    {
      /* Inference: just the output activation, vectorised. */
      for (i = 0; i < n; i++)
        y[i] = sigmoidf (z[i]);
    }
  else if (act == NN_ACT_SIGMOID)
    {
      for (i = 0; i < n; i++)
        {
          float yi = sigmoidf (z[i]);
          float diff = t != NULL ? yi - t[i] : 0.0f;

          total += (double) diff * diff;
          if (y != NULL)
            y[i] = yi;
          if (dz != NULL)
            dz[i] = 2.0f * inv * diff * yi * (1.0f - yi);
        }
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
nn_optim_begin (NnOptimState *opt)
{
  opt->t++;
  /* PyTorch Adam: p ← p − (lr / bc1) · m / (√v / √bc2 + eps). */
  opt->step_size = (float) (opt->lr / (1.0 - pow (opt->beta1, (double) opt->t)));
  opt->inv_sqrt_bc2 = (float) (1.0 / sqrt (1.0 - pow (opt->beta2, (double) opt->t)));
}

NN_HOT
void
nn_optim_update (const NnOptimState *opt,
                 float              *restrict p,
                 float              *restrict g,
                 float              *restrict m,
                 float              *restrict v,
                 float              *restrict backup,
                 size_t              n)
{
  float lr = opt->lr;
  /* Decoupled weight decay (AdamW): p ← p − lr·wd·p, folded into one factor. */
  float decay = 1.0f - opt->lr * opt->weight_decay;
  size_t i;

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
    float b1 = opt->beta1, b2 = opt->beta2;
    float step = opt->step_size;
    float inv_sqrt_bc2 = opt->inv_sqrt_bc2;
    float eps = opt->eps;
    float one_b1 = 1.0f - b1, one_b2 = 1.0f - b2;

    if (backup != NULL)
      ADAM_BODY (backup[i] = pi)
    else
      ADAM_BODY ((void) 0)
  }
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
  nn_optim_begin (opt);
  nn_optim_update (opt, p, g, m, v, backup, n);
}

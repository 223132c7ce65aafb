/* nn-conv.c — conv2d and conv_transpose2d as im2col/col2im + one GEMM over
 * the whole minibatch.
 *
 * Why one GEMM for the whole batch: the small autoencoder convolutions have
 * OH·OW of 49–196, far too few columns for sgemm to run near its peak one
 * image at a time. Putting the columns of all B images side by side gives
 * N = B·OH·OW (6,272–25,088 at batch 128). The price is that the GEMM result
 * comes out channel-major, (OC, B·OH·OW), and has to be brought back to NCHW;
 * that pass is fused with the bias add (forward) or the bias-gradient sum
 * (backward), so it costs no extra sweep over memory.
 *
 * Notation in the GEMM comments: Yc is Y in channel-major order (C, B·H·W),
 * "cols" are the im2col columns, P = OH·OW.
 */
#include "nn-conv.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <cblas.h>

/* Largest element count we let one buffer have: keeps every size_t product
 * below far from overflow and every GEMM dimension an int. */
#define CONV_MAX_FLOATS ((uint64_t) 1 << 40)

/* ------------------------------------------------------------ GEMM */

/* Row-major C = alpha·op(A)·op(B) + beta·C, m×k · k×n. The one place this
 * file calls BLAS. */
static inline void
conv_sgemm (int          trans_a,
            int          trans_b,
            int          m,
            int          n,
            int          k,
            const float *a,
            int          lda,
            const float *b,
            int          ldb,
            float        beta,
            float       *c,
            int          ldc)
{
  cblas_sgemm (CblasRowMajor,
               trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}

/* ------------------------------------------------------------ geometry */

int
nn_conv2d_out_size (int in,
                    int k,
                    int stride,
                    int pad)
{
  if (in < 1 || k < 1 || stride < 1 || pad < 0)
    return -1;
  if ((int64_t) in + 2 * (int64_t) pad < k)
    return -1;
  return (int) (((int64_t) in + 2 * (int64_t) pad - k) / stride + 1);
}

int
nn_conv_transpose2d_out_size (int in,
                              int k,
                              int stride,
                              int pad,
                              int output_padding)
{
  int64_t out;

  if (in < 1 || k < 1 || stride < 1 || pad < 0
      || output_padding < 0 || output_padding >= stride)
    return -1;
  out = ((int64_t) in - 1) * stride - 2 * (int64_t) pad + k + output_padding;
  if (out < 1 || out > INT_MAX)
    return -1;
  return (int) out;
}

/* Shared by both checks: the column matrix is (rows, batch·cells) and the
 * channel-major copy is (chans, batch·cells). */
static NnStatus
check_buffers (const char *what,
               int         batch,
               int64_t     rows,
               int64_t     cells,
               int64_t     chans,
               NnError    *err)
{
  uint64_t ncols = (uint64_t) batch * (uint64_t) cells;

  if (rows > INT_MAX || ncols > INT_MAX
      || (uint64_t) rows * ncols > CONV_MAX_FLOATS
      || (uint64_t) chans * ncols > CONV_MAX_FLOATS)
    return nn_error_set (err, NN_ERR_SHAPE,
                         "%s: batch %d of this size is too large for one buffer",
                         what, batch);
  return NN_OK;
}

static NnStatus
check_common (const char *what,
              int         batch,
              int         in_channels,
              int         in_h,
              int         in_w,
              int         out_channels,
              int         k,
              int         stride,
              int         pad,
              NnError    *err)
{
  if (batch < 1)
    return nn_error_set (err, NN_ERR_INVALID, "%s: batch size %d must be at least 1",
                         what, batch);
  if (in_channels < 1 || out_channels < 1)
    return nn_error_set (err, NN_ERR_INVALID,
                         "%s: channel counts %d→%d must be at least 1",
                         what, in_channels, out_channels);
  if (in_h < 1 || in_w < 1)
    return nn_error_set (err, NN_ERR_SHAPE, "%s: input size %d×%d is empty",
                         what, in_h, in_w);
  if (k < 1 || stride < 1 || pad < 0)
    return nn_error_set (err, NN_ERR_INVALID,
                         "%s: kernel %d, stride %d, padding %d: kernel and stride "
                         "must be at least 1 and padding at least 0",
                         what, k, stride, pad);
  return NN_OK;
}

NnStatus
nn_conv2d_check (int      batch,
                 int      in_channels,
                 int      in_h,
                 int      in_w,
                 int      out_channels,
                 int      k,
                 int      stride,
                 int      pad,
                 NnError *err)
{
  NnStatus st;
  int oh, ow;

  st = check_common ("conv2d", batch, in_channels, in_h, in_w, out_channels,
                     k, stride, pad, err);
  if (st != NN_OK)
    return st;
  oh = nn_conv2d_out_size (in_h, k, stride, pad);
  ow = nn_conv2d_out_size (in_w, k, stride, pad);
  if (oh < 1 || ow < 1)
    return nn_error_set (err, NN_ERR_SHAPE,
                         "conv2d: kernel %d does not fit a %d×%d input with padding %d",
                         k, in_h, in_w, pad);
  return check_buffers ("conv2d", batch, (int64_t) in_channels * k * k,
                        (int64_t) oh * ow, out_channels, err);
}

NnStatus
nn_conv_transpose2d_check (int      batch,
                           int      in_channels,
                           int      in_h,
                           int      in_w,
                           int      out_channels,
                           int      k,
                           int      stride,
                           int      pad,
                           int      output_padding,
                           NnError *err)
{
  NnStatus st;
  int oh, ow;

  st = check_common ("conv_transpose2d", batch, in_channels, in_h, in_w,
                     out_channels, k, stride, pad, err);
  if (st != NN_OK)
    return st;
  if (output_padding < 0 || output_padding >= stride)
    return nn_error_set (err, NN_ERR_INVALID,
                         "conv_transpose2d: output padding %d must be at least 0 "
                         "and smaller than the stride %d",
                         output_padding, stride);
  oh = nn_conv_transpose2d_out_size (in_h, k, stride, pad, output_padding);
  ow = nn_conv_transpose2d_out_size (in_w, k, stride, pad, output_padding);
  if (oh < 1 || ow < 1)
    return nn_error_set (err, NN_ERR_SHAPE,
                         "conv_transpose2d: padding %d leaves no output for a "
                         "%d×%d input with kernel %d and stride %d",
                         pad, in_h, in_w, k, stride);
  if ((int64_t) oh * ow > INT_MAX)
    return nn_error_set (err, NN_ERR_SHAPE,
                         "conv_transpose2d: output %d×%d is too large", oh, ow);
  return check_buffers ("conv_transpose2d", batch, (int64_t) out_channels * k * k,
                        (int64_t) in_h * in_w, in_channels, err);
}

/* ------------------------------------------------------------ scratch */

size_t
nn_conv2d_scratch_floats (int batch,
                          int in_channels,
                          int in_h,
                          int in_w,
                          int out_channels,
                          int k,
                          int stride,
                          int pad)
{
  int oh = nn_conv2d_out_size (in_h, k, stride, pad);
  int ow = nn_conv2d_out_size (in_w, k, stride, pad);
  size_t np;

  if (oh < 1 || ow < 1 || batch < 1)
    return 0;
  np = (size_t) batch * oh * ow;
  return (size_t) in_channels * k * k * np + (size_t) out_channels * np;
}

size_t
nn_conv_transpose2d_scratch_floats (int batch,
                                    int in_channels,
                                    int in_h,
                                    int in_w,
                                    int out_channels,
                                    int k,
                                    int stride,
                                    int pad,
                                    int output_padding)
{
  size_t np;

  if (nn_conv_transpose2d_out_size (in_h, k, stride, pad, output_padding) < 1
      || nn_conv_transpose2d_out_size (in_w, k, stride, pad, output_padding) < 1
      || batch < 1)
    return 0;
  np = (size_t) batch * in_h * in_w;
  return (size_t) out_channels * k * k * np + (size_t) in_channels * np;
}

/* ------------------------------------------------------------ im2col / col2im */

/* The output columns [lo, hi) whose tap kw lands inside a row of width w:
 * 0 <= ow·stride − pad + kw < w. Everything outside reads padding. */
static inline void
valid_range (int  out_w,
             int  w,
             int  kw,
             int  stride,
             int  pad,
             int *lo,
             int *hi)
{
  int first = pad - kw;      /* smallest ow·stride allowed */
  int last = w - 1 + pad - kw; /* largest ow·stride allowed */

  *lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  *hi = last < 0 ? 0 : last / stride + 1;
  if (*lo > out_w)
    *lo = out_w;
  if (*hi > out_w)
    *hi = out_w;
  if (*hi < *lo)
    *hi = *lo;
}

void
nn_im2col (float       *cols,
           const float *x,
           int          batch,
           int          channels,
           int          h,
           int          w,
           int          k,
           int          stride,
           int          pad,
           int          out_h,
           int          out_w)
{
  const size_t cells = (size_t) out_h * out_w;
  const size_t ncols = (size_t) batch * cells;
  const size_t plane = (size_t) h * w;

  for (int c = 0; c < channels; c++)
    for (int kh = 0; kh < k; kh++)
      for (int kw = 0; kw < k; kw++)
        {
          float *row = cols + ((size_t) (c * k + kh) * k + kw) * ncols;
          const int off = kw - pad;
          int lo, hi;

          valid_range (out_w, w, kw, stride, pad, &lo, &hi);
          for (int n = 0; n < batch; n++)
            {
              const float *xc = x + ((size_t) n * channels + c) * plane;
              float *dst = row + (size_t) n * cells;

              for (int oh = 0; oh < out_h; oh++, dst += out_w)
                {
                  int ih = oh * stride - pad + kh;
                  const float *src;

                  if (ih < 0 || ih >= h)
                    {
                      memset (dst, 0, (size_t) out_w * sizeof *dst);
                      continue;
                    }
                  /* Tap (ih, ow·stride − pad + kw); for ow in [lo, hi) the
                   * column index is inside the row. */
                  src = xc + (size_t) ih * w;
                  for (int ow = 0; ow < lo; ow++)
                    dst[ow] = 0.0f;
                  if (stride == 1)
                    memcpy (dst + lo, src + lo + off, (size_t) (hi - lo) * sizeof *dst);
                  else
                    for (int ow = lo; ow < hi; ow++)
                      dst[ow] = src[ow * stride + off];
                  for (int ow = hi; ow < out_w; ow++)
                    dst[ow] = 0.0f;
                }
            }
        }
}

void
nn_col2im (float       *x,
           const float *cols,
           int          batch,
           int          channels,
           int          h,
           int          w,
           int          k,
           int          stride,
           int          pad,
           int          out_h,
           int          out_w)
{
  const size_t cells = (size_t) out_h * out_w;
  const size_t ncols = (size_t) batch * cells;
  const size_t plane = (size_t) h * w;

  /* Same traversal as nn_im2col with the copy reversed into a sum; taps in
   * the padding are simply not visited. */
  for (int c = 0; c < channels; c++)
    for (int kh = 0; kh < k; kh++)
      for (int kw = 0; kw < k; kw++)
        {
          const float *row = cols + ((size_t) (c * k + kh) * k + kw) * ncols;
          const int off = kw - pad;
          int lo, hi;

          valid_range (out_w, w, kw, stride, pad, &lo, &hi);
          if (lo == hi)
            continue;
          for (int n = 0; n < batch; n++)
            {
              float *xc = x + ((size_t) n * channels + c) * plane;
              const float *src = row + (size_t) n * cells;

              for (int oh = 0; oh < out_h; oh++, src += out_w)
                {
                  int ih = oh * stride - pad + kh;
                  float *dst;

                  if (ih < 0 || ih >= h)
                    continue;
                  dst = xc + (size_t) ih * w;
                  if (stride == 1)
                    for (int ow = lo; ow < hi; ow++)
                      dst[ow + off] += src[ow];
                  else
                    for (int ow = lo; ow < hi; ow++)
                      dst[ow * stride + off] += src[ow];
                }
            }
        }
}

/* ------------------------------------------------------------ layout moves */

/* dst (C, B·S) ← src (B, C, S). */
static void
nchw_to_cnhw (float       *dst,
              const float *src,
              int          batch,
              int          channels,
              size_t       cells)
{
  const size_t ncols = (size_t) batch * cells;

  for (int n = 0; n < batch; n++)
    for (int c = 0; c < channels; c++)
      memcpy (dst + (size_t) c * ncols + (size_t) n * cells,
              src + ((size_t) n * channels + c) * cells,
              cells * sizeof *dst);
}

/* dst (B, C, S) ← src (C, B·S) + bias (C), bias may be NULL. */
static void
cnhw_to_nchw_bias (float       *dst,
                   const float *src,
                   const float *bias,
                   int          batch,
                   int          channels,
                   size_t       cells)
{
  const size_t ncols = (size_t) batch * cells;

  for (int n = 0; n < batch; n++)
    for (int c = 0; c < channels; c++)
      {
        float *d = dst + ((size_t) n * channels + c) * cells;
        const float *s = src + (size_t) c * ncols + (size_t) n * cells;
        const float bc = bias != NULL ? bias[c] : 0.0f;

        for (size_t i = 0; i < cells; i++)
          d[i] = s[i] + bc;
      }
}

/* db (C) += Σ over batch and cells of dy (B, C, S), summed in double: the
 * terms largely cancel (a bias gradient is often 100× smaller than the
 * partial sums of a 784-cell row), which float sums turn into 1e-4 relative
 * error. One pass over dy, negligible next to the GEMMs. */
static void
bias_grad (float       *db,
           const float *dy,
           int          batch,
           int          channels,
           size_t       cells)
{
  for (int c = 0; c < channels; c++)
    {
      double total = 0.0;

      for (int n = 0; n < batch; n++)
        {
          const float *s = dy + ((size_t) n * channels + c) * cells;

          for (size_t i = 0; i < cells; i++)
            total += s[i];
        }
      db[c] += (float) total;
    }
}

/* ------------------------------------------------------------ conv2d */

void
nn_conv2d_forward (float       *y,
                   float       *scratch,
                   const float *x,
                   const float *w,
                   const float *b,
                   int          batch,
                   int          in_channels,
                   int          in_h,
                   int          in_w,
                   int          out_channels,
                   int          k,
                   int          stride,
                   int          pad)
{
  const int oh = nn_conv2d_out_size (in_h, k, stride, pad);
  const int ow = nn_conv2d_out_size (in_w, k, stride, pad);
  const size_t cells = (size_t) oh * ow;
  const int np = (int) (batch * cells);            /* B·OH·OW */
  const int ckk = in_channels * k * k;             /* IC·K·K */
  float *cols = scratch;                           /* (IC·K·K, B·OH·OW) */
  float *yc = scratch + (size_t) ckk * np;         /* (OC, B·OH·OW) */

  nn_im2col (cols, x, batch, in_channels, in_h, in_w, k, stride, pad, oh, ow);
  /* Yc = W · cols : (OC, IC·K·K) · (IC·K·K, B·P) */
  conv_sgemm (0, 0, out_channels, np, ckk, w, ckk, cols, np, 0.0f, yc, np);
  cnhw_to_nchw_bias (y, yc, b, batch, out_channels, cells);
}

void
nn_conv2d_backward (float       *dx,
                    float       *dw,
                    float       *db,
                    float       *scratch,
                    const float *dy,
                    const float *x,
                    const float *w,
                    int          batch,
                    int          in_channels,
                    int          in_h,
                    int          in_w,
                    int          out_channels,
                    int          k,
                    int          stride,
                    int          pad)
{
  const int oh = nn_conv2d_out_size (in_h, k, stride, pad);
  const int ow = nn_conv2d_out_size (in_w, k, stride, pad);
  const size_t cells = (size_t) oh * ow;
  const int np = (int) (batch * cells);
  const int ckk = in_channels * k * k;
  float *cols = scratch;                           /* (IC·K·K, B·OH·OW) */
  float *dyc = scratch + (size_t) ckk * np;        /* (OC, B·OH·OW) */

  nchw_to_cnhw (dyc, dy, batch, out_channels, cells);
  if (db != NULL)
    bias_grad (db, dy, batch, out_channels, cells);

  /* The columns are recomputed rather than kept from forward, so that one
   * scratch buffer can serve every layer of a model. */
  nn_im2col (cols, x, batch, in_channels, in_h, in_w, k, stride, pad, oh, ow);
  /* dW += dYc · colsᵀ : (OC, B·P) · (B·P, IC·K·K) */
  conv_sgemm (0, 1, out_channels, ckk, np, dyc, np, cols, np, 1.0f, dw, ckk);

  if (dx == NULL)
    return;
  /* dcols = Wᵀ · dYc : (IC·K·K, OC) · (OC, B·P), over the columns just used */
  conv_sgemm (1, 0, ckk, np, out_channels, w, ckk, dyc, np, 0.0f, cols, np);
  memset (dx, 0, (size_t) batch * in_channels * in_h * in_w * sizeof *dx);
  nn_col2im (dx, cols, batch, in_channels, in_h, in_w, k, stride, pad, oh, ow);
}

/* ------------------------------------------------------------ conv_transpose2d */

void
nn_conv_transpose2d_forward (float       *y,
                             float       *scratch,
                             const float *x,
                             const float *w,
                             const float *b,
                             int          batch,
                             int          in_channels,
                             int          in_h,
                             int          in_w,
                             int          out_channels,
                             int          k,
                             int          stride,
                             int          pad,
                             int          output_padding)
{
  const int oh = nn_conv_transpose2d_out_size (in_h, k, stride, pad, output_padding);
  const int ow = nn_conv_transpose2d_out_size (in_w, k, stride, pad, output_padding);
  const size_t cells = (size_t) in_h * in_w;       /* input cells: the conv2d "output" grid */
  const size_t out_cells = (size_t) oh * ow;
  const int np = (int) (batch * cells);            /* B·H·W */
  const int okk = out_channels * k * k;            /* OC·K·K */
  float *cols = scratch;                           /* (OC·K·K, B·H·W) */
  float *xc = scratch + (size_t) okk * np;         /* (IC, B·H·W) */

  nchw_to_cnhw (xc, x, batch, in_channels, cells);
  /* cols = Wᵀ · Xc : (OC·K·K, IC) · (IC, B·H·W), W seen as (IC, OC·K·K) */
  conv_sgemm (1, 0, okk, np, in_channels, w, okk, xc, np, 0.0f, cols, np);

  /* y = b, then scatter-add the columns: the adjoint of conv2d's im2col. */
  for (int n = 0; n < batch; n++)
    for (int c = 0; c < out_channels; c++)
      {
        float *d = y + ((size_t) n * out_channels + c) * out_cells;
        const float bc = b != NULL ? b[c] : 0.0f;

        for (size_t i = 0; i < out_cells; i++)
          d[i] = bc;
      }
  nn_col2im (y, cols, batch, out_channels, oh, ow, k, stride, pad, in_h, in_w);
}

void
nn_conv_transpose2d_backward (float       *dx,
                              float       *dw,
                              float       *db,
                              float       *scratch,
                              const float *dy,
                              const float *x,
                              const float *w,
                              int          batch,
                              int          in_channels,
                              int          in_h,
                              int          in_w,
                              int          out_channels,
                              int          k,
                              int          stride,
                              int          pad,
                              int          output_padding)
{
  const int oh = nn_conv_transpose2d_out_size (in_h, k, stride, pad, output_padding);
  const int ow = nn_conv_transpose2d_out_size (in_w, k, stride, pad, output_padding);
  const size_t cells = (size_t) in_h * in_w;
  const int np = (int) (batch * cells);
  const int okk = out_channels * k * k;
  float *cols = scratch;                           /* (OC·K·K, B·H·W) */
  float *xc = scratch + (size_t) okk * np;         /* (IC, B·H·W) */

  if (db != NULL)
    bias_grad (db, dy, batch, out_channels, (size_t) oh * ow);

  /* The gradient of a col2im is an im2col of the incoming gradient. */
  nn_im2col (cols, dy, batch, out_channels, oh, ow, k, stride, pad, in_h, in_w);
  nchw_to_cnhw (xc, x, batch, in_channels, cells);
  /* dW += Xc · colsᵀ : (IC, B·H·W) · (B·H·W, OC·K·K) */
  conv_sgemm (0, 1, in_channels, okk, np, xc, np, cols, np, 1.0f, dw, okk);

  if (dx == NULL)
    return;
  /* dXc = W · cols : (IC, OC·K·K) · (OC·K·K, B·H·W), over Xc (no longer needed) */
  conv_sgemm (0, 0, in_channels, np, okk, w, okk, cols, np, 0.0f, xc, np);
  cnhw_to_nchw_bias (dx, xc, NULL, batch, in_channels, cells);
}

/* nn-conv.c — conv2d and conv_transpose2d as im2col/col2im + sgemm over
 * chunks of the minibatch.
 *
 * Why chunks of several images: the small autoencoder convolutions have
 * OH·OW of 49–196, too few columns for sgemm to run well one image at a
 * time, while the columns of a whole batch of 128 (3.6 MB for 16→32 channels
 * at 7×7) fall out of L2, so im2col, the GEMM's packing and col2im would all
 * stream through slower memory. A chunk puts the columns of several images
 * side by side (N = images·OH·OW) and sizes them to stay in cache
 * (CONV_CHUNK_FLOATS) between im2col and the GEMMs that read them.
 *
 * The price is that a GEMM result comes out channel-major, (OC, images·OH·OW),
 * and has to be brought back to NCHW; that pass is fused with the bias add
 * (forward) or the bias-gradient sum (backward) and runs on cache-resident
 * data.
 *
 * Notation in the GEMM comments: Yc is Y in channel-major order (C, m·H·W)
 * for the m images of a chunk, "cols" are the im2col columns, P = OH·OW.
 */
#include "nn-conv.h"
#include "nn-private.h"   /* nn_sgemm: the engine's one door to BLAS */

#include <limits.h>
#include <stdint.h>


/* Largest element count we let one tensor have: keeps every size_t product
 * far from overflow. */
#define CONV_MAX_FLOATS ((uint64_t) 1 << 40)

/* The channel rows moved here are 49–784 floats: a call to memcpy per row
 * costs about as much as the copy. Keep GCC from turning the copy loops back
 * into such calls. */
#if defined(__GNUC__) && !defined(__clang__)
#define INLINE_COPIES __attribute__ ((optimize ("no-tree-loop-distribute-patterns")))
#else
#define INLINE_COPIES
#endif

/* Target size of one chunk's columns, in floats (256 KiB): with the chunk's
 * input and output it stays within a 512 KiB–2 MiB L2. A chunk always holds
 * at least one image. */
#define CONV_CHUNK_FLOATS ((size_t) 1 << 16)

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

/* Shared by both checks. Per image the columns are (rows, cells) and the
 * channel-major copy is (chans, cells); whole tensors are batch·in_size and
 * batch·out_size floats. Every GEMM dimension must be an int. */
static NnStatus
check_buffers (const char *what,
               int         batch,
               int64_t     rows,
               int64_t     cells,
               int64_t     chans,
               int64_t     in_size,
               int64_t     out_size,
               NnError    *err)
{
  if (rows > INT_MAX || cells > INT_MAX / 2
      || (uint64_t) rows * (uint64_t) cells > CONV_MAX_FLOATS
      || (uint64_t) chans * (uint64_t) cells > CONV_MAX_FLOATS
      || (uint64_t) batch * (uint64_t) in_size > CONV_MAX_FLOATS
      || (uint64_t) batch * (uint64_t) out_size > CONV_MAX_FLOATS)
    return nn_error_set (err, NN_ERR_SHAPE,
                         "%s: batch %d of this size is too large", what, batch);
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
                        (int64_t) oh * ow, out_channels,
                        (int64_t) in_channels * in_h * in_w,
                        (int64_t) out_channels * oh * ow, err);
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
  return check_buffers ("conv_transpose2d", batch, (int64_t) out_channels * k * k,
                        (int64_t) in_h * in_w, in_channels,
                        (int64_t) in_channels * in_h * in_w,
                        (int64_t) out_channels * oh * ow, err);
}

/* ------------------------------------------------------------ scratch */

/* Images per chunk for columns of col_floats floats per image. The same
 * function sizes the scratch and drives the kernels, so they always agree. */
static int
chunk_images (int    batch,
              size_t col_floats)
{
  size_t nb = col_floats > 0 ? CONV_CHUNK_FLOATS / col_floats : 1;

  if (nb < 1)
    nb = 1;
  if (nb > (size_t) batch)
    nb = (size_t) batch;
  return (int) nb;
}

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
  size_t cells, rows;

  if (oh < 1 || ow < 1 || batch < 1 || in_channels < 1 || out_channels < 1)
    return 0;
  cells = (size_t) oh * ow;
  rows = (size_t) in_channels * k * k;
  return (size_t) chunk_images (batch, rows * cells) * cells * (rows + out_channels);
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
  size_t cells, rows;

  if (nn_conv_transpose2d_out_size (in_h, k, stride, pad, output_padding) < 1
      || nn_conv_transpose2d_out_size (in_w, k, stride, pad, output_padding) < 1
      || batch < 1 || in_channels < 1 || out_channels < 1)
    return 0;
  cells = (size_t) in_h * in_w;
  rows = (size_t) out_channels * k * k;
  return (size_t) chunk_images (batch, rows * cells) * cells * (rows + in_channels);
}

/* ------------------------------------------------------------ layout moves */

/* Σ src[0..n) in double with eight independent lanes: the terms of a bias
 * gradient largely cancel (it is often 100× smaller than the partial sums),
 * which a float sum turns into 1e-4 relative error; one double chain would
 * be latency-bound. If dst is non-NULL the values are copied there too. */
static inline double
copy_sum (float       *restrict dst,
          const float *restrict src,
          size_t                n)
{
  double lane[8] = { 0 }, tail = 0.0;
  size_t i = 0;

  if (dst != NULL)
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; j++)
        {
          dst[i + j] = src[i + j];
          lane[j] += src[i + j];
        }
  else
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; j++)
        lane[j] += src[i + j];
  for (; i < n; i++)
    {
      if (dst != NULL)
        dst[i] = src[i];
      tail += src[i];
    }
  return ((lane[0] + lane[1]) + (lane[2] + lane[3]))
         + ((lane[4] + lane[5]) + (lane[6] + lane[7])) + tail;
}

/* dst (C, m·S) ← src (m, C, S); if db is non-NULL, db (C) += Σ src per channel. */
INLINE_COPIES static void
nchw_to_cnhw (float       *dst,
              float       *db,
              const float *src,
              int          m,
              int          channels,
              size_t       cells)
{
  const size_t ld = (size_t) m * cells;

  for (int c = 0; c < channels; c++)
    {
      double total = 0.0;

      for (int n = 0; n < m; n++)
        {
          const float *s = src + ((size_t) n * channels + c) * cells;
          float *d = dst + (size_t) c * ld + (size_t) n * cells;

          if (db != NULL)
            total += copy_sum (d, s, cells);
          else
            for (size_t i = 0; i < cells; i++)
              d[i] = s[i];
        }
      if (db != NULL)
        db[c] += (float) total;
    }
}

/* dst (m, C, S) ← src (C, m·S) + bias (C); bias may be NULL. */
INLINE_COPIES static void
cnhw_to_nchw_bias (float       *restrict dst,
                   const float *restrict src,
                   const float *bias,
                   int          m,
                   int          channels,
                   size_t       cells)
{
  const size_t ld = (size_t) m * cells;

  for (int c = 0; c < channels; c++)
    {
      const float bc = bias != NULL ? bias[c] : 0.0f;

      for (int n = 0; n < m; n++)
        {
          float *restrict d = dst + ((size_t) n * channels + c) * cells;
          const float *restrict s = src + (size_t) c * ld + (size_t) n * cells;

          for (size_t i = 0; i < cells; i++)
            d[i] = s[i] + bc;
        }
    }
}

/* db (C) += Σ over the m images and the cells of dy (m, C, S). */
INLINE_COPIES static void
bias_grad (float       *db,
           const float *dy,
           int          m,
           int          channels,
           size_t       cells)
{
  for (int c = 0; c < channels; c++)
    {
      double total = 0.0;

      for (int n = 0; n < m; n++)
        total += copy_sum (NULL, dy + ((size_t) n * channels + c) * cells, cells);
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
  const size_t cells = (size_t) oh * ow;                      /* P */
  const int ckk = in_channels * k * k;                        /* IC·K·K */
  const int nb = chunk_images (batch, (size_t) ckk * cells);
  const size_t x_img = (size_t) in_channels * in_h * in_w;
  const size_t y_img = (size_t) out_channels * cells;
  float *cols = scratch;                                      /* (IC·K·K, nb·P) */
  float *yc = scratch + (size_t) ckk * nb * cells;            /* (OC, nb·P) */

  for (int n0 = 0; n0 < batch; n0 += nb)
    {
      const int m = batch - n0 < nb ? batch - n0 : nb;
      const int np = (int) (m * cells);                       /* m·P */

      nn_im2col (cols, x + n0 * x_img, m, in_channels, in_h, in_w, k, stride, pad, oh, ow);
      /* Yc = W · cols : (OC, IC·K·K) · (IC·K·K, m·P) */
      nn_sgemm (false, false, out_channels, np, ckk, 1.0f, w, ckk, cols, np, 0.0f, yc, np);
      cnhw_to_nchw_bias (y + n0 * y_img, yc, b, m, out_channels, cells);
    }
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
  const int ckk = in_channels * k * k;
  const int nb = chunk_images (batch, (size_t) ckk * cells);
  const size_t x_img = (size_t) in_channels * in_h * in_w;
  const size_t y_img = (size_t) out_channels * cells;
  float *cols = scratch;                                      /* (IC·K·K, nb·P) */
  float *dyc = scratch + (size_t) ckk * nb * cells;           /* (OC, nb·P) */

  for (int n0 = 0; n0 < batch; n0 += nb)
    {
      const int m = batch - n0 < nb ? batch - n0 : nb;
      const int np = (int) (m * cells);

      nchw_to_cnhw (dyc, db, dy + n0 * y_img, m, out_channels, cells);
      /* The columns are recomputed rather than kept from forward, so that one
       * small scratch buffer serves every layer of a model. */
      nn_im2col (cols, x + n0 * x_img, m, in_channels, in_h, in_w, k, stride, pad, oh, ow);
      /* dW += dYc · colsᵀ : (OC, m·P) · (m·P, IC·K·K) */
      nn_sgemm (false, true, out_channels, ckk, np, 1.0f, dyc, np, cols, np, 1.0f, dw, ckk);
      if (dx == NULL)
        continue;
      /* dcols = Wᵀ · dYc : (IC·K·K, OC) · (OC, m·P), over the columns just used */
      nn_sgemm (true, false, ckk, np, out_channels, 1.0f, w, ckk, dyc, np, 0.0f, cols, np);
      nn_col2im_bias (dx + n0 * x_img, cols, NULL, m, in_channels, in_h, in_w,
                      k, stride, pad, oh, ow);
    }
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
  const size_t cells = (size_t) in_h * in_w;  /* input cells: the conv2d "output" grid */
  const int okk = out_channels * k * k;                       /* OC·K·K */
  const int nb = chunk_images (batch, (size_t) okk * cells);
  const size_t x_img = (size_t) in_channels * cells;
  const size_t y_img = (size_t) out_channels * oh * ow;
  float *cols = scratch;                                      /* (OC·K·K, nb·H·W) */
  float *xc = scratch + (size_t) okk * nb * cells;            /* (IC, nb·H·W) */

  for (int n0 = 0; n0 < batch; n0 += nb)
    {
      const int m = batch - n0 < nb ? batch - n0 : nb;
      const int np = (int) (m * cells);                       /* m·H·W */

      nchw_to_cnhw (xc, NULL, x + n0 * x_img, m, in_channels, cells);
      /* cols = Wᵀ · Xc : (OC·K·K, IC) · (IC, m·H·W), W seen as (IC, OC·K·K) */
      nn_sgemm (true, false, okk, np, in_channels, 1.0f, w, okk, xc, np, 0.0f, cols, np);
      /* y = b + scatter-add of the columns: the adjoint of conv2d's im2col. */
      nn_col2im_bias (y + n0 * y_img, cols, b, m, out_channels, oh, ow, k, stride,
                      pad, in_h, in_w);
    }
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
  const int okk = out_channels * k * k;
  const int nb = chunk_images (batch, (size_t) okk * cells);
  const size_t x_img = (size_t) in_channels * cells;
  const size_t y_img = (size_t) out_channels * oh * ow;
  float *cols = scratch;                                      /* (OC·K·K, nb·H·W) */
  float *xc = scratch + (size_t) okk * nb * cells;            /* (IC, nb·H·W) */

  for (int n0 = 0; n0 < batch; n0 += nb)
    {
      const int m = batch - n0 < nb ? batch - n0 : nb;
      const int np = (int) (m * cells);

      if (db != NULL)
        bias_grad (db, dy + n0 * y_img, m, out_channels, (size_t) oh * ow);
      /* The gradient of a col2im is an im2col of the incoming gradient. */
      nn_im2col (cols, dy + n0 * y_img, m, out_channels, oh, ow, k, stride, pad, in_h, in_w);
      nchw_to_cnhw (xc, NULL, x + n0 * x_img, m, in_channels, cells);
      /* dW += Xc · colsᵀ : (IC, m·H·W) · (m·H·W, OC·K·K) */
      nn_sgemm (false, true, in_channels, okk, np, 1.0f, xc, np, cols, np, 1.0f, dw, okk);
      if (dx == NULL)
        continue;
      /* dXc = W · cols : (IC, OC·K·K) · (OC·K·K, m·H·W), over Xc (no longer needed) */
      nn_sgemm (false, false, in_channels, np, okk, 1.0f, w, okk, cols, np, 0.0f, xc, np);
      cnhw_to_nchw_bias (dx + n0 * x_img, xc, NULL, m, in_channels, cells);
    }
}

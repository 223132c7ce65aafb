/* nn-im2col.c — the column transforms under conv2d and conv_transpose2d.
 *
 * nn_im2col lays every k×k patch of an NCHW batch out as one column, so a
 * convolution becomes one GEMM; nn_col2im is its adjoint (scatter-add of the
 * columns back onto the image), used for the input gradient of conv2d and
 * the forward pass of conv_transpose2d.
 */
#include "nn-conv.h"

#include <stdint.h>
#include <string.h>

/* Planes up to this many floats, padding included, are first copied into a
 * zero-bordered buffer on the stack (16 KiB: 64×64). The tap loops then run
 * without bounds tests, which the compiler vectorises: twice as fast as
 * clipping every row for the 7–28-wide rows of the autoencoders. Larger
 * planes take the clipping path. */
#define PAD_PLANE_MAX 4096

/* The outputs [lo, hi) along one axis whose tap lands inside an input of
 * size n_in: 0 <= o·stride − pad + tap < n_in. Outside it the tap reads
 * padding. */
static inline void
valid_range (int  n_out,
             int  n_in,
             int  tap,
             int  stride,
             int  pad,
             int *lo,
             int *hi)
{
  int first = pad - tap;            /* smallest o·stride allowed */
  int last = n_in - 1 + pad - tap;  /* largest o·stride allowed */

  *lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  *hi = last < 0 ? 0 : last / stride + 1;
  if (*lo > n_out)
    *lo = n_out;
  if (*hi > n_out)
    *hi = n_out;
  if (*hi < *lo)
    *hi = *lo;
}

static inline int
fits_pad_plane (int h,
                int w,
                int pad)
{
  return (int64_t) (h + 2 * (int64_t) pad) * (w + 2 * (int64_t) pad) <= PAD_PLANE_MAX;
}

/* Rows here are 7–28 floats: a call to memcpy/memset per row costs more
 * than the copy. Keep GCC from turning the copy loops back into such calls. */
#if defined(__GNUC__) && !defined(__clang__)
#define INLINE_COPIES __attribute__ ((optimize ("no-tree-loop-distribute-patterns")))
#else
#define INLINE_COPIES
#endif

/* The row loops are written out per stride so that the compiler sees a
 * constant stride (1 and 2 are the common ones). */
#define FOR_STRIDE(stride, BODY)                        \
  do {                                                  \
    if ((stride) == 1) { const int S_ = 1; BODY; }      \
    else if ((stride) == 2) { const int S_ = 2; BODY; } \
    else { const int S_ = (stride); BODY; }             \
  } while (0)

/* im2col through a padded copy of each plane. */
INLINE_COPIES static void
im2col_padded (float       *cols,
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
  const int wp = w + 2 * pad;
  float buf[PAD_PLANE_MAX];

  /* The border stays zero: each plane overwrites only the interior. */
  memset (buf, 0, (size_t) (h + 2 * pad) * wp * sizeof *buf);
  for (int n = 0; n < batch; n++)
    for (int c = 0; c < channels; c++)
      {
        const float *xp = x + ((size_t) n * channels + c) * plane;

        for (int i = 0; i < h; i++)
          {
            float *restrict d = buf + (size_t) (i + pad) * wp + pad;
            const float *restrict s = xp + (size_t) i * w;

            for (int j = 0; j < w; j++)
              d[j] = s[j];
          }
        for (int kh = 0; kh < k; kh++)
          for (int kw = 0; kw < k; kw++)
            {
              float *restrict d = cols + ((size_t) (c * k + kh) * k + kw) * ncols
                                  + (size_t) n * cells;
              const float *restrict b = buf + kh * wp + kw;

              /* (out − 1)·stride + k ≤ in + 2·pad: every read is inside buf. */
              FOR_STRIDE (stride,
                for (int oh = 0; oh < out_h; oh++, d += out_w, b += S_ * wp)
                  for (int ow = 0; ow < out_w; ow++)
                    d[ow] = b[S_ * ow]);
            }
      }
}

/* im2col clipping each row against the padding, for planes too large for
 * the stack buffer. */
INLINE_COPIES static void
im2col_clipped (float       *cols,
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
      {
        int rlo, rhi;

        valid_range (out_h, h, kh, stride, pad, &rlo, &rhi);
        for (int kw = 0; kw < k; kw++)
          {
            float *row = cols + ((size_t) (c * k + kh) * k + kw) * ncols;
            const int off = kw - pad;
            int lo, hi;

            valid_range (out_w, w, kw, stride, pad, &lo, &hi);
            for (int n = 0; n < batch; n++)
              {
                float *dst = row + (size_t) n * cells;
                /* Input row of output row rlo (only formed when rlo < rhi). */
                const float *s = x + ((size_t) n * channels + c) * plane;

                for (size_t i = 0; i < (size_t) rlo * out_w; i++)
                  dst[i] = 0.0f;
                for (int oh = rlo; oh < rhi; oh++)
                  {
                    float *d = dst + (size_t) oh * out_w;
                    const float *sr = s + (size_t) (oh * stride - pad + kh) * w;

                    /* For ow in [lo, hi) the column ow·stride + off is inside the row. */
                    for (int ow = 0; ow < lo; ow++)
                      d[ow] = 0.0f;
                    FOR_STRIDE (stride,
                      for (int ow = lo; ow < hi; ow++)
                        d[ow] = sr[ow * S_ + off]);
                    for (int ow = hi; ow < out_w; ow++)
                      d[ow] = 0.0f;
                  }
                for (size_t i = (size_t) rhi * out_w; i < cells; i++)
                  dst[i] = 0.0f;
              }
          }
      }
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
  if (fits_pad_plane (h, w, pad))
    im2col_padded (cols, x, batch, channels, h, w, k, stride, pad, out_h, out_w);
  else
    im2col_clipped (cols, x, batch, channels, h, w, k, stride, pad, out_h, out_w);
}

/* How col2im combines its sums with what x holds. */
typedef enum
{
  COL2IM_ADD,   /* x += col2im(cols) */
  COL2IM_SET,   /* x  = col2im(cols) + bias (bias may be NULL) */
} Col2imMode;

/* col2im through a padded accumulator per plane: the scatter-adds need no
 * bounds tests, and the interior is then added or stored into x once. */
INLINE_COPIES static void
col2im_padded (float       *x,
               const float *cols,
               const float *bias,
               Col2imMode   mode,
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
  const int wp = w + 2 * pad;
  const size_t padded = (size_t) (h + 2 * pad) * wp;
  float buf[PAD_PLANE_MAX];

  for (int n = 0; n < batch; n++)
    for (int c = 0; c < channels; c++)
      {
        float *xp = x + ((size_t) n * channels + c) * plane;
        const float bc = bias != NULL ? bias[c] : 0.0f;

        for (size_t i = 0; i < padded; i++)
          buf[i] = 0.0f;
        for (int kh = 0; kh < k; kh++)
          for (int kw = 0; kw < k; kw++)
            {
              const float *restrict s = cols + ((size_t) (c * k + kh) * k + kw) * ncols
                                        + (size_t) n * cells;
              float *restrict b = buf + kh * wp + kw;

              FOR_STRIDE (stride,
                for (int oh = 0; oh < out_h; oh++, s += out_w, b += S_ * wp)
                  for (int ow = 0; ow < out_w; ow++)
                    b[S_ * ow] += s[ow]);
            }
        for (int i = 0; i < h; i++)
          {
            float *restrict d = xp + (size_t) i * w;
            const float *restrict b = buf + (size_t) (i + pad) * wp + pad;

            if (mode == COL2IM_ADD)
              for (int j = 0; j < w; j++)
                d[j] += b[j];
            else
              for (int j = 0; j < w; j++)
                d[j] = b[j] + bc;
          }
      }
}

/* col2im clipping each row, for planes too large for the stack buffer. */
INLINE_COPIES static void
col2im_clipped (float       *x,
                const float *cols,
                const float *bias,
                Col2imMode   mode,
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

  if (mode == COL2IM_SET)
    for (int n = 0; n < batch; n++)
      for (int c = 0; c < channels; c++)
        {
          float *xp = x + ((size_t) n * channels + c) * plane;
          const float bc = bias != NULL ? bias[c] : 0.0f;

          for (size_t i = 0; i < plane; i++)
            xp[i] = bc;
        }

  /* Same traversal as im2col_clipped with the copy reversed into a sum;
   * taps in the padding are simply not visited. */
  for (int c = 0; c < channels; c++)
    for (int kh = 0; kh < k; kh++)
      {
        int rlo, rhi;

        valid_range (out_h, h, kh, stride, pad, &rlo, &rhi);
        if (rlo == rhi)
          continue;
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
                const float *src = row + (size_t) n * cells;
                float *xp = x + ((size_t) n * channels + c) * plane;

                for (int oh = rlo; oh < rhi; oh++)
                  {
                    float *d = xp + (size_t) (oh * stride - pad + kh) * w;
                    const float *s = src + (size_t) oh * out_w;

                    FOR_STRIDE (stride,
                      for (int ow = lo; ow < hi; ow++)
                        d[ow * S_ + off] += s[ow]);
                  }
              }
          }
      }
}

static void
col2im_mode (float       *x,
             const float *cols,
             const float *bias,
             Col2imMode   mode,
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
  if (fits_pad_plane (h, w, pad))
    col2im_padded (x, cols, bias, mode, batch, channels, h, w, k, stride, pad, out_h, out_w);
  else
    col2im_clipped (x, cols, bias, mode, batch, channels, h, w, k, stride, pad, out_h, out_w);
}

void
nn_col2im_bias (float       *x,
                const float *cols,
                const float *bias,
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
  col2im_mode (x, cols, bias, COL2IM_SET, batch, channels, h, w, k, stride, pad,
               out_h, out_w);
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
  col2im_mode (x, cols, NULL, COL2IM_ADD, batch, channels, h, w, k, stride, pad,
               out_h, out_w);
}


/* nn-conv.h — 2-D convolution and transposed convolution kernels.
 *
 * Free functions in the llm.c style: outputs first, then inputs and weights,
 * then sizes. Plain C11 + CBLAS, no GLib, no I/O, and NO allocation: every
 * call works in a caller-provided scratch buffer.
 *
 * Layouts (row-major, batch-major, like PyTorch):
 *   activations   NCHW                      (B, C, H, W)
 *   conv2d           W (OC, IC, K, K)   b (OC)   — torch.nn.Conv2d
 *   conv_transpose2d W (IC, OC, K, K)   b (OC)   — torch.nn.ConvTranspose2d
 * Square kernels, equal stride and padding in both directions, dilation 1,
 * groups 1.
 *
 * Gradients: backward ADDS into dw and db (zeroing them is the caller's
 * explicit step, once per minibatch) and OVERWRITES dx — the same contract as
 * the dense layer (dW += dYᵀ·X, dX = dY·W). Pass dx = NULL to skip the input
 * gradient (first layer of a network).
 *
 * Scratch: a call needs nn_conv2d_scratch_floats(...) (resp.
 * nn_conv_transpose2d_scratch_floats(...)) floats. Nothing in it has to
 * survive between calls — backward recomputes the columns it needs from x —
 * so ONE buffer sized for the largest layer can be shared by every conv layer
 * of a model, forward and backward. The kernels walk the batch in chunks
 * whose columns stay in cache, so the scratch is small (0.3–0.7 MiB for the
 * autoencoder layers at any batch) and never shrinks as the batch grows: a
 * buffer sized for the largest batch serves every smaller one.
 *
 * Preconditions: sizes as accepted by nn_conv2d_check / nn_conv_transpose2d_check
 * (call those once when the model is built; the kernels do not re-check), and
 * outputs do not alias inputs or scratch.
 */
#pragma once

#include <stddef.h>

#include "nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ geometry */

/* floor((in + 2·pad − k) / stride) + 1, like PyTorch; −1 when the kernel does
 * not fit (in + 2·pad < k) or an argument is out of range. */
int      nn_conv2d_out_size (int in,
                             int k,
                             int stride,
                             int pad);

/* (in − 1)·stride − 2·pad + k + output_padding; −1 when the result is < 1 or
 * an argument is out of range (output_padding must be < stride, as in PyTorch). */
int      nn_conv_transpose2d_out_size (int in,
                                       int k,
                                       int stride,
                                       int pad,
                                       int output_padding);

/* Validates a layer's hyper-parameters against its input size and names the
 * problem in err ("conv2d: kernel 5 does not fit a 3×3 input with padding 0").
 * Also rejects sizes whose buffers would overflow an int index. */
NnStatus nn_conv2d_check (int      batch,
                          int      in_channels,
                          int      in_h,
                          int      in_w,
                          int      out_channels,
                          int      k,
                          int      stride,
                          int      pad,
                          NnError *err);

NnStatus nn_conv_transpose2d_check (int      batch,
                                    int      in_channels,
                                    int      in_h,
                                    int      in_w,
                                    int      out_channels,
                                    int      k,
                                    int      stride,
                                    int      pad,
                                    int      output_padding,
                                    NnError *err);

/* ------------------------------------------------------------ scratch */

/* Floats of scratch one forward or backward call needs: for the m images of
 * a chunk, IC·K·K·m·OH·OW (the columns) + OC·m·OH·OW (the output in
 * channel-major order), m = min(batch, images whose columns fit 256 KiB, ≥ 1).
 * 0 for sizes nn_conv2d_check rejects. */
size_t   nn_conv2d_scratch_floats (int batch,
                                   int in_channels,
                                   int in_h,
                                   int in_w,
                                   int out_channels,
                                   int k,
                                   int stride,
                                   int pad);

/* Likewise OC·K·K·m·H·W (the columns) + IC·m·H·W (the input in
 * channel-major order), where H×W is the INPUT size. */
size_t   nn_conv_transpose2d_scratch_floats (int batch,
                                             int in_channels,
                                             int in_h,
                                             int in_w,
                                             int out_channels,
                                             int k,
                                             int stride,
                                             int pad,
                                             int output_padding);

/* ------------------------------------------------------------ conv2d */

/* y = conv2d(x, w) + b. OH/OW from nn_conv2d_out_size. b may be NULL (no bias). */
void     nn_conv2d_forward (float       *y,        /* (B, OC, OH, OW) */
                            float       *scratch,  /* nn_conv2d_scratch_floats */
                            const float *x,        /* (B, IC, H, W) */
                            const float *w,        /* (OC, IC, K, K) */
                            const float *b,        /* (OC) or NULL */
                            int          batch,
                            int          in_channels,
                            int          in_h,
                            int          in_w,
                            int          out_channels,
                            int          k,
                            int          stride,
                            int          pad);

/* dw += ∂L/∂w, db += ∂L/∂b (db may be NULL), dx = ∂L/∂x (dx may be NULL). */
void     nn_conv2d_backward (float       *dx,       /* (B, IC, H, W) or NULL */
                             float       *dw,       /* (OC, IC, K, K) */
                             float       *db,       /* (OC) or NULL */
                             float       *scratch,  /* nn_conv2d_scratch_floats */
                             const float *dy,       /* (B, OC, OH, OW) */
                             const float *x,        /* (B, IC, H, W) forward input */
                             const float *w,        /* (OC, IC, K, K) */
                             int          batch,
                             int          in_channels,
                             int          in_h,
                             int          in_w,
                             int          out_channels,
                             int          k,
                             int          stride,
                             int          pad);

/* ------------------------------------------------------------ conv_transpose2d */

/* y = conv_transpose2d(x, w) + b, the adjoint of conv2d in x.
 * OH/OW from nn_conv_transpose2d_out_size. b may be NULL. */
void     nn_conv_transpose2d_forward (float       *y,        /* (B, OC, OH, OW) */
                                      float       *scratch,  /* nn_conv_transpose2d_scratch_floats */
                                      const float *x,        /* (B, IC, H, W) */
                                      const float *w,        /* (IC, OC, K, K) */
                                      const float *b,        /* (OC) or NULL */
                                      int          batch,
                                      int          in_channels,
                                      int          in_h,
                                      int          in_w,
                                      int          out_channels,
                                      int          k,
                                      int          stride,
                                      int          pad,
                                      int          output_padding);

/* dw += ∂L/∂w, db += ∂L/∂b (db may be NULL), dx = ∂L/∂x (dx may be NULL). */
void     nn_conv_transpose2d_backward (float       *dx,       /* (B, IC, H, W) or NULL */
                                       float       *dw,       /* (IC, OC, K, K) */
                                       float       *db,       /* (OC) or NULL */
                                       float       *scratch,  /* nn_conv_transpose2d_scratch_floats */
                                       const float *dy,       /* (B, OC, OH, OW) */
                                       const float *x,        /* (B, IC, H, W) forward input */
                                       const float *w,        /* (IC, OC, K, K) */
                                       int          batch,
                                       int          in_channels,
                                       int          in_h,
                                       int          in_w,
                                       int          out_channels,
                                       int          k,
                                       int          stride,
                                       int          pad,
                                       int          output_padding);

/* ------------------------------------------------------------ building blocks */

/* The column transforms (nn-im2col.c), exposed for tests and other layers.
 * Columns are (C·K·K, B·OH·OW): row (c·K + kh)·K + kw, column (n·OH + oh)·OW + ow;
 * taps that fall in the padding read as 0. OH/OW are the conv2d output size
 * of H×W for (K, stride, pad). */
void     nn_im2col (float       *cols,   /* (C·K·K, B·OH·OW) */
                    const float *x,      /* (B, C, H, W) */
                    int          batch,
                    int          channels,
                    int          h,
                    int          w,
                    int          k,
                    int          stride,
                    int          pad,
                    int          out_h,
                    int          out_w);

/* The adjoint of nn_im2col: x += col2im(cols); taps in the padding are dropped.
 * ADDS into x (zero it first for a plain scatter). */
void     nn_col2im (float       *x,      /* (B, C, H, W) */
                    const float *cols,   /* (C·K·K, B·OH·OW) */
                    int          batch,
                    int          channels,
                    int          h,
                    int          w,
                    int          k,
                    int          stride,
                    int          pad,
                    int          out_h,
                    int          out_w);

/* x = col2im(cols) + bias per channel (bias may be NULL): overwrites x, so
 * no separate zeroing or bias pass is needed. */
void     nn_col2im_bias (float       *x,      /* (B, C, H, W) */
                         const float *cols,   /* (C·K·K, B·OH·OW) */
                         const float *bias,   /* (C) or NULL */
                         int          batch,
                         int          channels,
                         int          h,
                         int          w,
                         int          k,
                         int          stride,
                         int          pad,
                         int          out_h,
                         int          out_w);

#ifdef __cplusplus
}
#endif

/* nn-batchnorm.h — batch normalisation kernels (torch.nn.BatchNorm1d/2d).
 *
 * One layout serves both uses: x is (B, C, S) row-major, normalised per
 * channel c over the B·S values x[n][c][·].
 *   after a conv:  (B, C, H·W)  — S = H·W, BatchNorm2d
 *   after a dense: (B, F, 1)    — C = features, S = 1, BatchNorm1d
 *
 * Train mode normalises with the batch's mean and BIASED variance and moves
 * the running statistics with the UNBIASED variance, exactly like PyTorch:
 *   running_mean = (1 − momentum)·running_mean + momentum·mean
 *   running_var  = (1 − momentum)·running_var  + momentum·var·n/(n − 1)
 * Eval mode normalises with the running statistics.
 *
 * Plain C11, no GLib, no I/O, no allocation. Backward ADDS into dgamma and
 * dbeta and OVERWRITES dx (dx may be NULL). Sums are accumulated in double.
 */
#pragma once

#include "nn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NN_BATCHNORM_MOMENTUM 0.1f   /* PyTorch's default */
#define NN_BATCHNORM_EPS      1e-5f  /* PyTorch's default */

/* Train mode needs at least two values per channel (B·S ≥ 2), as in PyTorch;
 * eval mode needs one. Call once when the model is built. */
NnStatus nn_batchnorm_check (int      batch,
                             int      channels,
                             int      spatial,
                             int      train,
                             NnError *err);

/* y = γ·(x − μ_B)·invstd + β with μ_B, σ²_B of this batch (biased),
 * invstd = 1/√(σ²_B + eps). Saves μ_B and invstd for backward and updates the
 * running statistics (skipped when running_mean/running_var are NULL).
 * gamma/beta may be NULL (γ = 1, β = 0: affine=False). y may equal x, but
 * backward needs the original x. */
void     nn_batchnorm_forward_train (float       *y,             /* (B, C, S) */
                                     float       *mean,          /* (C) out: μ_B */
                                     float       *invstd,        /* (C) out: 1/√(σ²_B + eps) */
                                     float       *running_mean,  /* (C) in/out, or NULL */
                                     float       *running_var,   /* (C) in/out, or NULL */
                                     const float *x,             /* (B, C, S) */
                                     const float *gamma,         /* (C) or NULL */
                                     const float *beta,          /* (C) or NULL */
                                     int          batch,
                                     int          channels,
                                     int          spatial,
                                     float        momentum,
                                     float        eps);

/* y = γ·(x − running_mean)/√(running_var + eps) + β. y may equal x. */
void     nn_batchnorm_forward_eval (float       *y,             /* (B, C, S) */
                                    const float *x,             /* (B, C, S) */
                                    const float *gamma,         /* (C) or NULL */
                                    const float *beta,          /* (C) or NULL */
                                    const float *running_mean,  /* (C) */
                                    const float *running_var,   /* (C) */
                                    int          batch,
                                    int          channels,
                                    int          spatial,
                                    float        eps);

/* Backward of train mode, from the forward's input and saved statistics:
 *   dβ += Σ dy,  dγ += Σ dy·x̂,
 *   dx  = γ·invstd·(dy − mean(dy) − x̂·mean(dy·x̂))   (per channel, x̂ = (x − μ_B)·invstd)
 * dgamma/dbeta may be NULL (affine=False), dx may be NULL. dx may equal dy. */
void     nn_batchnorm_backward (float       *dx,      /* (B, C, S) or NULL */
                                float       *dgamma,  /* (C) or NULL */
                                float       *dbeta,   /* (C) or NULL */
                                const float *dy,      /* (B, C, S) */
                                const float *x,       /* (B, C, S) forward input */
                                const float *mean,    /* (C) saved by forward_train */
                                const float *invstd,  /* (C) saved by forward_train */
                                const float *gamma,   /* (C) or NULL */
                                int          batch,
                                int          channels,
                                int          spatial);

#ifdef __cplusplus
}
#endif

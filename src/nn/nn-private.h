/* nn-private.h — the engine's internals, shared by its files and its tests.
 *
 * Layers are free functions (outputs first, then inputs and weights, then
 * sizes); the model is a flat array of layer descriptions holding OFFSETS into
 * one parameter buffer, one gradient buffer and one stats buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn.h"
#include "nn-arch.h"

/* The hot loops are compiled for AVX-512, AVX2 and baseline x86-64 and the
 * best is picked when the program loads (GCC function multi-versioning): the
 * distribution build cannot assume -march=native. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_HOT __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NN_HOT
#endif

/* ---------------------------------------------------------------- memory */

/* Every engine allocation goes through these, so nn_alloc_count() can prove
 * that a training step allocates nothing. */
void    *nn_malloc (size_t size);
void    *nn_calloc (size_t n, size_t size);
void     nn_free (void *p);
/* n zeroed floats, 64-byte aligned (full cache lines for the fused loops). */
float   *nn_alloc_floats (size_t n);
/* The same, not zeroed: for buffers another thread zeroes before use (the
 * first write to fresh pages costs ~50 ms for a trainer's optimizer state on
 * a VM, which the thread creating it must not pay when it is a window's). */
float   *nn_alloc_floats_uninit (size_t n);

/* ---------------------------------------------------------------- rng */

/* xoshiro256** seeded through splitmix64. Independent streams per purpose
 * (init, split, shuffle, dropout, noise) so that turning dropout on does not
 * change the shuffling. */
typedef struct
{
  uint64_t s[4];
} NnRng;

enum
{
  NN_STREAM_INIT = 1,
  NN_STREAM_SPLIT,
  NN_STREAM_SHUFFLE,
  NN_STREAM_DROPOUT,
  NN_STREAM_NOISE,
  NN_STREAM_SAMPLE,   /* VAE reparameterisation */
};

void     nn_rng_seed (NnRng *rng, uint64_t seed, uint64_t stream);
uint64_t nn_rng_next (NnRng *rng);
float    nn_rng_uniform (NnRng *rng);            /* [0, 1) with 24 random bits */
float    nn_rng_normal (NnRng *rng);             /* N(0, 1), Box–Muller */
uint32_t nn_rng_below (NnRng *rng, uint32_t n);  /* [0, n), unbiased */

/* ---------------------------------------------------------------- gemm */

/* Row-major C = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n.
 * The one door to cblas_sgemm; nn_sgemm_naive is the reference for tests. */
void     nn_sgemm (bool         trans_a,
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
                   int          ldc);
void     nn_sgemm_naive (bool         trans_a,
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
                         int          ldc);

/* ---------------------------------------------------------------- layers */

/* y = act(x·Wᵀ + b), bias and activation fused in one pass after the GEMM. */
void     nn_dense_forward (float        *y,      /* (B, out) */
                           const float  *x,      /* (B, in) */
                           const float  *w,      /* (out, in) */
                           const float  *b,      /* (out) */
                           int           batch,
                           int           in,
                           int           out,
                           NnActivation  act);

/* Given dz = ∂L/∂(x·Wᵀ + b): dW += dzᵀ·x, db += Σ_batch dz, dx = dz·W
 * (dx may be NULL: the first layer needs no input gradient). */
void     nn_dense_backward (float       *dx,     /* (B, in) or NULL */
                            float       *dw,     /* (out, in) */
                            float       *db,     /* (out) */
                            const float *dz,     /* (B, out) */
                            const float *x,      /* (B, in) */
                            const float *w,      /* (out, in) */
                            int          batch,
                            int          in,
                            int          out);

/* y = act(y + b[c]) in place over (B, C, S); b may be NULL. */
void     nn_bias_act_forward (float        *y,
                              const float  *b,
                              int           batch,
                              int           channels,
                              int           spatial,
                              NnActivation  act);

/* d = d ⊙ act'(·), written in place, with act' taken from the activation's
 * OUTPUT y (all five activations allow that); db += Σ over batch and space
 * (db may be NULL). */
void     nn_act_backward (float        *d,
                          const float  *y,
                          float        *db,
                          int           batch,
                          int           channels,
                          int           spatial,
                          NnActivation  act);

float    nn_act_scalar (float z, NnActivation act);

/* Inverted dropout: mask[i] = 0 with probability p, else 1/(1−p); y = x ⊙ mask. */
void     nn_dropout_forward (float       *y,
                             float       *mask,
                             const float *x,
                             size_t       n,
                             float        p,
                             NnRng       *rng);

/* Output activation + loss + gradient in one pass over the logits z.
 * loss = mean over all n elements (PyTorch reduction='mean'), returned as the
 * SUM scaled by 1/scale_n; dz = ∂(Σ/scale_n)/∂z (dz may be NULL: no gradient).
 * y may be NULL (training needs no reconstruction). BCE needs act = sigmoid
 * and is computed from the logits: max(z,0) − z·t + log1p(exp(−|z|)). */
double   nn_output_loss (float        *dz,
                         float        *y,
                         const float  *z,
                         const float  *t,
                         size_t        n,
                         double        scale_n,
                         NnActivation  act,
                         NnLoss        loss);

/* ---------------------------------------------------------------- optimizer */

typedef struct
{
  NnOptimizer kind;
  float lr, momentum, beta1, beta2, eps, weight_decay;
  int64_t t;    /* steps taken, for Adam's bias correction */
  /* set by nn_optim_begin for the step in progress */
  float step_size;     /* Adam: lr / (1 − β1^t) */
  float inv_sqrt_bc2;  /* Adam: 1 / √(1 − β2^t) */
} NnOptimState;

/* One fused loop over n parameters: updates p in place and m (and v for
 * Adam), ZEROES g as it consumes it (so the next backward pass can accumulate
 * without a separate clearing pass), and, when backup is non-NULL, keeps the
 * previous parameters there in the same pass (the last good weights if the
 * next loss turns out NaN).
 * nn_optim_begin starts a step (Adam's bias correction counts steps); then
 * nn_optim_update may be called on any disjoint ranges (per layer).
 * nn_optim_step = begin + update of the whole buffer. */
void     nn_optim_begin (NnOptimState *opt);
void     nn_optim_update (const NnOptimState *opt,
                          float              *restrict p,
                          float              *restrict g,
                          float              *restrict m,
                          float              *restrict v,
                          float              *restrict backup,
                          size_t              n);
void     nn_optim_step (NnOptimState *opt,
                        float        *restrict p,
                        float        *restrict g,
                        float        *restrict m,
                        float        *restrict v,
                        float        *restrict backup,
                        size_t        n);

/* ---------------------------------------------------------------- model */

typedef enum
{
  NN_LAYER_DENSE,
  NN_LAYER_CONV,
  NN_LAYER_CONVT,
} NnLayerType;

#define NN_LAYERS_MAX (2 * NN_ARCH_LAYERS_MAX)

typedef struct
{
  NnLayerType  type;
  int          in_c, in_h, in_w;      /* input shape (dense: in_c features, 1×1) */
  int          out_c, out_h, out_w;   /* output shape */
  int          in_dim, out_dim;       /* floats per sample */
  int          k, stride, pad, out_pad;
  NnActivation act;                   /* applied after (batch norm and) bias */
  float        dropout;               /* 0 = none; training only */
  bool         batch_norm;
  size_t       w_off, n_w;            /* params: dense W (out, in); conv (OC, IC, K, K); convT (IC, OC, K, K) */
  size_t       b_off, n_b;            /* params: bias (out_c) */
  size_t       gamma_off, beta_off;   /* params: batch norm γ, β (out_c) */
  size_t       mean_off, var_off;     /* stats: batch norm running mean / var (out_c) */
} NnLayer;

struct NnModel
{
  NnConfig cfg;
  NnArch   arch;
  int      n_layers;
  int      n_enc;          /* layers [0, n_enc) are the encoder */
  NnLayer  layers[NN_LAYERS_MAX];
  int      input_dim;
  int      latent_dim;     /* code size; a VAE's encoder emits 2·latent_dim */
  int      max_dim;        /* largest per-sample activation, input included */
  size_t   n_params;
  size_t   n_stats;
  float   *params;         /* (n_params) */
  float   *stats;          /* (n_stats) or NULL */
};

/* Activations and scratch for one (model, batch size): sized once, carved out
 * of one allocation, reused by every pass. */
typedef struct
{
  int    max_batch;
  bool   train;                     /* keep what backward needs */
  float *block;                     /* the one allocation */
  size_t n_floats;                  /* its size */
  float *act[NN_LAYERS_MAX];        /* (B, out_dim) layer outputs; the last holds logits */
  float *pre_drop[NN_LAYERS_MAX];   /* (B, out_dim) activation before dropout, or == act */
  float *mask[NN_LAYERS_MAX];       /* (B, out_dim) dropout scale, or NULL */
  float *bn_x[NN_LAYERS_MAX];       /* (B, out_dim) batch-norm input, or NULL */
  float *bn_mean[NN_LAYERS_MAX];    /* (C) batch statistics saved for backward */
  float *bn_invstd[NN_LAYERS_MAX];  /* (C) */
  float *code;                      /* (B, latent) VAE: sampled z */
  float *eps;                       /* (B, latent) VAE: the noise behind z */
  float *y;                         /* (B, input_dim) reconstruction (output activation applied) */
  float *d0, *d1;                   /* (B, max_dim) deltas, ping-pong */
  float *scratch;                   /* conv columns, shared by every conv layer */
  const float *fixed_eps;           /* (B, latent) tests only: VAE noise to use instead of sampling */
} NnWork;

NnStatus nn_work_init (NnWork        *work,
                       const NnModel *model,
                       int            max_batch,
                       bool           train,
                       NnError       *err);
/* The same, its block left as it came from the allocator: the caller zeroes
 * it (nn_work_zero) before the first pass, on a thread that can wait. */
NnStatus nn_work_init_unzeroed (NnWork        *work,
                                const NnModel *model,
                                int            max_batch,
                                bool           train,
                                NnError       *err);
void     nn_work_zero (NnWork *work);
void     nn_work_clear (NnWork *work);

/* Loss parts of one pass. */
typedef struct
{
  double recon;   /* mean reconstruction loss */
  double reg;     /* weighted KL (VAE) or sparsity penalty, else 0 */
} NnLosses;

/* One pass over n ≤ max_batch rows of x against target t (t may be NULL: then
 * only work->y, the reconstruction, is meaningful).
 * grads != NULL: train mode (dropout, VAE sampling, batch statistics that also
 * move the running stats in `stats`), then backward ADDING into grads.
 * grads == NULL: eval mode (no dropout, μ as the code, running stats). */
void     nn_model_pass (const NnModel *model,
                        NnWork        *work,
                        const float   *params,
                        float         *stats,
                        float         *grads,
                        const float   *x,
                        const float   *t,
                        int            n,
                        NnRng         *rng,
                        float          beta,
                        NnLosses      *losses);

/* The two halves of a training pass, so a trainer can check the loss before
 * anything is updated and step each layer's parameters while its gradients
 * are still in cache. forward_loss leaves ∂L/∂logits in work->d0 (train);
 * backward ADDS into grads and calls done (may be NULL) once per layer, after
 * that layer's gradients are complete and its weights no longer needed. */
typedef void (*NnLayerDone) (void          *data,
                             const NnLayer *layer);

void     nn_model_forward_loss (const NnModel *model,
                                NnWork        *work,
                                const float   *params,
                                float         *stats,
                                bool           train,
                                const float   *x,
                                const float   *t,
                                int            n,
                                NnRng         *rng,
                                float          beta,
                                NnLosses      *losses);
void     nn_model_backward (const NnModel *model,
                            NnWork        *work,
                            const float   *params,
                            float         *grads,
                            const float   *x,
                            int            n,
                            float          beta,
                            NnLayerDone    done,
                            void          *done_data);

/* Eval-mode forward of layers [first, last) on n rows of layer first's input.
 * Every layer applies its activation except the model's final one, which
 * leaves logits in work->act[last − 1]. */
void     nn_model_forward_range (const NnModel *model,
                                 NnWork        *work,
                                 const float   *params,
                                 const float   *stats,
                                 const float   *x,
                                 int            n,
                                 int            first,
                                 int            last);

/* nn.h — the Bottleneck engine: public contract.
 *
 * Plain C11 + CBLAS/LAPACK. No GLib, no I/O, no threads of its own.
 * Every fallible call returns an NnStatus and fills an NnError (may be NULL).
 * Nothing here exits or aborts on bad input.
 *
 * Layers above (src/core, src/app, src/cli) use only this header; the layer
 * kernels (nn-dense.h, nn-conv.h, …) are the engine's own business and its tests'.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

typedef enum
{
  NN_OK = 0,
  NN_ERR_INVALID,   /* a bad value in a configuration or argument */
  NN_ERR_SHAPE,     /* the architecture does not fit the input shape */
  NN_ERR_NOMEM,
  NN_ERR_DIVERGED,  /* NaN/Inf in loss or parameters; last good weights kept */
  NN_ERR_CANCELLED,
} NnStatus;

typedef struct
{
  NnStatus    code;
  char        message[512];  /* UTF-8; room for translations (3 bytes per CJK character) */
  const char *msgid;         /* the English format the message was made from (static) */
} NnError;

/* Fills err (if non-NULL) printf-style and returns code. fmt goes through the
 * translate function first; a message cut to fit ends on a whole UTF-8 character. */
NnStatus nn_error_set (NnError *err, NnStatus code, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* Translation hook for the engine's messages (the engine has no gettext):
 * fn maps an English msgid (a printf format) to the format to use, with the
 * same conversions. NULL restores the default (identity). Set it once at
 * startup, before any other thread calls into the engine. The callers mark
 * the strings for xgettext with the keywords nn_error_set:3 and nn_translate. */
typedef const char *(*NnTranslateFunc) (const char *msgid);

void        nn_set_translate_func (NnTranslateFunc fn);
const char *nn_translate          (const char *msgid);

/* ---------------------------------------------------------------- config */

typedef enum { NN_KIND_PLAIN, NN_KIND_DENOISING, NN_KIND_SPARSE, NN_KIND_VAE } NnKind;
typedef enum
{
  NN_ACT_IDENTITY, NN_ACT_RELU, NN_ACT_LEAKY_RELU, NN_ACT_TANH, NN_ACT_SIGMOID
} NnActivation;
typedef enum { NN_LOSS_MSE, NN_LOSS_BCE } NnLoss;
typedef enum { NN_OPTIM_ADAM, NN_OPTIM_SGD } NnOptimizer;
typedef enum
{
  NN_SCHEDULE_CONSTANT, NN_SCHEDULE_STEP, NN_SCHEDULE_COSINE, NN_SCHEDULE_PLATEAU
} NnSchedule;
typedef enum { NN_NOISE_NONE, NN_NOISE_GAUSSIAN, NN_NOISE_MASK } NnNoise;
typedef enum { NN_SPARSITY_NONE, NN_SPARSITY_L1, NN_SPARSITY_KL } NnSparsity;
/* "he": He (Kaiming) uniform before ReLU-family units, Xavier uniform
 * elsewhere, biases 0 — learns the dense reference model faster and better
 * than PyTorch's init (+0.7 dB after 5 epochs). "torch": PyTorch's default for
 * Linear/Conv, U(±1/√fan_in) for weights and biases — matches torch_ae.py.
 * "auto" (default): he for dense-only models, torch as soon as the arch has a
 * convolution (He saturates the conv model's sigmoid output and it stalls). */
typedef enum { NN_INIT_HE, NN_INIT_TORCH, NN_INIT_AUTO } NnInit;

#define NN_ARCH_MAX 256
#define NN_NAME_MAX 128

/* Everything needed to rebuild and retrain a model. Plain data: copy it with '='.
 * Text form ("key=value" lines) via nn_config_format / nn_config_parse; the
 * model file stores that text, the CLI maps --key value onto nn_config_set, and
 * the GUI validates each field with nn_config_set too — one place for the rules. */
typedef struct
{
  /* model */
  NnKind       kind;                  /* key "kind": plain|denoising|sparse|vae */
  char         arch[NN_ARCH_MAX];     /* "arch": "784-512-128-32" or "c16k3s2,c32k3s2,d32" */
  NnActivation activation;            /* "activation": hidden layers */
  NnActivation out_activation;        /* "out_activation": default sigmoid */
  NnLoss       loss;                  /* "loss": mse|bce */
  float        dropout;               /* "dropout": after each hidden layer (not the code), 0 = off */
  bool         batch_norm;            /* "batch_norm": after each hidden conv/dense */
  int          in_channels;           /* "in_channels", "in_height", "in_width" */
  int          in_height;
  int          in_width;
  /* kinds */
  NnNoise      noise;                 /* "noise": none | gaussian:σ | mask:p */
  float        noise_level;
  NnSparsity   sparsity;              /* "sparsity": none | l1:λ | kl:ρ,β */
  float        sparsity_lambda;       /* l1 λ, or kl β */
  float        sparsity_rho;          /* kl ρ */
  float        beta;                  /* "beta": VAE β */
  /* optimisation */
  NnOptimizer  optimizer;             /* "optimizer": adam|sgd */
  float        lr;                    /* "lr" */
  float        momentum;              /* "momentum" (sgd) */
  float        beta1, beta2, eps;     /* "beta1", "beta2", "eps" (adam) */
  float        weight_decay;          /* "weight_decay": decoupled (AdamW-style) */
  NnSchedule   schedule;              /* "schedule": constant|step|cosine|plateau */
  int          lr_step;               /* "lr_step": epochs per step (step, plateau patience) */
  float        lr_gamma;              /* "lr_gamma": factor per step */
  int          batch;                 /* "batch" */
  int          epochs;                /* "epochs" */
  uint64_t     seed;                  /* "seed" */
  int          threads;               /* "threads": BLAS threads, 0 = BLAS default */
  float        val_split;             /* "val_split": fraction of training set held out */
  int          patience;              /* "patience": early stopping, 0 = off */
  /* provenance */
  char         dataset[NN_NAME_MAX];  /* "dataset": e.g. "fashion-mnist" */
  /* added after the first release of this struct: keys missing from older text keep defaults */
  NnInit       init;                  /* "init": auto|he|torch, default auto */
} NnConfig;

/* Defaults = the reference model: arch 784-512-128-32, relu, sigmoid output,
 * mse, adam lr 1e-3, batch 128, 5 epochs, seed 1, 1×28×28 input. */
void     nn_config_init_default (NnConfig *cfg);

/* Sets one field from its text form, validating it ("lr" "1e-3").
 * Unknown key or bad value → NN_ERR_INVALID with a message naming both. */
NnStatus nn_config_set (NnConfig   *cfg,
                        const char *key,
                        const char *value,
                        NnError    *err);

/* Writes "key=value\n" lines for every field; returns the length it needs
 * (excluding NUL), like snprintf. */
size_t   nn_config_format (const NnConfig *cfg,
                           char           *buf,
                           size_t          size);

/* true when a and b describe the same model and training (every field;
 * padding and the bytes after a string's NUL do not count). */
bool     nn_config_equal  (const NnConfig *a,
                           const NnConfig *b);

/* Parses text written by nn_config_format onto cfg (start from defaults:
 * keys missing from older files keep their defaults; unknown keys are an error). */
NnStatus nn_config_parse (NnConfig   *cfg,
                          const char *text,
                          NnError    *err);

/* Whole-config checks (ranges, arch grammar, arch vs input shape). */
NnStatus nn_config_validate (const NnConfig *cfg,
                             NnError        *err);

/* ---------------------------------------------------------------- model */

typedef struct NnModel NnModel;

/* Builds the layer stack for cfg and allocates the parameter buffer
 * (uninitialised until nn_model_init_params). */
NnModel *nn_model_new (const NnConfig *cfg,
                       NnError        *err);
void     nn_model_free (NnModel *model);
/* The parameter and stats counts nn_model_new (cfg) would allocate, without
 * allocating them: a reader compares them with what a file holds before a
 * damaged configuration can ask for gigabytes. Validates cfg like nn_model_new. */
NnStatus nn_config_param_counts (const NnConfig *cfg,
                                 size_t         *n_params,
                                 size_t         *n_stats,
                                 NnError        *err);

const NnConfig *nn_model_get_config (const NnModel *model);
size_t   nn_model_n_params (const NnModel *model);  /* trainable floats */
size_t   nn_model_n_stats (const NnModel *model);   /* non-trainable floats (batch-norm running stats) */
float   *nn_model_params (NnModel *model);          /* (n_params) one contiguous buffer */
float   *nn_model_stats (NnModel *model);           /* (n_stats), may be NULL when 0 */
int      nn_model_input_dim (const NnModel *model); /* C·H·W */
int      nn_model_latent_dim (const NnModel *model);/* code size (μ for a VAE) */

/* cfg->init (see NnInit): He init before ReLU-family layers, Xavier elsewhere,
 * biases 0; or PyTorch's default; "auto" picks by architecture. Deterministic in seed. */
void     nn_model_init_params (NnModel *model,
                               uint64_t seed);

/* One line per layer: "dense 784→512 relu   401,920 params" etc.; returns length like snprintf. */
size_t   nn_model_describe (const NnModel *model,
                            char          *buf,
                            size_t         size);

/* The GEMMs of one training step at this batch size (forward, dW, dX; row-major
 * C = op(A)·op(B), m×k · k×n), so a benchmark can time the same shapes with
 * cblas_sgemm and report a fraction of the machine's ceiling. Returns the count
 * (may exceed max; only max are written). */
typedef struct
{
  int  m, n, k;
  bool trans_a, trans_b;
} NnGemmShape;

int      nn_model_gemm_shapes (const NnModel *model,
                               int            batch,
                               NnGemmShape   *shapes,
                               int            max);
/* Exact training FLOPs per sample of those GEMMs (2·m·n·k summed, / batch). */
double   nn_model_train_flops_per_sample (const NnModel *model);

/* ---------------------------------------------------------------- inference */

/* Forward-only workspace. One per thread; it reads whatever parameter buffer it
 * is given (a live model's or a snapshot's), so the UI can decode from a snapshot
 * while the trainer keeps writing its own buffer. Inputs/outputs are (n, dim)
 * row-major floats in [0,1] (NCHW inside a row). Any n; it batches internally. */
typedef struct NnInference NnInference;

NnInference *nn_inference_new (const NnModel *model,
                               int            max_batch,
                               NnError       *err);
void     nn_inference_free (NnInference *inf);

NnStatus nn_inference_encode (NnInference *inf,
                              const float *params,
                              const float *stats,
                              const float *x,      /* (n, input_dim) */
                              int          n,
                              float       *z,      /* (n, latent_dim); μ for a VAE */
                              NnError     *err);
NnStatus nn_inference_decode (NnInference *inf,
                              const float *params,
                              const float *stats,
                              const float *z,      /* (n, latent_dim) */
                              int          n,
                              float       *y,      /* (n, input_dim), output activation applied */
                              NnError     *err);
NnStatus nn_inference_reconstruct (NnInference *inf,
                                   const float *params,
                                   const float *stats,
                                   const float *x,
                                   int          n,
                                   float       *y,
                                   NnError     *err);

/* The denoising autoencoder's corruption, in place: gaussian (x + level·N(0,1),
 * clamped to [0, 1]) or mask (each value zeroed with probability level), from
 * the engine's seeded noise stream — for evaluating on noisy inputs. */
void     nn_noise_apply (NnNoise   noise,
                         float     level,
                         uint64_t  seed,
                         float    *x,
                         size_t    count);

/* ---------------------------------------------------------------- snapshots */

/* Immutable, reference-counted copy of parameters + stats taken between steps.
 * Any thread may ref/unref/read it; nothing writes it after publication. */
typedef struct
{
  int     ref_count;   /* atomic; use nn_snapshot_ref/unref */
  size_t  n_params;
  size_t  n_stats;
  int64_t step;        /* global step when taken */
  int     epoch;
  float  *params;      /* (n_params) */
  float  *stats;       /* (n_stats) */
} NnSnapshot;

NnSnapshot *nn_snapshot_ref (NnSnapshot *snap);
void        nn_snapshot_unref (NnSnapshot *snap);
NnSnapshot *nn_snapshot_new_from_model (const NnModel *model, int64_t step, int epoch);

/* ---------------------------------------------------------------- trainer */

typedef struct
{
  int64_t step;            /* global step, from 1 */
  int     epoch;           /* 0-based epoch in progress */
  int     steps_per_epoch;
  bool    epoch_end;       /* val_loss valid only when true */
  float   train_loss;      /* this step's total loss */
  float   recon_loss;      /* this step's reconstruction part */
  float   reg_loss;        /* KL (VAE) or sparsity penalty, else 0 */
  float   val_loss;        /* mean over the validation split, at epoch end */
  float   val_recon_loss;
  float   val_reg_loss;
  float   lr;
  double  samples_per_s;   /* smoothed training throughput */
  int     best_epoch;      /* epoch with lowest val loss so far, -1 none */
} NnProgress;

/* Called by the training thread after every step (and once more at each epoch
 * end with epoch_end = true). Keep it cheap: copy and return. */
typedef void (*NnProgressFunc) (const NnProgress *progress,
                                void             *user_data);

typedef struct NnTrainer NnTrainer;

/* Training data: (n, input_dim) floats in [0,1], borrowed for the trainer's life.
 * The validation split (cfg->val_split) is taken from the end of a seeded
 * permutation of x. All workspace is allocated here, none in a step. */
NnTrainer *nn_trainer_new (NnModel     *model,
                           const float *x,
                           int          n,
                           NnError     *err);
/* The same with an explicit validation set: all n rows of x train and the
 * n_val rows of xv (borrowed, same row size) give the validation loss that
 * early stopping, restore-best and the plateau schedule watch; cfg->val_split
 * is ignored. For data whose held-out part must not overlap the training
 * rows (tiles cut from separate pictures). */
NnTrainer *nn_trainer_new_with_validation (NnModel     *model,
                                           const float *x,
                                           int          n,
                                           const float *xv,
                                           int          n_val,
                                           NnError     *err);
void       nn_trainer_free (NnTrainer *trainer);

/* Runs until cfg->epochs more epochs are done, early stopping fires, it is
 * cancelled (NN_ERR_CANCELLED) or it diverges (NN_ERR_DIVERGED: message names the
 * step and says "lower the learning rate"; the model holds the last good weights).
 * Blocks while paused. Safe to call again to continue training. */
NnStatus   nn_trainer_run (NnTrainer     *trainer,
                           NnProgressFunc progress,
                           void          *user_data,
                           NnError       *err);

/* One minibatch, for single-stepping and tests. */
NnStatus   nn_trainer_step (NnTrainer *trainer,
                            NnError   *err);

/* Thread-safe controls, take effect between steps. */
void       nn_trainer_cancel (NnTrainer *trainer);
void       nn_trainer_set_paused (NnTrainer *trainer, bool paused);
void       nn_trainer_request_single_step (NnTrainer *trainer); /* while paused */
void       nn_trainer_set_lr (NnTrainer *trainer, float lr);
void       nn_trainer_set_noise_level (NnTrainer *trainer, float level);
void       nn_trainer_set_beta (NnTrainer *trainer, float beta);
void       nn_trainer_set_extra_epochs (NnTrainer *trainer, int epochs);

/* Latest published snapshot (ref'd, caller unrefs), or NULL before the first.
 * Published at least every snapshot_interval_ms (default 250) and at epoch ends. */
NnSnapshot *nn_trainer_dup_snapshot (NnTrainer *trainer);
void        nn_trainer_set_snapshot_interval (NnTrainer *trainer, int ms);

/* Copies the best-validation weights back into the model. */
void       nn_trainer_restore_best (NnTrainer *trainer);
int        nn_trainer_epochs_done (const NnTrainer *trainer);
float      nn_trainer_eval_loss (NnTrainer *trainer, const float *x, int n);

/* Trainer state: everything a trainer holds besides the model (parameters,
 * stats, configuration) — optimizer moments (Adam m and v, SGD momentum) and
 * step count, the order of the data rows and the positions of the shuffle,
 * dropout/sampling and noise streams, the step, epoch and in-epoch counters
 * with the epoch's running loss sums, the schedule's position (lr factor,
 * plateau), the best loss so far and the best epoch's weights (only when
 * they are not the model's current ones), the live lr/noise/β — so that a
 * trainer made later, in another process, for the same model, data and
 * configuration continues bit for bit as if it had never stopped. Not kept:
 * the last step's backup (a divergence in the first imported step keeps the
 * weights it has). A flat little-endian blob, magic "NNTS", version 1,
 * 256 + 4·rows + 8·n_params bytes, + 4·(n_params + n_stats) with best
 * weights of their own (layout in nn-trainer.c). Call these only while
 * nn_trainer_run is not running. */
typedef struct
{
  NnOptimizer optimizer;
  uint64_t    n_params;     /* floats per moment array */
  uint64_t    n_stats;      /* the model's batch-norm statistics */
  int64_t     n_rows;       /* training data rows the trainer was given */
  int64_t     n_val;        /* rows held out for validation */
  int         batch;        /* rows per step */
  int64_t     step;         /* steps done */
  int64_t     optim_steps;  /* Adam's bias-correction count (reset by a divergence) */
  int         epoch;        /* epochs done */
  int         pos;          /* steps done in the epoch in progress */
  int         best_epoch;   /* -1 none */
  bool        best_weights; /* restore-best has the best epoch's weights */
} NnTrainerStateInfo;

/* Writes the state into buf when size is large enough; returns the size it
 * needs either way (like snprintf; buf may be NULL with size 0). */
size_t     nn_trainer_export_state (const NnTrainer *trainer,
                                    void            *buf,
                                    size_t           size);
/* Checks a blob on its own (magic, version, sizes against the counts,
 * values in range, the row order a permutation, moments finite) and fills
 * info (may be NULL). Damage → NN_ERR_INVALID; never reads past size. */
NnStatus   nn_trainer_state_inspect (const void         *buf,
                                     size_t              size,
                                     NnTrainerStateInfo *info,
                                     NnError            *err);
/* Continues from a state: checked as above, then against this trainer
 * (parameter and stats counts, optimizer, rows, validation rows, batch: NN_ERR_SHAPE
 * when they differ). On any error the trainer is unchanged. */
NnStatus   nn_trainer_import_state (NnTrainer  *trainer,
                                    const void *buf,
                                    size_t      size,
                                    NnError    *err);

/* ---------------------------------------------------------------- utilities */

/* Sets BLAS threads (0 = leave as is). */
void     nn_set_threads (int threads);
/* The BLAS threads the engine uses for one m×n×k GEMM when `threads` are
 * configured: 1 for small or skinny GEMMs, `threads` for big ones (by shape
 * only, so runs stay deterministic). */
int      nn_gemm_threads (int m, int n, int k, int threads);
/* Heap allocations made by the engine so far (for the no-allocation-in-step test). */
uint64_t nn_alloc_count (void);

#ifdef __cplusplus
}
#endif

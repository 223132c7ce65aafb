/* nn-forward.c — the workspace and one forward (+ backward) pass of a model.
 *
 * A pass walks the flat layer array: encoder layers, the code (sampled for a
 * VAE), decoder layers, then output activation + loss + gradient fused in one
 * loop, and back down. Every buffer comes from the workspace, carved out of one
 * allocation made when the trainer (or inference object) is created.
 */
#include "nn-private.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn-batchnorm.h"
#include "nn-conv.h"

/* ---------------------------------------------------------------- workspace */

static size_t
conv_scratch (const NnLayer *l,
              int            batch)
{
  if (l->type == NN_LAYER_CONV)
    return nn_conv2d_scratch_floats (batch, l->in_c, l->in_h, l->in_w, l->out_c,
                                     l->k, l->stride, l->pad);
  if (l->type == NN_LAYER_CONVT)
    return nn_conv_transpose2d_scratch_floats (batch, l->in_c, l->in_h, l->in_w, l->out_c,
                                               l->k, l->stride, l->pad, l->out_pad);
  return 0;
}

/* Rounds to whole cache lines so every carved buffer stays 64-byte aligned. */
static size_t
lines (size_t floats)
{
  return (floats + 15) & ~(size_t) 15;
}

/* Lays the buffers out from base (NULL: just count). Returns floats used. */
static size_t
carve (NnWork        *work,
       const NnModel *model,
       float         *base)
{
  size_t off = 0;
  size_t b = (size_t) work->max_batch;
  size_t scratch = 0;
  int i;

#define TAKE(ptr, n) \
  do { (ptr) = base != NULL ? base + off : NULL; off += lines (n); } while (0)

  for (i = 0; i < model->n_layers; i++)
    {
      const NnLayer *l = &model->layers[i];
      size_t n_out = b * (size_t) l->out_dim;
      size_t s = conv_scratch (l, work->max_batch);

      TAKE (work->act[i], n_out);
      work->pre_drop[i] = work->act[i];
      work->mask[i] = NULL;
      work->bn_x[i] = NULL;
      work->bn_mean[i] = work->bn_invstd[i] = NULL;
      if (work->train && l->dropout > 0.0f)
        {
          TAKE (work->pre_drop[i], n_out);
          TAKE (work->mask[i], n_out);
        }
      if (l->batch_norm)
        {
          TAKE (work->bn_x[i], n_out);
          TAKE (work->bn_mean[i], (size_t) l->out_c);
          TAKE (work->bn_invstd[i], (size_t) l->out_c);
        }
      if (s > scratch)
        scratch = s;
    }
  TAKE (work->code, b * (size_t) model->latent_dim);
  TAKE (work->eps, b * (size_t) model->latent_dim);
  TAKE (work->y, b * (size_t) model->input_dim);
  TAKE (work->d0, b * (size_t) model->max_dim);
  TAKE (work->d1, b * (size_t) model->max_dim);
  TAKE (work->scratch, scratch);
#undef TAKE
  return off;
}

NnStatus
nn_work_init_unzeroed (NnWork        *work,
                       const NnModel *model,
                       int            max_batch,
                       bool           train,
                       NnError       *err)
{
  size_t total;
  int i;

  memset (work, 0, sizeof *work);
  if (max_batch < 1 || max_batch > 65536)
    return nn_error_set (err, NN_ERR_INVALID, "batch size %d is out of range", max_batch);
  /* The kernels trust their sizes: check each layer once, for this batch
   * (index overflow in the conv columns, batch norm's two values per channel). */
  for (i = 0; i < model->n_layers; i++)
    {
      const NnLayer *l = &model->layers[i];
      NnStatus st = NN_OK;

      if (l->type == NN_LAYER_CONV)
        st = nn_conv2d_check (max_batch, l->in_c, l->in_h, l->in_w, l->out_c, l->k,
                              l->stride, l->pad, err);
      else if (l->type == NN_LAYER_CONVT)
        st = nn_conv_transpose2d_check (max_batch, l->in_c, l->in_h, l->in_w, l->out_c, l->k,
                                        l->stride, l->pad, l->out_pad, err);
      if (st == NN_OK && l->batch_norm)
        st = nn_batchnorm_check (max_batch, l->out_c, l->out_h * l->out_w, train, err);
      if (st != NN_OK)
        return st;
      if ((double) max_batch * l->out_dim > (double) INT32_MAX / 2)
        return nn_error_set (err, NN_ERR_SHAPE,
                             "layer %d: a batch of %d is too large for its %d outputs per sample",
                             i + 1, max_batch, l->out_dim);
    }
  work->max_batch = max_batch;
  work->train = train;
  total = carve (work, model, NULL);
  work->block = nn_alloc_floats_uninit (total);
  if (work->block == NULL)
    return nn_error_set (err, NN_ERR_NOMEM, "out of memory for the workspace (%zu MB)",
                         total * sizeof (float) >> 20);
  work->n_floats = total;
  carve (work, model, work->block);
  return NN_OK;
}

NnStatus
nn_work_init (NnWork        *work,
              const NnModel *model,
              int            max_batch,
              bool           train,
              NnError       *err)
{
  NnStatus st = nn_work_init_unzeroed (work, model, max_batch, train, err);

  if (st == NN_OK)
    nn_work_zero (work);
  return st;
}

void
nn_work_zero (NnWork *work)
{
  if (work->block != NULL)
    memset (work->block, 0, work->n_floats * sizeof (float));
}

void
nn_work_clear (NnWork *work)
{
  nn_free (work->block);
  memset (work, 0, sizeof *work);
}

/* ---------------------------------------------------------------- one layer */

static void
layer_forward (const NnModel *model,
               NnWork        *work,
               int            i,
               const float   *params,
               float         *stats,
               const float   *in,      /* (n, in_dim) */
               int            n,
               bool           train,
               NnRng         *rng)
{
  const NnLayer *l = &model->layers[i];
  const float *w = params + l->w_off;
  const float *b = params + l->b_off;
  bool last = i == model->n_layers - 1;
  bool drop = train && l->dropout > 0.0f;
  float *out = drop ? work->pre_drop[i] : work->act[i];
  float *lin = l->batch_norm ? work->bn_x[i] : out;
  int spatial = l->out_h * l->out_w;
  /* The last layer keeps its logits: the loss applies the output activation. */
  NnActivation act = last ? NN_ACT_IDENTITY : l->act;

  switch (l->type)
    {
    case NN_LAYER_DENSE:
      /* Z = X · Wᵀ   (n, in)·(in, out) → (n, out) */
      nn_sgemm (false, true, n, l->out_dim, l->in_dim, 1.0f, in, l->in_dim, w, l->in_dim,
                0.0f, lin, l->out_dim);
      break;
    case NN_LAYER_CONV:
      nn_conv2d_forward (lin, work->scratch, in, w, NULL, n, l->in_c, l->in_h, l->in_w,
                         l->out_c, l->k, l->stride, l->pad);
      break;
    case NN_LAYER_CONVT:
      nn_conv_transpose2d_forward (lin, work->scratch, in, w, NULL, n, l->in_c, l->in_h,
                                   l->in_w, l->out_c, l->k, l->stride, l->pad, l->out_pad);
      break;
    default:
      break;
    }

  if (!l->batch_norm)
    /* Bias and activation in one pass. */
    nn_bias_act_forward (out, b, n, l->out_c, spatial, act);
  else
    {
      nn_bias_act_forward (lin, b, n, l->out_c, spatial, NN_ACT_IDENTITY);
      if (train)
        nn_batchnorm_forward_train (out, work->bn_mean[i], work->bn_invstd[i],
                                    stats != NULL ? stats + l->mean_off : NULL,
                                    stats != NULL ? stats + l->var_off : NULL,
                                    lin, params + l->gamma_off, params + l->beta_off,
                                    n, l->out_c, spatial, NN_BATCHNORM_MOMENTUM,
                                    NN_BATCHNORM_EPS);
      else
        nn_batchnorm_forward_eval (out, lin, params + l->gamma_off, params + l->beta_off,
                                   stats + l->mean_off, stats + l->var_off,
                                   n, l->out_c, spatial, NN_BATCHNORM_EPS);
      nn_bias_act_forward (out, NULL, n, l->out_c, spatial, act);
    }

  if (drop)
    nn_dropout_forward (work->act[i], work->mask[i], out, (size_t) n * l->out_dim,
                        l->dropout, rng);
}

/* d holds ∂L/∂act[i] (for the last layer: ∂L/∂logits) and is overwritten
 * with ∂L/∂(pre-activation); dx receives ∂L/∂input (NULL: not needed). */
static void
layer_backward (const NnModel *model,
                NnWork        *work,
                int            i,
                const float   *params,
                float         *grads,
                const float   *in,
                int            n,
                float         *d,
                float         *dx)
{
  const NnLayer *l = &model->layers[i];
  const float *w = params + l->w_off;
  float *dw = grads + l->w_off;
  float *db = grads + l->b_off;
  bool last = i == model->n_layers - 1;
  int spatial = l->out_h * l->out_w;
  size_t j, count = (size_t) n * l->out_dim;
  float *db_kernel = NULL;

  if (!last)
    {
      if (work->mask[i] != NULL)
        for (j = 0; j < count; j++)
          d[j] *= work->mask[i][j];
      /* Activation derivative from its output, bias gradient alongside
       * (unless batch norm sits between the bias and the activation). */
      nn_act_backward (d, work->pre_drop[i], l->batch_norm ? NULL : db, n, l->out_c,
                       spatial, l->act);
      if (l->batch_norm)
        {
          nn_batchnorm_backward (d, grads + l->gamma_off, grads + l->beta_off, d,
                                 work->bn_x[i], work->bn_mean[i], work->bn_invstd[i],
                                 params + l->gamma_off, n, l->out_c, spatial);
          nn_act_backward (d, d, db, n, l->out_c, spatial, NN_ACT_IDENTITY);
        }
    }
  else
    db_kernel = db;

  switch (l->type)
    {
    case NN_LAYER_DENSE:
      nn_dense_backward (dx, dw, db_kernel, d, in, w, n, l->in_dim, l->out_dim);
      break;
    case NN_LAYER_CONV:
      nn_conv2d_backward (dx, dw, db_kernel, work->scratch, d, in, w, n, l->in_c, l->in_h,
                          l->in_w, l->out_c, l->k, l->stride, l->pad);
      break;
    case NN_LAYER_CONVT:
      nn_conv_transpose2d_backward (dx, dw, db_kernel, work->scratch, d, in, w, n, l->in_c,
                                    l->in_h, l->in_w, l->out_c, l->k, l->stride, l->pad,
                                    l->out_pad);
      break;
    default:
      break;
    }
}

/* ---------------------------------------------------------------- the code */

/* VAE: z = μ + exp(½ log σ²)·ε per row; returns Σ KL over the rows. */
static double
vae_sample (float       *z,
            float       *eps,
            const float *enc,     /* (n, 2L): μ then log σ² */
            int          n,
            int          latent,
            bool         sample,
            const float *fixed,   /* (n, L) noise to use, or NULL */
            NnRng       *rng)
{
  double kl = 0.0;
  int r, j;

  for (r = 0; r < n; r++)
    {
      const float *mu = enc + (size_t) r * 2 * latent;
      const float *lv = mu + latent;
      float *zr = z + (size_t) r * latent;
      float *er = eps + (size_t) r * latent;

      for (j = 0; j < latent; j++)
        {
          float e = !sample ? 0.0f
                    : fixed != NULL ? fixed[(size_t) r * latent + j]
                    : nn_rng_normal (rng);

          er[j] = e;
          zr[j] = mu[j] + expf (0.5f * lv[j]) * e;
          kl += -0.5 * (1.0 + lv[j] - (double) mu[j] * mu[j] - exp (lv[j]));
        }
    }
  return kl;
}

/* Sparsity penalty on the code h (n, L); adds its gradient into dh when given. */
static double
sparsity_penalty (const NnConfig *cfg,
                  const float    *h,
                  float          *dh,
                  int             n,
                  int             latent)
{
  double total = 0.0;
  int r, j;

  if (cfg->sparsity == NN_SPARSITY_L1)
    {
      /* λ · mean |h| over all n·L code values. */
      float g = cfg->sparsity_lambda / ((float) n * latent);

      for (r = 0; r < n; r++)
        for (j = 0; j < latent; j++)
          {
            float v = h[(size_t) r * latent + j];

            total += fabs (v);
            if (dh != NULL)
              dh[(size_t) r * latent + j] += v > 0.0f ? g : v < 0.0f ? -g : 0.0f;
          }
      return cfg->sparsity_lambda * total / ((double) n * latent);
    }
  if (cfg->sparsity == NN_SPARSITY_KL)
    {
      /* β · Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j = mean activation of unit j over the batch,
       * clamped into (0, 1) so codes outside that range still get a finite pull. */
      double rho = cfg->sparsity_rho, beta = cfg->sparsity_lambda;

      for (j = 0; j < latent; j++)
        {
          double mean = 0.0, g;

          for (r = 0; r < n; r++)
            mean += h[(size_t) r * latent + j];
          mean /= n;
          if (mean < 1e-6)
            mean = 1e-6;
          if (mean > 1.0 - 1e-6)
            mean = 1.0 - 1e-6;
          total += rho * log (rho / mean) + (1.0 - rho) * log ((1.0 - rho) / (1.0 - mean));
          if (dh != NULL)
            {
              g = beta * (-rho / mean + (1.0 - rho) / (1.0 - mean)) / n;
              for (r = 0; r < n; r++)
                dh[(size_t) r * latent + j] += (float) g;
            }
        }
      return beta * total;
    }
  return 0.0;
}

/* ---------------------------------------------------------------- a pass */

void
nn_model_forward_range (const NnModel *model,
                        NnWork        *work,
                        const float   *params,
                        const float   *stats,
                        const float   *x,
                        int            n,
                        int            first,
                        int            last)
{
  const float *in = x;
  int i;

  for (i = first; i < last; i++)
    {
      layer_forward (model, work, i, params, (float *) stats, in, n, false, NULL);
      in = work->act[i];
    }
}

void
nn_model_forward_loss (const NnModel *model,
                       NnWork        *work,
                       const float   *params,
                       float         *stats,
                       bool           train,
                       const float   *x,
                       const float   *t,
                       int            n,
                       NnRng         *rng,
                       float          beta,
                       NnLosses      *losses)
{
  const NnConfig *cfg = &model->cfg;
  bool vae = cfg->kind == NN_KIND_VAE;
  int L = model->n_layers, E = model->n_enc, latent = model->latent_dim;
  double scale_n = (double) n * model->input_dim;
  const float *in = x;
  const float *code;
  double reg = 0.0;
  int i;

  /* Encoder. */
  for (i = 0; i < E; i++)
    {
      layer_forward (model, work, i, params, stats, in, n, train, rng);
      in = work->act[i];
    }

  /* The code. */
  if (vae)
    {
      double kl = vae_sample (work->code, work->eps, work->act[E - 1], n, latent, train,
                              work->fixed_eps, rng);

      /* KL summed over rows and units, normalised like the reconstruction
       * (per element of the output) so β weighs the two on one scale. */
      reg = beta * kl / scale_n;
      code = work->code;
    }
  else
    {
      code = work->act[E - 1];
      if (cfg->kind == NN_KIND_SPARSE)
        reg = sparsity_penalty (cfg, code, NULL, n, latent);
    }

  /* Decoder. */
  in = code;
  for (i = E; i < L; i++)
    {
      layer_forward (model, work, i, params, stats, in, n, train, rng);
      in = work->act[i];
    }

  /* Output activation + loss (+ ∂L/∂logits into d0) in one loop. */
  losses->recon = nn_output_loss (train ? work->d0 : NULL, work->y, work->act[L - 1], t,
                                  (size_t) n * model->input_dim, scale_n,
                                  model->layers[L - 1].act, cfg->loss);
  losses->reg = reg;
}

void
nn_model_backward (const NnModel *model,
                   NnWork        *work,
                   const float   *params,
                   float         *grads,
                   const float   *x,
                   int            n,
                   float          beta,
                   NnLayerDone    done,
                   void          *done_data)
{
  const NnConfig *cfg = &model->cfg;
  bool vae = cfg->kind == NN_KIND_VAE;
  int L = model->n_layers, E = model->n_enc, latent = model->latent_dim;
  double scale_n = (double) n * model->input_dim;
  const float *code = vae ? work->code : work->act[E - 1];
  float *d = work->d0, *dnext = work->d1, *tmp;
  int i;

  /* Decoder backward; the first decoder layer's dX is ∂L/∂code. */
  for (i = L - 1; i >= E; i--)
    {
      const float *layer_in = i > E ? work->act[i - 1] : code;

      layer_backward (model, work, i, params, grads, layer_in, n, d, dnext);
      if (done != NULL)
        done (done_data, &model->layers[i]);
      tmp = d;
      d = dnext;
      dnext = tmp;
    }

  if (vae)
    {
      /* d (n, L) = ∂L/∂z; build ∂L/∂(μ, log σ²) (n, 2L) in dnext:
       *   ∂/∂μ   = ∂L/∂z + β·μ/N
       *   ∂/∂lv  = ∂L/∂z·ε·½·e^{lv/2} + β·½·(e^{lv} − 1)/N      (N = n·input_dim) */
      float kw = (float) (beta / scale_n);
      int r, j;

      for (r = 0; r < n; r++)
        {
          const float *mu = work->act[E - 1] + (size_t) r * 2 * latent;
          const float *lv = mu + latent;
          const float *dz = d + (size_t) r * latent;
          const float *er = work->eps + (size_t) r * latent;
          float *dmu = dnext + (size_t) r * 2 * latent;
          float *dlv = dmu + latent;

          for (j = 0; j < latent; j++)
            {
              float s = expf (0.5f * lv[j]);

              dmu[j] = dz[j] + kw * mu[j];
              dlv[j] = dz[j] * er[j] * 0.5f * s + kw * 0.5f * (s * s - 1.0f);
            }
        }
      tmp = d;
      d = dnext;
      dnext = tmp;
    }
  else if (cfg->kind == NN_KIND_SPARSE)
    sparsity_penalty (cfg, code, d, n, latent);

  /* Encoder backward; the first layer needs no input gradient. */
  for (i = E - 1; i >= 0; i--)
    {
      layer_backward (model, work, i, params, grads, i > 0 ? work->act[i - 1] : x, n, d,
                      i > 0 ? dnext : NULL);
      if (done != NULL)
        done (done_data, &model->layers[i]);
      tmp = d;
      d = dnext;
      dnext = tmp;
    }
}

void
nn_model_pass (const NnModel *model,
               NnWork        *work,
               const float   *params,
               float         *stats,
               float         *grads,
               const float   *x,
               const float   *t,
               int            n,
               NnRng         *rng,
               float          beta,
               NnLosses      *losses)
{
  nn_model_forward_loss (model, work, params, stats, grads != NULL, x, t, n, rng, beta, losses);
  if (grads != NULL)
    nn_model_backward (model, work, params, grads, x, n, beta, NULL, NULL);
}

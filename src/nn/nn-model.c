/* nn-model.c — building the layer stack, parameters, initialisation, description.
 *
 * The architecture string names the encoder; the decoder mirrors it. Every
 * layer holds offsets into one parameter buffer (W, then b, then batch-norm γ
 * and β) and one stats buffer (batch-norm running mean and variance), so the
 * optimizer is one loop and saving is one write.
 */
#include "nn-private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const act_label[] = { "identity", "relu", "leaky_relu", "tanh", "sigmoid" };

static void
assign_offsets (NnModel *model)
{
  size_t p = 0, s = 0;
  int i;

  for (i = 0; i < model->n_layers; i++)
    {
      NnLayer *l = &model->layers[i];

      switch (l->type)
        {
        case NN_LAYER_DENSE:
          l->n_w = (size_t) l->out_dim * l->in_dim;
          break;
        case NN_LAYER_CONV:
          l->n_w = (size_t) l->out_c * l->in_c * l->k * l->k;
          break;
        case NN_LAYER_CONVT:
          l->n_w = (size_t) l->in_c * l->out_c * l->k * l->k;
          break;
        default:
          break;
        }
      l->n_b = (size_t) l->out_c;
      l->w_off = p;
      p += l->n_w;
      l->b_off = p;
      p += l->n_b;
      if (l->batch_norm)
        {
          l->gamma_off = p;
          p += (size_t) l->out_c;
          l->beta_off = p;
          p += (size_t) l->out_c;
          l->mean_off = s;
          s += (size_t) l->out_c;
          l->var_off = s;
          s += (size_t) l->out_c;
        }
    }
  model->n_params = p;
  model->n_stats = s;
}

/* Encoder layer from the parsed arch. */
static void
layer_from_arch (NnLayer           *l,
                 const NnArchLayer *a,
                 bool               mirror)
{
  memset (l, 0, sizeof *l);
  if (a->type == NN_ARCH_DENSE)
    {
      l->type = NN_LAYER_DENSE;
      l->in_c = mirror ? a->out_c : a->in_c * a->in_h * a->in_w;
      l->out_c = mirror ? a->in_c * a->in_h * a->in_w : a->out_c;
      l->in_h = l->in_w = l->out_h = l->out_w = 1;
    }
  else
    {
      l->type = mirror ? NN_LAYER_CONVT : NN_LAYER_CONV;
      l->in_c = mirror ? a->out_c : a->in_c;
      l->in_h = mirror ? a->out_h : a->in_h;
      l->in_w = mirror ? a->out_w : a->in_w;
      l->out_c = mirror ? a->in_c : a->out_c;
      l->out_h = mirror ? a->in_h : a->out_h;
      l->out_w = mirror ? a->in_w : a->out_w;
      l->k = a->k;
      l->stride = a->stride;
      l->pad = a->pad;
      l->out_pad = a->out_pad;
    }
  l->in_dim = l->in_c * l->in_h * l->in_w;
  l->out_dim = l->out_c * l->out_h * l->out_w;
}

/* The layer stack and buffer offsets for cfg, without the buffers. */
static NnModel *
model_plan (const NnConfig *cfg,
            NnError        *err)
{
  NnModel *model;
  NnStatus st;
  int i, n_enc;
  bool vae;

  if (cfg == NULL)
    {
      nn_error_set (err, NN_ERR_INVALID, "nn_model_new: configuration is NULL");
      return NULL;
    }
  if (nn_config_validate (cfg, err) != NN_OK)
    return NULL;

  model = nn_calloc (1, sizeof *model);
  if (model == NULL)
    {
      nn_error_set (err, NN_ERR_NOMEM, "out of memory for the model");
      return NULL;
    }
  model->cfg = *cfg;
  st = nn_arch_parse (&model->arch, cfg->arch, cfg->in_channels, cfg->in_height,
                      cfg->in_width, err);
  if (st != NN_OK)
    {
      nn_free (model);
      return NULL;
    }

  vae = cfg->kind == NN_KIND_VAE;
  n_enc = model->arch.n_layers;
  model->n_enc = n_enc;
  model->n_layers = 2 * n_enc;
  model->input_dim = cfg->in_channels * cfg->in_height * cfg->in_width;
  model->latent_dim = model->arch.latent_dim;

  for (i = 0; i < n_enc; i++)
    {
      NnLayer *l = &model->layers[i];
      bool code = i == n_enc - 1;

      layer_from_arch (l, &model->arch.layers[i], false);
      /* The code gets the hidden activation too (as in torch_ae.py), except a
       * VAE's, whose encoder emits μ and log σ² side by side. */
      l->act = code && vae ? NN_ACT_IDENTITY : cfg->activation;
      l->dropout = code ? 0.0f : cfg->dropout;
      l->batch_norm = cfg->batch_norm && !code;
      if (code && vae)
        {
          l->out_c *= 2;
          l->out_dim *= 2;
        }
    }
  for (i = 0; i < n_enc; i++)
    {
      NnLayer *l = &model->layers[n_enc + i];
      bool last = i == n_enc - 1;

      layer_from_arch (l, &model->arch.layers[n_enc - 1 - i], true);
      l->act = last ? cfg->out_activation : cfg->activation;
      l->dropout = last ? 0.0f : cfg->dropout;
      l->batch_norm = cfg->batch_norm && !last;
    }

  model->max_dim = model->input_dim;
  for (i = 0; i < model->n_layers; i++)
    if (model->layers[i].out_dim > model->max_dim)
      model->max_dim = model->layers[i].out_dim;

  assign_offsets (model);
  return model;
}

NnStatus
nn_config_param_counts (const NnConfig *cfg,
                        size_t         *n_params,
                        size_t         *n_stats,
                        NnError        *err)
{
  NnError local = { 0 };
  NnModel *model = model_plan (cfg, err != NULL ? err : &local);

  if (model == NULL)
    return err != NULL ? err->code : local.code;
  if (n_params != NULL)
    *n_params = model->n_params;
  if (n_stats != NULL)
    *n_stats = model->n_stats;
  nn_free (model);
  return NN_OK;
}

NnModel *
nn_model_new (const NnConfig *cfg,
              NnError        *err)
{
  NnModel *model = model_plan (cfg, err);

  if (model == NULL)
    return NULL;
  model->params = nn_alloc_floats (model->n_params);
  model->stats = model->n_stats > 0 ? nn_alloc_floats (model->n_stats) : NULL;
  if (model->params == NULL || (model->n_stats > 0 && model->stats == NULL))
    {
      nn_error_set (err, NN_ERR_NOMEM, "out of memory for %zu parameters", model->n_params);
      nn_model_free (model);
      return NULL;
    }
  nn_model_init_params (model, cfg->seed);
  return model;
}

void
nn_model_free (NnModel *model)
{
  if (model == NULL)
    return;
  nn_free (model->params);
  nn_free (model->stats);
  nn_free (model);
}

const NnConfig *
nn_model_get_config (const NnModel *model)
{
  return &model->cfg;
}

size_t
nn_model_n_params (const NnModel *model)
{
  return model->n_params;
}

size_t
nn_model_n_stats (const NnModel *model)
{
  return model->n_stats;
}

float *
nn_model_params (NnModel *model)
{
  return model->params;
}

float *
nn_model_stats (NnModel *model)
{
  return model->stats;
}

int
nn_model_input_dim (const NnModel *model)
{
  return model->input_dim;
}

int
nn_model_latent_dim (const NnModel *model)
{
  return model->latent_dim;
}

/* ---------------------------------------------------------------- init */

void
nn_model_init_params (NnModel *model,
                      uint64_t seed)
{
  NnRng rng;
  NnInit init = model->cfg.init;
  int i;

  if (init == NN_INIT_AUTO)
    init = model->arch.has_conv ? NN_INIT_TORCH : NN_INIT_HE;
  nn_rng_seed (&rng, seed, NN_STREAM_INIT);
  for (i = 0; i < model->n_layers; i++)
    {
      const NnLayer *l = &model->layers[i];
      float *w = model->params + l->w_off;
      double fan_in, fan_out, bound;
      size_t j;

      switch (l->type)
        {
        case NN_LAYER_CONV:
          fan_in = (double) l->in_c * l->k * l->k;
          fan_out = (double) l->out_c * l->k * l->k;
          break;
        case NN_LAYER_CONVT:
          /* Each output pixel sees about IC·K²/stride² inputs. */
          fan_in = (double) l->in_c * l->k * l->k / ((double) l->stride * l->stride);
          fan_out = (double) l->out_c * l->k * l->k;
          break;
        case NN_LAYER_DENSE:
        default:
          fan_in = l->in_dim;
          fan_out = l->out_dim;
          break;
        }
      if (init == NN_INIT_TORCH)
        {
          /* kaiming_uniform(a = √5) = U(±1/√fan_in), for the bias too; torch
           * takes a transposed conv's fan-in from its weight's dim 1 (OC). */
          if (l->type == NN_LAYER_CONVT)
            fan_in = (double) l->out_c * l->k * l->k;
          bound = 1.0 / sqrt (fan_in);
        }
      else if (l->act == NN_ACT_RELU || l->act == NN_ACT_LEAKY_RELU)
        {
          /* He (Kaiming) uniform, fan-in mode: U(±√(6 / ((1 + a²)·fan_in))). */
          double a = l->act == NN_ACT_LEAKY_RELU ? 0.01 : 0.0;

          bound = sqrt (6.0 / ((1.0 + a * a) * fan_in));
        }
      else
        /* Xavier (Glorot) uniform: U(±√(6 / (fan_in + fan_out))). */
        bound = sqrt (6.0 / (fan_in + fan_out));

      for (j = 0; j < l->n_w; j++)
        w[j] = (float) ((2.0 * nn_rng_uniform (&rng) - 1.0) * bound);
      for (j = 0; j < l->n_b; j++)
        model->params[l->b_off + j] = init == NN_INIT_TORCH
                                      ? (float) ((2.0 * nn_rng_uniform (&rng) - 1.0) * bound)
                                      : 0.0f;
      if (l->batch_norm)
        {
          for (j = 0; j < (size_t) l->out_c; j++)
            {
              model->params[l->gamma_off + j] = 1.0f;
              model->params[l->beta_off + j] = 0.0f;
              model->stats[l->mean_off + j] = 0.0f;
              model->stats[l->var_off + j] = 1.0f;
            }
        }
    }
}

/* ---------------------------------------------------------------- describe */

/* 401920 → "401,920". */
static void
group_thousands (char  *buf,
                 size_t size,
                 size_t v)
{
  char raw[32];
  int len, i, o = 0;

  len = snprintf (raw, sizeof raw, "%zu", v);
  for (i = 0; i < len && (size_t) o + 2 < size; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        buf[o++] = ',';
      buf[o++] = raw[i];
    }
  buf[o] = '\0';
}

size_t
nn_model_describe (const NnModel *model,
                   char          *buf,
                   size_t         size)
{
  size_t len = 0;
  int i;

  if (buf == NULL || size == 0)
    {
      buf = NULL;
      size = 0;
    }
  else
    buf[0] = '\0';

  for (i = 0; i < model->n_layers; i++)
    {
      const NnLayer *l = &model->layers[i];
      char shape[96], count[32], params[96], extra[48];
      size_t n = l->n_w + l->n_b + (l->batch_norm ? 2 * (size_t) l->out_c : 0);
      int w;

      if (l->type == NN_LAYER_DENSE)
        snprintf (shape, sizeof shape, "dense %d→%d", l->in_dim, l->out_dim);
      else
        snprintf (shape, sizeof shape, "%s %d×%d×%d→%d×%d×%d k%d s%d p%d",
                  l->type == NN_LAYER_CONV ? "conv" : "convT",
                  l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w,
                  l->k, l->stride, l->pad);
      extra[0] = '\0';
      if (l->batch_norm)
        snprintf (extra, sizeof extra, " +bn");
      if (l->dropout > 0.0f)
        snprintf (extra + strlen (extra), sizeof extra - strlen (extra), " +dropout %.2g",
                  (double) l->dropout);
      group_thousands (count, sizeof count, n);
      /* TRANSLATORS: parameters of one layer in the layer list, %s = "401,920" */
      snprintf (params, sizeof params, nn_translate ("%s params"), count);
      w = snprintf (buf != NULL ? buf + (len < size ? len : size) : NULL,
                    buf != NULL && len < size ? size - len : 0,
                    "%s %s%s%s%s   %s\n",
                    shape, i == model->n_enc - 1 && model->cfg.kind == NN_KIND_VAE
                           ? "μ,logσ²" : act_label[l->act],
                    extra, i == model->n_enc - 1 ? " " : "",
                    /* TRANSLATORS: marks the code (latent) layer in the layer list */
                    i == model->n_enc - 1 ? nn_translate ("(code)") : "", params);
      if (w > 0)
        len += (size_t) w;
    }
  return len;
}

/* ---------------------------------------------------------------- gemm shapes */

static void
put_shape (NnGemmShape *shapes,
           int          max,
           int         *count,
           int          m,
           int          n,
           int          k,
           bool         ta,
           bool         tb)
{
  if (*count < max && shapes != NULL)
    {
      shapes[*count].m = m;
      shapes[*count].n = n;
      shapes[*count].k = k;
      shapes[*count].trans_a = ta;
      shapes[*count].trans_b = tb;
    }
  (*count)++;
}

int
nn_model_gemm_shapes (const NnModel *model,
                      int            batch,
                      NnGemmShape   *shapes,
                      int            max)
{
  int count = 0;
  int i;

  /* Forward, first layer to last. */
  for (i = 0; i < model->n_layers; i++)
    {
      const NnLayer *l = &model->layers[i];
      int p_out = batch * l->out_h * l->out_w;
      int p_in = batch * l->in_h * l->in_w;

      if (l->type == NN_LAYER_DENSE)
        /* Y = X · Wᵀ */
        put_shape (shapes, max, &count, batch, l->out_dim, l->in_dim, false, true);
      else if (l->type == NN_LAYER_CONV)
        /* Y = W · cols */
        put_shape (shapes, max, &count, l->out_c, p_out, l->in_c * l->k * l->k, false, false);
      else
        /* cols = Wᵀ · X */
        put_shape (shapes, max, &count, l->out_c * l->k * l->k, p_in, l->in_c, true, false);
    }
  /* Backward, last layer to first: dW, then dX (none for the first layer). */
  for (i = model->n_layers - 1; i >= 0; i--)
    {
      const NnLayer *l = &model->layers[i];
      int p_out = batch * l->out_h * l->out_w;
      int p_in = batch * l->in_h * l->in_w;

      if (l->type == NN_LAYER_DENSE)
        {
          /* dW += dZᵀ · X */
          put_shape (shapes, max, &count, l->out_dim, l->in_dim, batch, true, false);
          if (i > 0)   /* dX = dZ · W */
            put_shape (shapes, max, &count, batch, l->in_dim, l->out_dim, false, false);
        }
      else if (l->type == NN_LAYER_CONV)
        {
          /* dW += dY · colsᵀ */
          put_shape (shapes, max, &count, l->out_c, l->in_c * l->k * l->k, p_out, false, true);
          if (i > 0)   /* dcols = Wᵀ · dY */
            put_shape (shapes, max, &count, l->in_c * l->k * l->k, p_out, l->out_c, true, false);
        }
      else
        {
          /* dW += X · colsᵀ */
          put_shape (shapes, max, &count, l->in_c, l->out_c * l->k * l->k, p_in, false, true);
          if (i > 0)   /* dX = W · cols */
            put_shape (shapes, max, &count, l->in_c, p_in, l->out_c * l->k * l->k, false, false);
        }
    }
  return count;
}

double
nn_model_train_flops_per_sample (const NnModel *model)
{
  NnGemmShape shapes[4 * NN_LAYERS_MAX];
  /* Shapes scale linearly with the batch, so any batch gives exact per-sample
   * figures; 64 keeps the products small. */
  int batch = 64;
  int n = nn_model_gemm_shapes (model, batch, shapes, 4 * NN_LAYERS_MAX);
  double total = 0.0;
  int i;

  for (i = 0; i < n && i < 4 * NN_LAYERS_MAX; i++)
    total += 2.0 * shapes[i].m * shapes[i].n * shapes[i].k;
  return total / batch;
}

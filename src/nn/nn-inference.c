/* nn-inference.c — forward-only workspaces and parameter snapshots.
 *
 * Both are the read side of the engine: an NnInference reads whatever
 * parameter buffer it is handed, and a snapshot is an immutable copy that any
 * thread may hold while the trainer keeps writing its own buffer.
 */
#include "nn-private.h"

#include <string.h>

struct NnInference
{
  const NnModel *model;
  NnWork         work;
};

NnInference *
nn_inference_new (const NnModel *model,
                  int            max_batch,
                  NnError       *err)
{
  NnInference *inf;

  if (model == NULL)
    {
      nn_error_set (err, NN_ERR_INVALID, "nn_inference_new: model is NULL");
      return NULL;
    }
  inf = nn_calloc (1, sizeof *inf);
  if (inf == NULL)
    {
      nn_error_set (err, NN_ERR_NOMEM, "out of memory for the inference workspace");
      return NULL;
    }
  inf->model = model;
  if (nn_work_init (&inf->work, model, max_batch, false, err) != NN_OK)
    {
      nn_free (inf);
      return NULL;
    }
  return inf;
}

void
nn_inference_free (NnInference *inf)
{
  if (inf == NULL)
    return;
  nn_work_clear (&inf->work);
  nn_free (inf);
}

static NnStatus
check_args (NnInference *inf,
            const float *params,
            const float *stats,
            const void  *in,
            int          n,
            const void  *out,
            NnError     *err)
{
  if (inf == NULL || params == NULL || n < 0 || (n > 0 && (in == NULL || out == NULL)))
    return nn_error_set (err, NN_ERR_INVALID, "inference: NULL buffer or negative count");
  if (inf->model->n_stats > 0 && stats == NULL)
    return nn_error_set (err, NN_ERR_INVALID,
                         "inference: this model has batch-norm statistics but none were given");
  return NN_OK;
}

/* Encoder on `rows` rows; copies the code (μ for a VAE) to z. */
static void
encode_chunk (NnInference *inf,
              const float *params,
              const float *stats,
              const float *x,
              int          rows,
              float       *z)
{
  const NnModel *model = inf->model;
  const float *enc;
  int latent = model->latent_dim;
  int width = model->layers[model->n_enc - 1].out_dim;   /* 2·latent for a VAE */
  int r;

  nn_model_forward_range (model, &inf->work, params, stats, x, rows, 0, model->n_enc);
  enc = inf->work.act[model->n_enc - 1];
  if (width == latent)
    memcpy (z, enc, (size_t) rows * latent * sizeof (float));
  else
    for (r = 0; r < rows; r++)
      memcpy (z + (size_t) r * latent, enc + (size_t) r * width, (size_t) latent * sizeof (float));
}

static void
decode_chunk (NnInference *inf,
              const float *params,
              const float *stats,
              const float *z,
              int          rows,
              float       *y)
{
  const NnModel *model = inf->model;
  const NnLayer *last = &model->layers[model->n_layers - 1];

  nn_model_forward_range (model, &inf->work, params, stats, z, rows, model->n_enc,
                          model->n_layers);
  /* The final layer leaves logits; apply the output activation. */
  nn_output_loss (NULL, y, inf->work.act[model->n_layers - 1], NULL,
                  (size_t) rows * model->input_dim, 1.0, last->act, model->cfg.loss);
}

NnStatus
nn_inference_encode (NnInference *inf,
                     const float *params,
                     const float *stats,
                     const float *x,
                     int          n,
                     float       *z,
                     NnError     *err)
{
  int done, rows;

  if (check_args (inf, params, stats, x, n, z, err) != NN_OK)
    return NN_ERR_INVALID;
  for (done = 0; done < n; done += rows)
    {
      rows = n - done < inf->work.max_batch ? n - done : inf->work.max_batch;
      encode_chunk (inf, params, stats, x + (size_t) done * inf->model->input_dim, rows,
                    z + (size_t) done * inf->model->latent_dim);
    }
  return NN_OK;
}

NnStatus
nn_inference_decode (NnInference *inf,
                     const float *params,
                     const float *stats,
                     const float *z,
                     int          n,
                     float       *y,
                     NnError     *err)
{
  int done, rows;

  if (check_args (inf, params, stats, z, n, y, err) != NN_OK)
    return NN_ERR_INVALID;
  for (done = 0; done < n; done += rows)
    {
      rows = n - done < inf->work.max_batch ? n - done : inf->work.max_batch;
      decode_chunk (inf, params, stats, z + (size_t) done * inf->model->latent_dim, rows,
                    y + (size_t) done * inf->model->input_dim);
    }
  return NN_OK;
}

NnStatus
nn_inference_reconstruct (NnInference *inf,
                          const float *params,
                          const float *stats,
                          const float *x,
                          int          n,
                          float       *y,
                          NnError     *err)
{
  int done, rows;

  if (check_args (inf, params, stats, x, n, y, err) != NN_OK)
    return NN_ERR_INVALID;
  for (done = 0; done < n; done += rows)
    {
      rows = n - done < inf->work.max_batch ? n - done : inf->work.max_batch;
      /* work.code is free in eval mode: it carries the code between halves. */
      encode_chunk (inf, params, stats, x + (size_t) done * inf->model->input_dim, rows,
                    inf->work.code);
      decode_chunk (inf, params, stats, inf->work.code, rows,
                    y + (size_t) done * inf->model->input_dim);
    }
  return NN_OK;
}

/* ---------------------------------------------------------------- snapshots */

NnSnapshot *
nn_snapshot_new_from_model (const NnModel *model,
                            int64_t        step,
                            int            epoch)
{
  NnSnapshot *snap;
  size_t header = (sizeof (NnSnapshot) + 63) & ~(size_t) 63;
  size_t bytes = header + (model->n_params + model->n_stats) * sizeof (float);

  /* One allocation: header, then params, then stats. */
  snap = nn_malloc (bytes);
  if (snap == NULL)
    return NULL;
  snap->ref_count = 1;
  snap->n_params = model->n_params;
  snap->n_stats = model->n_stats;
  snap->step = step;
  snap->epoch = epoch;
  snap->params = (float *) ((char *) snap + header);
  snap->stats = model->n_stats > 0 ? snap->params + model->n_params : NULL;
  memcpy (snap->params, model->params, model->n_params * sizeof (float));
  if (model->n_stats > 0)
    memcpy (snap->stats, model->stats, model->n_stats * sizeof (float));
  return snap;
}

NnSnapshot *
nn_snapshot_ref (NnSnapshot *snap)
{
  if (snap != NULL)
    __atomic_fetch_add (&snap->ref_count, 1, __ATOMIC_RELAXED);
  return snap;
}

void
nn_snapshot_unref (NnSnapshot *snap)
{
  /* Release on the decrement, acquire before freeing: the last owner sees
   * every other owner's reads finished. */
  if (snap != NULL && __atomic_sub_fetch (&snap->ref_count, 1, __ATOMIC_ACQ_REL) == 0)
    nn_free (snap);
}

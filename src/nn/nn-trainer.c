/* nn-trainer.c — epochs, minibatches, validation, schedules, early stopping,
 * divergence, pause/step/cancel and snapshot publication.
 *
 * Everything a step touches is allocated in nn_trainer_new. The controls
 * other threads may call (cancel, pause, lr, …) only write fields under a
 * small mutex (or an atomic); the training thread reads them between steps,
 * so no lock is ever held across a GEMM.
 */
#include "nn-private.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>
#include <time.h>

struct NnTrainer
{
  NnModel      *model;      /* borrowed */
  const float  *x;          /* (n, input_dim), borrowed */
  int           n;
  const float  *xv;         /* (n_val, input_dim) explicit validation rows, borrowed, or NULL */
  int          *order;      /* (n) seeded permutation: training rows, then validation rows
                             * (only training rows with an explicit validation set) */
  int           n_train;
  int           n_val;
  int           batch;      /* rows per step */
  int           steps_per_epoch;

  NnWork        work;
  float        *grads;      /* (n_params) */
  float        *m;          /* (n_params) optimizer moment 1 / momentum buffer */
  float        *v;          /* (n_params) optimizer moment 2 */
  float        *backup;     /* (n_params) parameters before the last update */
  float        *stats_backup; /* (n_stats) */
  float        *best;       /* (n_params) best-validation parameters */
  float        *best_stats; /* (n_stats) */
  float        *xb;         /* (batch, input_dim) the step's input (noisy for denoising) */
  float        *tb;         /* (batch, input_dim) clean target when the input is noisy */
  bool          have_backup;
  bool          have_best;

  NnOptimState  opt;
  NnRng         shuffle_rng, dropout_rng, noise_rng;

  /* progress of training */
  int64_t       step;       /* steps done */
  int           epoch;      /* epochs done */
  int           pos;        /* steps done in the current epoch */
  int           target_epoch;
  double        epoch_loss, epoch_recon, epoch_reg;
  float         lr_factor;  /* schedule multiplier for this epoch */
  float         plateau_factor;
  double        plateau_best;
  int           plateau_bad;
  double        best_loss;
  int           best_epoch;
  int           since_best;
  bool          stop_early;
  double        samples_per_s;

  /* training-thread parameters, refreshed from the controls between steps */
  float         base_lr;
  float         noise_level;
  float         beta;

  /* controls (any thread) */
  mtx_t         lock;
  cnd_t         wake;
  bool          paused;
  int           single_steps;
  bool          running;
  float         want_lr;          /* NAN = no request */
  float         want_noise;
  float         want_beta;
  int           want_extra;       /* -1 = no request */
  atomic_bool   cancel;

  /* grads, m, v, backup, best, the workspace and the batch buffers are
   * allocated without zeroing (a window creates trainers on its main
   * thread, and first writes to fresh pages are slow); the first user
   * zeroes them */
  mtx_t         zero_lock;
  atomic_bool   zeroed;

  /* snapshots */
  mtx_t         snap_lock;
  NnSnapshot   *latest;
  int           snapshot_ms;
  struct timespec last_publish;
};

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Zeroes the buffers trainer_new left as they came (see NnTrainer), once,
 * on the first thread that needs them: they are logically zero from the
 * start, so a const trainer may do it too. */
static void
ensure_zeroed (const NnTrainer *ctr)
{
  NnTrainer *tr = (NnTrainer *) ctr;
  size_t bytes = tr->model->n_params * sizeof (float);

  if (atomic_load (&tr->zeroed))
    return;
  mtx_lock (&tr->zero_lock);
  if (!atomic_load (&tr->zeroed))
    {
      memset (tr->grads, 0, bytes);
      memset (tr->m, 0, bytes);
      memset (tr->v, 0, bytes);
      memset (tr->backup, 0, bytes);
      memset (tr->best, 0, bytes);
      nn_work_zero (&tr->work);
      memset (tr->xb, 0, (size_t) tr->batch * tr->model->input_dim * sizeof (float));
      memset (tr->tb, 0, (size_t) tr->batch * tr->model->input_dim * sizeof (float));
      atomic_store (&tr->zeroed, true);
    }
  mtx_unlock (&tr->zero_lock);
}

/* Fisher–Yates with the given stream. */
static void
shuffle (int   *a,
         int    n,
         NnRng *rng)
{
  int i;

  for (i = n - 1; i > 0; i--)
    {
      int j = (int) nn_rng_below (rng, (uint32_t) i + 1);
      int t = a[i];

      a[i] = a[j];
      a[j] = t;
    }
}

/* xv == NULL: the validation rows are cfg->val_split of x; otherwise all of
 * x trains and xv's n_val rows validate. */
static NnTrainer *
trainer_new (NnModel     *model,
             const float *x,
             int          n,
             const float *xv,
             int          n_val,
             NnError     *err)
{
  const NnConfig *cfg;
  NnTrainer *tr;
  NnRng split_rng;
  size_t np;
  int i;

  if (model == NULL || x == NULL || n < 1)
    {
      nn_error_set (err, NN_ERR_INVALID, "trainer: no model or no training data");
      return NULL;
    }
  if (xv != NULL && n_val < 1)
    {
      nn_error_set (err, NN_ERR_INVALID, "trainer: the validation set is empty");
      return NULL;
    }
  cfg = &model->cfg;
  tr = nn_calloc (1, sizeof *tr);
  if (tr == NULL)
    {
      nn_error_set (err, NN_ERR_NOMEM, "out of memory for the trainer");
      return NULL;
    }
  tr->model = model;
  tr->x = x;
  tr->n = n;
  tr->xv = xv;
  tr->n_val = xv != NULL ? n_val : (int) ((double) n * cfg->val_split);
  tr->n_train = xv != NULL ? n : n - tr->n_val;
  if (tr->n_train < 1)
    {
      nn_free (tr);
      nn_error_set (err, NN_ERR_INVALID, "trainer: %d samples leave none for training after a %.0f %% validation split",
                    n, cfg->val_split * 100.0);
      return NULL;
    }
  /* The last partial batch is dropped (every step has the same shape), but a
   * set smaller than one batch still trains, on all of it. */
  tr->batch = tr->n_train < cfg->batch ? tr->n_train : cfg->batch;
  tr->steps_per_epoch = tr->n_train / tr->batch;

  mtx_init (&tr->lock, mtx_plain);
  cnd_init (&tr->wake);
  mtx_init (&tr->snap_lock, mtx_plain);
  mtx_init (&tr->zero_lock, mtx_plain);
  atomic_init (&tr->zeroed, false);
  tr->want_lr = tr->want_noise = tr->want_beta = NAN;
  tr->want_extra = -1;
  atomic_init (&tr->cancel, false);
  tr->snapshot_ms = 250;

  np = model->n_params;
  tr->order = nn_malloc ((size_t) n * sizeof (int));
  tr->grads = nn_alloc_floats_uninit (np);
  tr->m = nn_alloc_floats_uninit (np);
  tr->v = nn_alloc_floats_uninit (np);
  tr->backup = nn_alloc_floats_uninit (np);
  tr->best = nn_alloc_floats_uninit (np);
  tr->stats_backup = nn_alloc_floats (model->n_stats);
  tr->best_stats = nn_alloc_floats (model->n_stats);
  tr->xb = nn_alloc_floats_uninit ((size_t) tr->batch * model->input_dim);
  tr->tb = nn_alloc_floats_uninit ((size_t) tr->batch * model->input_dim);
  if (tr->order == NULL || tr->grads == NULL || tr->m == NULL || tr->v == NULL
      || tr->backup == NULL || tr->best == NULL || tr->stats_backup == NULL
      || tr->best_stats == NULL || tr->xb == NULL || tr->tb == NULL)
    {
      nn_trainer_free (tr);
      nn_error_set (err, NN_ERR_NOMEM, "out of memory for the trainer's buffers");
      return NULL;
    }
  if (nn_work_init_unzeroed (&tr->work, model, tr->batch, true, err) != NN_OK)
    {
      nn_trainer_free (tr);
      return NULL;
    }

  /* Validation rows: the end of a seeded permutation. */
  for (i = 0; i < n; i++)
    tr->order[i] = i;
  nn_rng_seed (&split_rng, cfg->seed, NN_STREAM_SPLIT);
  shuffle (tr->order, n, &split_rng);
  nn_rng_seed (&tr->shuffle_rng, cfg->seed, NN_STREAM_SHUFFLE);
  nn_rng_seed (&tr->dropout_rng, cfg->seed, NN_STREAM_DROPOUT);
  nn_rng_seed (&tr->noise_rng, cfg->seed, NN_STREAM_NOISE);

  tr->opt.kind = cfg->optimizer;
  tr->opt.momentum = cfg->momentum;
  tr->opt.beta1 = cfg->beta1;
  tr->opt.beta2 = cfg->beta2;
  tr->opt.eps = cfg->eps;
  tr->opt.weight_decay = cfg->weight_decay;
  tr->base_lr = cfg->lr;
  tr->noise_level = cfg->noise_level;
  tr->beta = cfg->beta;
  tr->lr_factor = 1.0f;
  tr->plateau_factor = 1.0f;
  tr->plateau_best = INFINITY;
  tr->best_loss = INFINITY;
  tr->best_epoch = -1;
  tr->target_epoch = cfg->epochs;
  return tr;
}

NnTrainer *
nn_trainer_new (NnModel     *model,
                const float *x,
                int          n,
                NnError     *err)
{
  return trainer_new (model, x, n, NULL, 0, err);
}

NnTrainer *
nn_trainer_new_with_validation (NnModel     *model,
                                const float *x,
                                int          n,
                                const float *xv,
                                int          n_val,
                                NnError     *err)
{
  if (xv == NULL)
    {
      nn_error_set (err, NN_ERR_INVALID, "trainer: no validation data");
      return NULL;
    }
  return trainer_new (model, x, n, xv, n_val, err);
}

void
nn_trainer_free (NnTrainer *tr)
{
  if (tr == NULL)
    return;
  nn_work_clear (&tr->work);
  nn_free (tr->order);
  nn_free (tr->grads);
  nn_free (tr->m);
  nn_free (tr->v);
  nn_free (tr->backup);
  nn_free (tr->best);
  nn_free (tr->stats_backup);
  nn_free (tr->best_stats);
  nn_free (tr->xb);
  nn_free (tr->tb);
  nn_snapshot_unref (tr->latest);
  mtx_destroy (&tr->lock);
  cnd_destroy (&tr->wake);
  mtx_destroy (&tr->snap_lock);
  mtx_destroy (&tr->zero_lock);
  nn_free (tr);
}

/* ---------------------------------------------------------------- controls */

void
nn_trainer_cancel (NnTrainer *tr)
{
  atomic_store (&tr->cancel, true);
  mtx_lock (&tr->lock);
  cnd_broadcast (&tr->wake);
  mtx_unlock (&tr->lock);
}

void
nn_trainer_set_paused (NnTrainer *tr,
                       bool       paused)
{
  mtx_lock (&tr->lock);
  tr->paused = paused;
  if (!paused)
    tr->single_steps = 0;
  cnd_broadcast (&tr->wake);
  mtx_unlock (&tr->lock);
}

void
nn_trainer_request_single_step (NnTrainer *tr)
{
  mtx_lock (&tr->lock);
  if (tr->paused)
    tr->single_steps++;
  cnd_broadcast (&tr->wake);
  mtx_unlock (&tr->lock);
}

void
nn_trainer_set_lr (NnTrainer *tr,
                   float      lr)
{
  if (!(lr > 0.0f) || !isfinite (lr))
    return;
  mtx_lock (&tr->lock);
  tr->want_lr = lr;
  mtx_unlock (&tr->lock);
}

void
nn_trainer_set_noise_level (NnTrainer *tr,
                            float      level)
{
  if (!(level >= 0.0f) || !isfinite (level))
    return;
  mtx_lock (&tr->lock);
  tr->want_noise = level;
  mtx_unlock (&tr->lock);
}

void
nn_trainer_set_beta (NnTrainer *tr,
                     float      beta)
{
  if (!(beta >= 0.0f) || !isfinite (beta))
    return;
  mtx_lock (&tr->lock);
  tr->want_beta = beta;
  mtx_unlock (&tr->lock);
}

void
nn_trainer_set_extra_epochs (NnTrainer *tr,
                             int        epochs)
{
  if (epochs < 0)
    return;
  mtx_lock (&tr->lock);
  tr->want_extra = epochs;
  mtx_unlock (&tr->lock);
}

void
nn_trainer_set_snapshot_interval (NnTrainer *tr,
                                  int        ms)
{
  mtx_lock (&tr->snap_lock);
  tr->snapshot_ms = ms > 0 ? ms : 1;
  mtx_unlock (&tr->snap_lock);
}

/* Takes over the requests made since the last step (training thread only). */
static void
apply_requests (NnTrainer *tr)
{
  mtx_lock (&tr->lock);
  if (!isnan (tr->want_lr))
    {
      tr->base_lr = tr->want_lr;
      tr->want_lr = NAN;
    }
  if (!isnan (tr->want_noise))
    {
      tr->noise_level = tr->want_noise;
      tr->want_noise = NAN;
    }
  if (!isnan (tr->want_beta))
    {
      tr->beta = tr->want_beta;
      tr->want_beta = NAN;
    }
  if (tr->want_extra >= 0 && tr->running)
    {
      /* While running: this many epochs after the one in progress. */
      tr->target_epoch = tr->epoch + (tr->pos > 0 ? 1 : 0) + tr->want_extra;
      tr->want_extra = -1;
    }
  mtx_unlock (&tr->lock);
}

/* ---------------------------------------------------------------- snapshots */

static void
publish (NnTrainer *tr)
{
  NnSnapshot *snap = nn_snapshot_new_from_model (tr->model, tr->step, tr->epoch);
  NnSnapshot *old;

  clock_gettime (CLOCK_MONOTONIC, &tr->last_publish);
  if (snap == NULL)
    return;   /* out of memory: readers keep the previous one */
  mtx_lock (&tr->snap_lock);
  old = tr->latest;
  tr->latest = snap;
  mtx_unlock (&tr->snap_lock);
  nn_snapshot_unref (old);
}

static bool
snapshot_due (NnTrainer *tr)
{
  struct timespec now;
  double ms;
  int interval;

  mtx_lock (&tr->snap_lock);
  interval = tr->snapshot_ms;
  mtx_unlock (&tr->snap_lock);
  clock_gettime (CLOCK_MONOTONIC, &now);
  ms = (now.tv_sec - tr->last_publish.tv_sec) * 1e3
       + (now.tv_nsec - tr->last_publish.tv_nsec) * 1e-6;
  return tr->latest == NULL || ms >= interval;
}

NnSnapshot *
nn_trainer_dup_snapshot (NnTrainer *tr)
{
  NnSnapshot *snap;

  mtx_lock (&tr->snap_lock);
  snap = nn_snapshot_ref (tr->latest);
  mtx_unlock (&tr->snap_lock);
  return snap;
}

/* ---------------------------------------------------------------- losses */

float
nn_trainer_eval_loss (NnTrainer   *tr,
                      const float *x,
                      int          n)
{
  const NnModel *model = tr->model;
  size_t dim = (size_t) model->input_dim;
  double total = 0.0;
  int done, rows;

  if (x == NULL || n < 1)
    return NAN;
  ensure_zeroed (tr);
  for (done = 0; done < n; done += rows)
    {
      NnLosses l;

      rows = n - done < tr->batch ? n - done : tr->batch;
      nn_model_pass (model, &tr->work, model->params, model->stats, NULL, x + done * dim,
                     x + done * dim, rows, NULL, tr->beta, &l);
      total += (l.recon + l.reg) * rows;
    }
  return (float) (total / n);
}

/* Mean validation losses over the held-out rows (gathered batch by batch). */
static void
validation_loss (NnTrainer *tr,
                 double    *loss,
                 double    *recon,
                 double    *reg)
{
  const NnModel *model = tr->model;
  size_t dim = (size_t) model->input_dim;
  const int *rows_idx = tr->order + tr->n_train;
  double sr = 0.0, sg = 0.0;
  int done, rows, r;

  for (done = 0; done < tr->n_val; done += rows)
    {
      NnLosses l;

      rows = tr->n_val - done < tr->batch ? tr->n_val - done : tr->batch;
      for (r = 0; r < rows; r++)
        memcpy (tr->xb + r * dim,
                tr->xv != NULL ? tr->xv + (size_t) (done + r) * dim
                               : tr->x + (size_t) rows_idx[done + r] * dim,
                dim * sizeof (float));
      nn_model_pass (model, &tr->work, model->params, model->stats, NULL, tr->xb, tr->xb,
                     rows, NULL, tr->beta, &l);
      sr += l.recon * rows;
      sg += l.reg * rows;
    }
  *recon = sr / tr->n_val;
  *reg = sg / tr->n_val;
  *loss = *recon + *reg;
}

/* ---------------------------------------------------------------- schedule */

static float
schedule_factor (const NnTrainer *tr)
{
  const NnConfig *cfg = &tr->model->cfg;

  switch (cfg->schedule)
    {
    case NN_SCHEDULE_STEP:
      return powf (cfg->lr_gamma, (float) (tr->epoch / cfg->lr_step));
    case NN_SCHEDULE_COSINE:
      {
        /* Cosine annealing to 0 over this run's epochs (PyTorch
         * CosineAnnealingLR with T_max = epochs, stepped per epoch). */
        int span = tr->target_epoch > 0 ? tr->target_epoch : 1;
        int e = tr->epoch < span ? tr->epoch : span;

        return (float) (0.5 * (1.0 + cos (M_PI * e / span)));
      }
    case NN_SCHEDULE_PLATEAU:
      return tr->plateau_factor;
    case NN_SCHEDULE_CONSTANT:
    default:
      return 1.0f;
    }
}

/* ReduceLROnPlateau: lr ×= gamma after lr_step epochs without a relative
 * improvement of 1e-4 in the monitored loss. */
static void
plateau_update (NnTrainer *tr,
                double     monitored)
{
  const NnConfig *cfg = &tr->model->cfg;

  if (monitored < tr->plateau_best * (1.0 - 1e-4))
    {
      tr->plateau_best = monitored;
      tr->plateau_bad = 0;
    }
  else if (++tr->plateau_bad > cfg->lr_step)
    {
      tr->plateau_factor *= cfg->lr_gamma;
      tr->plateau_bad = 0;
    }
}

/* ---------------------------------------------------------------- a step */

/* Gaussian noise (clamped: the input keeps the [0, 1] range the model
 * expects) or masking noise, drawn from rng. */
static void
corrupt (NnNoise  noise,
         float    level,
         NnRng   *rng,
         float   *x,
         size_t   count)
{
  size_t i;

  if (noise == NN_NOISE_GAUSSIAN)
    for (i = 0; i < count; i++)
      {
        float v = x[i] + level * nn_rng_normal (rng);

        x[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
      }
  else if (noise == NN_NOISE_MASK)
    {
      uint32_t threshold = (uint32_t) ((double) level * 16777216.0);

      for (i = 0; i < count; i++)
        if ((uint32_t) (nn_rng_next (rng) >> 40) < threshold)
          x[i] = 0.0f;
    }
}

void
nn_noise_apply (NnNoise   noise,
                float     level,
                uint64_t  seed,
                float    *x,
                size_t    count)
{
  NnRng rng;

  nn_rng_seed (&rng, seed, NN_STREAM_NOISE);
  corrupt (noise, level, &rng, x, count);
}

static void
add_noise (NnTrainer *tr,
           size_t     count)
{
  memcpy (tr->tb, tr->xb, count * sizeof (float));
  corrupt (tr->model->cfg.noise, tr->noise_level, &tr->noise_rng, tr->xb, count);
}

static NnStatus
diverged (NnTrainer  *tr,
          double      loss,
          NnError    *err)
{
  NnModel *model = tr->model;

  /* Back to the weights that still gave a finite loss; the optimizer state
   * was fed the bad gradients, so it starts afresh. */
  if (tr->have_backup)
    {
      memcpy (model->params, tr->backup, model->n_params * sizeof (float));
      if (model->n_stats > 0)
        memcpy (model->stats, tr->stats_backup, model->n_stats * sizeof (float));
    }
  memset (tr->grads, 0, model->n_params * sizeof (float));
  memset (tr->m, 0, model->n_params * sizeof (float));
  memset (tr->v, 0, model->n_params * sizeof (float));
  tr->opt.t = 0;
  tr->have_backup = false;
  if (isnan (loss))
    return nn_error_set (err, NN_ERR_DIVERGED,
                         "Training diverged at step %lld (loss is NaN): lower the learning rate",
                         (long long) tr->step + 1);
  return nn_error_set (err, NN_ERR_DIVERGED,
                       "Training diverged at step %lld (loss is infinite): lower the learning rate",
                       (long long) tr->step + 1);
}

static void
note_best (NnTrainer *tr,
           double     monitored)
{
  NnModel *model = tr->model;

  if (monitored < tr->best_loss)
    {
      tr->best_loss = monitored;
      tr->best_epoch = tr->epoch;
      tr->since_best = 0;
      memcpy (tr->best, model->params, model->n_params * sizeof (float));
      if (model->n_stats > 0)
        memcpy (tr->best_stats, model->stats, model->n_stats * sizeof (float));
      tr->have_best = true;
    }
  else
    tr->since_best++;
  if (model->cfg.patience > 0 && tr->since_best >= model->cfg.patience)
    tr->stop_early = true;
}

/* A layer owns one contiguous run of the parameter buffer: W, b, then γ, β. */
static void
update_layer (void          *data,
              const NnLayer *l)
{
  NnTrainer *tr = data;
  size_t off = l->w_off;
  size_t n = l->n_w + l->n_b + (l->batch_norm ? 2 * (size_t) l->out_c : 0);

  nn_optim_update (&tr->opt, tr->model->params + off, tr->grads + off, tr->m + off,
                   tr->v + off, tr->backup + off, n);
}

static NnStatus
step_internal (NnTrainer     *tr,
               NnProgressFunc progress,
               void          *user_data,
               NnError       *err)
{
  NnModel *model = tr->model;
  const NnConfig *cfg = &model->cfg;
  size_t dim = (size_t) model->input_dim;
  const int *rows_idx;
  NnProgress p;
  NnLosses l;
  double loss, t0, dt;
  int r;

  t0 = now_s ();
  apply_requests (tr);
  if (tr->pos == 0)
    {
      /* Epoch start: fresh order of the training rows, this epoch's lr. */
      shuffle (tr->order, tr->n_train, &tr->shuffle_rng);
      tr->lr_factor = schedule_factor (tr);
      tr->epoch_loss = tr->epoch_recon = tr->epoch_reg = 0.0;
    }
  tr->opt.lr = tr->base_lr * tr->lr_factor;

  rows_idx = tr->order + (size_t) tr->pos * tr->batch;
  for (r = 0; r < tr->batch; r++)
    memcpy (tr->xb + r * dim, tr->x + (size_t) rows_idx[r] * dim, dim * sizeof (float));
  if (cfg->kind == NN_KIND_DENOISING && cfg->noise != NN_NOISE_NONE)
    add_noise (tr, (size_t) tr->batch * dim);

  if (model->n_stats > 0)
    memcpy (tr->stats_backup, model->stats, model->n_stats * sizeof (float));
  nn_model_forward_loss (model, &tr->work, model->params, model->stats, true, tr->xb,
                         cfg->kind == NN_KIND_DENOISING ? tr->tb : tr->xb, tr->batch,
                         &tr->dropout_rng, tr->beta, &l);
  loss = l.recon + l.reg;
  /* Checked before anything is updated. Reported as float: a loss beyond
   * FLT_MAX is as lost as a NaN. */
  if (!isfinite ((float) loss) || !isfinite ((float) l.recon) || !isfinite ((float) l.reg))
    return diverged (tr, loss, err);

  /* Backward, stepping each layer's parameters as soon as its gradients are
   * complete: they and the weights just read for dX are still in cache. */
  nn_optim_begin (&tr->opt);
  nn_model_backward (model, &tr->work, model->params, tr->grads, tr->xb, tr->batch, tr->beta,
                     update_layer, tr);
  tr->have_backup = true;

  tr->step++;
  tr->pos++;
  tr->epoch_loss += loss;
  tr->epoch_recon += l.recon;
  tr->epoch_reg += l.reg;
  dt = now_s () - t0;
  if (dt > 0.0)
    {
      double inst = tr->batch / dt;

      tr->samples_per_s = tr->samples_per_s == 0.0 ? inst : 0.95 * tr->samples_per_s + 0.05 * inst;
    }

  memset (&p, 0, sizeof p);
  p.step = tr->step;
  p.epoch = tr->epoch;
  p.steps_per_epoch = tr->steps_per_epoch;
  p.train_loss = (float) loss;
  p.recon_loss = (float) l.recon;
  p.reg_loss = (float) l.reg;
  p.val_loss = p.val_recon_loss = p.val_reg_loss = NAN;
  p.lr = tr->opt.lr;
  p.samples_per_s = tr->samples_per_s;
  p.best_epoch = tr->best_epoch;
  if (progress != NULL)
    progress (&p, user_data);

  if (tr->pos == tr->steps_per_epoch)
    {
      double vl, vr, vg, monitored;
      size_t j;

      if (tr->n_val > 0)
        validation_loss (tr, &vl, &vr, &vg);
      else
        {
          vl = tr->epoch_loss / tr->pos;
          vr = tr->epoch_recon / tr->pos;
          vg = tr->epoch_reg / tr->pos;
        }
      monitored = vl;
      if (!isfinite ((float) vl) || !isfinite ((float) vr) || !isfinite ((float) vg))
        return diverged (tr, vl, err);
      if (tr->n_val == 0)
        /* No validation forward saw the updated weights: check them here. */
        for (j = 0; j < model->n_params; j++)
          if (!isfinite (model->params[j]))
            return diverged (tr, NAN, err);

      note_best (tr, monitored);
      if (cfg->schedule == NN_SCHEDULE_PLATEAU)
        plateau_update (tr, monitored);
      p.epoch_end = true;
      p.train_loss = (float) (tr->epoch_loss / tr->pos);
      p.recon_loss = (float) (tr->epoch_recon / tr->pos);
      p.reg_loss = (float) (tr->epoch_reg / tr->pos);
      p.val_loss = (float) vl;
      p.val_recon_loss = (float) vr;
      p.val_reg_loss = (float) vg;
      p.best_epoch = tr->best_epoch;
      tr->epoch++;
      tr->pos = 0;
      if (progress != NULL)
        progress (&p, user_data);
    }
  return NN_OK;
}

NnStatus
nn_trainer_step (NnTrainer *tr,
                 NnError   *err)
{
  if (tr == NULL)
    return nn_error_set (err, NN_ERR_INVALID, "trainer is NULL");
  ensure_zeroed (tr);
  return step_internal (tr, NULL, NULL, err);
}

/* ---------------------------------------------------------------- run */

NnStatus
nn_trainer_run (NnTrainer     *tr,
                NnProgressFunc progress,
                void          *user_data,
                NnError       *err)
{
  NnStatus st = NN_OK;

  if (tr == NULL)
    return nn_error_set (err, NN_ERR_INVALID, "trainer is NULL");

  nn_set_threads (tr->model->cfg.threads);
  ensure_zeroed (tr);
  mtx_lock (&tr->lock);
  tr->running = true;
  tr->target_epoch = tr->epoch + (tr->want_extra >= 0 ? tr->want_extra : tr->model->cfg.epochs);
  tr->want_extra = -1;
  mtx_unlock (&tr->lock);
  tr->stop_early = false;
  tr->since_best = 0;

  while (tr->epoch < tr->target_epoch)
    {
      bool epoch_done;

      /* Paused: sleep until resumed, asked for one step, or cancelled. */
      mtx_lock (&tr->lock);
      while (tr->paused && tr->single_steps == 0 && !atomic_load (&tr->cancel))
        cnd_wait (&tr->wake, &tr->lock);
      if (tr->paused && tr->single_steps > 0)
        tr->single_steps--;
      mtx_unlock (&tr->lock);

      if (atomic_load (&tr->cancel))
        {
          st = nn_error_set (err, NN_ERR_CANCELLED, "Training cancelled at step %lld",
                             (long long) tr->step);
          break;
        }

      st = step_internal (tr, progress, user_data, err);
      if (st != NN_OK)
        break;
      epoch_done = tr->pos == 0;
      if (epoch_done || snapshot_due (tr))
        publish (tr);
      if (epoch_done && tr->stop_early)
        {
          nn_trainer_restore_best (tr);
          break;
        }
    }

  /* Readers see the final (or restored) weights. */
  publish (tr);
  atomic_store (&tr->cancel, false);
  mtx_lock (&tr->lock);
  tr->running = false;
  mtx_unlock (&tr->lock);
  return st;
}

void
nn_trainer_restore_best (NnTrainer *tr)
{
  NnModel *model = tr->model;

  if (!tr->have_best)
    return;
  memcpy (model->params, tr->best, model->n_params * sizeof (float));
  if (model->n_stats > 0)
    memcpy (model->stats, tr->best_stats, model->n_stats * sizeof (float));
}

int
nn_trainer_epochs_done (const NnTrainer *tr)
{
  return tr->epoch;
}

/* ---------------------------------------------------------------- state
 *
 * Trainer state blob, version 1, all little-endian:
 *
 *   offset  size  field
 *   0       4     magic "NNTS"
 *   4       4     u32 version (1)
 *   8       4     u32 optimizer (NnOptimizer)
 *   12      4     u32 batch
 *   16      8     u64 n_params
 *   24      8     u64 rows given to the trainer (length of the row order)
 *   32      8     u64 training rows (all rows, or rows − validation rows)
 *   40      8     u64 validation rows (a split of the rows, or explicit)
 *   48      8     i64 steps done
 *   56      8     i64 optimizer steps (Adam's t)
 *   64      4     i32 epochs done
 *   68      4     i32 steps done in the epoch in progress
 *   72      24    f64 × 3 the epoch's running loss, recon and reg sums
 *   96      4     f32 lr factor of the epoch in progress
 *   100     4     f32 plateau factor
 *   104     8     f64 plateau best
 *   112     4     i32 plateau epochs without improvement
 *   116     4     i32 best epoch (−1 none)
 *   120     8     f64 best loss (+inf none)
 *   128     4     i32 epochs since the best
 *   132     12    f32 × 3 lr, noise level, β (as live-changed)
 *   144     8     f64 throughput (samples/s, display only)
 *   152     96    u64 × 4 × 3 xoshiro states: shuffle, dropout, noise
 *   248     4     u32 best epoch's weights: 0 none, 1 the model's current
 *                 weights and stats (no copy stored), 2 stored at the end
 *   252     4     u32 n_stats (batch-norm statistics of the model)
 *   256     4·rows        u32 row order (training rows, then split-off validation rows)
 *   …       4·n_params    f32 first moment (SGD: momentum buffer)
 *   …       4·n_params    f32 second moment (zeros for SGD)
 *   …       4·n_params    f32 best epoch's parameters   } only when the
 *   …       4·n_stats     f32 best epoch's statistics   } field at 248 is 2
 */

#define STATE_MAGIC    "NNTS"
#define STATE_VERSION  1
#define STATE_HEAD     256
#define RNG_OFF        152

static void
put_u32 (unsigned char *p,
         uint32_t       v)
{
  p[0] = (unsigned char) v;
  p[1] = (unsigned char) (v >> 8);
  p[2] = (unsigned char) (v >> 16);
  p[3] = (unsigned char) (v >> 24);
}

static void
put_u64 (unsigned char *p,
         uint64_t       v)
{
  put_u32 (p, (uint32_t) v);
  put_u32 (p + 4, (uint32_t) (v >> 32));
}

static void
put_f32 (unsigned char *p,
         float          f)
{
  uint32_t v;

  memcpy (&v, &f, 4);
  put_u32 (p, v);
}

static void
put_f64 (unsigned char *p,
         double         d)
{
  uint64_t v;

  memcpy (&v, &d, 8);
  put_u64 (p, v);
}

static uint32_t
get_u32 (const unsigned char *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t
get_u64 (const unsigned char *p)
{
  return (uint64_t) get_u32 (p) | (uint64_t) get_u32 (p + 4) << 32;
}

static float
get_f32 (const unsigned char *p)
{
  uint32_t v = get_u32 (p);
  float f;

  memcpy (&f, &v, 4);
  return f;
}

static double
get_f64 (const unsigned char *p)
{
  uint64_t v = get_u64 (p);
  double d;

  memcpy (&d, &v, 8);
  return d;
}

size_t
nn_trainer_export_state (const NnTrainer *tr,
                         void            *buf,
                         size_t           size)
{
  const NnModel *model = tr->model;
  size_t np = model->n_params, ns = model->n_stats;
  const NnRng *rngs[3] = { &tr->shuffle_rng, &tr->dropout_rng, &tr->noise_rng };
  unsigned char *p = buf;
  uint32_t best_kind;
  size_t need, i;
  int k, w;

  ensure_zeroed (tr);
  /* The best weights are usually the last epoch's, still in the model. */
  if (!tr->have_best)
    best_kind = 0;
  else if (memcmp (tr->best, model->params, np * sizeof (float)) == 0
           && (ns == 0 || memcmp (tr->best_stats, model->stats, ns * sizeof (float)) == 0))
    best_kind = 1;
  else
    best_kind = 2;
  need = STATE_HEAD + 4 * (size_t) tr->n + 8 * np + (best_kind == 2 ? 4 * (np + ns) : 0);
  if (buf == NULL || size < need)
    return need;

  memset (p, 0, STATE_HEAD);
  memcpy (p, STATE_MAGIC, 4);
  put_u32 (p + 4, STATE_VERSION);
  put_u32 (p + 8, (uint32_t) tr->opt.kind);
  put_u32 (p + 12, (uint32_t) tr->batch);
  put_u64 (p + 16, np);
  put_u64 (p + 24, (uint64_t) tr->n);
  put_u64 (p + 32, (uint64_t) tr->n_train);
  put_u64 (p + 40, (uint64_t) tr->n_val);
  put_u64 (p + 48, (uint64_t) tr->step);
  put_u64 (p + 56, (uint64_t) tr->opt.t);
  put_u32 (p + 64, (uint32_t) tr->epoch);
  put_u32 (p + 68, (uint32_t) tr->pos);
  put_f64 (p + 72, tr->epoch_loss);
  put_f64 (p + 80, tr->epoch_recon);
  put_f64 (p + 88, tr->epoch_reg);
  put_f32 (p + 96, tr->lr_factor);
  put_f32 (p + 100, tr->plateau_factor);
  put_f64 (p + 104, tr->plateau_best);
  put_u32 (p + 112, (uint32_t) tr->plateau_bad);
  put_u32 (p + 116, (uint32_t) tr->best_epoch);
  put_f64 (p + 120, tr->best_loss);
  put_u32 (p + 128, (uint32_t) tr->since_best);
  put_f32 (p + 132, tr->base_lr);
  put_f32 (p + 136, tr->noise_level);
  put_f32 (p + 140, tr->beta);
  put_f64 (p + 144, tr->samples_per_s);
  for (k = 0; k < 3; k++)
    for (w = 0; w < 4; w++)
      put_u64 (p + RNG_OFF + 32 * k + 8 * w, rngs[k]->s[w]);
  put_u32 (p + 248, best_kind);
  put_u32 (p + 252, (uint32_t) ns);

  p += STATE_HEAD;
  for (i = 0; i < (size_t) tr->n; i++, p += 4)
    put_u32 (p, (uint32_t) tr->order[i]);
  for (i = 0; i < np; i++, p += 4)
    put_f32 (p, tr->m[i]);
  for (i = 0; i < np; i++, p += 4)
    put_f32 (p, tr->v[i]);
  if (best_kind == 2)
    {
      for (i = 0; i < np; i++, p += 4)
        put_f32 (p, tr->best[i]);
      for (i = 0; i < ns; i++, p += 4)
        put_f32 (p, tr->best_stats[i]);
    }
  return need;
}

/* The header's numbers, before they are trusted. */
typedef struct
{
  NnTrainerStateInfo info;
  uint32_t best_kind;
  const unsigned char *order, *m, *v, *best, *best_stats;
} StateView;

static NnStatus
state_check (const void *buf,
             size_t      size,
             StateView  *sv,
             NnError    *err)
{
  const unsigned char *p = buf;
  NnTrainerStateInfo *in = &sv->info;
  uint64_t rows, n_val, np, n_train, ns;
  uint32_t version, batch, best_kind;
  unsigned char *seen;
  size_t left, i;
  int k;

  if (p == NULL || size < 8 || memcmp (p, STATE_MAGIC, 4) != 0)
    return nn_error_set (err, NN_ERR_INVALID, "not a trainer state");
  version = get_u32 (p + 4);
  if (version == 0 || version > STATE_VERSION)
    return nn_error_set (err, NN_ERR_INVALID,
                         "trainer state version %u (this build reads version %d)",
                         (unsigned) version, STATE_VERSION);
  if (size < STATE_HEAD)
    return nn_error_set (err, NN_ERR_INVALID,
                         "trainer state is truncated (%zu of %d header bytes)",
                         size, STATE_HEAD);

  memset (sv, 0, sizeof *sv);
  in->optimizer = (NnOptimizer) get_u32 (p + 8);
  batch = get_u32 (p + 12);
  np = get_u64 (p + 16);
  rows = get_u64 (p + 24);
  n_train = get_u64 (p + 32);
  n_val = get_u64 (p + 40);
  /* Sizes first, each against what remains (no product can overflow). */
  left = size - STATE_HEAD;
  if (rows < 1 || rows > INT32_MAX || rows > left / 4)
    return nn_error_set (err, NN_ERR_INVALID, "trainer state: bad row count %llu",
                         (unsigned long long) rows);
  left -= 4 * (size_t) rows;
  best_kind = get_u32 (p + 248);
  ns = get_u32 (p + 252);
  /* Moments, then (kind 2) the best parameters and stats: 8 or 12 bytes a
   * parameter; every product below is bounded by left. */
  if (best_kind > 2 || np < 1 || np > left / 8
      || (best_kind == 2 ? np > left / 12 || ns > (left - 12 * np) / 4
                           || left != 12 * np + 4 * ns
                         : left != 8 * np))
    return nn_error_set (err, NN_ERR_INVALID,
                         "trainer state: %llu parameters do not match its %zu bytes of moments",
                         (unsigned long long) np, left);
  /* Training rows are all rows (explicit validation) or the rest of a split. */
  if ((uint32_t) in->optimizer > NN_OPTIM_SGD || batch < 1 || n_train < 1 || n_train > rows
      || n_val > INT32_MAX || (n_train != rows && n_train + n_val != rows) || batch > n_train)
    return nn_error_set (err, NN_ERR_INVALID,
                         "trainer state: bad optimizer, batch or row counts");
  in->n_params = np;
  in->n_stats = ns;
  in->best_weights = best_kind != 0;
  sv->best_kind = best_kind;
  in->n_rows = (int64_t) rows;
  in->n_val = (int64_t) n_val;
  in->batch = (int) batch;
  in->step = (int64_t) get_u64 (p + 48);
  in->optim_steps = (int64_t) get_u64 (p + 56);
  in->epoch = (int32_t) get_u32 (p + 64);
  in->pos = (int32_t) get_u32 (p + 68);
  /* Counters far below their type's limit: training on from them adds
   * 1 a step or epoch, which must not overflow (undefined behaviour). */
  if (in->step < 0 || in->step > INT64_MAX / 2 || in->optim_steps < 0
      || in->optim_steps > in->step || in->epoch < 0 || in->epoch > INT32_MAX / 2
      || in->pos < 0 || (uint64_t) in->pos >= n_train / batch || in->step < in->pos)
    return nn_error_set (err, NN_ERR_INVALID, "trainer state: bad step or epoch counters");
  {
    float lr_factor = get_f32 (p + 96), plateau_factor = get_f32 (p + 100);
    float lr = get_f32 (p + 132), noise = get_f32 (p + 136), beta = get_f32 (p + 140);
    int32_t plateau_bad = (int32_t) get_u32 (p + 112);
    int32_t best_epoch = (int32_t) get_u32 (p + 116);
    int32_t since_best = (int32_t) get_u32 (p + 128);

    in->best_epoch = best_epoch;
    if (!(lr_factor >= 0.0f) || !isfinite (lr_factor) || !(plateau_factor >= 0.0f)
        || !isfinite (plateau_factor) || !(lr > 0.0f) || !isfinite (lr) || !(noise >= 0.0f)
        || !isfinite (noise) || !(beta >= 0.0f) || !isfinite (beta) || plateau_bad < 0
        || plateau_bad > INT32_MAX / 2
        || best_epoch < -1 || (best_epoch >= 0 && best_epoch >= in->epoch) || since_best < 0
        || since_best > INT32_MAX / 2
        || (best_kind != 0 && best_epoch < 0)
        || isnan (get_f64 (p + 104)) || isnan (get_f64 (p + 120))
        || !isfinite (get_f64 (p + 72)) || !isfinite (get_f64 (p + 80))
        || !isfinite (get_f64 (p + 88)))
      return nn_error_set (err, NN_ERR_INVALID, "trainer state: bad schedule or loss values");
  }
  for (k = 0; k < 3; k++)
    if ((get_u64 (p + RNG_OFF + 32 * k) | get_u64 (p + RNG_OFF + 8 + 32 * k)
         | get_u64 (p + RNG_OFF + 16 + 32 * k) | get_u64 (p + RNG_OFF + 24 + 32 * k)) == 0)
      return nn_error_set (err, NN_ERR_INVALID, "trainer state: a random stream is all zero");

  sv->order = p + STATE_HEAD;
  sv->m = sv->order + 4 * (size_t) rows;
  sv->v = sv->m + 4 * (size_t) np;
  sv->best = sv->v + 4 * (size_t) np;
  sv->best_stats = sv->best + 4 * (size_t) np;

  /* The row order must be a permutation: it indexes the data. */
  seen = nn_calloc ((size_t) rows / 8 + 1, 1);
  if (seen == NULL)
    return nn_error_set (err, NN_ERR_NOMEM, "out of memory checking a trainer state");
  for (i = 0; i < (size_t) rows; i++)
    {
      uint32_t r = get_u32 (sv->order + 4 * i);

      if (r >= rows || (seen[r / 8] >> (r % 8) & 1) != 0)
        {
          nn_free (seen);
          return nn_error_set (err, NN_ERR_INVALID,
                               "trainer state: the row order is not a permutation");
        }
      seen[r / 8] |= (unsigned char) (1u << (r % 8));
    }
  nn_free (seen);

  for (i = 0; i < (size_t) np; i++)
    {
      float m = get_f32 (sv->m + 4 * i), v = get_f32 (sv->v + 4 * i);

      if (!isfinite (m) || !isfinite (v) || v < 0.0f)
        return nn_error_set (err, NN_ERR_INVALID,
                             "trainer state: moment %zu is not finite", i);
    }
  return NN_OK;
}

NnStatus
nn_trainer_state_inspect (const void         *buf,
                          size_t              size,
                          NnTrainerStateInfo *info,
                          NnError            *err)
{
  StateView sv;
  NnStatus st = state_check (buf, size, &sv, err);

  if (st == NN_OK && info != NULL)
    *info = sv.info;
  return st;
}

NnStatus
nn_trainer_import_state (NnTrainer  *tr,
                         const void *buf,
                         size_t      size,
                         NnError    *err)
{
  const unsigned char *p = buf;
  NnRng *rngs[3];
  StateView sv;
  NnStatus st;
  bool running;
  size_t i, np, ns;
  int k, w;

  if (tr == NULL)
    return nn_error_set (err, NN_ERR_INVALID, "trainer is NULL");
  mtx_lock (&tr->lock);
  running = tr->running;
  mtx_unlock (&tr->lock);
  if (running)
    return nn_error_set (err, NN_ERR_INVALID, "cannot load a trainer state while training");
  st = state_check (buf, size, &sv, err);
  if (st != NN_OK)
    return st;
  ensure_zeroed (tr);

  np = tr->model->n_params;
  if (sv.info.n_params != np || sv.info.n_stats != tr->model->n_stats)
    return nn_error_set (err, NN_ERR_SHAPE,
                         "the trainer state holds moments for %llu parameters, the model has %zu",
                         (unsigned long long) sv.info.n_params, np);
  if (sv.info.optimizer != tr->opt.kind)
    return nn_error_set (err, NN_ERR_SHAPE,
                         "the trainer state is for another optimizer");
  if (sv.info.n_rows != tr->n || sv.info.n_val != tr->n_val || sv.info.batch != tr->batch
      || get_u64 (p + 32) != (uint64_t) tr->n_train)
    return nn_error_set (err, NN_ERR_SHAPE,
                         "the trainer state is for %lld rows (%lld for validation) in batches of %d, "
                         "this trainer has %d (%d) in batches of %d",
                         (long long) sv.info.n_rows, (long long) sv.info.n_val, sv.info.batch,
                         tr->n, tr->n_val, tr->batch);

  tr->step = sv.info.step;
  tr->opt.t = sv.info.optim_steps;
  tr->epoch = sv.info.epoch;
  tr->pos = sv.info.pos;
  tr->epoch_loss = get_f64 (p + 72);
  tr->epoch_recon = get_f64 (p + 80);
  tr->epoch_reg = get_f64 (p + 88);
  tr->lr_factor = get_f32 (p + 96);
  tr->plateau_factor = get_f32 (p + 100);
  tr->plateau_best = get_f64 (p + 104);
  tr->plateau_bad = (int32_t) get_u32 (p + 112);
  tr->best_epoch = (int32_t) get_u32 (p + 116);
  tr->best_loss = get_f64 (p + 120);
  tr->since_best = (int32_t) get_u32 (p + 128);
  tr->base_lr = get_f32 (p + 132);
  tr->noise_level = get_f32 (p + 136);
  tr->beta = get_f32 (p + 140);
  tr->samples_per_s = get_f64 (p + 144);
  rngs[0] = &tr->shuffle_rng;
  rngs[1] = &tr->dropout_rng;
  rngs[2] = &tr->noise_rng;
  for (k = 0; k < 3; k++)
    for (w = 0; w < 4; w++)
      rngs[k]->s[w] = get_u64 (p + RNG_OFF + 32 * k + 8 * w);
  for (i = 0; i < (size_t) tr->n; i++)
    tr->order[i] = (int) get_u32 (sv.order + 4 * i);
  for (i = 0; i < np; i++)
    {
      tr->m[i] = get_f32 (sv.m + 4 * i);
      tr->v[i] = get_f32 (sv.v + 4 * i);
    }
  /* The best epoch's weights: none, the model's own, or stored. */
  ns = tr->model->n_stats;
  if (sv.best_kind == 1)
    {
      memcpy (tr->best, tr->model->params, np * sizeof (float));
      if (ns > 0)
        memcpy (tr->best_stats, tr->model->stats, ns * sizeof (float));
    }
  else if (sv.best_kind == 2)
    {
      for (i = 0; i < np; i++)
        tr->best[i] = get_f32 (sv.best + 4 * i);
      for (i = 0; i < ns; i++)
        tr->best_stats[i] = get_f32 (sv.best_stats + 4 * i);
    }
  tr->have_best = sv.best_kind != 0;
  /* The last step's backup does not travel (only a divergence uses it). */
  tr->have_backup = false;
  return NN_OK;
}

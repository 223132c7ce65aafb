/* test-nn-trainer.c — the trainer's promises: determinism, no allocation in a
 * step, cancel, divergence, early stopping, schedules, pause / single step
 * from another thread, snapshots read while training, per-layer updates. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn.h"
#include "alloc-counter.h"
#include "nn-private.h"

#define DIM 16
#define N_SAMPLES 240

/* Low-rank structured data in [0, 1] (an autoencoder has something to learn). */
static float *
make_data (int n)
{
  GRand *rand = g_rand_new_with_seed (42);
  float *x = g_new (float, (gsize) n * DIM);
  float basis[3][DIM];
  int i, j, k;

  for (k = 0; k < 3; k++)
    for (j = 0; j < DIM; j++)
      basis[k][j] = (float) g_rand_double_range (rand, -2, 2);
  for (i = 0; i < n; i++)
    {
      float c[3];

      for (k = 0; k < 3; k++)
        c[k] = (float) g_rand_double_range (rand, -1, 1);
      for (j = 0; j < DIM; j++)
        {
          float z = c[0] * basis[0][j] + c[1] * basis[1][j] + c[2] * basis[2][j];

          x[(gsize) i * DIM + j] = 1.0f / (1.0f + expf (-z));
        }
    }
  g_rand_free (rand);
  return x;
}

static void
small_config (NnConfig *cfg)
{
  nn_config_init_default (cfg);
  g_assert_cmpint (nn_config_set (cfg, "in_height", "4", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (cfg, "in_width", "4", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (cfg, "arch", "16-12-4", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (cfg, "batch", "16", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (cfg, "lr", "0.01", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (cfg, "val_split", "0.2", NULL), ==, NN_OK);
}

static NnModel *
new_model (const NnConfig *cfg)
{
  NnError err = { 0 };
  NnModel *model = nn_model_new (cfg, &err);

  if (model == NULL)
    g_error ("%s", err.message);
  return model;
}

static NnTrainer *
new_trainer (NnModel     *model,
             const float *x,
             int          n)
{
  NnError err = { 0 };
  NnTrainer *tr = nn_trainer_new (model, x, n, &err);

  if (tr == NULL)
    g_error ("%s", err.message);
  return tr;
}

/* ---------------------------------------------------------------- determinism */

static void
collect_losses (const NnConfig *cfg,
                const float    *x,
                float          *losses,
                int             steps)
{
  NnModel *model = new_model (cfg);
  NnTrainer *tr = new_trainer (model, x, N_SAMPLES);
  NnError err = { 0 };
  int i;

  for (i = 0; i < steps; i++)
    {
      g_assert_cmpint (nn_trainer_step (tr, &err), ==, NN_OK);
      losses[i] = nn_trainer_eval_loss (tr, x, 32);
    }
  nn_trainer_free (tr);
  nn_model_free (model);
}

static void
test_determinism (void)
{
  const char *const kinds[][4] = {
    { "kind", "plain", "dropout", "0.2" },
    { "kind", "denoising", "noise", "gaussian:0.2" },
    { "kind", "denoising", "noise", "mask:0.3" },
    { "kind", "sparse", "sparsity", "kl:0.1,0.5" },
    { "kind", "vae", "beta", "0.5" },
    { "kind", "plain", "batch_norm", "true" },
  };
  float *x = make_data (N_SAMPLES);
  float a[40], b[40], c[40];
  gsize k;

  for (k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      NnConfig cfg;

      small_config (&cfg);
      g_assert_cmpint (nn_config_set (&cfg, kinds[k][2], kinds[k][3], NULL), ==, NN_OK);
      g_assert_cmpint (nn_config_set (&cfg, kinds[k][0], kinds[k][1], NULL), ==, NN_OK);
      collect_losses (&cfg, x, a, 40);
      collect_losses (&cfg, x, b, 40);
      g_assert_true (memcmp (a, b, sizeof a) == 0);
      cfg.seed = 2;
      collect_losses (&cfg, x, c, 40);
      g_assert_false (memcmp (a, c, sizeof a) == 0);
      /* And it learns. */
      g_assert_cmpfloat (a[39], <, a[0]);
      g_test_message ("%s %s=%s: loss %.5f → %.5f", kinds[k][1], kinds[k][2], kinds[k][3],
                      a[0], a[39]);
    }
  g_free (x);
}

/* A trainer zeroes its optimizer state on first use, not when made (a
 * window makes trainers on its main thread): from heap memory full of
 * junk, a fresh trainer's state exports as zeros (two fresh trainers export
 * the same bytes), and a trainer that took that state trains exactly as one
 * that never saw it. */
static void
test_fresh_state (void)
{
  float *x = make_data (N_SAMPLES);
  float a[20], c[20];
  NnConfig cfg;
  NnModel *mb, *mc, *md;
  NnTrainer *tb, *tc, *td;
  NnError err = { 0 };
  size_t size;
  guint8 *sb, *sd;

  for (int i = 0; i < 256; i++)
    {
      void *junk = g_malloc (4096);

      memset (junk, 0xFF, 4096);
      g_free (junk);
    }
  small_config (&cfg);
  collect_losses (&cfg, x, a, 20);
  g_assert_true (isfinite (a[19]) && a[19] < a[0]);

  mb = new_model (&cfg);
  tb = new_trainer (mb, x, N_SAMPLES);
  md = new_model (&cfg);
  td = new_trainer (md, x, N_SAMPLES);
  size = nn_trainer_export_state (tb, NULL, 0);
  g_assert_cmpuint (size, >, 0);
  g_assert_cmpuint (nn_trainer_export_state (td, NULL, 0), ==, size);
  sb = g_malloc (size);
  sd = g_malloc (size);
  nn_trainer_export_state (tb, sb, size);
  nn_trainer_export_state (td, sd, size);
  g_assert_true (memcmp (sb, sd, size) == 0);

  mc = new_model (&cfg);
  tc = new_trainer (mc, x, N_SAMPLES);
  g_assert_cmpint (nn_trainer_import_state (tc, sb, size, &err), ==, NN_OK);
  for (int i = 0; i < 20; i++)
    {
      g_assert_cmpint (nn_trainer_step (tc, &err), ==, NN_OK);
      c[i] = nn_trainer_eval_loss (tc, x, 32);
    }
  g_assert_true (memcmp (a, c, sizeof a) == 0);

  g_free (sb);
  g_free (sd);
  nn_trainer_free (tb);
  nn_trainer_free (tc);
  nn_trainer_free (td);
  nn_model_free (mb);
  nn_model_free (mc);
  nn_model_free (md);
  g_free (x);
}

/* ---------------------------------------------------------------- no allocation */

static void
test_no_alloc (void)
{
  NnConfig cfg;
  NnModel *model;
  NnTrainer *tr;
  NnError err = { 0 };
  float *x = make_data (N_SAMPLES);
  uint64_t before;
  int i, interposed = 0;

  small_config (&cfg);
  nn_config_set (&cfg, "dropout", "0.1", NULL);
  model = new_model (&cfg);
  tr = new_trainer (model, x, N_SAMPLES);
  g_assert_cmpint (nn_trainer_step (tr, &err), ==, NN_OK);   /* BLAS warms up */

  before = nn_alloc_count ();
  if (alloc_counter_available ())
    alloc_counter_start ();
  /* 50 steps cross several epoch ends (12 steps each) and their validation. */
  for (i = 0; i < 50; i++)
    g_assert_cmpint (nn_trainer_step (tr, &err), ==, NN_OK);
  if (alloc_counter_available ())
    interposed = alloc_counter_stop ();
  g_assert_cmpuint (nn_alloc_count (), ==, before);
  g_assert_cmpint (interposed, ==, 0);
  g_assert_cmpint (nn_trainer_epochs_done (tr), ==, 4);

  nn_trainer_free (tr);
  nn_model_free (model);

  /* The other layer kinds keep the promise too: conv, transposed conv, batch
   * norm, dropout on conv maps, VAE sampling. */
  small_config (&cfg);
  nn_config_set (&cfg, "arch", "c4k3s2,d6", NULL);
  nn_config_set (&cfg, "batch_norm", "true", NULL);
  nn_config_set (&cfg, "dropout", "0.1", NULL);
  nn_config_set (&cfg, "kind", "vae", NULL);
  model = new_model (&cfg);
  tr = new_trainer (model, x, N_SAMPLES);
  g_assert_cmpint (nn_trainer_step (tr, &err), ==, NN_OK);
  before = nn_alloc_count ();
  if (alloc_counter_available ())
    alloc_counter_start ();
  for (i = 0; i < 30; i++)
    g_assert_cmpint (nn_trainer_step (tr, &err), ==, NN_OK);
  if (alloc_counter_available ())
    interposed = alloc_counter_stop ();
  g_assert_cmpuint (nn_alloc_count (), ==, before);
  g_assert_cmpint (interposed, ==, 0);
  nn_trainer_free (tr);
  nn_model_free (model);
  g_free (x);
}

/* ---------------------------------------------------------------- cancel */

typedef struct
{
  NnTrainer *tr;
  NnModel   *model;
  int        steps;
  int        epoch_ends;
  int        cancel_at;
  float      last_lr;
  float      bad_lr_after_epoch;   /* > 0: set this lr after that epoch ... */
  int        bad_epoch;
  float     *best_params;
  int        best_epoch;
  float      best_val;
  gint       atomic_step;
} RunState;

static void
on_progress (const NnProgress *p,
             void             *user_data)
{
  RunState *s = user_data;

  g_atomic_int_set (&s->atomic_step, (int) p->step);
  g_assert_cmpint (p->steps_per_epoch, >, 0);
  g_assert_true (isfinite (p->train_loss));
  if (!p->epoch_end)
    {
      s->steps++;
      s->last_lr = p->lr;
      g_assert_cmpint (p->step, ==, s->steps);
    }
  else
    {
      s->epoch_ends++;
      g_assert_true (isfinite (p->val_loss));
      if (s->best_params != NULL && p->val_loss < s->best_val)
        {
          /* The model now holds exactly the weights this val loss was measured on. */
          s->best_val = p->val_loss;
          s->best_epoch = p->epoch;
          memcpy (s->best_params, nn_model_params (s->model),
                  nn_model_n_params (s->model) * sizeof (float));
        }
      if (s->bad_lr_after_epoch > 0.0f && p->epoch == s->bad_epoch)
        nn_trainer_set_lr (s->tr, s->bad_lr_after_epoch);
    }
  if (s->cancel_at > 0 && p->step == s->cancel_at)
    nn_trainer_cancel (s->tr);
}

static void
test_cancel (void)
{
  NnConfig cfg;
  NnModel *model;
  RunState s = { 0 };
  NnError err = { 0 };
  float *x = make_data (N_SAMPLES);

  small_config (&cfg);
  model = new_model (&cfg);
  s.tr = new_trainer (model, x, N_SAMPLES);
  s.model = model;
  s.cancel_at = 5;
  g_assert_cmpint (nn_trainer_run (s.tr, on_progress, &s, &err), ==, NN_ERR_CANCELLED);
  g_assert_cmpint (err.code, ==, NN_ERR_CANCELLED);
  g_assert_cmpint (s.steps, ==, 5);
  /* The flag is consumed: the next run continues, for its epochs. */
  s.cancel_at = 0;
  nn_trainer_set_extra_epochs (s.tr, 1);
  g_assert_cmpint (nn_trainer_run (s.tr, on_progress, &s, &err), ==, NN_OK);
  g_assert_cmpint (nn_trainer_epochs_done (s.tr), ==, 1);
  g_assert_cmpint (s.steps, ==, 12);
  nn_trainer_set_extra_epochs (s.tr, 2);
  g_assert_cmpint (nn_trainer_run (s.tr, on_progress, &s, &err), ==, NN_OK);
  g_assert_cmpint (nn_trainer_epochs_done (s.tr), ==, 3);
  g_assert_cmpint (s.epoch_ends, ==, 3);

  nn_trainer_free (s.tr);
  nn_model_free (model);
  g_free (x);
}

/* ---------------------------------------------------------------- divergence */

static void
test_diverge (void)
{
  NnConfig cfg;
  NnModel *model;
  NnTrainer *tr;
  NnError err = { 0 };
  RunState s = { 0 };
  float *x = make_data (N_SAMPLES);
  const float *p;
  size_t i;

  small_config (&cfg);
  nn_config_set (&cfg, "optimizer", "sgd", NULL);
  nn_config_set (&cfg, "out_activation", "identity", NULL);
  nn_config_set (&cfg, "lr", "1e4", NULL);
  model = new_model (&cfg);
  tr = new_trainer (model, x, N_SAMPLES);
  s.tr = tr;
  s.model = model;
  g_assert_cmpint (nn_trainer_run (tr, on_progress, &s, &err), ==, NN_ERR_DIVERGED);
  g_test_message ("%s", err.message);
  g_assert_nonnull (strstr (err.message, "Training diverged at step"));
  g_assert_nonnull (strstr (err.message, "lower the learning rate"));
  /* The step named is the one after the last reported good step. */
  {
    g_autofree char *want = g_strdup_printf ("step %d ", s.steps + 1);

    g_assert_nonnull (strstr (err.message, want));
  }
  p = nn_model_params (model);
  for (i = 0; i < nn_model_n_params (model); i++)
    g_assert_true (isfinite (p[i]));
  /* Those weights still give a finite loss. */
  g_assert_true (isfinite (nn_trainer_eval_loss (tr, x, 32)));

  nn_trainer_free (tr);
  nn_model_free (model);
  g_free (x);
}

/* ---------------------------------------------------------------- early stopping */

static void
test_early_stopping (void)
{
  NnConfig cfg;
  NnModel *model;
  RunState s = { 0 };
  NnError err = { 0 };
  float *x = make_data (N_SAMPLES);

  small_config (&cfg);
  nn_config_set (&cfg, "patience", "1", NULL);
  nn_config_set (&cfg, "epochs", "20", NULL);
  model = new_model (&cfg);
  s.model = model;
  s.tr = new_trainer (model, x, N_SAMPLES);
  s.best_params = g_new (float, nn_model_n_params (model));
  s.best_val = INFINITY;
  /* After 3 good epochs, an absurd lr ruins the next one: stop, restore. */
  s.bad_lr_after_epoch = 1.0f;
  s.bad_epoch = 2;
  g_assert_cmpint (nn_trainer_run (s.tr, on_progress, &s, &err), ==, NN_OK);
  g_test_message ("stopped after %d epochs, best epoch %d", nn_trainer_epochs_done (s.tr), s.best_epoch);
  /* Patience 1: it stops one epoch after the best. */
  g_assert_cmpint (s.best_epoch, >=, 0);
  g_assert_cmpint (s.best_epoch, <=, 2);
  g_assert_cmpint (nn_trainer_epochs_done (s.tr), ==, s.best_epoch + 2);
  g_assert_true (memcmp (s.best_params, nn_model_params (model),
                         nn_model_n_params (model) * sizeof (float)) == 0);

  g_free (s.best_params);
  nn_trainer_free (s.tr);
  nn_model_free (model);
  g_free (x);
}

/* ---------------------------------------------------------------- schedules */

static void
test_schedules (void)
{
  NnConfig cfg;
  NnModel *model;
  RunState s = { 0 };
  NnError err = { 0 };
  float *x = make_data (N_SAMPLES);

  small_config (&cfg);
  nn_config_set (&cfg, "schedule", "step", NULL);
  nn_config_set (&cfg, "lr_step", "2", NULL);
  nn_config_set (&cfg, "lr_gamma", "0.5", NULL);
  nn_config_set (&cfg, "epochs", "5", NULL);
  model = new_model (&cfg);
  s.model = model;
  s.tr = new_trainer (model, x, N_SAMPLES);
  g_assert_cmpint (nn_trainer_run (s.tr, on_progress, &s, &err), ==, NN_OK);
  /* Epoch 4 runs at lr · 0.5². */
  g_assert_cmpfloat_with_epsilon (s.last_lr, 0.01f * 0.25f, 1e-9);
  nn_trainer_free (s.tr);
  nn_model_free (model);

  nn_config_set (&cfg, "schedule", "cosine", NULL);
  model = new_model (&cfg);
  memset (&s, 0, sizeof s);
  s.model = model;
  s.tr = new_trainer (model, x, N_SAMPLES);
  g_assert_cmpint (nn_trainer_run (s.tr, on_progress, &s, &err), ==, NN_OK);
  g_assert_cmpfloat_with_epsilon (s.last_lr, 0.01f * 0.5f * (1.0f + cosf (G_PI * 4 / 5)), 1e-7);
  nn_trainer_free (s.tr);
  nn_model_free (model);

  /* Plateau: with an lr too small to improve anything, the factor halves
   * after lr_step + 1 epochs without improvement (after epoch 2), so epoch 4
   * runs at half the lr. */
  nn_config_set (&cfg, "schedule", "plateau", NULL);
  nn_config_set (&cfg, "lr_step", "1", NULL);
  nn_config_set (&cfg, "lr", "1e-9", NULL);
  model = new_model (&cfg);
  memset (&s, 0, sizeof s);
  s.model = model;
  s.tr = new_trainer (model, x, N_SAMPLES);
  g_assert_cmpint (nn_trainer_run (s.tr, on_progress, &s, &err), ==, NN_OK);
  g_assert_cmpfloat_with_epsilon (s.last_lr, 0.5e-9f, 1e-15);
  nn_trainer_free (s.tr);
  nn_model_free (model);
  g_free (x);
}

/* ---------------------------------------------------------------- pause + step */

static gpointer
run_thread (gpointer data)
{
  RunState *s = data;
  NnError err = { 0 };

  return GINT_TO_POINTER (nn_trainer_run (s->tr, on_progress, s, &err));
}

static gboolean
wait_for_step (RunState *s,
               int       step)
{
  int i;

  for (i = 0; i < 10000; i++)
    {
      if (g_atomic_int_get (&s->atomic_step) >= step)
        return TRUE;
      g_usleep (1000);
    }
  return FALSE;
}

static void
test_pause_single_step (void)
{
  NnConfig cfg;
  NnModel *model;
  RunState s = { 0 };
  float *x = make_data (N_SAMPLES);
  GThread *thread;

  small_config (&cfg);
  model = new_model (&cfg);
  s.model = model;
  s.tr = new_trainer (model, x, N_SAMPLES);
  nn_trainer_set_paused (s.tr, true);
  thread = g_thread_new ("trainer", run_thread, &s);

  g_usleep (30000);
  g_assert_cmpint (g_atomic_int_get (&s.atomic_step), ==, 0);
  nn_trainer_request_single_step (s.tr);
  g_assert_true (wait_for_step (&s, 1));
  g_usleep (30000);
  g_assert_cmpint (g_atomic_int_get (&s.atomic_step), ==, 1);
  nn_trainer_request_single_step (s.tr);
  nn_trainer_request_single_step (s.tr);
  g_assert_true (wait_for_step (&s, 3));
  g_usleep (30000);
  g_assert_cmpint (g_atomic_int_get (&s.atomic_step), ==, 3);
  /* Resume: it runs to the end of its epochs. */
  nn_trainer_set_paused (s.tr, false);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, NN_OK);
  g_assert_cmpint (nn_trainer_epochs_done (s.tr), ==, cfg.epochs);

  /* Cancel wakes a paused trainer. */
  nn_trainer_set_paused (s.tr, true);
  nn_trainer_set_extra_epochs (s.tr, 1);
  thread = g_thread_new ("trainer", run_thread, &s);
  g_usleep (20000);
  nn_trainer_cancel (s.tr);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, NN_ERR_CANCELLED);

  nn_trainer_free (s.tr);
  nn_model_free (model);
  g_free (x);
}

/* ---------------------------------------------------------------- snapshots */

typedef struct
{
  NnTrainer   *tr;
  NnModel     *model;
  const float *x;
  gint         stop;
  gint         last_seen;   /* step of the newest snapshot read */
  int          reads;
  int          distinct;
} Reader;

/* On a busy machine the reader might not be scheduled during a short run:
 * at each epoch end, give it up to 5 s to catch up with the previous one's
 * snapshot, so the test proves concurrent reads instead of hoping for them. */
static void
on_progress_wait_reader (const NnProgress *p,
                         void             *user_data)
{
  Reader *r = user_data;
  int i;

  if (!p->epoch_end || p->epoch < 1)
    return;
  for (i = 0; i < 5000; i++)
    {
      if (g_atomic_int_get (&r->last_seen) >= p->steps_per_epoch * p->epoch)
        break;
      g_usleep (1000);
    }
}

static gpointer
reader_thread (gpointer data)
{
  Reader *r = data;
  NnInference *inf = nn_inference_new (r->model, 8, NULL);
  float y[8 * DIM];
  int64_t last = -1;

  while (!g_atomic_int_get (&r->stop))
    {
      NnSnapshot *snap = nn_trainer_dup_snapshot (r->tr);
      size_t i;

      if (snap == NULL)
        {
          g_thread_yield ();
          continue;
        }
      g_assert_cmpuint (snap->n_params, ==, nn_model_n_params (r->model));
      g_assert_cmpint (snap->step, >=, last);
      if (snap->step != last)
        r->distinct++;
      last = snap->step;
      g_atomic_int_set (&r->last_seen, (int) snap->step);
      for (i = 0; i < snap->n_params; i++)
        g_assert_true (isfinite (snap->params[i]));
      g_assert_cmpint (nn_inference_reconstruct (inf, snap->params, snap->stats, r->x, 8, y, NULL), ==, NN_OK);
      nn_snapshot_unref (snap);
      r->reads++;
    }
  nn_inference_free (inf);
  return NULL;
}

static void
test_snapshots (void)
{
  NnConfig cfg;
  NnModel *model;
  NnTrainer *tr;
  NnError err = { 0 };
  Reader r = { 0 };
  float *x = make_data (N_SAMPLES);
  GThread *thread;
  NnSnapshot *snap;

  small_config (&cfg);
  nn_config_set (&cfg, "epochs", "30", NULL);
  model = new_model (&cfg);
  tr = new_trainer (model, x, N_SAMPLES);
  g_assert_null (nn_trainer_dup_snapshot (tr));
  nn_trainer_set_snapshot_interval (tr, 1);
  r.tr = tr;
  r.model = model;
  r.x = x;
  thread = g_thread_new ("reader", reader_thread, &r);
  g_assert_cmpint (nn_trainer_run (tr, on_progress_wait_reader, &r, &err), ==, NN_OK);
  g_atomic_int_set (&r.stop, 1);
  g_thread_join (thread);
  g_test_message ("%d snapshot reads, %d distinct snapshots", r.reads, r.distinct);
  g_assert_cmpint (r.reads, >, 0);
  g_assert_cmpint (r.distinct, >=, 3);

  /* The last one published is the final model. */
  snap = nn_trainer_dup_snapshot (tr);
  g_assert_nonnull (snap);
  g_assert_cmpint (snap->epoch, ==, 30);
  g_assert_true (memcmp (snap->params, nn_model_params (model),
                         nn_model_n_params (model) * sizeof (float)) == 0);
  /* A reference outlives the trainer. */
  nn_trainer_free (tr);
  g_assert_true (isfinite (snap->params[0]));
  nn_snapshot_unref (snap);
  nn_model_free (model);
  g_free (x);
}

/* The trainer steps each layer's parameters during backward; that must equal
 * one whole-buffer optimizer step after a full pass. Full-batch training
 * makes the two see the same rows (only their order differs, so sums may
 * differ in the last bits; SGD, unlike Adam, keeps such differences small). */
static void
test_per_layer_update (void)
{
  NnConfig cfg;
  NnModel *a, *b;
  NnTrainer *tr;
  NnWork work;
  NnOptimState opt = { 0 };
  NnError err = { 0 };
  NnLosses l;
  float *x = make_data (32);
  float *g, *m, *v;
  const float *pa, *pb;
  size_t np, i;
  int step;

  small_config (&cfg);
  nn_config_set (&cfg, "batch", "32", NULL);
  nn_config_set (&cfg, "val_split", "0", NULL);
  nn_config_set (&cfg, "batch_norm", "true", NULL);
  nn_config_set (&cfg, "optimizer", "sgd", NULL);
  nn_config_set (&cfg, "lr", "0.5", NULL);
  a = new_model (&cfg);
  b = new_model (&cfg);
  np = nn_model_n_params (a);
  tr = new_trainer (a, x, 32);
  g_assert_cmpint (nn_work_init (&work, b, 32, TRUE, &err), ==, NN_OK);
  g = g_new0 (float, np);
  m = g_new0 (float, np);
  v = g_new0 (float, np);
  opt.kind = cfg.optimizer;
  opt.lr = cfg.lr;
  opt.momentum = cfg.momentum;
  opt.beta1 = cfg.beta1;
  opt.beta2 = cfg.beta2;
  opt.eps = cfg.eps;
  for (step = 0; step < 3; step++)
    {
      g_assert_cmpint (nn_trainer_step (tr, &err), ==, NN_OK);
      nn_model_pass (b, &work, nn_model_params (b), nn_model_stats (b), g, x, x, 32, NULL,
                     1.0f, &l);
      nn_optim_step (&opt, nn_model_params (b), g, m, v, NULL, np);
    }
  pa = nn_model_params (a);
  pb = nn_model_params (b);
  for (i = 0; i < np; i++)
    g_assert_cmpfloat_with_epsilon (pa[i], pb[i], 1e-5f * (1.0f + fabsf (pb[i])));
  /* And the steps did move every layer's weights and biases. */
  {
    NnModel *c = new_model (&cfg);
    int li;

    for (li = 0; li < a->n_layers; li++)
      {
        const NnLayer *layer = &a->layers[li];

        g_assert_false (memcmp (pa + layer->w_off, nn_model_params (c) + layer->w_off,
                                layer->n_w * sizeof (float)) == 0);
        /* (A bias just before batch norm has no effect and no gradient.) */
        if (!layer->batch_norm)
          g_assert_false (memcmp (pa + layer->b_off, nn_model_params (c) + layer->b_off,
                                  layer->n_b * sizeof (float)) == 0);
        else
          g_assert_false (memcmp (pa + layer->gamma_off, nn_model_params (c) + layer->gamma_off,
                                  2 * layer->out_c * sizeof (float)) == 0);
      }
    nn_model_free (c);
  }
  for (i = 0; i < nn_model_n_stats (a); i++)
    g_assert_cmpfloat_with_epsilon (nn_model_stats (a)[i], nn_model_stats (b)[i], 1e-5f);
  g_free (g);
  g_free (m);
  g_free (v);
  nn_work_clear (&work);
  nn_trainer_free (tr);
  nn_model_free (a);
  nn_model_free (b);
  g_free (x);
}

static void
test_trainer_bad_input (void)
{
  NnConfig cfg;
  NnModel *model;
  NnError err = { 0 };
  float *x = make_data (4);

  small_config (&cfg);
  model = new_model (&cfg);
  g_assert_null (nn_trainer_new (model, NULL, 10, &err));
  g_assert_cmpint (err.code, ==, NN_ERR_INVALID);
  g_assert_null (nn_trainer_new (model, x, 0, &err));
  /* Fewer rows than a batch still trains, on all of them. */
  {
    NnTrainer *tr = nn_trainer_new (model, x, 4, &err);

    g_assert_nonnull (tr);
    g_assert_cmpint (nn_trainer_step (tr, &err), ==, NN_OK);
    nn_trainer_free (tr);
  }
  nn_model_free (model);
  g_free (x);
}

/* The evaluation noise: seeded, clamped to [0, 1], masks about p of the values. */
static void
test_noise_apply (void)
{
  enum { N = 20000 };
  static float a[N], b[N];
  int zeros = 0, changed = 0;

  for (int i = 0; i < N; i++)
    a[i] = b[i] = (float) (i % 11) / 10.0f;
  nn_noise_apply (NN_NOISE_GAUSSIAN, 0.3f, 7, a, N);
  nn_noise_apply (NN_NOISE_GAUSSIAN, 0.3f, 7, b, N);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  for (int i = 0; i < N; i++)
    {
      g_assert_cmpfloat (a[i], >=, 0.0f);
      g_assert_cmpfloat (a[i], <=, 1.0f);
      changed += a[i] != (float) (i % 11) / 10.0f;
    }
  g_assert_cmpint (changed, >, N * 9 / 10);
  nn_noise_apply (NN_NOISE_GAUSSIAN, 0.3f, 8, b, N);
  g_assert_true (memcmp (a, b, sizeof a) != 0);

  for (int i = 0; i < N; i++)
    a[i] = 0.5f;
  nn_noise_apply (NN_NOISE_MASK, 0.25f, 1, a, N);
  for (int i = 0; i < N; i++)
    {
      g_assert_true (a[i] == 0.0f || a[i] == 0.5f);
      zeros += a[i] == 0.0f;
    }
  g_assert_cmpint (zeros, >, N / 4 - N / 40);
  g_assert_cmpint (zeros, <, N / 4 + N / 40);
  memcpy (b, a, sizeof a);
  nn_noise_apply (NN_NOISE_NONE, 0.9f, 1, a, N);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
}

/* An explicit validation set: every training row trains, and the validation
 * loss at each epoch end is the loss on exactly those other rows. */
typedef struct
{
  int   epochs;
  int   steps_per_epoch;
  float last_val;
} ValState;

static void
on_progress_val (const NnProgress *p,
                 void             *user_data)
{
  ValState *s = user_data;

  s->steps_per_epoch = p->steps_per_epoch;
  if (p->epoch_end)
    {
      s->epochs++;
      s->last_val = p->val_loss;
    }
}

static void
test_explicit_validation (void)
{
  g_autofree float *x = make_data (N_SAMPLES + 40);
  const float *xv = x + (gsize) N_SAMPLES * DIM;
  NnConfig cfg;
  NnError err = { 0 };
  NnModel *model;
  NnTrainer *tr;
  ValState s = { 0 };
  float val_a, val_b;

  small_config (&cfg);
  g_assert_cmpint (nn_config_set (&cfg, "epochs", "2", NULL), ==, NN_OK);
  model = new_model (&cfg);

  g_assert_null (nn_trainer_new_with_validation (model, x, N_SAMPLES, NULL, 10, &err));
  g_assert_cmpint (err.code, ==, NN_ERR_INVALID);
  g_assert_null (nn_trainer_new_with_validation (model, x, N_SAMPLES, xv, 0, &err));
  g_assert_cmpint (err.code, ==, NN_ERR_INVALID);

  tr = nn_trainer_new_with_validation (model, x, N_SAMPLES, xv, 40, &err);
  g_assert_nonnull (tr);
  g_assert_cmpint (nn_trainer_run (tr, on_progress_val, &s, &err), ==, NN_OK);
  g_assert_cmpint (s.epochs, ==, 2);
  /* val_split 0.2 is ignored: all 240 rows train, 240 / 16 steps. */
  g_assert_cmpint (s.steps_per_epoch, ==, N_SAMPLES / 16);

  /* The trainer's validation loss is the loss on xv and nothing else (the
   * last epoch's weights are the final ones: no early stop). */
  val_a = nn_trainer_eval_loss (tr, xv, 40);
  val_b = nn_trainer_eval_loss (tr, x, 40);
  g_assert_cmpfloat_with_epsilon (s.last_val, val_a, 1e-6 + 1e-5 * val_a);
  g_assert_cmpfloat (fabsf (val_a - val_b), >, 1e-6);
  nn_trainer_free (tr);
  nn_model_free (model);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/trainer/determinism", test_determinism);
  g_test_add_func ("/nn/trainer/fresh-state", test_fresh_state);
  g_test_add_func ("/nn/trainer/no-alloc", test_no_alloc);
  g_test_add_func ("/nn/trainer/cancel", test_cancel);
  g_test_add_func ("/nn/trainer/diverge", test_diverge);
  g_test_add_func ("/nn/trainer/early-stopping", test_early_stopping);
  g_test_add_func ("/nn/trainer/schedules", test_schedules);
  g_test_add_func ("/nn/trainer/pause-single-step", test_pause_single_step);
  g_test_add_func ("/nn/trainer/snapshots", test_snapshots);
  g_test_add_func ("/nn/trainer/per-layer-update", test_per_layer_update);
  g_test_add_func ("/nn/trainer/bad-input", test_trainer_bad_input);
  g_test_add_func ("/nn/trainer/noise-apply", test_noise_apply);
  g_test_add_func ("/nn/trainer/explicit-validation", test_explicit_validation);
  return g_test_run ();
}

/* btl-train-page-tasks.c — the Train page's background work.
 *
 * Two kinds of short-lived GTask threads read parameter snapshots while the
 * trainer keeps writing its own buffer: the grid decode (every snapshot,
 * newest wins) and the test-PSNR evaluation (at most every few seconds).
 * Each holds the worker (so the model outlives it) and the application (so
 * the process does not exit while a thread is inside BLAS); results are
 * dropped when the page was disposed or has moved on to another model.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-app-hold.h"
#include "btl-frame-budget.h"
#include "btl-error.h"
#include "btl-evaluate.h"
#include "btl-train-page-private.h"

#define N_EVAL_TEST  1000
/* Test PSNR is a luxury next to training: at most one evaluation (about
 * 1,000 forward passes) every this many µs, so it never takes a core. */
#define EVAL_INTERVAL_US (3 * G_USEC_PER_SEC)

/* While training the grid shows new weights at most this often (the issue
 * asks for twice a second; a refresh is a few ms of the window's frame). */
#define DECODE_INTERVAL_US (400 * 1000)

/* ------------------------------------------------------------ grid */

/* The showcase is decoded in a short-lived thread, not on the main thread:
 * the forward pass itself is ~1 ms, but OpenBLAS serialises concurrent
 * callers, so on the main thread it would wait for the trainer's GEMMs
 * (measured: 65 ms mean, 330 ms worst on a loaded machine). Only the
 * upload into the grid widget runs on the main thread. */
typedef struct
{
  BtlTrainingWorker *worker;    /* keeps the model alive */
  NnSnapshot        *snapshot;
  BtlDataset        *test;      /* to notice a data set change meanwhile */
  float             *x;         /* (n, dim) copy of the showcase */
  float             *y;         /* (n, dim) */
  int                n;
  gint64             decode_us;
  GApplication      *held;      /* released by decode_done (btl-app-hold.h) */
} DecodeData;

static void start_decode (BtlTrainPage *self);

static void
decode_data_free (gpointer data)
{
  DecodeData *d = data;

  g_clear_object (&d->worker);
  g_clear_pointer (&d->snapshot, nn_snapshot_unref);
  g_clear_pointer (&d->test, btl_dataset_unref);
  g_free (d->x);
  g_free (d->y);
  g_free (d);
}

static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DecodeData *d = task_data;
  NnModel *model = btl_training_worker_get_model (d->worker);
  NnError nerr = { 0 };
  NnInference *inf;
  gint64 t0 = g_get_monotonic_time ();
  GError *error = NULL;

  inf = nn_inference_new (model, d->n, &nerr);
  if (inf == NULL ||
      nn_inference_reconstruct (inf, d->snapshot->params, d->snapshot->stats,
                                d->x, d->n, d->y, &nerr) != NN_OK)
    {
      g_clear_pointer (&inf, nn_inference_free);
      btl_error_from_nn (nerr.code != NN_OK ? nerr.code : NN_ERR_INVALID, &nerr, &error);
      g_task_return_error (task, error);
      return;
    }
  nn_inference_free (inf);
  d->decode_us = g_get_monotonic_time () - t0;
  g_task_return_boolean (task, TRUE);
}

/* The newest reconstructions (in showcase_y) into the grid. */
static void
show_decoded (GObject *owner)
{
  BtlTrainPage *self = BTL_TRAIN_PAGE (owner);
  g_autofree char *caption = NULL;
  gint64 t0, dt;

  if (!self->grid_pending)
    return;
  self->grid_pending = FALSE;
  /* The page may have been closed while this waited for its frame. */
  if (g_cancellable_is_cancelled (self->cancellable) || self->grid == NULL
      || self->test == NULL || self->showcase_y == NULL)
    return;

  t0 = g_get_monotonic_time ();
  btl_image_grid_set_images (self->grid, self->showcase_x, self->showcase_y, self->n_showcase,
                             self->test->channels, self->test->height, self->test->width);
  if (self->grid_pending_step > 0)
    /* Translators: above the grid of test images and their reconstructions */
    caption = g_strdup_printf (_("Test images and their reconstructions by the weights of step %lld"),
                               (long long) self->grid_pending_step);
  else
    caption = g_strdup (_("Test images and their reconstructions"));
  gtk_inscription_set_text (self->grid_caption, caption);

  dt = g_get_monotonic_time () - t0;
  self->n_grid_refreshes++;
  self->grid_us_total += dt;
  self->grid_us_max = MAX (self->grid_us_max, dt);
  self->decode_us_total += self->grid_pending_decode_us;
  self->decode_us_max = MAX (self->decode_us_max, self->grid_pending_decode_us);
}

static void
decode_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(BtlTrainPage) self = user_data;
  DecodeData *d = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->decode_running = FALSE;
  btl_app_release (g_steal_pointer (&d->held));
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    btl_train_page_show_message (self, error->message);
  else if (d->worker == self->worker && d->test == self->test && d->n == self->n_showcase)
    {
      memcpy (self->showcase_y, d->y, sizeof (float) * (gsize) d->n * btl_dataset_dim (d->test));
      self->grid_pending_step = d->snapshot->step + self->step_base;
      self->grid_pending_decode_us = d->decode_us;
      if (!self->grid_pending)
        {
          self->grid_pending = TRUE;
          /* The plot took the next frame: the grid changes after it. */
          if (btl_frame_budget_claim (GTK_WIDGET (self->grid)))
            show_decoded (G_OBJECT (self));
          else
            btl_frame_budget_defer (GTK_WIDGET (self->grid), G_OBJECT (self), show_decoded);
        }
    }

  start_decode (self);
}

static gboolean
decode_timeout_cb (gpointer user_data)
{
  BtlTrainPage *self = user_data;

  self->decode_timeout_id = 0;
  start_decode (self);
  return G_SOURCE_REMOVE;
}

static void
start_decode (BtlTrainPage *self)
{
  g_autoptr(GTask) task = NULL;
  DecodeData *d;
  gint64 now = g_get_monotonic_time ();
  int dim;

  if (self->decode_running || self->decode_next == NULL || self->worker == NULL ||
      self->test == NULL || self->n_showcase == 0)
    return;

  /* While training, keep to the pace; a finished run's weights show at once. */
  if (self->state == BTL_TRAIN_STATE_RUNNING && now - self->last_decode_us < DECODE_INTERVAL_US)
    {
      if (self->decode_timeout_id == 0)
        self->decode_timeout_id =
          g_timeout_add ((guint) ((self->last_decode_us + DECODE_INTERVAL_US - now) / 1000) + 1,
                         decode_timeout_cb, self);
      return;
    }
  g_clear_handle_id (&self->decode_timeout_id, g_source_remove);
  self->last_decode_us = now;

  dim = btl_dataset_dim (self->test);
  if (nn_model_input_dim (btl_training_worker_get_model (self->worker)) != dim)
    {
      g_clear_pointer (&self->decode_next, nn_snapshot_unref);
      return;
    }

  d = g_new0 (DecodeData, 1);
  d->worker = g_object_ref (self->worker);
  d->snapshot = g_steal_pointer (&self->decode_next);
  d->test = btl_dataset_ref (self->test);
  d->n = self->n_showcase;
  d->x = g_memdup2 (self->showcase_x, sizeof (float) * (gsize) d->n * dim);
  d->y = g_new (float, (gsize) d->n * dim);

  /* The process must not exit while the thread is inside BLAS. The page
   * rides in the callback's data, not as the task's source: the task's last
   * reference may go in the pool thread, and a widget must be finalized on
   * the main thread. */
  d->held = btl_app_hold ();
  self->decode_running = TRUE;
  task = g_task_new (NULL, self->cancellable, decode_done, g_object_ref (self));
  g_task_set_name (task, "[bottleneck] reconstruction grid");
  g_task_set_task_data (task, d, decode_data_free);
  g_task_run_in_thread (task, decode_thread);
}

void
_btl_train_page_refresh_grid (BtlTrainPage *self,
                              NnSnapshot   *snap)
{
  g_clear_pointer (&self->decode_next, nn_snapshot_unref);
  self->decode_next = nn_snapshot_ref (snap);
  start_decode (self);
}

/* ------------------------------------------------------------ test PSNR */

typedef struct
{
  BtlTrainingWorker *worker;    /* keeps the model alive */
  NnSnapshot        *snapshot;
  BtlDataset        *test;
  double             psnr;
  guint              run;       /* the page's run_serial the snapshot was taken in */
  GApplication      *held;      /* released by eval_done */
} EvalData;

static void
eval_data_free (gpointer data)
{
  EvalData *d = data;

  g_clear_object (&d->worker);
  g_clear_pointer (&d->snapshot, nn_snapshot_unref);
  g_clear_pointer (&d->test, btl_dataset_unref);
  g_free (d);
}

static void
eval_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  EvalData *d = task_data;
  BtlEvalResult res = { 0 };
  GError *error = NULL;

  if (!btl_evaluate (btl_training_worker_get_model (d->worker), d->snapshot->params,
                     d->snapshot->stats, d->test, N_EVAL_TEST, &res, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  d->psnr = res.psnr_db;
  g_task_return_boolean (task, TRUE);
}

static void
eval_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(BtlTrainPage) self = user_data;
  EvalData *d = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->eval_running = FALSE;
  btl_app_release (g_steal_pointer (&d->held));
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("Test PSNR: %s", error->message);
  else if (d->worker == self->worker)
    {
      /* The weights an epoch ended with (the last ones of a run above all). */
      btl_loss_history_set_test_psnr (self->history, d->snapshot->step + self->step_base, d->psnr);
      /* The status line shows the current run's weights only: a run that
       * has just started showed the previous weights' PSNR (measured while
       * it started) until its own first measurement, 3 s later. */
      if (d->run == self->run_serial)
        {
          self->test_psnr = d->psnr;
          self->test_psnr_step = d->snapshot->step;
          _btl_train_page_update_psnr_label (self);
        }
    }

  _btl_train_page_start_eval (self);
}

static gboolean
eval_timeout_cb (gpointer user_data)
{
  BtlTrainPage *self = user_data;

  self->eval_timeout_id = 0;
  _btl_train_page_start_eval (self);
  return G_SOURCE_REMOVE;
}

void
_btl_train_page_start_eval (BtlTrainPage *self)
{
  g_autoptr(GTask) task = NULL;
  EvalData *d;
  gint64 now = g_get_monotonic_time ();

  if (self->eval_running || self->eval_next == NULL || self->worker == NULL || self->test == NULL)
    return;

  /* While training, keep to the budget; the final weights are evaluated at once. */
  if (self->state != BTL_TRAIN_STATE_IDLE && now - self->last_eval_us < EVAL_INTERVAL_US)
    {
      if (self->eval_timeout_id == 0)
        self->eval_timeout_id = g_timeout_add ((guint) ((self->last_eval_us + EVAL_INTERVAL_US - now) / 1000) + 1,
                                               eval_timeout_cb, self);
      return;
    }
  g_clear_handle_id (&self->eval_timeout_id, g_source_remove);
  self->last_eval_us = now;

  d = g_new0 (EvalData, 1);
  d->worker = g_object_ref (self->worker);
  d->snapshot = g_steal_pointer (&self->eval_next);
  d->run = self->eval_next_run;
  d->test = btl_dataset_ref (self->test);
  d->psnr = NAN;

  /* As for the grid: the application held, the page in the callback's data. */
  d->held = btl_app_hold ();
  self->eval_running = TRUE;
  task = g_task_new (NULL, self->cancellable, eval_done, g_object_ref (self));
  g_task_set_name (task, "[bottleneck] test PSNR");
  g_task_set_task_data (task, d, eval_data_free);
  g_task_run_in_thread (task, eval_thread);
}

void
_btl_train_page_queue_eval (BtlTrainPage *self,
                            NnSnapshot   *snap)
{
  g_clear_pointer (&self->eval_next, nn_snapshot_unref);
  self->eval_next = snap;
  self->eval_next_run = self->run_serial;
  _btl_train_page_start_eval (self);
}

void
_btl_train_page_forget_psnr (BtlTrainPage *self)
{
  self->run_serial++;
  self->test_psnr = NAN;
  self->test_psnr_step = -1;
  _btl_train_page_update_psnr_label (self);
}

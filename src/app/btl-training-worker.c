/* btl-training-worker.c — NnTrainer in a GTask thread, progress coalesced per frame.
 *
 * Threading model (like sysprof's document loader): the training thread only
 * appends NnProgress records to `pending` under `mutex` and, if no delivery is
 * scheduled yet, attaches one timeout source to the main context, timed so
 * that deliveries are at least one frame (16 ms) apart. The delivery runs on
 * the main thread, swaps the queue out and emits "progress" once for the
 * whole batch, then "snapshot" if the trainer published a newer one.
 *
 * Lifetime: the GTask holds a reference on the worker for as long as the
 * thread runs, and each scheduled delivery holds one too, so whoever drops
 * the last outside reference (a window closing mid-training) only needs to
 * call btl_training_worker_stop() and disconnect its handlers. The default
 * GApplication is held while the thread runs, so the process does not exit
 * underneath it.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "btl-error.h"
#include "btl-training-worker.h"

/* At most one delivery per frame at 60 Hz. */
#define DELIVERY_INTERVAL_US 16000

struct _BtlTrainingWorker
{
  GObject       parent_instance;

  /* owned */
  NnModel      *model;
  NnTrainer    *trainer;
  BtlDataset   *train;
  GMainContext *main_context;

  /* shared with the training thread, under mutex */
  GMutex        mutex;
  GArray       *pending;           /* NnProgress records not delivered yet */
  guint         delivery_scheduled : 1;
  gint64        last_delivery_us;

  /* main thread only */
  GArray       *delivering;
  gint64        last_snapshot_step;
  guint         n_deliveries;
  double        seconds_before;    /* accumulated over earlier runs and pauses */
  gint64        run_started_us;    /* 0 while not running or paused */
  guint         running : 1;
  guint         paused : 1;
  guint         held_application : 1;
};

G_DEFINE_FINAL_TYPE (BtlTrainingWorker, btl_training_worker, G_TYPE_OBJECT)

enum {
  PROGRESS,
  SNAPSHOT,
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
btl_training_worker_finalize (GObject *object)
{
  BtlTrainingWorker *self = BTL_TRAINING_WORKER (object);

  /* The task and every delivery hold a ref, so no thread can be running here. */
  g_assert (!self->running);

  g_clear_pointer (&self->trainer, nn_trainer_free);
  g_clear_pointer (&self->model, nn_model_free);
  g_clear_pointer (&self->train, btl_dataset_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->pending, g_array_unref);
  g_clear_pointer (&self->delivering, g_array_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (btl_training_worker_parent_class)->finalize (object);
}

static void
btl_training_worker_class_init (BtlTrainingWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = btl_training_worker_finalize;

  /**
   * BtlTrainingWorker::progress:
   * @records: (type gpointer): const NnProgress array, valid during emission
   * @n_records: how many
   *
   * Every step (and epoch end) since the previous emission, in order.
   */
  signals[PROGRESS] =
    g_signal_new ("progress",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_UINT);

  /**
   * BtlTrainingWorker::snapshot:
   * @snapshot: (type gpointer): an NnSnapshot; ref it to keep it
   */
  signals[SNAPSHOT] =
    g_signal_new ("snapshot",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);

  /**
   * BtlTrainingWorker::finished:
   * @error: (nullable): why training ended early (G_IO_ERROR_CANCELLED on Stop)
   */
  signals[FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
btl_training_worker_init (BtlTrainingWorker *self)
{
  g_mutex_init (&self->mutex);
  self->pending = g_array_new (FALSE, FALSE, sizeof (NnProgress));
  self->delivering = g_array_new (FALSE, FALSE, sizeof (NnProgress));
  self->main_context = g_main_context_ref_thread_default ();
  self->last_snapshot_step = -1;
}

BtlTrainingWorker *
btl_training_worker_new (NnModel     *model,
                         BtlDataset  *train,
                         GError     **error)
{
  g_autoptr(BtlTrainingWorker) self = NULL;
  NnError nerr = { 0 };

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (train != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (BTL_TYPE_TRAINING_WORKER, NULL);
  self->model = model;

  if (btl_dataset_dim (train) != nn_model_input_dim (model))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_SHAPE,
                   _("The model takes %d values per image but the data set has %d×%d×%d"),
                   nn_model_input_dim (model),
                   train->channels, train->height, train->width);
      return NULL;
    }

  self->train = btl_dataset_ref (train);
  self->trainer = nn_trainer_new (model, train->images, train->n, &nerr);
  if (self->trainer == NULL)
    {
      btl_error_from_nn (nerr.code != NN_OK ? nerr.code : NN_ERR_INVALID, &nerr, error);
      return NULL;
    }

  return g_steal_pointer (&self);
}

NnModel *
btl_training_worker_get_model (BtlTrainingWorker *self)
{
  g_return_val_if_fail (BTL_IS_TRAINING_WORKER (self), NULL);

  return self->model;
}

static void
account_time (BtlTrainingWorker *self)
{
  if (self->run_started_us != 0)
    self->seconds_before += (g_get_monotonic_time () - self->run_started_us) / 1e6;
  self->run_started_us = 0;
}

/* Main thread: hand the queued records to the signal handlers. */
static gboolean
deliver_cb (gpointer user_data)
{
  BtlTrainingWorker *self = user_data;
  NnSnapshot *snap;
  GArray *tmp;

  g_mutex_lock (&self->mutex);
  tmp = self->pending;
  self->pending = self->delivering;
  self->delivering = tmp;
  self->delivery_scheduled = FALSE;
  self->last_delivery_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->mutex);

  if (self->delivering->len > 0)
    {
      self->n_deliveries++;
      g_signal_emit (self, signals[PROGRESS], 0,
                     self->delivering->data, self->delivering->len);
      g_array_set_size (self->delivering, 0);
    }

  snap = nn_trainer_dup_snapshot (self->trainer);
  if (snap != NULL)
    {
      if (snap->step != self->last_snapshot_step)
        {
          self->last_snapshot_step = snap->step;
          g_signal_emit (self, signals[SNAPSHOT], 0, snap);
        }
      nn_snapshot_unref (snap);
    }

  return G_SOURCE_REMOVE;
}

/* Either thread, mutex held. */
static void
schedule_delivery_locked (BtlTrainingWorker *self)
{
  GSource *source;
  gint64 now, due;

  if (self->delivery_scheduled)
    return;

  now = g_get_monotonic_time ();
  due = self->last_delivery_us + DELIVERY_INTERVAL_US;
  source = g_timeout_source_new (due > now ? (guint) ((due - now) / 1000) : 0);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_name (source, "[bottleneck] training progress");
  g_source_set_callback (source, deliver_cb, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->main_context);
  g_source_unref (source);
  self->delivery_scheduled = TRUE;
}

/* Training thread: copy and return, as nn.h asks. */
static void
progress_cb (const NnProgress *progress,
             void             *user_data)
{
  BtlTrainingWorker *self = user_data;

  g_mutex_lock (&self->mutex);
  g_array_append_vals (self->pending, progress, 1);
  schedule_delivery_locked (self);
  g_mutex_unlock (&self->mutex);
}

static void
train_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  BtlTrainingWorker *self = source_object;
  NnError nerr = { 0 };
  NnStatus status;
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* "Automatic" threads in an interactive app: leave one core to the UI
   * (and the grid decode), or the window stutters at full training speed. */
  if (nn_model_get_config (self->model)->threads == 0)
    nn_set_threads (MAX (1, (int) g_get_num_processors () - 1));
  else
    nn_set_threads (nn_model_get_config (self->model)->threads);
  status = nn_trainer_run (self->trainer, progress_cb, self, &nerr);

  /* Records of the last steps may still be queued: flush them before the
   * result, so "finished" comes after the final "progress". */
  g_mutex_lock (&self->mutex);
  self->last_delivery_us = 0;
  schedule_delivery_locked (self);
  g_mutex_unlock (&self->mutex);

  if (status == NN_ERR_CANCELLED)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "%s", _("Training was stopped"));
  else if (status != NN_OK)
    {
      btl_error_from_nn (status, &nerr, &error);
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
emit_finished_cb (gpointer user_data)
{
  GTask *task = user_data;
  BtlTrainingWorker *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (task, &error);

  /* A delivery scheduled by the flush above is still pending: run it now so
   * handlers see every record before "finished". */
  deliver_cb (self);

  self->running = FALSE;
  self->paused = FALSE;
  account_time (self);

  if (self->held_application)
    {
      GApplication *app = g_application_get_default ();

      self->held_application = FALSE;
      if (app != NULL)
        g_application_release (app);
    }

  g_signal_emit (self, signals[FINISHED], 0, error);

  return G_SOURCE_REMOVE;
}

static void
train_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  emit_finished_cb (result);
}

void
btl_training_worker_start (BtlTrainingWorker *self,
                           int                extra_epochs)
{
  g_autoptr(GTask) task = NULL;
  GApplication *app;

  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));
  g_return_if_fail (!self->running);

  if (extra_epochs > 0)
    nn_trainer_set_extra_epochs (self->trainer, extra_epochs);

  nn_trainer_set_paused (self->trainer, FALSE);
  self->running = TRUE;
  self->paused = FALSE;
  self->run_started_us = g_get_monotonic_time ();

  app = g_application_get_default ();
  if (app != NULL)
    {
      g_application_hold (app);
      self->held_application = TRUE;
    }

  task = g_task_new (self, NULL, train_done_cb, NULL);
  g_task_set_source_tag (task, btl_training_worker_start);
  g_task_set_name (task, "[bottleneck] training");
  g_task_run_in_thread (task, train_thread);
}

gboolean
btl_training_worker_is_running (BtlTrainingWorker *self)
{
  g_return_val_if_fail (BTL_IS_TRAINING_WORKER (self), FALSE);

  return self->running;
}

gboolean
btl_training_worker_is_paused (BtlTrainingWorker *self)
{
  g_return_val_if_fail (BTL_IS_TRAINING_WORKER (self), FALSE);

  return self->running && self->paused;
}

void
btl_training_worker_set_paused (BtlTrainingWorker *self,
                                gboolean           paused)
{
  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));

  if (!self->running || self->paused == !!paused)
    return;

  self->paused = !!paused;
  nn_trainer_set_paused (self->trainer, self->paused);
  if (self->paused)
    account_time (self);
  else
    self->run_started_us = g_get_monotonic_time ();
}

void
btl_training_worker_single_step (BtlTrainingWorker *self)
{
  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));

  if (self->running && self->paused)
    nn_trainer_request_single_step (self->trainer);
}

void
btl_training_worker_stop (BtlTrainingWorker *self)
{
  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));

  if (!self->running)
    return;

  /* Cancel first: a paused trainer woken by the unpause must see it. */
  nn_trainer_cancel (self->trainer);
  nn_trainer_set_paused (self->trainer, FALSE);
}

void
btl_training_worker_set_lr (BtlTrainingWorker *self,
                            float              lr)
{
  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));
  nn_trainer_set_lr (self->trainer, lr);
}

void
btl_training_worker_set_noise_level (BtlTrainingWorker *self,
                                     float              level)
{
  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));
  nn_trainer_set_noise_level (self->trainer, level);
}

void
btl_training_worker_set_beta (BtlTrainingWorker *self,
                              float              beta)
{
  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));
  nn_trainer_set_beta (self->trainer, beta);
}

void
btl_training_worker_restore_best (BtlTrainingWorker *self)
{
  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));
  g_return_if_fail (!self->running);

  nn_trainer_restore_best (self->trainer);
}

int
btl_training_worker_epochs_done (BtlTrainingWorker *self)
{
  g_return_val_if_fail (BTL_IS_TRAINING_WORKER (self), 0);

  return nn_trainer_epochs_done (self->trainer);
}

NnSnapshot *
btl_training_worker_dup_snapshot (BtlTrainingWorker *self)
{
  g_return_val_if_fail (BTL_IS_TRAINING_WORKER (self), NULL);

  return nn_trainer_dup_snapshot (self->trainer);
}

double
btl_training_worker_get_seconds (BtlTrainingWorker *self)
{
  g_return_val_if_fail (BTL_IS_TRAINING_WORKER (self), 0);

  if (self->run_started_us == 0)
    return self->seconds_before;
  return self->seconds_before + (g_get_monotonic_time () - self->run_started_us) / 1e6;
}

guint
btl_training_worker_get_n_deliveries (BtlTrainingWorker *self)
{
  g_return_val_if_fail (BTL_IS_TRAINING_WORKER (self), 0);

  return self->n_deliveries;
}

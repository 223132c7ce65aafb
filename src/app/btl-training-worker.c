/* btl-training-worker.c — NnTrainer in a GTask thread, progress coalesced per frame.
 *
 * Threading model (like sysprof's document loader): the training thread only
 * appends NnProgress records to `pending` under `mutex` and, if no delivery is
 * scheduled yet, attaches one timeout source to the main context, timed so
 * that deliveries are at least DELIVERY_INTERVAL_US (50 ms) apart. The delivery runs on
 * the main thread, swaps the queue out and emits "progress" once for the
 * whole batch, then "snapshot" if the trainer published a newer one.
 *
 * Lifetime: a run is one joinable GThread. Starting it takes a reference
 * on the worker that the thread never drops itself: its last act is to
 * attach finish_cb to the main context, and finish_cb joins the thread before
 * it emits "finished" and drops that reference, on the main thread. So the
 * worker is always finalized on the main thread, after its thread has ended,
 * and whoever lets go of a running worker (a window closing mid-training)
 * only calls btl_training_worker_abandon() and disconnects its handlers. The
 * default GApplication is held while a thread runs, so g_application_run()
 * does not return underneath it; btl_training_worker_join_all() (called at
 * application shutdown) is the backstop for every other way out.
 *
 * When a run ends (all epochs, early stopping or Stop), the thread also
 * computes the latent statistics of the weights it leaves (min, max, mean,
 * σ per code dimension over the first training images, as the CLI does), so
 * a model saved from the app carries its codec's quantiser ranges.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "btl-app-hold.h"
#include "btl-error.h"
#include "btl-latent.h"
#include "btl-project.h"
#include "btl-training-worker.h"

/* Niceness of the training thread: the window's thread then gets the CPU
 * as soon as it needs it (bench, busy 2-core machine: frame interval p99
 * 33-38 → 28-31 ms, paint p99 15-19 → 9-12 ms; training speed unchanged). */
#define TRAINING_NICE 10

/* At most 20 deliveries a second: smooth enough for a loss curve and a
 * status line, and each one repaints the plot (its picture is drawn in a
 * thread, btl-loss-plot-render.c, but compositing it is still ~1 ms with the
 * cairo renderer), so the frames in between stay free while a person drags
 * or resizes the window. Measured with --bench-frames: main-thread paint p50
 * 8-13 ms at 60 deliveries a second, 0.3-1.8 ms at 20 (busy machine). */
#define DELIVERY_INTERVAL_US 50000

struct _BtlTrainingWorker
{
  GObject       parent_instance;

  /* owned */
  NnModel      *model;
  NnTrainer    *trainer;
  BtlDataset   *train;
  BtlDataset   *val;               /* or NULL: a split of train validates */
  GMainContext *main_context;

  /* shared with the training thread, under mutex */
  GMutex        mutex;
  GArray       *pending;           /* NnProgress records not delivered yet */
  guint         delivery_scheduled : 1;
  gint64        last_delivery_us;

  /* the run: thread written by the main thread only; the rest is written by
   * the thread before it attaches finish_cb and read there after the join */
  GThread      *thread;
  GCancellable *abandon;           /* skip the statistics, end soon */
  NnStatus      run_status;
  NnError       run_error;
  BtlModelInfo  run_stats;         /* latent statistics at the end of the run */

  /* main thread only */
  BtlModelInfo  stats;             /* for the weights of generation stats_generation */
  guint         stats_generation;
  guint         generation;        /* bumped whenever the weights may change */
  GArray       *delivering;
  gint64        last_snapshot_step;
  guint         n_deliveries;
  double        seconds_before;    /* accumulated over earlier runs and pauses */
  gint64        run_started_us;    /* 0 while not running or paused */
  guint         running : 1;
  guint         paused : 1;
  GApplication *held;              /* while a thread runs (btl-app-hold.h) */
};

G_DEFINE_FINAL_TYPE (BtlTrainingWorker, btl_training_worker, G_TYPE_OBJECT)

enum {
  PROGRESS,
  SNAPSHOT,
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Main thread: workers whose thread has not been joined yet. */
static GList *live_runs;

static void
btl_training_worker_finalize (GObject *object)
{
  BtlTrainingWorker *self = BTL_TRAINING_WORKER (object);

  /* A run holds a ref until its thread is joined. */
  g_assert (!self->running && self->thread == NULL);

  btl_model_info_clear (&self->stats);
  btl_model_info_clear (&self->run_stats);
  g_clear_object (&self->abandon);
  g_clear_pointer (&self->trainer, nn_trainer_free);
  g_clear_pointer (&self->model, nn_model_free);
  g_clear_pointer (&self->train, btl_dataset_unref);
  g_clear_pointer (&self->val, btl_dataset_unref);
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
  btl_model_info_init (&self->stats);
  btl_model_info_init (&self->run_stats);
  self->generation = 1;
}

BtlTrainingWorker *
btl_training_worker_new (NnModel     *model,
                         BtlDataset  *train,
                         GError     **error)
{
  return btl_training_worker_new_with_validation (model, train, NULL, error);
}

BtlTrainingWorker *
btl_training_worker_new_with_validation (NnModel     *model,
                                         BtlDataset  *train,
                                         BtlDataset  *val,
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
  if (val != NULL && val->n > 0 && btl_dataset_dim (val) == btl_dataset_dim (train))
    {
      self->val = btl_dataset_ref (val);
      self->trainer = nn_trainer_new_with_validation (model, train->images, train->n,
                                                      val->images, val->n, &nerr);
    }
  else
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
  /* Below GDK's redraw priority: a frame that is due is painted first, so a
   * delivery never makes it start late. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
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

static gboolean finish_cb (gpointer user_data);

/* Training thread. */
static gpointer
train_thread (gpointer user_data)
{
  BtlTrainingWorker *self = user_data;
  NnError nerr = { 0 };
  NnStatus status;
  GSource *source;

#ifdef __linux__
  /* Linux gives each thread its own nice value (best effort). */
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), TRAINING_NICE) != 0)
    g_debug ("training thread keeps its priority: %s", g_strerror (errno));
#endif
  /* "Automatic" threads in an interactive app: leave one core to the UI
   * (and the grid decode), or the window stutters at full training speed. */
  if (nn_model_get_config (self->model)->threads == 0)
    nn_set_threads (MAX (1, (int) g_get_num_processors () - 1));
  else
    nn_set_threads (nn_model_get_config (self->model)->threads);
  if (g_cancellable_is_cancelled (self->abandon))
    status = NN_ERR_CANCELLED;
  else
    status = nn_trainer_run (self->trainer, progress_cb, self, &nerr);

  /* The weights stay as the run left them: measure their codes for the
   * codec, unless the owner has let go (then end as soon as possible). */
  btl_model_info_clear (&self->run_stats);
  if (status == NN_OK || status == NN_ERR_CANCELLED)
    {
      g_autoptr(GError) error = NULL;

      if (!btl_latent_stats_compute (self->model, NULL, NULL, self->train,
                                     BTL_LATENT_STATS_MAX, self->abandon,
                                     &self->run_stats, &error)
          && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("no latent statistics: %s", error->message);
    }
  self->run_status = status;
  self->run_error = nerr;

  /* Records of the last steps may still be queued: flush them before the
   * result, so "finished" comes after the final "progress". */
  g_mutex_lock (&self->mutex);
  self->last_delivery_us = 0;
  schedule_delivery_locked (self);
  g_mutex_unlock (&self->mutex);

  /* The last thing this thread does with the worker: finish_cb joins it. */
  source = g_idle_source_new ();
  /* The deliveries' priority, attached after the last one: it comes first. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_name (source, "[bottleneck] training finished");
  g_source_set_callback (source, finish_cb, self, NULL);
  g_source_attach (source, self->main_context);
  g_source_unref (source);

  return NULL;
}

/* Main thread: waits for the thread (it has ended or is about to). */
static void
join_thread (BtlTrainingWorker *self)
{
  if (self->thread == NULL)
    return;
  g_thread_join (g_steal_pointer (&self->thread));
  live_runs = g_list_remove (live_runs, self);
}

/* Main thread, once per run: takes over the run's reference. */
static gboolean
finish_cb (gpointer user_data)
{
  BtlTrainingWorker *self = user_data;
  g_autoptr(GError) error = NULL;

  join_thread (self);

  if (self->run_status == NN_ERR_CANCELLED)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Training was stopped"));
  else if (self->run_status != NN_OK)
    btl_error_from_nn (self->run_status, &self->run_error, &error);

  if (self->run_stats.latent_dim > 0)
    {
      /* _copy overwrites: the last run's arrays would be lost, not freed. */
      btl_model_info_clear (&self->stats);
      btl_model_info_copy (&self->stats, &self->run_stats);
      self->stats_generation = self->generation;
      btl_model_info_clear (&self->run_stats);
    }

  /* A delivery scheduled by the flush may still be pending: run it now so
   * handlers see every record before "finished". */
  deliver_cb (self);

  self->running = FALSE;
  self->paused = FALSE;
  account_time (self);

  btl_app_release (g_steal_pointer (&self->held));

  g_signal_emit (self, signals[FINISHED], 0, error);

  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

void
btl_training_worker_start (BtlTrainingWorker *self,
                           int                extra_epochs)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));
  g_return_if_fail (!self->running);
  g_return_if_fail (self->thread == NULL);

  if (extra_epochs > 0)
    nn_trainer_set_extra_epochs (self->trainer, extra_epochs);

  nn_trainer_set_paused (self->trainer, FALSE);
  self->running = TRUE;
  self->paused = FALSE;
  self->run_started_us = g_get_monotonic_time ();
  self->generation++;
  self->run_status = NN_OK;
  memset (&self->run_error, 0, sizeof self->run_error);
  g_clear_object (&self->abandon);
  self->abandon = g_cancellable_new ();

  self->held = btl_app_hold ();

  /* The run's reference: dropped by finish_cb, never by the thread. */
  g_object_ref (self);
  self->thread = g_thread_try_new ("btl-training", train_thread, self, &error);
  if (self->thread == NULL)
    {
      /* Report it like any failed run, from the main loop. */
      self->run_status = NN_ERR_NOMEM;
      g_snprintf (self->run_error.message, sizeof self->run_error.message,
                  "could not start the training thread: %s", error->message);
      self->run_error.code = NN_ERR_NOMEM;
      g_idle_add (finish_cb, self);
      return;
    }
  live_runs = g_list_prepend (live_runs, self);
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
btl_training_worker_abandon (BtlTrainingWorker *self)
{
  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));

  if (!self->running)
    return;
  g_cancellable_cancel (self->abandon);
  btl_training_worker_stop (self);
}

void
btl_training_worker_join_all (void)
{
  GList *runs = g_list_copy (live_runs);

  /* Ask every thread first, so they wind down together. */
  for (GList *l = runs; l != NULL; l = l->next)
    btl_training_worker_abandon (l->data);

  for (GList *l = runs; l != NULL; l = l->next)
    {
      BtlTrainingWorker *self = l->data;
      g_autoptr(GMainContext) context = g_main_context_ref (self->main_context);

      g_object_ref (self);
      join_thread (self);
      /* The thread attached finish_cb before it ended: run it (and the
       * last delivery) so the run's reference and the hold are released. */
      if (g_main_context_acquire (context))
        {
          while (self->running && g_main_context_iteration (context, FALSE))
            ;
          g_main_context_release (context);
        }
      g_object_unref (self);
    }
  g_list_free (runs);
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
  self->generation++;
}

void
btl_training_worker_set_latent_stats (BtlTrainingWorker  *self,
                                      const BtlModelInfo *info)
{
  g_return_if_fail (BTL_IS_TRAINING_WORKER (self));
  g_return_if_fail (info != NULL);
  g_return_if_fail (!self->running);

  if (info->latent_dim != nn_model_latent_dim (self->model))
    return;
  btl_model_info_set_latent_stats (&self->stats, info->latent_dim, info->latent_min,
                                   info->latent_max, info->latent_mean, info->latent_std);
  self->stats_generation = self->generation;
}

gboolean
btl_training_worker_get_latent_stats (BtlTrainingWorker *self,
                                      BtlModelInfo      *info)
{
  g_return_val_if_fail (BTL_IS_TRAINING_WORKER (self), FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  if (self->running || self->stats.latent_dim == 0
      || self->stats_generation != self->generation)
    return FALSE;
  btl_model_info_set_latent_stats (info, self->stats.latent_dim,
                                   self->stats.latent_min, self->stats.latent_max,
                                   self->stats.latent_mean, self->stats.latent_std);
  return TRUE;
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

GBytes *
btl_training_worker_dup_trainer_state (BtlTrainingWorker *self)
{
  g_return_val_if_fail (BTL_IS_TRAINING_WORKER (self), NULL);

  if (self->running)
    return NULL;
  return btl_project_dup_trainer_state (self->trainer);
}

gboolean
btl_training_worker_set_trainer_state (BtlTrainingWorker  *self,
                                       GBytes             *state,
                                       GError            **error)
{
  NnError nerr = { 0 };
  gsize size;
  const void *data;

  g_return_val_if_fail (BTL_IS_TRAINING_WORKER (self), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  data = g_bytes_get_data (state, &size);
  if (nn_trainer_import_state (self->trainer, data, size, &nerr) != NN_OK)
    return btl_error_from_nn (nerr.code, &nerr, error);
  return TRUE;
}

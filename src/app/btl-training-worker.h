/* btl-training-worker.h — runs an NnTrainer in one worker thread.
 *
 * The worker never touches a widget. Progress records from the training
 * thread are queued under a mutex and delivered on the main thread by one
 * timeout source at most 20 times a second (50 ms), together with any new
 * parameter snapshot. All signals are emitted on the main thread.
 */
#pragma once

#include <glib-object.h>

#include "btl-dataset.h"
#include "btl-model-file.h"
#include "nn.h"

G_BEGIN_DECLS

#define BTL_TYPE_TRAINING_WORKER (btl_training_worker_get_type ())

G_DECLARE_FINAL_TYPE (BtlTrainingWorker, btl_training_worker, BTL, TRAINING_WORKER, GObject)

/* Takes ownership of model. train is borrowed by reference (ref'd). */
BtlTrainingWorker *btl_training_worker_new            (NnModel            *model,
                                                       BtlDataset         *train,
                                                       GError            **error);
/* The same, validating on val (held-out pictures of a folder; ref'd)
 * instead of a split of train when val is not NULL. */
BtlTrainingWorker *btl_training_worker_new_with_validation (NnModel        *model,
                                                           BtlDataset     *train,
                                                           BtlDataset     *val,
                                                           GError        **error);

/* The model the trainer writes; read its parameters only while not running. */
NnModel           *btl_training_worker_get_model      (BtlTrainingWorker  *self);

/* Starts a run of the configuration's epochs in the worker thread
 * (extra_epochs > 0: that many instead, continuing where training stopped). */
void               btl_training_worker_start          (BtlTrainingWorker  *self,
                                                       int                 extra_epochs);
gboolean           btl_training_worker_is_running     (BtlTrainingWorker  *self);
gboolean           btl_training_worker_is_paused      (BtlTrainingWorker  *self);
void               btl_training_worker_set_paused     (BtlTrainingWorker  *self,
                                                       gboolean            paused);
void               btl_training_worker_single_step    (BtlTrainingWorker  *self);
/* Asks the thread to stop between two steps; "finished" follows (after
 * the latent statistics of the weights it leaves). */
void               btl_training_worker_stop           (BtlTrainingWorker  *self);
/* For an owner letting go of a running worker (a closing window): stop and
 * skip the statistics, so the thread ends within one step. Non-blocking;
 * the thread is joined on the main thread, then the worker is freed there. */
void               btl_training_worker_abandon        (BtlTrainingWorker  *self);
/* Abandons every running worker and waits for their threads to end (at
 * most a step each), running their "finished". For application shutdown:
 * no training thread outlives it. Main thread. */
void               btl_training_worker_join_all       (void);

void               btl_training_worker_set_lr         (BtlTrainingWorker  *self,
                                                       float               lr);
void               btl_training_worker_set_noise_level(BtlTrainingWorker  *self,
                                                       float               level);
void               btl_training_worker_set_beta       (BtlTrainingWorker  *self,
                                                       float               beta);
void               btl_training_worker_restore_best   (BtlTrainingWorker  *self);
int                btl_training_worker_epochs_done    (BtlTrainingWorker  *self);

/* Copies the latent statistics (per-dimension min, max, mean, σ over the
 * first training images) measured when the last run ended into info, if the
 * weights have not changed since (not running, no restore of the best
 * epoch). Returns whether it did. */
gboolean           btl_training_worker_get_latent_stats (BtlTrainingWorker *self,
                                                         BtlModelInfo      *info);
/* The statistics stored with an opened model, valid for its weights as they
 * are now (until the next run or restore). Not while running. */
void               btl_training_worker_set_latent_stats (BtlTrainingWorker  *self,
                                                         const BtlModelInfo *info);

/* The trainer's state (nn_trainer_export_state(): optimizer moments, step
 * counts, data order, random streams) for a project file; NULL while
 * running or before the first step. */
GBytes            *btl_training_worker_dup_trainer_state (BtlTrainingWorker *self);
/* Continues from a saved state (not while running): the next start goes on
 * as if training had never stopped. FALSE with an error when the state does
 * not fit this model and data (another data set or limit, optimizer, …). */
gboolean           btl_training_worker_set_trainer_state (BtlTrainingWorker  *self,
                                                          GBytes             *state,
                                                          GError            **error);

/* Latest snapshot (caller unrefs) or NULL. */
NnSnapshot        *btl_training_worker_dup_snapshot   (BtlTrainingWorker  *self);

/* Wall-clock seconds spent running (pauses excluded is not attempted). */
double             btl_training_worker_get_seconds    (BtlTrainingWorker  *self);

/* Progress deliveries so far (for tests and benchmarks). */
guint              btl_training_worker_get_n_deliveries (BtlTrainingWorker *self);

G_END_DECLS

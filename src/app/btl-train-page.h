/* btl-train-page.h — the Train page: configuration, live loss plot,
 * live reconstruction grid and status line around one training worker. */
#pragma once

#include <gtk/gtk.h>

#include "btl-dataset.h"
#include "btl-loss-history.h"
#include "btl-loss-plot.h"
#include "btl-project.h"
#include "btl-training-worker.h"
#include "nn.h"

G_BEGIN_DECLS

typedef enum
{
  BTL_TRAIN_STATE_IDLE,
  BTL_TRAIN_STATE_RUNNING,
  BTL_TRAIN_STATE_PAUSED,
} BtlTrainState;

/* How a re-run of a saved project compares with it. */
typedef enum
{
  BTL_RERUN_NONE,        /* no re-run yet */
  BTL_RERUN_RUNNING,
  BTL_RERUN_IDENTICAL,   /* every loss equal, bit for bit, same length */
  BTL_RERUN_PREFIX,      /* equal over the steps both have; one is longer */
  BTL_RERUN_DIFFERENT,
} BtlRerunVerdict;

#define BTL_TYPE_TRAIN_PAGE (btl_train_page_get_type ())

G_DECLARE_FINAL_TYPE (BtlTrainPage, btl_train_page, BTL, TRAIN_PAGE, GtkWidget)

/* Data: both ref'd; test provides the reconstruction grid and the PSNR. */
void               btl_train_page_set_dataset      (BtlTrainPage  *self,
                                                    BtlDataset    *train,
                                                    BtlDataset    *test);
BtlDataset        *btl_train_page_get_test_dataset (BtlTrainPage  *self);
/* Held-out validation images (a picture folder's) for the next models, or
 * NULL (a split of the training set). Call before set_dataset. */
void               btl_train_page_set_validation   (BtlTrainPage  *self,
                                                    BtlDataset    *val);
/* The current weights' latent statistics (measured at the end of a run, or
 * stored in the opened file) into info; FALSE when there are none for them
 * (training, restored best epoch, a file without them). */
gboolean           btl_train_page_get_latent_stats (BtlTrainPage  *self,
                                                    BtlModelInfo  *info);
/* Remembers smoothing, log scale and x axis in settings (nullable). */
void               btl_train_page_set_settings     (BtlTrainPage  *self,
                                                    GSettings     *settings);

BtlTrainState      btl_train_page_get_state        (BtlTrainPage  *self);
/* TRUE when a data set is loaded and the configuration is valid. */
gboolean           btl_train_page_can_train        (BtlTrainPage  *self);
/* Trains a new model from the sidebar's configuration. */
gboolean           btl_train_page_train            (BtlTrainPage  *self,
                                                    GError       **error);
void               btl_train_page_set_paused       (BtlTrainPage  *self,
                                                    gboolean       paused);
void               btl_train_page_single_step      (BtlTrainPage  *self);
void               btl_train_page_stop             (BtlTrainPage  *self);
/* Continues the current model for extra epochs (after a run has finished). */
gboolean           btl_train_page_continue         (BtlTrainPage  *self,
                                                    int            extra_epochs,
                                                    GError       **error);
gboolean           btl_train_page_has_model        (BtlTrainPage  *self);
/* TRUE while a run trains, and after it until the model is saved (as a
 * model or a project) or another is opened: opening, loading another data
 * set or closing would drop it. */
gboolean           btl_train_page_has_unsaved_run  (BtlTrainPage  *self);

gboolean           btl_train_page_save_model       (BtlTrainPage  *self,
                                                    const char    *path,
                                                    GError       **error);
gboolean           btl_train_page_open_model       (BtlTrainPage  *self,
                                                    const char    *path,
                                                    GError       **error);
/* Projects (btl-train-page-project.c). dataset_spec: what the window
 * loaded ("fashion-mnist" or a folder). Saving needs a model and no run. */
gboolean           btl_train_page_save_project     (BtlTrainPage  *self,
                                                    const char    *path,
                                                    const char    *dataset_spec,
                                                    GError       **error);
/* Restores configuration, plot, status and weights; takes project. With
 * wait_for_dataset the weights are adopted when the next data set arrives
 * (the window is loading the project's). */
void               btl_train_page_open_project     (BtlTrainPage  *self,
                                                    BtlProject    *project,
                                                    const char    *name,
                                                    gboolean       wait_for_dataset);
BtlProject        *btl_train_page_get_project      (BtlTrainPage  *self);
const char        *btl_train_page_get_project_name (BtlTrainPage  *self);
gboolean           btl_train_page_can_rerun        (BtlTrainPage  *self);
/* Trains again from the project's start configuration, seed and BLAS
 * threads, drawing the saved curves underneath; compares when done. */
gboolean           btl_train_page_rerun            (BtlTrainPage  *self,
                                                    GError       **error);
BtlLossHistory    *btl_train_page_get_reference    (BtlTrainPage  *self);
/* text (nullable): the verdict in words, NULL before any re-run. */
BtlRerunVerdict    btl_train_page_get_rerun_verdict (BtlTrainPage *self,
                                                     const char  **text);

/* .png, .svg or .csv by the file name's extension (CSV: with the saved
 * run's rows, kinds prefixed "saved_", while one is drawn). */
gboolean           btl_train_page_export_plot      (BtlTrainPage  *self,
                                                    const char    *path,
                                                    GError       **error);
gboolean           btl_train_page_export_grid      (BtlTrainPage  *self,
                                                    const char    *path,
                                                    GError       **error);

/* An in-page message (errors the person should read); NULL hides it. */
void               btl_train_page_show_message     (BtlTrainPage  *self,
                                                    const char    *message);
/* The same bar for news that is not an error (in its note colours). */
void               btl_train_page_show_note        (BtlTrainPage  *self,
                                                    const char    *note);
const char        *btl_train_page_get_message      (BtlTrainPage  *self);
void               btl_train_page_set_status       (BtlTrainPage  *self,
                                                    const char    *status);
const char        *btl_train_page_get_status       (BtlTrainPage  *self);

/* For tests and benchmarks. */
BtlLossHistory    *btl_train_page_get_history      (BtlTrainPage  *self);
BtlTrainingWorker *btl_train_page_get_worker       (BtlTrainPage  *self);
GtkWidget         *btl_train_page_get_config_panel (BtlTrainPage  *self);
BtlLossPlot       *btl_train_page_get_loss_plot    (BtlTrainPage  *self);
guint              btl_train_page_get_n_grid_refreshes (BtlTrainPage *self);
/* Mean and worst main-thread time of one grid refresh (the upload), µs. */
void               btl_train_page_get_grid_timing  (BtlTrainPage  *self,
                                                    double        *mean_us,
                                                    double        *max_us);
/* Mean and worst time of the decode itself (in its thread), µs. */
void               btl_train_page_get_decode_timing (BtlTrainPage *self,
                                                    double        *mean_us,
                                                    double        *max_us);

G_END_DECLS

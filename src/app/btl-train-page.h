/* btl-train-page.h — the Train page: configuration, live loss plot,
 * live reconstruction grid and status line around one training worker. */
#pragma once

#include <gtk/gtk.h>

#include "btl-dataset.h"
#include "btl-loss-history.h"
#include "btl-training-worker.h"
#include "nn.h"

G_BEGIN_DECLS

typedef enum
{
  BTL_TRAIN_STATE_IDLE,
  BTL_TRAIN_STATE_RUNNING,
  BTL_TRAIN_STATE_PAUSED,
} BtlTrainState;

#define BTL_TYPE_TRAIN_PAGE (btl_train_page_get_type ())

G_DECLARE_FINAL_TYPE (BtlTrainPage, btl_train_page, BTL, TRAIN_PAGE, GtkWidget)

/* Data: both ref'd; test provides the reconstruction grid and the PSNR. */
void               btl_train_page_set_dataset      (BtlTrainPage  *self,
                                                    BtlDataset    *train,
                                                    BtlDataset    *test);
BtlDataset        *btl_train_page_get_test_dataset (BtlTrainPage  *self);
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

gboolean           btl_train_page_save_model       (BtlTrainPage  *self,
                                                    const char    *path,
                                                    GError       **error);
gboolean           btl_train_page_open_model       (BtlTrainPage  *self,
                                                    const char    *path,
                                                    GError       **error);
/* .png, .svg or .csv by the file name's extension. */
gboolean           btl_train_page_export_plot      (BtlTrainPage  *self,
                                                    const char    *path,
                                                    GError       **error);
gboolean           btl_train_page_export_grid      (BtlTrainPage  *self,
                                                    const char    *path,
                                                    GError       **error);

/* An in-page message (errors the person should read); NULL hides it. */
void               btl_train_page_show_message     (BtlTrainPage  *self,
                                                    const char    *message);
const char        *btl_train_page_get_message      (BtlTrainPage  *self);
void               btl_train_page_set_status       (BtlTrainPage  *self,
                                                    const char    *status);

/* For tests and benchmarks. */
BtlLossHistory    *btl_train_page_get_history      (BtlTrainPage  *self);
BtlTrainingWorker *btl_train_page_get_worker       (BtlTrainPage  *self);
GtkWidget         *btl_train_page_get_config_panel (BtlTrainPage  *self);
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

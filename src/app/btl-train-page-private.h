/* btl-train-page-private.h — what the Train page's files share.
 *
 * btl-train-page.c: the page and its public API;
 * btl-train-page-worker.c: its worker's signals (progress, snapshots, end);
 * btl-train-page-tasks.c: the background work that feeds it (the grid
 * decode and the test-PSNR evaluation, each in a short-lived GTask thread).
 */
#pragma once

#include "btl-config-panel.h"
#include "btl-project.h"
#include "btl-image-grid.h"
#include "btl-loss-plot.h"
#include "btl-progress-line.h"
#include "btl-train-page.h"

G_BEGIN_DECLS

struct _BtlTrainPage
{
  GtkWidget          parent_instance;

  /* template widgets */
  GtkWidget         *root;
  BtlConfigPanel    *config_panel;
  GtkRevealer       *message_revealer;
  GtkLabel          *message_label;
  GtkImage          *message_icon;
  GtkWidget         *message_bar;
  GtkPaned          *paned;
  BtlLossPlot       *plot;
  BtlImageGrid      *grid;
  GtkScale          *smoothing;
  GtkAdjustment     *smoothing_adjustment;
  GtkToggleButton   *log_scale;
  GtkToggleButton   *x_by_epoch;
  GtkToggleButton   *show_difference;
  GtkInscription    *grid_caption;
  GtkButton         *restore_best;
  GtkButton         *continue_button;
  GtkSpinButton     *more_epochs;
  GtkInscription    *status_label;
  GtkLabel          *psnr_label;
  BtlProgressLine   *progress;
  GtkButton         *rerun_button;

  /* owned */
  BtlLossHistory    *history;
  BtlDataset        *train;
  BtlDataset        *test;
  BtlDataset        *val;          /* held-out validation, or NULL */
  BtlTrainingWorker *worker;
  NnModel           *pending_model;   /* opened before the data set was loaded */
  BtlModelInfo       opened_stats;    /* an opened model's latent statistics, until adopted */
  NnSnapshot        *decode_next;     /* newest snapshot waiting for the grid */
  NnSnapshot        *eval_next;       /* newest snapshot waiting for a PSNR run */
  guint              eval_next_run;   /* the run_serial eval_next was taken in */
  GCancellable      *cancellable;     /* cancelled in dispose */
  float             *showcase_x;      /* (n_showcase, dim) */
  float             *showcase_y;      /* (n_showcase, dim) */
  gboolean           grid_pending;    /* showcase_y waits for its frame (btl-frame-budget.h) */
  gint64             grid_pending_step;
  gint64             grid_pending_decode_us;
  char             **showcase_labels;
  BtlProject        *project;         /* opened or last saved; the re-run's reference */
  gboolean           resume_project;  /* the opened project's trainer state goes to the next worker */
  char              *project_name;
  BtlLossHistory    *reference;       /* the saved run's history while compared */
  char              *run_blas_core;   /* BLAS the current weights were trained with */
  char              *run_blas_config;
  char              *comparison;      /* the last re-run's verdict, in words */

  /* state */
  int                n_showcase;
  NnProgress         last;
  gboolean           have_last;
  guint              run_serial;      /* counts runs: a PSNR shows for its own run's weights only */
  double             test_psnr;
  gint64             test_psnr_step;  /* the weights' step it was measured at; -1 unknown */
  int                target_epochs;   /* the trainer's count, like last.epoch */
  /* The trainer counts from 0 when it did not train what the history holds
   * (an opened .btl has no trainer state): its records are shifted by these
   * to continue the history, the plot and the status line. */
  int                epoch_base;
  gint64             step_base;
  gboolean           step_base_pending; /* set from the run's first record */
  BtlTrainState      state;
  gboolean           unsaved;         /* trained (or restored) since the last save or open */
  guint              eval_running : 1;
  guint              eval_timeout_id;
  gint64             last_eval_us;
  guint              decode_timeout_id;
  gint64             last_decode_us;
  gint64             status_shown_us;   /* when the status line last changed */
  guint              decode_running : 1;
  guint              n_grid_refreshes;
  gint64             grid_us_total;     /* main thread: upload into the widget */
  gint64             grid_us_max;
  gint64             decode_us_total;   /* decode thread: the forward pass */
  gint64             decode_us_max;
  NnConfig           run_config;      /* what the current run started from */
  gboolean           have_run_config;
  int                run_threads;     /* BLAS threads of the current weights' run, 0 unknown */
  gboolean           rerunning;
  BtlRerunVerdict    verdict;
};


/* Queues snap for the reconstruction grid (newest wins); decoded in a thread. */
void _btl_train_page_refresh_grid      (BtlTrainPage *self,
                                        NnSnapshot   *snap);
/* Evaluates self->eval_next on the test set, within the time budget. */
void _btl_train_page_start_eval        (BtlTrainPage *self);
/* Queues snap (transfer full) for the test PSNR (newest wins). */
void _btl_train_page_queue_eval        (BtlTrainPage *self,
                                        NnSnapshot   *snap);
/* New weights from here on (a run starts, the best epoch's are restored):
 * the PSNR shown so far is of others, "—" until they are measured. */
void _btl_train_page_forget_psnr       (BtlTrainPage *self);
void _btl_train_page_update_psnr_label (BtlTrainPage *self);

/* btl-train-page-worker.c: the status line from the last progress record. */
void _btl_train_page_update_status     (BtlTrainPage *self);

/* btl-train-page.c internals used by the other files. */
void     _btl_train_page_emit_snapshot     (BtlTrainPage  *self,
                                            NnModel       *model,
                                            NnSnapshot    *snapshot);
NnModel *_btl_train_page_current_model     (BtlTrainPage  *self);
void     _btl_train_page_set_state         (BtlTrainPage  *self,
                                            BtlTrainState  state);
void     _btl_train_page_drop_worker       (BtlTrainPage  *self);
void     _btl_train_page_adopt_model       (BtlTrainPage  *self,
                                            NnModel       *model);
void     _btl_train_page_show_model_weights (BtlTrainPage *self);
void     _btl_train_page_update_run_actions (BtlTrainPage *self);
void     _btl_train_page_fill_model_info   (BtlTrainPage  *self,
                                            BtlModelInfo  *info);
/* btl-train-page-files.c: opening a model or a project, before and after
 * the page is told what it opened. */
void     _btl_train_page_begin_open        (BtlTrainPage   *self,
                                            BtlLossHistory *history);
void     _btl_train_page_finish_open       (BtlTrainPage   *self,
                                            NnModel        *model,
                                            gboolean        wait_for_dataset);

/* btl-train-page-project.c: a run ended (records what it ran with, and
 * compares a re-run with the saved one). */
void     _btl_train_page_run_finished      (BtlTrainPage  *self);
/* Forgets the project (a plain model was opened). */
void     _btl_train_page_forget_project    (BtlTrainPage  *self);
void     _btl_train_page_resume_project    (BtlTrainPage  *self);

G_END_DECLS

/* btl-project.h — the .btlproj project file: one training run, reproducible.
 *
 * A project bundles a complete .btl model file (configuration, seed,
 * weights, batch-norm stats, run summary, latent statistics), the loss
 * history with its markers and best epoch, the configuration the run
 * started from, what it ran on (data set, training-image limit, BLAS
 * threads, BLAS core and build, app version, time) and the window state
 * that is not in the model (plot view, status line), and optionally the
 * trainer's state (optimizer moments, …) to continue exactly. Written atomically;
 * read defensively (format in btl-project.c).
 */
#pragma once

#include <glib.h>

#include "btl-loss-history.h"
#include "btl-model-file.h"
#include "nn.h"

G_BEGIN_DECLS

#define BTL_PROJECT_VERSION    1
#define BTL_PROJECT_EXTENSION  ".btlproj"

typedef struct
{
  /* The model (stored as an embedded .btl file). */
  NnConfig        config;        /* the model's configuration (as trained last) */
  float          *params;        /* (n_params) */
  size_t          n_params;
  float          *stats;         /* (n_stats), NULL when n_stats == 0 */
  size_t          n_stats;
  BtlModelInfo    info;

  /* The run. */
  NnConfig        run_config;    /* the configuration training started from */
  gboolean        has_run_config;
  BtlLossHistory *history;       /* never NULL */
  char           *dataset_spec;  /* "fashion-mnist" or a folder; NULL unknown */
  char           *dataset_name;  /* as the data set names itself; NULL unknown */
  int             train_limit;   /* training images used (first N), 0 = all */
  int             threads;       /* BLAS threads the run used, 0 unknown */
  char           *blas_core;     /* e.g. "Haswell"; NULL unknown */
  char           *blas_config;   /* e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH …"; NULL unknown */
  char           *app_version;   /* the Bottleneck that wrote the file */
  gint64          created;       /* unix time of the save, 0 unknown */

  /* The window (defaults when absent). */
  double          smoothing;     /* plot EMA factor, 0.9 */
  gboolean        log_scale;
  gboolean        x_by_epoch;
  gboolean        show_difference;
  char           *status;        /* the status line; NULL none */

  /* Where the trainer stood (nn_trainer_export_state(): optimizer moments,
   * step counts, data order, random streams), so that Continue goes on as
   * if training had never stopped; NULL when the file has none (older
   * files, or nothing trained yet). Checked against the model on load. */
  GBytes         *trainer_state;
} BtlProject;

BtlProject *btl_project_new            (void);
void        btl_project_free           (BtlProject    *self);

/* Copies a model's configuration, parameters and stats into the project. */
void        btl_project_set_model      (BtlProject    *self,
                                        const NnConfig *config,
                                        const float   *params,
                                        size_t         n_params,
                                        const float   *stats,
                                        size_t         n_stats);
/* A new model with the project's configuration and weights (free with
 * nn_model_free()). */
NnModel    *btl_project_dup_model      (BtlProject    *self,
                                        GError       **error);
/* trainer's state as a project keeps it (trainer_state), or NULL when it
 * never stepped: a fresh trainer holds nothing a new one lacks. Not while
 * the trainer runs. */
GBytes     *btl_project_dup_trainer_state (NnTrainer  *trainer);
/* Fills blas_core and blas_config from the OpenBLAS this process runs. */
void        btl_project_set_blas_from_runtime (BtlProject *self);

/* The whole file in memory; display names it in errors. */
GBytes     *btl_project_to_bytes       (BtlProject    *self,
                                        const char    *display,
                                        GError       **error);
BtlProject *btl_project_new_from_bytes (GBytes        *bytes,
                                        const char    *display,
                                        GError       **error);

/* Written atomically (temp file + rename): a failed save leaves an existing
 * file as it was. */
gboolean    btl_project_save           (BtlProject    *self,
                                        const char    *path,
                                        GError       **error);
/* Errors (each naming the file): G_FILE_ERROR for I/O, BTL_ERROR_CORRUPT
 * (not a project, truncated, damaged, bad checksum, missing chunk),
 * BTL_ERROR_VERSION (newer format), BTL_ERROR_TOO_LARGE, and those of the
 * embedded model file. */
BtlProject *btl_project_load           (const char    *path,
                                        GError       **error);

/* TRUE when the first bytes of path are a project's magic. */
gboolean    btl_project_file_sniff     (const char    *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtlProject, btl_project_free)

G_END_DECLS

/* cli-train.h — what cli-train.c and cli-train-project.c share: opening the
 * training data, and the project (.btlproj) a run is saved to with
 * --project and continued from with --continue. */
#pragma once

#include <glib.h>

#include "btl-dataset.h"
#include "btl-loss-history.h"
#include "btl-model-file.h"
#include "btl-project.h"
#include "nn.h"

G_BEGIN_DECLS

/* Where the training images come from and how they are cut. */
typedef struct
{
  const char *spec;         /* "fashion-mnist", an IDX folder or a folder of pictures */
  int         tile_height;  /* pictures: tile size, 0 = the default */
  int         tile_width;
  int         channels;     /* pictures: 1, 3, 0 = by the pictures */
  guint64     seed;         /* pictures: which tiles */
  double      val_split;    /* pictures: fraction of pictures for validation */
  int         limit;        /* first N training images, 0 = all */
} CliTrainData;

/* Opens the data set: train (the first `limit` images), val (held-out
 * pictures' tiles for a folder of pictures, else NULL: the trainer splits
 * train) and test. Skipped pictures are noted on stderr. */
gboolean    cli_train_open_data        (const CliTrainData *data,
                                        BtlDataset        **train,
                                        BtlDataset        **val,
                                        BtlDataset        **test,
                                        GError            **error);

/* The project to continue from: a .btlproj carrying a trainer state. A
 * model file, a project without a state and a damaged project are refused
 * with a message naming the file. */
BtlProject *cli_train_load_continue    (const char         *path,
                                        GError            **error);

/* How a data set argument is remembered in a project: a folder by its
 * absolute path, so --continue works from any directory. */
char       *cli_train_dataset_spec     (const char         *data);

/* Fills project (a new one, or the --continue one: its view settings are
 * kept) with the run as it stands now — model, info, history, data set,
 * BLAS, the trainer's state — and saves it atomically to path. */
gboolean    cli_train_save_project     (BtlProject         *project,
                                        const char         *path,
                                        NnModel            *model,
                                        NnTrainer          *trainer,
                                        BtlLossHistory     *history,
                                        const BtlModelInfo *info,
                                        const NnConfig     *run_config,
                                        const char         *dataset_spec,
                                        const char         *dataset_name,
                                        int                 train_limit,
                                        GError            **error);

G_END_DECLS

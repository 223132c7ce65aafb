/* btl-model-file.h — the .btl model file (format described in btl-model-file.c).
 *
 * A model file holds the full NnConfig (architecture, hyper-parameters, seed,
 * input shape, data set name), the parameter and batch-norm stat buffers, a
 * summary of how training went (BtlModelInfo), optional per-dimension latent
 * statistics and an opaque training-history blob. Written atomically; read
 * defensively (every length checked before use, CRC32 over the whole file).
 */
#pragma once

#include <glib.h>
#include <math.h>

#include "nn.h"

G_BEGIN_DECLS

#define BTL_MODEL_FILE_VERSION 1

/* What we know about how a model was trained and how good it is.
 * Stack-allocate it, btl_model_info_init() it, btl_model_info_clear() it.
 * Doubles are NaN when unknown; integers -1 when unknown (created: 0). */
typedef struct
{
  int     epochs_trained;     /* epochs completed in total, 0 if untrained */
  int     best_epoch;         /* 0-based epoch with lowest validation loss, -1 unknown */
  double  train_loss;         /* final training loss */
  double  val_loss;           /* final validation loss */
  double  test_mse;
  double  test_psnr_db;       /* mean over images of 10·log10(1/mse_i) */
  double  test_ssim;
  gint64  created;            /* unix time (seconds) of the save, 0 unknown */
  double  train_seconds;      /* wall time spent training, NaN unknown */
  double  samples_per_s;      /* training throughput, NaN unknown */

  /* Latent statistics over the training set, per code dimension (for codecs
   * and latent sliders). latent_dim == 0 and all four NULL when absent. */
  int     latent_dim;
  float  *latent_min;         /* (latent_dim) */
  float  *latent_max;         /* (latent_dim) */
  float  *latent_mean;        /* (latent_dim) */
  float  *latent_std;         /* (latent_dim) */
} BtlModelInfo;

/* Static initialiser equal to btl_model_info_init(), for
 * `g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;`. */
#define BTL_MODEL_INFO_INIT \
  { 0, -1, NAN, NAN, NAN, NAN, NAN, 0, NAN, NAN, 0, NULL, NULL, NULL, NULL }

void     btl_model_info_init (BtlModelInfo *info);
/* Frees the latent arrays and resets to the init state. */
void     btl_model_info_clear (BtlModelInfo *info);
/* Deep copy of src into dest (dest is overwritten, not cleared first). */
void     btl_model_info_copy (BtlModelInfo       *dest,
                              const BtlModelInfo *src);
/* Copies the four arrays (any may be NULL → filled with NaN). */
void     btl_model_info_set_latent_stats (BtlModelInfo *info,
                                          int           latent_dim,
                                          const float  *min,
                                          const float  *max,
                                          const float  *mean,
                                          const float  *std);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BtlModelInfo, btl_model_info_clear)

/* Saves model's configuration, parameters and stats. history and info may be
 * NULL. The file is written atomically: on failure an existing file at path is
 * left as it was. */
gboolean btl_model_file_save (const char          *path,
                              NnModel             *model,
                              GBytes              *history,
                              const BtlModelInfo  *info,
                              GError             **error);

/* Same, from loose buffers (e.g. a training snapshot's): the counts must match
 * what cfg's architecture needs (BTL_ERROR_MISMATCH otherwise). stats may be
 * NULL when n_stats == 0. */
gboolean btl_model_file_save_buffers (const char          *path,
                                      const NnConfig      *cfg,
                                      const float         *params,
                                      size_t               n_params,
                                      const float         *stats,
                                      size_t               n_stats,
                                      GBytes              *history,
                                      const BtlModelInfo  *info,
                                      GError             **error);

/* The bytes btl_model_file_save_buffers() writes, for containers that embed
 * a whole model file (project files). display names the file in errors. */
GBytes  *btl_model_file_save_to_bytes (const char          *display,
                                       const NnConfig      *cfg,
                                       const float         *params,
                                       size_t               n_params,
                                       const float         *stats,
                                       size_t               n_stats,
                                       GBytes              *history,
                                       const BtlModelInfo  *info,
                                       GError             **error);

/* Loads a model (configuration + parameters + stats). history_out receives the
 * HIST blob or NULL when there is none; info_out is initialised and filled
 * (caller clears it). Errors: G_FILE_ERROR for I/O, BTL_ERROR_CORRUPT,
 * BTL_ERROR_VERSION, BTL_ERROR_MISMATCH, BTL_ERROR_INVALID (bad configuration),
 * each naming the file. Free the model with nn_model_free(). */
NnModel *btl_model_file_load (const char    *path,
                              GBytes       **history_out,
                              BtlModelInfo  *info_out,
                              GError       **error);

/* btl_model_file_load() from bytes in memory (an embedded model file);
 * display names it in errors. */
NnModel *btl_model_file_load_from_bytes (GBytes        *bytes,
                                         const char    *display,
                                         GBytes       **history_out,
                                         BtlModelInfo  *info_out,
                                         GError       **error);

G_END_DECLS

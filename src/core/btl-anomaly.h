/* btl-anomaly.h — anomaly detection by reconstruction error.
 *
 * An image the autoencoder reconstructs badly is one it finds strange. A
 * BtlAnomalyScores holds the per-image reconstruction error (MSE) of a data
 * set and the images ordered worst first; the threshold above which an image
 * is flagged defaults to a high percentile of the errors on the TRAINING set
 * (what the model has seen), applied to the test set. Immutable once built.
 */
#pragma once

#include <glib.h>

#include "btl-dataset.h"
#include "nn.h"

G_BEGIN_DECLS

/* The default threshold: this percentile of the training errors. */
#define BTL_ANOMALY_DEFAULT_PERCENTILE 99.0

/* …of the errors on the first this-many training images: the 99th percentile
 * of 10 000 errors rests on 100 images above it, steady enough, and scoring
 * all 60 000 Fashion-MNIST images would cost the UI several seconds. */
#define BTL_ANOMALY_DEFAULT_TRAIN_LIMIT 10000

typedef struct
{
  BtlDataset *data;      /* ref'd: the scored images (first n of them), or NULL */
  int         n;         /* scored images */
  float      *errors;    /* (n) mean squared error of each image's reconstruction */
  int        *by_error;  /* (n) image indices, largest error first (ties: lower index first) */
} BtlAnomalyScores;

/* Reconstructs the first `limit` images of ds (0 = all) with its own
 * NnInference over params/stats (NULL = the model's own) and scores them.
 * BTL_ERROR_SHAPE when the model's input does not match the data set;
 * BTL_ERROR_INVALID when an error is not finite (a diverged model). */
BtlAnomalyScores *btl_anomaly_scores_new (NnModel      *model,
                                          const float  *params,
                                          const float  *stats,
                                          BtlDataset   *ds,
                                          int           limit,
                                          GError      **error);

/* From errors computed elsewhere (copied); data may be NULL, otherwise it must
 * hold at least n images. */
BtlAnomalyScores *btl_anomaly_scores_new_from_errors (BtlDataset  *data,
                                                      const float *errors,
                                                      int          n);

void              btl_anomaly_scores_free (BtlAnomalyScores *scores);

/* The q-th percentile (0 ≤ q ≤ 100) of the errors, linearly interpolated
 * between order statistics (NumPy's default): q = 0 is the smallest, 100 the
 * largest. NaN when n == 0. */
double            btl_anomaly_scores_percentile (const BtlAnomalyScores *scores,
                                                 double                  q);

/* How many images have an error strictly above threshold; they are
 * by_error[0 … count). */
int               btl_anomaly_scores_count_above (const BtlAnomalyScores *scores,
                                                  double                  threshold);

/* Per class k < n_classes: flagged[k] images above threshold out of total[k]
 * (either array may be NULL). Needs labels (returns FALSE without them). */
gboolean          btl_anomaly_scores_per_class (const BtlAnomalyScores *scores,
                                                double                  threshold,
                                                int                    *flagged,
                                                int                    *total);

/* Writes the images above threshold, worst first, as CSV:
 *   rank,index,label,class,error,psnr_db
 * (label/class empty without labels), atomically. */
gboolean          btl_anomaly_scores_save_csv (const BtlAnomalyScores  *scores,
                                               double                   threshold,
                                               const char              *path,
                                               GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtlAnomalyScores, btl_anomaly_scores_free)

G_END_DECLS

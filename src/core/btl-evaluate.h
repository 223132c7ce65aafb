/* btl-evaluate.h — reconstruction quality of a model on a data set. */
#pragma once

#include <glib.h>

#include "btl-dataset.h"
#include "nn.h"

G_BEGIN_DECLS

typedef struct
{
  double mse;      /* mean over all pixels of all evaluated images */
  double psnr_db;  /* mean over images of 10·log10(1/mse_i), each capped at BTL_PSNR_MAX_DB */
  double ssim;     /* mean over images of btl_ssim */
  int    n;        /* images evaluated */
} BtlEvalResult;

/* Reconstructs the first `limit` images of test (0 = all) with an NnInference
 * over params/stats (NULL = the model's own buffers) and fills out.
 * BTL_ERROR_SHAPE when the model's input does not match the data set. */
gboolean btl_evaluate (NnModel        *model,
                       const float    *params,
                       const float    *stats,
                       BtlDataset     *test,
                       int             limit,
                       BtlEvalResult  *out,
                       GError        **error);

/* Same, and also writes each image's MSE to mse_per_image (n evaluated
 * entries; size it min (limit, test->n), or test->n when limit is 0).
 * out may be NULL. */
gboolean btl_evaluate_per_image (NnModel        *model,
                                 const float    *params,
                                 const float    *stats,
                                 BtlDataset     *test,
                                 int             limit,
                                 float          *mse_per_image,
                                 BtlEvalResult  *out,
                                 GError        **error);

G_END_DECLS

/* btl-evaluate.c — reconstruction quality of a model. See btl-evaluate.h. */
#include "config.h"

#include "btl-evaluate.h"

#include <glib/gi18n-lib.h>

#include "btl-error.h"
#include "btl-metrics.h"

/* Images reconstructed per NnInference call: big enough for GEMM efficiency,
 * small enough to keep the output buffer modest (256·784 floats = 800 KB). */
#define EVAL_BATCH 256

gboolean
btl_evaluate_per_image (NnModel        *model,
                        const float    *params,
                        const float    *stats,
                        BtlDataset     *test,
                        int             limit,
                        float          *mse_per_image,
                        BtlEvalResult  *out,
                        GError        **error)
{
  const NnConfig *cfg;
  NnInference *inf;
  NnError nerr = { 0 };
  g_autofree float *recon = NULL;
  double sum_mse = 0.0, sum_psnr = 0.0, sum_ssim = 0.0;
  int n, dim;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (test != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  cfg = nn_model_get_config (model);
  dim = btl_dataset_dim (test);
  if (cfg->in_channels != test->channels || cfg->in_height != test->height
      || cfg->in_width != test->width || nn_model_input_dim (model) != dim)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_SHAPE,
                   _("The model expects %d×%d×%d images but the data set “%s” has %d×%d×%d"),
                   cfg->in_channels, cfg->in_height, cfg->in_width, test->name,
                   test->channels, test->height, test->width);
      return FALSE;
    }

  n = limit > 0 ? MIN (limit, test->n) : test->n;
  if (n <= 0)
    {
      g_set_error_literal (error, BTL_ERROR, BTL_ERROR_INVALID,
                           _("No images to evaluate"));
      return FALSE;
    }

  if (params == NULL)
    params = nn_model_params (model);
  if (stats == NULL)
    stats = nn_model_stats (model);

  inf = nn_inference_new (model, MIN (n, EVAL_BATCH), &nerr);
  if (inf == NULL)
    return btl_error_from_nn (nerr.code != NN_OK ? nerr.code : NN_ERR_NOMEM, &nerr, error);

  recon = g_new (float, (size_t) MIN (n, EVAL_BATCH) * dim);
  for (int first = 0; first < n; first += EVAL_BATCH)
    {
      int count = MIN (EVAL_BATCH, n - first);
      const float *x = test->images + (size_t) first * dim;
      NnStatus st;

      st = nn_inference_reconstruct (inf, params, stats, x, count, recon, &nerr);
      if (st != NN_OK)
        {
          nn_inference_free (inf);
          return btl_error_from_nn (st, &nerr, error);
        }

      for (int i = 0; i < count; i++)
        {
          const float *a = x + (size_t) i * dim;
          const float *b = recon + (size_t) i * dim;
          double mse = btl_mse (a, b, (size_t) dim);

          if (mse_per_image != NULL)
            mse_per_image[first + i] = (float) mse;
          sum_mse += mse;
          sum_psnr += btl_psnr_from_mse (mse);
          sum_ssim += btl_ssim (a, b, test->channels, test->height, test->width);
        }
    }
  nn_inference_free (inf);

  if (out != NULL)
    {
      /* Every image has dim pixels, so the mean of per-image MSEs is the pixel mean. */
      out->mse = sum_mse / n;
      out->psnr_db = sum_psnr / n;
      out->ssim = sum_ssim / n;
      out->n = n;
    }
  return TRUE;
}

gboolean
btl_evaluate (NnModel        *model,
              const float    *params,
              const float    *stats,
              BtlDataset     *test,
              int             limit,
              BtlEvalResult  *out,
              GError        **error)
{
  g_return_val_if_fail (out != NULL, FALSE);

  return btl_evaluate_per_image (model, params, stats, test, limit, NULL, out, error);
}

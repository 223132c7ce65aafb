/* btl-anomaly.c — see btl-anomaly.h. */
#include "config.h"

#include "btl-anomaly.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"
#include "btl-metrics.h"

/* Images per NnInference call while scoring. */
#define SCORE_BATCH 256

static int
compare_by_error (gconstpointer pa,
                  gconstpointer pb,
                  gpointer      user_data)
{
  const float *errors = user_data;
  int a = *(const int *) pa;
  int b = *(const int *) pb;

  if (errors[a] > errors[b])
    return -1;
  if (errors[a] < errors[b])
    return 1;
  return a - b;
}

BtlAnomalyScores *
btl_anomaly_scores_new_from_errors (BtlDataset  *data,
                                    const float *errors,
                                    int          n)
{
  BtlAnomalyScores *scores;

  g_return_val_if_fail (n >= 0, NULL);
  g_return_val_if_fail (errors != NULL || n == 0, NULL);
  g_return_val_if_fail (data == NULL || data->n >= n, NULL);

  scores = g_new0 (BtlAnomalyScores, 1);
  scores->data = data != NULL ? btl_dataset_ref (data) : NULL;
  scores->n = n;
  scores->errors = g_new (float, MAX (n, 1));
  scores->by_error = g_new (int, MAX (n, 1));
  for (int i = 0; i < n; i++)
    {
      scores->errors[i] = errors[i];
      scores->by_error[i] = i;
    }
  g_qsort_with_data (scores->by_error, n, sizeof (int), compare_by_error, scores->errors);
  return scores;
}

BtlAnomalyScores *
btl_anomaly_scores_new (NnModel      *model,
                        const float  *params,
                        const float  *stats,
                        BtlDataset   *ds,
                        int           limit,
                        GError      **error)
{
  const NnConfig *cfg;
  NnInference *inf;
  NnError nerr = { 0 };
  g_autofree float *recon = NULL;
  g_autofree float *errors = NULL;
  int n, dim;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (ds != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  cfg = nn_model_get_config (model);
  dim = btl_dataset_dim (ds);
  if (cfg->in_channels != ds->channels || cfg->in_height != ds->height
      || cfg->in_width != ds->width || nn_model_input_dim (model) != dim)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_SHAPE,
                   _("The model expects %d×%d×%d images but the data set “%s” has %d×%d×%d"),
                   cfg->in_channels, cfg->in_height, cfg->in_width, ds->name,
                   ds->channels, ds->height, ds->width);
      return NULL;
    }
  n = limit > 0 ? MIN (limit, ds->n) : ds->n;
  if (n <= 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("The data set “%s” has no images to score"), ds->name);
      return NULL;
    }
  if (params == NULL)
    params = nn_model_params (model);
  if (stats == NULL)
    stats = nn_model_stats (model);

  inf = nn_inference_new (model, MIN (n, SCORE_BATCH), &nerr);
  if (inf == NULL)
    {
      btl_error_from_nn (nerr.code != NN_OK ? nerr.code : NN_ERR_NOMEM, &nerr, error);
      return NULL;
    }
  recon = g_new (float, (size_t) MIN (n, SCORE_BATCH) * dim);
  errors = g_new (float, n);
  for (int first = 0; first < n; first += SCORE_BATCH)
    {
      int count = MIN (SCORE_BATCH, n - first);
      const float *x = btl_dataset_image (ds, first);
      NnStatus st;

      st = nn_inference_reconstruct (inf, params, stats, x, count, recon, &nerr);
      if (st != NN_OK)
        {
          nn_inference_free (inf);
          btl_error_from_nn (st, &nerr, error);
          return NULL;
        }
      for (int i = 0; i < count; i++)
        {
          double mse = btl_mse (x + (size_t) i * dim, recon + (size_t) i * dim, dim);

          if (!isfinite (mse))
            {
              nn_inference_free (inf);
              g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                           _("The reconstruction error of image %d is not finite: "
                             "the model may have diverged"), first + i);
              return NULL;
            }
          errors[first + i] = (float) mse;
        }
    }
  nn_inference_free (inf);

  return btl_anomaly_scores_new_from_errors (ds, errors, n);
}

void
btl_anomaly_scores_free (BtlAnomalyScores *scores)
{
  if (scores == NULL)
    return;
  g_clear_pointer (&scores->data, btl_dataset_unref);
  g_free (scores->errors);
  g_free (scores->by_error);
  g_free (scores);
}

double
btl_anomaly_scores_percentile (const BtlAnomalyScores *scores,
                               double                  q)
{
  double pos, frac;
  int lo, hi;

  g_return_val_if_fail (scores != NULL, NAN);

  if (scores->n == 0 || isnan (q))
    return NAN;
  q = CLAMP (q, 0.0, 100.0);
  /* by_error is descending: the k-th smallest is by_error[n − 1 − k]. */
  pos = q / 100.0 * (scores->n - 1);
  lo = (int) floor (pos);
  hi = MIN (lo + 1, scores->n - 1);
  frac = pos - lo;
  return (1.0 - frac) * scores->errors[scores->by_error[scores->n - 1 - lo]]
         + frac * scores->errors[scores->by_error[scores->n - 1 - hi]];
}

int
btl_anomaly_scores_count_above (const BtlAnomalyScores *scores,
                                double                  threshold)
{
  int lo = 0, hi;

  g_return_val_if_fail (scores != NULL, 0);

  /* Binary search on the descending order for the first error ≤ threshold. */
  hi = scores->n;
  while (lo < hi)
    {
      int mid = lo + (hi - lo) / 2;

      if (scores->errors[scores->by_error[mid]] > threshold)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

gboolean
btl_anomaly_scores_per_class (const BtlAnomalyScores *scores,
                              double                  threshold,
                              int                    *flagged,
                              int                    *total)
{
  int n_classes;

  g_return_val_if_fail (scores != NULL, FALSE);

  if (scores->data == NULL || scores->data->labels == NULL || scores->data->n_classes <= 0)
    return FALSE;
  n_classes = scores->data->n_classes;
  for (int k = 0; k < n_classes; k++)
    {
      if (flagged != NULL)
        flagged[k] = 0;
      if (total != NULL)
        total[k] = 0;
    }
  for (int i = 0; i < scores->n; i++)
    {
      int k = scores->data->labels[i];

      if (k >= n_classes)
        continue;
      if (total != NULL)
        total[k]++;
      if (flagged != NULL && scores->errors[i] > threshold)
        flagged[k]++;
    }
  return TRUE;
}

gboolean
btl_anomaly_scores_save_csv (const BtlAnomalyScores  *scores,
                             double                   threshold,
                             const char              *path,
                             GError                 **error)
{
  g_autoptr(GString) csv = g_string_new ("rank,index,label,class,error,psnr_db\n");
  gboolean labelled;
  int count;

  g_return_val_if_fail (scores != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  labelled = scores->data != NULL && scores->data->labels != NULL;
  count = btl_anomaly_scores_count_above (scores, threshold);
  for (int r = 0; r < count; r++)
    {
      int i = scores->by_error[r];
      char err_buf[G_ASCII_DTOSTR_BUF_SIZE], psnr_buf[G_ASCII_DTOSTR_BUF_SIZE];

      /* g_ascii_formatd: a '.' decimal point whatever the locale. */
      g_ascii_formatd (err_buf, sizeof err_buf, "%.7g", scores->errors[i]);
      g_ascii_formatd (psnr_buf, sizeof psnr_buf, "%.4f",
                       btl_psnr_from_mse (scores->errors[i]));
      g_string_append_printf (csv, "%d,%d,", r + 1, i);
      if (labelled)
        {
          int k = scores->data->labels[i];
          const char *name = k < scores->data->n_classes && scores->data->class_names != NULL
                             ? scores->data->class_names[k] : "";
          g_autofree char *quoted = NULL;

          /* RFC 4180: quote a field holding a comma or a quote, double the quotes. */
          if (strpbrk (name, ",\"\n") != NULL)
            {
              g_auto(GStrv) parts = g_strsplit (name, "\"", -1);
              g_autofree char *joined = g_strjoinv ("\"\"", parts);

              quoted = g_strdup_printf ("\"%s\"", joined);
            }
          g_string_append_printf (csv, "%d,%s,", k, quoted != NULL ? quoted : name);
        }
      else
        g_string_append (csv, ",,");
      g_string_append_printf (csv, "%s,%s\n", err_buf, psnr_buf);
    }

  /* g_file_set_contents writes a temporary file and renames it over path. */
  return g_file_set_contents (path, csv->str, (gssize) csv->len, error);
}

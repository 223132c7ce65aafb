/* btl-compress-job.c — the Compress page's worker. See btl-compress-job.h.
 * All the measuring is the core's (btl-compare.h); this file only decides
 * what to run, in which order, and hands the table over before the curves. */
#include "config.h"

#include "btl-compress-job.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "btl-app-hold.h"
#include "btl-error.h"
#include "btl-image.h"
#include "btl-tiles.h"

/* Training images used to fit the PCA baseline and, for models without
 * saved latent statistics, to measure the quantisation ranges. */
#define BASELINE_SAMPLES    2000
#define CALIBRATION_SAMPLES 1000

struct _BtlBaselineRef
{
  gint            ref_count;
  BtlPcaBaseline *baseline;
};

BtlBaselineRef *
btl_baseline_ref_new (BtlPcaBaseline *baseline)
{
  BtlBaselineRef *ref = g_new0 (BtlBaselineRef, 1);

  ref->ref_count = 1;
  ref->baseline = baseline;
  return ref;
}

BtlBaselineRef *
btl_baseline_ref (BtlBaselineRef *ref)
{
  g_atomic_int_inc (&ref->ref_count);
  return ref;
}

void
btl_baseline_unref (BtlBaselineRef *ref)
{
  if (ref == NULL || !g_atomic_int_dec_and_test (&ref->ref_count))
    return;
  btl_pca_baseline_free (ref->baseline);
  g_free (ref);
}

BtlPcaBaseline *
btl_baseline_ref_get (BtlBaselineRef *ref)
{
  return ref->baseline;
}

BtlCompressRequest *
btl_compress_request_new (void)
{
  BtlCompressRequest *request = g_new0 (BtlCompressRequest, 1);

  btl_model_info_init (&request->info);
  request->original_bytes = -1;
  request->mode = BTL_CODEC_MODE_TILES;
  request->bits = BTL_CODEC_DEFAULT_BITS;
  return request;
}

void
btl_compress_request_free (BtlCompressRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->path);
  g_clear_pointer (&request->bytes, g_bytes_unref);
  g_free (request->name);
  g_clear_object (&request->pixbuf);
  g_clear_pointer (&request->snapshot, nn_snapshot_unref);
  btl_model_info_clear (&request->info);
  g_clear_pointer (&request->train, btl_dataset_unref);
  g_clear_pointer (&request->baseline, btl_baseline_unref);
  g_clear_object (&request->rd_cancellable);
  g_free (request);
}

void
btl_compress_result_free (BtlCompressResult *result)
{
  if (result == NULL)
    return;
  g_clear_object (&result->pixbuf);
  g_free (result->name);
  g_free (result->source_note);
  g_clear_pointer (&result->comparison, btl_comparison_free);
  for (int r = 0; r < BTL_COMPARE_N_ROWS; r++)
    g_clear_object (&result->row_pixbufs[r]);
  g_free (result->model_note);
  g_free (result->fingerprint);
  g_clear_pointer (&result->baseline, btl_baseline_unref);
  g_clear_pointer (&result->rd, g_array_unref);
  g_free (result->rd_note);
  g_free (result);
}

typedef struct
{
  BtlCompressRequest      *request;
  BtlCompressTableFunc     table_func;
  gpointer                 table_data;
  BtlCompressProgressFunc  progress_func;
  gpointer                 progress_data;
  BtlCompressResult       *result;      /* owned until returned */
  GTask                   *task;        /* borrowed: the worker's */

  /* the latest progress, written by the worker, read by one queued idle */
  GMutex                   lock;
  BtlCompressProgress      progress;
  gboolean                 progress_queued;
} JobData;

static void
job_data_free (gpointer data)
{
  JobData *d = data;

  btl_compress_request_free (d->request);
  btl_compress_result_free (d->result);
  g_mutex_clear (&d->lock);
  g_free (d);
}

static gboolean
deliver_progress (gpointer data)
{
  GTask *task = data;
  JobData *d = g_task_get_task_data (task);
  BtlCompressProgress p;

  g_mutex_lock (&d->lock);
  p = d->progress;
  d->progress_queued = FALSE;
  g_mutex_unlock (&d->lock);
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    d->progress_func (&p, d->progress_data);
  return G_SOURCE_REMOVE;
}

/* Worker side: keeps the latest, queues one delivery if none is pending. */
static void
post_progress (JobData          *d,
               BtlCompressPhase  phase,
               int               done,
               int               total,
               const char       *series,
               int               setting)
{
  gboolean queue;

  if (d->progress_func == NULL)
    return;
  g_mutex_lock (&d->lock);
  d->progress = (BtlCompressProgress) { phase, done, total, series, setting };
  queue = !d->progress_queued;
  d->progress_queued = TRUE;
  g_mutex_unlock (&d->lock);
  if (queue)
    g_main_context_invoke_full (g_task_get_context (d->task), G_PRIORITY_DEFAULT,
                                deliver_progress, g_object_ref (d->task), g_object_unref);
}

static void
on_table_progress (int         done,
                   int         total,
                   const char *series,
                   int         setting,
                   gpointer    user_data)
{
  post_progress (user_data, BTL_COMPRESS_PHASE_TABLE, done, total, series, setting);
}

static void
on_curves_progress (int         done,
                    int         total,
                    const char *series,
                    int         setting,
                    gpointer    user_data)
{
  post_progress (user_data, BTL_COMPRESS_PHASE_CURVES, done, total, series, setting);
}

static gboolean
is_btlz (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return len >= 4 && memcmp (data, "BTLZ", 4) == 0;
}

static gboolean
dataset_fits (BtlDataset     *ds,
              const NnConfig *cfg)
{
  return ds != NULL && ds->channels == cfg->in_channels && ds->height == cfg->in_height
         && ds->width == cfg->in_width && ds->n >= 2;
}

/* Reads the picture; a .btlz is decoded with the model (which must be the
 * one that wrote it: the codec's error names both fingerprints). */
static GdkPixbuf *
load_picture (BtlCompressRequest  *req,
              BtlCodec            *codec,
              BtlCompressResult   *result,
              GError             **error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autofree float *image = NULL;
  BtlCodecHeader header;

  if (req->pixbuf != NULL)
    {
      result->original_bytes = req->original_bytes;
      return g_object_ref (req->pixbuf);
    }

  if (req->path != NULL)
    {
      /* Only a .btlz is read whole here; pictures go through the loader
       * that checks the pixel limit before decoding. */
      g_autoptr (GFile) file = g_file_new_for_path (req->path);
      g_autoptr (GFileInputStream) in = g_file_read (file, NULL, NULL);
      guint8 magic[4] = { 0 };
      GStatBuf st;

      if (g_stat (req->path, &st) == 0)
        result->original_bytes = st.st_size;
      if (in != NULL
          && g_input_stream_read (G_INPUT_STREAM (in), magic, 4, NULL, NULL) == 4
          && memcmp (magic, "BTLZ", 4) == 0)
        {
          bytes = btl_codec_read_file (req->path, error);
          if (bytes == NULL)
            return NULL;
        }
      else
        return btl_tiles_load_image (req->path, BTL_IMAGE_MAX_PIXELS, error);
    }
  else
    {
      result->original_bytes = (gint64) g_bytes_get_size (req->bytes);
      if (!is_btlz (req->bytes))
        return btl_tiles_load_image_bytes (req->bytes, req->name, BTL_IMAGE_MAX_PIXELS, error);
      bytes = g_bytes_ref (req->bytes);
    }

  if (codec == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("%s is a compressed picture: train or open the model that made it "
                     "to decompress it"), req->name);
      return NULL;
    }
  image = btl_codec_decompress (codec, bytes, &header, error);
  if (image == NULL)
    return NULL;
  result->source_note = g_strdup_printf (_("decompressed from %s (%s mode, %d bits)"),
                                         req->name, btl_codec_mode_to_string (header.mode),
                                         header.bits);
  return btl_pixbuf_from_floats (image, header.channels, header.height, header.width);
}

/* The table, handed to the main thread while the curves are computed. The
 * closure keeps the task (and so the result, whichever of the task's data
 * or its returned value holds it) alive until it has run. */
typedef struct
{
  GTask             *task;
  BtlCompressResult *result;
} Partial;

static void
partial_free (gpointer data)
{
  Partial *p = data;

  g_object_unref (p->task);
  g_free (p);
}

static gboolean
deliver_table (gpointer data)
{
  Partial *p = data;
  JobData *d = g_task_get_task_data (p->task);

  if (!g_cancellable_is_cancelled (g_task_get_cancellable (p->task)) && d->table_func != NULL)
    d->table_func (p->result, d->table_data);
  return G_SOURCE_REMOVE;
}

static void
job_run (GTask         *task,
         gpointer       task_data,
         GCancellable  *cancellable,
         NnModel      **model_out)
{
  JobData *d = task_data;
  BtlCompressRequest *req = d->request;
  BtlCompressResult *result;
  g_autoptr (BtlCodec) codec = NULL;
  g_autoptr (GError) error = NULL;
  BtlPcaBaseline *baseline = NULL;
  NnModel *model;
  gint64 t0;
  NnError nerr = { 0 };

  result = d->result = g_new0 (BtlCompressResult, 1);
  result->original_bytes = -1;
  result->name = g_strdup (req->name);
  t0 = g_get_monotonic_time ();
  post_progress (d, BTL_COMPRESS_PHASE_LOADING, 0, 1, NULL, -1);

  if (req->has_model)
    {
      model = *model_out = nn_model_new (&req->config, &nerr);
      if (model == NULL)
        {
          btl_error_from_nn (nerr.code, &nerr, &error);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      codec = btl_codec_new_for_model (model, req->snapshot->params, req->snapshot->stats,
                                       req->info.latent_dim > 0 ? &req->info : NULL, &error);
      if (codec == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* No saved latent statistics (a model still training): measure the
       * ranges on training images rather than on the picture itself. */
      if (btl_codec_get_range_source (codec) == BTL_CODEC_RANGES_IMAGE
          && dataset_fits (req->train, &req->config))
        {
          int n = MIN (req->train->n, CALIBRATION_SAMPLES);
          int dim = btl_dataset_dim (req->train);
          g_autofree float *x = g_new (float, (gsize) n * dim);

          for (int i = 0; i < n; i++)
            memcpy (x + (gsize) i * dim,
                    btl_dataset_image (req->train, (int) ((gint64) i * req->train->n / n)),
                    sizeof (float) * dim);
          if (!btl_codec_calibrate (codec, x, n, &error))
            g_clear_error (&error);   /* falls back to the picture's own ranges */
        }
      result->range_source = btl_codec_get_range_source (codec);
      result->fingerprint = g_strdup (btl_codec_get_fingerprint (codec));
    }

  result->pixbuf = load_picture (req, codec, result, &error);
  if (result->pixbuf == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  if (codec == NULL)
    {
      result->model_note = g_strdup (_("Train a model or open one to compress this picture."));
      g_task_return_pointer (task, g_steal_pointer (&d->result),
                             (GDestroyNotify) btl_compress_result_free);
      return;
    }

  /* The PCA baseline, fitted once per training set and shape. */
  if (req->baseline != NULL)
    result->baseline = btl_baseline_ref (req->baseline);
  else if (dataset_fits (req->train, &req->config))
    {
      int latent = btl_codec_get_latent_dim (codec);
      BtlPcaBaseline *fitted =
        btl_pca_baseline_new_from_dataset (req->train, BASELINE_SAMPLES,
                                           MIN (2 * latent, btl_dataset_dim (req->train)),
                                           &error);

      if (fitted != NULL)
        result->baseline = btl_baseline_ref_new (fitted);
      else
        {
          result->model_note = g_strdup_printf (_("No PCA baseline: %s"), error->message);
          g_clear_error (&error);
        }
    }
  else
    result->model_note = g_strdup (_("No PCA baseline: it is fitted on the training "
                                     "images, and none of the model’s input shape "
                                     "are loaded."));
  if (result->baseline != NULL)
    baseline = btl_baseline_ref_get (result->baseline);
  if (g_task_return_error_if_cancelled (task))
    return;

  result->comparison = btl_comparison_new (codec, baseline, result->pixbuf, req->mode,
                                           req->bits, TRUE, on_table_progress, d,
                                           cancellable, &error);
  if (result->comparison == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The rows as 8-bit pictures, here rather than on the main thread (each
   * is ~0.2 s for a 12 MP picture), and their floats dropped: the values
   * are k/255, so the bytes hold them exactly, in a quarter of the memory
   * (720 → 180 MB for the rows of a 12 MP RGB picture). */
  for (int r = 0; r < BTL_COMPARE_N_ROWS; r++)
    {
      BtlComparison *cmp = result->comparison;
      BtlCompareRow *row = &cmp->rows[r];

      if (row->image == NULL)
        continue;
      result->row_pixbufs[r] = btl_pixbuf_from_floats (row->image, cmp->channels,
                                                       cmp->height, cmp->width);
      if (row->image != cmp->reference)
        g_free (row->image);
      row->image = NULL;
    }
  result->seconds_table = (g_get_monotonic_time () - t0) / 1e6;

  /* Hand the table over now; the curves take several times longer. From
   * here on this thread writes only the rd fields, which the main thread
   * reads only in the final callback. */
  {
    Partial *p = g_new0 (Partial, 1);

    p->task = g_object_ref (task);
    p->result = result;
    g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT,
                                deliver_table, p, partial_free);
  }

  if (req->want_rd && !g_cancellable_is_cancelled (cancellable))
    {
      /* The page cancels both when the job is replaced, rd_cancellable
       * alone when only the curves are to stop. */
      GCancellable *rd_cancel = req->rd_cancellable != NULL ? req->rd_cancellable
                                                            : cancellable;

      t0 = g_get_monotonic_time ();
      result->rd = btl_comparison_rd (codec, baseline, result->pixbuf, req->mode,
                                      req->bits, on_curves_progress, d, rd_cancel, &error);
      if (result->rd == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            result->rd_note = g_strdup (_("The curves were stopped."));
          else
            result->rd_note = g_strdup (error->message);
          g_clear_error (&error);
        }
      result->seconds_rd = (g_get_monotonic_time () - t0) / 1e6;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_pointer (task, g_steal_pointer (&d->result),
                         (GDestroyNotify) btl_compress_result_free);
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  NnModel *model = NULL;

  job_run (task, task_data, cancellable, &model);
  /* The codecs that borrowed it are gone with job_run's frame. */
  g_clear_pointer (&model, nn_model_free);
}

/* The caller's callback, run on the main thread; the application is held
 * from the start of the job until then, so the process does not exit while
 * the thread is inside BLAS. */
typedef struct
{
  GAsyncReadyCallback callback;
  gpointer            user_data;
  GApplication       *held;
} JobDone;

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  JobDone *jd = user_data;

  jd->callback (source, result, jd->user_data);
  btl_app_release (jd->held);
  g_free (jd);
}

void
btl_compress_job_run (BtlCompressRequest      *request,
                      GCancellable            *cancellable,
                      BtlCompressTableFunc     table_func,
                      gpointer                 table_data,
                      BtlCompressProgressFunc  progress_func,
                      gpointer                 progress_data,
                      GAsyncReadyCallback      callback,
                      gpointer                 user_data)
{
  g_autoptr (GTask) task = NULL;
  JobData *d;
  JobDone *jd;

  g_return_if_fail (request != NULL);
  g_return_if_fail (request->path != NULL || request->bytes != NULL || request->pixbuf != NULL);
  g_return_if_fail (!request->has_model || request->snapshot != NULL);

  d = g_new0 (JobData, 1);
  d->request = request;
  d->table_func = table_func;
  d->table_data = table_data;
  d->progress_func = progress_func;
  d->progress_data = progress_data;
  g_mutex_init (&d->lock);
  if (d->request->name == NULL)
    d->request->name = request->path != NULL ? g_path_get_basename (request->path)
                                             : g_strdup (_("pasted picture"));

  jd = g_new0 (JobDone, 1);
  jd->callback = callback;
  jd->user_data = user_data;
  jd->held = btl_app_hold ();
  task = g_task_new (NULL, cancellable, job_done, jd);
  g_task_set_source_tag (task, btl_compress_job_run);
  g_task_set_task_data (task, d, job_data_free);
  d->task = task;
  /* The callback gets G_IO_ERROR_CANCELLED rather than a stale result. */
  g_task_set_check_cancellable (task, TRUE);
  g_task_run_in_thread (task, job_thread);
}

BtlCompressResult *
btl_compress_job_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

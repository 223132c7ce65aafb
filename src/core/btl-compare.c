/* btl-compare.c — comparison table and rate–distortion points.
 * See btl-compare.h. */
#include "config.h"

#include "btl-compare.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"
#include "btl-image.h"
#include "nn-blas.h"
#include "btl-jpeg.h"
#include "btl-metrics.h"
#include "btl-tiles.h"

static const char *const row_names[BTL_COMPARE_N_ROWS] = {
  "original", "autoencoder", "jpeg", "webp", "pca",
};

/* Settings the curves sweep. */
static const int rd_bits[] = { 2, 3, 4, 5, 6, 8, 10, 12, 16 };
static const int rd_qualities[] = { 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95 };
static const char *const rd_formats[] = { "jpeg", "webp" };

/* ------------------------------------------------------------ PCA baseline */

BtlPcaBaseline *
btl_pca_baseline_new (const float  *samples,
                      int           n,
                      int           channels,
                      int           tile_h,
                      int           tile_w,
                      int           max_components,
                      GError      **error)
{
  g_autoptr (BtlPcaBaseline) baseline = g_new0 (BtlPcaBaseline, 1);
  g_autofree float *z = NULL;
  int dim = channels * tile_h * tile_w, k;

  g_return_val_if_fail (samples != NULL || n <= 0, NULL);

  baseline->pca = btl_pca_fit (samples, n, dim, max_components, error);
  if (baseline->pca == NULL)
    return NULL;
  k = baseline->pca->n_components;
  baseline->channels = channels;
  baseline->tile_h = tile_h;
  baseline->tile_w = tile_w;
  baseline->n_samples = n;
  baseline->range_min = g_new (float, k);
  baseline->range_max = g_new (float, k);

  /* Ranges over the fitting sample, like the autoencoder's over its
   * training set. */
  z = g_new (float, (gsize) n * k);
  btl_pca_project (baseline->pca, samples, n, k, z);
  for (int c = 0; c < k; c++)
    {
      baseline->range_min[c] = INFINITY;
      baseline->range_max[c] = -INFINITY;
    }
  for (int i = 0; i < n; i++)
    for (int c = 0; c < k; c++)
      {
        float v = z[(gsize) i * k + c];

        baseline->range_min[c] = MIN (baseline->range_min[c], v);
        baseline->range_max[c] = MAX (baseline->range_max[c], v);
      }
  return g_steal_pointer (&baseline);
}

BtlPcaBaseline *
btl_pca_baseline_new_from_dataset (BtlDataset  *dataset,
                                   int          max_samples,
                                   int          max_components,
                                   GError     **error)
{
  g_autofree float *x = NULL;
  int n, dim;

  g_return_val_if_fail (dataset != NULL, NULL);

  n = MIN (dataset->n, MAX (max_samples, 2));
  dim = btl_dataset_dim (dataset);
  if (n < 2)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("the PCA baseline needs at least 2 images in “%s”"), dataset->name);
      return NULL;
    }
  x = g_new (float, (gsize) n * dim);
  /* Evenly spaced images: a fair sample of every class, deterministic. */
  for (int i = 0; i < n; i++)
    memcpy (x + (gsize) i * dim,
            btl_dataset_image (dataset, (int) ((gint64) i * dataset->n / n)),
            sizeof (float) * dim);
  return btl_pca_baseline_new (x, n, dataset->channels, dataset->height,
                               dataset->width, max_components, error);
}

void
btl_pca_baseline_free (BtlPcaBaseline *baseline)
{
  if (baseline == NULL)
    return;
  btl_pca_free (baseline->pca);
  g_free (baseline->range_min);
  g_free (baseline->range_max);
  g_free (baseline);
}

BtlCodec *
btl_pca_baseline_codec (BtlPcaBaseline  *baseline,
                        int              n_components,
                        GError         **error)
{
  g_autoptr (BtlCodec) codec = NULL;

  g_return_val_if_fail (baseline != NULL, NULL);

  codec = btl_codec_new_for_pca (baseline->pca, n_components, baseline->channels,
                                 baseline->tile_h, baseline->tile_w, error);
  if (codec == NULL
      || !btl_codec_set_ranges (codec, baseline->range_min, baseline->range_max, error))
    return NULL;
  return g_steal_pointer (&codec);
}

/* ------------------------------------------------------------ measuring */

static void
measure (BtlCompareRow *row,
         const float   *reference,
         int            channels,
         int            height,
         int            width)
{
  gsize n = (gsize) channels * height * width;

  row->available = TRUE;
  row->bytes = g_bytes_get_size (row->data);
  row->bpp = 8.0 * (double) row->bytes / ((double) height * width);
  row->ratio = (double) n / (double) MAX (row->bytes, 1);
  row->mse = btl_mse (reference, row->image, n);
  row->psnr_db = btl_psnr_from_mse (row->mse);
  row->ssim = btl_ssim (reference, row->image, channels, height, width);
}

static void
row_unavailable (BtlCompareRow *row,
                 char          *note)   /* (transfer full) */
{
  row->available = FALSE;
  g_free (row->note);
  row->note = note;
  row->mse = row->psnr_db = row->ssim = row->bpp = row->ratio = NAN;
}

/* Progress over a run of steps (rows or points). The curves run in two
 * threads: the lock keeps the count right and the calls one at a time. */
typedef struct
{
  BtlCompareProgressFunc func;
  gpointer               data;
  int                    done;
  int                    total;
  GMutex                *lock;
} Progress;

static void
progress_next (Progress   *p,
               const char *series,
               int         setting)
{
  g_mutex_lock (p->lock);
  if (p->func != NULL)
    p->func (p->done, p->total, series, setting, p->data);
  g_mutex_unlock (p->lock);
}

static void
progress_done (Progress *p)
{
  g_mutex_lock (p->lock);
  p->done++;
  g_mutex_unlock (p->lock);
}

/* A classical codec at the largest quality that fits in target bytes. */
static void
lossy_row (BtlCompareRow *row,
           const char    *format,
           GdkPixbuf     *reference_pixbuf,
           const float   *reference,
           int            channels,
           int            height,
           int            width,
           gsize          target,
           GCancellable  *cancellable)
{
  g_autoptr (GError) error = NULL;
  BtlJpegMatch match;

  if (!btl_jpeg_format_available (format))
    {
      row_unavailable (row, g_strdup_printf (_("gdk-pixbuf cannot write %s here"), format));
      return;
    }
  /* Cancelled: the caller finds out and drops the whole comparison. */
  if (!btl_jpeg_match_size (reference_pixbuf, format, target, &match, cancellable, &error))
    {
      row_unavailable (row, g_strdup (error->message));
      return;
    }
  row->seconds = match.seconds;
  if (match.bytes == NULL)
    {
      row_unavailable (row, g_strdup_printf (_("no quality fits in %zu bytes (quality %d needs %zu)"),
                                             (size_t) target, BTL_JPEG_MIN_QUALITY,
                                             (size_t) match.smallest));
      btl_jpeg_match_clear (&match);
      return;
    }
  row->data = g_bytes_ref (match.bytes);
  row->setting = match.quality;
  row->image = g_try_new (float, (gsize) channels * height * width);
  if (row->image == NULL
      || !btl_jpeg_decode_into (match.bytes, channels, height, width, row->image, &error))
    {
      btl_jpeg_match_clear (&match);
      g_clear_pointer (&row->image, g_free);
      row_unavailable (row, g_strdup_printf (_("cannot decode the %s file: %s"), format,
                                             error != NULL ? error->message
                                             : _("not enough memory")));
      return;
    }
  btl_jpeg_match_clear (&match);
  measure (row, reference, channels, height, width);
  row->note = g_strdup_printf (_("quality %d (%d encodes)"), row->setting, match.n_encodes);
}

/* One size-matched row with its progress, for a thread of its own. */
typedef struct
{
  BtlComparison *cmp;
  BtlCompareRow *row;
  const char    *format;
  GdkPixbuf     *ref_pixbuf;
  gsize          target;
  gboolean       keep_images;
  Progress      *pr;
  GCancellable  *cancellable;
} LossyJob;

static void done_with_image (BtlComparison *cmp,
                             BtlCompareRow *row,
                             gboolean       keep_images);

static gpointer
lossy_job (gpointer data)
{
  LossyJob *job = data;

  progress_next (job->pr, job->format, -1);
  lossy_row (job->row, job->format, job->ref_pixbuf, job->cmp->reference,
             job->cmp->channels, job->cmp->height, job->cmp->width, job->target,
             job->cancellable);
  done_with_image (job->cmp, job->row, job->keep_images);
  progress_done (job->pr);
  return NULL;
}

static gboolean
codec_row (BtlCompareRow  *row,
           BtlCodec       *codec,
           const float    *reference,
           int             height,
           int             width,
           BtlCodecMode    mode,
           int             bits,
           GError        **error)
{
  gint64 start = g_get_monotonic_time ();

  row->data = btl_codec_compress (codec, reference, height, width, mode, bits,
                                  &row->image, error);
  if (row->data == NULL)
    return FALSE;
  row->seconds = (g_get_monotonic_time () - start) / 1e6;
  row->setting = bits;
  measure (row, reference, btl_codec_get_channels (codec), height, width);
  row->note = g_strdup_printf (_("%d bits × %d coefficients per %d×%d tile"),
                               bits, btl_codec_get_latent_dim (codec),
                               btl_codec_get_tile_width (codec),
                               btl_codec_get_tile_height (codec));
  return TRUE;
}

/* Measured: the picture goes unless the caller wants the pictures. */
static void
done_with_image (BtlComparison *cmp,
                 BtlCompareRow *row,
                 gboolean       keep_images)
{
  if (keep_images)
    return;
  if (row->image != cmp->reference)
    g_free (row->image);
  row->image = NULL;
}

BtlComparison *
btl_comparison_new (BtlCodec               *codec,
                    BtlPcaBaseline         *baseline,
                    GdkPixbuf              *pixbuf,
                    BtlCodecMode            mode,
                    int                     bits,
                    gboolean                keep_images,
                    BtlCompareProgressFunc  progress,
                    gpointer                progress_data,
                    GCancellable           *cancellable,
                    GError                **error)
{
  g_autoptr (BtlComparison) cmp = g_new0 (BtlComparison, 1);
  g_autoptr (GdkPixbuf) ref_pixbuf = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (GMutex) lock = { 0 };
  Progress pr = { progress, progress_data, 0, BTL_COMPARE_N_ROWS, &lock };
  BtlCompareRow *row;
  char *png = NULL;
  gsize png_len = 0;
  int c;

  g_return_val_if_fail (codec != NULL && GDK_IS_PIXBUF (pixbuf), NULL);

  g_mutex_init (&lock);
  for (int r = 0; r < BTL_COMPARE_N_ROWS; r++)
    {
      cmp->rows[r].kind = r;
      cmp->rows[r].name = row_names[r];
      cmp->rows[r].setting = -1;
      row_unavailable (&cmp->rows[r], NULL);
    }
  c = cmp->channels = btl_codec_get_channels (codec);
  cmp->mode = mode;
  cmp->bits = bits;
  cmp->reference = btl_codec_prepare_image (codec, pixbuf, mode, &cmp->height,
                                            &cmp->width);
  if (cmp->reference == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_FAILED, _("cannot convert the picture"));
      return NULL;
    }
  ref_pixbuf = btl_pixbuf_from_floats (cmp->reference, c, cmp->height, cmp->width);

  /* The autoencoder first: its size is everyone's budget. */
  progress_next (&pr, "autoencoder", bits);
  if (!codec_row (&cmp->rows[BTL_COMPARE_AUTOENCODER], codec, cmp->reference,
                  cmp->height, cmp->width, mode, bits, error))
    return NULL;
  done_with_image (cmp, &cmp->rows[BTL_COMPARE_AUTOENCODER], keep_images);
  progress_done (&pr);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  /* Original: the reference as a lossless PNG (gdk-pixbuf writes RGB).
   * zlib level 9, but 3 above BTL_COMPARE_PNG_FAST_PIXELS: level 9 took
   * 12 s on a 12 MP gray picture (written as RGB), level 3 1.2 s for 10 %
   * more bytes (and as many as level 6 on colour). */
  progress_next (&pr, "original", -1);
  row = &cmp->rows[BTL_COMPARE_ORIGINAL];
  if (gdk_pixbuf_save_to_buffer (ref_pixbuf, &png, &png_len, "png", &local_error,
                                 "compression",
                                 (gint64) cmp->height * cmp->width > BTL_COMPARE_PNG_FAST_PIXELS
                                 ? "3" : "9", NULL))
    {
      row->data = g_bytes_new_take (png, png_len);
      /* Not a copy: the reference is exactly what the PNG decodes to. */
      row->image = cmp->reference;
      measure (row, cmp->reference, c, cmp->height, cmp->width);
      /* gdk-pixbuf writes 8-bit RGB only: a gray picture's PNG carries
       * three equal channels (deflate absorbs most, not all, of that). */
      row->note = g_strdup (c == 1 ? _("lossless PNG (written as RGB)") : _("lossless PNG"));
      done_with_image (cmp, row, keep_images);
    }
  else
    row_unavailable (row, g_strdup (local_error->message));
  progress_done (&pr);

  {
    LossyJob jobs[2] = {
      { cmp, &cmp->rows[BTL_COMPARE_JPEG], "jpeg", ref_pixbuf,
        cmp->rows[BTL_COMPARE_AUTOENCODER].bytes, keep_images, &pr, cancellable },
      { cmp, &cmp->rows[BTL_COMPARE_WEBP], "webp", ref_pixbuf,
        cmp->rows[BTL_COMPARE_AUTOENCODER].bytes, keep_images, &pr, cancellable },
    };
    GThread *thread = NULL;

    if (g_cancellable_set_error_if_cancelled (cancellable, error))
      return NULL;
    /* The two size searches at once where there are two processors: they
     * are most of the table's time on a big picture. */
    if (g_get_num_processors () > 1)
      thread = g_thread_try_new ("compare-jpeg", lossy_job, &jobs[0], NULL);
    if (thread == NULL)
      lossy_job (&jobs[0]);
    lossy_job (&jobs[1]);
    if (thread != NULL)
      g_thread_join (thread);
  }
  g_clear_object (&ref_pixbuf);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  row = &cmp->rows[BTL_COMPARE_PCA];
  if (baseline == NULL)
    row_unavailable (row, g_strdup (_("no PCA baseline (no training sample)")));
  else
    {
      g_autoptr (BtlCodec) pca_codec = NULL;
      g_autoptr (GError) pca_error = NULL;

      progress_next (&pr, "pca", btl_codec_get_latent_dim (codec));
      pca_codec = btl_pca_baseline_codec (baseline, btl_codec_get_latent_dim (codec),
                                          &pca_error);
      if (pca_codec == NULL
          || !codec_row (row, pca_codec, cmp->reference, cmp->height, cmp->width,
                         mode, bits, &pca_error))
        row_unavailable (row, g_strdup (pca_error->message));
      done_with_image (cmp, row, keep_images);
    }
  pr.done = pr.total;
  progress_next (&pr, NULL, -1);

  return g_steal_pointer (&cmp);
}

void
btl_comparison_free (BtlComparison *comparison)
{
  if (comparison == NULL)
    return;
  for (int r = 0; r < BTL_COMPARE_N_ROWS; r++)
    {
      g_free (comparison->rows[r].note);
      if (comparison->rows[r].image != comparison->reference)
        g_free (comparison->rows[r].image);
      g_clear_pointer (&comparison->rows[r].data, g_bytes_unref);
    }
  g_free (comparison->reference);
  g_free (comparison);
}

/* ------------------------------------------------------------ curves */

/* The PCA curve's settings: 1, 2, 4, … coefficients, ending with all that
 * were fitted. 0 after the last. */
static int
pca_next_k (int k,
            int max_k)
{
  if (k >= max_k)
    return 0;
  return 2 * k > max_k ? max_k : 2 * k;
}

int
btl_comparison_rd_n_points (BtlPcaBaseline *baseline)
{
  int n = G_N_ELEMENTS (rd_bits);

  for (guint f = 0; f < G_N_ELEMENTS (rd_formats); f++)
    if (btl_jpeg_format_available (rd_formats[f]))
      n += G_N_ELEMENTS (rd_qualities);
  if (baseline != NULL)
    for (int k = 1; k > 0; k = pca_next_k (k, baseline->pca->n_components))
      n++;
  return n;
}

static void
add_point (GArray      *points,
           const char  *series,
           int          setting,
           gsize        bytes,
           const float *reference,
           const float *image,
           int          channels,
           int          height,
           int          width)
{
  BtlRdPoint p;

  p.series = series;
  p.setting = setting;
  p.bytes = bytes;
  p.bpp = 8.0 * (double) bytes / ((double) height * width);
  p.psnr_db = btl_psnr_from_mse (btl_mse (reference, image,
                                          (gsize) channels * height * width));
  p.ssim = btl_ssim (reference, image, channels, height, width);
  g_array_append_val (points, p);
}

static gboolean
codec_curve (GArray       *points,
             const char   *series,
             BtlCodec     *codec,
             const float  *reference,
             float        *recon,     /* (channels, height, width), reused */
             int           height,
             int           width,
             BtlCodecMode  mode,
             const int    *bits,
             int           n_bits,
             int           setting,    /* ≥ 0: the label instead of bits */
             Progress     *pr,
             GCancellable *cancellable,
             GError      **error)
{
  g_autofree float *z = NULL;

  for (int i = 0; i < n_bits; i++)
    {
      g_autoptr (GBytes) bytes = NULL;
      int label = setting >= 0 ? setting : bits[i];

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      progress_next (pr, series, label);
      /* The codes do not depend on the bits: the encoder runs once. */
      if (z == NULL
          && (z = btl_codec_encode_image (codec, reference, height, width, mode, NULL,
                                          error)) == NULL)
        return FALSE;
      bytes = btl_codec_compress_codes (codec, z, height, width, mode, bits[i],
                                        recon, error);
      if (bytes == NULL)
        return FALSE;
      add_point (points, series, label, g_bytes_get_size (bytes), reference, recon,
                 btl_codec_get_channels (codec), height, width);
      progress_done (pr);
    }
  return TRUE;
}

/* The JPEG and WebP curves: they need neither the codec nor BLAS, so they
 * run in a thread of their own beside the autoencoder's and PCA's (on two
 * cores a 12 MP sweep takes the longer of the two instead of their sum),
 * with a reconstruction buffer of their own. */
typedef struct
{
  GdkPixbuf    *ref_pixbuf;
  const float  *reference;
  int           channels;
  int           height;
  int           width;
  Progress     *pr;
  GCancellable *cancellable;
  gint          abort;        /* set by the other thread when it failed */
  GArray       *points;       /* out */
  GError       *error;        /* out */
} ClassicalCurves;

static gpointer
classical_curves (gpointer data)
{
  ClassicalCurves *cc = data;
  gsize n = (gsize) cc->channels * cc->height * cc->width;
  g_autofree float *recon = g_try_new (float, n);

  cc->points = g_array_new (FALSE, FALSE, sizeof (BtlRdPoint));
  if (recon == NULL)
    {
      g_set_error (&cc->error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("not enough memory to decode a %d × %d picture"), cc->width,
                   cc->height);
      return NULL;
    }
  for (guint f = 0; f < G_N_ELEMENTS (rd_formats); f++)
    {
      if (!btl_jpeg_format_available (rd_formats[f]))
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (rd_qualities); i++)
        {
          g_autoptr (GBytes) bytes = NULL;

          if (g_atomic_int_get (&cc->abort)
              || g_cancellable_set_error_if_cancelled (cc->cancellable, &cc->error))
            return NULL;
          progress_next (cc->pr, rd_formats[f], rd_qualities[i]);
          bytes = btl_jpeg_encode (cc->ref_pixbuf, rd_formats[f], rd_qualities[i],
                                   &cc->error);
          if (bytes == NULL
              || !btl_jpeg_decode_into (bytes, cc->channels, cc->height, cc->width, recon,
                                        &cc->error))
            return NULL;
          add_point (cc->points, rd_formats[f], rd_qualities[i], g_bytes_get_size (bytes),
                     cc->reference, recon, cc->channels, cc->height, cc->width);
          progress_done (cc->pr);
        }
    }
  return NULL;
}

/* The autoencoder's and PCA's curves (this thread: the codecs are ours). */
static gboolean
codec_curves (GArray          *points,
              BtlCodec        *codec,
              BtlPcaBaseline  *baseline,
              const float     *reference,
              int              height,
              int              width,
              BtlCodecMode     mode,
              int              pca_bits,
              Progress        *pr,
              GCancellable    *cancellable,
              GError         **error)
{
  gsize n = (gsize) btl_codec_get_channels (codec) * height * width;
  /* One reconstruction buffer for every point: a 12 MP RGB picture is
   * 144 MB of floats, and fresh pages cost as much as the copying. */
  g_autofree float *recon = g_try_new (float, n);

  if (recon == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("not enough memory to decode a %d × %d picture"), width, height);
      return FALSE;
    }
  if (!codec_curve (points, "autoencoder", codec, reference, recon, height, width, mode,
                    rd_bits, G_N_ELEMENTS (rd_bits), -1, pr, cancellable, error))
    return FALSE;
  for (int k = 1; baseline != NULL && k > 0; k = pca_next_k (k, baseline->pca->n_components))
    {
      g_autoptr (BtlCodec) pca_codec = btl_pca_baseline_codec (baseline, k, error);

      if (pca_codec == NULL
          || !codec_curve (points, "pca", pca_codec, reference, recon, height, width, mode,
                           &pca_bits, 1, k, pr, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

GArray *
btl_comparison_rd (BtlCodec               *codec,
                   BtlPcaBaseline         *baseline,
                   GdkPixbuf              *pixbuf,
                   BtlCodecMode            mode,
                   int                     pca_bits,
                   BtlCompareProgressFunc  progress,
                   gpointer                progress_data,
                   GCancellable           *cancellable,
                   GError                **error)
{
  g_autoptr (GArray) codec_points = g_array_new (FALSE, FALSE, sizeof (BtlRdPoint));
  g_autoptr (GArray) points = NULL;
  g_autofree float *reference = NULL;
  g_autoptr (GdkPixbuf) ref_pixbuf = NULL;
  g_autoptr (GError) codec_error = NULL;
  g_auto (GMutex) lock = { 0 };
  Progress pr = { progress, progress_data, 0, 0, &lock };
  ClassicalCurves cc = { 0 };
  GThread *thread = NULL;
  gboolean ok;
  guint n_ae;
  int c, h = 0, w = 0;

  g_return_val_if_fail (codec != NULL && GDK_IS_PIXBUF (pixbuf), NULL);

  g_mutex_init (&lock);
  pr.total = btl_comparison_rd_n_points (baseline);
  c = btl_codec_get_channels (codec);
  reference = btl_codec_prepare_image (codec, pixbuf, mode, &h, &w);
  if (reference == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_FAILED, _("cannot convert the picture"));
      return NULL;
    }
  ref_pixbuf = btl_pixbuf_from_floats (reference, c, h, w);
  cc = (ClassicalCurves) { ref_pixbuf, reference, c, h, w, &pr, cancellable, 0, NULL, NULL };

  /* A second thread only where a processor is left beside the BLAS
   * threads the codecs use: OpenBLAS threads waiting for a processor that
   * the JPEG/WebP thread holds made a 12 MP sweep 2.7× slower (18.8 s with
   * one BLAS thread, 50 s with two, on two processors). */
  if (MAX (nn_blas_get_threads (), 1) < (int) g_get_num_processors ())
    thread = g_thread_try_new ("rd-classical", classical_curves, &cc, NULL);
  ok = codec_curves (codec_points, codec, baseline, reference, h, w, mode, pca_bits,
                     &pr, cancellable, &codec_error);
  if (thread != NULL)
    {
      if (!ok)
        g_atomic_int_set (&cc.abort, 1);
      g_thread_join (thread);
    }
  else if (ok)
    classical_curves (&cc);
  if (!ok)
    {
      g_clear_pointer (&cc.points, g_array_unref);
      g_clear_error (&cc.error);
      g_propagate_error (error, g_steal_pointer (&codec_error));
      return NULL;
    }
  if (cc.error != NULL)
    {
      g_clear_pointer (&cc.points, g_array_unref);
      g_propagate_error (error, cc.error);
      return NULL;
    }

  /* Series after series: autoencoder, JPEG, WebP, PCA. */
  n_ae = G_N_ELEMENTS (rd_bits);
  points = g_array_sized_new (FALSE, FALSE, sizeof (BtlRdPoint),
                              codec_points->len + cc.points->len);
  g_array_append_vals (points, codec_points->data, n_ae);
  g_array_append_vals (points, cc.points->data, cc.points->len);
  g_array_append_vals (points, &g_array_index (codec_points, BtlRdPoint, n_ae),
                       codec_points->len - n_ae);
  g_array_unref (cc.points);

  g_assert (pr.done == pr.total);
  progress_next (&pr, NULL, -1);
  return g_steal_pointer (&points);
}

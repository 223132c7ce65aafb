/* btl-latent.c — see btl-latent.h. */
#include "config.h"

#include "btl-latent.h"

#include <glib/gi18n-lib.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"
#include "btl-image.h"
#include "btl-tiles.h"

/* Images per NnInference call while encoding a data set. */
#define ENCODE_BATCH 256

/* Below this the slider range is widened (see btl_latent_space_range). */
#define MIN_HALF_RANGE 1e-3f

/* Orders dimension indices by decreasing σ; ties keep the lower index first
 * so the order is the same on every run. */
static int
compare_by_std (gconstpointer pa,
                gconstpointer pb,
                gpointer      user_data)
{
  const float *std = user_data;
  int a = *(const int *) pa;
  int b = *(const int *) pb;

  if (std[a] > std[b])
    return -1;
  if (std[a] < std[b])
    return 1;
  return a - b;
}

static void
compute_stats (BtlLatentSpace *space)
{
  int n = space->n, dim = space->dim;
  g_autofree double *sum = g_new0 (double, dim);
  g_autofree double *sum2 = g_new0 (double, dim);

  for (int d = 0; d < dim; d++)
    {
      space->min[d] = INFINITY;
      space->max[d] = -INFINITY;
    }
  /* Two passes (mean, then squared deviations) in double: codes can sit far
   * from zero with a small spread, where E[x²] − E[x]² cancels badly. */
  for (int i = 0; i < n; i++)
    {
      const float *z = space->codes + (size_t) i * dim;

      for (int d = 0; d < dim; d++)
        {
          sum[d] += z[d];
          space->min[d] = MIN (space->min[d], z[d]);
          space->max[d] = MAX (space->max[d], z[d]);
        }
    }
  for (int d = 0; d < dim; d++)
    space->mean[d] = (float) (sum[d] / n);
  for (int i = 0; i < n; i++)
    {
      const float *z = space->codes + (size_t) i * dim;

      for (int d = 0; d < dim; d++)
        {
          double dev = (double) z[d] - space->mean[d];

          sum2[d] += dev * dev;
        }
    }
  for (int d = 0; d < dim; d++)
    {
      space->std[d] = (float) sqrt (sum2[d] / n);
      space->order[d] = d;
    }

  g_qsort_with_data (space->order, dim, sizeof (int), compare_by_std, space->std);
}

BtlLatentSpace *
btl_latent_space_new (const float   *codes,
                      int            n,
                      int            dim,
                      const guint8  *labels,
                      GError       **error)
{
  g_autoptr(BtlLatentSpace) space = NULL;
  size_t total;

  g_return_val_if_fail (codes != NULL || n <= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n < 1 || dim < 1 || (gint64) n * dim > G_MAXINT32)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("Cannot build a latent space from %d codes of %d dimensions"), n, dim);
      return NULL;
    }
  total = (size_t) n * dim;
  for (size_t i = 0; i < total; i++)
    if (!isfinite (codes[i]))
      {
        g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                     _("Code %zu has a non-finite value in dimension %zu: the model may have diverged"),
                     i / dim, i % dim);
        return NULL;
      }

  space = g_new0 (BtlLatentSpace, 1);
  space->n = n;
  space->dim = dim;
  space->codes = g_memdup2 (codes, total * sizeof (float));
  if (labels != NULL)
    space->labels = g_memdup2 (labels, (size_t) n);
  space->mean = g_new (float, dim);
  space->std = g_new (float, dim);
  space->min = g_new (float, dim);
  space->max = g_new (float, dim);
  space->order = g_new (int, dim);
  space->map_xy = g_new (float, (size_t) n * 2);
  compute_stats (space);

  space->map_axes[0] = 0;
  space->map_axes[1] = dim >= 2 ? 1 : -1;
  if (dim > 2 && n >= 2)
    {
      g_autoptr(GError) pca_error = NULL;

      space->pca = btl_pca_fit (space->codes, n, dim, 2, &pca_error);
      /* With fewer than two distinct codes PCA may give fewer than two
       * components: the two widest dimensions are the honest fallback. */
      if (space->pca != NULL && space->pca->n_components < 2)
        g_clear_pointer (&space->pca, btl_pca_free);
      if (space->pca == NULL)
        g_debug ("latent map without PCA: %s",
                 pca_error != NULL ? pca_error->message : "fewer than 2 components");
    }
  if (space->pca == NULL && dim > 2)
    {
      space->map_axes[0] = space->order[0];
      space->map_axes[1] = space->order[1];
    }

  if (space->pca != NULL)
    btl_pca_project (space->pca, space->codes, n, 2, space->map_xy);
  else
    for (int i = 0; i < n; i++)
      btl_latent_space_to_map (space, space->codes + (size_t) i * dim,
                               space->map_xy + (size_t) i * 2);

  return g_steal_pointer (&space);
}

static gboolean
check_shape (NnModel     *model,
             BtlDataset  *ds,
             GError     **error)
{
  const NnConfig *cfg = nn_model_get_config (model);

  if (cfg->in_channels != ds->channels || cfg->in_height != ds->height
      || cfg->in_width != ds->width || nn_model_input_dim (model) != btl_dataset_dim (ds))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_SHAPE,
                   _("The model expects %d×%d×%d images but the data set “%s” has %d×%d×%d"),
                   cfg->in_channels, cfg->in_height, cfg->in_width, ds->name,
                   ds->channels, ds->height, ds->width);
      return FALSE;
    }
  return TRUE;
}

/* Checks ds against the model and makes the NnInference that encodes its
 * first `limit` images (0 = all) in batches; *n_out receives how many. */
static NnInference *
begin_encode (NnModel     *model,
              BtlDataset  *ds,
              int          limit,
              int         *n_out,
              GError     **error)
{
  NnError nerr = { 0 };
  NnInference *inf;
  int n;

  if (!check_shape (model, ds, error))
    return NULL;
  n = limit > 0 ? MIN (limit, ds->n) : ds->n;
  if (n <= 0 || nn_model_latent_dim (model) <= 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("The data set “%s” has no images to encode"), ds->name);
      return NULL;
    }
  inf = nn_inference_new (model, MIN (n, ENCODE_BATCH), &nerr);
  if (inf == NULL)
    btl_error_from_nn (nerr.code != NN_OK ? nerr.code : NN_ERR_NOMEM, &nerr, error);
  *n_out = n;
  return inf;
}

BtlLatentSpace *
btl_latent_space_encode (NnModel      *model,
                         const float  *params,
                         const float  *stats,
                         BtlDataset   *ds,
                         int           limit,
                         GError      **error)
{
  NnInference *inf;
  NnError nerr = { 0 };
  g_autofree float *codes = NULL;
  int n, latent;
  BtlLatentSpace *space;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (ds != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  inf = begin_encode (model, ds, limit, &n, error);
  if (inf == NULL)
    return NULL;
  if (params == NULL)
    params = nn_model_params (model);
  if (stats == NULL)
    stats = nn_model_stats (model);

  latent = nn_model_latent_dim (model);
  codes = g_new (float, (size_t) n * latent);
  for (int first = 0; first < n; first += ENCODE_BATCH)
    {
      int count = MIN (ENCODE_BATCH, n - first);
      NnStatus st;

      st = nn_inference_encode (inf, params, stats, btl_dataset_image (ds, first), count,
                                codes + (size_t) first * latent, &nerr);
      if (st != NN_OK)
        {
          nn_inference_free (inf);
          btl_error_from_nn (st, &nerr, error);
          return NULL;
        }
    }
  nn_inference_free (inf);

  space = btl_latent_space_new (codes, n, latent, ds->labels, error);
  return space;
}

gboolean
btl_latent_stats_compute (NnModel       *model,
                          const float   *params,
                          const float   *stats,
                          BtlDataset    *ds,
                          int            limit,
                          GCancellable  *cancellable,
                          BtlModelInfo  *info,
                          GError       **error)
{
  NnInference *inf;
  NnError nerr = { 0 };
  g_autofree float *codes = NULL;
  g_autofree double *sum = NULL, *sum2 = NULL;
  g_autofree float *zmin = NULL, *zmax = NULL, *zmean = NULL, *zstd = NULL;
  int n, latent;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (ds != NULL, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  inf = begin_encode (model, ds, limit, &n, error);
  if (inf == NULL)
    return FALSE;
  if (params == NULL)
    params = nn_model_params (model);
  if (stats == NULL)
    stats = nn_model_stats (model);

  latent = nn_model_latent_dim (model);
  codes = g_new (float, (gsize) MIN (n, ENCODE_BATCH) * latent);
  sum = g_new0 (double, latent);
  sum2 = g_new0 (double, latent);
  zmin = g_new (float, latent);
  zmax = g_new (float, latent);
  for (int d = 0; d < latent; d++)
    {
      zmin[d] = INFINITY;
      zmax[d] = -INFINITY;
    }

  for (int first = 0; first < n; first += ENCODE_BATCH)
    {
      int count = MIN (ENCODE_BATCH, n - first);
      NnStatus st;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          nn_inference_free (inf);
          return FALSE;
        }
      st = nn_inference_encode (inf, params, stats, btl_dataset_image (ds, first), count,
                                codes, &nerr);
      if (st != NN_OK)
        {
          nn_inference_free (inf);
          btl_error_from_nn (st, &nerr, error);
          return FALSE;
        }
      for (int i = 0; i < count; i++)
        for (int d = 0; d < latent; d++)
          {
            float v = codes[(gsize) i * latent + d];

            if (!isfinite (v))
              {
                nn_inference_free (inf);
                g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                             _("The model gives non-finite codes (it has diverged)"));
                return FALSE;
              }
            zmin[d] = MIN (zmin[d], v);
            zmax[d] = MAX (zmax[d], v);
            sum[d] += v;
            sum2[d] += (double) v * v;
          }
    }
  nn_inference_free (inf);

  zmean = g_new (float, latent);
  zstd = g_new (float, latent);
  for (int d = 0; d < latent; d++)
    {
      double mean = sum[d] / n;

      zmean[d] = (float) mean;
      zstd[d] = (float) sqrt (MAX (0.0, sum2[d] / n - mean * mean));
    }
  btl_model_info_set_latent_stats (info, latent, zmin, zmax, zmean, zstd);
  return TRUE;
}

void
btl_latent_space_free (BtlLatentSpace *space)
{
  if (space == NULL)
    return;
  g_free (space->codes);
  g_free (space->labels);
  g_free (space->mean);
  g_free (space->std);
  g_free (space->min);
  g_free (space->max);
  g_free (space->order);
  g_clear_pointer (&space->pca, btl_pca_free);
  g_free (space->map_xy);
  g_free (space);
}

const float *
btl_latent_space_code (const BtlLatentSpace *space,
                       int                   i)
{
  g_return_val_if_fail (space != NULL, NULL);
  g_return_val_if_fail (i >= 0 && i < space->n, NULL);

  return space->codes + (size_t) i * space->dim;
}

void
btl_latent_space_range (const BtlLatentSpace *space,
                        int                   d,
                        float                *lo,
                        float                *hi)
{
  float half, margin;

  g_return_if_fail (space != NULL);
  g_return_if_fail (d >= 0 && d < space->dim);

  half = (float) BTL_LATENT_RANGE_SIGMAS * space->std[d];
  /* A dead dimension (a ReLU code unit that is always 0) has no spread of
   * its own: borrow the typical spread of the others, so its slider still
   * shows what the decoder does with values the encoder never produces. */
  if (half < MIN_HALF_RANGE)
    {
      double mean_std = 0.0;

      for (int k = 0; k < space->dim; k++)
        mean_std += space->std[k];
      half = MAX ((float) (BTL_LATENT_RANGE_SIGMAS * mean_std / space->dim), MIN_HALF_RANGE);
      *lo = space->mean[d] - half;
      *hi = space->mean[d] + half;
      return;
    }
  /* Skewed codes (ReLU: nothing below 0, a long tail above) would get half
   * a slider of values the encoder never produces: stay within what the
   * codes reach, plus a tenth of their span. */
  margin = BTL_LATENT_RANGE_MARGIN * (space->max[d] - space->min[d]);
  *lo = MAX (space->mean[d] - half, space->min[d] - margin);
  *hi = MIN (space->mean[d] + half, space->max[d] + margin);
}

void
btl_latent_space_to_map (const BtlLatentSpace *space,
                         const float          *z,
                         float                *xy)
{
  g_return_if_fail (space != NULL);

  if (space->pca != NULL)
    {
      btl_pca_project (space->pca, z, 1, 2, xy);
      return;
    }
  for (int k = 0; k < 2; k++)
    xy[k] = space->map_axes[k] >= 0 ? z[space->map_axes[k]] : 0.0f;
}

void
btl_latent_space_from_map (const BtlLatentSpace *space,
                           double                x,
                           double                y,
                           float                *z)
{
  float xy[2] = { (float) x, (float) y };

  g_return_if_fail (space != NULL);

  if (space->pca != NULL)
    {
      btl_pca_reconstruct (space->pca, xy, 1, 2, z);
      return;
    }
  memcpy (z, space->mean, (size_t) space->dim * sizeof (float));
  for (int k = 0; k < 2; k++)
    if (space->map_axes[k] >= 0)
      z[space->map_axes[k]] = xy[k];
}

void
btl_latent_space_sample (const BtlLatentSpace *space,
                         gboolean              prior,
                         GRand                *rand,
                         float                *z)
{
  g_return_if_fail (space != NULL);
  g_return_if_fail (rand != NULL);

  for (int d = 0; d < space->dim; d++)
    {
      /* Box–Muller; 1 − u keeps the logarithm away from 0. */
      double u1 = 1.0 - g_rand_double (rand);
      double u2 = g_rand_double (rand);
      double g = sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);

      z[d] = prior ? (float) g : (float) (space->mean[d] + space->std[d] * g);
    }
}

void
btl_latent_lerp (const float *a,
                 const float *b,
                 int          dim,
                 double       t,
                 float       *out)
{
  for (int d = 0; d < dim; d++)
    out[d] = (float) ((1.0 - t) * a[d] + t * b[d]);
}

void
btl_latent_slerp (const float *a,
                  const float *b,
                  int          dim,
                  double       t,
                  float       *out)
{
  double na = 0.0, nb = 0.0, dot = 0.0, cos_omega, omega, s, wa, wb, len;

  if (t <= 0.0 || t >= 1.0)
    {
      memcpy (out, t <= 0.0 ? a : b, (size_t) dim * sizeof (float));
      return;
    }
  for (int d = 0; d < dim; d++)
    {
      na += (double) a[d] * a[d];
      nb += (double) b[d] * b[d];
      dot += (double) a[d] * b[d];
    }
  na = sqrt (na);
  nb = sqrt (nb);
  if (na < 1e-12 || nb < 1e-12)
    {
      btl_latent_lerp (a, b, dim, t, out);
      return;
    }
  cos_omega = CLAMP (dot / (na * nb), -1.0, 1.0);
  omega = acos (cos_omega);
  s = sin (omega);
  /* Parallel or antiparallel: the great circle is undefined (antiparallel) or
   * degenerate (parallel); lerp is the sensible path there. */
  if (s < 1e-6)
    {
      btl_latent_lerp (a, b, dim, t, out);
      return;
    }
  len = (1.0 - t) * na + t * nb;
  wa = sin ((1.0 - t) * omega) / s * len / na;
  wb = sin (t * omega) / s * len / nb;
  for (int d = 0; d < dim; d++)
    out[d] = (float) (wa * a[d] + wb * b[d]);
}

void
btl_latent_interpolate (const float *a,
                        const float *b,
                        int          dim,
                        int          steps,
                        gboolean     spherical,
                        float       *out)
{
  g_return_if_fail (steps >= 2);

  for (int i = 0; i < steps; i++)
    {
      double t = (double) i / (steps - 1);
      float *o = out + (size_t) i * dim;

      if (spherical)
        btl_latent_slerp (a, b, dim, t, o);
      else
        btl_latent_lerp (a, b, dim, t, o);
    }
}

static float
sweep (float lo,
       float hi,
       int   i,
       int   count)
{
  if (count <= 1)
    return 0.5f * (lo + hi);
  return lo + (hi - lo) * (float) i / (float) (count - 1);
}

void
btl_latent_traversal (const float *base,
                      int          dim,
                      int          dim_x,
                      float        x_lo,
                      float        x_hi,
                      int          nx,
                      int          dim_y,
                      float        y_lo,
                      float        y_hi,
                      int          ny,
                      float       *out)
{
  g_return_if_fail (dim_x >= 0 && dim_x < dim);
  g_return_if_fail (dim_y < dim);
  g_return_if_fail (nx >= 1);

  if (dim_y < 0)
    ny = 1;
  g_return_if_fail (ny >= 1);

  for (int i = 0; i < ny; i++)
    for (int j = 0; j < nx; j++)
      {
        float *z = out + ((size_t) i * nx + j) * dim;

        memcpy (z, base, (size_t) dim * sizeof (float));
        if (dim_y >= 0)
          z[dim_y] = sweep (y_lo, y_hi, i, ny);
        z[dim_x] = sweep (x_lo, x_hi, j, nx);
      }
}

float *
btl_latent_load_input (const char  *path,
                       int          channels,
                       int          height,
                       int          width,
                       GError     **error)
{
  g_autoptr(GdkPixbuf) oriented = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (channels == 1 || channels == 3, NULL);
  g_return_val_if_fail (height > 0 && width > 0, NULL);

  /* The size-checked loader: a decompression bomb is refused from its
   * header, and EXIF rotation is applied. */
  oriented = btl_tiles_load_image (path, 0, error);
  if (oriented == NULL)
    return NULL;
  scaled = btl_image_fit_pixbuf (oriented, height, width);
  if (scaled == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("Not enough memory to scale “%s”"), path);
      return NULL;
    }
  return btl_floats_from_pixbuf (scaled, channels, NULL, NULL);
}

/* btl-codec.c — the learned codec: transforms (autoencoder or PCA),
 * quantisation ranges, compress and decompress. See btl-codec.h; the byte
 * layout of .btlz is in btl-codec-format.c. */
#include "config.h"

#include "btl-codec-private.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"
#include "btl-tiles.h"

/* The inference workspace's batch: tiles go through the network this many at
 * a time, whatever the picture's size. */
#define TILE_BATCH     256

struct _BtlCodec
{
  BtlCodecTransform transform;
  int               channels;
  int               tile_h;
  int               tile_w;
  int               input_dim;        /* channels · tile_h · tile_w */
  int               latent_dim;
  guint8            fingerprint[BTL_CODEC_FINGERPRINT_LEN];
  char             *fingerprint_hex;

  /* borrowed: autoencoder */
  const NnModel    *model;
  const float      *params;
  const float      *stats;
  /* owned */
  NnInference      *inference;

  /* borrowed: PCA */
  const BtlPca     *pca;

  /* quantisation ranges (latent_dim each), when set */
  gboolean            have_ranges;
  BtlCodecRangeSource range_source;
  float              *range_min;
  float              *range_max;
};

/* ------------------------------------------------------------ fingerprints */

static void
checksum_floats (GChecksum   *sum,
                 const float *v,
                 size_t       n)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  /* g_checksum_update takes gssize: feed huge buffers in slices. */
  const guint8 *p = (const guint8 *) v;
  size_t bytes = n * sizeof (float);

  while (bytes > 0)
    {
      size_t part = MIN (bytes, (size_t) 1 << 28);

      g_checksum_update (sum, p, (gssize) part);
      p += part;
      bytes -= part;
    }
#else
  for (size_t i = 0; i < n; i++)
    {
      guint8 le[4];

      guint32 u;

      memcpy (&u, &v[i], 4);
      u = GUINT32_TO_LE (u);
      memcpy (le, &u, 4);
      g_checksum_update (sum, le, 4);
    }
#endif
}

static void
checksum_finish (GChecksum *sum,
                 guint8     out[BTL_CODEC_FINGERPRINT_LEN])
{
  guint8 digest[32];
  gsize len = sizeof digest;

  g_checksum_get_digest (sum, digest, &len);
  memcpy (out, digest, BTL_CODEC_FINGERPRINT_LEN);
}

/* Keys whose values change what the network computes at inference time.
 * Training settings (lr, epochs, seed, …) are left out: the same weights
 * under another learning rate are the same codec. */
static const char *const fingerprint_keys[] = {
  "kind", "arch", "activation", "out_activation", "batch_norm",
  "in_channels", "in_height", "in_width", NULL,
};

void
btl_codec_model_fingerprint (const NnConfig *cfg,
                             const float    *params,
                             size_t          n_params,
                             const float    *stats,
                             size_t          n_stats,
                             guint8          out[BTL_CODEC_FINGERPRINT_LEN])
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  size_t len;

  g_return_if_fail (cfg != NULL && out != NULL);
  g_return_if_fail (params != NULL || n_params == 0);

  len = nn_config_format (cfg, NULL, 0);
  text = g_malloc (len + 1);
  nn_config_format (cfg, text, len + 1);
  lines = g_strsplit (text, "\n", -1);

  g_checksum_update (sum, (const guint8 *) "btl-autoencoder\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      const char *eq = strchr (lines[i], '=');

      if (eq == NULL)
        continue;
      for (int k = 0; fingerprint_keys[k] != NULL; k++)
        if (strlen (fingerprint_keys[k]) == (size_t) (eq - lines[i])
            && strncmp (lines[i], fingerprint_keys[k], eq - lines[i]) == 0)
          {
            g_checksum_update (sum, (const guint8 *) lines[i], -1);
            g_checksum_update (sum, (const guint8 *) "\n", 1);
          }
    }
  checksum_floats (sum, params, n_params);
  if (stats != NULL)
    checksum_floats (sum, stats, n_stats);
  checksum_finish (sum, out);
}

static void
pca_fingerprint (const BtlPca *pca,
                 int           k,
                 int           channels,
                 int           tile_h,
                 int           tile_w,
                 guint8        out[BTL_CODEC_FINGERPRINT_LEN])
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *head = g_strdup_printf ("btl-pca\n%d %d %d %d\n", k, channels,
                                           tile_h, tile_w);

  g_checksum_update (sum, (const guint8 *) head, -1);
  checksum_floats (sum, pca->mean, pca->dim);
  checksum_floats (sum, pca->components, (size_t) k * pca->dim);
  checksum_finish (sum, out);
}

/* ------------------------------------------------------------ construction */

static BtlCodec *
codec_alloc (BtlCodecTransform transform,
             int               channels,
             int               tile_h,
             int               tile_w,
             int               latent_dim)
{
  BtlCodec *codec = g_new0 (BtlCodec, 1);

  codec->transform = transform;
  codec->channels = channels;
  codec->tile_h = tile_h;
  codec->tile_w = tile_w;
  codec->input_dim = channels * tile_h * tile_w;
  codec->latent_dim = latent_dim;
  codec->range_source = BTL_CODEC_RANGES_IMAGE;
  codec->range_min = g_new (float, latent_dim);
  codec->range_max = g_new (float, latent_dim);
  return codec;
}

static gboolean
check_geometry (int       channels,
                int       tile_h,
                int       tile_w,
                int       latent_dim,
                GError  **error)
{
  if ((channels != 1 && channels != 3) || tile_h < 1 || tile_w < 1
      || tile_h > 65535 || tile_w > 65535 || latent_dim < 1 || latent_dim > 65535)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("a codec needs 1 or 3 channels, tiles of 1–65535 pixels and "
                     "1–65535 code dimensions (got %d channels, %d × %d, %d)"),
                   channels, tile_w, tile_h, latent_dim);
      return FALSE;
    }
  return TRUE;
}

BtlCodec *
btl_codec_new_for_model (const NnModel       *model,
                         const float         *params,
                         const float         *stats,
                         const BtlModelInfo  *info,
                         GError             **error)
{
  g_autoptr (BtlCodec) codec = NULL;
  const NnConfig *cfg;
  NnError nerr = { 0 };

  g_return_val_if_fail (model != NULL && params != NULL, NULL);

  cfg = nn_model_get_config (model);
  if (!check_geometry (cfg->in_channels, cfg->in_height, cfg->in_width,
                       nn_model_latent_dim (model), error))
    return NULL;

  codec = codec_alloc (BTL_CODEC_TRANSFORM_AUTOENCODER, cfg->in_channels,
                       cfg->in_height, cfg->in_width, nn_model_latent_dim (model));
  codec->model = model;
  codec->params = params;
  codec->stats = stats;
  codec->inference = nn_inference_new (model, TILE_BATCH, &nerr);
  if (codec->inference == NULL)
    {
      btl_error_from_nn (nerr.code != NN_OK ? nerr.code : NN_ERR_NOMEM, &nerr, error);
      return NULL;
    }
  btl_codec_model_fingerprint (cfg, params, nn_model_n_params (model),
                               stats, nn_model_n_stats (model), codec->fingerprint);
  codec->fingerprint_hex = btl_codec_fingerprint_to_hex (codec->fingerprint);

  /* Stats saved with the model are used only when complete and sane;
   * otherwise compress falls back to per-image ranges (documented). */
  if (info != NULL && info->latent_dim == codec->latent_dim
      && info->latent_min != NULL && info->latent_max != NULL
      && btl_codec_set_ranges (codec, info->latent_min, info->latent_max, NULL))
    codec->range_source = BTL_CODEC_RANGES_MODEL;

  return g_steal_pointer (&codec);
}

BtlCodec *
btl_codec_new_for_pca (const BtlPca  *pca,
                       int            n_components,
                       int            channels,
                       int            tile_h,
                       int            tile_w,
                       GError       **error)
{
  BtlCodec *codec;

  g_return_val_if_fail (pca != NULL, NULL);

  if (n_components <= 0 || n_components > pca->n_components)
    n_components = pca->n_components;
  if (!check_geometry (channels, tile_h, tile_w, n_components, error))
    return NULL;
  if (pca->dim != channels * tile_h * tile_w)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_SHAPE,
                   _("the PCA was fitted on %d features, tiles of %d × %d × %d have %d"),
                   pca->dim, channels, tile_h, tile_w, channels * tile_h * tile_w);
      return NULL;
    }

  codec = codec_alloc (BTL_CODEC_TRANSFORM_PCA, channels, tile_h, tile_w, n_components);
  codec->pca = pca;
  pca_fingerprint (pca, n_components, channels, tile_h, tile_w, codec->fingerprint);
  codec->fingerprint_hex = btl_codec_fingerprint_to_hex (codec->fingerprint);
  return codec;
}

void
btl_codec_free (BtlCodec *codec)
{
  if (codec == NULL)
    return;
  g_clear_pointer (&codec->inference, nn_inference_free);
  g_free (codec->range_min);
  g_free (codec->range_max);
  g_free (codec->fingerprint_hex);
  g_free (codec);
}

BtlCodecTransform
btl_codec_get_transform (const BtlCodec *codec)
{
  g_return_val_if_fail (codec != NULL, BTL_CODEC_TRANSFORM_AUTOENCODER);

  return codec->transform;
}

int
btl_codec_get_channels (const BtlCodec *codec)
{
  g_return_val_if_fail (codec != NULL, 0);

  return codec->channels;
}

int
btl_codec_get_tile_height (const BtlCodec *codec)
{
  g_return_val_if_fail (codec != NULL, 0);

  return codec->tile_h;
}

int
btl_codec_get_tile_width (const BtlCodec *codec)
{
  g_return_val_if_fail (codec != NULL, 0);

  return codec->tile_w;
}

int
btl_codec_get_latent_dim (const BtlCodec *codec)
{
  g_return_val_if_fail (codec != NULL, 0);

  return codec->latent_dim;
}

const char *
btl_codec_get_fingerprint (const BtlCodec *codec)
{
  g_return_val_if_fail (codec != NULL, NULL);

  return codec->fingerprint_hex;
}

BtlCodecRangeSource
btl_codec_get_range_source (const BtlCodec *codec)
{
  g_return_val_if_fail (codec != NULL, BTL_CODEC_RANGES_IMAGE);

  return codec->have_ranges ? codec->range_source : BTL_CODEC_RANGES_IMAGE;
}

/* ------------------------------------------------------------ transforms */

static gboolean
encode_tiles (BtlCodec     *codec,
              const float  *x,      /* (n, input_dim) */
              int           n,
              float        *z,      /* (n, latent_dim) */
              GError      **error)
{
  if (codec->transform == BTL_CODEC_TRANSFORM_PCA)
    {
      btl_pca_project (codec->pca, x, n, codec->latent_dim, z);
      return TRUE;
    }
  else
    {
      NnError nerr = { 0 };
      NnStatus st = nn_inference_encode (codec->inference, codec->params,
                                         codec->stats, x, n, z, &nerr);
      return btl_error_from_nn (st, &nerr, error);
    }
}

static gboolean
decode_tiles (BtlCodec     *codec,
              const float  *z,
              int           n,
              float        *y,
              GError      **error)
{
  if (codec->transform == BTL_CODEC_TRANSFORM_PCA)
    {
      btl_pca_reconstruct (codec->pca, z, n, codec->latent_dim, y);
      return TRUE;
    }
  else
    {
      NnError nerr = { 0 };
      NnStatus st = nn_inference_decode (codec->inference, codec->params,
                                         codec->stats, z, n, y, &nerr);
      return btl_error_from_nn (st, &nerr, error);
    }
}

/* ------------------------------------------------------------ ranges */

/* Per-dimension min/max of z (n, d), widened where a dimension is (nearly)
 * constant so the quantiser always has a step. */
static gboolean
ranges_from_codes (const float  *z,
                   int           n,
                   int           d,
                   float        *min,
                   float        *max,
                   GError      **error)
{
  for (int j = 0; j < d; j++)
    {
      min[j] = INFINITY;
      max[j] = -INFINITY;
    }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++)
      {
        float v = z[(gsize) i * d + j];

        if (!isfinite (v))
          {
            g_set_error (error, BTL_ERROR, BTL_ERROR_DIVERGED,
                         _("the model produced a non-finite code (dimension %d)"), j);
            return FALSE;
          }
        min[j] = MIN (min[j], v);
        max[j] = MAX (max[j], v);
      }
  for (int j = 0; j < d; j++)
    {
      float scale = MAX (1.0f, MAX (fabsf (min[j]), fabsf (max[j])));

      if (max[j] - min[j] < 1e-6f * scale)
        {
          min[j] -= 5e-4f * scale;
          max[j] += 5e-4f * scale;
        }
    }
  return TRUE;
}

gboolean
btl_codec_set_ranges (BtlCodec     *codec,
                      const float  *min,
                      const float  *max,
                      GError      **error)
{
  g_return_val_if_fail (codec != NULL && min != NULL && max != NULL, FALSE);

  for (int j = 0; j < codec->latent_dim; j++)
    if (!isfinite (min[j]) || !isfinite (max[j]) || max[j] < min[j])
      {
        g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                     _("bad quantisation range for code dimension %d: [%g, %g]"),
                     j, min[j], max[j]);
        return FALSE;
      }
  /* Same widening as for measured ranges: a zero-width range is legal in
   * saved statistics (a dead unit) but the quantiser needs a step. */
  for (int j = 0; j < codec->latent_dim; j++)
    {
      float scale = MAX (1.0f, MAX (fabsf (min[j]), fabsf (max[j])));

      codec->range_min[j] = min[j];
      codec->range_max[j] = max[j];
      if (max[j] - min[j] < 1e-6f * scale)
        {
          codec->range_min[j] -= 5e-4f * scale;
          codec->range_max[j] += 5e-4f * scale;
        }
    }
  codec->have_ranges = TRUE;
  codec->range_source = BTL_CODEC_RANGES_SAMPLE;
  return TRUE;
}

gboolean
btl_codec_calibrate (BtlCodec     *codec,
                     const float  *samples,
                     int           n,
                     GError      **error)
{
  g_autofree float *z = NULL;
  g_autofree float *min = NULL;
  g_autofree float *max = NULL;

  g_return_val_if_fail (codec != NULL && samples != NULL, FALSE);

  if (n < 1)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("calibrating a codec needs at least one sample"));
      return FALSE;
    }
  z = g_try_new (float, (gsize) n * codec->latent_dim);
  if (z == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("not enough memory for the codes of %d samples"), n);
      return FALSE;
    }
  min = g_new (float, codec->latent_dim);
  max = g_new (float, codec->latent_dim);
  if (!encode_tiles (codec, samples, n, z, error)
      || !ranges_from_codes (z, n, codec->latent_dim, min, max, error)
      || !btl_codec_set_ranges (codec, min, max, error))
    return FALSE;
  codec->range_source = BTL_CODEC_RANGES_SAMPLE;
  return TRUE;
}

/* ------------------------------------------------------------ quantiser */

/* The one dequantisation formula, shared by both directions. */
static inline float
dequantise (guint  q,
            float  min,
            float  step)
{
  return min + (float) q * step;
}

static inline float
quant_step (float min,
            float max,
            int   bits)
{
  return (max - min) / (float) ((1u << bits) - 1);
}

static void
quantise (const float *z,
          gsize        n_codes,
          int          d,
          const float *min,
          const float *max,
          int          bits,
          guint16     *q)
{
  guint levels = (1u << bits) - 1;

  for (gsize i = 0; i < n_codes; i++)
    {
      int j = (int) (i % (gsize) d);
      float t = (z[i] - min[j]) / (max[j] - min[j]) * (float) levels;

      if (!(t > 0.0f))              /* also NaN */
        q[i] = 0;
      else if (t >= (float) levels)
        q[i] = (guint16) levels;
      else
        q[i] = (guint16) floorf (t + 0.5f);
    }
}

/* ------------------------------------------------------------ compress */

float *
btl_codec_prepare_image (const BtlCodec *codec,
                         GdkPixbuf      *pixbuf,
                         BtlCodecMode    mode,
                         int            *height_out,
                         int            *width_out)
{
  g_return_val_if_fail (codec != NULL && GDK_IS_PIXBUF (pixbuf), NULL);

  if (mode == BTL_CODEC_MODE_FIT)
    return btl_tiles_image_from_pixbuf (pixbuf, codec->channels, codec->tile_h,
                                        codec->tile_w, height_out, width_out);
  return btl_tiles_image_from_pixbuf (pixbuf, codec->channels, 0, 0,
                                      height_out, width_out);
}

/* Tiles go through the transform this many at a time (a multiple of the
 * inference batch, so the network sees the same batches as with one call):
 * a 12-megapixel picture no longer has a second full copy as tiles (and a
 * third while decoding). */
#define CHUNK_TILES    (4 * TILE_BATCH)

/* Decodes a .btlz into image (channels·height·width floats of the file's
 * geometry), or into a new buffer when image is NULL. The header is parsed
 * and checked first; expect_pixels > 0 is the size of the caller's buffer. */
static float *
decompress_into (BtlCodec        *codec,
                 GBytes          *bytes,
                 BtlCodecHeader  *header_out,
                 float           *image,
                 gsize            expect_pixels,
                 GError         **error);

GBytes *
btl_codec_compress (BtlCodec      *codec,
                    const float   *image,
                    int            height,
                    int            width,
                    BtlCodecMode   mode,
                    int            bits,
                    float        **recon_out,
                    GError       **error)
{
  g_autofree float *recon = NULL;
  GBytes *bytes;

  g_return_val_if_fail (codec != NULL && image != NULL, NULL);

  if (recon_out != NULL && height > 0 && width > 0
      && (gint64) height * width <= BTL_IMAGE_MAX_PIXELS)
    {
      recon = g_try_new (float, (gsize) codec->channels * height * width);
      if (recon == NULL)
        {
          g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                       _("not enough memory to decode a %d × %d picture"), width, height);
          return NULL;
        }
    }
  bytes = btl_codec_compress_into (codec, image, height, width, mode, bits, recon, error);
  if (bytes != NULL && recon_out != NULL)
    *recon_out = g_steal_pointer (&recon);
  return bytes;
}

static gboolean
check_bits (int      bits,
            GError **error)
{
  if (bits < BTL_CODEC_MIN_BITS || bits > BTL_CODEC_MAX_BITS)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("bits must be between %d and %d (got %d)"),
                   BTL_CODEC_MIN_BITS, BTL_CODEC_MAX_BITS, bits);
      return FALSE;
    }
  return TRUE;
}

/* The size and mode checks every entry point makes. */
static gboolean
check_picture (BtlCodec      *codec,
               int            height,
               int            width,
               BtlCodecMode   mode,
               GError       **error)
{
  if (height < 1 || width < 1 || (gint64) height * width > BTL_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, BTL_ERROR, height < 1 || width < 1 ? BTL_ERROR_INVALID
                   : BTL_ERROR_TOO_LARGE,
                   _("cannot compress a %d × %d picture (limit %lld megapixels)"),
                   width, height, (long long) (BTL_IMAGE_MAX_PIXELS / (1024 * 1024)));
      return FALSE;
    }
  if (mode == BTL_CODEC_MODE_FIT && (height != codec->tile_h || width != codec->tile_w))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_SHAPE,
                   _("fit mode needs a %d × %d picture (got %d × %d)"),
                   codec->tile_w, codec->tile_h, width, height);
      return FALSE;
    }
  return TRUE;
}

float *
btl_codec_encode_image (BtlCodec      *codec,
                        const float   *image,
                        int            height,
                        int            width,
                        BtlCodecMode   mode,
                        int           *n_tiles_out,
                        GError       **error)
{
  g_autofree float *strip = NULL;
  g_autofree float *z = NULL;
  int d, n_tiles, rows, cols;

  g_return_val_if_fail (codec != NULL && image != NULL, NULL);

  if (!check_picture (codec, height, width, mode, error))
    return NULL;
  d = codec->latent_dim;
  /* Fit mode is the one-tile case of the same cut. */
  btl_tiles_grid (height, width, codec->tile_h, codec->tile_w, &rows, &cols);
  n_tiles = rows * cols;
  z = g_new (float, (gsize) n_tiles * d);
  strip = g_new (float, (gsize) MIN (n_tiles, CHUNK_TILES) * codec->input_dim);
  for (int first = 0; first < n_tiles; first += CHUNK_TILES)
    {
      int n = MIN (CHUNK_TILES, n_tiles - first);

      btl_tiles_cut_range (image, codec->channels, height, width, codec->tile_h,
                           codec->tile_w, first, n, strip);
      if (!encode_tiles (codec, strip, n, z + (gsize) first * d, error))
        return NULL;
    }
  if (n_tiles_out != NULL)
    *n_tiles_out = n_tiles;
  return g_steal_pointer (&z);
}

GBytes *
btl_codec_compress_into (BtlCodec      *codec,
                         const float   *image,
                         int            height,
                         int            width,
                         BtlCodecMode   mode,
                         int            bits,
                         float         *recon,
                         GError       **error)
{
  g_autofree float *z = NULL;

  g_return_val_if_fail (codec != NULL && image != NULL, NULL);

  /* Bits first: a bad setting fails before the encoder runs. */
  if (!check_bits (bits, error))
    return NULL;
  z = btl_codec_encode_image (codec, image, height, width, mode, NULL, error);
  if (z == NULL)
    return NULL;
  return btl_codec_compress_codes (codec, z, height, width, mode, bits, recon, error);
}

GBytes *
btl_codec_compress_codes (BtlCodec      *codec,
                          const float   *z,
                          int            height,
                          int            width,
                          BtlCodecMode   mode,
                          int            bits,
                          float         *recon,
                          GError       **error)
{
  g_autofree float *min = NULL;
  g_autofree float *max = NULL;
  g_autofree guint16 *q = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GBytes) result = NULL;
  BtlCodecRangeSource source;
  BtlCodecCoding coding;
  BtlCodecHeader header = { 0 };
  int d, n_tiles, rows, cols;

  g_return_val_if_fail (codec != NULL && z != NULL, NULL);

  d = codec->latent_dim;
  if (!check_bits (bits, error))
    return NULL;
  if (!check_picture (codec, height, width, mode, error))
    return NULL;
  btl_tiles_grid (height, width, codec->tile_h, codec->tile_w, &rows, &cols);
  n_tiles = rows * cols;

  /* Ranges: the codec's (model statistics or a calibration sample), else
   * this picture's own codes. Rounded to what the header stores. */
  min = g_new (float, d);
  max = g_new (float, d);
  if (codec->have_ranges)
    {
      memcpy (min, codec->range_min, sizeof (float) * d);
      memcpy (max, codec->range_max, sizeof (float) * d);
      source = codec->range_source;
    }
  else
    {
      if (!ranges_from_codes (z, n_tiles, d, min, max, error))
        return NULL;
      source = BTL_CODEC_RANGES_IMAGE;
    }

  /* The header stores the ranges as bfloat16: quantise with exactly those. */
  btl_codec_round_ranges (min, max, d);
  q = g_new (guint16, (gsize) n_tiles * d);
  quantise (z, (gsize) n_tiles * d, d, min, max, bits, q);
  payload = btl_codec_encode_payload (q, n_tiles, d, bits, &coding);

  header.version = BTL_CODEC_VERSION;
  header.transform = codec->transform;
  header.mode = mode;
  header.coding = coding;
  header.range_source = source;
  header.channels = codec->channels;
  header.width = width;
  header.height = height;
  header.tile_width = codec->tile_w;
  header.tile_height = codec->tile_h;
  header.bits = bits;
  header.latent_dim = d;
  header.n_tiles = n_tiles;
  memcpy (header.fingerprint, codec->fingerprint, BTL_CODEC_FINGERPRINT_LEN);
  result = btl_codec_write_container (&header, min, max, payload, error);
  if (result == NULL)
    return NULL;

  /* The reconstruction comes from the bytes, through decompress itself. */
  if (recon != NULL
      && decompress_into (codec, result, NULL, recon,
                          (gsize) codec->channels * height * width, error) == NULL)
    return NULL;
  return g_steal_pointer (&result);
}

/* ------------------------------------------------------------ decompress */

float *
btl_codec_decompress (BtlCodec        *codec,
                      GBytes          *bytes,
                      BtlCodecHeader  *header_out,
                      GError         **error)
{
  g_return_val_if_fail (codec != NULL && bytes != NULL, NULL);

  return decompress_into (codec, bytes, header_out, NULL, 0, error);
}

static float *
decompress_into (BtlCodec        *codec,
                 GBytes          *bytes,
                 BtlCodecHeader  *header_out,
                 float           *image,
                 gsize            expect_pixels,
                 GError         **error)
{
  BtlCodecHeader h;
  g_autofree float *min = NULL;
  g_autofree float *max = NULL;
  g_autofree float *step = NULL;
  g_autofree guint16 *q = NULL;
  g_autofree float *z = NULL;
  g_autofree float *strip = NULL;
  g_autofree float *own = NULL;
  const guint8 *data;
  gsize len, n_codes, n_pixels;
  int d, chunk;

  data = g_bytes_get_data (bytes, &len);
  if (!btl_codec_parse_container (data, len, &h, NULL, NULL, error))
    return NULL;
  d = h.latent_dim;

  if (h.transform != codec->transform)
    {
      if (h.transform == BTL_CODEC_TRANSFORM_PCA)
        g_set_error_literal (error, BTL_ERROR, BTL_ERROR_MISMATCH,
                             _("this file was made by a PCA codec, not by an autoencoder"));
      else
        g_set_error_literal (error, BTL_ERROR, BTL_ERROR_MISMATCH,
                             _("this file was made by an autoencoder codec, not by PCA"));
      return NULL;
    }
  if (memcmp (h.fingerprint, codec->fingerprint, BTL_CODEC_FINGERPRINT_LEN) != 0)
    {
      g_autofree char *theirs = btl_codec_fingerprint_to_hex (h.fingerprint);

      g_set_error (error, BTL_ERROR, BTL_ERROR_MISMATCH,
                   _("this file was compressed by model %s, but the model given "
                     "is %s"), theirs, codec->fingerprint_hex);
      return NULL;
    }
  if (h.channels != codec->channels || h.tile_width != codec->tile_w
      || h.tile_height != codec->tile_h || d != codec->latent_dim)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
                   _("not a valid .btlz file: its geometry (%d channels, %d × %d tiles, "
                     "%d codes) does not match its model (%d, %d × %d, %d)"),
                   h.channels, h.tile_width, h.tile_height, d,
                   codec->channels, codec->tile_w, codec->tile_h, codec->latent_dim);
      return NULL;
    }

  n_codes = (gsize) h.n_tiles * d;
  n_pixels = (gsize) h.channels * h.width * h.height;
  /* Only our own files come with a buffer. */
  g_assert (image == NULL || n_pixels == expect_pixels);

  min = g_new (float, d);
  max = g_new (float, d);
  step = g_new (float, d);
  btl_codec_parse_container (data, len, &h, min, max, NULL);
  for (int j = 0; j < d; j++)
    step[j] = quant_step (min[j], max[j], h.bits);

  /* The codes first: a damaged header announcing a huge picture fails on
   * its payload before the picture's buffer (up to ~770 MB) is taken. */
  chunk = MIN (h.n_tiles, CHUNK_TILES);
  q = g_try_new (guint16, n_codes);
  if (q != NULL && !btl_codec_decode_payload (data + h.header_bytes, &h, q, error))
    return NULL;
  z = g_try_new (float, (gsize) chunk * d);
  strip = g_try_new (float, (gsize) chunk * codec->input_dim);
  if (image == NULL)
    image = own = g_try_new (float, n_pixels);
  if (q == NULL || z == NULL || strip == NULL || image == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("not enough memory to decode a %d × %d picture"), h.width, h.height);
      return NULL;
    }

  /* A slice of tiles at a time: codes → tiles → 8-bit values → picture.
   * Fit mode is the one-tile case. */
  for (int first = 0; first < h.n_tiles; first += CHUNK_TILES)
    {
      int n = MIN (CHUNK_TILES, h.n_tiles - first);
      const guint16 *qc = q + (gsize) first * d;

      for (gsize i = 0; i < (gsize) n * d; i++)
        {
          int j = (int) (i % (gsize) d);

          z[i] = dequantise (qc[i], min[j], step[j]);
        }
      if (!decode_tiles (codec, z, n, strip, error))
        return NULL;
      btl_tiles_quantise_8bit (strip, (gsize) n * codec->input_dim);
      btl_tiles_stitch_range (strip, h.channels, h.height, h.width, h.tile_height,
                              h.tile_width, first, n, image);
    }

  if (header_out != NULL)
    *header_out = h;
  own = NULL;   /* the caller's now */
  return image;
}

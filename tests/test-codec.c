/* test-codec.c — the learned codec and the .btlz container: tiling, exact
 * round trips at several bit depths in both modes, hostile files, the wrong
 * model, the pixel limit. Models are init-only (the codec's correctness does
 * not need a trained network). */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "btl-codec.h"
#include "btl-codec-private.h"
#include "btl-compare.h"
#include "btl-error.h"
#include "btl-image.h"
#include "btl-pca.h"
#include "btl-tiles.h"

static NnModel *
make_model (const char *arch,
            int         channels,
            int         height,
            int         width,
            guint64     seed)
{
  NnConfig cfg;
  NnError err = { 0 };
  NnModel *model;

  nn_config_init_default (&cfg);
  g_strlcpy (cfg.arch, arch, sizeof cfg.arch);
  cfg.in_channels = channels;
  cfg.in_height = height;
  cfg.in_width = width;
  model = nn_model_new (&cfg, &err);
  if (model == NULL)
    g_error ("nn_model_new (%s): %s", arch, err.message);
  nn_model_init_params (model, seed);
  return model;
}

/* A smooth picture with some texture, already 8-bit (k/255). */
static float *
make_image (int channels,
            int height,
            int width)
{
  float *x = g_new (float, (gsize) channels * height * width);

  for (int c = 0; c < channels; c++)
    for (int y = 0; y < height; y++)
      for (int i = 0; i < width; i++)
        x[((gsize) c * height + y) * width + i] =
          0.5f + 0.3f * sinf (0.21f * i + 0.9f * c) * cosf (0.17f * y)
          + 0.1f * (float) (((i * 7 + y * 13) % 5) - 2) / 2.0f;
  btl_tiles_quantise_8bit (x, (gsize) channels * height * width);
  return x;
}

/* ------------------------------------------------------------ tiles */

static void
test_tiles_cut_stitch (void)
{
  const int sizes[][2] = { { 8, 8 }, { 17, 9 }, { 5, 23 }, { 1, 1 }, { 16, 3 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (int channels = 1; channels <= 3; channels += 2)
      {
        int h = sizes[s][0], w = sizes[s][1], n = 0, rows, cols;
        g_autofree float *img = make_image (channels, h, w);
        g_autofree float *back = g_new0 (float, (gsize) channels * h * w);
        g_autofree float *tiles = btl_tiles_cut (img, channels, h, w, 4, 8, &n);

        btl_tiles_grid (h, w, 4, 8, &rows, &cols);
        g_assert_cmpint (n, ==, rows * cols);
        g_assert_cmpint (rows, ==, (h + 3) / 4);
        g_assert_cmpint (cols, ==, (w + 7) / 8);

        /* Padding repeats the last row / column. */
        for (int r = 0; r < rows; r++)
          for (int c = 0; c < cols; c++)
            for (int ch = 0; ch < channels; ch++)
              for (int y = 0; y < 4; y++)
                for (int x = 0; x < 8; x++)
                  {
                    int sy = MIN (r * 4 + y, h - 1), sx = MIN (c * 8 + x, w - 1);
                    float got = tiles[(((gsize) (r * cols + c) * channels + ch) * 4 + y) * 8 + x];

                    g_assert_cmpfloat (got, ==, img[((gsize) ch * h + sy) * w + sx]);
                  }

        btl_tiles_stitch (tiles, channels, h, w, 4, 8, back);
        g_assert_cmpmem (back, sizeof (float) * channels * h * w,
                         img, sizeof (float) * channels * h * w);
      }
}

/* ------------------------------------------------------------ payload */

/* Every coding decodes to the codes it was given, at every bit depth, for
 * random codes and for smooth ones (where deltas win). */
static void
test_payload_codings (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (17);
  const int n_tiles = 37, d = 11;
  guint16 q[37 * 11], back[37 * 11];

  for (int bits = BTL_CODEC_MIN_BITS; bits <= BTL_CODEC_MAX_BITS; bits++)
    for (int smooth = 0; smooth <= 1; smooth++)
      {
        guint mask = (1u << bits) - 1;
        BtlCodecCoding chosen;
        g_autoptr (GBytes) best = NULL;

        for (int i = 0; i < n_tiles * d; i++)
          q[i] = smooth ? (guint16) ((i / d * 3 + (i % d) * 5 + (mask - 40)) & mask)
                        : (guint16) (g_rand_int (rand) & mask);
        for (int c = BTL_CODEC_CODING_PACKED; c <= BTL_CODEC_CODING_DEFLATE_DELTA; c++)
          {
            g_autoptr (GBytes) payload = btl_codec_encode_payload_as (q, n_tiles, d, bits, c);
            g_autoptr (GError) error = NULL;
            BtlCodecHeader h = { 0 };

            h.n_tiles = n_tiles;
            h.latent_dim = d;
            h.bits = bits;
            h.coding = c;
            h.payload_bytes = g_bytes_get_size (payload);
            memset (back, 0xff, sizeof back);
            g_assert_true (btl_codec_decode_payload (g_bytes_get_data (payload, NULL),
                                                     &h, back, &error));
            g_assert_no_error (error);
            g_assert_cmpmem (back, sizeof back, q, sizeof q);
            if (c == BTL_CODEC_CODING_PACKED)
              g_assert_cmpuint (h.payload_bytes, ==, (gsize) (n_tiles * d * bits + 7) / 8);
          }
        /* The chooser returns the smallest. */
        best = btl_codec_encode_payload (q, n_tiles, d, bits, &chosen);
        for (int c = BTL_CODEC_CODING_PACKED; c <= BTL_CODEC_CODING_DEFLATE_DELTA; c++)
          {
            g_autoptr (GBytes) other = btl_codec_encode_payload_as (q, n_tiles, d, bits, c);
            g_assert_cmpuint (g_bytes_get_size (best), <=, g_bytes_get_size (other));
          }
        if (smooth && bits >= 8)
          g_assert_cmpint (chosen, ==, BTL_CODEC_CODING_DEFLATE_DELTA);
      }
}

/* ------------------------------------------------------------ round trips */

/* decode(dequantise(quantise(encode(x)))) computed here, independently of
 * the codec, with ranges [−2, 2] (exact in bfloat16). */
static float *
reference_pipeline (NnModel     *model,
                    const float *image,
                    int          height,
                    int          width,
                    gboolean     tiles_mode,
                    int          bits)
{
  const NnConfig *cfg = nn_model_get_config (model);
  int c = cfg->in_channels, th = cfg->in_height, tw = cfg->in_width;
  int d = nn_model_latent_dim (model), n = 1;
  guint levels = (1u << bits) - 1;
  float step = 4.0f / (float) levels;
  g_autofree float *tiles = NULL;
  g_autofree float *z = NULL;
  g_autofree float *y = NULL;
  float *out;
  NnError err = { 0 };
  NnInference *inf = nn_inference_new (model, 256, &err);

  g_assert_nonnull (inf);
  tiles = tiles_mode ? btl_tiles_cut (image, c, height, width, th, tw, &n)
                     : g_memdup2 (image, sizeof (float) * c * th * tw);
  z = g_new (float, (gsize) n * d);
  y = g_new (float, (gsize) n * c * th * tw);
  g_assert_cmpint (nn_inference_encode (inf, nn_model_params (model),
                                        nn_model_stats (model), tiles, n, z, &err),
                   ==, NN_OK);
  for (int i = 0; i < n * d; i++)
    {
      float t = (z[i] + 2.0f) / 4.0f * (float) levels;
      guint q = t <= 0.0f ? 0 : t >= (float) levels ? levels : (guint) floorf (t + 0.5f);

      z[i] = -2.0f + (float) q * step;
    }
  g_assert_cmpint (nn_inference_decode (inf, nn_model_params (model),
                                        nn_model_stats (model), z, n, y, &err),
                   ==, NN_OK);
  nn_inference_free (inf);

  if (tiles_mode)
    {
      out = g_new (float, (gsize) c * height * width);
      btl_tiles_stitch (y, c, height, width, th, tw, out);
    }
  else
    out = g_steal_pointer (&y);
  btl_tiles_quantise_8bit (out, (gsize) c * height * width);
  return out;
}

static void
check_roundtrip (const char *arch,
                 int         channels,
                 int         tile)
{
  const int all_bits[] = { 2, 3, 5, 8, 12, 16 };
  NnModel *model = make_model (arch, channels, tile, tile, 3);
  g_autoptr (BtlCodec) codec = NULL;
  g_autoptr (GError) error = NULL;
  const int height = 3 * tile + 5, width = 2 * tile + 3;
  g_autofree float *big = make_image (channels, height, width);
  g_autofree float *small = make_image (channels, tile, tile);
  float lo[64], hi[64];
  gsize last_size = 0;

  codec = btl_codec_new_for_model (model, nn_model_params (model),
                                   nn_model_stats (model), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (btl_codec_get_latent_dim (codec), <=, 64);
  for (int j = 0; j < 64; j++)
    {
      lo[j] = -2.0f;
      hi[j] = 2.0f;
    }
  g_assert_true (btl_codec_set_ranges (codec, lo, hi, &error));

  for (guint b = 0; b < G_N_ELEMENTS (all_bits); b++)
    for (int mode = BTL_CODEC_MODE_FIT; mode <= BTL_CODEC_MODE_TILES; mode++)
      {
        gboolean tiles = mode == BTL_CODEC_MODE_TILES;
        int h = tiles ? height : tile, w = tiles ? width : tile;
        const float *img = tiles ? big : small;
        gsize n_px = (gsize) channels * h * w;
        g_autofree float *recon = NULL;
        g_autofree float *again = NULL;
        g_autofree float *expected = NULL;
        g_autoptr (GBytes) bytes = NULL;
        g_autoptr (GdkPixbuf) shown = NULL;
        g_autoptr (GdkPixbuf) reread = NULL;
        g_autofree char *path = NULL;
        BtlCodecHeader header;
        int fd;

        bytes = btl_codec_compress (codec, img, h, w, mode, all_bits[b], &recon, &error);
        g_assert_no_error (error);
        g_assert_nonnull (recon);

        /* From codes encoded once (the rd sweep's way): the same file and
         * the same reconstruction. */
        {
          g_autofree float *z = btl_codec_encode_image (codec, img, h, w, mode, NULL, &error);
          g_autofree float *recon2 = g_new (float, n_px);
          g_autoptr (GBytes) bytes2 = NULL;

          g_assert_no_error (error);
          bytes2 = btl_codec_compress_codes (codec, z, h, w, mode, all_bits[b], recon2,
                                             &error);
          g_assert_no_error (error);
          g_assert_true (g_bytes_equal (bytes, bytes2));
          g_assert_cmpmem (recon, n_px * sizeof (float), recon2, n_px * sizeof (float));
        }

        /* The file holds what its header says, and nothing else. */
        g_assert_true (btl_codec_read_header (bytes, &header, &error));
        g_assert_cmpint (header.bits, ==, all_bits[b]);
        g_assert_cmpint (header.mode, ==, mode);
        g_assert_cmpint (header.width, ==, w);
        g_assert_cmpint (header.height, ==, h);
        g_assert_cmpint (header.channels, ==, channels);
        g_assert_cmpint (header.range_source, ==, BTL_CODEC_RANGES_SAMPLE);
        g_assert_cmpuint (header.file_bytes, ==, g_bytes_get_size (bytes));
        g_assert_cmpuint (header.header_bytes + header.payload_bytes + 4, ==,
                          header.file_bytes);

        /* Through a real file, decompress gives the very same floats. */
        fd = g_file_open_tmp ("codec-XXXXXX.btlz", &path, &error);
        g_assert_no_error (error);
        close (fd);
        g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                            g_bytes_get_size (bytes), &error));
        {
          g_autoptr (GBytes) from_disk = btl_codec_read_file (path, &error);

          g_assert_no_error (error);
          again = btl_codec_decompress (codec, from_disk, NULL, &error);
          g_assert_no_error (error);
        }
        g_assert_cmpmem (again, n_px * sizeof (float), recon, n_px * sizeof (float));

        /* … which is decode(dequantise(quantise(encode(x)))). */
        expected = reference_pipeline (model, img, h, w, tiles, all_bits[b]);
        g_assert_cmpmem (recon, n_px * sizeof (float), expected, n_px * sizeof (float));

        /* And the PNG of it has exactly the pixels the window would show. */
        shown = btl_pixbuf_from_floats (recon, channels, h, w);
        g_assert_true (gdk_pixbuf_save (shown, path, "png", &error, NULL));
        reread = gdk_pixbuf_new_from_file (path, &error);
        g_assert_no_error (error);
        for (int y = 0; y < h; y++)
          g_assert_cmpmem (gdk_pixbuf_read_pixels (shown) + y * gdk_pixbuf_get_rowstride (shown),
                           (gsize) w * 3,
                           gdk_pixbuf_read_pixels (reread) + y * gdk_pixbuf_get_rowstride (reread),
                           (gsize) w * 3);
        g_unlink (path);

        if (tiles)
          {
            /* More bits never make the file smaller by much (deflate noise
             * aside), and never shorter than the header. */
            g_assert_cmpuint (g_bytes_get_size (bytes), >=, header.header_bytes + 4);
            if (last_size > 0)
              g_assert_cmpuint (g_bytes_get_size (bytes) + 16, >=, last_size);
            last_size = g_bytes_get_size (bytes);
          }
      }

  g_clear_pointer (&codec, btl_codec_free);
  nn_model_free (model);
}

static void
test_roundtrip_dense_gray (void)
{
  check_roundtrip ("64-24-8", 1, 8);
}

static void
test_roundtrip_dense_rgb (void)
{
  check_roundtrip ("192-32-12", 3, 8);
}

static void
test_roundtrip_conv_rgb (void)
{
  check_roundtrip ("c4k3s2,d10", 3, 8);
}

/* ------------------------------------------------------------ ranges */

static void
test_ranges_sources (void)
{
  NnModel *model = make_model ("64-16-6", 1, 8, 8, 5);
  g_autofree float *img = make_image (1, 20, 20);
  g_autoptr (GError) error = NULL;
  BtlModelInfo info = BTL_MODEL_INFO_INIT;
  float mn[6], mx[6], mean[6], sd[6];
  BtlCodecHeader header;

  /* No stats: each picture's own codes. */
  {
    g_autoptr (BtlCodec) codec = btl_codec_new_for_model (model, nn_model_params (model),
                                                          NULL, NULL, &error);
    g_autoptr (GBytes) bytes = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (btl_codec_get_range_source (codec), ==, BTL_CODEC_RANGES_IMAGE);
    bytes = btl_codec_compress (codec, img, 20, 20, BTL_CODEC_MODE_TILES, 8, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (btl_codec_read_header (bytes, &header, &error));
    g_assert_cmpint (header.range_source, ==, BTL_CODEC_RANGES_IMAGE);

    /* Calibration from a sample. */
    {
      g_autofree float *tiles = btl_tiles_cut (img, 1, 20, 20, 8, 8, NULL);
      g_autoptr (GBytes) calibrated = NULL;

      g_assert_true (btl_codec_calibrate (codec, tiles, 9, &error));
      g_assert_cmpint (btl_codec_get_range_source (codec), ==, BTL_CODEC_RANGES_SAMPLE);
      calibrated = btl_codec_compress (codec, img, 20, 20, BTL_CODEC_MODE_TILES, 8,
                                       NULL, &error);
      g_assert_no_error (error);
      g_assert_true (btl_codec_read_header (calibrated, &header, &error));
      g_assert_cmpint (header.range_source, ==, BTL_CODEC_RANGES_SAMPLE);
    }
  }

  /* Stats saved with the model win; a dead unit (min == max) is fine. */
  for (int j = 0; j < 6; j++)
    {
      mn[j] = -1.0f - j;
      mx[j] = j == 2 ? mn[j] : 1.0f + j;
      mean[j] = 0.0f;
      sd[j] = 1.0f;
    }
  btl_model_info_set_latent_stats (&info, 6, mn, mx, mean, sd);
  {
    g_autoptr (BtlCodec) codec = btl_codec_new_for_model (model, nn_model_params (model),
                                                          NULL, &info, &error);
    g_autoptr (GBytes) bytes = NULL;
    g_autofree float *recon = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (btl_codec_get_range_source (codec), ==, BTL_CODEC_RANGES_MODEL);
    bytes = btl_codec_compress (codec, img, 20, 20, BTL_CODEC_MODE_TILES, 4, &recon, &error);
    g_assert_no_error (error);
    g_assert_true (btl_codec_read_header (bytes, &header, &error));
    g_assert_cmpint (header.range_source, ==, BTL_CODEC_RANGES_MODEL);
  }

  /* Bad explicit ranges are refused. */
  {
    g_autoptr (BtlCodec) codec = btl_codec_new_for_model (model, nn_model_params (model),
                                                          NULL, NULL, &error);
    float bad_lo[6] = { 0, 0, 0, 0, 0, 0 }, bad_hi[6] = { 1, 1, -1, 1, 1, 1 };

    g_assert_false (btl_codec_set_ranges (codec, bad_lo, bad_hi, &error));
    g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
    g_clear_error (&error);
    bad_hi[2] = NAN;
    g_assert_false (btl_codec_set_ranges (codec, bad_lo, bad_hi, &error));
    g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
    g_clear_error (&error);
  }

  btl_model_info_clear (&info);
  nn_model_free (model);
}

/* ------------------------------------------------------------ fingerprints */

static void
test_fingerprint (void)
{
  NnModel *a = make_model ("64-16-6", 1, 8, 8, 1);
  NnModel *b = make_model ("64-16-6", 1, 8, 8, 2);
  NnConfig cfg = *nn_model_get_config (a);
  guint8 fa[BTL_CODEC_FINGERPRINT_LEN], fa2[BTL_CODEC_FINGERPRINT_LEN];
  guint8 fb[BTL_CODEC_FINGERPRINT_LEN];
  g_autofree char *hex = NULL;

  btl_codec_model_fingerprint (&cfg, nn_model_params (a), nn_model_n_params (a),
                               NULL, 0, fa);
  btl_codec_model_fingerprint (nn_model_get_config (b), nn_model_params (b),
                               nn_model_n_params (b), NULL, 0, fb);
  g_assert_true (memcmp (fa, fb, sizeof fa) != 0);

  /* Training settings do not change what the network computes… */
  cfg.lr = 0.5f;
  cfg.epochs = 99;
  btl_codec_model_fingerprint (&cfg, nn_model_params (a), nn_model_n_params (a),
                               NULL, 0, fa2);
  g_assert_cmpmem (fa, sizeof fa, fa2, sizeof fa2);
  /* … one weight does. */
  nn_model_params (a)[7] += 1e-6f;
  btl_codec_model_fingerprint (&cfg, nn_model_params (a), nn_model_n_params (a),
                               NULL, 0, fa2);
  g_assert_true (memcmp (fa, fa2, sizeof fa) != 0);

  hex = btl_codec_fingerprint_to_hex (fa);
  g_assert_cmpuint (strlen (hex), ==, 2 * BTL_CODEC_FINGERPRINT_LEN);
  g_assert_true (g_str_is_ascii (hex));

  nn_model_free (a);
  nn_model_free (b);
}

static void
test_wrong_model (void)
{
  NnModel *a = make_model ("64-16-6", 1, 8, 8, 1);
  NnModel *b = make_model ("64-16-6", 1, 8, 8, 2);
  g_autoptr (BtlCodec) ca = btl_codec_new_for_model (a, nn_model_params (a), NULL, NULL, NULL);
  g_autoptr (BtlCodec) cb = btl_codec_new_for_model (b, nn_model_params (b), NULL, NULL, NULL);
  g_autofree float *img = make_image (1, 8, 8);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *out = NULL;

  bytes = btl_codec_compress (ca, img, 8, 8, BTL_CODEC_MODE_FIT, 6, NULL, &error);
  g_assert_no_error (error);
  out = btl_codec_decompress (cb, bytes, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, BTL_ERROR, BTL_ERROR_MISMATCH);
  /* Both fingerprints are named. */
  g_assert_nonnull (strstr (error->message, btl_codec_get_fingerprint (ca)));
  g_assert_nonnull (strstr (error->message, btl_codec_get_fingerprint (cb)));
  g_test_message ("%s", error->message);

  g_clear_pointer (&ca, btl_codec_free);
  g_clear_pointer (&cb, btl_codec_free);
  nn_model_free (a);
  nn_model_free (b);
}

/* ------------------------------------------------------------ hostile files */

/* Recomputes the trailing CRC after an edit, so field checks (not the
 * checksum) have to catch it. */
static GBytes *
with_fixed_crc (guint8 *data,
                gsize   len)
{
  guint32 crc = crc32 (crc32 (0L, Z_NULL, 0), data, len - 4);

  for (int i = 0; i < 4; i++)
    data[len - 4 + i] = (crc >> (8 * i)) & 0xff;
  return g_bytes_new (data, len);
}

static void
expect_error (BtlCodec *codec,
              GBytes   *bytes,
              int       code)
{
  g_autoptr (GError) error = NULL;
  float *out = btl_codec_decompress (codec, bytes, NULL, &error);

  g_assert_null (out);
  g_assert_nonnull (error);
  if (code >= 0)
    g_assert_error (error, BTL_ERROR, code);
  else
    g_assert_true (error->domain == BTL_ERROR);
}

static void
test_hostile (void)
{
  NnModel *model = make_model ("64-16-6", 1, 8, 8, 9);
  g_autoptr (BtlCodec) codec = btl_codec_new_for_model (model, nn_model_params (model),
                                                        NULL, NULL, NULL);
  g_autofree float *img = make_image (1, 30, 21);
  g_autoptr (GBytes) good = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *copy = NULL;
  const guint8 *data;
  gsize len;
  BtlCodecHeader h;

  good = btl_codec_compress (codec, img, 30, 21, BTL_CODEC_MODE_TILES, 10, NULL, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (good, &len);
  g_assert_true (btl_codec_read_header (good, &h, &error));
  copy = g_memdup2 (data, len);

  /* Every truncation, including the empty file. */
  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr (GBytes) b = g_bytes_new (data, cut);
      expect_error (codec, b, BTL_ERROR_CORRUPT);
    }
  /* A byte too many. */
  {
    g_autofree guint8 *longer = g_malloc (len + 1);
    g_autoptr (GBytes) b = NULL;

    memcpy (longer, data, len);
    longer[len] = 0;
    b = g_bytes_new_take (g_steal_pointer (&longer), len + 1);
    expect_error (codec, b, BTL_ERROR_CORRUPT);
  }
  /* Every single flipped byte (the version byte may read as "newer"). */
  for (gsize i = 0; i < len; i++)
    {
      g_autoptr (GBytes) b = NULL;

      copy[i] ^= 0x5a;
      b = g_bytes_new (copy, len);
      expect_error (codec, b, i == 4 ? BTL_ERROR_VERSION : -1);
      copy[i] ^= 0x5a;
    }

  /* Valid checksum, bad fields. */
#define EDIT_EXPECT(offset, value, code) \
  G_STMT_START { \
    g_autoptr (GBytes) b = NULL; \
    guint8 saved = copy[offset]; \
    copy[offset] = (value); \
    b = with_fixed_crc (copy, len); \
    expect_error (codec, b, code); \
    copy[offset] = saved; \
  } G_STMT_END

  EDIT_EXPECT (4, 2, BTL_ERROR_VERSION);        /* newer version */
  EDIT_EXPECT (4, 0, BTL_ERROR_CORRUPT);
  EDIT_EXPECT (5, 7, BTL_ERROR_CORRUPT);        /* transform */
  EDIT_EXPECT (5, 1, BTL_ERROR_MISMATCH);       /* PCA file, autoencoder codec */
  EDIT_EXPECT (6, 2, BTL_ERROR_CORRUPT);        /* mode */
  EDIT_EXPECT (6, 0, BTL_ERROR_CORRUPT);        /* fit with a non-tile size */
  EDIT_EXPECT (7, 2, BTL_ERROR_CORRUPT);        /* channels */
  EDIT_EXPECT (7, 3, BTL_ERROR_CORRUPT);        /* channels vs model */
  EDIT_EXPECT (8, 1, BTL_ERROR_CORRUPT);        /* bits */
  EDIT_EXPECT (8, 17, BTL_ERROR_CORRUPT);
  EDIT_EXPECT (8, 9, BTL_ERROR_CORRUPT);        /* payload no longer the right size */
  EDIT_EXPECT (9, 3, BTL_ERROR_CORRUPT);        /* coding */
  EDIT_EXPECT (11, 1, BTL_ERROR_CORRUPT);       /* reserved */
  EDIT_EXPECT (12, copy[12] ^ 1, BTL_ERROR_MISMATCH);
  EDIT_EXPECT (29, 0x40, BTL_ERROR_CORRUPT);    /* far more tiles than payload */
  EDIT_EXPECT (31, 0x10, BTL_ERROR_TOO_LARGE);  /* absurd width: refused before allocating */
  EDIT_EXPECT (36, 4, BTL_ERROR_CORRUPT);       /* tile size vs model */
  EDIT_EXPECT (40, 7, BTL_ERROR_CORRUPT);       /* latent_dim: shifts every later field */
  EDIT_EXPECT (43, 0x7f, BTL_ERROR_CORRUPT);    /* min[0] becomes huge or Inf */
#undef EDIT_EXPECT

  /* A picture just under the pixel limit (8192 × 7680) with this small
   * payload: the payload is refused before the ~1 GB of tile and picture
   * buffers are taken (ASan's allocation cap catches the wrong order). */
  {
    g_autoptr (GBytes) b = NULL;
    g_autofree guint8 *big = g_memdup2 (data, len);
    guint32 w = GUINT32_TO_LE (8192), hh = GUINT32_TO_LE (7680);

    memcpy (big + 28, &w, 4);
    memcpy (big + 32, &hh, 4);
    b = with_fixed_crc (big, len);
    expect_error (codec, b, BTL_ERROR_CORRUPT);
  }

  /* Random damage behind a valid checksum: an error or a picture of the
   * announced size, never a crash (run under ASan/UBSan too). */
  {
    g_autoptr (GRand) rand = g_rand_new_with_seed (99);
    int errors = 0;

    for (int round = 0; round < 600; round++)
      {
        g_autofree guint8 *bad = g_memdup2 (data, len);
        g_autoptr (GBytes) b = NULL;
        g_autoptr (GError) err = NULL;
        g_autofree float *out = NULL;
        BtlCodecHeader bh;
        int n_edits = 1 + g_rand_int_range (rand, 0, 3);

        for (int e = 0; e < n_edits; e++)
          bad[g_rand_int_range (rand, 0, (gint32) len - 4)] = g_rand_int_range (rand, 0, 256);
        b = with_fixed_crc (bad, len);
        out = btl_codec_decompress (codec, b, &bh, &err);
        if (out == NULL)
          {
            g_assert_nonnull (err);
            errors++;
          }
        else
          {
            g_assert_no_error (err);
            g_assert_cmpint (bh.width * bh.height, >, 0);
            /* touch every pixel: the buffer really has that size */
            for (gsize i = 0; i < (gsize) bh.channels * bh.width * bh.height; i++)
              g_assert_true (out[i] >= 0.0f && out[i] <= 1.0f);
          }
      }
    g_test_message ("random damage: %d of 600 refused, the rest decoded", errors);
  }

  /* Not a .btlz at all. */
  {
    g_autoptr (GBytes) png = g_bytes_new_static ("\x89PNG\r\n\x1a\n", 8);
    expect_error (codec, png, BTL_ERROR_CORRUPT);
  }

  g_clear_pointer (&codec, btl_codec_free);
  nn_model_free (model);
}

/* ------------------------------------------------------------ PCA codec */

static void
test_pca_codec (void)
{
  const int tile = 8, d = 12;
  g_autofree float *img = make_image (3, 40, 36);
  g_autofree float *train = NULL;
  g_autoptr (BtlPca) pca = NULL;
  g_autoptr (BtlCodec) codec = NULL;
  g_autoptr (GError) error = NULL;
  int n = 0;
  double mse_prev = INFINITY;

  train = btl_tiles_cut (img, 3, 40, 36, tile, tile, &n);
  pca = btl_pca_fit (train, n, 3 * tile * tile, d, &error);
  g_assert_no_error (error);
  codec = btl_codec_new_for_pca (pca, d, 3, tile, tile, &error);
  g_assert_no_error (error);
  g_assert_cmpint (btl_codec_get_transform (codec), ==, BTL_CODEC_TRANSFORM_PCA);

  /* Error shrinks as bits grow, and at 16 bits it is the PCA's own error
   * (plus 8-bit rounding). */
  for (int bits = 2; bits <= 16; bits += 2)
    {
      g_autofree float *recon = NULL;
      g_autoptr (GBytes) bytes = NULL;
      double mse = 0.0;

      bytes = btl_codec_compress (codec, img, 40, 36, BTL_CODEC_MODE_TILES, bits,
                                  &recon, &error);
      g_assert_no_error (error);
      for (int i = 0; i < 3 * 40 * 36; i++)
        mse += ((double) recon[i] - img[i]) * ((double) recon[i] - img[i]);
      mse /= 3 * 40 * 36;
      g_test_message ("PCA codec, %2d bits: %5" G_GSIZE_FORMAT " bytes, mse %.3g",
                      bits, g_bytes_get_size (bytes), mse);
      g_assert_cmpfloat (mse, <=, mse_prev * 1.05 + 1e-7);
      mse_prev = mse;
    }
  {
    g_autofree float *z = g_new (float, (gsize) n * d);
    g_autofree float *y = g_new (float, (gsize) n * 3 * tile * tile);
    g_autofree float *direct = g_new (float, 3 * 40 * 36);
    double mse = 0.0;

    btl_pca_project (pca, train, n, d, z);
    btl_pca_reconstruct (pca, z, n, d, y);
    btl_tiles_stitch (y, 3, 40, 36, tile, tile, direct);
    for (int i = 0; i < 3 * 40 * 36; i++)
      mse += ((double) direct[i] - img[i]) * ((double) direct[i] - img[i]);
    mse /= 3 * 40 * 36;
    g_assert_cmpfloat (fabs (mse_prev - mse), <, 2e-5);
  }
}

/* ------------------------------------------------------------ comparison */

static void
test_comparison (void)
{
  NnModel *model = make_model ("192-32-12", 3, 8, 8, 4);
  g_autoptr (BtlCodec) codec = btl_codec_new_for_model (model, nn_model_params (model),
                                                        NULL, NULL, NULL);
  g_autofree float *img = make_image (3, 45, 52);
  g_autofree float *train_img = make_image (3, 64, 64);
  g_autofree float *train = NULL;
  g_autoptr (GdkPixbuf) pixbuf = btl_pixbuf_from_floats (img, 3, 45, 52);
  g_autoptr (BtlPcaBaseline) baseline = NULL;
  g_autoptr (BtlComparison) cmp = NULL;
  g_autoptr (GArray) rd = NULL;
  g_autoptr (GError) error = NULL;
  const BtlCompareRow *ae, *pca, *orig, *jpeg;
  int n = 0;

  train = btl_tiles_cut (train_img, 3, 64, 64, 8, 8, &n);
  baseline = btl_pca_baseline_new (train, n, 3, 8, 8, 24, &error);
  g_assert_no_error (error);

  cmp = btl_comparison_new (codec, baseline, pixbuf, BTL_CODEC_MODE_TILES, 6, TRUE, NULL,
                            NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cmp->width, ==, 52);
  g_assert_cmpint (cmp->height, ==, 45);
  /* The reference is the picture itself (already 8-bit, RGB). */
  g_assert_cmpmem (cmp->reference, sizeof (float) * 3 * 45 * 52, img, sizeof (float) * 3 * 45 * 52);

  /* The table alone (the CLI's): the same figures, no pictures kept. */
  {
    g_autoptr (BtlComparison) table = btl_comparison_new (codec, baseline, pixbuf,
                                                          BTL_CODEC_MODE_TILES, 6, FALSE,
                                                          NULL, NULL, NULL, &error);

    g_assert_no_error (error);
    for (int r = 0; r < BTL_COMPARE_N_ROWS; r++)
      {
        g_assert_null (table->rows[r].image);
        g_assert_cmpint (table->rows[r].available, ==, cmp->rows[r].available);
        if (!cmp->rows[r].available)
          continue;
        g_assert_nonnull (cmp->rows[r].image);
        g_assert_cmpuint (table->rows[r].bytes, ==, cmp->rows[r].bytes);
        g_assert_cmpfloat (table->rows[r].psnr_db, ==, cmp->rows[r].psnr_db);
        g_assert_cmpfloat (table->rows[r].ssim, ==, cmp->rows[r].ssim);
      }
  }

  orig = &cmp->rows[BTL_COMPARE_ORIGINAL];
  ae = &cmp->rows[BTL_COMPARE_AUTOENCODER];
  jpeg = &cmp->rows[BTL_COMPARE_JPEG];
  pca = &cmp->rows[BTL_COMPARE_PCA];
  g_assert_true (orig->available && ae->available && pca->available);
  g_assert_cmpfloat (orig->psnr_db, ==, 100.0);
  g_assert_cmpfloat_with_epsilon (orig->ssim, 1.0, 1e-9);

  /* Bytes are the files' real sizes; the derived numbers follow. */
  g_assert_cmpuint (ae->bytes, ==, g_bytes_get_size (ae->data));
  g_assert_cmpfloat_with_epsilon (ae->bpp, 8.0 * ae->bytes / (45.0 * 52.0), 1e-9);
  g_assert_cmpfloat_with_epsilon (ae->ratio, 3.0 * 45 * 52 / ae->bytes, 1e-9);
  g_assert_cmpint (ae->setting, ==, 6);
  g_assert_cmpint (pca->setting, ==, 6);
  /* Same number of coefficients: the PCA file has the same header size. */
  {
    BtlCodecHeader ha, hp;

    g_assert_true (btl_codec_read_header (ae->data, &ha, NULL));
    g_assert_true (btl_codec_read_header (pca->data, &hp, NULL));
    g_assert_cmpint (ha.latent_dim, ==, hp.latent_dim);
    g_assert_cmpint (hp.transform, ==, BTL_CODEC_TRANSFORM_PCA);
    g_assert_cmpuint (ha.header_bytes, ==, hp.header_bytes);
  }
  /* JPEG never above the autoencoder's size (or honestly absent). */
  if (jpeg->available)
    g_assert_cmpuint (jpeg->bytes, <=, ae->bytes);
  else
    g_assert_nonnull (strstr (jpeg->note, "no quality fits"));
  for (int r = 0; r < BTL_COMPARE_N_ROWS; r++)
    g_test_message ("%-11s %s %6" G_GSIZE_FORMAT " B  %6.3f bpp  %6.2f dB  SSIM %.4f  %s",
                    cmp->rows[r].name, cmp->rows[r].available ? "yes" : "no ",
                    cmp->rows[r].bytes, cmp->rows[r].bpp, cmp->rows[r].psnr_db,
                    cmp->rows[r].ssim, cmp->rows[r].note ? cmp->rows[r].note : "");

  /* Curves: every series present, the codec's sizes grow with bits. */
  rd = btl_comparison_rd (codec, baseline, pixbuf, BTL_CODEC_MODE_TILES, 8, NULL, NULL,
                          NULL, &error);
  g_assert_no_error (error);
  {
    int n_ae = 0, n_jpeg = 0, n_pca = 0;
    gsize last = 0;

    for (guint i = 0; i < rd->len; i++)
      {
        const BtlRdPoint *p = &g_array_index (rd, BtlRdPoint, i);

        g_assert_true (isfinite (p->psnr_db) && isfinite (p->ssim) && p->bpp > 0);
        if (g_str_equal (p->series, "autoencoder"))
          {
            g_assert_cmpuint (p->bytes + 16, >=, last);
            last = p->bytes;
            n_ae++;
          }
        n_jpeg += g_str_equal (p->series, "jpeg");
        n_pca += g_str_equal (p->series, "pca");
      }
    g_assert_cmpint (n_ae, ==, 9);
    g_assert_cmpint (n_jpeg, ==, 11);
    g_assert_cmpint (n_pca, ==, 6);   /* 1 2 4 8 16 24 */
  }

  /* A cancelled job stops with G_IO_ERROR_CANCELLED. */
  {
    g_autoptr (GCancellable) cancel = g_cancellable_new ();
    g_autoptr (BtlComparison) none = NULL;
    g_autoptr (GArray) no_points = NULL;

    g_cancellable_cancel (cancel);
    none = btl_comparison_new (codec, baseline, pixbuf, BTL_CODEC_MODE_TILES, 6,
                               TRUE, NULL, NULL, cancel, &error);
    g_assert_null (none);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    no_points = btl_comparison_rd (codec, baseline, pixbuf, BTL_CODEC_MODE_TILES, 8,
                                   NULL, NULL, cancel, &error);
    g_assert_null (no_points);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
  }

  g_clear_pointer (&codec, btl_codec_free);
  nn_model_free (model);
}

/* ------------------------------------------------------------ loading */

static void
put_be32 (guint8  *p,
          guint32  v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* A PNG whose header claims width × height; its data is a few bytes. */
static GBytes *
make_png_header (guint32 width,
                 guint32 height)
{
  guint8 png[8 + 25 + 12] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 *ihdr = png + 8;
  guint32 crc;

  put_be32 (ihdr, 13);
  memcpy (ihdr + 4, "IHDR", 4);
  put_be32 (ihdr + 8, width);
  put_be32 (ihdr + 12, height);
  ihdr[16] = 8;    /* bit depth */
  ihdr[17] = 2;    /* RGB */
  ihdr[18] = ihdr[19] = ihdr[20] = 0;
  crc = crc32 (crc32 (0L, Z_NULL, 0), ihdr + 4, 17);
  put_be32 (ihdr + 21, crc);
  /* an empty IDAT so the file does not end right after the header */
  put_be32 (png + 33, 0);
  memcpy (png + 37, "IDAT", 4);
  put_be32 (png + 41, crc32 (crc32 (0L, Z_NULL, 0), (const guint8 *) "IDAT", 4));
  return g_bytes_new (png, sizeof png);
}

static void
test_pixel_limit (void)
{
  g_autoptr (GBytes) huge = make_png_header (20000, 20000);   /* 400 MP */
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  gint64 start;
  int fd;

  fd = g_file_open_tmp ("huge-XXXXXX.png", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (huge, NULL),
                                      g_bytes_get_size (huge), &error));

  /* Refused from the header: fast, and no 1.2 GB pixel buffer. */
  start = g_get_monotonic_time ();
  pixbuf = btl_tiles_load_image (path, 0, &error);
  g_assert_null (pixbuf);
  g_assert_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "20000"));
  g_clear_error (&error);

  pixbuf = btl_tiles_load_image_bytes (huge, "pasted", 0, &error);
  g_assert_null (pixbuf);
  g_assert_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

  /* A real picture against a small limit, then the default. */
  {
    g_autofree float *img = make_image (3, 40, 50);
    g_autoptr (GdkPixbuf) real = btl_pixbuf_from_floats (img, 3, 40, 50);
    g_autofree char *buf = NULL;
    gsize size;
    g_autoptr (GBytes) bytes = NULL;

    g_assert_true (gdk_pixbuf_save (real, path, "png", &error, NULL));
    g_assert_null (btl_tiles_load_image (path, 1000, &error));
    g_assert_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE);
    g_clear_error (&error);
    pixbuf = btl_tiles_load_image (path, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 50);
    g_clear_object (&pixbuf);

    g_assert_true (g_file_get_contents (path, &buf, &size, &error));
    bytes = g_bytes_new_take (g_steal_pointer (&buf), size);
    g_assert_null (btl_tiles_load_image_bytes (bytes, "x", 1000, &error));
    g_assert_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE);
    g_clear_error (&error);
    pixbuf = btl_tiles_load_image_bytes (bytes, "x", 0, &error);
    g_assert_no_error (error);
    g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 40);
    g_clear_object (&pixbuf);

    /* Every writable format gdk-pixbuf has loads back from memory whole.
     * Cut in half, PNG, BMP and ICO are refused (the half-filled pixbuf an
     * incremental loader hands out is caught by counting decoded rows);
     * libjpeg itself pads a truncated JPEG with gray and only warns, as
     * most viewers show it, so the others are only reported. */
    {
      const char *formats[] = { "png", "jpeg", "bmp", "tiff", "webp", "ico" };

      for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
        {
          g_autofree char *data = NULL;
          g_autoptr (GBytes) whole = NULL;
          g_autoptr (GBytes) half = NULL;
          gsize data_len;

          if (!gdk_pixbuf_save_to_buffer (real, &data, &data_len, formats[f], NULL, NULL))
            {
              g_test_message ("no %s saver", formats[f]);
              continue;
            }
          whole = g_bytes_new (data, data_len);
          pixbuf = btl_tiles_load_image_bytes (whole, formats[f], 0, &error);
          g_assert_no_error (error);
          g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 50);
          g_clear_object (&pixbuf);
          half = g_bytes_new (data, data_len / 2);
          pixbuf = btl_tiles_load_image_bytes (half, formats[f], 0, &error);
          g_test_message ("%s cut in half: %s", formats[f],
                          error != NULL ? error->message : "loaded");
          if (g_str_equal (formats[f], "png") || g_str_equal (formats[f], "bmp")
              || g_str_equal (formats[f], "ico"))
            {
              g_assert_null (pixbuf);
              g_assert_error (error, BTL_ERROR, BTL_ERROR_CORRUPT);
            }
          g_clear_object (&pixbuf);
          g_clear_error (&error);

          /* The same from a file. */
          g_assert_true (g_file_set_contents (path, data, data_len / 2, &error));
          pixbuf = btl_tiles_load_image (path, 0, &error);
          if (g_str_equal (formats[f], "png") || g_str_equal (formats[f], "bmp")
              || g_str_equal (formats[f], "ico"))
            {
              g_assert_null (pixbuf);
              g_assert_nonnull (error);
            }
          g_clear_object (&pixbuf);
          g_clear_error (&error);
        }
    }
  }
  g_unlink (path);
}

static void
test_load_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("bad-XXXXXX.png", &path, &error);

  g_assert_no_error (error);
  close (fd);

  /* empty */
  g_assert_null (btl_tiles_load_image (path, 0, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_CORRUPT);
  g_clear_error (&error);
  /* garbage */
  g_assert_true (g_file_set_contents (path, "this is not a picture at all", -1, &error));
  g_assert_null (btl_tiles_load_image (path, 0, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_CORRUPT);
  g_clear_error (&error);
  /* truncated PNG (header only) */
  {
    g_autoptr (GBytes) head = make_png_header (64, 64);

    g_assert_null (btl_tiles_load_image_bytes (head, "cut", 0, &error));
    g_assert_error (error, BTL_ERROR, BTL_ERROR_CORRUPT);
    g_clear_error (&error);
  }
  g_unlink (path);
  /* missing */
  g_assert_null (btl_tiles_load_image (path, 0, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_assert_null (btl_codec_read_file (path, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  /* a FIFO as .btlz: refused at once, not waiting for a writer; a folder */
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  g_assert_null (btl_codec_read_file (path, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_null (btl_tiles_load_image (path, 0, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error (&error);
  g_unlink (path);
  g_assert_null (btl_codec_read_file (g_get_tmp_dir (), &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
}

/* Pictures in the formats' odd corners (tests/images/odd-*, 8×6: left half
 * one colour, right half another) load at their size with the colours a
 * viewer shows: 16-bit samples scaled to 8, transparency over white, the
 * palette, Adobe's inverted CMYK, an animation's first frame. */
static void
test_odd_pictures (void)
{
  const struct { const char *file; int w, h; float left[3], right[3]; } cases[] = {
    { "odd-1x1.png", 1, 1, { 1, 0, 0 }, { 1, 0, 0 } },
    { "odd-gray16.png", 8, 6, { 0, 0, 0 }, { 1, 1, 1 } },
    { "odd-rgb16.png", 8, 6, { 1, 0, 0 }, { 0, 0, 1 } },
    { "odd-gray-alpha.png", 8, 6, { 0, 0, 0 }, { 1, 1, 1 } },
    { "odd-palette.png", 8, 6, { 0, 0, 0 }, { 1, 1, 1 } },
    { "odd-cmyk.jpg", 8, 6, { 1, 0, 0 }, { 1, 0, 0 } },
    { "odd-animated.gif", 8, 6, { 0, 0, 1 }, { 0, 0, 1 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "images", cases[i].file, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (GdkPixbuf) pixbuf = btl_tiles_load_image (path, 0, &error);
      g_autofree float *x = NULL;
      int h = 0, w = 0;

      g_assert_no_error (error);
      x = btl_tiles_image_from_pixbuf (pixbuf, 3, 0, 0, &h, &w);
      g_assert_cmpint (w, ==, cases[i].w);
      g_assert_cmpint (h, ==, cases[i].h);
      for (int c = 0; c < 3; c++)
        {
          float left = x[(gsize) c * w * h], right = x[(gsize) c * w * h + w - 1];

          /* JPEG's chroma needs the slack */
          if (fabsf (left - cases[i].left[c]) > 0.1f || fabsf (right - cases[i].right[c]) > 0.1f)
            g_error ("%s channel %d: %g, %g; expected %g, %g", cases[i].file, c,
                     left, right, cases[i].left[c], cases[i].right[c]);
        }
    }
}

/* A JPEG or WebP cut anywhere in its data is refused: their loaders pad
 * or fill in what is missing without an error. */
static void
test_load_truncated (void)
{
  g_autoptr (GdkPixbuf) src = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 37, 23);
  const char *types[] = { "jpeg", "webp" };
  guint8 *px = gdk_pixbuf_get_pixels (src);

  for (int i = 0; i < gdk_pixbuf_get_rowstride (src) * 23; i++)
    px[i] = (guint8) (i * 37 % 251);
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autofree char *buf = NULL;
      g_autofree guint8 *longer = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) whole = NULL;
      g_autoptr (GBytes) trailing = NULL;
      g_autoptr (GdkPixbuf) back = NULL;
      gsize len = 0;

      if (!gdk_pixbuf_save_to_buffer (src, &buf, &len, types[t], &error, NULL))
        {
          g_test_message ("no %s writer here (%s): skipped", types[t], error->message);
          g_clear_error (&error);
          continue;
        }
      for (gsize cut = 1; cut < len; cut++)
        {
          g_autoptr (GBytes) b = g_bytes_new (buf, cut);
          g_autoptr (GdkPixbuf) p = btl_tiles_load_image_bytes (b, "cut", 0, &error);

          if (p != NULL)
            g_error ("%s cut to %zu of %zu bytes was loaded", types[t], cut, len);
          g_assert_error (error, BTL_ERROR, BTL_ERROR_CORRUPT);
          g_clear_error (&error);
        }
      whole = g_bytes_new (buf, len);
      back = btl_tiles_load_image_bytes (whole, "whole", 0, &error);
      g_assert_no_error (error);
      g_assert_cmpint (gdk_pixbuf_get_width (back), ==, 37);
      /* Bytes after the end of the picture (cameras append some) are fine. */
      longer = g_malloc0 (len + 16);
      memcpy (longer, buf, len);
      trailing = g_bytes_new (longer, len + 16);
      g_clear_object (&back);
      back = btl_tiles_load_image_bytes (trailing, "trailing", 0, &error);
      g_assert_no_error (error);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/codec/tiles/cut-stitch", test_tiles_cut_stitch);
  g_test_add_func ("/codec/payload/codings", test_payload_codings);
  g_test_add_func ("/codec/roundtrip/dense-gray", test_roundtrip_dense_gray);
  g_test_add_func ("/codec/roundtrip/dense-rgb", test_roundtrip_dense_rgb);
  g_test_add_func ("/codec/roundtrip/conv-rgb", test_roundtrip_conv_rgb);
  g_test_add_func ("/codec/ranges", test_ranges_sources);
  g_test_add_func ("/codec/fingerprint", test_fingerprint);
  g_test_add_func ("/codec/wrong-model", test_wrong_model);
  g_test_add_func ("/codec/hostile", test_hostile);
  g_test_add_func ("/codec/pca", test_pca_codec);
  g_test_add_func ("/codec/comparison", test_comparison);
  g_test_add_func ("/codec/load/pixel-limit", test_pixel_limit);
  g_test_add_func ("/codec/load/errors", test_load_errors);
  g_test_add_func ("/codec/load/odd-pictures", test_odd_pictures);
  g_test_add_func ("/codec/load/truncated", test_load_truncated);

  return g_test_run ();
}

/* test-jpeg.c — JPEG / WebP matched-size search: never above the target,
 * and the largest quality that fits. */
#include "config.h"

#include <math.h>

#include "btl-error.h"
#include "btl-image.h"
#include "btl-jpeg.h"
#include "btl-tiles.h"

/* A picture with edges, gradients and noise, so sizes vary with quality. */
static GdkPixbuf *
make_pixbuf (int channels,
             int height,
             int width)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  g_autofree float *x = g_new (float, (gsize) channels * height * width);

  for (int c = 0; c < channels; c++)
    for (int y = 0; y < height; y++)
      for (int i = 0; i < width; i++)
        x[((gsize) c * height + y) * width + i] =
          CLAMP (0.5f + 0.35f * sinf (0.13f * i * (c + 1)) * cosf (0.07f * y)
                 + ((i / 16 + y / 16) % 2 ? 0.1f : -0.1f)
                 + 0.05f * (float) g_rand_double_range (rand, -1, 1), 0.0f, 1.0f);
  return btl_pixbuf_from_floats (x, channels, height, width);
}

static void
check_format (const char *format,
              int         channels)
{
  g_autoptr (GdkPixbuf) pixbuf = make_pixbuf (channels, 96, 128);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) q1 = NULL;
  g_autoptr (GBytes) q100 = NULL;
  gsize lo, hi;

  if (!btl_jpeg_format_available (format))
    {
      g_test_skip ("gdk-pixbuf has no saver for this format");
      return;
    }

  q1 = btl_jpeg_encode (pixbuf, format, 1, &error);
  g_assert_no_error (error);
  q100 = btl_jpeg_encode (pixbuf, format, 100, &error);
  g_assert_no_error (error);
  lo = g_bytes_get_size (q1);
  hi = g_bytes_get_size (q100);
  g_test_message ("%s, %d channel(s): %" G_GSIZE_FORMAT " bytes at quality 1, %"
                  G_GSIZE_FORMAT " at 100", format, channels, lo, hi);
  g_assert_cmpuint (lo, <, hi);

  /* Targets from below the smallest to above the largest file. */
  for (int step = 0; step <= 20; step++)
    {
      gsize target = lo / 2 + (hi + hi / 4 - lo / 2) * step / 20;
      BtlJpegMatch match;

      g_assert_true (btl_jpeg_match_size (pixbuf, format, target, &match, NULL, &error));
      g_assert_no_error (error);
      if (match.bytes == NULL)
        {
          /* Only when even quality 1 does not fit — and it says how big. */
          g_assert_cmpuint (target, <, lo);
          g_assert_cmpuint (match.smallest, ==, lo);
          g_assert_cmpint (match.quality, ==, -1);
        }
      else
        {
          gsize size = g_bytes_get_size (match.bytes);

          /* Never above the target … */
          g_assert_cmpuint (size, <=, target);
          g_assert_cmpint (match.quality, >=, BTL_JPEG_MIN_QUALITY);
          g_assert_cmpint (match.quality, <=, BTL_JPEG_MAX_QUALITY);
          /* … the file is the one that quality writes … */
          {
            g_autoptr (GBytes) again = btl_jpeg_encode (pixbuf, format, match.quality, &error);
            g_assert_true (g_bytes_equal (again, match.bytes));
          }
          /* … and the next quality up does not fit. */
          if (match.quality < BTL_JPEG_MAX_QUALITY)
            {
              g_autoptr (GBytes) next = btl_jpeg_encode (pixbuf, format,
                                                         match.quality + 1, &error);
              g_assert_cmpuint (g_bytes_get_size (next), >, target);
            }
          /* quality 1, then a binary search: at most 1 + ⌈log2 100⌉ encodes */
          g_assert_cmpint (match.n_encodes, <=, 8);
        }
      btl_jpeg_match_clear (&match);
    }

  /* Our JPEG writer: one component for a gray picture, three for colour
   * (SOF0 marker: FF C0, length, precision, height, width, components). */
  if (g_str_equal (format, "jpeg"))
    {
      gsize len;
      const guint8 *d = g_bytes_get_data (q100, &len);
      int components = -1;

      for (gsize i = 2; i + 9 < len; i++)
        if (d[i] == 0xff && d[i + 1] == 0xc0)
          {
            components = d[i + 9];
            break;
          }
      g_assert_cmpint (components, ==, channels);
    }

  /* The file decodes back to a picture of the right size. */
  {
    int h = 0, w = 0;
    g_autofree float *back = btl_jpeg_decode (q100, channels, &h, &w, &error);

    g_assert_no_error (error);
    g_assert_cmpint (h, ==, 96);
    g_assert_cmpint (w, ==, 128);
  }
}

static void
test_jpeg_gray (void)
{
  check_format ("jpeg", 1);
}

static void
test_jpeg_rgb (void)
{
  check_format ("jpeg", 3);
}

static void
test_webp_rgb (void)
{
  check_format ("webp", 3);
}

static void
test_jpeg_errors (void)
{
  g_autoptr (GdkPixbuf) pixbuf = make_pixbuf (3, 8, 8);
  g_autoptr (GError) error = NULL;

  g_assert_null (btl_jpeg_encode (pixbuf, "jpeg", 0, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (btl_jpeg_encode (pixbuf, "jpeg", 101, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (btl_jpeg_encode (pixbuf, "no-such-format", 50, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (btl_jpeg_format_available ("no-such-format"));
  g_assert_true (btl_jpeg_format_available ("jpeg"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jpeg/match/gray", test_jpeg_gray);
  g_test_add_func ("/jpeg/match/rgb", test_jpeg_rgb);
  g_test_add_func ("/jpeg/match/webp", test_webp_rgb);
  g_test_add_func ("/jpeg/errors", test_jpeg_errors);

  return g_test_run ();
}

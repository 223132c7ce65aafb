/* test-image.c — pixbuf conversions and sample grids written as PNG. */
#include <glib/gstdio.h>

#include "btl-error.h"
#include "btl-image.h"
#include "btl-tiles.h"

static void
pixel (GdkPixbuf *pb,
       int        x,
       int        y,
       guint8    *rgb)
{
  const guint8 *p = gdk_pixbuf_read_pixels (pb) + (gsize) y * gdk_pixbuf_get_rowstride (pb)
                    + (gsize) x * gdk_pixbuf_get_n_channels (pb);

  rgb[0] = p[0];
  rgb[1] = p[1];
  rgb[2] = p[2];
}

static void
test_roundtrip_gray (void)
{
  float x[3 * 4];
  g_autoptr(GdkPixbuf) pb = NULL;
  g_autofree float *back = NULL;
  int h = 0, w = 0;
  guint8 rgb[3];

  for (int i = 0; i < 12; i++)
    x[i] = (float) (i * 20) / 255.0f;
  x[0] = -0.5f;    /* clamped */
  x[11] = 7.0f;

  pb = btl_pixbuf_from_floats (x, 1, 3, 4);
  g_assert_nonnull (pb);
  g_assert_cmpint (gdk_pixbuf_get_width (pb), ==, 4);
  g_assert_cmpint (gdk_pixbuf_get_height (pb), ==, 3);
  pixel (pb, 1, 0, rgb);
  g_assert_cmpint (rgb[0], ==, 20);
  g_assert_cmpint (rgb[1], ==, 20);
  pixel (pb, 0, 0, rgb);
  g_assert_cmpint (rgb[0], ==, 0);
  pixel (pb, 3, 2, rgb);
  g_assert_cmpint (rgb[2], ==, 255);

  back = btl_floats_from_pixbuf (pb, 1, &h, &w);
  g_assert_cmpint (h, ==, 3);
  g_assert_cmpint (w, ==, 4);
  for (int i = 1; i < 11; i++)
    g_assert_cmpfloat_with_epsilon (back[i], x[i], 1e-6);
  g_assert_cmpfloat (back[0], ==, 0.0f);
  g_assert_cmpfloat (back[11], ==, 1.0f);
}

static void
test_roundtrip_rgb (void)
{
  float x[3 * 2 * 2];
  g_autoptr(GdkPixbuf) pb = NULL;
  g_autofree float *back = NULL;
  g_autofree float *gray = NULL;
  guint8 rgb[3];

  for (int i = 0; i < 12; i++)
    x[i] = (float) (i * 21) / 255.0f;
  pb = btl_pixbuf_from_floats (x, 3, 2, 2);
  pixel (pb, 1, 1, rgb);               /* plane offsets 3, 7, 11 */
  g_assert_cmpint (rgb[0], ==, 3 * 21);
  g_assert_cmpint (rgb[1], ==, 7 * 21);
  g_assert_cmpint (rgb[2], ==, 11 * 21);

  back = btl_floats_from_pixbuf (pb, 3, NULL, NULL);
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat_with_epsilon (back[i], x[i], 1e-6);

  gray = btl_floats_from_pixbuf (pb, 1, NULL, NULL);
  g_assert_cmpfloat_with_epsilon (gray[3],
                                  (0.299 * 63 + 0.587 * 147 + 0.114 * 231) / 255.0, 1e-5);
}

static void
test_alpha_over_white (void)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 2, 1);
  g_autofree float *x = NULL;

  gdk_pixbuf_fill (pb, 0x00000000);    /* black, fully transparent */
  x = btl_floats_from_pixbuf (pb, 1, NULL, NULL);
  g_assert_cmpfloat_with_epsilon (x[0], 1.0f, 1e-6);
}

/* Originals above reconstructions: check the documented geometry and every
 * tile's top-left pixel, gap and scale, after a real PNG round trip. */
static void
test_grid_png (void)
{
  g_autofree char *dir = g_dir_make_tmp ("btl-image-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "grid.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = NULL;
  const int n = 5, h = 3, w = 4, cols = 3, scale = 2, gap = BTL_IMAGE_GRID_GAP;
  float top[5 * 12], bottom[5 * 12];
  guint8 rgb[3];

  for (int i = 0; i < n; i++)
    for (int p = 0; p < h * w; p++)
      {
        top[i * 12 + p] = (float) (10 * i + p) / 255.0f;
        bottom[i * 12 + p] = (float) (100 + 10 * i + p) / 255.0f;
      }

  g_assert_true (btl_image_grid_save_png (path, top, bottom, n, 1, h, w, cols, scale, &error));
  g_assert_no_error (error);

  pb = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pb), ==, cols * w * scale + (cols + 1) * gap);
  g_assert_cmpint (gdk_pixbuf_get_height (pb), ==, 4 * h * scale + 5 * gap);

  for (int i = 0; i < n; i++)
    {
      int x0 = gap + (i % cols) * (w * scale + gap);
      int y0 = gap + 2 * (i / cols) * (h * scale + gap);
      int y1 = y0 + h * scale + gap;

      pixel (pb, x0, y0, rgb);
      g_assert_cmpint (rgb[0], ==, 10 * i);
      pixel (pb, x0 + 1, y0 + 1, rgb);           /* same source pixel, scaled */
      g_assert_cmpint (rgb[0], ==, 10 * i);
      pixel (pb, x0 + 2 * scale + 1, y0 + scale, rgb);   /* source (y 1, x 2) */
      g_assert_cmpint (rgb[1], ==, 10 * i + 6);
      pixel (pb, x0, y1, rgb);
      g_assert_cmpint (rgb[2], ==, 100 + 10 * i);
      pixel (pb, x0 - 1, y0, rgb);               /* gap */
      g_assert_cmpint (rgb[0], ==, 255);
    }
  /* The empty sixth slot stays background. */
  pixel (pb, gap + 2 * (w * scale + gap), gap + 2 * (h * scale + gap), rgb);
  g_assert_cmpint (rgb[0], ==, 255);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_grid_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("btl-image-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "keep.png", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  float x[16] = { 0 };

  g_assert_false (btl_image_grid_save_png (path, x, NULL, 0, 1, 4, 4, 4, 1, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_null (btl_image_grid_pixbuf_new (x, NULL, 1, 1, 100000, 100000, 1, 1, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* Writing over a directory fails cleanly and leaves it alone. */
  g_assert_false (btl_image_grid_save_png (dir, x, NULL, 1, 1, 4, 4, 1, 1, &error));
  g_assert_nonnull (error);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
  g_clear_error (&error);

  /* A failed write leaves an existing file untouched. */
  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_false (btl_image_grid_save_png (path, x, NULL, 1, 2, 4, 4, 1, 1, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* "fit" keeps the aspect ratio: a 6×2 picture fitted to 2×2 is its middle
 * two columns (no resampling needed), a 2×6 one its middle two rows; the
 * codec's fit mode goes through the same function. */
static void
test_fit_centre_crop (void)
{
  float wide[6 * 2], tall[2 * 6];
  g_autoptr(GdkPixbuf) pw = NULL, ph = NULL, fw = NULL, fh = NULL, same = NULL;
  g_autofree float *xw = NULL, *xh = NULL, *codec = NULL;
  int h = 0, w = 0;

  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 6; x++)
      wide[y * 6 + x] = (float) (x * 40 + y * 10) / 255.0f;
  for (int y = 0; y < 6; y++)
    for (int x = 0; x < 2; x++)
      tall[y * 2 + x] = (float) (y * 40 + x * 10) / 255.0f;
  pw = btl_pixbuf_from_floats (wide, 1, 2, 6);
  ph = btl_pixbuf_from_floats (tall, 1, 6, 2);

  fw = btl_image_fit_pixbuf (pw, 2, 2);
  fh = btl_image_fit_pixbuf (ph, 2, 2);
  g_assert_cmpint (gdk_pixbuf_get_width (fw), ==, 2);
  g_assert_cmpint (gdk_pixbuf_get_height (fw), ==, 2);
  xw = btl_floats_from_pixbuf (fw, 1, NULL, NULL);
  xh = btl_floats_from_pixbuf (fh, 1, NULL, NULL);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 2; x++)
      {
        g_assert_cmpfloat_with_epsilon (xw[y * 2 + x], wide[y * 6 + x + 2], 1e-6);
        g_assert_cmpfloat_with_epsilon (xh[y * 2 + x], tall[(y + 2) * 2 + x], 1e-6);
      }

  codec = btl_tiles_image_from_pixbuf (pw, 1, 2, 2, &h, &w);
  g_assert_cmpint (h, ==, 2);
  g_assert_cmpint (w, ==, 2);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (codec[i], xw[i], 1e-6);

  /* Already the right size: the same picture. */
  same = btl_image_fit_pixbuf (pw, 2, 6);
  g_assert_true (same == pw);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/image/roundtrip/gray", test_roundtrip_gray);
  g_test_add_func ("/core/image/roundtrip/rgb", test_roundtrip_rgb);
  g_test_add_func ("/core/image/alpha", test_alpha_over_white);
  g_test_add_func ("/core/image/grid/png", test_grid_png);
  g_test_add_func ("/core/image/grid/errors", test_grid_errors);
  g_test_add_func ("/core/image/fit/centre-crop", test_fit_centre_crop);

  return g_test_run ();
}

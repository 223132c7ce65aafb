/* btl-image.c — float images ⇄ GdkPixbuf, and sample grids. See btl-image.h. */
#include "config.h"

#include "btl-image.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "btl-error.h"

/* Largest grid we agree to build: 2^28 pixels (768 MiB of RGB). */
#define GRID_MAX_PIXELS (G_GUINT64_CONSTANT (1) << 28)

static inline guint8
to_byte (float v)
{
  if (!(v > 0.0f))          /* also catches NaN */
    return 0;
  if (v >= 1.0f)
    return 255;
  return (guint8) (v * 255.0f + 0.5f);
}

/* Writes image x (CHW) at (x0, y0) of an RGB pixbuf buffer, scaled `scale`×. */
static void
blit (guint8      *pixels,
      int          rowstride,
      int          x0,
      int          y0,
      const float *x,
      int          channels,
      int          height,
      int          width,
      int          scale)
{
  size_t plane = (size_t) height * (size_t) width;

  for (int y = 0; y < height * scale; y++)
    {
      guint8 *row = pixels + (size_t) (y0 + y) * rowstride + (size_t) x0 * 3;
      size_t src_row = (size_t) (y / scale) * width;

      for (int xx = 0; xx < width * scale; xx++)
        {
          size_t s = src_row + (size_t) (xx / scale);
          guint8 *p = row + (size_t) xx * 3;

          if (channels == 1)
            p[0] = p[1] = p[2] = to_byte (x[s]);
          else
            {
              p[0] = to_byte (x[s]);
              p[1] = to_byte (x[plane + s]);
              p[2] = to_byte (x[2 * plane + s]);
            }
        }
    }
}

GdkPixbuf *
btl_pixbuf_from_floats (const float *x,
                        int          channels,
                        int          height,
                        int          width)
{
  GdkPixbuf *pixbuf;

  g_return_val_if_fail (x != NULL, NULL);
  g_return_val_if_fail (channels == 1 || channels == 3, NULL);
  g_return_val_if_fail (height > 0 && width > 0, NULL);

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  if (pixbuf == NULL)
    return NULL;
  blit (gdk_pixbuf_get_pixels (pixbuf), gdk_pixbuf_get_rowstride (pixbuf),
        0, 0, x, channels, height, width, 1);
  return pixbuf;
}

float *
btl_floats_from_pixbuf (GdkPixbuf *pixbuf,
                        int        channels,
                        int       *height_out,
                        int       *width_out)
{
  float *out;
  int width, height;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);
  g_return_val_if_fail (channels == 1 || channels == 3, NULL);
  g_return_val_if_fail (gdk_pixbuf_get_bits_per_sample (pixbuf) == 8, NULL);

  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  out = g_new (float, (size_t) width * height * channels);
  btl_floats_from_pixbuf_into (pixbuf, channels, out);
  if (height_out != NULL)
    *height_out = height;
  if (width_out != NULL)
    *width_out = width;
  return out;
}

void
btl_floats_from_pixbuf_into (GdkPixbuf *pixbuf,
                             int        channels,
                             float     *out)
{
  const guint8 *pixels;
  int width, height, rowstride, n_channels;
  gboolean has_alpha;
  size_t plane;

  g_return_if_fail (GDK_IS_PIXBUF (pixbuf) && out != NULL);
  g_return_if_fail (channels == 1 || channels == 3);
  g_return_if_fail (gdk_pixbuf_get_bits_per_sample (pixbuf) == 8);

  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  has_alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  plane = (size_t) width * (size_t) height;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = pixels + (size_t) y * rowstride + (size_t) x * n_channels;
        float r, g, b;
        size_t o = (size_t) y * width + x;

        if (n_channels >= 3)
          {
            r = p[0] / 255.0f;
            g = p[1] / 255.0f;
            b = p[2] / 255.0f;
          }
        else
          r = g = b = p[0] / 255.0f;

        /* Transparent parts become white, as most viewers show them. */
        if (has_alpha)
          {
            float a = p[n_channels - 1] / 255.0f;
            r = r * a + (1.0f - a);
            g = g * a + (1.0f - a);
            b = b * a + (1.0f - a);
          }

        if (channels == 1)
          out[o] = CLAMP (0.299f * r + 0.587f * g + 0.114f * b, 0.0f, 1.0f);
        else
          {
            out[o] = r;
            out[plane + o] = g;
            out[2 * plane + o] = b;
          }
      }
}

GdkPixbuf *
btl_image_fit_pixbuf (GdkPixbuf *pixbuf,
                      int        height,
                      int        width)
{
  g_autoptr(GdkPixbuf) cropped = NULL;
  int pw, ph, cw, ch;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);
  g_return_val_if_fail (height > 0 && width > 0, NULL);

  pw = gdk_pixbuf_get_width (pixbuf);
  ph = gdk_pixbuf_get_height (pixbuf);
  if (pw == width && ph == height)
    return g_object_ref (pixbuf);

  /* Centre crop to the input's aspect ratio, so nothing is squashed. */
  if ((gint64) pw * height > (gint64) ph * width)
    {
      ch = ph;
      cw = CLAMP ((int) (((gint64) ph * width + height / 2) / height), 1, pw);
    }
  else
    {
      cw = pw;
      ch = CLAMP ((int) (((gint64) pw * height + width / 2) / width), 1, ph);
    }
  cropped = gdk_pixbuf_new_subpixbuf (pixbuf, (pw - cw) / 2, (ph - ch) / 2, cw, ch);
  if (cw == width && ch == height)
    return g_steal_pointer (&cropped);
  /* Bilinear averages the covered area when shrinking, which is what a
   * photo brought down to 28×28 needs. */
  return gdk_pixbuf_scale_simple (cropped, width, height, GDK_INTERP_BILINEAR);
}

GdkPixbuf *
btl_image_grid_pixbuf_new (const float  *top,
                           const float  *bottom,
                           int           n,
                           int           channels,
                           int           height,
                           int           width,
                           int           cols,
                           int           scale,
                           GError      **error)
{
  const int gap = BTL_IMAGE_GRID_GAP;
  GdkPixbuf *pixbuf;
  guint64 gw, gh;
  int rows, rows_total, rowstride, dim;
  guint8 *pixels;

  g_return_val_if_fail (top != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n <= 0 || cols <= 0 || scale <= 0 || height <= 0 || width <= 0
      || (channels != 1 && channels != 3))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("Cannot make an image grid of %d images of %d×%d×%d "
                     "in %d columns at scale %d"),
                   n, channels, height, width, cols, scale);
      return NULL;
    }

  cols = MIN (cols, n);
  rows = (n + cols - 1) / cols;
  rows_total = rows * (bottom != NULL ? 2 : 1);
  gw = (guint64) cols * width * scale + (guint64) (cols + 1) * gap;
  gh = (guint64) rows_total * height * scale + (guint64) (rows_total + 1) * gap;
  if (gw > G_MAXINT / 4 || gh > G_MAXINT / 4 || gw * gh > GRID_MAX_PIXELS)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("Image grid of %llu×%llu pixels is too large"),
                   (unsigned long long) gw, (unsigned long long) gh);
      return NULL;
    }

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, (int) gw, (int) gh);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, BTL_ERROR, BTL_ERROR_FAILED,
                           _("Not enough memory for the image grid"));
      return NULL;
    }
  gdk_pixbuf_fill (pixbuf, 0xffffffff);
  pixels = gdk_pixbuf_get_pixels (pixbuf);
  rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  dim = channels * height * width;

  for (int i = 0; i < n; i++)
    {
      int r = i / cols, c = i % cols;
      int x0 = gap + c * (width * scale + gap);
      int row_top = bottom != NULL ? 2 * r : r;
      int y0 = gap + row_top * (height * scale + gap);

      blit (pixels, rowstride, x0, y0, top + (size_t) i * dim,
            channels, height, width, scale);
      if (bottom != NULL)
        blit (pixels, rowstride, x0, y0 + height * scale + gap,
              bottom + (size_t) i * dim, channels, height, width, scale);
    }

  return pixbuf;
}

gboolean
btl_image_grid_save_png (const char   *path,
                         const float  *top,
                         const float  *bottom,
                         int           n,
                         int           channels,
                         int           height,
                         int           width,
                         int           cols,
                         int           scale,
                         GError      **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree char *buffer = NULL;
  gsize size = 0;
  GError *local_error = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  pixbuf = btl_image_grid_pixbuf_new (top, bottom, n, channels, height, width,
                                      cols, scale, error);
  if (pixbuf == NULL)
    return FALSE;

  /* Encode in memory, then one atomic write: a reader never sees half a PNG. */
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &local_error, NULL)
      || !g_file_set_contents_full (path, buffer, (gssize) size,
                                    G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                    &local_error))
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot write %s: %s"), display, local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  return TRUE;
}

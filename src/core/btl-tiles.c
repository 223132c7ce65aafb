/* btl-tiles.c — safe image loading, fit / tiles, cut and stitch.
 * See btl-tiles.h. */
#include "config.h"

#include "btl-tiles.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "btl-error.h"
#include "btl-image.h"

static gboolean
check_pixels (const char  *name,
              int          width,
              int          height,
              gint64       max_pixels,
              GError     **error)
{
  if (max_pixels <= 0)
    max_pixels = BTL_IMAGE_MAX_PIXELS;
  if (width <= 0 || height <= 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
                   _("%s: the image has no pixels (%d × %d)"), name, width, height);
      return FALSE;
    }
  if ((gint64) width * height > max_pixels)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("%s: %d × %d pixels is above the limit of %.1f megapixels"),
                   name, width, height, (double) max_pixels / (1024.0 * 1024.0));
      return FALSE;
    }
  return TRUE;
}

/* gdk-pixbuf's own errors say "Couldn't recognize the image file format"
 * etc.; keep their text but use our domain so callers can switch on it. */
static void
set_load_error (GError     **error,
                const char  *name,
                GError      *cause)
{
  if (cause != NULL && cause->domain == G_FILE_ERROR)
    g_set_error (error, G_FILE_ERROR, cause->code, "%s", cause->message);
  else
    g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
                 _("%s: not an image that can be read (%s)"), name,
                 cause != NULL ? cause->message : _("unknown format or damaged file"));
}

/* Files larger than this are not read into memory (no picture format needs
 * a gigabyte below the pixel limit). */
#define MAX_FILE_BYTES (G_GINT64_CONSTANT (1) << 30)

GdkPixbuf *
btl_tiles_load_image (const char  *path,
                      gint64       max_pixels,
                      GError     **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *name = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  GStatBuf st;
  int width = 0, height = 0;

  g_return_val_if_fail (path != NULL, NULL);

  name = g_filename_display_name (path);
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("%s: %s"), name, g_strerror (saved));
      return NULL;
    }
  /* A FIFO or device would block or never end (and reports size 0). */
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("%s: not a regular file"), name);
      return NULL;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT, _("%s: the file is empty"), name);
      return NULL;
    }
  if (st.st_size > MAX_FILE_BYTES)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("%s: %lld bytes is larger than any picture "
                     "this program reads"), name, (long long) st.st_size);
      return NULL;
    }

  /* Header only: nothing is decoded until the size is known to be sane. */
  if (gdk_pixbuf_get_file_info (path, &width, &height) == NULL)
    {
      set_load_error (error, name, NULL);
      return NULL;
    }
  if (!check_pixels (name, width, height, max_pixels, error))
    return NULL;

  /* Then the same loader path as pictures from memory, which also catches
   * truncated files that some loaders (BMP, ICO) would hand out half-filled. */
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, G_FILE_ERROR, local_error->code, "%s", local_error->message);
      return NULL;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  return btl_tiles_load_image_bytes (bytes, name, max_pixels, error);
}

typedef struct
{
  gint64    max_pixels;
  gboolean  too_large;
  int       width;
  int       height;
  guint8   *rows_seen;  /* bit set: rows some area-updated covered */
  int       n_rows_seen;
} SizeCheck;

static void
on_area_updated (GdkPixbufLoader *loader,
                 int              x,
                 int              y,
                 int              width,
                 int              height,
                 gpointer         user_data)
{
  SizeCheck *check = user_data;

  if (check->rows_seen == NULL)
    return;
  for (int r = MAX (y, 0); r < MIN (y + height, check->height); r++)
    if (!(check->rows_seen[r / 8] & (1 << (r % 8))))
      {
        check->rows_seen[r / 8] |= 1 << (r % 8);
        check->n_rows_seen++;
      }
}

static void
on_size_prepared (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  SizeCheck *check = user_data;

  check->width = width;
  check->height = height;
  if ((gint64) width * height > check->max_pixels)
    {
      check->too_large = TRUE;
      /* A 0 × 0 request makes every loader stop before allocating
       * (gdk_pixbuf_get_file_info uses the same trick). */
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }
  g_clear_pointer (&check->rows_seen, g_free);
  check->rows_seen = g_new0 (guint8, height / 8 + 1);
  check->n_rows_seen = 0;
}

/* TRUE when the bytes are a JPEG or WebP stream cut short. Their loaders
 * do not say so: libjpeg pads a cut scan with grey rows (every row is then
 * "decoded"), and the WebP loader hands out a full-size picture from as
 * little as its 30-byte header. */
static gboolean
looks_truncated (const guint8 *data,
                 gsize         len)
{
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    {
      /* The end-of-image marker must follow the last start-of-scan; neither
       * can occur inside entropy-coded data (0xff is stuffed there), and
       * bytes after EOI (some cameras append data) are fine. */
      gsize last_sos = 0;

      for (gsize i = 2; i + 1 < len; i++)
        if (data[i] == 0xff && data[i + 1] == 0xda)
          last_sos = i;
      for (gsize i = last_sos + 2; last_sos > 0 && i + 1 < len; i++)
        if (data[i] == 0xff && data[i + 1] == 0xd9)
          return FALSE;
      return TRUE;
    }
  if (len >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    {
      guint32 riff_len;

      memcpy (&riff_len, data + 4, 4);
      return (guint64) GUINT32_FROM_LE (riff_len) + 8 > len;
    }
  return FALSE;
}

GdkPixbuf *
btl_tiles_load_image_bytes (GBytes      *bytes,
                            const char  *name,
                            gint64       max_pixels,
                            GError     **error)
{
  g_autoptr (GdkPixbufLoader) loader = NULL;
  g_autoptr (GError) local_error = NULL;
  SizeCheck check = { 0 };
  g_autofree guint8 *rows_seen = NULL;
  GdkPixbuf *pixbuf;
  gboolean ok;

  g_return_val_if_fail (bytes != NULL, NULL);

  if (name == NULL)
    name = _("picture");
  if (max_pixels <= 0)
    max_pixels = BTL_IMAGE_MAX_PIXELS;
  if (g_bytes_get_size (bytes) == 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT, _("%s: no data"), name);
      return NULL;
    }

  if (looks_truncated (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
                   _("%s: the file ends before the picture does (truncated?)"), name);
      return NULL;
    }

  check.max_pixels = max_pixels;
  loader = gdk_pixbuf_loader_new ();
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &check);
  g_signal_connect (loader, "area-updated", G_CALLBACK (on_area_updated), &check);
  ok = gdk_pixbuf_loader_write_bytes (loader, bytes, &local_error);
  /* close must always be called; its error matters only if write succeeded */
  ok = gdk_pixbuf_loader_close (loader, ok ? &local_error : NULL) && ok;
  rows_seen = g_steal_pointer (&check.rows_seen);

  if (check.too_large)
    {
      check_pixels (name, check.width, check.height, max_pixels, error);
      return NULL;
    }
  if (!ok || (pixbuf = gdk_pixbuf_loader_get_pixbuf (loader)) == NULL)
    {
      set_load_error (error, name, local_error);
      return NULL;
    }
  if (!check_pixels (name, gdk_pixbuf_get_width (pixbuf),
                     gdk_pixbuf_get_height (pixbuf), max_pixels, error))
    return NULL;
  /* Incremental loaders hand out a half-filled pixbuf for a truncated
   * stream without an error: insist that every row was decoded. */
  if (check.n_rows_seen < gdk_pixbuf_get_height (pixbuf))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
                   _("%s: only %d of %d rows could be decoded (truncated file?)"),
                   name, check.n_rows_seen, gdk_pixbuf_get_height (pixbuf));
      return NULL;
    }

  return gdk_pixbuf_apply_embedded_orientation (pixbuf);
}

void
btl_tiles_quantise_8bit (float *x,
                         gsize  n)
{
  for (gsize i = 0; i < n; i++)
    {
      float v = x[i];

      if (!(v > 0.0f))            /* also NaN */
        v = 0.0f;
      else if (v > 1.0f)
        v = 1.0f;
      x[i] = floorf (v * 255.0f + 0.5f) / 255.0f;
    }
}

float *
btl_tiles_image_from_pixbuf (GdkPixbuf *pixbuf,
                             int        channels,
                             int        fit_height,
                             int        fit_width,
                             int       *height_out,
                             int       *width_out)
{
  g_autoptr (GdkPixbuf) scaled = NULL;
  GdkPixbuf *source = pixbuf;
  float *image;
  int height, width;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);
  g_return_val_if_fail (channels == 1 || channels == 3, NULL);

  if (fit_height > 0 && fit_width > 0)
    {
      scaled = btl_image_fit_pixbuf (pixbuf, fit_height, fit_width);
      if (scaled == NULL)
        return NULL;
      source = scaled;
    }

  image = btl_floats_from_pixbuf (source, channels, &height, &width);
  if (image == NULL)
    return NULL;
  btl_tiles_quantise_8bit (image, (gsize) channels * height * width);

  if (height_out != NULL)
    *height_out = height;
  if (width_out != NULL)
    *width_out = width;
  return image;
}

void
btl_tiles_grid (int  height,
                int  width,
                int  tile_h,
                int  tile_w,
                int *rows,
                int *cols)
{
  g_return_if_fail (tile_h > 0 && tile_w > 0);

  if (rows != NULL)
    *rows = height > 0 ? (height + tile_h - 1) / tile_h : 0;
  if (cols != NULL)
    *cols = width > 0 ? (width + tile_w - 1) / tile_w : 0;
}

void
btl_tiles_cut_range (const float *image,
                     int          channels,
                     int          height,
                     int          width,
                     int          tile_h,
                     int          tile_w,
                     int          first,
                     int          n,
                     float       *tiles)
{
  gsize plane = (gsize) height * width;
  gsize tile_dim = (gsize) channels * tile_h * tile_w;
  int cols;

  g_return_if_fail (image != NULL && tiles != NULL);
  g_return_if_fail (channels > 0 && height > 0 && width > 0);
  g_return_if_fail (tile_h > 0 && tile_w > 0 && first >= 0 && n >= 0);

  btl_tiles_grid (height, width, tile_h, tile_w, NULL, &cols);
  for (int i = 0; i < n; i++)
    {
      int r = (first + i) / cols, c = (first + i) % cols;
      float *tile = tiles + (gsize) i * tile_dim;

      for (int ch = 0; ch < channels; ch++)
        for (int y = 0; y < tile_h; y++)
          {
            /* Edge replication: coordinates past the picture clamp to
             * its last row / column. */
            int sy = MIN (r * tile_h + y, height - 1);
            const float *src = image + ch * plane + (gsize) sy * width;
            float *dst = tile + ((gsize) ch * tile_h + y) * tile_w;
            int x0 = c * tile_w;
            int inside = CLAMP (width - x0, 0, tile_w);

            memcpy (dst, src + x0, sizeof (float) * inside);
            for (int x = inside; x < tile_w; x++)
              dst[x] = src[width - 1];
          }
    }
}

float *
btl_tiles_cut (const float *image,
               int          channels,
               int          height,
               int          width,
               int          tile_h,
               int          tile_w,
               int         *n_tiles_out)
{
  float *tiles;
  int rows, cols;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (channels > 0 && height > 0 && width > 0, NULL);
  g_return_val_if_fail (tile_h > 0 && tile_w > 0, NULL);

  btl_tiles_grid (height, width, tile_h, tile_w, &rows, &cols);
  tiles = g_new (float, (gsize) rows * cols * channels * tile_h * tile_w);
  btl_tiles_cut_range (image, channels, height, width, tile_h, tile_w, 0,
                       rows * cols, tiles);
  if (n_tiles_out != NULL)
    *n_tiles_out = rows * cols;
  return tiles;
}

void
btl_tiles_stitch_range (const float *tiles,
                        int          channels,
                        int          height,
                        int          width,
                        int          tile_h,
                        int          tile_w,
                        int          first,
                        int          n,
                        float       *image)
{
  gsize plane = (gsize) height * width;
  gsize tile_dim = (gsize) channels * tile_h * tile_w;
  int cols;

  g_return_if_fail (tiles != NULL && image != NULL);
  g_return_if_fail (tile_h > 0 && tile_w > 0 && first >= 0 && n >= 0);

  btl_tiles_grid (height, width, tile_h, tile_w, NULL, &cols);
  for (int i = 0; i < n; i++)
    {
      int r = (first + i) / cols, c = (first + i) % cols;
      const float *tile = tiles + (gsize) i * tile_dim;
      int x0 = c * tile_w;
      int inside_w = MIN (tile_w, width - x0);
      int inside_h = MIN (tile_h, height - r * tile_h);

      for (int ch = 0; ch < channels; ch++)
        for (int y = 0; y < inside_h; y++)
          memcpy (image + ch * plane + (gsize) (r * tile_h + y) * width + x0,
                  tile + ((gsize) ch * tile_h + y) * tile_w,
                  sizeof (float) * inside_w);
    }
}

void
btl_tiles_stitch (const float *tiles,
                  int          channels,
                  int          height,
                  int          width,
                  int          tile_h,
                  int          tile_w,
                  float       *image)
{
  int rows, cols;

  g_return_if_fail (tiles != NULL && image != NULL);
  g_return_if_fail (tile_h > 0 && tile_w > 0);

  btl_tiles_grid (height, width, tile_h, tile_w, &rows, &cols);
  btl_tiles_stitch_range (tiles, channels, height, width, tile_h, tile_w, 0,
                          rows * cols, image);
}

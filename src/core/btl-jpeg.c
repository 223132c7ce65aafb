/* btl-jpeg.c — JPEG / WebP through gdk-pixbuf, and the matched-size search.
 * See btl-jpeg.h. */
#include "config.h"

#include "btl-jpeg.h"

#include <glib/gi18n-lib.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "btl-error.h"
#include "btl-image.h"
#include "btl-tiles.h"

/* ------------------------------------------------------------ JPEG via libjpeg
 *
 * gdk-pixbuf's JPEG saver always writes three components and the standard
 * Huffman tables. To give JPEG its best standard-conformant shot we write it
 * with libjpeg ourselves: optimised Huffman tables (smaller files, every
 * decoder reads them) and, for a gray picture, one component — no chroma
 * planes or tables to pay for. Colour keeps libjpeg's defaults (YCbCr 4:2:0),
 * like gdk-pixbuf. Decoding still goes through gdk-pixbuf. */

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  char                  message[JMSG_LENGTH_MAX];
} JpegError;

static void
jpeg_error_exit (j_common_ptr cinfo)
{
  JpegError *err = (JpegError *) cinfo->err;

  err->pub.format_message (cinfo, err->message);
  longjmp (err->jump, 1);
}

static void
jpeg_silence (j_common_ptr cinfo)
{
}

static gboolean
pixbuf_is_gray (GdkPixbuf *pixbuf)
{
  const guint8 *px = gdk_pixbuf_read_pixels (pixbuf);
  int w = gdk_pixbuf_get_width (pixbuf), h = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf), nc = gdk_pixbuf_get_n_channels (pixbuf);

  if (nc < 3 || gdk_pixbuf_get_has_alpha (pixbuf))
    return nc < 3;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *p = px + (gsize) y * stride + (gsize) x * nc;

        if (p[0] != p[1] || p[1] != p[2])
          return FALSE;
      }
  return TRUE;
}

/* volatile: they live across setjmp. */
static GBytes *
jpeg_encode (GdkPixbuf   *pixbuf,
             int          quality,
             GError     **error)
{
  struct jpeg_compress_struct cinfo;
  JpegError jerr;
  unsigned char *volatile out = NULL;
  unsigned long out_len = 0;
  guint8 *volatile row = NULL;
  const guint8 *px = gdk_pixbuf_read_pixels (pixbuf);
  int w = gdk_pixbuf_get_width (pixbuf), h = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf), nc = gdk_pixbuf_get_n_channels (pixbuf);
  gboolean gray = pixbuf_is_gray (pixbuf);
  GBytes *bytes;

  if (gdk_pixbuf_get_has_alpha (pixbuf) || nc < 3)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("JPEG needs an RGB picture without alpha"));
      return NULL;
    }

  cinfo.err = jpeg_std_error (&jerr.pub);
  jerr.pub.error_exit = jpeg_error_exit;
  jerr.pub.output_message = jpeg_silence;
  if (setjmp (jerr.jump))
    {
      jpeg_destroy_compress (&cinfo);
      free (out);
      g_free (row);
      g_set_error (error, BTL_ERROR, BTL_ERROR_FAILED, _("cannot write JPEG: %s"),
                   jerr.message);
      return NULL;
    }

  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, (unsigned char **) &out, &out_len);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = gray ? 1 : 3;
  cinfo.in_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, quality, TRUE);
  cinfo.optimize_coding = TRUE;
  jpeg_start_compress (&cinfo, TRUE);

  row = g_malloc ((gsize) w * 3);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      const guint8 *src = px + (gsize) cinfo.next_scanline * stride;
      JSAMPROW rows[1] = { (JSAMPROW) row };

      for (int x = 0; x < w; x++)
        {
          if (gray)
            row[x] = src[(gsize) x * nc];
          else
            memcpy (row + (gsize) x * 3, src + (gsize) x * nc, 3);
        }
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  g_free (row);

  bytes = g_bytes_new (out, out_len);
  free (out);
  return bytes;
}

gboolean
btl_jpeg_format_available (const char *format)
{
  GSList *formats = gdk_pixbuf_get_formats ();
  gboolean found = FALSE;

  g_return_val_if_fail (format != NULL, FALSE);

  for (GSList *l = formats; l != NULL && !found; l = l->next)
    {
      GdkPixbufFormat *f = l->data;
      g_autofree char *name = gdk_pixbuf_format_get_name (f);

      found = g_strcmp0 (name, format) == 0 && gdk_pixbuf_format_is_writable (f)
              && !gdk_pixbuf_format_is_disabled (f);
    }
  g_slist_free (formats);
  return found;
}

GBytes *
btl_jpeg_encode (GdkPixbuf   *pixbuf,
                 const char  *format,
                 int          quality,
                 GError     **error)
{
  g_autoptr (GError) local_error = NULL;
  char quality_text[16];
  char *buffer = NULL;
  gsize size = 0;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf) && format != NULL, NULL);

  if (quality < BTL_JPEG_MIN_QUALITY || quality > BTL_JPEG_MAX_QUALITY)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("%s quality must be between %d and %d (got %d)"), format,
                   BTL_JPEG_MIN_QUALITY, BTL_JPEG_MAX_QUALITY, quality);
      return NULL;
    }
  if (g_str_equal (format, "jpeg"))
    return jpeg_encode (pixbuf, quality, error);

  g_snprintf (quality_text, sizeof quality_text, "%d", quality);
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, format, &local_error,
                                  "quality", quality_text, NULL))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_FAILED, _("cannot write %s: %s"),
                   format, local_error != NULL ? local_error->message : _("unknown error"));
      return NULL;
    }
  return g_bytes_new_take (buffer, size);
}

void
btl_jpeg_match_clear (BtlJpegMatch *match)
{
  g_clear_pointer (&match->bytes, g_bytes_unref);
  match->quality = -1;
}

gboolean
btl_jpeg_match_size (GdkPixbuf     *pixbuf,
                     const char    *format,
                     gsize          target,
                     BtlJpegMatch  *match,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr (GBytes) best = NULL;
  gint64 start = g_get_monotonic_time ();
  int lo, hi;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf) && format != NULL, FALSE);
  g_return_val_if_fail (match != NULL, FALSE);

  memset (match, 0, sizeof *match);
  match->quality = -1;

  /* Quality 1 first: when even it does not fit, that is the answer. Then
   * the search, with the invariant: quality lo fits (its file is `best`),
   * quality hi does not (101 stands for "above the top"). Quality 100 is
   * never tried unless the search gets there: it is by far the slowest
   * encode (WebP on a 12 MP picture: seconds). At most 1 + 7 encodes. */
  best = btl_jpeg_encode (pixbuf, format, BTL_JPEG_MIN_QUALITY, error);
  match->n_encodes++;
  if (best == NULL)
    return FALSE;
  match->smallest = g_bytes_get_size (best);
  if (match->smallest > target)
    {
      match->seconds = (g_get_monotonic_time () - start) / 1e6;
      return TRUE;   /* nothing fits */
    }
  lo = BTL_JPEG_MIN_QUALITY;
  hi = BTL_JPEG_MAX_QUALITY + 1;
  while (hi - lo > 1)
    {
      int mid = lo + (hi - lo) / 2;
      GBytes *candidate;

      /* A WebP encode of a 12 MP picture takes a second or two. */
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      candidate = btl_jpeg_encode (pixbuf, format, mid, error);
      match->n_encodes++;
      if (candidate == NULL)
        return FALSE;
      if (g_bytes_get_size (candidate) <= target)
        {
          g_bytes_unref (best);
          best = candidate;
          lo = mid;
        }
      else
        {
          g_bytes_unref (candidate);
          hi = mid;
        }
    }

  g_assert (g_bytes_get_size (best) <= target);
  match->quality = lo;
  match->bytes = g_steal_pointer (&best);
  match->seconds = (g_get_monotonic_time () - start) / 1e6;
  return TRUE;
}

float *
btl_jpeg_decode (GBytes   *bytes,
                 int       channels,
                 int      *height_out,
                 int      *width_out,
                 GError  **error)
{
  g_autoptr (GdkPixbuf) pixbuf = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);

  pixbuf = btl_tiles_load_image_bytes (bytes, _("encoded image"), 0, error);
  if (pixbuf == NULL)
    return NULL;
  return btl_tiles_image_from_pixbuf (pixbuf, channels, 0, 0, height_out, width_out);
}

gboolean
btl_jpeg_decode_into (GBytes   *bytes,
                      int       channels,
                      int       height,
                      int       width,
                      float    *out,
                      GError  **error)
{
  g_autoptr (GdkPixbuf) pixbuf = NULL;

  g_return_val_if_fail (bytes != NULL && out != NULL, FALSE);

  pixbuf = btl_tiles_load_image_bytes (bytes, _("encoded image"), 0, error);
  if (pixbuf == NULL)
    return FALSE;
  if (gdk_pixbuf_get_height (pixbuf) != height || gdk_pixbuf_get_width (pixbuf) != width)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
                   _("the encoded image is %d × %d, not %d × %d"),
                   gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf),
                   width, height);
      return FALSE;
    }
  /* What btl_tiles_image_from_pixbuf does, without a new picture. */
  btl_floats_from_pixbuf_into (pixbuf, channels, out);
  btl_tiles_quantise_8bit (out, (gsize) channels * height * width);
  return TRUE;
}

/* btl-jpeg.h — the classical codecs the learned one is measured against:
 * JPEG (and WebP when gdk-pixbuf has a WebP saver) through gdk-pixbuf, at a
 * given quality or at the largest quality whose file fits a byte budget.
 *
 * "format" is "jpeg" (always there) or another gdk-pixbuf saver name such as
 * "webp" (webp-pixbuf-loader). Sizes are whole files, headers included.
 * JPEG is written with libjpeg directly rather than gdk-pixbuf's saver, to
 * give it its best standard shot: optimised Huffman tables, and a single
 * component for a gray picture (gdk-pixbuf always writes three components
 * and standard tables: ~280 more bytes of headers on a gray picture, and
 * 5–10 % more payload). Colour uses libjpeg's defaults (YCbCr 4:2:0), as
 * gdk-pixbuf does. Every file is decoded through gdk-pixbuf.
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define BTL_JPEG_MIN_QUALITY 1
#define BTL_JPEG_MAX_QUALITY 100

/* TRUE when gdk-pixbuf can write format ("jpeg", "webp", …). */
gboolean  btl_jpeg_format_available (const char *format);

/* The file format would write at quality (1..100). For "jpeg" the pixbuf
 * must be 8-bit RGB without alpha (what btl_pixbuf_from_floats makes). */
GBytes   *btl_jpeg_encode (GdkPixbuf   *pixbuf,
                           const char  *format,
                           int          quality,
                           GError     **error);

typedef struct
{
  GBytes  *bytes;      /* the chosen file, or NULL when no quality fits */
  int      quality;    /* its quality, -1 when none fits */
  gsize    smallest;   /* size at BTL_JPEG_MIN_QUALITY (what would be needed) */
  int      n_encodes;  /* encodes the search took */
  double   seconds;    /* wall time of the search */
} BtlJpegMatch;

/* Binary search over quality for the largest one whose file is at most
 * target bytes: the result never exceeds target. (File size is not strictly
 * monotonic in quality, so a higher quality may exceptionally also fit; the
 * search still never returns a file above target.) Returns FALSE only when
 * the encoder fails or cancellable (may be NULL) is cancelled between two
 * encodes (G_IO_ERROR_CANCELLED); when even quality 1 is too big, returns
 * TRUE with match->bytes == NULL and match->smallest telling how big it had
 * to be. Clear the match with btl_jpeg_match_clear. */
gboolean  btl_jpeg_match_size (GdkPixbuf     *pixbuf,
                               const char    *format,
                               gsize          target,
                               BtlJpegMatch  *match,
                               GCancellable  *cancellable,
                               GError       **error);

void      btl_jpeg_match_clear (BtlJpegMatch *match);

/* Decodes a file made by btl_jpeg_encode into a (channels, H, W) float
 * picture with 8-bit values (see btl_tiles_image_from_pixbuf). */
float    *btl_jpeg_decode (GBytes   *bytes,
                           int       channels,
                           int      *height_out,
                           int      *width_out,
                           GError  **error);

/* The same into out (channels · height · width floats, the caller's): a
 * sweep over qualities reuses one buffer. Fails (BTL_ERROR_CORRUPT) when
 * the file is not height × width. */
gboolean  btl_jpeg_decode_into (GBytes   *bytes,
                                int       channels,
                                int       height,
                                int       width,
                                float    *out,
                                GError  **error);

G_END_DECLS

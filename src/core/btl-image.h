/* btl-image.h — float images ⇄ GdkPixbuf, and sample grids as PNG. */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* Gap and border between grid tiles, in pixels. */
#define BTL_IMAGE_GRID_GAP 2

/* An 8-bit RGB pixbuf (no alpha) of a (channels, height, width) CHW float
 * image in [0,1]; channels 1 (gray, replicated) or 3. Values are clamped and
 * rounded (v·255 + 0.5). */
GdkPixbuf *btl_pixbuf_from_floats (const float *x,
                                   int          channels,
                                   int          height,
                                   int          width);

/* The inverse: a newly allocated (channels, height, width) CHW float image in
 * [0,1]. channels 1 → luma (BT.601: 0.299 R + 0.587 G + 0.114 B), 3 → RGB.
 * Alpha is composited over white. height_out/width_out may be NULL.
 * Free with g_free(). */
float     *btl_floats_from_pixbuf (GdkPixbuf *pixbuf,
                                   int        channels,
                                   int       *height_out,
                                   int       *width_out);

/* The same into out (channels · height · width floats, the caller's). */
void       btl_floats_from_pixbuf_into (GdkPixbuf *pixbuf,
                                        int        channels,
                                        float     *out);

/* The "fit" of a picture to a model's input, the one used everywhere (the
 * Compress page and `bottleneck-cli compress --mode fit`, own pictures on the
 * Latent and Inspect pages, `encode`): the aspect ratio is kept by cutting
 * the centre of the picture to the input's aspect (nothing is squashed; the
 * borders of the longer side are dropped), then it is resized to
 * width × height, bilinear (area-averaging when shrinking). Channels are
 * converted afterwards by btl_floats_from_pixbuf(). Returns a new reference
 * (the picture itself when it already has that size), NULL when out of
 * memory. */
GdkPixbuf *btl_image_fit_pixbuf (GdkPixbuf *pixbuf,
                                 int        height,
                                 int        width);

/* A grid of n images, `cols` per row, each scaled up `scale`× (nearest). With
 * bottom (same shape as top), each row of originals is directly followed by
 * the row of their reconstructions. Layout: tiles of (w·scale)×(h·scale) with a
 * BTL_IMAGE_GRID_GAP px white gap between tiles and around the edge, so
 *   width  = cols·w·scale + (cols + 1)·GAP
 *   height = rows·h·scale + (rows + 1)·GAP,  rows = ⌈n/cols⌉ · (bottom ? 2 : 1)
 * (cols is clamped to n). Returns NULL with BTL_ERROR_INVALID/TOO_LARGE errors. */
GdkPixbuf *btl_image_grid_pixbuf_new (const float  *top,
                                      const float  *bottom,
                                      int           n,
                                      int           channels,
                                      int           height,
                                      int           width,
                                      int           cols,
                                      int           scale,
                                      GError      **error);

/* btl_image_grid_pixbuf_new() saved as PNG, atomically (an existing file is replaced
 * only when the whole PNG has been written). */
gboolean   btl_image_grid_save_png (const char   *path,
                                    const float  *top,
                                    const float  *bottom,
                                    int           n,
                                    int           channels,
                                    int           height,
                                    int           width,
                                    int           cols,
                                    int           scale,
                                    GError      **error);

G_END_DECLS

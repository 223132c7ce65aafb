/* btl-tiles.h — meeting a model's input: loading images safely, "fit" and
 * "tiles", cutting with edge replication and stitching back.
 *
 * Images here are (channels, height, width) CHW floats in [0,1], like
 * everywhere in the core. A tile is one model input: (channels, th, tw).
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* Images above this many pixels are refused before their pixels are decoded
 * (64 megapixels: an 8192 × 8192 picture; its float copy is already 768 MB
 * in RGB). */
#define BTL_IMAGE_MAX_PIXELS (G_GINT64_CONSTANT (64) * 1024 * 1024)

/* Loads any image gdk-pixbuf can read (PNG, JPEG, BMP, TIFF, WebP with its
 * loader, …). The size is read from the header first
 * (gdk_pixbuf_get_file_info) and an image above max_pixels (≤ 0: the default
 * BTL_IMAGE_MAX_PIXELS) is refused with BTL_ERROR_TOO_LARGE before any pixel
 * is decoded (so is a file above 1 GiB). Empty, unknown, corrupt or
 * truncated files: BTL_ERROR_CORRUPT (a truncated JPEG is the exception:
 * libjpeg pads it with gray and only warns); I/O: G_FILE_ERROR. Every
 * message names the file. EXIF orientation is applied. */
GdkPixbuf *btl_tiles_load_image (const char  *path,
                                 gint64       max_pixels,
                                 GError     **error);

/* Same for an image held in memory (drag and drop, clipboard): the loader's
 * size-prepared signal refuses a too-large image before it allocates it.
 * name is used in messages only (may be NULL). */
GdkPixbuf *btl_tiles_load_image_bytes (GBytes      *bytes,
                                       const char  *name,
                                       gint64       max_pixels,
                                       GError     **error);

/* The pixbuf as a (channels, H, W) float image quantised to 8 bits
 * (every value is k/255), so it is exactly what a PNG of it holds — the
 * reference every codec is measured against. channels 1 → BT.601 luma,
 * alpha over white. With fit_height, fit_width > 0 the picture is first
 * fitted to that size (btl_image_fit_pixbuf: centre crop to the aspect
 * ratio, then bilinear resize): the "fit" mode; otherwise it keeps its
 * resolution: the "tiles" mode.
 * height_out/width_out receive the result's size (may be NULL). */
float     *btl_tiles_image_from_pixbuf (GdkPixbuf *pixbuf,
                                        int        channels,
                                        int        fit_height,
                                        int        fit_width,
                                        int       *height_out,
                                        int       *width_out);

/* Rows and columns of tile_h × tile_w tiles that cover height × width
 * (ceil divisions). */
void       btl_tiles_grid (int  height,
                           int  width,
                           int  tile_h,
                           int  tile_w,
                           int *rows,
                           int *cols);

/* Cuts image (channels, height, width) into rows·cols tiles, raster order,
 * returned as (n_tiles, channels·tile_h·tile_w). The picture is padded on
 * the right and bottom by repeating its last column and row, which keeps the
 * padded tiles as smooth as the picture itself (no artificial edge for the
 * codec to spend bits on). Free with g_free. */
float     *btl_tiles_cut (const float *image,
                          int          channels,
                          int          height,
                          int          width,
                          int          tile_h,
                          int          tile_w,
                          int         *n_tiles_out);

/* Tiles first … first + n − 1 (raster order) of the same cut, into tiles
 * (n, channels·tile_h·tile_w): a big picture goes through a codec a slice at
 * a time instead of as one copy of every tile. */
void       btl_tiles_cut_range (const float *image,
                                int          channels,
                                int          height,
                                int          width,
                                int          tile_h,
                                int          tile_w,
                                int          first,
                                int          n,
                                float       *tiles);

/* The inverse: writes the (channels, height, width) picture from the tiles,
 * dropping the padding. */
void       btl_tiles_stitch (const float *tiles,
                             int          channels,
                             int          height,
                             int          width,
                             int          tile_h,
                             int          tile_w,
                             float       *image);

/* The same for tiles first … first + n − 1 only (tiles holds those n). */
void       btl_tiles_stitch_range (const float *tiles,
                                   int          channels,
                                   int          height,
                                   int          width,
                                   int          tile_h,
                                   int          tile_w,
                                   int          first,
                                   int          n,
                                   float       *image);

/* Rounds every value to the nearest k/255 in [0, 1] (what an 8-bit PNG can
 * hold); NaN becomes 0. */
void       btl_tiles_quantise_8bit (float *x,
                                    gsize  n);

G_END_DECLS

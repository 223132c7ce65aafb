/* btl-tile-sheet.h — a paintable of small images laid out to fill any size.
 *
 * Unlike a texture of fixed layout, the sheet picks its columns (unless
 * fixed) and its scale each time it is drawn, so a strip of 12 thumbnails
 * wraps into rows and grows to fill a tall area. Tiles are drawn with
 * nearest-neighbour filtering at whole multiples of the image size once
 * they are 4× or larger (pixel-crisp), centred in the area. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BTL_TYPE_TILE_SHEET (btl_tile_sheet_get_type ())

G_DECLARE_FINAL_TYPE (BtlTileSheet, btl_tile_sheet, BTL, TILE_SHEET, GObject)

/* Space between tiles, in pixels. */
#define BTL_TILE_SHEET_GAP 4

/* images is (n, channels·height·width), CHW, values in [0, 1]; copied.
 * cols > 0 fixes the number of columns (a traversal grid), 0 lets the
 * sheet choose the count that gives the largest tiles. natural_scale sets
 * the intrinsic size (cols, or n in one row, at that scale). NULL when the
 * arguments are invalid. */
BtlTileSheet *btl_tile_sheet_new        (const float *images,
                                         int          n,
                                         int          channels,
                                         int          height,
                                         int          width,
                                         int          cols,
                                         int          natural_scale);

int           btl_tile_sheet_get_n_images (BtlTileSheet *self);
/* The layout drawn in a width × height area: columns, rows and the scale
 * (screen pixels per image pixel). */
void          btl_tile_sheet_get_layout (BtlTileSheet *self,
                                         double        width,
                                         double        height,
                                         int          *cols,
                                         int          *rows,
                                         double       *scale);

G_END_DECLS

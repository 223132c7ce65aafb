/* btl-tile-sheet.c — see btl-tile-sheet.h.
 *
 * Each image becomes a small cairo surface once (the image grid's tiles);
 * snapshot lays them out for the size asked and draws them in one cairo
 * node, scaled with NEAREST filtering (GOOD when shrinking or barely
 * enlarging, where nearest drops or doubles pixel rows unevenly). */
#include "config.h"

#include <math.h>

#include "btl-image-grid.h"
#include "btl-tile-sheet.h"

struct _BtlTileSheet
{
  GObject           parent_instance;

  cairo_surface_t **tiles;     /* (n) */
  int               n;
  int               height;
  int               width;
  int               cols;      /* 0: chosen per size */
  int               natural_scale;
};

static void btl_tile_sheet_paintable_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BtlTileSheet, btl_tile_sheet, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      btl_tile_sheet_paintable_init))

/* Scales from here on are floored to whole numbers: square, crisp pixels
 * for at most a fifth of the size. */
#define WHOLE_FROM 4.0

void
btl_tile_sheet_get_layout (BtlTileSheet *self,
                           double        width,
                           double        height,
                           int          *cols_out,
                           int          *rows_out,
                           double       *scale_out)
{
  const double gap = BTL_TILE_SHEET_GAP;
  int first = self->cols > 0 ? self->cols : 1;
  int last = self->cols > 0 ? self->cols : self->n;
  double best = -1;
  int best_cols = first;

  g_return_if_fail (BTL_IS_TILE_SHEET (self));

  for (int cols = first; cols <= last; cols++)
    {
      int rows = (self->n + cols - 1) / cols;
      double sw = (width - gap * (cols - 1)) / (cols * (double) self->width);
      double sh = (height - gap * (rows - 1)) / (rows * (double) self->height);
      double s = MIN (sw, sh);

      if (s > best + 1e-9)
        {
          best = s;
          best_cols = cols;
        }
    }
  if (cols_out != NULL)
    *cols_out = best_cols;
  if (rows_out != NULL)
    *rows_out = self->n > 0 ? (self->n + best_cols - 1) / best_cols : 0;
  if (scale_out != NULL)
    *scale_out = best >= WHOLE_FROM ? floor (best) : MAX (best, 0.0);
}

/* ---- GdkPaintable ------------------------------------------------------ */

static void
btl_tile_sheet_snapshot (GdkPaintable *paintable,
                         GdkSnapshot  *snapshot,
                         double        width,
                         double        height)
{
  BtlTileSheet *self = BTL_TILE_SHEET (paintable);
  const double gap = BTL_TILE_SHEET_GAP;
  int cols, rows;
  double scale, tw, th, x0, y0;
  cairo_t *cr;

  if (self->n == 0 || width < 1 || height < 1)
    return;
  btl_tile_sheet_get_layout (self, width, height, &cols, &rows, &scale);
  if (scale <= 0)
    return;
  tw = self->width * scale;
  th = self->height * scale;
  x0 = floor ((width - (cols * tw + (cols - 1) * gap)) / 2);
  y0 = floor ((height - (rows * th + (rows - 1) * gap)) / 2);

  cr = gtk_snapshot_append_cairo (GTK_SNAPSHOT (snapshot),
                                  &GRAPHENE_RECT_INIT (0, 0, width, height));
  for (int i = 0; i < self->n; i++)
    {
      cairo_save (cr);
      cairo_translate (cr, x0 + (i % cols) * (tw + gap), y0 + (i / cols) * (th + gap));
      cairo_scale (cr, scale, scale);
      cairo_set_source_surface (cr, self->tiles[i], 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr),
                                scale >= 1.5 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
      cairo_rectangle (cr, 0, 0, self->width, self->height);
      cairo_fill (cr);
      cairo_restore (cr);
    }
  cairo_destroy (cr);
}

static void
natural_size (BtlTileSheet *self,
              int          *width,
              int          *height)
{
  int cols = self->cols > 0 ? MIN (self->cols, self->n) : self->n;
  int rows = cols > 0 ? (self->n + cols - 1) / cols : 0;

  *width = cols > 0 ? cols * self->width * self->natural_scale + (cols - 1) * BTL_TILE_SHEET_GAP : 0;
  *height = rows > 0 ? rows * self->height * self->natural_scale + (rows - 1) * BTL_TILE_SHEET_GAP : 0;
}

static int
btl_tile_sheet_get_intrinsic_width (GdkPaintable *paintable)
{
  int w, h;

  natural_size (BTL_TILE_SHEET (paintable), &w, &h);
  return w;
}

static int
btl_tile_sheet_get_intrinsic_height (GdkPaintable *paintable)
{
  int w, h;

  natural_size (BTL_TILE_SHEET (paintable), &w, &h);
  return h;
}

/* No fixed aspect ratio: the layout adapts to the area it is given. */
static double
btl_tile_sheet_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  return 0.0;
}

static GdkPaintableFlags
btl_tile_sheet_get_flags (GdkPaintable *paintable)
{
  return GDK_PAINTABLE_STATIC_CONTENTS | GDK_PAINTABLE_STATIC_SIZE;
}

static void
btl_tile_sheet_paintable_init (GdkPaintableInterface *iface)
{
  iface->snapshot = btl_tile_sheet_snapshot;
  iface->get_intrinsic_width = btl_tile_sheet_get_intrinsic_width;
  iface->get_intrinsic_height = btl_tile_sheet_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = btl_tile_sheet_get_intrinsic_aspect_ratio;
  iface->get_flags = btl_tile_sheet_get_flags;
}

/* ---- GObject ----------------------------------------------------------- */

static void
btl_tile_sheet_finalize (GObject *object)
{
  BtlTileSheet *self = BTL_TILE_SHEET (object);

  for (int i = 0; i < self->n; i++)
    cairo_surface_destroy (self->tiles[i]);
  g_free (self->tiles);

  G_OBJECT_CLASS (btl_tile_sheet_parent_class)->finalize (object);
}

static void
btl_tile_sheet_class_init (BtlTileSheetClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = btl_tile_sheet_finalize;
}

static void
btl_tile_sheet_init (BtlTileSheet *self)
{
}

BtlTileSheet *
btl_tile_sheet_new (const float *images,
                    int          n,
                    int          channels,
                    int          height,
                    int          width,
                    int          cols,
                    int          natural_scale)
{
  BtlTileSheet *self;
  gsize dim;

  g_return_val_if_fail (n > 0 && images != NULL, NULL);
  g_return_val_if_fail (channels == 1 || channels == 3, NULL);
  g_return_val_if_fail (height > 0 && width > 0 && cols >= 0 && natural_scale > 0, NULL);

  self = g_object_new (BTL_TYPE_TILE_SHEET, NULL);
  self->n = n;
  self->height = height;
  self->width = width;
  self->cols = MIN (cols, n);
  self->natural_scale = natural_scale;
  self->tiles = g_new (cairo_surface_t *, n);
  dim = (gsize) channels * height * width;
  for (int i = 0; i < n; i++)
    self->tiles[i] = btl_image_grid_tile_new (images + i * dim, channels, height, width);
  return self;
}

int
btl_tile_sheet_get_n_images (BtlTileSheet *self)
{
  g_return_val_if_fail (BTL_IS_TILE_SHEET (self), 0);

  return self->n;
}

/* btl-image-grid.c — see btl-image-grid.h.
 *
 * Each image becomes small cairo surfaces (original, reconstruction, error
 * heat map) built once per set_images; drawing scales them with NEAREST
 * filtering, so the same drawing serves the screen and PNG export.
 *
 * On screen the grid keeps two render nodes: what stays while a model trains
 * (caption, originals, labels) and the bottom tiles, one cairo node per row.
 * A refresh while training only rebuilds the latter, so GSK repaints just
 * those bands instead of the whole grid (measured with --bench-frames: the
 * refresh frames were the window's slowest, 2–3 ms of main thread). */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-chart.h"
#include "btl-image-grid.h"
#include "btl-metrics.h"

struct _BtlImageGrid
{
  GtkWidget         parent_instance;

  /* owned */
  float            *originals;     /* (n, c·h·w) */
  float            *recons;        /* (n, c·h·w) or NULL */
  double           *psnr;          /* (n) */
  char            **labels;        /* NULL-terminated, may be shorter than n */
  cairo_surface_t **tiles;         /* (3, n): original, reconstruction, difference */

  int               n;
  int               channels;
  int               height;
  int               width;
  gboolean          show_difference;
  gboolean          reserve_bottom;  /* lay out room for reconstructions before any */
  int               hover;

  /* The on-screen layout for (cached_width, cached_height, cached_font):
   * fitting the labels lays out many texts, too many for every frame. */
  guint             layout_serial; /* changes with every new layout */
  gboolean          cached;
  int               cached_width;
  int               cached_height;
  guint             cached_font;
  struct _Layout   *cache;

  /* Screen nodes (see the top of the file), NULL when out of date. */
  GskRenderNode    *fixed_node;    /* caption, originals, labels */
  guint             fixed_serial;  /* layout_serial they were drawn for */
  GdkRGBA           fixed_ink;     /* the theme's ink they were drawn with */
  GskRenderNode    *bottom_node;   /* reconstructions, error maps or their empty places */
  guint             bottom_serial;
  GdkRGBA           bottom_ink;
  guint             n_fixed_draws;
};

G_DEFINE_FINAL_TYPE (BtlImageGrid, btl_image_grid, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SHOW_DIFFERENCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define GAP           6.0
#define INNER_GAP     2.0
#define LABEL_SCALE   0.8
/* Labels wider than their column are set smaller on one line down to
 * LABEL_MIN_SCALE (about 10 px), then on two lines (broken between words)
 * from LABEL_SCALE_2 down to LABEL_MIN_SCALE: a larger font on two lines
 * would take the tiles' height. Only names that do not fit even then are
 * cut. */
#define LABEL_MIN_SCALE   0.55
#define LABEL_SCALE_2     0.62
#define LABEL_STEP        0.02
/* The least space between the labels of neighbouring columns. */
#define LABEL_GAP     GAP
/* The difference map saturates at this absolute error. */
#define DIFF_FULL     0.5

typedef struct _Layout
{
  int    cols;
  int    rows;
  double scale;      /* screen pixels per image pixel */
  double x0, y0;     /* top-left of the first cell */
  double cell_w;     /* one image wide */
  double cell_h;     /* tiles + label */
  double pitch;      /* from one column to the next: cell_w + GAP or more
                      * where the labels need it and the width allows */
  double tile_h;
  double label_h;
  double caption_h;
  double room;       /* the widest a label may be: pitch − LABEL_GAP */
  int    label_lines;
  double label_size; /* font scale of the labels */
} Layout;

/* ---- tiles ------------------------------------------------------------- */

static guint8
to_byte (float v)
{
  if (!(v > 0.0f))
    return 0;
  if (v >= 1.0f)
    return 255;
  return (guint8) lrintf (v * 255.0f);
}

/* An "inferno"-like ramp: dark for no error, bright yellow for large. */
static void
heat (double  t,
      guint8 *rgb)
{
  static const guint8 stops[5][3] = {
    { 0, 0, 4 }, { 87, 16, 110 }, { 188, 55, 84 }, { 249, 142, 9 }, { 252, 255, 164 },
  };
  double f;
  int i;

  t = CLAMP (t, 0.0, 1.0) * 4.0;
  i = MIN ((int) t, 3);
  f = t - i;
  for (int c = 0; c < 3; c++)
    rgb[c] = (guint8) lround (stops[i][c] + f * (stops[i + 1][c] - stops[i][c]));
}

static cairo_surface_t *
make_tile (const float *x,
           const float *y,     /* non-NULL: difference map of |x − y| */
           int          channels,
           int          height,
           int          width)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  gsize plane = (gsize) height * width;

  cairo_surface_flush (s);
  for (int r = 0; r < height; r++)
    {
      guint32 *row = (guint32 *) (gpointer) (data + (gsize) r * stride);

      for (int c = 0; c < width; c++)
        {
          gsize p = (gsize) r * width + c;
          guint8 rgb[3];

          if (y != NULL)
            {
              double e = 0;

              for (int k = 0; k < channels; k++)
                e += fabs ((double) x[k * plane + p] - (double) y[k * plane + p]);
              heat (e / channels / DIFF_FULL, rgb);
            }
          else if (channels == 1)
            rgb[0] = rgb[1] = rgb[2] = to_byte (x[p]);
          else
            {
              rgb[0] = to_byte (x[p]);
              rgb[1] = to_byte (x[plane + p]);
              rgb[2] = to_byte (x[2 * plane + p]);
            }
          row[c] = 0xff000000u | ((guint32) rgb[0] << 16) | ((guint32) rgb[1] << 8) | rgb[2];
        }
    }
  cairo_surface_mark_dirty (s);
  return s;
}

cairo_surface_t *
btl_image_grid_tile_new (const float *x,
                         int          channels,
                         int          height,
                         int          width)
{
  return make_tile (x, NULL, channels, height, width);
}

static void
clear_tiles (BtlImageGrid *self)
{
  if (self->tiles == NULL)
    return;
  for (int i = 0; i < 3 * self->n; i++)
    g_clear_pointer (&self->tiles[i], cairo_surface_destroy);
  g_clear_pointer (&self->tiles, g_free);
}

/* kind: 0 original, 1 reconstruction, 2 difference. Built on first use. */
static cairo_surface_t *
get_tile (BtlImageGrid *self,
          int           kind,
          int           i)
{
  gsize dim = (gsize) self->channels * self->height * self->width;
  cairo_surface_t **slot;

  if (self->tiles == NULL)
    self->tiles = g_new0 (cairo_surface_t *, 3 * self->n);
  slot = &self->tiles[kind * self->n + i];
  if (*slot == NULL)
    {
      const float *x = (kind == 1 ? self->recons : self->originals) + i * dim;

      *slot = make_tile (x, kind == 2 ? self->recons + i * dim : NULL,
                         self->channels, self->height, self->width);
    }
  return *slot;
}

/* ---- layout ------------------------------------------------------------ */

static double
line_height (GtkWidget *widget,
             double     scale)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, "Ag");
  int h;

  pango_layout_get_pixel_size (layout, NULL, &h);
  g_object_unref (layout);
  return ceil (h * scale);
}

static int
n_labels (BtlImageGrid *self)
{
  return self->labels ? (int) MIN (g_strv_length (self->labels), (guint) self->n) : 0;
}

/* Tiles per image: the original, and under it its reconstruction (or the
 * room kept for one). */
static int
cell_rows (BtlImageGrid *self)
{
  return self->recons != NULL || self->reserve_bottom ? 2 : 1;
}

/* A label as drawn: at most `lines` lines `room` wide, centred, broken
 * between words, "…" where it still does not fit. Sized as btl_canvas_text
 * sizes text. */
static PangoLayout *
label_layout (PangoContext               *context,
              const PangoFontDescription *font,
              const char                 *text,
              double                      size,
              double                      room,
              int                         lines)
{
  PangoLayout *layout = pango_layout_new (context);
  PangoFontDescription *desc = pango_font_description_copy (font);

  pango_font_description_set_size (desc, MAX (1, (int) (pango_font_description_get_size (font) * size)));
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_width (layout, (int) ceil (room * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_height (layout, -MAX (lines, 1));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  return layout;
}

/* Whether a label layout shows its text whole: nothing cut, and every line
 * break where the text may break (between words, after "/"), none inside a
 * word. *widest: its widest line. */
static gboolean
label_whole (PangoLayout *layout,
             double      *widest)
{
  const char *text = pango_layout_get_text (layout);
  const PangoLogAttr *attrs;
  PangoRectangle logical;
  int n_attrs;

  pango_layout_get_extents (layout, NULL, &logical);
  *widest = logical.width / (double) PANGO_SCALE;
  if (pango_layout_is_ellipsized (layout))
    return FALSE;
  attrs = pango_layout_get_log_attrs_readonly (layout, &n_attrs);
  for (GSList *l = pango_layout_get_lines_readonly (layout); l != NULL; l = l->next)
    {
      PangoLayoutLine *line = l->data;
      glong offset = g_utf8_pointer_to_offset (text, text + line->start_index);

      if (offset > 0 && offset < n_attrs && !attrs[offset].is_line_break)
        return FALSE;
    }
  return TRUE;
}

/* Whether every label shows whole at this size on this many lines in room;
 * *widest: the widest line among them. */
static gboolean
labels_fit (BtlImageGrid               *self,
            PangoContext               *context,
            const PangoFontDescription *font,
            double                      size,
            double                      room,
            int                         lines,
            double                     *widest)
{
  *widest = 0;
  for (int i = 0; i < n_labels (self); i++)
    {
      PangoLayout *layout;
      gboolean whole, seen = FALSE;
      double w;

      /* Data sets repeat their few class names. */
      for (int j = 0; j < i && !seen; j++)
        seen = strcmp (self->labels[i], self->labels[j]) == 0;
      if (seen)
        continue;
      layout = label_layout (context, font, self->labels[i], size, room, lines);
      whole = label_whole (layout, &w);
      g_object_unref (layout);
      *widest = MAX (*widest, w);
      if (!whole)
        return FALSE;
    }
  return TRUE;
}

static double
label_line_height (PangoContext               *context,
                   const PangoFontDescription *font,
                   double                      size)
{
  PangoLayout *layout = label_layout (context, font, "Ag", size, 1000, 1);
  int h;

  pango_layout_get_pixel_size (layout, NULL, &h);
  g_object_unref (layout);
  return h;
}

/* Columns, rows and tile size for a label band label_h high. */
static void
place_cells (BtlImageGrid *self,
             double        width,
             double        height,
             double        label_h,
             Layout       *l)
{
  int k = cell_rows (self);
  double best = -1;

  l->label_h = label_h;
  /* The column count that gives the biggest tiles. */
  for (int cols = 1; cols <= self->n; cols++)
    {
      int rows = (self->n + cols - 1) / cols;
      double sw = (width - GAP * (cols + 1)) / (cols * (double) self->width);
      double sh = (height - l->caption_h - GAP * (rows + 1)
                   - rows * (l->label_h + (k - 1) * INNER_GAP)) / (rows * (double) k * self->height);
      double s = MIN (sw, sh);

      if (s > best + 1e-9)
        {
          best = s;
          l->cols = cols;
          l->rows = rows;
        }
    }
  /* Whole multiples keep pixels square and crisp once tiles are large
   * (flooring then costs at most a fifth of the size). */
  l->scale = best >= 5 ? floor (best) : MAX (best, 0.1);
  l->cell_w = self->width * l->scale;
  l->tile_h = self->height * l->scale;
  l->cell_h = k * l->tile_h + (k - 1) * INNER_GAP + l->label_h;
  l->pitch = l->cell_w + GAP;
  /* Labels may spread the columns over the whole width, 2 px from the sides. */
  l->room = MAX (l->pitch, (width - 4 + LABEL_GAP) / l->cols) - LABEL_GAP;
  l->y0 = l->caption_h + GAP;
}

/* context and font: those the labels are drawn with. */
static void
compute_layout_for (BtlImageGrid               *self,
                    PangoContext               *context,
                    const PangoFontDescription *font,
                    double                      width,
                    double                      height,
                    Layout                     *l)
{
  double widest = 0;
  gboolean fit = FALSE;

  memset (l, 0, sizeof *l);
  if (self->n == 0)
    return;

  l->caption_h = line_height (GTK_WIDGET (self), LABEL_SCALE) + 6;
  if (n_labels (self) == 0)
    place_cells (self, width, height, 0, l);
  /* The largest size on one line, else on two; the band is as high as the
   * lines at that size. */
  for (int lines = 1; lines <= 2 && !fit && n_labels (self) > 0; lines++)
    {
      double max = lines == 1 ? LABEL_SCALE : LABEL_SCALE_2;

      for (double size = max; size > LABEL_MIN_SCALE - 1e-9 && !fit; size -= LABEL_STEP)
        {
          place_cells (self, width, height,
                       lines * label_line_height (context, font, size) + 2, l);
          fit = labels_fit (self, context, font, size, l->room, lines, &widest);
          l->label_lines = lines;
          l->label_size = size;
        }
    }
  if (n_labels (self) > 0)
    {
      if (!fit)   /* cut with "…", at the smallest size */
        widest = l->room;
      /* Columns only as far apart as the labels need. */
      l->pitch = MAX (l->pitch, ceil (widest) + LABEL_GAP);
      l->room = l->pitch - LABEL_GAP;
    }
  l->x0 = floor ((width - ((l->cols - 1) * l->pitch + l->cell_w)) / 2);
}

/* The widget's font as BtlCanvas takes it (with a size). */
static PangoFontDescription *
widget_font (BtlImageGrid *self)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  const PangoFontDescription *desc = pango_context_get_font_description (context);
  PangoFontDescription *font = desc ? pango_font_description_copy (desc)
                                    : pango_font_description_from_string ("Sans 10");

  if (pango_font_description_get_size (font) <= 0)
    pango_font_description_set_size (font, 10 * PANGO_SCALE);
  return font;
}

/* The on-screen layout at the widget's size, from the cache when it is
 * still valid. */
static const Layout *
get_layout (BtlImageGrid *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr(PangoFontDescription) font = widget_font (self);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  guint font_hash = pango_font_description_hash (font);

  if (!self->cached || self->cached_width != width || self->cached_height != height
      || self->cached_font != font_hash)
    {
      if (self->cache == NULL)
        self->cache = g_new0 (Layout, 1);
      compute_layout_for (self, gtk_widget_get_pango_context (widget), font,
                          width, height, self->cache);
      self->layout_serial++;
      self->cached = TRUE;
      self->cached_width = width;
      self->cached_height = height;
      self->cached_font = font_hash;
    }
  return self->cache;
}

static void
invalidate_layout (BtlImageGrid *self)
{
  self->cached = FALSE;
}

static void
clear_nodes (BtlImageGrid *self)
{
  g_clear_pointer (&self->fixed_node, gsk_render_node_unref);
  g_clear_pointer (&self->bottom_node, gsk_render_node_unref);
}

static void
cell_origin (const Layout *l,
             int           i,
             double       *x,
             double       *y)
{
  *x = l->x0 + (i % l->cols) * l->pitch;
  *y = l->y0 + (i / l->cols) * (l->cell_h + GAP);
}

/* ---- drawing ----------------------------------------------------------- */

static void
draw_tile (cairo_t         *cr,
           cairo_surface_t *tile,
           double           x,
           double           y,
           double           scale)
{
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, tile, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
}

/* The caption (and the heat map's scale after it). */
static void
draw_caption (BtlImageGrid *self,
              BtlCanvas    *canvas,
              const Layout *l)
{
  GdkRGBA ink = btl_canvas_ink (canvas, 0.7);
  const char *caption;
  double tw;

  if (self->recons == NULL)
    caption = _("Originals (no reconstruction yet)");
  else if (self->show_difference)
    caption = _("Top: originals · bottom: error |x − x̂|");
  else
    caption = _("Top: originals · bottom: reconstructions");

  btl_canvas_text_size (canvas, caption, LABEL_SCALE, &tw, NULL);
  btl_canvas_text (canvas, l->x0, 3, caption, 0, 0, LABEL_SCALE, FALSE, &ink);
  if (self->recons != NULL && self->show_difference)
    {
      double bx = l->x0 + tw + 26, bw = 80, bh = l->caption_h - 10;
      cairo_t *cr = btl_canvas_cairo (canvas);
      char hi[16];

      for (int i = 0; i < (int) bw; i++)
        {
          guint8 rgb[3];

          heat (i / (bw - 1), rgb);
          cairo_set_source_rgb (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
          cairo_rectangle (cr, bx + i, 5, 1, bh);
          cairo_fill (cr);
        }
      btl_canvas_text (canvas, bx - 4, 3, "0", 1, 0, LABEL_SCALE * 0.9, FALSE, &ink);
      g_snprintf (hi, sizeof hi, "≥ %.1f", DIFF_FULL);
      btl_canvas_text (canvas, bx + bw + 3, 3, hi, 0, 0, LABEL_SCALE * 0.9, FALSE, &ink);
    }
}

/* Under the tiles, in the size and on the lines compute_layout found. */
static void
draw_labels (BtlImageGrid *self,
             BtlCanvas    *canvas,
             const Layout *l)
{
  GdkRGBA ink = btl_canvas_ink (canvas, 0.7);
  int k = cell_rows (self);
  cairo_t *cr = btl_canvas_cairo (canvas);

  for (int i = 0; i < n_labels (self); i++)
    {
      PangoLayout *layout = label_layout (canvas->pango, canvas->font, self->labels[i],
                                          l->label_size, l->room, l->label_lines);
      double x, y;

      cell_origin (l, i, &x, &y);
      cairo_save (cr);
      gdk_cairo_set_source_rgba (cr, &ink);
      cairo_move_to (cr, round (x + l->cell_w / 2 - l->room / 2),
                     round (y + k * l->tile_h + (k - 1) * INNER_GAP + 1));
      pango_cairo_show_layout (cr, layout);
      cairo_restore (cr);
      g_object_unref (layout);
    }
}

/* The bottom tile of each image in row (all rows when row < 0). */
static void
draw_bottom_tiles (BtlImageGrid *self,
                   cairo_t      *cr,
                   const Layout *l,
                   int           row)
{
  int first = row < 0 ? 0 : row * l->cols;
  int end = row < 0 ? self->n : MIN (self->n, first + l->cols);

  for (int i = first; i < end; i++)
    {
      double x, y;

      cell_origin (l, i, &x, &y);
      draw_tile (cr, get_tile (self, self->show_difference ? 2 : 1, i),
                 x, y + l->tile_h + INNER_GAP, l->scale);
    }
}

static void
draw_hover (BtlImageGrid *self,
            cairo_t      *cr,
            const GdkRGBA *accent,
            const Layout *l)
{
  double x, y;

  cell_origin (l, self->hover, &x, &y);
  gdk_cairo_set_source_rgba (cr, accent);
  cairo_set_line_width (cr, 2);
  cairo_rectangle (cr, x - 2, y - 2, l->cell_w + 4, l->cell_h - l->label_h + 4);
  cairo_stroke (cr);
}

/* Everything but the bottom tiles and the hover frame. */
static void
draw_fixed (BtlImageGrid *self,
            BtlCanvas    *canvas,
            const Layout *l)
{
  cairo_t *cr;

  draw_caption (self, canvas, l);
  cr = btl_canvas_cairo (canvas);
  for (int i = 0; i < self->n; i++)
    {
      double x, y;

      cell_origin (l, i, &x, &y);
      draw_tile (cr, get_tile (self, 0, i), x, y, l->scale);
    }
  draw_labels (self, canvas, l);
}

static void
draw_empty (BtlCanvas *canvas)
{
  btl_canvas_placeholder (canvas, _("Reconstructions appear here"));
}

/* Export (PNG): all of it in one go, laid out for the export size. */
static void
draw_grid (GtkWidget *widget,
           BtlCanvas *canvas)
{
  BtlImageGrid *self = BTL_IMAGE_GRID (widget);
  Layout l;

  if (self->n == 0)
    {
      draw_empty (canvas);
      return;
    }
  compute_layout_for (self, canvas->pango, canvas->font, canvas->width, canvas->height, &l);
  draw_fixed (self, canvas, &l);
  if (self->recons != NULL)
    draw_bottom_tiles (self, btl_canvas_cairo (canvas), &l, -1);
}

static GskRenderNode *
make_fixed_node (BtlImageGrid *self,
                 const Layout *l,
                 GdkRGBA      *ink)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  BtlCanvas canvas;

  btl_canvas_init_snapshot (&canvas, GTK_WIDGET (self), snapshot);
  *ink = canvas.fg;
  draw_fixed (self, &canvas, l);
  btl_canvas_finish (&canvas);
  return gtk_snapshot_free_to_node (snapshot);
}

/* One cairo node per row, each only as large as its band of tiles. */
static GskRenderNode *
make_bottom_node (BtlImageGrid  *self,
                  const Layout  *l,
                  const GdkRGBA *ink)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  for (int row = 0; row < l->rows; row++)
    {
      int n_in_row = MIN (l->cols, self->n - row * l->cols);
      double x, y, right;
      graphene_rect_t band;
      cairo_t *cr;

      cell_origin (l, row * l->cols, &x, &y);
      right = x + (n_in_row - 1) * l->pitch + l->cell_w;
      y += l->tile_h + INNER_GAP;
      graphene_rect_init (&band, floor (x), floor (y),
                          ceil (right) - floor (x), ceil (y + l->tile_h) - floor (y));
      cr = gtk_snapshot_append_cairo (snapshot, &band);
      if (self->recons != NULL)
        draw_bottom_tiles (self, cr, l, row);
      else
        {
          /* Where the reconstructions will be, faintly. */
          GdkRGBA faint = *ink;

          faint.alpha *= 0.06;
          gdk_cairo_set_source_rgba (cr, &faint);
          for (int i = 0; i < n_in_row; i++)
            cairo_rectangle (cr, x + i * l->pitch, y, l->cell_w, l->tile_h);
          cairo_fill (cr);
        }
      cairo_destroy (cr);
    }
  return gtk_snapshot_free_to_node (snapshot);
}

/* ---- widget ------------------------------------------------------------ */

static void
btl_image_grid_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  BtlImageGrid *self = BTL_IMAGE_GRID (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  const Layout *l;
  GdkRGBA ink;

  if (self->n == 0)
    {
      BtlCanvas canvas;

      btl_canvas_init_snapshot (&canvas, widget, snapshot);
      draw_empty (&canvas);
      btl_canvas_finish (&canvas);
      return;
    }

  l = get_layout (self);
  gtk_style_context_get_color (style, &ink);
  if (self->fixed_node != NULL
      && (self->fixed_serial != self->layout_serial || !gdk_rgba_equal (&ink, &self->fixed_ink)))
    g_clear_pointer (&self->fixed_node, gsk_render_node_unref);
  if (self->fixed_node == NULL)
    {
      self->fixed_node = make_fixed_node (self, l, &self->fixed_ink);
      self->fixed_serial = self->layout_serial;
      self->n_fixed_draws++;
    }
  if (self->fixed_node != NULL)
    gtk_snapshot_append_node (snapshot, self->fixed_node);

  if (cell_rows (self) == 2)
    {
      if (self->bottom_node != NULL
          && (self->bottom_serial != self->layout_serial || !gdk_rgba_equal (&ink, &self->bottom_ink)))
        g_clear_pointer (&self->bottom_node, gsk_render_node_unref);
      if (self->bottom_node == NULL)
        {
          self->bottom_node = make_bottom_node (self, l, &ink);
          self->bottom_serial = self->layout_serial;
          self->bottom_ink = ink;
        }
      if (self->bottom_node != NULL)
        gtk_snapshot_append_node (snapshot, self->bottom_node);
    }

  if (self->hover >= 0 && self->hover < self->n)
    {
      GdkRGBA accent;
      graphene_rect_t r;
      double x, y;
      cairo_t *cr;

      if (!gtk_style_context_lookup_color (style, "accent_color", &accent))
        gdk_rgba_parse (&accent, "#1c71d8");
      cell_origin (l, self->hover, &x, &y);
      graphene_rect_init (&r, floor (x) - 4, floor (y) - 4,
                          ceil (l->cell_w) + 9, ceil (l->cell_h - l->label_h) + 9);
      cr = gtk_snapshot_append_cairo (snapshot, &r);
      draw_hover (self, cr, &accent, l);
      cairo_destroy (cr);
    }
}

static void
btl_image_grid_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 120 : 80;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 240;
}

int
btl_image_grid_index_at (BtlImageGrid *self,
                         double        x,
                         double        y)
{
  const Layout *l;
  int col, row, i;
  double cx, cy;

  g_return_val_if_fail (BTL_IS_IMAGE_GRID (self), -1);

  if (self->n == 0)
    return -1;
  l = get_layout (self);
  col = (int) floor ((x - l->x0) / l->pitch);
  row = (int) floor ((y - l->y0) / (l->cell_h + GAP));
  if (col < 0 || col >= l->cols || row < 0 || row >= l->rows)
    return -1;
  i = row * l->cols + col;
  if (i >= self->n)
    return -1;
  cell_origin (l, i, &cx, &cy);
  if (x > cx + l->cell_w || y > cy + l->cell_h)
    return -1;
  return i;
}

static gboolean
query_tooltip (GtkWidget  *widget,
               int         x,
               int         y,
               gboolean    keyboard,
               GtkTooltip *tooltip,
               gpointer    data)
{
  BtlImageGrid *self = BTL_IMAGE_GRID (widget);
  int i = btl_image_grid_index_at (self, x, y);
  g_autoptr(GString) s = NULL;

  if (i < 0)
    return FALSE;
  s = g_string_new (NULL);
  if (i < n_labels (self))
    {
      g_autofree char *escaped = g_markup_escape_text (self->labels[i], -1);

      g_string_append_printf (s, "<b>%s</b>\n", escaped);
    }
  if (isfinite (self->psnr[i]))
    g_string_append_printf (s, _("PSNR %.2f dB"), self->psnr[i]);
  else
    g_string_append (s, _("No reconstruction yet"));
  gtk_tooltip_set_markup (tooltip, s->str);
  return TRUE;
}

static void
set_hover (BtlImageGrid *self,
           int           hover)
{
  if (self->hover == hover)
    return;
  self->hover = hover;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
motion (GtkEventControllerMotion *controller,
        double                    x,
        double                    y,
        BtlImageGrid             *self)
{
  set_hover (self, btl_image_grid_index_at (self, x, y));
}

static void
leave (GtkEventControllerMotion *controller,
       BtlImageGrid             *self)
{
  set_hover (self, -1);
}

static void
btl_image_grid_finalize (GObject *object)
{
  BtlImageGrid *self = BTL_IMAGE_GRID (object);

  clear_tiles (self);
  clear_nodes (self);
  g_free (self->originals);
  g_free (self->recons);
  g_free (self->psnr);
  g_strfreev (self->labels);
  g_free (self->cache);

  G_OBJECT_CLASS (btl_image_grid_parent_class)->finalize (object);
}

static void
btl_image_grid_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BtlImageGrid *self = BTL_IMAGE_GRID (object);

  switch (prop_id)
    {
    case PROP_SHOW_DIFFERENCE:
      g_value_set_boolean (value, self->show_difference);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
btl_image_grid_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  BtlImageGrid *self = BTL_IMAGE_GRID (object);

  switch (prop_id)
    {
    case PROP_SHOW_DIFFERENCE:
      btl_image_grid_set_show_difference (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
btl_image_grid_class_init (BtlImageGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = btl_image_grid_finalize;
  object_class->get_property = btl_image_grid_get_property;
  object_class->set_property = btl_image_grid_set_property;
  widget_class->snapshot = btl_image_grid_snapshot;
  widget_class->measure = btl_image_grid_measure;

  properties[PROP_SHOW_DIFFERENCE] =
    g_param_spec_boolean ("show-difference", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "btl-image-grid");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
btl_image_grid_init (BtlImageGrid *self)
{
  GtkEventController *controller = gtk_event_controller_motion_new ();

  self->hover = -1;
  g_signal_connect (controller, "motion", G_CALLBACK (motion), self);
  g_signal_connect (controller, "enter", G_CALLBACK (motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip), NULL);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Originals and reconstructions"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("No images"),
                                  -1);
}

static void
update_description (BtlImageGrid *self)
{
  g_autofree char *text = NULL;
  double sum = 0;
  int counted = 0;

  for (int i = 0; i < self->n; i++)
    if (isfinite (self->psnr[i]))
      {
        sum += self->psnr[i];
        counted++;
      }
  if (self->n == 0)
    text = g_strdup (_("No images"));
  else if (counted == 0)
    text = g_strdup_printf (ngettext ("%d original image", "%d original images", self->n), self->n);
  else
    text = g_strdup_printf (ngettext ("%d image and its reconstruction, mean PSNR %.2f dB",
                                      "%d images and their reconstructions, mean PSNR %.2f dB",
                                      self->n),
                            self->n, sum / counted);
  if (n_labels (self) > 0)
    {
      g_autoptr(GString) names = g_string_new (NULL);
      char *with_names;

      for (int i = 0; i < n_labels (self); i++)
        g_string_append_printf (names, i ? ", %s" : "%s", self->labels[i]);

      /* Translators: an image grid's description, then the images' labels
       * in order, e.g. "12 images and …. Labels: Bag, Coat, …" */
      with_names = g_strdup_printf (_("%s. Labels: %s"), text, names->str);
      g_free (text);
      text = with_names;
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

GtkWidget *
btl_image_grid_new (void)
{
  return GTK_WIDGET (g_object_new (BTL_TYPE_IMAGE_GRID, NULL));
}

void
btl_image_grid_set_images (BtlImageGrid *self,
                           const float  *originals,
                           const float  *recons,
                           int           n,
                           int           channels,
                           int           height,
                           int           width)
{
  gsize dim = (gsize) channels * height * width;
  gboolean same_shape, same_originals;

  g_return_if_fail (BTL_IS_IMAGE_GRID (self));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || originals != NULL);
  g_return_if_fail (n == 0 || channels == 1 || channels == 3);
  g_return_if_fail (n == 0 || (height > 0 && width > 0));
  g_return_if_fail (n == 0 || (guint64) n * channels * height * width <= BTL_IMAGE_GRID_MAX_VALUES);

  /* New reconstructions of the same images (the Train page's refreshes
   * while training) keep the layout: fitting the labels again took ~1 ms
   * of the window's frame each time. */
  same_shape = n == self->n && n > 0 && channels == self->channels && height == self->height
               && width == self->width
               && (recons != NULL || self->reserve_bottom) == (cell_rows (self) == 2);
  /* ... and keep the originals' tiles and node: only the bottom row changes. */
  same_originals = same_shape && memcmp (originals, self->originals, n * dim * sizeof (float)) == 0;
  if (same_originals && self->tiles != NULL)
    {
      for (int i = n; i < 3 * n; i++)
        g_clear_pointer (&self->tiles[i], cairo_surface_destroy);
      g_clear_pointer (&self->bottom_node, gsk_render_node_unref);
      /* The caption says whether there are reconstructions. */
      if ((recons != NULL) != (self->recons != NULL))
        g_clear_pointer (&self->fixed_node, gsk_render_node_unref);
    }
  else
    {
      clear_tiles (self);
      clear_nodes (self);
    }
  if (!same_originals)
    g_clear_pointer (&self->originals, g_free);
  g_clear_pointer (&self->recons, g_free);
  g_clear_pointer (&self->psnr, g_free);

  self->n = n;
  self->channels = n ? channels : 1;
  self->height = n ? height : 0;
  self->width = n ? width : 0;
  if (self->hover >= n)
    self->hover = -1;

  if (n > 0)
    {
      if (!same_originals)
        self->originals = g_memdup2 (originals, n * dim * sizeof (float));
      if (recons != NULL)
        self->recons = g_memdup2 (recons, n * dim * sizeof (float));
      self->psnr = g_new (double, n);
      for (int i = 0; i < n; i++)
        self->psnr[i] = recons ? btl_psnr_from_mse (btl_mse (originals + i * dim, recons + i * dim, dim))
                               : NAN;
    }

  if (!same_shape)
    invalidate_layout (self);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_image_grid_set_labels (BtlImageGrid      *self,
                           const char *const *labels)
{
  g_return_if_fail (BTL_IS_IMAGE_GRID (self));

  g_clear_pointer (&self->labels, g_strfreev);
  if (labels != NULL)
    {
      GPtrArray *copy = g_ptr_array_new ();

      /* At most n entries are read: the caller's array need not be terminated
       * when it holds exactly n labels. */
      for (int i = 0; i < self->n && labels[i] != NULL; i++)
        g_ptr_array_add (copy, g_utf8_make_valid (labels[i], -1));
      g_ptr_array_add (copy, NULL);
      self->labels = (char **) g_ptr_array_free (copy, FALSE);
    }
  invalidate_layout (self);
  clear_nodes (self);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_image_grid_set_show_difference (BtlImageGrid *self,
                                    gboolean      show_difference)
{
  g_return_if_fail (BTL_IS_IMAGE_GRID (self));

  show_difference = !!show_difference;
  if (self->show_difference == show_difference)
    return;
  self->show_difference = show_difference;
  clear_nodes (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_DIFFERENCE]);
}

void
btl_image_grid_set_reserve_bottom (BtlImageGrid *self,
                                   gboolean      reserve)
{
  g_return_if_fail (BTL_IS_IMAGE_GRID (self));

  reserve = !!reserve;
  if (self->reserve_bottom == reserve)
    return;
  self->reserve_bottom = reserve;
  invalidate_layout (self);
  clear_nodes (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
btl_image_grid_get_show_difference (BtlImageGrid *self)
{
  g_return_val_if_fail (BTL_IS_IMAGE_GRID (self), FALSE);

  return self->show_difference;
}

int
btl_image_grid_get_n_images (BtlImageGrid *self)
{
  g_return_val_if_fail (BTL_IS_IMAGE_GRID (self), 0);

  return self->n;
}

double
btl_image_grid_get_psnr (BtlImageGrid *self,
                         int           index)
{
  g_return_val_if_fail (BTL_IS_IMAGE_GRID (self), NAN);
  g_return_val_if_fail (index >= 0 && index < self->n, NAN);

  return self->psnr[index];
}

char *
btl_image_grid_dup_shown_label (BtlImageGrid *self,
                                int           index,
                                double       *width,
                                double       *room)
{
  g_autoptr(PangoFontDescription) font = NULL;
  const Layout *l;
  PangoLayout *layout;
  GString *shown;
  double widest;

  g_return_val_if_fail (BTL_IS_IMAGE_GRID (self), NULL);
  g_return_val_if_fail (index >= 0 && index < n_labels (self), NULL);

  l = get_layout (self);
  font = widget_font (self);
  layout = label_layout (gtk_widget_get_pango_context (GTK_WIDGET (self)), font,
                         self->labels[index], l->label_size, l->room, l->label_lines);
  shown = g_string_new (NULL);
  for (GSList *line = pango_layout_get_lines_readonly (layout); line != NULL; line = line->next)
    {
      PangoLayoutLine *pl = line->data;

      if (shown->len > 0)
        g_string_append_c (shown, '\n');
      g_string_append_len (shown, self->labels[index] + pl->start_index, pl->length);
    }
  if (pango_layout_is_ellipsized (layout))
    g_string_append (shown, "…");
  label_whole (layout, &widest);
  if (width != NULL)
    *width = widest;
  if (room != NULL)
    *room = l->room;
  g_object_unref (layout);
  return g_string_free (shown, FALSE);
}

guint
btl_image_grid_get_n_fixed_draws (BtlImageGrid *self)
{
  g_return_val_if_fail (BTL_IS_IMAGE_GRID (self), 0);

  return self->n_fixed_draws;
}

gboolean
btl_image_grid_export_png (BtlImageGrid  *self,
                           const char    *path,
                           GError       **error)
{
  int w = 720, h = 320;

  g_return_val_if_fail (BTL_IS_IMAGE_GRID (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Off screen: about 3× the images' own size, 8 to a row. */
  if (self->n > 0)
    {
      int cols = MIN (self->n, 8), rows = (self->n + cols - 1) / cols;

      w = (int) (cols * (self->width * 3 + GAP) + GAP);
      h = (int) (rows * (cell_rows (self) * self->height * 3 + 2 * GAP + 16) + 24);
    }
  return btl_chart_export (GTK_WIDGET (self), draw_grid, path, FALSE, w, h, error);
}

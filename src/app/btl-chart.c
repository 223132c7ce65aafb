/* btl-chart.c — the drawing canvas, text, legend, readout, palette and
 * export of the chart widgets; axes are in btl-chart-axis.c. See btl-chart.h. */
#include "btl-chart.h"

#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"

/* ---- canvas ------------------------------------------------------------ */

/* Text is laid out in the widget's pango context on screen, and in one made
 * for the export surface otherwise (so hinting suits that surface). */
static void
canvas_init_common (BtlCanvas *canvas,
                    GtkWidget *widget)
{
  PangoContext *context = gtk_widget_get_pango_context (widget);
  const PangoFontDescription *desc = pango_context_get_font_description (context);

  if (canvas->snapshot != NULL)
    canvas->pango = gtk_widget_create_pango_context (widget);
  else
    canvas->pango = pango_cairo_create_context (canvas->cr);

  canvas->font = desc ? pango_font_description_copy (desc)
                      : pango_font_description_from_string ("Sans 10");
  /* A font size in points must be set for pango to measure text at all. */
  if (pango_font_description_get_size (canvas->font) <= 0)
    pango_font_description_set_size (canvas->font, 10 * PANGO_SCALE);
}

void
btl_canvas_init_snapshot (BtlCanvas   *canvas,
                          GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  GtkStyleContext *style = gtk_widget_get_style_context (widget);

  memset (canvas, 0, sizeof *canvas);
  canvas->snapshot = snapshot;
  canvas->width = gtk_widget_get_width (widget);
  canvas->height = gtk_widget_get_height (widget);
  /* gtk_widget_get_color() is 4.10+; the style context is how 4.8 does it. */
  gtk_style_context_get_color (style, &canvas->fg);
  if (!gtk_style_context_lookup_color (style, "accent_color", &canvas->accent))
    gdk_rgba_parse (&canvas->accent, "#1c71d8");
  /* Light ink means a dark theme: readout boxes get a dark background. */
  if (0.2126 * canvas->fg.red + 0.7152 * canvas->fg.green + 0.0722 * canvas->fg.blue > 0.5)
    canvas->bg = (GdkRGBA) { 0.16, 0.16, 0.17, 0.94 };
  else
    canvas->bg = (GdkRGBA) { 1, 1, 1, 0.94 };
  canvas_init_common (canvas, widget);
}

void
btl_canvas_finish (BtlCanvas *canvas)
{
  if (canvas->snapshot != NULL)
    g_clear_pointer (&canvas->cr, cairo_destroy);
  g_clear_pointer (&canvas->font, pango_font_description_free);
  g_clear_object (&canvas->pango);
}

cairo_t *
btl_canvas_cairo (BtlCanvas *canvas)
{
  if (canvas->cr == NULL)
    {
      graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, canvas->width, canvas->height);

      g_assert (canvas->snapshot != NULL);
      canvas->cr = gtk_snapshot_append_cairo (canvas->snapshot, &bounds);
    }
  return canvas->cr;
}

void
btl_canvas_fill_rect (BtlCanvas     *canvas,
                      double         x,
                      double         y,
                      double         width,
                      double         height,
                      const GdkRGBA *color)
{
  if (width <= 0 || height <= 0)
    return;

  /* Colour nodes until the first cairo drawing, then everything goes into
   * that one cairo layer: GSK rasterises each cairo node as a whole-widget
   * image, so closing the layer for a rectangle and opening another after
   * it cost a plot ~0.5 ms per layer on every redraw. */
  if (canvas->snapshot != NULL && canvas->cr == NULL)
    {
      graphene_rect_t r = GRAPHENE_RECT_INIT (x, y, width, height);

      gtk_snapshot_append_color (canvas->snapshot, color, &r);
    }
  else
    {
      cairo_t *cr = canvas->cr;

      cairo_save (cr);
      gdk_cairo_set_source_rgba (cr, color);
      cairo_rectangle (cr, x, y, width, height);
      cairo_fill (cr);
      cairo_restore (cr);
    }
}

GdkRGBA
btl_canvas_ink (const BtlCanvas *canvas,
                double           alpha)
{
  GdkRGBA c = canvas->fg;

  c.alpha *= alpha;
  return c;
}

static PangoLayout *
make_layout (BtlCanvas  *canvas,
             const char *text,
             double      size_scale,
             gboolean    bold)
{
  PangoLayout *layout = pango_layout_new (canvas->pango);
  PangoFontDescription *desc = pango_font_description_copy (canvas->font);
  int size = pango_font_description_get_size (desc);

  pango_font_description_set_size (desc, MAX (1, (int) (size * size_scale)));
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_font_description_free (desc);
  return layout;
}

void
btl_canvas_placeholder (BtlCanvas  *canvas,
                        const char *text)
{
  cairo_t *cr = btl_canvas_cairo (canvas);
  PangoLayout *layout = make_layout (canvas, text, 1.0, FALSE);
  GdkRGBA faint = btl_canvas_ink (canvas, 0.55);
  PangoRectangle logical;

  /* Centred lines within the canvas less a margin, broken between words
   * (or anywhere, in Chinese): one line in a 400 px map was cut on both
   * sides ("latent map appears here once a model is trai"). */
  pango_layout_set_width (layout, (int) MAX (1, canvas->width - 24) * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_get_extents (layout, NULL, &logical);
  cairo_save (cr);
  gdk_cairo_set_source_rgba (cr, &faint);
  cairo_move_to (cr, 12, round ((canvas->height - logical.height / (double) PANGO_SCALE) / 2));
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  g_object_unref (layout);
}

void
btl_canvas_text_size (BtlCanvas  *canvas,
                      const char *text,
                      double      size_scale,
                      double     *width,
                      double     *height)
{
  PangoLayout *layout = make_layout (canvas, text, size_scale, FALSE);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  if (width)
    *width = logical.width / (double) PANGO_SCALE;
  if (height)
    *height = logical.height / (double) PANGO_SCALE;
  g_object_unref (layout);
}

void
btl_canvas_text (BtlCanvas     *canvas,
                 double         x,
                 double         y,
                 const char    *text,
                 double         align_x,
                 double         align_y,
                 double         size_scale,
                 gboolean       bold,
                 const GdkRGBA *color)
{
  cairo_t *cr = btl_canvas_cairo (canvas);
  PangoLayout *layout = make_layout (canvas, text, size_scale, bold);
  PangoRectangle logical;
  double w, h;

  pango_layout_get_extents (layout, NULL, &logical);
  w = logical.width / (double) PANGO_SCALE;
  h = logical.height / (double) PANGO_SCALE;
  cairo_save (cr);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, round (x - align_x * w), round (y - align_y * h));
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  g_object_unref (layout);
}

void
btl_canvas_label (BtlCanvas     *canvas,
                  double         x,
                  double         y,
                  const char    *text,
                  double         align_x,
                  double         align_y,
                  double         size_scale,
                  const GdkRGBA *color)
{
  double w, h, bx, by;
  cairo_t *cr;

  btl_canvas_text_size (canvas, text, size_scale, &w, &h);
  bx = round (x - align_x * w);
  by = round (y - align_y * h);
  cr = btl_canvas_cairo (canvas);
  cairo_save (cr);
  gdk_cairo_set_source_rgba (cr, &canvas->bg);
  cairo_rectangle (cr, bx - 3, by, w + 6, h);
  cairo_fill (cr);
  cairo_restore (cr);
  btl_canvas_text (canvas, bx, by, text, 0, 0, size_scale, TRUE, color);
}

void
btl_canvas_text_vertical (BtlCanvas     *canvas,
                          double         x,
                          double         y,
                          const char    *text,
                          double         size_scale,
                          const GdkRGBA *color)
{
  cairo_t *cr = btl_canvas_cairo (canvas);
  PangoLayout *layout = make_layout (canvas, text, size_scale, FALSE);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  cairo_save (cr);
  gdk_cairo_set_source_rgba (cr, color);
  /* (x, y) is the centre of the rotated text. */
  cairo_translate (cr, round (x - logical.height / (2.0 * PANGO_SCALE)),
                   round (y + logical.width / (2.0 * PANGO_SCALE)));
  cairo_rotate (cr, -G_PI / 2);
  cairo_move_to (cr, 0, 0);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  g_object_unref (layout);
}

/* ---- legend ------------------------------------------------------------ */

#define SWATCH_W 18

double
btl_chart_legend (BtlCanvas           *canvas,
                  const BtlLegendItem *items,
                  int                  n_items,
                  double               x0,
                  double               y0,
                  double               max_width,
                  gboolean             draw)
{
  double x = x0, y = y0, row_h = 0;

  for (int i = 0; i < n_items; i++)
    {
      double w, h, item_w;

      btl_canvas_text_size (canvas, items[i].label, BTL_CHART_TICK_SCALE, &w, &h);
      item_w = SWATCH_W + 5 + w;
      row_h = MAX (row_h, h);
      if (x > x0 && x + item_w > x0 + max_width)
        {
          x = x0;
          y += row_h + 2;
        }
      if (draw)
        {
          double cy = y + h / 2;
          GdkRGBA c = items[i].color;

          switch (items[i].style)
            {
            case BTL_LEGEND_BAND:
              c.alpha *= 0.3;
              btl_canvas_fill_rect (canvas, x, cy - 4, SWATCH_W, 8, &c);
              break;
            case BTL_LEGEND_POINT:
              {
                cairo_t *cr = btl_canvas_cairo (canvas);

                gdk_cairo_set_source_rgba (cr, &c);
                cairo_arc (cr, x + SWATCH_W / 2.0, cy, 4, 0, 2 * G_PI);
                cairo_fill (cr);
              }
              break;
            case BTL_LEGEND_BOX:
              btl_canvas_fill_rect (canvas, x + 3, cy - 6, SWATCH_W - 6, 12, &c);
              break;
            case BTL_LEGEND_DOT:
              {
                cairo_t *cr = btl_canvas_cairo (canvas);

                gdk_cairo_set_source_rgba (cr, &c);
                btl_chart_marker_path (cr, items[i].shape, x + SWATCH_W / 2.0, cy, 3.5);
                cairo_fill (cr);
                cairo_set_line_width (cr, 1.5);
                cairo_move_to (cr, x, cy);
                cairo_line_to (cr, x + SWATCH_W, cy);
                cairo_stroke (cr);
              }
              break;
            case BTL_LEGEND_LINE:
            case BTL_LEGEND_THIN_LINE:
            case BTL_LEGEND_DASH:
            default:
              {
                cairo_t *cr = btl_canvas_cairo (canvas);
                static const double dash[] = { 4, 3 };

                cairo_save (cr);
                gdk_cairo_set_source_rgba (cr, &c);
                cairo_set_line_width (cr, items[i].style == BTL_LEGEND_LINE ? 2.5 : 1.5);
                if (items[i].style == BTL_LEGEND_DASH)
                  cairo_set_dash (cr, dash, 2, 0);
                cairo_move_to (cr, x, cy);
                cairo_line_to (cr, x + SWATCH_W, cy);
                cairo_stroke (cr);
                cairo_restore (cr);
              }
              break;
            }
          {
            GdkRGBA ink = btl_canvas_ink (canvas, 0.85);

            btl_canvas_text (canvas, x + SWATCH_W + 5, y, items[i].label, 0, 0, BTL_CHART_TICK_SCALE, FALSE, &ink);
          }
        }
      x += item_w + 16;
    }
  return n_items > 0 ? y - y0 + row_h : 0;
}

void
btl_chart_marker_path (cairo_t *cr,
                       guint    shape,
                       double   x,
                       double   y,
                       double   r)
{
  cairo_new_sub_path (cr);
  switch (shape % 4)
    {
    case 0:
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      break;
    case 1:
      cairo_rectangle (cr, x - 0.85 * r, y - 0.85 * r, 1.7 * r, 1.7 * r);
      break;
    case 2:
      cairo_move_to (cr, x, y - 1.15 * r);
      cairo_line_to (cr, x + r, y + 0.75 * r);
      cairo_line_to (cr, x - r, y + 0.75 * r);
      break;
    default:
      cairo_move_to (cr, x, y - 1.2 * r);
      cairo_line_to (cr, x + r, y);
      cairo_line_to (cr, x, y + 1.2 * r);
      cairo_line_to (cr, x - r, y);
      break;
    }
  cairo_close_path (cr);
}

/* ---- readout ----------------------------------------------------------- */

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

void
btl_chart_readout (BtlCanvas             *canvas,
                   double                 x,
                   double                 y,
                   const char            *markup,
                   const graphene_rect_t *bounds)
{
  cairo_t *cr = btl_canvas_cairo (canvas);
  PangoLayout *layout = make_layout (canvas, "", BTL_CHART_TICK_SCALE, FALSE);
  PangoRectangle logical;
  GdkRGBA border = btl_canvas_ink (canvas, 0.25);
  double w, h, bx, by, pad = 6;

  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_extents (layout, NULL, &logical);
  w = logical.width / (double) PANGO_SCALE + 2 * pad;
  h = logical.height / (double) PANGO_SCALE + 2 * pad;

  /* Right of and above the pointer; flipped when it would leave the bounds. */
  bx = x + 14;
  by = y - h - 10;
  if (bx + w > bounds->origin.x + bounds->size.width)
    bx = x - 14 - w;
  if (by < bounds->origin.y)
    by = y + 14;
  bx = CLAMP (bx, bounds->origin.x, MAX (bounds->origin.x, bounds->origin.x + bounds->size.width - w));
  by = CLAMP (by, bounds->origin.y, MAX (bounds->origin.y, bounds->origin.y + bounds->size.height - h));
  bx = round (bx) + 0.5;
  by = round (by) + 0.5;

  cairo_save (cr);
  rounded_rect (cr, bx, by, w, h, 5);
  gdk_cairo_set_source_rgba (cr, &canvas->bg);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &border);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  gdk_cairo_set_source_rgba (cr, &canvas->fg);
  cairo_move_to (cr, bx + pad, by + pad);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  g_object_unref (layout);
}

/* ---- palette and export ------------------------------------------------ */

GdkRGBA
btl_chart_color (guint index)
{
  static const guint32 colors[BTL_CHART_N_COLORS] = {
    0x0072B2, /* blue */
    0xE69F00, /* orange */
    0x009E73, /* bluish green */
    0xCC79A7, /* reddish purple */
    0x56B4E9, /* sky blue */
    0xD55E00, /* vermillion */
    0xF0E442, /* yellow */
    0x882255, /* wine */
    0x999933, /* olive */
    0x888888, /* grey */
  };
  guint32 c = colors[index % BTL_CHART_N_COLORS];
  GdkRGBA rgba = { ((c >> 16) & 0xff) / 255.f, ((c >> 8) & 0xff) / 255.f, (c & 0xff) / 255.f, 1.f };

  return rgba;
}

static cairo_status_t
append_to_array (void                *closure,
                 const unsigned char *data,
                 unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
btl_chart_export (GtkWidget         *widget,
                  BtlChartDrawFunc   draw,
                  const char        *path,
                  gboolean           allow_svg,
                  int                default_width,
                  int                default_height,
                  GError           **error)
{
  g_autofree char *lower = NULL;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  cairo_surface_t *surface;
  cairo_status_t status;
  BtlCanvas canvas;
  gboolean svg;
  int w, h;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  svg = g_str_has_suffix (lower, ".svg");
  if (!g_str_has_suffix (lower, ".png") && !(allow_svg && svg))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   allow_svg ? _("Cannot export to “%s”: the name must end in .png or .svg")
                             : _("Cannot export to “%s”: the name must end in .png"),
                   path);
      return FALSE;
    }

  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  if (w < 50 || h < 50)
    {
      w = default_width;
      h = default_height;
    }

  if (svg)
    surface = cairo_svg_surface_create_for_stream (append_to_array, bytes, w, h);
  else
    {
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w * 2, h * 2);
      cairo_surface_set_device_scale (surface, 2, 2);
    }

  memset (&canvas, 0, sizeof canvas);
  canvas.cr = cairo_create (surface);
  canvas.width = w;
  canvas.height = h;
  canvas.exporting = TRUE;
  /* Saved charts go into documents: dark ink on white, whatever the theme. */
  gdk_rgba_parse (&canvas.fg, "#241f31");
  gdk_rgba_parse (&canvas.accent, "#1c71d8");
  canvas.bg = (GdkRGBA) { 1, 1, 1, 0.94 };
  canvas_init_common (&canvas, widget);

  cairo_set_source_rgb (canvas.cr, 1, 1, 1);
  cairo_paint (canvas.cr);
  draw (widget, &canvas);

  status = cairo_status (canvas.cr);
  cairo_destroy (canvas.cr);
  canvas.cr = NULL;
  btl_canvas_finish (&canvas);
  cairo_surface_flush (surface);
  if (status == CAIRO_STATUS_SUCCESS && !svg)
    status = cairo_surface_write_to_png_stream (surface, append_to_array, bytes);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_FAILED,
                   _("Could not draw “%s”: %s"), path, cairo_status_to_string (status));
      return FALSE;
    }

  /* g_file_set_contents writes a temporary file and renames it: atomic. */
  return g_file_set_contents (path, (const char *) bytes->data, bytes->len, error);
}

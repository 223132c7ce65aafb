/* btl-chart.c — see btl-chart.h. */
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

static void
close_layer (BtlCanvas *canvas)
{
  if (canvas->snapshot != NULL && canvas->cr != NULL)
    g_clear_pointer (&canvas->cr, cairo_destroy);
}

void
btl_canvas_finish (BtlCanvas *canvas)
{
  close_layer (canvas);
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

  if (canvas->snapshot != NULL)
    {
      graphene_rect_t r = GRAPHENE_RECT_INIT (x, y, width, height);

      /* A colour node after the open cairo layer, so order is kept. */
      close_layer (canvas);
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

/* ---- axes -------------------------------------------------------------- */

static double
nice_step (double range,
           int    max_ticks)
{
  double rough = range / MAX (1, max_ticks);
  double mag = pow (10.0, floor (log10 (rough)));
  double norm = rough / mag;

  if (norm <= 1.0)
    return mag;
  if (norm <= 2.0)
    return 2.0 * mag;
  if (norm <= 5.0)
    return 5.0 * mag;
  return 10.0 * mag;
}

void
btl_axis_set_range (BtlAxis  *axis,
                    double    lo,
                    double    hi,
                    gboolean  log,
                    gboolean  include_zero)
{
  axis->log = log;

  if (log)
    {
      double llo, lhi, pad;

      if (!(lo > 0) || !isfinite (lo) || !isfinite (hi) || hi < lo)
        {
          axis->min = 1.0;
          axis->max = 10.0;
          return;
        }
      llo = log10 (lo);
      lhi = log10 (hi);
      if (lhi - llo < 0.1)
        {
          llo -= 0.3;
          lhi += 0.3;
        }
      pad = 0.04 * (lhi - llo);
      axis->min = pow (10.0, llo - pad);
      axis->max = pow (10.0, lhi + pad);
      return;
    }

  if (!isfinite (lo) || !isfinite (hi) || hi < lo)
    {
      axis->min = 0.0;
      axis->max = 1.0;
      return;
    }
  if (include_zero)
    {
      lo = MIN (lo, 0.0);
      hi = MAX (hi, 0.0);
    }
  if (hi - lo < 1e-12 * MAX (1.0, fabs (hi)))
    {
      double d = fabs (hi) > 0 ? 0.1 * fabs (hi) : 1.0;

      lo -= d;
      hi += d;
    }
  {
    double step = nice_step (hi - lo, 6);

    /* Widen to the ticks, unless that adds more than a small margin. */
    axis->min = floor (lo / step + 1e-9) * step;
    axis->max = ceil (hi / step - 1e-9) * step;
    if (include_zero && lo >= 0)
      axis->min = MAX (axis->min, 0.0);
  }
}

double
btl_axis_map (const BtlAxis *axis,
              double         value)
{
  double t;

  if (axis->log)
    t = (log10 (value) - log10 (axis->min)) / (log10 (axis->max) - log10 (axis->min));
  else
    t = (value - axis->min) / (axis->max - axis->min);
  return axis->px0 + t * (axis->px1 - axis->px0);
}

double
btl_axis_unmap (const BtlAxis *axis,
                double         pixel)
{
  double t = (pixel - axis->px0) / (axis->px1 - axis->px0);

  if (axis->log)
    return pow (10.0, log10 (axis->min) + t * (log10 (axis->max) - log10 (axis->min)));
  return axis->min + t * (axis->max - axis->min);
}

void
btl_format_number (char   *buf,
                   gsize   size,
                   double  value,
                   double  step)
{
  double a = fabs (value);
  char tmp[64];
  const char *s;

  if (fabs (value) < 1e-12 * MAX (1.0, fabs (step)))
    value = a = 0.0;

  if (a != 0.0 && (a >= 1e5 || a < 1e-3 || (step > 0 && step < 1e-3)))
    {
      /* Scientific, trimmed: 2e-4, 1.5e+06 → 1.5e6 */
      int digits = step > 0 ? (int) CLAMP (ceil (log10 (a / step) - 1e-9), 0, 6) : 2;
      char *e;

      g_snprintf (tmp, sizeof tmp, "%.*e", digits, a);
      e = strchr (tmp, 'e');
      if (e != NULL)
        {
          char mant[32], *p;
          int exponent = atoi (e + 1);

          memcpy (mant, tmp, MIN ((gsize) (e - tmp), sizeof mant - 1));
          mant[MIN ((gsize) (e - tmp), sizeof mant - 1)] = '\0';
          if (strchr (mant, '.'))
            {
              p = mant + strlen (mant) - 1;
              while (*p == '0')
                *p-- = '\0';
              if (*p == '.')
                *p = '\0';
            }
          g_snprintf (tmp, sizeof tmp, "%se%d", mant, exponent);
        }
    }
  else
    {
      int decimals = step > 0 ? (int) CLAMP (-floor (log10 (step) + 1e-9), 0, 6) : 3;

      g_snprintf (tmp, sizeof tmp, "%.*f", decimals, a);
    }

  /* A real minus sign reads better than a hyphen in a chart. */
  s = value < 0 ? "\xe2\x88\x92" : "";
  g_snprintf (buf, size, "%s%s", s, tmp);
}

int
btl_axis_ticks (const BtlAxis *axis,
                int            max_major,
                BtlTick       *ticks,
                int            capacity)
{
  int n = 0;

  max_major = CLAMP (max_major, 2, BTL_AXIS_MAX_TICKS);

  if (axis->log && axis->min > 0 && axis->max > axis->min)
    {
      double lmin = log10 (axis->min), lmax = log10 (axis->max);
      int k0 = (int) ceil (lmin - 1e-9), k1 = (int) floor (lmax + 1e-9);
      int decades = k1 - k0 + 1;

      if (decades >= 2)
        {
          int every = (decades + max_major - 1) / max_major;

          for (int k = (int) floor (lmin); k <= k1 + 1 && n < capacity; k++)
            {
              double base = pow (10.0, k);

              if (k >= k0 && k <= k1 && (k - k0) % every == 0)
                {
                  ticks[n].value = base;
                  ticks[n].major = TRUE;
                  btl_format_number (ticks[n].label, sizeof ticks[n].label, base, base);
                  n++;
                }
              /* Unlabelled minor ticks at 2…9 × 10^k when decades are few. */
              for (int m = 2; m <= 9 && every == 1 && decades <= 6 && n < capacity; m++)
                {
                  double v = m * base;

                  if (v > axis->min && v < axis->max)
                    {
                      ticks[n].value = v;
                      ticks[n].major = FALSE;
                      ticks[n].label[0] = '\0';
                      n++;
                    }
                }
            }
          return n;
        }

      /* Less than two decades: 1-2-5 multiples, if there are enough. */
      for (int k = (int) floor (lmin); k <= (int) ceil (lmax) && n < capacity; k++)
        {
          static const double mults[] = { 1, 2, 5 };

          for (guint m = 0; m < G_N_ELEMENTS (mults) && n < capacity; m++)
            {
              double v = mults[m] * pow (10.0, k);

              if (v >= axis->min * (1 - 1e-9) && v <= axis->max * (1 + 1e-9))
                {
                  ticks[n].value = v;
                  ticks[n].major = TRUE;
                  btl_format_number (ticks[n].label, sizeof ticks[n].label, v, pow (10.0, k));
                  n++;
                }
            }
        }
      if (n >= 3)
        return n;
      n = 0;
      /* Fall through to linear ticks on the log-mapped axis. */
    }

  {
    double step = nice_step (axis->max - axis->min, max_major);
    double first = ceil (axis->min / step - 1e-9) * step;

    if (!isfinite (step) || step <= 0)
      return 0;
    for (double v = first; v <= axis->max + step * 1e-9 && n < capacity; v += step)
      {
        if (axis->log && v <= 0)
          continue;
        ticks[n].value = v;
        ticks[n].major = TRUE;
        btl_format_number (ticks[n].label, sizeof ticks[n].label, v, step);
        n++;
      }
  }
  return n;
}

#define TICK_SCALE 0.85
#define TITLE_SCALE 0.92

graphene_rect_t
btl_chart_draw_frame (BtlCanvas  *canvas,
                      BtlAxis    *x,
                      BtlAxis    *y,
                      const char *x_title,
                      const char *y_title,
                      double      top_reserved,
                      double      right_reserved)
{
  BtlTick yt[64], xt[64];
  int n_y, n_x;
  double label_h, title_h = 0, max_w = 0, left, bottom, right = 16, top;
  graphene_rect_t plot;
  GdkRGBA grid = btl_canvas_ink (canvas, 0.10);
  GdkRGBA minor = btl_canvas_ink (canvas, 0.05);
  GdkRGBA axis_ink = btl_canvas_ink (canvas, 0.45);
  GdkRGBA label_ink = btl_canvas_ink (canvas, 0.75);

  btl_canvas_text_size (canvas, "0.9", TICK_SCALE, NULL, &label_h);
  if (x_title || y_title)
    btl_canvas_text_size (canvas, "Ag", TITLE_SCALE, NULL, &title_h);

  top = top_reserved + ceil (label_h / 2) + 2;
  bottom = canvas->height - (label_h + 6 + (x_title ? title_h + 4 : 0) + 6);
  y->px0 = bottom;
  y->px1 = top;
  n_y = btl_axis_ticks (y, (int) MAX (2, (bottom - top) / (label_h * 2.6)), yt, G_N_ELEMENTS (yt));
  for (int i = 0; i < n_y; i++)
    if (yt[i].major)
      {
        double w;

        btl_canvas_text_size (canvas, yt[i].label, TICK_SCALE, &w, NULL);
        max_w = MAX (max_w, w);
      }
  left = 6 + (y_title ? title_h + 6 : 0) + max_w + 6;
  {
    /* Room for half of the widest x label, centred on the last tick. */
    char buf[32];
    double w;

    btl_format_number (buf, sizeof buf, x->max, fabs (x->max - x->min) / 4);
    btl_canvas_text_size (canvas, buf, TICK_SCALE, &w, NULL);
    right = MAX (right, w / 2 + 6) + right_reserved;
  }
  x->px0 = left;
  x->px1 = MAX (left + 10, canvas->width - right);
  n_x = btl_axis_ticks (x, (int) MAX (2, (x->px1 - x->px0) / 90), xt, G_N_ELEMENTS (xt));

  plot = GRAPHENE_RECT_INIT (left, top, x->px1 - left, MAX (1, bottom - top));

  /* Grid lines: 1 px colour nodes, snapped to pixels. */
  for (int i = 0; i < n_y; i++)
    {
      double py = floor (btl_axis_map (y, yt[i].value));

      if (py < top - 0.5 || py > bottom + 0.5)
        continue;
      btl_canvas_fill_rect (canvas, left, py, plot.size.width, 1, yt[i].major ? &grid : &minor);
    }
  for (int i = 0; i < n_x; i++)
    {
      double px = floor (btl_axis_map (x, xt[i].value));

      if (px < left - 0.5 || px > x->px1 + 0.5)
        continue;
      btl_canvas_fill_rect (canvas, px, top, 1, plot.size.height, xt[i].major ? &grid : &minor);
    }

  /* Axis lines (left and bottom) and tick marks. */
  btl_canvas_fill_rect (canvas, floor (left) - 1, top, 1, bottom - top + 1, &axis_ink);
  btl_canvas_fill_rect (canvas, floor (left) - 1, floor (bottom), plot.size.width + 1, 1, &axis_ink);
  for (int i = 0; i < n_y; i++)
    {
      double py = floor (btl_axis_map (y, yt[i].value));

      if (py < top - 0.5 || py > bottom + 0.5)
        continue;
      btl_canvas_fill_rect (canvas, floor (left) - (yt[i].major ? 5 : 3), py, yt[i].major ? 4 : 2, 1, &axis_ink);
    }
  for (int i = 0; i < n_x; i++)
    {
      double px = floor (btl_axis_map (x, xt[i].value));

      if (px < left - 0.5 || px > x->px1 + 0.5)
        continue;
      btl_canvas_fill_rect (canvas, px, floor (bottom) + 1, 1, xt[i].major ? 4 : 2, &axis_ink);
    }

  /* Labels. */
  for (int i = 0; i < n_y; i++)
    {
      double py = btl_axis_map (y, yt[i].value);

      if (!yt[i].major || py < top - 0.5 || py > bottom + 0.5)
        continue;
      btl_canvas_text (canvas, left - 8, py, yt[i].label, 1.0, 0.5, TICK_SCALE, FALSE, &label_ink);
    }
  for (int i = 0; i < n_x; i++)
    {
      double px = btl_axis_map (x, xt[i].value);

      if (!xt[i].major || px < left - 0.5 || px > x->px1 + 0.5)
        continue;
      btl_canvas_text (canvas, px, bottom + 6, xt[i].label, 0.5, 0.0, TICK_SCALE, FALSE, &label_ink);
    }
  if (x_title)
    btl_canvas_text (canvas, left + plot.size.width / 2, canvas->height - 6, x_title,
                     0.5, 1.0, TITLE_SCALE, FALSE, &label_ink);
  if (y_title)
    btl_canvas_text_vertical (canvas, 6 + title_h / 2, top + (bottom - top) / 2, y_title,
                              TITLE_SCALE, &label_ink);
  return plot;
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

      btl_canvas_text_size (canvas, items[i].label, TICK_SCALE, &w, &h);
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

            btl_canvas_text (canvas, x + SWATCH_W + 5, y, items[i].label, 0, 0, TICK_SCALE, FALSE, &ink);
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
  PangoLayout *layout = make_layout (canvas, "", TICK_SCALE, FALSE);
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

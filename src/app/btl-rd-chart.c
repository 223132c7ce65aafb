/* btl-rd-chart.c — see btl-rd-chart.h. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "btl-chart.h"
#include "btl-rd-chart.h"

#define HIT_RADIUS 10.0

typedef struct
{
  char   *name;
  double *bpp;     /* (n), ascending */
  double *value;   /* (n) */
  int     n;
} Series;

struct _BtlRdChart
{
  GtkWidget        parent_instance;

  /* owned */
  GPtrArray       *series;         /* Series */
  char            *metric_label;
  char            *placeholder;
  char            *current_series;

  double           current_bpp;
  double           current_value;
  int              hover_series;
  int              hover_point;

  /* layout of the last frame on screen */
  BtlAxis          xa;
  BtlAxis          ya;
  graphene_rect_t  plot;
  gboolean         have_layout;
};

G_DEFINE_FINAL_TYPE (BtlRdChart, btl_rd_chart, GTK_TYPE_WIDGET)

static void
series_free (gpointer data)
{
  Series *s = data;

  g_free (s->name);
  g_free (s->bpp);
  g_free (s->value);
  g_free (s);
}

static int
series_index (BtlRdChart *self,
              const char *name)
{
  for (guint i = 0; i < self->series->len; i++)
    if (g_strcmp0 (((Series *) g_ptr_array_index (self->series, i))->name, name) == 0)
      return (int) i;
  return -1;
}

/* ---- drawing ----------------------------------------------------------- */

static const char *
metric (BtlRdChart *self)
{
  return self->metric_label ? self->metric_label : _("PSNR (dB)");
}

static void
draw_chart (GtkWidget *widget,
            BtlCanvas *canvas)
{
  BtlRdChart *self = BTL_RD_CHART (widget);
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  BtlAxis xa = { 0 }, ya = { 0 };
  g_autofree BtlLegendItem *legend = NULL;
  graphene_rect_t plot;
  double legend_h;
  int current = self->current_series ? series_index (self, self->current_series) : -1;
  cairo_t *cr;

  for (guint s = 0; s < self->series->len; s++)
    {
      Series *se = g_ptr_array_index (self->series, s);

      for (int i = 0; i < se->n; i++)
        {
          xlo = MIN (xlo, se->bpp[i]);
          xhi = MAX (xhi, se->bpp[i]);
          ylo = MIN (ylo, se->value[i]);
          yhi = MAX (yhi, se->value[i]);
        }
    }
  if (current >= 0 && isfinite (self->current_bpp) && isfinite (self->current_value))
    {
      xlo = MIN (xlo, self->current_bpp);
      xhi = MAX (xhi, self->current_bpp);
      ylo = MIN (ylo, self->current_value);
      yhi = MAX (yhi, self->current_value);
    }
  if (!isfinite (xlo))
    {
      btl_canvas_placeholder (canvas, self->placeholder != NULL ? self->placeholder
                                      : _("Compress an image to see the rate–distortion curves"));
      return;
    }

  /* bpp from 0, so sizes compare at a glance; quality padded a little. */
  btl_axis_set_range (&xa, xlo, xhi, FALSE, TRUE);
  btl_axis_set_range (&ya, ylo - 0.03 * (yhi - ylo), yhi + 0.03 * (yhi - ylo), FALSE, FALSE);

  legend = g_new0 (BtlLegendItem, MAX (1, self->series->len));
  for (guint s = 0; s < self->series->len; s++)
    {
      legend[s].label = ((Series *) g_ptr_array_index (self->series, s))->name;
      legend[s].color = btl_chart_color (s);
      legend[s].style = BTL_LEGEND_DOT;
      legend[s].shape = s;
    }
  legend_h = btl_chart_legend (canvas, legend, self->series->len, 0, 0, canvas->width - 80, FALSE);
  plot = btl_chart_draw_frame (canvas, &xa, &ya, _("Bits per pixel"), metric (self),
                               legend_h + 10, 0);
  btl_chart_legend (canvas, legend, self->series->len, plot.origin.x, 4,
                    canvas->width - plot.origin.x - 8, TRUE);
  if (!canvas->exporting)
    {
      self->xa = xa;
      self->ya = ya;
      self->plot = plot;
      self->have_layout = TRUE;
    }

  cr = btl_canvas_cairo (canvas);
  cairo_save (cr);
  cairo_rectangle (cr, plot.origin.x - 6, plot.origin.y - 6, plot.size.width + 12, plot.size.height + 12);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint s = 0; s < self->series->len; s++)
    {
      Series *se = g_ptr_array_index (self->series, s);
      GdkRGBA colour = btl_chart_color (s);

      gdk_cairo_set_source_rgba (cr, &colour);
      cairo_set_line_width (cr, 2);
      for (int i = 0; i < se->n; i++)
        {
          double x = btl_axis_map (&xa, se->bpp[i]), y = btl_axis_map (&ya, se->value[i]);

          if (i == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_stroke (cr);
      for (int i = 0; i < se->n; i++)
        btl_chart_marker_path (cr, s, btl_axis_map (&xa, se->bpp[i]), btl_axis_map (&ya, se->value[i]),
                               se->n > 40 ? 2.5 : 4);
      cairo_fill (cr);
    }

  if (current >= 0 && isfinite (self->current_bpp) && isfinite (self->current_value))
    {
      GdkRGBA colour = btl_chart_color (current);
      double x = btl_axis_map (&xa, self->current_bpp), y = btl_axis_map (&ya, self->current_value);

      gdk_cairo_set_source_rgba (cr, &canvas->bg);
      cairo_set_line_width (cr, 6);
      cairo_arc (cr, x, y, 8, 0, 2 * G_PI);
      cairo_stroke (cr);
      gdk_cairo_set_source_rgba (cr, &colour);
      cairo_set_line_width (cr, 2.5);
      cairo_arc (cr, x, y, 8, 0, 2 * G_PI);
      cairo_stroke (cr);
      btl_chart_marker_path (cr, current, x, y, 4);
      cairo_fill (cr);
    }
  cairo_restore (cr);

  if (current >= 0 && isfinite (self->current_bpp) && isfinite (self->current_value))
    {
      double x = btl_axis_map (&xa, self->current_bpp), y = btl_axis_map (&ya, self->current_value);
      gboolean right = x < plot.origin.x + plot.size.width - 100;

      btl_canvas_label (canvas, right ? x + 12 : x - 12, y - 10, _("this image"),
                        right ? 0 : 1, 1, 0.8, &canvas->fg);
    }

  if (!canvas->exporting && self->hover_series >= 0 && self->hover_series < (int) self->series->len)
    {
      Series *se = g_ptr_array_index (self->series, self->hover_series);

      if (self->hover_point >= 0 && self->hover_point < se->n)
        {
          double x = btl_axis_map (&xa, se->bpp[self->hover_point]);
          double y = btl_axis_map (&ya, se->value[self->hover_point]);
          g_autofree char *name = g_markup_escape_text (se->name, -1);
          g_autofree char *metric_name = g_markup_escape_text (metric (self), -1);
          g_autofree char *markup = g_strdup_printf ("<b>%s</b>\n%.3f %s\n%s %.4g", name,
                                                     se->bpp[self->hover_point], _("bpp"),
                                                     metric_name, se->value[self->hover_point]);
          GdkRGBA colour = btl_chart_color (self->hover_series);

          cr = btl_canvas_cairo (canvas);
          gdk_cairo_set_source_rgba (cr, &colour);
          cairo_set_line_width (cr, 2);
          cairo_arc (cr, x, y, 7, 0, 2 * G_PI);
          cairo_stroke (cr);
          btl_chart_readout (canvas, x, y, markup, &plot);
        }
    }
}

/* ---- widget ------------------------------------------------------------ */

static void
btl_rd_chart_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  BtlCanvas canvas;

  btl_canvas_init_snapshot (&canvas, widget, snapshot);
  draw_chart (widget, &canvas);
  btl_canvas_finish (&canvas);
}

static void
btl_rd_chart_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 180;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 520 : 340;
}

gboolean
btl_rd_chart_point_at (BtlRdChart *self,
                       double      widget_x,
                       double      widget_y,
                       int        *series,
                       int        *point)
{
  double best = HIT_RADIUS * HIT_RADIUS;
  int bs = -1, bp = -1;

  g_return_val_if_fail (BTL_IS_RD_CHART (self), FALSE);

  if (self->have_layout)
    for (guint s = 0; s < self->series->len; s++)
      {
        Series *se = g_ptr_array_index (self->series, s);

        for (int i = 0; i < se->n; i++)
          {
            double dx = btl_axis_map (&self->xa, se->bpp[i]) - widget_x;
            double dy = btl_axis_map (&self->ya, se->value[i]) - widget_y;

            if (dx * dx + dy * dy <= best)
              {
                best = dx * dx + dy * dy;
                bs = (int) s;
                bp = i;
              }
          }
      }
  if (series)
    *series = bs;
  if (point)
    *point = bp;
  return bs >= 0;
}

void
btl_rd_chart_data_to_widget (BtlRdChart *self,
                             double      bpp,
                             double      value,
                             double     *wx,
                             double     *wy)
{
  g_return_if_fail (BTL_IS_RD_CHART (self));

  if (wx)
    *wx = self->have_layout ? btl_axis_map (&self->xa, bpp) : NAN;
  if (wy)
    *wy = self->have_layout ? btl_axis_map (&self->ya, value) : NAN;
}

static void
set_hover (BtlRdChart *self,
           int         series,
           int         point)
{
  if (self->hover_series == series && self->hover_point == point)
    return;
  self->hover_series = series;
  self->hover_point = point;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
motion (GtkEventControllerMotion *controller,
        double                    x,
        double                    y,
        BtlRdChart               *self)
{
  int s, p;

  btl_rd_chart_point_at (self, x, y, &s, &p);
  set_hover (self, s, p);
}

static void
leave (GtkEventControllerMotion *controller,
       BtlRdChart               *self)
{
  set_hover (self, -1, -1);
}

static void
btl_rd_chart_finalize (GObject *object)
{
  BtlRdChart *self = BTL_RD_CHART (object);

  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_free (self->metric_label);
  g_free (self->placeholder);
  g_free (self->current_series);

  G_OBJECT_CLASS (btl_rd_chart_parent_class)->finalize (object);
}

static void
btl_rd_chart_class_init (BtlRdChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = btl_rd_chart_finalize;
  widget_class->snapshot = btl_rd_chart_snapshot;
  widget_class->measure = btl_rd_chart_measure;

  gtk_widget_class_set_css_name (widget_class, "btl-rd-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
btl_rd_chart_init (BtlRdChart *self)
{
  GtkEventController *controller = gtk_event_controller_motion_new ();

  self->series = g_ptr_array_new_with_free_func (series_free);
  self->hover_series = -1;
  self->hover_point = -1;

  g_signal_connect (controller, "motion", G_CALLBACK (motion), self);
  g_signal_connect (controller, "enter", G_CALLBACK (motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Rate–distortion chart"),
                                  -1);
}

GtkWidget *
btl_rd_chart_new (void)
{
  return g_object_new (BTL_TYPE_RD_CHART, NULL);
}

static void
changed (BtlRdChart *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  /* The description lists the series, so screen readers get the gist. */
  for (guint s = 0; s < self->series->len; s++)
    {
      Series *se = g_ptr_array_index (self->series, s);

      if (s > 0)
        g_string_append (text, "; ");
      g_string_append_printf (text, ngettext ("%s: %d point", "%s: %d points", se->n), se->name, se->n);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text->len ? text->str : _("No data"),
                                  -1);
  self->hover_series = self->hover_point = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_rd_chart_clear (BtlRdChart *self)
{
  g_return_if_fail (BTL_IS_RD_CHART (self));

  g_ptr_array_set_size (self->series, 0);
  g_clear_pointer (&self->current_series, g_free);
  changed (self);
}

typedef struct
{
  double bpp;
  double value;
} Pair;

static int
compare_pairs (const void *a,
               const void *b)
{
  double x = ((const Pair *) a)->bpp, y = ((const Pair *) b)->bpp;

  return (x > y) - (x < y);
}

void
btl_rd_chart_add_series (BtlRdChart   *self,
                         const char   *name,
                         const double *bpp,
                         const double *value,
                         int           n)
{
  g_autofree Pair *pairs = NULL;
  Series *se;
  int m = 0, at;

  g_return_if_fail (BTL_IS_RD_CHART (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || (bpp != NULL && value != NULL));

  pairs = g_new (Pair, MAX (n, 1));
  for (int i = 0; i < n; i++)
    if (isfinite (bpp[i]) && isfinite (value[i]))
      pairs[m++] = (Pair) { bpp[i], value[i] };
  qsort (pairs, m, sizeof (Pair), compare_pairs);

  se = g_new0 (Series, 1);
  se->name = g_utf8_make_valid (name, -1);
  se->n = m;
  se->bpp = g_new (double, MAX (m, 1));
  se->value = g_new (double, MAX (m, 1));
  for (int i = 0; i < m; i++)
    {
      se->bpp[i] = pairs[i].bpp;
      se->value[i] = pairs[i].value;
    }

  at = series_index (self, se->name);
  if (at >= 0)
    {
      series_free (g_ptr_array_index (self->series, at));
      g_ptr_array_index (self->series, at) = se;
    }
  else
    g_ptr_array_add (self->series, se);
  changed (self);
}

int
btl_rd_chart_get_n_series (BtlRdChart *self)
{
  g_return_val_if_fail (BTL_IS_RD_CHART (self), 0);

  return (int) self->series->len;
}

void
btl_rd_chart_set_metric_label (BtlRdChart *self,
                               const char *label)
{
  g_return_if_fail (BTL_IS_RD_CHART (self));

  g_free (self->metric_label);
  self->metric_label = g_strdup (label);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_rd_chart_set_placeholder (BtlRdChart *self,
                              const char *text)
{
  g_return_if_fail (BTL_IS_RD_CHART (self));

  g_free (self->placeholder);
  self->placeholder = g_strdup (text);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_rd_chart_set_current_point (BtlRdChart *self,
                                const char *series,
                                double      bpp,
                                double      value)
{
  g_return_if_fail (BTL_IS_RD_CHART (self));

  g_free (self->current_series);
  self->current_series = g_strdup (series);
  self->current_bpp = bpp;
  self->current_value = value;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
btl_rd_chart_export (BtlRdChart  *self,
                     const char  *path,
                     GError     **error)
{
  g_return_val_if_fail (BTL_IS_RD_CHART (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return btl_chart_export (GTK_WIDGET (self), draw_chart, path, TRUE, 640, 420, error);
}

static void
csv_field (GString    *s,
           const char *text)
{
  /* Quote only when needed, doubling quotes (RFC 4180). */
  if (strpbrk (text, ",\"\n\r") == NULL)
    {
      g_string_append (s, text);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

gboolean
btl_rd_chart_save_csv (BtlRdChart  *self,
                       const char  *path,
                       GError     **error)
{
  g_autoptr(GString) s = g_string_new ("series,bpp,");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (BTL_IS_RD_CHART (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  csv_field (s, metric (self));
  g_string_append_c (s, '\n');
  for (guint k = 0; k < self->series->len; k++)
    {
      Series *se = g_ptr_array_index (self->series, k);

      for (int i = 0; i < se->n; i++)
        {
          csv_field (s, se->name);
          g_string_append_c (s, ',');
          g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", se->bpp[i]));
          g_string_append_c (s, ',');
          g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", se->value[i]));
          g_string_append_c (s, '\n');
        }
    }
  return g_file_set_contents (path, s->str, s->len, error);
}

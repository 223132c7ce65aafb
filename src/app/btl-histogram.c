/* btl-histogram.c — see btl-histogram.h.
 *
 * Values are kept sorted: quantiles for the bin width and the "N above"
 * count (a binary search) come straight from it. Bars are colour nodes. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "btl-chart.h"
#include "btl-histogram.h"

struct _BtlHistogram
{
  GtkWidget        parent_instance;

  /* owned */
  float           *sorted;      /* the finite values, ascending */
  int             *counts;      /* (n_bins) */
  char            *x_label;

  int              n_values;    /* as given */
  int              n_sorted;
  int              n_bins_wanted;
  int              n_bins;
  double           lo, hi;      /* bin range, in log10 units on a log axis */
  double           threshold;
  gboolean         log_x;
  int              hover_bin;
  double           drag_x0;

  /* layout of the last frame on screen */
  BtlAxis          xa;
  graphene_rect_t  plot;
  gboolean         have_layout;
};

G_DEFINE_FINAL_TYPE (BtlHistogram, btl_histogram, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_THRESHOLD,
  PROP_LOG_X,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- binning ----------------------------------------------------------- */

static int
compare_floats (const void *a,
                const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

static double
bin_edge (BtlHistogram *self,
          int           i)
{
  double t = self->lo + (self->hi - self->lo) * i / self->n_bins;

  return self->log_x ? pow (10.0, t) : t;
}

static void
rebin (BtlHistogram *self)
{
  int first = 0;
  double span;

  g_clear_pointer (&self->counts, g_free);
  self->n_bins = 0;

  /* A log axis leaves out values <= 0 (sorted, so they come first). */
  if (self->log_x)
    while (first < self->n_sorted && self->sorted[first] <= 0)
      first++;
  if (first >= self->n_sorted)
    return;

  self->lo = self->sorted[first];
  self->hi = self->sorted[self->n_sorted - 1];
  if (self->log_x)
    {
      self->lo = log10 (self->lo);
      self->hi = log10 (self->hi);
    }
  if (self->hi - self->lo < 1e-12 * MAX (1.0, fabs (self->hi)))
    {
      double d = self->log_x ? 0.1 : MAX (fabs (self->hi) * 0.05, 1e-6);

      self->lo -= d;
      self->hi += d;
    }
  span = self->hi - self->lo;

  if (self->n_bins_wanted > 0)
    self->n_bins = MIN (self->n_bins_wanted, BTL_HISTOGRAM_MAX_BINS);
  else
    {
      /* Freedman–Diaconis: width 2·IQR·n^(−1/3), in axis units. */
      int m = self->n_sorted - first;
      double q1 = self->sorted[first + m / 4], q3 = self->sorted[first + (3 * m) / 4];
      double iqr, width;

      if (self->log_x)
        {
          q1 = log10 (q1);
          q3 = log10 (q3);
        }
      iqr = q3 - q1;
      width = 2 * iqr * pow (m, -1.0 / 3.0);
      self->n_bins = width > 0 ? (int) ceil (span / width) : (int) ceil (sqrt (m));
      self->n_bins = CLAMP (self->n_bins, 10, 120);
    }

  self->counts = g_new0 (int, self->n_bins);
  for (int i = first; i < self->n_sorted; i++)
    {
      double v = self->log_x ? log10 (self->sorted[i]) : self->sorted[i];
      int b = (int) floor ((v - self->lo) / span * self->n_bins);

      self->counts[CLAMP (b, 0, self->n_bins - 1)]++;
    }
}

int
btl_histogram_get_n_above (BtlHistogram *self)
{
  int lo = 0, hi;

  g_return_val_if_fail (BTL_IS_HISTOGRAM (self), 0);

  /* First sorted value > threshold. */
  hi = self->n_sorted;
  while (lo < hi)
    {
      int mid = (lo + hi) / 2;

      if (self->sorted[mid] > self->threshold)
        hi = mid;
      else
        lo = mid + 1;
    }
  return self->n_sorted - lo;
}

/* ---- drawing ----------------------------------------------------------- */

static void
draw_histogram (GtkWidget *widget,
                BtlCanvas *canvas)
{
  BtlHistogram *self = BTL_HISTOGRAM (widget);
  BtlAxis xa = { 0 }, ya = { 0 };
  graphene_rect_t plot;
  GdkRGBA normal = btl_canvas_ink (canvas, 0.32);
  GdkRGBA above = btl_chart_color (5);
  int max_count = 0;
  double tx, base;
  g_autofree char *label = NULL;
  int n_above;

  if (self->n_bins == 0)
    {
      btl_canvas_placeholder (canvas, _("No errors to show yet"));
      return;
    }

  for (int i = 0; i < self->n_bins; i++)
    max_count = MAX (max_count, self->counts[i]);
  btl_axis_set_range (&xa, bin_edge (self, 0), bin_edge (self, self->n_bins), self->log_x,
                      !self->log_x && self->lo >= 0);
  btl_axis_set_range (&ya, 0, max_count, FALSE, TRUE);

  plot = btl_chart_draw_frame (canvas, &xa, &ya,
                               self->x_label ? self->x_label : _("Reconstruction error (MSE)"),
                               _("Images"), 26, 0);
  if (!canvas->exporting)
    {
      self->xa = xa;
      self->plot = plot;
      self->have_layout = TRUE;
    }

  tx = btl_axis_map (&xa, self->threshold);
  if (!isfinite (tx))
    tx = self->threshold > 0 ? plot.origin.x + plot.size.width : plot.origin.x;
  tx = CLAMP (tx, plot.origin.x, plot.origin.x + plot.size.width);
  base = floor (btl_axis_map (&ya, 0));

  /* Bars as colour nodes, split at the threshold. */
  for (int i = 0; i < self->n_bins; i++)
    {
      double x0 = round (btl_axis_map (&xa, bin_edge (self, i)));
      double x1 = round (btl_axis_map (&xa, bin_edge (self, i + 1)));
      double top = round (btl_axis_map (&ya, self->counts[i]));
      double gap = x1 - x0 >= 4 ? 1 : 0;
      GdkRGBA left_colour = normal, right_colour = above;

      if (self->counts[i] == 0)
        continue;
      /* A lone image in a tall histogram still shows as a 1 px bar. */
      top = MIN (top, base - 1);
      if (i == self->hover_bin && !canvas->exporting)
        {
          left_colour.alpha = MIN (1.0, left_colour.alpha * 1.8);
          right_colour.alpha = 0.75;
        }
      x1 -= gap;
      if (tx <= x0)
        btl_canvas_fill_rect (canvas, x0, top, x1 - x0, base - top, &right_colour);
      else if (tx >= x1)
        btl_canvas_fill_rect (canvas, x0, top, x1 - x0, base - top, &left_colour);
      else
        {
          btl_canvas_fill_rect (canvas, x0, top, round (tx) - x0, base - top, &left_colour);
          btl_canvas_fill_rect (canvas, round (tx), top, x1 - round (tx), base - top, &right_colour);
        }
    }

  /* The threshold: a line with a grip and its count. */
  {
    cairo_t *cr = btl_canvas_cairo (canvas);
    double lx = round (tx) + 0.5;
    char value[32];

    /* With keyboard focus the line is drawn in the accent colour. */
    if (!canvas->exporting && gtk_widget_has_focus (widget))
      gdk_cairo_set_source_rgba (cr, &canvas->accent);
    else
      gdk_cairo_set_source_rgba (cr, &canvas->fg);
    cairo_set_line_width (cr, 2);
    cairo_move_to (cr, lx, plot.origin.y - 4);
    cairo_line_to (cr, lx, plot.origin.y + plot.size.height);
    cairo_stroke (cr);
    cairo_move_to (cr, lx - 6, plot.origin.y - 10);
    cairo_line_to (cr, lx + 6, plot.origin.y - 10);
    cairo_line_to (cr, lx, plot.origin.y - 2);
    cairo_close_path (cr);
    cairo_fill (cr);

    n_above = btl_histogram_get_n_above (self);
    g_snprintf (value, sizeof value, "%.3g", self->threshold);
    label = g_strdup_printf (ngettext ("%d above %s (%.1f %%)", "%d above %s (%.1f %%)", n_above),
                             n_above, value,
                             self->n_sorted ? 100.0 * n_above / self->n_sorted : 0.0);
    {
      double w;

      btl_canvas_text_size (canvas, label, 0.9, &w, NULL);
      /* Beside the grip, on whichever side has room. */
      if (lx + 10 + w <= canvas->width - 4)
        btl_canvas_text (canvas, lx + 10, plot.origin.y - 6, label, 0, 1, 0.9, TRUE, &canvas->fg);
      else
        btl_canvas_text (canvas, lx - 10, plot.origin.y - 6, label, 1, 1, 0.9, TRUE, &canvas->fg);
    }
  }

  if (!canvas->exporting && self->hover_bin >= 0 && self->hover_bin < self->n_bins)
    {
      char a[32], b[32];
      g_autofree char *markup = NULL;
      double x = btl_axis_map (&xa, bin_edge (self, self->hover_bin));

      g_snprintf (a, sizeof a, "%.4g", bin_edge (self, self->hover_bin));
      g_snprintf (b, sizeof b, "%.4g", bin_edge (self, self->hover_bin + 1));
      markup = g_strdup_printf (ngettext ("%s – %s\n<b>%d image</b>", "%s – %s\n<b>%d images</b>",
                                          self->counts[self->hover_bin]),
                                a, b, self->counts[self->hover_bin]);
      btl_chart_readout (canvas, x, btl_axis_map (&ya, self->counts[self->hover_bin]), markup, &plot);
    }
}

/* ---- widget ------------------------------------------------------------ */

static void
btl_histogram_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  BtlCanvas canvas;

  btl_canvas_init_snapshot (&canvas, widget, snapshot);
  draw_histogram (widget, &canvas);
  btl_canvas_finish (&canvas);
}

static void
btl_histogram_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 220 : 140;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 520 : 260;
}

double
btl_histogram_value_to_widget (BtlHistogram *self,
                               double        value)
{
  g_return_val_if_fail (BTL_IS_HISTOGRAM (self), NAN);

  return self->have_layout ? btl_axis_map (&self->xa, value) : NAN;
}

static double
widget_to_value (BtlHistogram *self,
                 double        x)
{
  x = CLAMP (x, self->plot.origin.x, self->plot.origin.x + self->plot.size.width);
  return btl_axis_unmap (&self->xa, x);
}

static int
bin_at (BtlHistogram *self,
        double        x)
{
  double v, t;

  if (!self->have_layout || self->n_bins == 0)
    return -1;
  v = btl_axis_unmap (&self->xa, x);
  if (self->log_x)
    {
      if (!(v > 0))
        return -1;
      v = log10 (v);
    }
  t = (v - self->lo) / (self->hi - self->lo);
  if (t < 0 || t >= 1)
    return -1;
  return (int) (t * self->n_bins);
}

static void
motion (GtkEventControllerMotion *controller,
        double                    x,
        double                    y,
        BtlHistogram             *self)
{
  int bin = -1;
  gboolean near_line = FALSE;

  if (self->have_layout
      && graphene_rect_contains_point (&self->plot, &GRAPHENE_POINT_INIT (x, y)))
    {
      bin = bin_at (self, x);
      near_line = fabs (btl_axis_map (&self->xa, self->threshold) - x) <= 6;
    }
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), near_line ? "col-resize" : NULL);
  if (bin != self->hover_bin)
    {
      self->hover_bin = bin;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
leave (GtkEventControllerMotion *controller,
       BtlHistogram             *self)
{
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
  if (self->hover_bin != -1)
    {
      self->hover_bin = -1;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
drag_begin (GtkGestureDrag *gesture,
            double          x,
            double          y,
            BtlHistogram   *self)
{
  graphene_rect_t grab;

  /* The plot and the strip above it (the grip and label) grab. */
  if (!self->have_layout)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  grab = self->plot;
  grab.origin.y -= 16;
  grab.size.height += 16;
  if (!graphene_rect_contains_point (&grab, &GRAPHENE_POINT_INIT (x, y)))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->drag_x0 = x;
  btl_histogram_set_threshold (self, widget_to_value (self, x));
}

static void
drag_update (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             BtlHistogram   *self)
{
  btl_histogram_set_threshold (self, widget_to_value (self, self->drag_x0 + dx));
}

/* Keyboard: Left/Right move the threshold by a bin (Shift: ten bins),
 * Home/End to either end of the data. */
static gboolean
key_pressed (GtkEventControllerKey *controller,
             guint                  keyval,
             guint                  keycode,
             GdkModifierType        state,
             BtlHistogram          *self)
{
  double t, bin;
  int steps = (state & GDK_SHIFT_MASK) ? 10 : 1;

  if (self->n_bins == 0)
    return FALSE;
  bin = (self->hi - self->lo) / self->n_bins;
  t = self->log_x ? log10 (MAX (self->threshold, 1e-300)) : self->threshold;
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      t -= steps * bin;
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      t += steps * bin;
      break;
    case GDK_KEY_Home:
      t = self->lo;
      break;
    case GDK_KEY_End:
      t = self->hi;
      break;
    default:
      return FALSE;
    }
  t = CLAMP (t, self->lo, self->hi);
  btl_histogram_set_threshold (self, self->log_x ? pow (10.0, t) : t);
  return TRUE;
}

static void
btl_histogram_finalize (GObject *object)
{
  BtlHistogram *self = BTL_HISTOGRAM (object);

  g_free (self->sorted);
  g_free (self->counts);
  g_free (self->x_label);

  G_OBJECT_CLASS (btl_histogram_parent_class)->finalize (object);
}

static void
btl_histogram_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  BtlHistogram *self = BTL_HISTOGRAM (object);

  switch (prop_id)
    {
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    case PROP_LOG_X:
      g_value_set_boolean (value, self->log_x);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
btl_histogram_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  BtlHistogram *self = BTL_HISTOGRAM (object);

  switch (prop_id)
    {
    case PROP_THRESHOLD:
      btl_histogram_set_threshold (self, g_value_get_double (value));
      break;
    case PROP_LOG_X:
      btl_histogram_set_log_x (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
btl_histogram_class_init (BtlHistogramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = btl_histogram_finalize;
  object_class->get_property = btl_histogram_get_property;
  object_class->set_property = btl_histogram_set_property;
  widget_class->snapshot = btl_histogram_snapshot;
  widget_class->measure = btl_histogram_measure;

  properties[PROP_THRESHOLD] =
    g_param_spec_double ("threshold", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_X] =
    g_param_spec_boolean ("log-x", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "btl-histogram");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
btl_histogram_init (BtlHistogram *self)
{
  GtkEventController *motion_controller = gtk_event_controller_motion_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *key, *focus;

  self->hover_bin = -1;

  g_signal_connect (motion_controller, "motion", G_CALLBACK (motion), self);
  g_signal_connect (motion_controller, "enter", G_CALLBACK (motion), self);
  g_signal_connect (motion_controller, "leave", G_CALLBACK (leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion_controller);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "enter", G_CALLBACK (gtk_widget_queue_draw), self);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (gtk_widget_queue_draw), self);
  gtk_widget_add_controller (GTK_WIDGET (self), focus);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Error histogram"),
                                  -1);
}

GtkWidget *
btl_histogram_new (void)
{
  return g_object_new (BTL_TYPE_HISTOGRAM, NULL);
}

static void
update_description (BtlHistogram *self)
{
  g_autofree char *text = g_strdup_printf (_("%d values, %d above the threshold"),
                                           self->n_sorted, btl_histogram_get_n_above (self));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

void
btl_histogram_set_values (BtlHistogram *self,
                          const float  *values,
                          int           n,
                          int           n_bins)
{
  g_return_if_fail (BTL_IS_HISTOGRAM (self));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || values != NULL);
  g_return_if_fail (n_bins >= 0);

  g_clear_pointer (&self->sorted, g_free);
  self->n_values = n;
  self->n_sorted = 0;
  self->n_bins_wanted = n_bins;
  self->hover_bin = -1;
  if (n > 0)
    {
      self->sorted = g_new (float, n);
      for (int i = 0; i < n; i++)
        if (isfinite (values[i]))
          self->sorted[self->n_sorted++] = values[i];
      qsort (self->sorted, self->n_sorted, sizeof (float), compare_floats);
    }
  rebin (self);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_histogram_set_x_label (BtlHistogram *self,
                           const char   *label)
{
  g_return_if_fail (BTL_IS_HISTOGRAM (self));

  g_free (self->x_label);
  self->x_label = g_strdup (label);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_histogram_set_threshold (BtlHistogram *self,
                             double        threshold)
{
  g_return_if_fail (BTL_IS_HISTOGRAM (self));

  if (!isfinite (threshold) || self->threshold == threshold)
    return;
  self->threshold = threshold;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THRESHOLD]);
}

double
btl_histogram_get_threshold (BtlHistogram *self)
{
  g_return_val_if_fail (BTL_IS_HISTOGRAM (self), 0);

  return self->threshold;
}

void
btl_histogram_set_log_x (BtlHistogram *self,
                         gboolean      log_x)
{
  g_return_if_fail (BTL_IS_HISTOGRAM (self));

  log_x = !!log_x;
  if (self->log_x == log_x)
    return;
  self->log_x = log_x;
  rebin (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_X]);
}

gboolean
btl_histogram_get_log_x (BtlHistogram *self)
{
  g_return_val_if_fail (BTL_IS_HISTOGRAM (self), FALSE);

  return self->log_x;
}

int
btl_histogram_get_n_bins (BtlHistogram *self)
{
  g_return_val_if_fail (BTL_IS_HISTOGRAM (self), 0);

  return self->n_bins;
}

gboolean
btl_histogram_export (BtlHistogram  *self,
                      const char    *path,
                      GError       **error)
{
  g_return_val_if_fail (BTL_IS_HISTOGRAM (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return btl_chart_export (GTK_WIDGET (self), draw_histogram, path, TRUE, 640, 320, error);
}

/* btl-loss-plot.c — see btl-loss-plot.h.
 *
 * Everything is drawn by draw_plot(), for the screen (snapshot) and for
 * exports alike. Thousands of steps are decimated per pixel column: the raw
 * series keeps each column's min and max (so spikes stay visible), smoothed
 * series keep one point per column. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-chart.h"
#include "btl-loss-plot.h"

struct _BtlLossPlot
{
  GtkWidget        parent_instance;

  /* owned */
  BtlLossHistory  *history;
  double          *px;            /* (cap) x pixel of each step, per frame */
  double          *ema[3];        /* (cap) smoothed train, recon, reg */
  gsize            cap;

  /* Steps are only ever appended (or all cleared), so the EMAs are kept
   * and extended: a frame only maps x and decimates. */
  gsize            ema_n;
  double           ema_s;
  double           ema_acc[3];
  double           ema_w[3];

  gulong           changed_id;
  gboolean         log_scale;
  gboolean         x_by_epoch;
  double           smoothing;

  gboolean         hovering;
  double           hover_x;
  double           hover_y;
  guint            described_epochs;
};

G_DEFINE_FINAL_TYPE (BtlLossPlot, btl_loss_plot, GTK_TYPE_WIDGET)

/* Raw values are read in place, striding over BtlLossStep. */
G_STATIC_ASSERT (sizeof (BtlLossStep) % sizeof (double) == 0);

enum {
  PROP_0,
  PROP_HISTORY,
  PROP_LOG_SCALE,
  PROP_X_BY_EPOCH,
  PROP_SMOOTHING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Epoch ends as (step, x) knots: x-by-epoch maps steps piecewise linearly. */
typedef struct
{
  double step;
  double x;
} Knot;

typedef struct
{
  GArray *knots;      /* Knot, starting with (0, 0) */
  gboolean by_epoch;
  double default_slope;
} XMap;

static double
xmap (const XMap *m,
      double      step)
{
  const Knot *k = (const Knot *) (gpointer) m->knots->data;
  guint n = m->knots->len, lo = 0, hi;

  if (!m->by_epoch)
    return step;
  if (n < 2)
    return step * m->default_slope;

  /* Last knot with k.step <= step, then interpolate (or extrapolate with
   * the last epoch's length for the epoch in progress). */
  hi = n - 1;
  if (step >= k[hi].step)
    lo = hi - 1;
  else
    {
      while (hi - lo > 1)
        {
          guint mid = (lo + hi) / 2;

          if (k[mid].step <= step)
            lo = mid;
          else
            hi = mid;
        }
    }
  return k[lo].x + (step - k[lo].step) * (k[lo + 1].x - k[lo].x) / (k[lo + 1].step - k[lo].step);
}

/* xmap() for every step, walking the knots (steps are in order). */
static void
xmap_fill (const XMap        *m,
           const BtlLossStep *steps,
           gsize              n,
           const BtlAxis     *axis,
           double            *px)
{
  const Knot *k = (const Knot *) (gpointer) m->knots->data;
  guint nk = m->knots->len, j = 0;
  double scale = (axis->px1 - axis->px0) / (axis->max - axis->min);

  for (gsize i = 0; i < n; i++)
    {
      double step = (double) steps[i].step, x;

      if (!m->by_epoch)
        x = step;
      else if (nk < 2)
        x = step * m->default_slope;
      else
        {
          if (i > 0 && steps[i].step < steps[i - 1].step)
            j = 0;  /* out of order: start over */
          while (j + 2 < nk && k[j + 1].step <= step)
            j++;
          x = k[j].x + (step - k[j].step) * (k[j + 1].x - k[j].x) / (k[j + 1].step - k[j].step);
        }
      px[i] = axis->px0 + (x - axis->min) * scale;
    }
}

static void
xmap_init (XMap           *m,
           BtlLossHistory *history,
           gboolean        by_epoch,
           double          max_step)
{
  guint n_epochs = btl_loss_history_get_n_epochs (history);
  Knot k0 = { 0, 0 };

  m->by_epoch = by_epoch;
  m->knots = g_array_new (FALSE, FALSE, sizeof (Knot));
  m->default_slope = 1.0 / MAX (1.0, max_step);
  g_array_append_val (m->knots, k0);
  for (guint i = 0; i < n_epochs; i++)
    {
      BtlLossEpoch e;
      Knot *last = &g_array_index (m->knots, Knot, m->knots->len - 1);
      Knot k;

      btl_loss_history_get_epoch (history, i, &e);
      if ((double) e.step <= last->step)
        continue;
      k.step = (double) e.step;
      k.x = (double) e.epoch + 1 > last->x ? (double) e.epoch + 1 : last->x + 1;
      g_array_append_val (m->knots, k);
    }
}

/* ---- drawing ----------------------------------------------------------- */

static gboolean
usable (double   v,
        gboolean log)
{
  return isfinite (v) && (!log || v > 0);
}

/* Adds a polyline through vals (every stride-th double), decimated per
 * pixel column. With minmax the column's extremes are kept in the order they
 * occurred, otherwise its last point. Non-finite values break the line. */
static void
path_decimated (cairo_t       *cr,
                const double  *px,
                const double  *vals,
                gsize          stride,
                gsize          n,
                const BtlAxis *y,
                gboolean       minmax)
{
  gboolean have = FALSE, pen = FALSE;
  double col = 0, vmin = 0, vmax = 0;
  gsize imin = 0, imax = 0, ilast = 0;

#define EMIT(X, V) G_STMT_START {                                  \
    double ex_ = (X), ey_ = btl_axis_map (y, (V));                 \
    if (pen) cairo_line_to (cr, ex_, ey_);                         \
    else cairo_move_to (cr, ex_, ey_);                             \
    pen = TRUE;                                                    \
  } G_STMT_END
#define FLUSH() G_STMT_START {                                     \
    if (have)                                                      \
      {                                                            \
        if (!minmax)                                               \
          EMIT (px[ilast], vals[ilast * stride]);                  \
        else if (imin == imax)                                     \
          EMIT (px[imin], vmin);                                   \
        else if (imin < imax)                                      \
          { EMIT (px[imin], vmin); EMIT (px[imax], vmax); }        \
        else                                                       \
          { EMIT (px[imax], vmax); EMIT (px[imin], vmin); }        \
      }                                                            \
    have = FALSE;                                                  \
  } G_STMT_END

  for (gsize i = 0; i < n; i++)
    {
      double v = vals[i * stride], c;

      if (!usable (v, y->log))
        {
          FLUSH ();
          pen = FALSE;
          continue;
        }
      c = floor (px[i]);
      if (have && c != col)
        FLUSH ();
      if (!have)
        {
          have = TRUE;
          col = c;
          vmin = vmax = v;
          imin = imax = i;
        }
      else
        {
          if (v < vmin)
            vmin = v, imin = i;
          if (v > vmax)
            vmax = v, imax = i;
        }
      ilast = i;
    }
  FLUSH ();
#undef FLUSH
#undef EMIT
}

static void
stroke_series (cairo_t  *cr,
               GdkRGBA   color,
               double    alpha,
               double    width,
               gboolean  dashed)
{
  static const double dash[] = { 5, 3 };

  color.alpha *= alpha;
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_set_line_width (cr, width);
  cairo_set_dash (cr, dash, dashed ? 2 : 0, 0);
  cairo_stroke (cr);
}

/* Debiased EMA (as TensorBoard does), so early values are not pulled to 0.
 * Extends the cached EMAs to n steps; recomputes from scratch when the
 * smoothing changed or the history shrank (was cleared). */
static void
update_ema (BtlLossPlot       *self,
            const BtlLossStep *steps,
            gsize              n)
{
  double s = self->smoothing;

  if (self->ema_n > n || self->ema_s != s)
    {
      self->ema_n = 0;
      self->ema_s = s;
      memset (self->ema_acc, 0, sizeof self->ema_acc);
      memset (self->ema_w, 0, sizeof self->ema_w);
    }
  if (self->cap < n)
    {
      self->cap = MAX (n, MAX (1024, self->cap * 2));
      self->px = g_renew (double, self->px, self->cap);
      for (int k = 0; k < 3; k++)
        self->ema[k] = g_renew (double, self->ema[k], self->cap);
    }
  for (gsize i = self->ema_n; i < n; i++)
    {
      const double v[3] = { steps[i].train, steps[i].recon, steps[i].reg };

      for (int k = 0; k < 3; k++)
        {
          if (!isfinite (v[k]))
            {
              self->ema[k][i] = v[k];
              continue;
            }
          self->ema_acc[k] = s * self->ema_acc[k] + (1 - s) * v[k];
          self->ema_w[k] = s * self->ema_w[k] + (1 - s);
          self->ema[k][i] = self->ema_acc[k] / self->ema_w[k];
        }
    }
  self->ema_n = n;
}

static void
draw_empty (BtlCanvas *canvas)
{
  GdkRGBA ink = btl_canvas_ink (canvas, 0.55);

  btl_canvas_text (canvas, canvas->width / 2, canvas->height / 2,
                   _("The loss curves appear here while a model trains"),
                   0.5, 0.5, 1.0, FALSE, &ink);
}

static void
update_range (double   *lo,
              double   *hi,
              double    v,
              gboolean  log)
{
  if (!usable (v, log))
    return;
  *lo = MIN (*lo, v);
  *hi = MAX (*hi, v);
}

static void
draw_plot (GtkWidget *widget,
           BtlCanvas *canvas)
{
  BtlLossPlot *self = BTL_LOSS_PLOT (widget);
  BtlLossHistory *h = self->history;
  const BtlLossStep *steps;
  gsize n;
  guint n_epochs, n_markers;
  gboolean has_reg, log = self->log_scale;
  double *px, *ema_train, *ema_recon, *ema_reg;
  const gsize stride = sizeof (BtlLossStep) / sizeof (double);
  double ylo = INFINITY, yhi = -INFINITY, xmax = 0, max_step = 0;
  XMap map;
  BtlAxis xa = { 0 }, ya = { 0 };
  graphene_rect_t plot;
  GdkRGBA c_train, c_val, c_recon, c_reg;
  BtlLegendItem legend[6];
  int n_legend = 0;
  double legend_h;
  g_autofree char *ema_label = NULL;
  cairo_t *cr;
  int best;

  n = h ? btl_loss_history_get_n_steps (h) : 0;
  n_epochs = h ? btl_loss_history_get_n_epochs (h) : 0;
  if (n == 0 && n_epochs == 0)
    {
      draw_empty (canvas);
      return;
    }

  steps = btl_loss_history_peek_steps (h);
  n_markers = btl_loss_history_get_n_markers (h);
  has_reg = btl_loss_history_has_reg (h);
  best = btl_loss_history_get_best_epoch (h);

  update_ema (self, steps, n);
  px = self->px;
  ema_train = self->ema[0];
  ema_recon = self->ema[1];
  ema_reg = self->ema[2];

  /* Ranges: the smoothed series and validation decide the y axis, and the
   * raw series its bottom. Raw spikes (the first steps above all) may run
   * off the top, clipped, rather than squash every curve into the floor. */
  for (gsize i = 0; i < n; i++)
    {
      double raw_hi = -INFINITY;

      max_step = MAX (max_step, (double) steps[i].step);
      update_range (&ylo, &yhi, ema_train[i], log);
      update_range (&ylo, &raw_hi, steps[i].train, log);
      if (has_reg)
        {
          update_range (&ylo, &yhi, ema_recon[i], log);
          update_range (&ylo, &yhi, ema_reg[i], log);
        }
    }
  for (guint i = 0; i < n_epochs; i++)
    {
      BtlLossEpoch e;

      btl_loss_history_get_epoch (h, i, &e);
      max_step = MAX (max_step, (double) e.step);
      update_range (&ylo, &yhi, e.val, log);
      if (n == 0)
        update_range (&ylo, &yhi, e.train, log);
    }

  xmap_init (&map, h, self->x_by_epoch, max_step);
  xmax = xmap (&map, max_step);
  xa.min = 0;
  xa.max = xmax > 0 ? xmax : 1;
  btl_axis_set_range (&ya, ylo, yhi, log, FALSE);

  /* Colours: a lighter blue reads better on a dark background. */
  c_train = btl_chart_color (canvas->bg.red < 0.5 ? 4 : 0);
  c_val = btl_chart_color (5);
  c_recon = btl_chart_color (2);
  c_reg = btl_chart_color (3);

  if (self->smoothing > 0 && n > 0)
    {
      GdkRGBA faint = c_train;

      faint.alpha = 0.35;
      legend[n_legend++] = (BtlLegendItem) { _("Training (raw)"), faint, BTL_LEGEND_THIN_LINE };
      ema_label = g_strdup_printf (_("Training (smoothed %.3g)"), self->smoothing);
      legend[n_legend++] = (BtlLegendItem) { ema_label, c_train, BTL_LEGEND_LINE };
    }
  else if (n > 0)
    legend[n_legend++] = (BtlLegendItem) { _("Training"), c_train, BTL_LEGEND_LINE };
  if (n_epochs > 0)
    legend[n_legend++] = (BtlLegendItem) { _("Validation"), c_val, BTL_LEGEND_DOT };
  if (has_reg && n > 0)
    {
      legend[n_legend++] = (BtlLegendItem) { _("Reconstruction"), c_recon, BTL_LEGEND_DASH };
      legend[n_legend++] = (BtlLegendItem) { _("Regulariser (KL)"), c_reg, BTL_LEGEND_DASH };
    }

  legend_h = btl_chart_legend (canvas, legend, n_legend, 0, 0, canvas->width - 80, FALSE);
  plot = btl_chart_draw_frame (canvas, &xa, &ya,
                               self->x_by_epoch ? _("Epoch") : _("Step"),
                               log ? _("Loss (log scale)") : _("Loss"),
                               legend_h + 10, 0);
  btl_chart_legend (canvas, legend, n_legend, plot.origin.x, 4, canvas->width - plot.origin.x - 8, TRUE);

  xmap_fill (&map, steps, n, &xa, px);

  cr = btl_canvas_cairo (canvas);
  cairo_save (cr);
  cairo_rectangle (cr, plot.origin.x, plot.origin.y - 1, plot.size.width + 1, plot.size.height + 2);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  /* Markers under the data. */
  for (guint i = 0; i < n_markers; i++)
    {
      BtlLossMarker m;
      double mx;

      btl_loss_history_get_marker (h, i, &m);
      mx = round (btl_axis_map (&xa, xmap (&map, (double) m.step))) + 0.5;
      cairo_move_to (cr, mx, plot.origin.y);
      cairo_line_to (cr, mx, plot.origin.y + plot.size.height);
      stroke_series (cr, canvas->fg, 0.45, 1, TRUE);
    }

  if (n > 0)
    {
      if (self->smoothing > 0)
        {
          path_decimated (cr, px, &steps[0].train, stride, n, &ya, TRUE);
          stroke_series (cr, c_train, 0.35, 1, FALSE);
        }
      if (has_reg)
        {
          path_decimated (cr, px, ema_recon, 1, n, &ya, FALSE);
          stroke_series (cr, c_recon, 1, 1.5, TRUE);
          path_decimated (cr, px, ema_reg, 1, n, &ya, FALSE);
          stroke_series (cr, c_reg, 1, 1.5, TRUE);
        }
      path_decimated (cr, px, ema_train, 1, n, &ya, FALSE);
      stroke_series (cr, c_train, 1, 2.2, FALSE);
    }

  /* Validation: a line through the epoch ends, dots when they are apart. */
  if (n_epochs > 0)
    {
      gboolean pen = FALSE, dots = plot.size.width / n_epochs >= 6;

      for (guint i = 0; i < n_epochs; i++)
        {
          BtlLossEpoch e;
          double ex, ey;

          btl_loss_history_get_epoch (h, i, &e);
          if (!usable (e.val, log))
            {
              pen = FALSE;
              continue;
            }
          ex = btl_axis_map (&xa, xmap (&map, (double) e.step));
          ey = btl_axis_map (&ya, e.val);
          if (pen)
            cairo_line_to (cr, ex, ey);
          else
            cairo_move_to (cr, ex, ey);
          pen = TRUE;
        }
      stroke_series (cr, c_val, 1, 1.8, FALSE);

      for (guint i = 0; i < n_epochs; i++)
        {
          BtlLossEpoch e;
          double ex, ey;

          btl_loss_history_get_epoch (h, i, &e);
          if (!usable (e.val, log))
            continue;
          ex = btl_axis_map (&xa, xmap (&map, (double) e.step));
          ey = btl_axis_map (&ya, e.val);
          if (dots)
            {
              gdk_cairo_set_source_rgba (cr, &c_val);
              cairo_arc (cr, ex, ey, 3.2, 0, 2 * G_PI);
              cairo_fill (cr);
            }
          if (e.epoch == best)
            {
              cairo_arc (cr, ex, ey, 7, 0, 2 * G_PI);
              stroke_series (cr, c_val, 1, 2, FALSE);
            }
        }
    }
  cairo_restore (cr);

  /* Labels go on top of everything, outside the clip. */
  for (guint i = 0; i < n_epochs; i++)
    {
      BtlLossEpoch e;

      btl_loss_history_get_epoch (h, i, &e);
      if (e.epoch == best && usable (e.val, log))
        {
          double ex = btl_axis_map (&xa, xmap (&map, (double) e.step));
          double ey = btl_axis_map (&ya, e.val);

          btl_canvas_text (canvas, ex, ey - 9, _("best"), ex > plot.origin.x + plot.size.width - 20 ? 1.0 : 0.5,
                           1.0, 0.8, TRUE, &c_val);
        }
    }
  {
    double row_end[3] = { -INFINITY, -INFINITY, -INFINITY };
    double line_h;
    GdkRGBA ink = btl_canvas_ink (canvas, 0.7);

    btl_canvas_text_size (canvas, "Ag", 0.78, NULL, &line_h);
    for (guint i = 0; i < n_markers; i++)
      {
        BtlLossMarker m;
        double mx, w;

        btl_loss_history_get_marker (h, i, &m);
        mx = round (btl_axis_map (&xa, xmap (&map, (double) m.step))) + 3;
        btl_canvas_text_size (canvas, m.label, 0.78, &w, NULL);
        if (mx + w > plot.origin.x + plot.size.width)
          mx = mx - 6 - w;
        for (int row = 0; row < 3; row++)
          if (mx > row_end[row] + 4 || row == 2)
            {
              btl_canvas_text (canvas, mx, plot.origin.y + 2 + row * line_h, m.label,
                               0, 0, 0.78, FALSE, &ink);
              row_end[row] = mx + w;
              break;
            }
      }
  }

  /* Hover: the nearest step, its values and its epoch's validation loss. */
  if (self->hovering && !canvas->exporting && n > 0
      && graphene_rect_contains_point (&plot, &GRAPHENE_POINT_INIT (self->hover_x, self->hover_y)))
    {
      gsize lo = 0, hi = n - 1, i;
      g_autoptr(GString) s = g_string_new (NULL);
      double hx;
      GdkRGBA line = btl_canvas_ink (canvas, 0.35);

      while (hi - lo > 1)
        {
          gsize mid = (lo + hi) / 2;

          if (px[mid] <= self->hover_x)
            lo = mid;
          else
            hi = mid;
        }
      i = fabs (px[hi] - self->hover_x) < fabs (px[lo] - self->hover_x) ? hi : lo;
      hx = floor (px[i]);
      btl_canvas_fill_rect (canvas, hx, plot.origin.y, 1, plot.size.height, &line);

      g_string_append_printf (s, "<b>%s %" G_GINT64_FORMAT "</b>  ·  %s %d\n",
                              _("Step"), steps[i].step, _("epoch"), steps[i].epoch + 1);
      g_string_append_printf (s, "%s %.4g", _("training"), ema_train[i]);
      if (self->smoothing > 0)
        g_string_append_printf (s, "  (%s %.4g)", _("raw"), steps[i].train);
      if (has_reg)
        g_string_append_printf (s, "\n%s %.4g  ·  %s %.4g", _("recon"), ema_recon[i],
                                _("KL"), ema_reg[i]);
      for (guint k = 0; k < n_epochs; k++)
        {
          BtlLossEpoch e;

          btl_loss_history_get_epoch (h, k, &e);
          if (e.epoch == steps[i].epoch && isfinite (e.val))
            {
              g_string_append_printf (s, "\n%s %.4g", _("validation"), e.val);
              if (isfinite (e.test_psnr))
                g_string_append_printf (s, "  ·  %s %.2f dB", _("PSNR"), e.test_psnr);
            }
        }

      cr = btl_canvas_cairo (canvas);
      if (usable (ema_train[i], log))
        {
          gdk_cairo_set_source_rgba (cr, &c_train);
          cairo_arc (cr, px[i], btl_axis_map (&ya, ema_train[i]), 4, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      btl_chart_readout (canvas, px[i], self->hover_y, s->str, &plot);
    }

  g_array_unref (map.knots);
}

/* ---- widget ------------------------------------------------------------ */

static void
btl_loss_plot_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  BtlCanvas canvas;

  btl_canvas_init_snapshot (&canvas, widget, snapshot);
  draw_plot (widget, &canvas);
  btl_canvas_finish (&canvas);
}

static void
btl_loss_plot_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 160;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 560 : 320;
}

static void
update_description (BtlLossPlot *self)
{
  guint n_epochs = self->history ? btl_loss_history_get_n_epochs (self->history) : 0;
  g_autofree char *text = NULL;

  if (n_epochs == self->described_epochs && n_epochs != 0)
    return;
  self->described_epochs = n_epochs;
  if (n_epochs == 0)
    text = g_strdup (_("No finished epoch yet"));
  else
    {
      BtlLossEpoch e;

      btl_loss_history_get_epoch (self->history, n_epochs - 1, &e);
      text = g_strdup_printf (_("Epoch %d: training loss %.4g, validation loss %.4g"),
                              e.epoch + 1, e.train, e.val);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

static void
history_changed (BtlLossPlot *self)
{
  /* A cleared history may refill before the next frame: restart the EMAs. */
  if (self->history == NULL || btl_loss_history_get_n_steps (self->history) < self->ema_n)
    self->ema_n = 0;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
motion (GtkEventControllerMotion *controller,
        double                    x,
        double                    y,
        BtlLossPlot              *self)
{
  self->hovering = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
leave (GtkEventControllerMotion *controller,
       BtlLossPlot              *self)
{
  self->hovering = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
btl_loss_plot_dispose (GObject *object)
{
  BtlLossPlot *self = BTL_LOSS_PLOT (object);

  if (self->history != NULL)
    g_clear_signal_handler (&self->changed_id, self->history);
  g_clear_object (&self->history);

  G_OBJECT_CLASS (btl_loss_plot_parent_class)->dispose (object);
}

static void
btl_loss_plot_finalize (GObject *object)
{
  BtlLossPlot *self = BTL_LOSS_PLOT (object);

  g_free (self->px);
  for (int k = 0; k < 3; k++)
    g_free (self->ema[k]);

  G_OBJECT_CLASS (btl_loss_plot_parent_class)->finalize (object);
}

static void
btl_loss_plot_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  BtlLossPlot *self = BTL_LOSS_PLOT (object);

  switch (prop_id)
    {
    case PROP_HISTORY:
      g_value_set_object (value, self->history);
      break;
    case PROP_LOG_SCALE:
      g_value_set_boolean (value, self->log_scale);
      break;
    case PROP_X_BY_EPOCH:
      g_value_set_boolean (value, self->x_by_epoch);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
btl_loss_plot_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  BtlLossPlot *self = BTL_LOSS_PLOT (object);

  switch (prop_id)
    {
    case PROP_HISTORY:
      btl_loss_plot_set_history (self, g_value_get_object (value));
      break;
    case PROP_LOG_SCALE:
      btl_loss_plot_set_log_scale (self, g_value_get_boolean (value));
      break;
    case PROP_X_BY_EPOCH:
      btl_loss_plot_set_x_by_epoch (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTHING:
      btl_loss_plot_set_smoothing (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
btl_loss_plot_class_init (BtlLossPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = btl_loss_plot_dispose;
  object_class->finalize = btl_loss_plot_finalize;
  object_class->get_property = btl_loss_plot_get_property;
  object_class->set_property = btl_loss_plot_set_property;
  widget_class->snapshot = btl_loss_plot_snapshot;
  widget_class->measure = btl_loss_plot_measure;

  properties[PROP_HISTORY] =
    g_param_spec_object ("history", NULL, NULL, BTL_TYPE_LOSS_HISTORY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_X_BY_EPOCH] =
    g_param_spec_boolean ("x-by-epoch", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0.0, 0.999, 0.9,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "btl-loss-plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
btl_loss_plot_init (BtlLossPlot *self)
{
  GtkEventController *controller = gtk_event_controller_motion_new ();

  self->smoothing = 0.9;
  g_signal_connect (controller, "motion", G_CALLBACK (motion), self);
  g_signal_connect (controller, "enter", G_CALLBACK (motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Loss plot"),
                                  -1);
  update_description (self);
}

GtkWidget *
btl_loss_plot_new (void)
{
  return g_object_new (BTL_TYPE_LOSS_PLOT, NULL);
}

void
btl_loss_plot_set_history (BtlLossPlot    *self,
                           BtlLossHistory *history)
{
  g_return_if_fail (BTL_IS_LOSS_PLOT (self));
  g_return_if_fail (history == NULL || BTL_IS_LOSS_HISTORY (history));

  if (self->history == history)
    return;
  if (self->history != NULL)
    g_clear_signal_handler (&self->changed_id, self->history);
  g_set_object (&self->history, history);
  self->ema_n = 0;
  if (history != NULL)
    self->changed_id = g_signal_connect_swapped (history, "changed",
                                                 G_CALLBACK (history_changed), self);
  self->described_epochs = G_MAXUINT;
  history_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
}

BtlLossHistory *
btl_loss_plot_get_history (BtlLossPlot *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), NULL);

  return self->history;
}

void
btl_loss_plot_set_log_scale (BtlLossPlot *self,
                             gboolean     log_scale)
{
  g_return_if_fail (BTL_IS_LOSS_PLOT (self));

  log_scale = !!log_scale;
  if (self->log_scale == log_scale)
    return;
  self->log_scale = log_scale;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_SCALE]);
}

gboolean
btl_loss_plot_get_log_scale (BtlLossPlot *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), FALSE);

  return self->log_scale;
}

void
btl_loss_plot_set_x_by_epoch (BtlLossPlot *self,
                              gboolean     x_by_epoch)
{
  g_return_if_fail (BTL_IS_LOSS_PLOT (self));

  x_by_epoch = !!x_by_epoch;
  if (self->x_by_epoch == x_by_epoch)
    return;
  self->x_by_epoch = x_by_epoch;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_BY_EPOCH]);
}

gboolean
btl_loss_plot_get_x_by_epoch (BtlLossPlot *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), FALSE);

  return self->x_by_epoch;
}

void
btl_loss_plot_set_smoothing (BtlLossPlot *self,
                             double       smoothing)
{
  g_return_if_fail (BTL_IS_LOSS_PLOT (self));

  if (!isfinite (smoothing))
    smoothing = 0;
  smoothing = CLAMP (smoothing, 0.0, 0.999);
  if (self->smoothing == smoothing)
    return;
  self->smoothing = smoothing;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
}

double
btl_loss_plot_get_smoothing (BtlLossPlot *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), 0);

  return self->smoothing;
}

gboolean
btl_loss_plot_export (BtlLossPlot  *self,
                      const char   *path,
                      GError      **error)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return btl_chart_export (GTK_WIDGET (self), draw_plot, path, TRUE, 720, 420, error);
}

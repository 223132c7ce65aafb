/* btl-loss-plot-draw.c — drawing of BtlLossPlot.
 *
 * Everything is drawn by btl_loss_plot_draw(), for the screen (snapshot) and
 * for exports alike. Thousands of steps are decimated per pixel column: the
 * raw series keeps each column's min and max (so spikes stay visible),
 * smoothed series keep one point per column. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-loss-plot-private.h"

/* Raw values are read in place, striding over BtlLossStep. */
G_STATIC_ASSERT (sizeof (BtlLossStep) % sizeof (double) == 0);

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

/* Adds the polyline through a history's validation losses (a point per
 * epoch; an unusable value breaks the line): the run's and the saved run's. */
static void
path_validation (cairo_t        *cr,
                 BtlLossHistory *h,
                 const XMap     *map,
                 const BtlAxis  *xa,
                 const BtlAxis  *ya)
{
  guint n = btl_loss_history_get_n_epochs (h);
  gboolean pen = FALSE;

  for (guint i = 0; i < n; i++)
    {
      BtlLossEpoch e;
      double ex, ey;

      btl_loss_history_get_epoch (h, i, &e);
      if (!usable (e.val, ya->log))
        {
          pen = FALSE;
          continue;
        }
      ex = btl_axis_map (xa, xmap (map, (double) e.step));
      ey = btl_axis_map (ya, e.val);
      if (pen)
        cairo_line_to (cr, ex, ey);
      else
        cairo_move_to (cr, ex, ey);
      pen = TRUE;
    }
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

/* The raw series when it has more steps than the plot has pixel columns:
 * each column becomes one 1-px bar from its lowest to its highest value,
 * stretched to the previous column's last value — the pixels the zigzag
 * polyline through the columns' extremes covers, as rectangles cairo fills
 * without tessellating a stroke (the round-joined zigzag took ~20 ms a frame
 * at 20,000 steps, the bars well under 1 ms). Non-finite values break it. */
static void
fill_column_bars (cairo_t       *cr,
                  const double  *px,
                  const double  *vals,
                  gsize          stride,
                  gsize          n,
                  const BtlAxis *y)
{
  gboolean have = FALSE, have_prev = FALSE;
  double col = 0, lo = 0, hi = 0, prev = 0, last = 0;

  for (gsize i = 0; i <= n; i++)
    {
      double v = i < n ? vals[i * stride] : NAN;
      gboolean ok = i < n && usable (v, y->log);
      double c = ok ? floor (px[i]) : col;

      if (have && (!ok || c != col))
        {
          double y0 = btl_axis_map (y, hi), y1 = btl_axis_map (y, lo);
          double top = floor (MIN (y0, y1)), bottom = ceil (MAX (y0, y1));

          cairo_rectangle (cr, col, top, 1, MAX (1, bottom - top));
          prev = last;
          have_prev = TRUE;
          have = FALSE;
        }
      if (!ok)
        {
          have_prev = FALSE;
          continue;
        }
      if (!have)
        {
          have = TRUE;
          col = c;
          lo = hi = v;
          if (have_prev)
            {
              lo = MIN (lo, prev);
              hi = MAX (hi, prev);
            }
        }
      else
        {
          lo = MIN (lo, v);
          hi = MAX (hi, v);
        }
      last = v;
    }
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
update_ema (BtlLossPlotData   *d,
            const BtlLossStep *steps,
            gsize              n)
{
  double s = d->smoothing;

  /* ema_n == 0: a new or cleared history (history_changed() restarts it
   * there), whose accumulators must not carry the last run's. */
  if (d->ema_n == 0 || d->ema_n > n || d->ema_s != s)
    {
      d->ema_n = 0;
      d->ema_s = s;
      memset (d->ema_acc, 0, sizeof d->ema_acc);
      memset (d->ema_w, 0, sizeof d->ema_w);
    }
  if (d->cap < n)
    {
      d->cap = MAX (n, MAX (1024, d->cap * 2));
      d->px = g_renew (double, d->px, d->cap);
      for (int k = 0; k < 3; k++)
        d->ema[k] = g_renew (double, d->ema[k], d->cap);
    }
  for (gsize i = d->ema_n; i < n; i++)
    {
      const double v[3] = { steps[i].train, steps[i].recon, steps[i].reg };

      for (int k = 0; k < 3; k++)
        {
          if (!isfinite (v[k]))
            {
              d->ema[k][i] = v[k];
              continue;
            }
          d->ema_acc[k] = s * d->ema_acc[k] + (1 - s) * v[k];
          d->ema_w[k] = s * d->ema_w[k] + (1 - s);
          d->ema[k][i] = d->ema_acc[k] / d->ema_w[k];
        }
    }
  d->ema_n = n;
}

/* The reference run's validation: a dashed line through the epoch ends
 * and hollow rings. */
static void
draw_reference_val (cairo_t        *cr,
                    BtlLossHistory *ref,
                    const XMap     *map,
                    const BtlAxis  *xa,
                    const BtlAxis  *ya,
                    GdkRGBA         color);

static void
draw_empty (BtlCanvas *canvas)
{
  btl_canvas_placeholder (canvas, _("The loss curves appear here while a model trains"));
}

/* The x axis ends on the first of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times
 * a power of ten at or past the last step (2,105 → 2,500; 3.1 epochs → 4):
 * a growing run's curve then only gets longer between those ends, and the
 * axis (with every strip of the live plot's picture) changes ten times a
 * decade instead of with every few steps, while the curve keeps at least
 * three quarters of the width. */
static double
axis_end (double xmax)
{
  static const double ends[] = { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 };
  double decade;

  if (!(xmax > 0) || !isfinite (xmax))
    return 1;
  decade = pow (10, floor (log10 (xmax)));
  for (guint i = 0; i < G_N_ELEMENTS (ends); i++)
    if (ends[i] * decade >= xmax * (1 - 1e-9))
      return ends[i] * decade;
  return 10 * decade;
}

/* A log y axis ends on whole twentieths of a decade (about 12 %) past the
 * padded data: the raw series sets a new low every few steps, and an axis
 * that followed each one redrew the whole plot with every delivery. */
static void
snap_log_axis (BtlAxis *axis)
{
  const double q = 0.05;

  if (!axis->log || !(axis->min > 0) || !(axis->max > axis->min) || !isfinite (axis->max))
    return;
  axis->min = pow (10.0, floor (log10 (axis->min) / q + 1e-9) * q);
  axis->max = pow (10.0, ceil (log10 (axis->max) / q - 1e-9) * q);
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

void
btl_loss_plot_draw (GtkWidget *widget,
                    BtlCanvas *canvas)
{
  _btl_loss_plot_draw_data (&BTL_LOSS_PLOT (widget)->d, canvas);
}

void
_btl_loss_plot_draw_data (BtlLossPlotData *d,
                          BtlCanvas       *canvas)
{
  BtlLossHistory *h = d->history;
  const BtlLossStep *steps;
  gsize n;
  guint n_epochs;
  g_autoptr(GPtrArray) marker_labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) markers = NULL;
  gboolean has_reg, log = d->log_scale;
  double *px, *ema_train, *ema_recon, *ema_reg;
  const gsize stride = sizeof (BtlLossStep) / sizeof (double);
  double ylo = INFINITY, yhi = -INFINITY, xmax = 0, max_step = 0;
  XMap map;
  BtlAxis xa = { 0 }, ya = { 0 };
  graphene_rect_t plot;
  GdkRGBA c_train, c_val, c_recon, c_reg;
  BtlLegendItem legend[8];
  BtlLossHistory *ref = d->reference;
  const BtlLossStep *ref_steps = NULL;
  gsize ref_n;
  guint ref_epochs;
  g_autofree double *ref_ema = NULL;
  g_autofree double *ref_px = NULL;
  GdkRGBA c_ref;
  int n_legend = 0;
  double legend_h;
  g_autofree char *ema_label = NULL;
  cairo_t *cr;
  int best;

  n = h ? btl_loss_history_get_n_steps (h) : 0;
  n_epochs = h ? btl_loss_history_get_n_epochs (h) : 0;
  ref_n = ref ? btl_loss_history_get_n_steps (ref) : 0;
  ref_epochs = ref ? btl_loss_history_get_n_epochs (ref) : 0;
  if (h == NULL || (n == 0 && n_epochs == 0 && ref_n == 0 && ref_epochs == 0))
    {
      draw_empty (canvas);
      return;
    }

  steps = btl_loss_history_peek_steps (h);
  markers = _btl_loss_plot_collect_markers (d, h, marker_labels);
  has_reg = btl_loss_history_has_reg (h);
  best = btl_loss_history_get_best_epoch (h);

  update_ema (d, steps, n);
  if (ref_n > 0)
    {
      ref_steps = btl_loss_history_peek_steps (ref);
      ref_ema = _btl_loss_plot_ema_series (ref_steps, ref_n, d->smoothing);
      ref_px = g_new (double, ref_n);
    }
  px = d->px;
  ema_train = d->ema[0];
  ema_recon = d->ema[1];
  ema_reg = d->ema[2];

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
  for (gsize i = 0; i < ref_n; i++)
    {
      max_step = MAX (max_step, (double) ref_steps[i].step);
      update_range (&ylo, &yhi, ref_ema[i], log);
    }
  for (guint i = 0; i < ref_epochs; i++)
    {
      BtlLossEpoch e;

      btl_loss_history_get_epoch (ref, i, &e);
      max_step = MAX (max_step, (double) e.step);
      update_range (&ylo, &yhi, e.val, log);
    }

  /* By epoch, the run with more finished epochs knows more epoch ends. */
  xmap_init (&map, ref_epochs > n_epochs ? ref : h, d->x_by_epoch, max_step);
  xmax = xmap (&map, max_step);
  xa.min = 0;
  xa.max = axis_end (xmax);
  btl_axis_set_range (&ya, ylo, yhi, log, FALSE);
  snap_log_axis (&ya);

  /* Colours: a lighter blue reads better on a dark background. */
  c_train = btl_chart_color (canvas->bg.red < 0.5 ? 4 : 0);
  c_val = btl_chart_color (5);
  c_recon = btl_chart_color (2);
  c_reg = btl_chart_color (3);
  c_ref = btl_canvas_ink (canvas, 0.5);

  if (d->smoothing > 0 && n > 0)
    {
      GdkRGBA faint = c_train;

      faint.alpha = 0.35;
      legend[n_legend++] = (BtlLegendItem) { _("Training (raw)"), faint, BTL_LEGEND_THIN_LINE };
      ema_label = g_strdup_printf (_("Training (smoothed %.3g)"), d->smoothing);
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

  if (ref_n > 0 || ref_epochs > 0)
    legend[n_legend++] = (BtlLegendItem) { d->reference_label ? d->reference_label : _("Saved run"),
                                           c_ref, BTL_LEGEND_DASH };

  legend_h = btl_chart_legend (canvas, legend, n_legend, 0, 0, canvas->width - 80, FALSE);
  plot = btl_chart_draw_frame (canvas, &xa, &ya,
                               d->x_by_epoch ? _("Epoch") : _("Step"),
                               log ? _("Loss (log scale)") : _("Loss"),
                               legend_h + 10, 0);
  btl_chart_legend (canvas, legend, n_legend, plot.origin.x, 4, canvas->width - plot.origin.x - 8, TRUE);

  xmap_fill (&map, steps, n, &xa, px);
  if (ref_n > 0)
    xmap_fill (&map, ref_steps, ref_n, &xa, ref_px);

  cr = btl_canvas_cairo (canvas);
  cairo_save (cr);
  cairo_rectangle (cr, plot.origin.x, plot.origin.y - 1, plot.size.width + 1, plot.size.height + 2);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  /* Markers under the data. */
  for (guint i = 0; i < markers->len; i++)
    {
      const PlotMarker *m = &g_array_index (markers, PlotMarker, i);
      double mx;

      mx = round (btl_axis_map (&xa, xmap (&map, (double) m->step))) + 0.5;
      cairo_move_to (cr, mx, plot.origin.y);
      cairo_line_to (cr, mx, plot.origin.y + plot.size.height);
      stroke_series (cr, canvas->fg, m->saved ? 0.25 : 0.45, 1, TRUE);
    }

  /* The reference run under the live one. */
  if (ref_n > 0)
    {
      path_decimated (cr, ref_px, ref_ema, 1, ref_n, &ya, FALSE);
      stroke_series (cr, c_ref, 1, 2.2, TRUE);
    }
  if (ref_epochs > 0)
    draw_reference_val (cr, ref, &map, &xa, &ya, c_ref);

  if (n > 0)
    {
      if (d->smoothing > 0 && n > plot.size.width)
        {
          GdkRGBA faint = c_train;

          faint.alpha *= canvas->bg.red < 0.5 ? 0.5 : 0.35;
          fill_column_bars (cr, px, &steps[0].train, stride, n, &ya);
          gdk_cairo_set_source_rgba (cr, &faint);
          cairo_fill (cr);
        }
      else if (d->smoothing > 0)
        {
          path_decimated (cr, px, &steps[0].train, stride, n, &ya, TRUE);
          stroke_series (cr, c_train, canvas->bg.red < 0.5 ? 0.5 : 0.35, 1, FALSE);
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
      gboolean dots = plot.size.width / n_epochs >= 6;

      path_validation (cr, h, &map, &xa, &ya);
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

          /* Outside the clip too: the best epoch is often the last one, at
           * the plot's right edge, where a clipped ring would be cut in half. */
          cairo_new_path (cr);
          cairo_arc (cr, ex, ey, 7, 0, 2 * G_PI);
          stroke_series (cr, c_val, 1, 2, FALSE);
          btl_canvas_text (canvas, ex, ey - 9, _("best"), ex > plot.origin.x + plot.size.width - 20 ? 1.0 : 0.5,
                           1.0, 0.8, TRUE, &c_val);
        }
    }
  {
    double row_end[3] = { -INFINITY, -INFINITY, -INFINITY };
    double line_h;
    GdkRGBA ink = btl_canvas_ink (canvas, 0.7);
    GdkRGBA faint = btl_canvas_ink (canvas, 0.5);

    btl_canvas_text_size (canvas, "Ag", 0.78, NULL, &line_h);
    for (guint i = 0; i < markers->len; i++)
      {
        PlotMarker m = g_array_index (markers, PlotMarker, i);
        double mx, w;

        mx = round (btl_axis_map (&xa, xmap (&map, (double) m.step))) + 3;
        /* A marker past the last step (set before it is reached) has no line yet. */
        if (mx < plot.origin.x || mx > plot.origin.x + plot.size.width + 3)
          continue;
        btl_canvas_text_size (canvas, m.label, 0.78, &w, NULL);
        if (mx + w > plot.origin.x + plot.size.width)
          mx = mx - 6 - w;
        for (int row = 0; row < 3; row++)
          if (mx > row_end[row] + 4 || row == 2)
            {
              btl_canvas_text (canvas, mx, plot.origin.y + 2 + row * line_h, m.label,
                               0, 0, 0.78, FALSE, m.saved ? &faint : &ink);
              row_end[row] = mx + w;
              break;
            }
      }
  }

  /* Hover: the nearest step, its values and its epoch's validation loss. */
  if (d->hovering && !canvas->exporting && n > 0
      && graphene_rect_contains_point (&plot, &GRAPHENE_POINT_INIT (d->hover_x, d->hover_y)))
    {
      gsize lo = 0, hi = n - 1, i;
      g_autoptr(GString) s = g_string_new (NULL);
      double hx;
      GdkRGBA line = btl_canvas_ink (canvas, 0.35);

      while (hi - lo > 1)
        {
          gsize mid = (lo + hi) / 2;

          if (px[mid] <= d->hover_x)
            lo = mid;
          else
            hi = mid;
        }
      i = fabs (px[hi] - d->hover_x) < fabs (px[lo] - d->hover_x) ? hi : lo;
      hx = floor (px[i]);
      btl_canvas_fill_rect (canvas, hx, plot.origin.y, 1, plot.size.height, &line);

      g_string_append_printf (s, "<b>%s %" G_GINT64_FORMAT "</b>  ·  %s %d\n",
                              _("Step"), steps[i].step, _("epoch"), steps[i].epoch + 1);
      g_string_append_printf (s, "%s %.4g", _("training"), ema_train[i]);
      if (d->smoothing > 0)
        g_string_append_printf (s, "  (%s %.4g)", _("raw"), steps[i].train);
      if (i < ref_n && ref_steps[i].step == steps[i].step)
        g_string_append_printf (s, "\n%s %.4g", d->reference_label ? d->reference_label : _("Saved run"),
                                ref_ema[i]);
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
      btl_chart_readout (canvas, px[i], d->hover_y, s->str, &plot);
    }

  g_array_unref (map.knots);
}

static void
draw_reference_val (cairo_t        *cr,
                    BtlLossHistory *ref,
                    const XMap     *map,
                    const BtlAxis  *xa,
                    const BtlAxis  *ya,
                    GdkRGBA         color)
{
  guint n = btl_loss_history_get_n_epochs (ref);

  path_validation (cr, ref, map, xa, ya);
  stroke_series (cr, color, 1, 1.5, TRUE);

  for (guint i = 0; i < n; i++)
    {
      BtlLossEpoch e;

      btl_loss_history_get_epoch (ref, i, &e);
      if (!usable (e.val, ya->log))
        continue;
      cairo_new_sub_path (cr);
      cairo_arc (cr, btl_axis_map (xa, xmap (map, (double) e.step)),
                 btl_axis_map (ya, e.val), 4, 0, 2 * G_PI);
    }
  stroke_series (cr, color, 1, 1.5, FALSE);
}

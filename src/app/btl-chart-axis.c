/* btl-chart-axis.c — axes of the chart widgets: ranges, 1-2-5 and log
 * ticks, number formatting, and the plot frame. See btl-chart.h. */
#include "btl-chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The 1-2-5 step below `step` (5 → 2 → 1 → 0.5). */
static double
finer_step (double step)
{
  double mag = pow (10.0, floor (log10 (step) + 1e-9));
  double norm = step / mag;

  if (norm > 4.5)
    return 2.0 * mag;
  if (norm > 1.5)
    return mag;
  return 0.5 * mag;
}

/* Linear ticks at multiples of step within the axis (positive ones only on
 * a log axis). */
static int
count_linear (const BtlAxis *axis,
              double         step)
{
  double first = ceil (axis->min / step - 1e-9);
  double last = floor (axis->max / step + 1e-9);
  int n = 0;

  for (double k = first; k <= last && n <= BTL_AXIS_MAX_TICKS; k++)
    if (!axis->log || k * step > 0)
      n++;
  return n;
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
    double first;

    if (!isfinite (step) || step <= 0)
      return 0;
    /* nice_step rounds up, so a short axis asking for 2 ticks can get one
     * (−3…3 in steps of 5 is just "0"): take finer 1-2-5 steps while fewer
     * than 3 fit, as long as that stays within 2 × max_major ticks. */
    for (int i = 0; i < 6 && axis->max > axis->min && count_linear (axis, step) < 3; i++)
      {
        double finer = finer_step (step);

        if (count_linear (axis, finer) > 2 * max_major)
          break;
        step = finer;
      }
    first = ceil (axis->min / step - 1e-9) * step;
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

  btl_canvas_text_size (canvas, "0.9", BTL_CHART_TICK_SCALE, NULL, &label_h);
  if (x_title || y_title)
    btl_canvas_text_size (canvas, "Ag", BTL_CHART_TITLE_SCALE, NULL, &title_h);

  top = top_reserved + ceil (label_h / 2) + 2;
  bottom = canvas->height - (label_h + 6 + (x_title ? title_h + 4 : 0) + 6);
  y->px0 = bottom;
  y->px1 = top;
  n_y = btl_axis_ticks (y, (int) MAX (2, (bottom - top) / (label_h * 2.6)), yt, G_N_ELEMENTS (yt));
  for (int i = 0; i < n_y; i++)
    if (yt[i].major)
      {
        double w;

        btl_canvas_text_size (canvas, yt[i].label, BTL_CHART_TICK_SCALE, &w, NULL);
        max_w = MAX (max_w, w);
      }
  left = 6 + (y_title ? title_h + 6 : 0) + max_w + 6;
  {
    /* Room for half of the widest x label, centred on the last tick. */
    char buf[32];
    double w;

    btl_format_number (buf, sizeof buf, x->max, fabs (x->max - x->min) / 4);
    btl_canvas_text_size (canvas, buf, BTL_CHART_TICK_SCALE, &w, NULL);
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
      btl_canvas_text (canvas, left - 8, py, yt[i].label, 1.0, 0.5, BTL_CHART_TICK_SCALE, FALSE, &label_ink);
    }
  for (int i = 0; i < n_x; i++)
    {
      double px = btl_axis_map (x, xt[i].value);

      if (!xt[i].major || px < left - 0.5 || px > x->px1 + 0.5)
        continue;
      btl_canvas_text (canvas, px, bottom + 6, xt[i].label, 0.5, 0.0, BTL_CHART_TICK_SCALE, FALSE, &label_ink);
    }
  if (x_title)
    {
      /* Centred under the plot, but inside the canvas: under a narrow plot
       * "principal component 1" ran past the right edge. */
      double w, cx = left + plot.size.width / 2;

      btl_canvas_text_size (canvas, x_title, BTL_CHART_TITLE_SCALE, &w, NULL);
      cx = MIN (cx, canvas->width - 6 - w / 2);
      cx = MAX (cx, 6 + w / 2);
      btl_canvas_text (canvas, cx, canvas->height - 6, x_title,
                       0.5, 1.0, BTL_CHART_TITLE_SCALE, FALSE, &label_ink);
    }
  if (y_title)
    btl_canvas_text_vertical (canvas, 6 + title_h / 2, top + (bottom - top) / 2, y_title,
                              BTL_CHART_TITLE_SCALE, &label_ink);
  return plot;
}

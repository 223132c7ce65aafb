/* btl-loss-plot.c — see btl-loss-plot.h: the widget (properties, history and
 * reference run, the data the drawing derives from them, hover, export).
 * The drawing itself is in btl-loss-plot-draw.c. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-chart.h"
#include "btl-loss-plot-private.h"

G_DEFINE_FINAL_TYPE (BtlLossPlot, btl_loss_plot, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_HISTORY,
  PROP_LOG_SCALE,
  PROP_X_BY_EPOCH,
  PROP_SMOOTHING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- data for the drawing ---------------------------------------------- */

/* The same debiased EMA over a whole series, for the reference run (drawn
 * rarely: recomputed per frame rather than cached). */
double *
_btl_loss_plot_ema_series (const BtlLossStep *steps,
                           gsize              n,
                           double             s)
{
  double *out = g_new (double, MAX (n, 1));
  double acc = 0, w = 0;

  for (gsize i = 0; i < n; i++)
    {
      double v = steps[i].train;

      if (!isfinite (v) || s <= 0)
        {
          out[i] = v;
          continue;
        }
      acc = s * acc + (1 - s) * v;
      w = s * w + (1 - s);
      out[i] = acc / w;
    }
  return out;
}

/* Markers of the live run and, fainter and named, of the reference run
 * (a saved run's live changes explain why a re-run left it). */
GArray *
_btl_loss_plot_collect_markers (BtlLossPlotData *d,
                                BtlLossHistory  *h,
                                GPtrArray       *owned)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (PlotMarker));
  BtlLossHistory *from[2] = { h, d->reference };

  for (int k = 0; k < 2; k++)
    {
      guint n = from[k] != NULL ? btl_loss_history_get_n_markers (from[k]) : 0;

      for (guint i = 0; i < n; i++)
        {
          BtlLossMarker m;
          PlotMarker pm;

          btl_loss_history_get_marker (from[k], i, &m);
          pm.step = m.step;
          pm.saved = k == 1;
          if (pm.saved)
            {
              char *label = g_strdup_printf ("%s: %s", d->reference_label ? d->reference_label
                                                                          : _("Saved run"), m.label);
              g_ptr_array_add (owned, label);
              pm.label = label;
            }
          else
            pm.label = m.label;
          g_array_append_val (out, pm);
        }
    }
  return out;
}

/* ---- widget ------------------------------------------------------------ */

void
_btl_loss_plot_data_clear (BtlLossPlotData *d)
{
  g_clear_object (&d->history);
  g_clear_object (&d->reference);
  g_clear_pointer (&d->reference_label, g_free);
  g_clear_pointer (&d->px, g_free);
  for (int k = 0; k < 3; k++)
    g_clear_pointer (&d->ema[k], g_free);
  d->cap = d->ema_n = 0;
}

/* Something the picture shows changed. */
static void
changed (BtlLossPlot *self)
{
  self->generation++;
  if (!_btl_loss_plot_render_instead (self))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Shown again: a live plot catches up with what came while it was hidden. */
static void
btl_loss_plot_map (GtkWidget *widget)
{
  BtlLossPlot *self = BTL_LOSS_PLOT (widget);

  GTK_WIDGET_CLASS (btl_loss_plot_parent_class)->map (widget);
  if (self->live)
    _btl_loss_plot_start_render (self);
}

static void
btl_loss_plot_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  BtlLossPlot *self = BTL_LOSS_PLOT (widget);
  BtlCanvas canvas;

  /* A live plot shows its thread's newest picture (the pointer's readout
   * included); a picture of another size is drawn here, as any plot's is. */
  if (self->live && _btl_loss_plot_append_image (self, snapshot))
    return;
  if (self->live)
    _btl_loss_plot_start_render (self);

  btl_canvas_init_snapshot (&canvas, widget, snapshot);
  btl_loss_plot_draw (widget, &canvas);
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
  guint n_epochs = self->d.history ? btl_loss_history_get_n_epochs (self->d.history) : 0;
  g_autofree char *text = NULL;

  if (n_epochs == self->described_epochs && n_epochs != 0)
    return;
  self->described_epochs = n_epochs;
  if (n_epochs == 0)
    text = g_strdup (_("No finished epoch yet"));
  else
    {
      BtlLossEpoch e;

      btl_loss_history_get_epoch (self->d.history, n_epochs - 1, &e);
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
  if (self->d.history == NULL || btl_loss_history_get_n_steps (self->d.history) < self->d.ema_n)
    self->d.ema_n = 0;
  update_description (self);
  changed (self);
}

/* A live plot's readout comes with its next picture. */
static void
pointer_moved (BtlLossPlot *self)
{
  if (self->live)
    changed (self);
  else
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
motion (GtkEventControllerMotion *controller,
        double                    x,
        double                    y,
        BtlLossPlot              *self)
{
  self->d.hovering = TRUE;
  self->d.hover_x = x;
  self->d.hover_y = y;
  pointer_moved (self);
}

static void
leave (GtkEventControllerMotion *controller,
       BtlLossPlot              *self)
{
  self->d.hovering = FALSE;
  pointer_moved (self);
}

static void
btl_loss_plot_dispose (GObject *object)
{
  BtlLossPlot *self = BTL_LOSS_PLOT (object);

  if (self->d.history != NULL)
    g_clear_signal_handler (&self->changed_id, self->d.history);
  if (self->d.reference != NULL)
    g_clear_signal_handler (&self->reference_changed_id, self->d.reference);
  _btl_loss_plot_data_clear (&self->d);
  _btl_loss_plot_drop_image (self);
  g_clear_handle_id (&self->render_idle_id, g_source_remove);
  /* A drawing still under way holds the plot and ends after this. */
  self->live = FALSE;

  G_OBJECT_CLASS (btl_loss_plot_parent_class)->dispose (object);
}

static void
btl_loss_plot_css_changed (GtkWidget         *widget,
                           GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (btl_loss_plot_parent_class)->css_changed (widget, change);
  /* Colours and fonts come from the style. */
  changed (BTL_LOSS_PLOT (widget));
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
      g_value_set_object (value, self->d.history);
      break;
    case PROP_LOG_SCALE:
      g_value_set_boolean (value, self->d.log_scale);
      break;
    case PROP_X_BY_EPOCH:
      g_value_set_boolean (value, self->d.x_by_epoch);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->d.smoothing);
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
  object_class->get_property = btl_loss_plot_get_property;
  object_class->set_property = btl_loss_plot_set_property;
  widget_class->snapshot = btl_loss_plot_snapshot;
  widget_class->map = btl_loss_plot_map;
  widget_class->css_changed = btl_loss_plot_css_changed;
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

  self->d.smoothing = 0.9;
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

  if (self->d.history == history)
    return;
  if (self->d.history != NULL)
    g_clear_signal_handler (&self->changed_id, self->d.history);
  g_set_object (&self->d.history, history);
  self->d.ema_n = 0;
  if (history != NULL)
    self->changed_id = g_signal_connect_swapped (history, "changed",
                                                 G_CALLBACK (history_changed), self);
  self->described_epochs = G_MAXUINT;
  history_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
}

void
btl_loss_plot_set_reference (BtlLossPlot    *self,
                             BtlLossHistory *reference,
                             const char     *label)
{
  g_return_if_fail (BTL_IS_LOSS_PLOT (self));
  g_return_if_fail (reference == NULL || BTL_IS_LOSS_HISTORY (reference));

  if (self->d.reference != NULL)
    g_clear_signal_handler (&self->reference_changed_id, self->d.reference);
  g_set_object (&self->d.reference, reference);
  g_free (self->d.reference_label);
  self->d.reference_label = g_strdup (label);
  if (reference != NULL)
    self->reference_changed_id = g_signal_connect_swapped (reference, "changed",
                                                           G_CALLBACK (changed), self);
  changed (self);
}

BtlLossHistory *
btl_loss_plot_get_reference (BtlLossPlot *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), NULL);

  return self->d.reference;
}

BtlLossHistory *
btl_loss_plot_get_history (BtlLossPlot *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), NULL);

  return self->d.history;
}

void
btl_loss_plot_set_log_scale (BtlLossPlot *self,
                             gboolean     log_scale)
{
  g_return_if_fail (BTL_IS_LOSS_PLOT (self));

  log_scale = !!log_scale;
  if (self->d.log_scale == log_scale)
    return;
  self->d.log_scale = log_scale;
  changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_SCALE]);
}

gboolean
btl_loss_plot_get_log_scale (BtlLossPlot *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), FALSE);

  return self->d.log_scale;
}

void
btl_loss_plot_set_x_by_epoch (BtlLossPlot *self,
                              gboolean     x_by_epoch)
{
  g_return_if_fail (BTL_IS_LOSS_PLOT (self));

  x_by_epoch = !!x_by_epoch;
  if (self->d.x_by_epoch == x_by_epoch)
    return;
  self->d.x_by_epoch = x_by_epoch;
  changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_BY_EPOCH]);
}

gboolean
btl_loss_plot_get_x_by_epoch (BtlLossPlot *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), FALSE);

  return self->d.x_by_epoch;
}

void
btl_loss_plot_set_smoothing (BtlLossPlot *self,
                             double       smoothing)
{
  g_return_if_fail (BTL_IS_LOSS_PLOT (self));

  if (!isfinite (smoothing))
    smoothing = 0;
  smoothing = CLAMP (smoothing, 0.0, 0.999);
  if (self->d.smoothing == smoothing)
    return;
  self->d.smoothing = smoothing;
  changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
}

double
btl_loss_plot_get_smoothing (BtlLossPlot *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), 0);

  return self->d.smoothing;
}

void
btl_loss_plot_set_live (BtlLossPlot *self,
                        gboolean     live)
{
  g_return_if_fail (BTL_IS_LOSS_PLOT (self));

  self->live = !!live;
  if (!self->live)
    _btl_loss_plot_drop_image (self);
  changed (self);
}

gboolean
btl_loss_plot_is_current (BtlLossPlot *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), FALSE);

  return !self->live || (self->image != NULL && self->image_generation == self->generation
                         && !self->rendering);
}

guint
btl_loss_plot_get_n_renders (BtlLossPlot *self,
                             guint       *n_strips_drawn)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), 0);

  if (n_strips_drawn != NULL)
    *n_strips_drawn = self->n_strips_drawn;
  return self->n_renders;
}

gboolean
btl_loss_plot_export (BtlLossPlot  *self,
                      const char   *path,
                      GError      **error)
{
  g_return_val_if_fail (BTL_IS_LOSS_PLOT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return btl_chart_export (GTK_WIDGET (self), btl_loss_plot_draw, path, TRUE, 720, 420, error);
}

/* btl-progress-line.c — see btl-progress-line.h.
 *
 * Drawn as a rounded trough in the text colour at low alpha with the filled
 * part in the theme's accent colour, like a GtkProgressBar; screen readers
 * get the progress-bar role and its value. */
#include "config.h"

#include <math.h>

#include "btl-progress-line.h"

/* The height of GtkProgressBar's trough in the default theme. */
#define LINE_HEIGHT 6

struct _BtlProgressLine
{
  GtkWidget parent_instance;

  double    fraction;
  int       drawn_px;   /* fill width of the last frame, or -1 */
  int       percent;    /* told to screen readers */
};

G_DEFINE_FINAL_TYPE (BtlProgressLine, btl_progress_line, GTK_TYPE_WIDGET)

static int
fill_px (BtlProgressLine *self,
         int              width)
{
  return (int) lround (self->fraction * width);
}

static void
btl_progress_line_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  *minimum = *natural = orientation == GTK_ORIENTATION_VERTICAL ? LINE_HEIGHT : 24;
}

static void
btl_progress_line_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  BtlProgressLine *self = BTL_PROGRESS_LINE (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  float y = (height - LINE_HEIGHT) / 2.0f;
  GskRoundedRect trough;
  GdkRGBA ink, accent;
  int fill = fill_px (self, width);

  /* gtk_widget_get_color() is 4.10+; the style context is how 4.8 does it. */
  gtk_style_context_get_color (style, &ink);
  if (!gtk_style_context_lookup_color (style, "accent_bg_color", &accent) &&
      !gtk_style_context_lookup_color (style, "accent_color", &accent))
    gdk_rgba_parse (&accent, "#3584e4");
  ink.alpha *= 0.15f;

  gsk_rounded_rect_init_from_rect (&trough, &GRAPHENE_RECT_INIT (0, y, width, LINE_HEIGHT),
                                   LINE_HEIGHT / 2.0f);
  gtk_snapshot_push_rounded_clip (snapshot, &trough);
  gtk_snapshot_append_color (snapshot, &ink, &trough.bounds);
  /* Right to left in right-to-left languages, as GtkProgressBar does. */
  if (fill > 0)
    gtk_snapshot_append_color (snapshot, &accent,
                               &GRAPHENE_RECT_INIT (gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL
                                                    ? width - fill : 0,
                                                    y, fill, LINE_HEIGHT));
  gtk_snapshot_pop (snapshot);
  self->drawn_px = fill;
}

static void
btl_progress_line_class_init (BtlProgressLineClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->measure = btl_progress_line_measure;
  widget_class->snapshot = btl_progress_line_snapshot;

  gtk_widget_class_set_css_name (widget_class, "btlprogressline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PROGRESS_BAR);
}

static void
btl_progress_line_init (BtlProgressLine *self)
{
  self->drawn_px = -1;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, 100.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, 0.0,
                                  -1);
}

GtkWidget *
btl_progress_line_new (void)
{
  return g_object_new (BTL_TYPE_PROGRESS_LINE, NULL);
}

void
btl_progress_line_set_fraction (BtlProgressLine *self,
                                double           fraction)
{
  g_return_if_fail (BTL_IS_PROGRESS_LINE (self));

  fraction = isnan (fraction) ? 0 : CLAMP (fraction, 0, 1);
  if (fraction == self->fraction)
    return;
  self->fraction = fraction;
  /* A whole percent is all a screen reader needs to hear. */
  if ((int) floor (fraction * 100) != self->percent)
    {
      self->percent = (int) floor (fraction * 100);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, (double) self->percent,
                                      -1);
    }
  if (fill_px (self, gtk_widget_get_width (GTK_WIDGET (self))) != self->drawn_px)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
btl_progress_line_get_fraction (BtlProgressLine *self)
{
  g_return_val_if_fail (BTL_IS_PROGRESS_LINE (self), 0);

  return self->fraction;
}

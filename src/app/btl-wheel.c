/* btl-wheel.c — the mouse wheel over a value control in a scrolled list.
 *
 * GTK gives the wheel to a spin button or a slider under the pointer. In a
 * list taller than the window (the Train page's sidebar, the Latent page's
 * sliders) a person scrolling the list then changes whatever passes under
 * the pointer: Epochs went from 5 to 4, a latent slider from 1.49 to -0.01.
 */
#include "config.h"

#include <math.h>

#include "btl-wheel.h"

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           gpointer                  user_data)
{
  GtkWidget *control = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  GtkWidget *scrolled;
  GtkAdjustment *adj;
  double step;

  if (gtk_widget_get_state_flags (control) & GTK_STATE_FLAG_FOCUS_WITHIN)
    return FALSE;   /* chosen: the control's own handler runs */
  scrolled = gtk_widget_get_ancestor (control, GTK_TYPE_SCROLLED_WINDOW);
  if (scrolled == NULL)
    return FALSE;
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  /* The step GtkScrolledWindow takes for a wheel notch; smooth deltas
   * (a touchpad) are pixels. */
  step = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL
         ? pow (gtk_adjustment_get_page_size (adj), 2.0 / 3.0) : 1.0;
  gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + dy * step);
  return TRUE;
}

void
btl_wheel_scrolls_list (GtkWidget *control)
{
  GtkEventController *scroll;

  g_return_if_fail (GTK_IS_WIDGET (control));

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  /* Capture: before the control's own wheel handler. */
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), NULL);
  gtk_widget_add_controller (control, scroll);
}

/* btl-wheel.h — the mouse wheel over a value control in a scrolled list. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* control (a spin button or a slider) inside a GtkScrolledWindow takes the
 * wheel only once it has the focus; before that the wheel scrolls the
 * list, as it does everywhere else in it. */
void btl_wheel_scrolls_list (GtkWidget *control);

G_END_DECLS

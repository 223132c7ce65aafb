/* btl-progress-line.h — a thin progress bar that moves without a relayout.
 *
 * GtkProgressBar re-allocates its fill for every new fraction, and in GTK 4.8
 * any allocation under an X11 toplevel makes GDK recompute the toplevel's
 * size: about five blocking round trips to the X server (monitor geometry,
 * work area) on the window's thread. While a model trains the window then
 * waits for the X server once a second (perf sched traces of
 * --bench-frames). This bar has a fixed size and only redraws. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BTL_TYPE_PROGRESS_LINE (btl_progress_line_get_type ())
G_DECLARE_FINAL_TYPE (BtlProgressLine, btl_progress_line, BTL, PROGRESS_LINE, GtkWidget)

GtkWidget *btl_progress_line_new          (void);
/* Clamped to 0 … 1; NaN counts as 0. Redraws only when the fill moves by a
 * pixel or more. */
void       btl_progress_line_set_fraction (BtlProgressLine *self,
                                           double           fraction);
double     btl_progress_line_get_fraction (BtlProgressLine *self);

G_END_DECLS

/* btl-frame-budget.h — at most one large repaint per frame.
 *
 * While a model trains, a new loss-plot picture and a refreshed
 * reconstruction grid each cost the window 1–2 ms to paint; when both landed
 * before the same frame, that frame came late (--bench-frames traces). A
 * widget about to take a large change claims the next frame; when another
 * one already has, it takes its change after that frame is painted. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef void (*BtlFrameBudgetFunc) (GObject *owner);

/* TRUE when nothing else claimed widget's next frame (now it is claimed),
 * or when widget is not shown (no frame clock). */
gboolean btl_frame_budget_claim (GtkWidget          *widget);

/* Calls func (owner) once widget's next frame is painted, from an idle
 * callback; owner is kept alive until then. Without a frame clock: at once. */
void     btl_frame_budget_defer (GtkWidget          *widget,
                                 GObject            *owner,
                                 BtlFrameBudgetFunc  func);

G_END_DECLS

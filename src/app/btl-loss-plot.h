/* btl-loss-plot.h — live loss curves of a BtlLossHistory.
 *
 * Raw training loss (faint, min/max per pixel column) under its EMA (bold),
 * validation loss per epoch with the best epoch ringed, reconstruction and
 * regulariser terms when the model has one, markers as labelled vertical
 * lines, a legend above the plot, a hover readout, autoscaled axes (linear
 * or log). Redraws whenever the history emits "changed". */
#pragma once

#include <gtk/gtk.h>

#include "btl-loss-history.h"

G_BEGIN_DECLS

#define BTL_TYPE_LOSS_PLOT (btl_loss_plot_get_type ())

G_DECLARE_FINAL_TYPE (BtlLossPlot, btl_loss_plot, BTL, LOSS_PLOT, GtkWidget)

GtkWidget      *btl_loss_plot_new           (void);

void            btl_loss_plot_set_history   (BtlLossPlot     *self,
                                             BtlLossHistory  *history);
BtlLossHistory *btl_loss_plot_get_history   (BtlLossPlot     *self);

void            btl_loss_plot_set_log_scale (BtlLossPlot     *self,
                                             gboolean         log_scale);
gboolean        btl_loss_plot_get_log_scale (BtlLossPlot     *self);
void            btl_loss_plot_set_x_by_epoch (BtlLossPlot    *self,
                                              gboolean        x_by_epoch);
gboolean        btl_loss_plot_get_x_by_epoch (BtlLossPlot    *self);
/* EMA factor in [0, 0.999]: 0 shows the raw loss. */
void            btl_loss_plot_set_smoothing (BtlLossPlot     *self,
                                             double           smoothing);
double          btl_loss_plot_get_smoothing (BtlLossPlot     *self);

/* A second run drawn faded under the live one (smoothed training loss and
 * validation), with label in the legend; NULL removes it. */
void            btl_loss_plot_set_reference (BtlLossPlot     *self,
                                             BtlLossHistory  *reference,
                                             const char      *label);
BtlLossHistory *btl_loss_plot_get_reference (BtlLossPlot     *self);

/* A live plot (the Train page's, while it grows) draws in a thread and
 * shows the newest finished picture, so a redraw costs the window a texture
 * instead of the whole plot; drawn here only under the pointer or at a new
 * size. */
void            btl_loss_plot_set_live      (BtlLossPlot     *self,
                                             gboolean         live);
/* FALSE while a live plot's picture is behind its data (for tests). */
gboolean        btl_loss_plot_is_current    (BtlLossPlot     *self);
/* Pictures drawn, and how many of their strips were new (for tests). */
guint           btl_loss_plot_get_n_renders (BtlLossPlot     *self,
                                             guint           *n_strips_drawn);

/* .png (2× pixel density) or .svg, chosen by the name; written atomically. */
gboolean        btl_loss_plot_export        (BtlLossPlot     *self,
                                             const char      *path,
                                             GError         **error);

G_END_DECLS

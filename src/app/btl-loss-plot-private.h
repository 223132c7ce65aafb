/* btl-loss-plot-private.h — what btl-loss-plot.c and btl-loss-plot-draw.c share. */
#pragma once

#include "btl-chart.h"
#include "btl-loss-plot.h"

G_BEGIN_DECLS

#define BTL_LOSS_PLOT_STRIPS 16

/* Everything the drawing reads: the widget's own state, or a copy of it
 * that a thread draws from (btl-loss-plot-render.c). */
typedef struct
{
  BtlLossHistory  *history;       /* owned */
  double          *px;            /* (cap) x pixel of each step, per frame */
  double          *ema[3];        /* (cap) smoothed train, recon, reg */
  gsize            cap;

  /* Steps are only ever appended (or all cleared), so the EMAs are kept
   * and extended: a frame only maps x and decimates. */
  gsize            ema_n;
  double           ema_s;
  double           ema_acc[3];
  double           ema_w[3];

  /* A reference run drawn under the live one (a saved project's curves
   * while it is re-run), faded and dashed. */
  BtlLossHistory  *reference;     /* owned */
  char            *reference_label;
  gboolean         log_scale;
  gboolean         x_by_epoch;
  double           smoothing;

  gboolean         hovering;
  double           hover_x;
  double           hover_y;
} BtlLossPlotData;

/* Frees what d owns (not d itself). */
void _btl_loss_plot_data_clear (BtlLossPlotData *d);

struct _BtlLossPlot
{
  GtkWidget        parent_instance;

  BtlLossPlotData  d;
  gulong           changed_id;
  gulong           reference_changed_id;
  guint            described_epochs;

  /* Drawing in a thread while training (btl_loss_plot_set_live). */
  gboolean         live;
  guint            generation;        /* bumped by every change to the picture */
  cairo_surface_t *image;             /* the newest finished drawing, or NULL */
  /* It, shown as vertical strips that every snapshot reuses: a strip whose
   * pixels did not change keeps its node, so GSK redraws only the strips
   * where the curve grew. */
  GskRenderNode   *strips[BTL_LOSS_PLOT_STRIPS];
  guint            image_generation;
  int              image_width;
  int              image_height;
  int              image_scale;
  gboolean         rendering;         /* a drawing runs, or waits in pending_render */
  GTask           *pending_render;    /* a finished drawing shown after the next frame */
  guint            render_idle_id;    /* a drawing starts after this delivery */
  guint            n_renders;
  guint            n_strips_drawn;
  GPtrArray       *retired;           /* pictures replaced since the last drawing */
};

/* A marker line to draw: the live run's or (saved) the reference run's. */
typedef struct
{
  gint64      step;
  const char *label;   /* borrowed, or owned by the caller's array */
  gboolean    saved;
} PlotMarker;

/* Both runs' markers; labels made for the reference go into owned. */
GArray  *_btl_loss_plot_collect_markers (BtlLossPlotData   *d,
                                         BtlLossHistory    *h,
                                         GPtrArray         *owned);
/* The debiased EMA of a whole series' training loss (n values). */
double  *_btl_loss_plot_ema_series      (const BtlLossStep *steps,
                                         gsize              n,
                                         double             s);

/* Draws the whole plot, on screen (snapshot) and for exports alike. */
void btl_loss_plot_draw       (GtkWidget       *widget,
                               BtlCanvas       *canvas);
/* The same from the data alone: any thread, on a cairo canvas. */
void _btl_loss_plot_draw_data (BtlLossPlotData *d,
                               BtlCanvas       *canvas);

/* btl-loss-plot-render.c: a live plot's picture, drawn in a thread. */
void _btl_loss_plot_start_render (BtlLossPlot *self);
gboolean _btl_loss_plot_append_image (BtlLossPlot *self,
                                      GtkSnapshot *snapshot);
/* TRUE when a change is best left to the thread (a picture of this size is
 * shown and the pointer is elsewhere): it draws, then queues the redraw. */
gboolean _btl_loss_plot_render_instead (BtlLossPlot *self);
void     _btl_loss_plot_drop_image     (BtlLossPlot *self);

G_END_DECLS

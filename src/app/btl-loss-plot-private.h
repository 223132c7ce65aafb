/* btl-loss-plot-private.h — what btl-loss-plot.c and btl-loss-plot-draw.c share. */
#pragma once

#include "btl-chart.h"
#include "btl-loss-plot.h"

G_BEGIN_DECLS

struct _BtlLossPlot
{
  GtkWidget        parent_instance;

  /* owned */
  BtlLossHistory  *history;
  double          *px;            /* (cap) x pixel of each step, per frame */
  double          *ema[3];        /* (cap) smoothed train, recon, reg */
  gsize            cap;

  /* Steps are only ever appended (or all cleared), so the EMAs are kept
   * and extended: a frame only maps x and decimates. */
  gsize            ema_n;
  double           ema_s;
  double           ema_acc[3];
  double           ema_w[3];

  gulong           changed_id;

  /* A reference run drawn under the live one (a saved project's curves
   * while it is re-run), faded and dashed. */
  BtlLossHistory  *reference;
  char            *reference_label;
  gulong           reference_changed_id;
  gboolean         log_scale;
  gboolean         x_by_epoch;
  double           smoothing;

  gboolean         hovering;
  double           hover_x;
  double           hover_y;
  guint            described_epochs;
};

/* A marker line to draw: the live run's or (saved) the reference run's. */
typedef struct
{
  gint64      step;
  const char *label;   /* borrowed, or owned by the caller's array */
  gboolean    saved;
} PlotMarker;

/* Both runs' markers; labels made for the reference go into owned. */
GArray  *_btl_loss_plot_collect_markers (BtlLossPlot       *self,
                                         BtlLossHistory    *h,
                                         GPtrArray         *owned);
/* The debiased EMA of a whole series' training loss (n values). */
double  *_btl_loss_plot_ema_series      (const BtlLossStep *steps,
                                         gsize              n,
                                         double             s);

/* Draws the whole plot, on screen (snapshot) and for exports alike. */
void btl_loss_plot_draw (GtkWidget *widget,
                         BtlCanvas *canvas);

G_END_DECLS

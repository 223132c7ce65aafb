/* btl-inspect-page-private.h — what btl-inspect-page.c (model, scoring
 * task, own image, CSV) and btl-inspect-page-views.c (threshold, gallery,
 * per-class rows) share. */
#pragma once

#include "btl-anomaly.h"
#include "btl-image-grid.h"
#include "btl-inspect-page.h"
#include "btl-pending-weights.h"

G_BEGIN_DECLS

struct _BtlInspectPage
{
  GtkWidget         parent_instance;

  /* template widgets */
  GtkWidget        *root;
  GtkRevealer      *message_revealer;
  GtkLabel         *message_label;
  GtkSpinner       *spinner;
  GtkCheckButton   *log_check;
  GtkWidget        *reset_button;
  GtkWidget        *open_button;
  GtkWidget        *export_button;
  BtlHistogram     *histogram;
  GtkLabel         *threshold_label;
  GtkGrid          *class_grid;
  GtkWidget        *own_box;
  GtkPicture       *own_picture;
  GtkPicture       *own_recon_picture;
  GtkLabel         *own_label;
  GtkLabel         *gallery_label;
  BtlImageGrid     *gallery;

  /* owned */
  NnModel          *model;           /* structure copy; its own weight buffer is unused */
  NnInference      *inf;             /* main thread: gallery and own images */
  NnSnapshot       *snap;
  BtlPendingWeights pending;         /* weights that came while hidden */
  BtlDataset       *train;
  BtlDataset       *test;
  BtlAnomalyScores *train_scores;    /* first BTL_ANOMALY_DEFAULT_TRAIN_LIMIT training images */
  BtlAnomalyScores *test_scores;
  GCancellable     *cancellable;
  GPtrArray        *class_bars;      /* (n_classes) GtkLevelBar */
  GPtrArray        *class_counts;    /* (n_classes) GtkLabel */
  float            *own_x;           /* (input_dim) the person's image, or NULL */
  char             *own_name;

  /* state */
  double            threshold;
  double            default_threshold;
  gboolean          threshold_moved; /* by the person: keep it across re-scoring */
  gboolean          updating;
  gboolean          scoring;
  gboolean          score_pending;
  gint64            last_score_us;
  guint             score_timeout_id;
  guint             gallery_idle_id;
  int               n_flagged;
};

void btl_inspect_page_show_message           (BtlInspectPage *self,
                                              const char     *message);

/* btl-inspect-page-views.c */
void btl_inspect_page_views_class_init       (GtkWidgetClass *widget_class);
/* Counts, label, per-class rows and (from an idle) the gallery for self->threshold. */
void btl_inspect_page_update_threshold_views (BtlInspectPage *self);
void btl_inspect_page_build_class_rows       (BtlInspectPage *self);
void btl_inspect_page_update_own_label       (BtlInspectPage *self,
                                              double          mse);

G_END_DECLS

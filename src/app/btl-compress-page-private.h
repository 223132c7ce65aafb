/* btl-compress-page-private.h — what the Compress page's files share:
 * btl-compress-page.c (display, jobs, properties) and
 * btl-compress-page-io.c (pictures in: open, paste, drop; files out). */
#pragma once

#include "btl-compress-job.h"
#include "btl-compress-page.h"
#include "btl-rd-chart.h"
#include "btl-split-view.h"

G_BEGIN_DECLS

#define N_ROWS BTL_COMPARE_N_ROWS

struct _BtlCompressPage
{
  GtkWidget           parent_instance;

  /* template widgets */
  GtkWidget          *toolbar;
  GtkButton          *open_button;
  GtkButton          *paste_button;
  GtkDropDown        *mode_dropdown;
  GtkSpinButton      *bits_spin;
  GtkDropDown        *a_dropdown;
  GtkDropDown        *b_dropdown;
  GtkToggleButton    *diff_toggle;
  GtkSpinner         *spinner;
  GtkProgressBar     *progress_bar;
  GtkLabel           *status_label;
  GtkButton          *stop_button;
  GtkButton          *save_button;
  GtkLabel           *message_label;
  GtkWidget          *paned;
  BtlSplitView       *split_view;
  GtkWidget          *placeholder;
  GtkGrid            *table_grid;
  GtkLabel           *note_label;
  GtkDropDown        *metric_dropdown;
  GtkButton          *export_png_button;
  GtkButton          *export_svg_button;
  GtkButton          *export_csv_button;
  BtlRdChart         *rd_chart;

  /* the model (owned copies) */
  gboolean            has_model;
  NnConfig            config;
  NnSnapshot         *snapshot;
  BtlModelInfo        info;
  BtlDataset         *train;
  BtlBaselineRef     *baseline;        /* cached fit for baseline_* below */
  BtlDataset         *baseline_train;  /* borrowed: identity only */
  int                 baseline_shape[3];
  char                baseline_arch[NN_ARCH_MAX];

  /* the picture and its results */
  GdkPixbuf          *pixbuf;
  gint64              original_bytes;
  char               *name;
  BtlCompressResult  *result;          /* last complete result */
  BtlCompressResult  *partial;         /* borrowed from the running job */
  GdkTexture         *textures[N_ROWS];
  GtkLabel           *cells[N_ROWS][BTL_COMPRESS_N_COLS];
  int                 n_series;

  /* the job */
  GCancellable       *cancellable;
  GCancellable       *rd_cancellable;  /* stops only the job's curves */
  gboolean            busy;
  gboolean            stale;
  guint               refresh_id;
  gint64              last_job_us;     /* when the last job started */
  gint64              last_job_end_us; /* when the last finished job ended */
  gint64              last_job_ms;     /* and how long it took */
  char               *message;
  char               *placeholder_text; /* the picture placeholder's own */
};

/* Shows (or with NULL hides) the in-page error message. */
void btl_compress_page_show_message  (BtlCompressPage    *self,
                                      const char         *message);
/* Busy (spinner, progress bar and Stop shown) or not, with a status text. */
void btl_compress_page_set_busy      (BtlCompressPage    *self,
                                      gboolean            busy,
                                      const char         *status);
/* Starts a job for request (owned), or with NULL for the current picture
 * and settings; cancels the job in flight. */
void btl_compress_page_start_job     (BtlCompressPage    *self,
                                      BtlCompressRequest *request);

/* btl-compress-page-progress.c: the job's progress in the toolbar, Stop. */
void btl_compress_page_on_progress   (const BtlCompressProgress *progress,
                                      gpointer                   user_data);
void btl_compress_page_class_init_progress (GtkWidgetClass *widget_class);

/* btl-compress-page-io.c */
void btl_compress_page_class_init_io (GtkWidgetClass     *widget_class);
void btl_compress_page_init_io       (BtlCompressPage    *self);

G_END_DECLS

/* btl-rd-chart.h — rate–distortion chart: quality against bits per pixel.
 *
 * Several named series (autoencoder, JPEG, WebP, PCA…) of (bpp, value)
 * points, each with its own colour and marker shape; one highlighted
 * "current" point; hover readout; PNG/SVG/CSV export. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BTL_TYPE_RD_CHART (btl_rd_chart_get_type ())

G_DECLARE_FINAL_TYPE (BtlRdChart, btl_rd_chart, BTL, RD_CHART, GtkWidget)

GtkWidget *btl_rd_chart_new               (void);

void       btl_rd_chart_clear             (BtlRdChart  *self);
/* Copies the n points (drawn in bpp order; non-finite ones are skipped).
 * A series with the same name is replaced and keeps its colour. */
void       btl_rd_chart_add_series        (BtlRdChart  *self,
                                           const char  *name,
                                           const double *bpp,
                                           const double *value,
                                           int          n);
int        btl_rd_chart_get_n_series      (BtlRdChart  *self);
/* "PSNR (dB)" (the default) or "SSIM": the y axis title and CSV header. */
void       btl_rd_chart_set_metric_label  (BtlRdChart  *self,
                                           const char  *label);
/* The text shown while there is no series (NULL: the default invitation). */
void       btl_rd_chart_set_placeholder   (BtlRdChart  *self,
                                           const char  *text);
/* Highlights one point (need not be one of the series' points); series NULL
 * removes the highlight. */
void       btl_rd_chart_set_current_point (BtlRdChart  *self,
                                           const char  *series,
                                           double       bpp,
                                           double       value);

/* The series and point index nearest (widget_x, widget_y) within a few
 * pixels on the last frame drawn; FALSE if none. */
gboolean   btl_rd_chart_point_at          (BtlRdChart  *self,
                                           double       widget_x,
                                           double       widget_y,
                                           int         *series,
                                           int         *point);
void       btl_rd_chart_data_to_widget    (BtlRdChart  *self,
                                           double       bpp,
                                           double       value,
                                           double      *wx,
                                           double      *wy);

/* .png (2× pixel density) or .svg, written atomically. */
gboolean   btl_rd_chart_export            (BtlRdChart  *self,
                                           const char  *path,
                                           GError     **error);
/* series,bpp,<metric> rows in C locale, written atomically. */
gboolean   btl_rd_chart_save_csv          (BtlRdChart  *self,
                                           const char  *path,
                                           GError     **error);

G_END_DECLS

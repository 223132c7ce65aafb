/* btl-histogram.h — a histogram of per-image errors with a draggable threshold.
 *
 * Bars right of the threshold are drawn in an accent colour and counted
 * ("N above"); dragging anywhere on the plot moves the threshold and emits
 * notify::threshold as it goes; with keyboard focus, Left/Right move it by a
 * bin (Shift: ten), Home/End to the ends. The x axis can be logarithmic
 * ("log-x"). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BTL_TYPE_HISTOGRAM (btl_histogram_get_type ())

G_DECLARE_FINAL_TYPE (BtlHistogram, btl_histogram, BTL, HISTOGRAM, GtkWidget)

#define BTL_HISTOGRAM_MAX_BINS 200

GtkWidget *btl_histogram_new           (void);

/* values (n) are copied; non-finite ones (and, on a log axis, values <= 0)
 * are left out of the bars. n_bins = 0 picks a count (Freedman–Diaconis,
 * 10 to 120); at most BTL_HISTOGRAM_MAX_BINS. */
void       btl_histogram_set_values    (BtlHistogram  *self,
                                        const float   *values,
                                        int            n,
                                        int            n_bins);
void       btl_histogram_set_x_label   (BtlHistogram  *self,
                                        const char    *label);

void       btl_histogram_set_threshold (BtlHistogram  *self,
                                        double         threshold);
double     btl_histogram_get_threshold (BtlHistogram  *self);
void       btl_histogram_set_log_x     (BtlHistogram  *self,
                                        gboolean       log_x);
gboolean   btl_histogram_get_log_x     (BtlHistogram  *self);

/* How many finite values are strictly above the threshold. */
int        btl_histogram_get_n_above   (BtlHistogram  *self);
int        btl_histogram_get_n_bins    (BtlHistogram  *self);
/* Widget x of a value on the last frame drawn (NaN before the first). */
double     btl_histogram_value_to_widget (BtlHistogram *self,
                                          double        value);

/* .png (2× pixel density) or .svg, written atomically. */
gboolean   btl_histogram_export        (BtlHistogram  *self,
                                        const char    *path,
                                        GError       **error);

G_END_DECLS

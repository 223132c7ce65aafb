/* btl-inspect-page.h — the Inspect page: anomaly detection by
 * reconstruction error.
 *
 * A histogram of the test images' reconstruction errors with a draggable
 * threshold (default: the 99th percentile of the errors on the first 10 000
 * training images), a gallery of the images above it, worst first, with
 * their reconstructions and errors, the fraction flagged per class, one's
 * own image scored against the threshold, and the flagged list as CSV.
 *
 * Like the Latent page it keeps a private copy of the model's structure,
 * reads weights from snapshots only and scores in a GTask thread. */
#pragma once

#include <gtk/gtk.h>

#include "btl-dataset.h"
#include "btl-histogram.h"
#include "nn.h"

G_BEGIN_DECLS

#define BTL_TYPE_INSPECT_PAGE (btl_inspect_page_get_type ())

G_DECLARE_FINAL_TYPE (BtlInspectPage, btl_inspect_page, BTL, INSPECT_PAGE, GtkWidget)

/* The gallery shows at most this many of the flagged images. */
#define BTL_INSPECT_PAGE_GALLERY_MAX 48

GtkWidget    *btl_inspect_page_new                   (void);

/* model is borrowed for the call only (structure and current weights are
 * copied); train (for the default threshold) and test are ref'd. Any NULL
 * clears the page. */
void          btl_inspect_page_set_model             (BtlInspectPage  *self,
                                                      NnModel         *model,
                                                      BtlDataset      *train,
                                                      BtlDataset      *test);
/* Newer weights (live during training); re-scored at most every few
 * seconds and only while the page is shown. */
void          btl_inspect_page_set_snapshot          (BtlInspectPage  *self,
                                                      NnSnapshot      *snap);

/* For the window, from the Train page's "snapshot" signal (model and snap
 * borrowed): the same configuration and data only take the new weights;
 * anything else starts over with these weights. */
void          btl_inspect_page_follow                (BtlInspectPage  *self,
                                                      NnModel         *model,
                                                      NnSnapshot      *snap,
                                                      BtlDataset      *train,
                                                      BtlDataset      *test);

/* The threshold (MSE) above which an image is flagged. */
void          btl_inspect_page_set_threshold         (BtlInspectPage  *self,
                                                      double           threshold);
double        btl_inspect_page_get_threshold         (BtlInspectPage  *self);
double        btl_inspect_page_get_default_threshold (BtlInspectPage  *self);

/* Scores a picture file (scaled to the model's input); returns its error. */
gboolean      btl_inspect_page_score_image           (BtlInspectPage  *self,
                                                      const char      *path,
                                                      double          *error_out,
                                                      GError         **error);
gboolean      btl_inspect_page_export_csv            (BtlInspectPage  *self,
                                                      const char      *path,
                                                      GError         **error);

/* For tests. */
gboolean      btl_inspect_page_is_ready              (BtlInspectPage  *self);
int           btl_inspect_page_get_n_flagged         (BtlInspectPage  *self);
int           btl_inspect_page_get_n_scored          (BtlInspectPage  *self);
BtlHistogram *btl_inspect_page_get_histogram         (BtlInspectPage  *self);
GtkWidget    *btl_inspect_page_get_gallery           (BtlInspectPage  *self);  /* a BtlImageGrid */
/* flagged[k] of the test images of class k; FALSE without labels. */
gboolean      btl_inspect_page_get_class_flagged     (BtlInspectPage  *self,
                                                      int              k,
                                                      int             *flagged,
                                                      int             *total);

G_END_DECLS

/* btl-latent-page.h — the Latent page: sliders over the code, the decoded
 * image, a 2-D map of the test set, interpolation strips and traversal grids.
 *
 * The page works on its own copy of the model's structure and reads weights
 * from an NnSnapshot only (the model's own at set_model time, then whatever
 * the trainer publishes), decoding in the main thread with a private
 * NnInference and encoding the test set for the map in a GTask thread. */
#pragma once

#include <gtk/gtk.h>

#include "btl-dataset.h"
#include "btl-scatter-map.h"
#include "nn.h"

G_BEGIN_DECLS

#define BTL_TYPE_LATENT_PAGE (btl_latent_page_get_type ())

G_DECLARE_FINAL_TYPE (BtlLatentPage, btl_latent_page, BTL, LATENT_PAGE, GtkWidget)

/* Codes of at most this many test images make the map and the slider ranges. */
#define BTL_LATENT_PAGE_MAX_POINTS 5000
/* Codes wider than this show the widest-spread dimensions first, the rest on demand. */
#define BTL_LATENT_PAGE_MAX_SLIDERS 32

GtkWidget     *btl_latent_page_new                (void);

/* model is borrowed for the call only: the page copies its configuration
 * and its current weights. test is ref'd. Either NULL clears the page. */
void           btl_latent_page_set_model          (BtlLatentPage  *self,
                                                   NnModel        *model,
                                                   BtlDataset     *test);
/* Newer weights for the same model (live during training); ref'd. The
 * decoded image follows at once, the map within a couple of seconds (only
 * while the page is shown). A snapshot of another shape is ignored. */
void           btl_latent_page_set_snapshot       (BtlLatentPage  *self,
                                                   NnSnapshot     *snap);

/* For the window, from the Train page's "snapshot" signal (model and snap
 * borrowed): the same configuration and test set only take the new weights;
 * anything else starts over with these weights (the live model's buffer,
 * which a trainer may be writing, is never read). */
void           btl_latent_page_follow             (BtlLatentPage  *self,
                                                   NnModel        *model,
                                                   NnSnapshot     *snap,
                                                   BtlDataset     *test);

/* Starts the sliders from test image `index` (as a click on the map does). */
void           btl_latent_page_select_image       (BtlLatentPage  *self,
                                                   int             index);
/* Starts the sliders from a picture file (scaled to the model's input). */
gboolean       btl_latent_page_open_start_image   (BtlLatentPage  *self,
                                                   const char     *path,
                                                   GError        **error);
/* Interpolation end (0 = from, 1 = to) from a picture file; NULL path goes
 * back to the test image in the spin button. */
gboolean       btl_latent_page_open_interp_image  (BtlLatentPage  *self,
                                                   int             end,
                                                   const char     *path,
                                                   GError        **error);

gboolean       btl_latent_page_export_interpolation (BtlLatentPage  *self,
                                                     const char     *path,
                                                     GError        **error);
gboolean       btl_latent_page_export_traversal   (BtlLatentPage  *self,
                                                   const char     *path,
                                                   GError        **error);

/* For tests and measurements. */
gboolean       btl_latent_page_is_ready           (BtlLatentPage  *self);  /* map encoded */
int            btl_latent_page_get_latent_dim     (BtlLatentPage  *self);
const float   *btl_latent_page_get_code           (BtlLatentPage  *self);  /* (latent) */
const float   *btl_latent_page_get_decoded        (BtlLatentPage  *self);  /* (input_dim) */
GtkRange      *btl_latent_page_get_slider         (BtlLatentPage  *self,
                                                   int             dim);   /* NULL if not shown */
BtlScatterMap *btl_latent_page_get_map            (BtlLatentPage  *self);
int            btl_latent_page_get_n_strip        (BtlLatentPage  *self);  /* images in the strip */
/* Slider change → new texture on the picture, in µs (main thread, decode + upload). */
void           btl_latent_page_get_decode_timing  (BtlLatentPage  *self,
                                                   double         *mean_us,
                                                   double         *max_us,
                                                   guint          *count);

G_END_DECLS

/* btl-compress-page.h — the Compress page: one's own picture through the
 * learned codec, against JPEG / WebP at the same size and a PCA baseline.
 *
 * Pictures come in through Open (file chooser), drag-and-drop (files or
 * image data) and Paste. The comparison and the rate–distortion curves run
 * in a worker (btl-compress-job.h); a new picture, mode or bit depth cancels
 * the job in flight. Errors (unreadable, empty, too large, a .btlz of another
 * model) show in the page; nothing is lost.
 */
#pragma once

#include <gtk/gtk.h>

#include "btl-dataset.h"
#include "btl-model-file.h"
#include "nn.h"

G_BEGIN_DECLS

/* Rows and columns of the comparison table, for tests. */
typedef enum
{
  BTL_COMPRESS_COL_NAME,
  BTL_COMPRESS_COL_BYTES,
  BTL_COMPRESS_COL_BPP,
  BTL_COMPRESS_COL_RATIO,
  BTL_COMPRESS_COL_PSNR,
  BTL_COMPRESS_COL_SSIM,
  BTL_COMPRESS_COL_SETTING,
  BTL_COMPRESS_N_COLS
} BtlCompressColumn;

#define BTL_TYPE_COMPRESS_PAGE (btl_compress_page_get_type ())

G_DECLARE_FINAL_TYPE (BtlCompressPage, btl_compress_page, BTL, COMPRESS_PAGE, GtkWidget)

GtkWidget  *btl_compress_page_new           (void);

/* The model to compress with. Its configuration is copied now; the weights
 * are snap's (ref'd; NULL: a snapshot of the model's current parameters is
 * taken now, so do not call that while a trainer writes them). info
 * (nullable) is copied for its latent statistics. model NULL removes the
 * model. Results are refreshed (a second later when the page is mapped, so
 * a stream of training snapshots costs at most one job at a time). */
void        btl_compress_page_set_model     (BtlCompressPage     *self,
                                             const NnModel       *model,
                                             NnSnapshot          *snap,
                                             const BtlModelInfo  *info);
/* Training images (ref'd, nullable): the PCA baseline is fitted on them, and
 * a model without saved latent statistics gets its ranges from them. */
void        btl_compress_page_set_dataset   (BtlCompressPage     *self,
                                             BtlDataset          *train);

/* Starts loading a picture or a .btlz (asynchronously; see "busy"). */
void        btl_compress_page_open_file     (BtlCompressPage     *self,
                                             GFile               *file);
void        btl_compress_page_open_bytes    (BtlCompressPage     *self,
                                             GBytes              *bytes,
                                             const char          *name);
void        btl_compress_page_open_texture  (BtlCompressPage     *self,
                                             GdkTexture          *texture);

/* What a drop delivers: a GdkFileList (its first file), a GFile or a
 * GdkTexture. FALSE for anything else. */
gboolean    btl_compress_page_open_value    (BtlCompressPage     *self,
                                             const GValue        *value);
/* The types btl_compress_page_open_value takes, for a GtkDropTarget. */
#define BTL_COMPRESS_PAGE_DROP_TYPES { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE }

/* "fit" / "tiles" and 2..16; both re-run the comparison. */
void        btl_compress_page_set_mode      (BtlCompressPage     *self,
                                             int                  mode /* BtlCodecMode */);
void        btl_compress_page_set_bits      (BtlCompressPage     *self,
                                             int                  bits);

/* TRUE while a job runs (property "busy"). */
gboolean    btl_compress_page_is_busy       (BtlCompressPage     *self);
/* The in-page error message, or NULL. */
const char *btl_compress_page_get_message   (BtlCompressPage     *self);
/* Text of a table cell (row: 0 original, 1 autoencoder, 2 JPEG, 3 WebP,
 * 4 PCA; BtlCompressColumn). */
const char *btl_compress_page_get_cell      (BtlCompressPage     *self,
                                             int                  row,
                                             int                  column);
/* Number of rate–distortion series shown. */
int         btl_compress_page_get_n_series  (BtlCompressPage     *self);

/* The last .btlz, written atomically. */
gboolean    btl_compress_page_save_btlz     (BtlCompressPage     *self,
                                             const char          *path,
                                             GError             **error);
/* The chart as .png, .svg or .csv (by the extension). */
gboolean    btl_compress_page_export_chart  (BtlCompressPage     *self,
                                             const char          *path,
                                             GError             **error);

GtkWidget  *btl_compress_page_get_split_view (BtlCompressPage    *self);

G_END_DECLS

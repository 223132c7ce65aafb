/* btl-idx.h — the IDX file reader behind btl_dataset_load_idx().
 *
 * IDX (the MNIST format): bytes 0,0 · a type byte (0x08 = unsigned byte, the
 * only type read here) · the number of dimensions · one big-endian u32 per
 * dimension · the data, row-major. Files may be gzip-compressed (detected by
 * content). Nothing in the header is trusted: sizes are checked against the
 * file, and for gzip the buffer grows only as real data arrives.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Images: magic 0x0803 (n, h, w) or 0x0804 (n, h, w, c) with c 1 or 3.
 * *images_out: (n, c·h·w) CHW floats in [0,1] (v/255), free with g_free(). */
gboolean btl_idx_read_images (const char  *path,
                              int         *n_out,
                              int         *channels_out,
                              int         *height_out,
                              int         *width_out,
                              float      **images_out,
                              GError     **error);

/* Labels: magic 0x0801 (n). *labels_out: (n) bytes, free with g_free(). */
gboolean btl_idx_read_labels (const char  *path,
                              int         *n_out,
                              guint8     **labels_out,
                              GError     **error);

G_END_DECLS

/* btl-compare.h — the honest comparison: the learned codec against JPEG,
 * WebP and PCA at the same size, and rate–distortion curves.
 *
 * Every codec is measured against the same reference: the picture in the
 * model's channels at the geometry the mode codes (fit: resized to the
 * model's input; tiles: full resolution), with 8-bit values. Sizes are whole
 * files (headers included); bpp = bytes·8 / (width·height); ratio = raw
 * 8-bit size (width·height·channels bytes) / bytes. Reconstructions are the
 * decoded 8-bit pictures, exactly what a viewer of the file would show.
 *
 * The PCA baseline has the same number of coefficients as the autoencoder's
 * code, the same bits, the same quantiser, the same container. Like the
 * autoencoder's weights, its basis is shared side information that the
 * decoder already has, so neither is counted in the file sizes.
 *
 * Run from any one thread; the codecs passed in are used, not shared.
 */
#pragma once

#include <gio/gio.h>

#include "btl-codec.h"
#include "btl-dataset.h"
#include "btl-pca.h"

G_BEGIN_DECLS

/* Above this many pixels the original's PNG is written with zlib level 3
 * instead of 9 (seconds instead of tens of seconds for a phone photo). */
#define BTL_COMPARE_PNG_FAST_PIXELS (G_GINT64_CONSTANT (4) * 1000 * 1000)

typedef enum
{
  BTL_COMPARE_ORIGINAL = 0,   /* the reference as a lossless PNG */
  BTL_COMPARE_AUTOENCODER,
  BTL_COMPARE_JPEG,
  BTL_COMPARE_WEBP,
  BTL_COMPARE_PCA,
  BTL_COMPARE_N_ROWS
} BtlCompareRowKind;

typedef struct
{
  BtlCompareRowKind kind;
  const char *name;        /* "original", "autoencoder", "jpeg", "webp", "pca" */
  gboolean    available;   /* FALSE: not computed; note says why */
  char       *note;        /* e.g. "quality 37", "no quality fits in 312 bytes" */
  gsize       bytes;       /* the file, headers included */
  double      bpp;
  double      ratio;
  double      mse;
  double      psnr_db;     /* BTL_PSNR_MAX_DB when lossless */
  double      ssim;
  int         setting;     /* quality (jpeg/webp), bits (codecs), -1 otherwise */
  double      seconds;     /* time to produce the file (search included) */
  GBytes     *data;        /* the encoded file (.png/.btlz/.jpg/.webp) */
  float      *image;       /* (channels, height, width) reconstruction; the
                            * original row's is the comparison's reference;
                            * NULL unless asked for (keep_images) */
} BtlCompareRow;

typedef struct
{
  int           channels;
  int           height;
  int           width;
  BtlCodecMode  mode;
  int           bits;
  float        *reference;             /* (channels, height, width) */
  BtlCompareRow rows[BTL_COMPARE_N_ROWS];
} BtlComparison;

/* The linear baseline: a PCA fitted on training tiles, and per-component
 * quantisation ranges measured on the same sample (as the autoencoder's
 * ranges come from its training set). */
typedef struct
{
  BtlPca *pca;
  float  *range_min;       /* (pca->n_components) */
  float  *range_max;
  int     channels;
  int     tile_h;
  int     tile_w;
  int     n_samples;       /* how many tiles it was fitted on */
} BtlPcaBaseline;

/* Fits max_components components on n samples (n, C·th·tw). */
BtlPcaBaseline *btl_pca_baseline_new (const float  *samples,
                                      int           n,
                                      int           channels,
                                      int           tile_h,
                                      int           tile_w,
                                      int           max_components,
                                      GError      **error);

/* Same, on at most max_samples evenly spaced images of a data set (whose
 * images must have the given shape). */
BtlPcaBaseline *btl_pca_baseline_new_from_dataset (BtlDataset  *dataset,
                                                   int          max_samples,
                                                   int          max_components,
                                                   GError     **error);

void            btl_pca_baseline_free (BtlPcaBaseline *baseline);

/* A codec keeping the first n_components (clamped), ranges set. */
BtlCodec       *btl_pca_baseline_codec (BtlPcaBaseline  *baseline,
                                        int              n_components,
                                        GError         **error);

/* Where a long comparison is, for a progress bar: `done` of `total` steps
 * are finished (a step is a row of the table or a point of the curves); the
 * next one computes `series` ("original", "autoencoder", "jpeg", "webp",
 * "pca"; NULL once done == total) at `setting` (bits, quality, PCA
 * coefficients; -1 for a size-matched row). Called from the thread running
 * the comparison, before each step and once at the end; keep it short. */
typedef void (*BtlCompareProgressFunc) (int         done,
                                        int         total,
                                        const char *series,
                                        int         setting,
                                        gpointer    user_data);

/* Compresses pixbuf with codec (mode, bits), then JPEG and WebP (if
 * available) at the largest quality not above the .btlz's size, and the PCA
 * baseline (if non-NULL) with the same number of coefficients and bits.
 * Fails only when the autoencoder row itself fails, or when cancellable (may
 * be NULL) is cancelled between rows or encodes (G_IO_ERROR_CANCELLED).
 * progress (may be NULL) is called before each row. The original row's
 * image is the reference itself (not a copy). Without keep_images every
 * row's image is dropped once measured (NULL; the table alone, as the CLI
 * prints it: a 12 MP RGB picture then holds one reconstruction at a time,
 * not four). */
BtlComparison  *btl_comparison_new (BtlCodec               *codec,
                                    BtlPcaBaseline         *baseline,
                                    GdkPixbuf              *pixbuf,
                                    BtlCodecMode            mode,
                                    int                     bits,
                                    gboolean                keep_images,
                                    BtlCompareProgressFunc  progress,
                                    gpointer                progress_data,
                                    GCancellable           *cancellable,
                                    GError                **error);

void            btl_comparison_free (BtlComparison *comparison);

/* One point of a rate–distortion curve. */
typedef struct
{
  const char *series;      /* "autoencoder", "jpeg", "webp", "pca" (static) */
  int         setting;     /* bits, quality, or number of PCA coefficients */
  gsize       bytes;
  double      bpp;
  double      psnr_db;
  double      ssim;
} BtlRdPoint;

/* The curves for one picture: the autoencoder over bits 2…16, JPEG and WebP
 * over qualities 5…95, PCA over 1…all coefficients (at `pca_bits`).
 * Returns a GArray of BtlRdPoint, series after series, each in the order of
 * its settings (which is, in practice, bpp ascending). progress (may be
 * NULL) is called before each point and once at the end — from this thread
 * or from a second one (JPEG and WebP run beside the codecs when there are
 * two processors), never two calls at once; cancellable (may be NULL) is
 * checked between points (G_IO_ERROR_CANCELLED). Memory: the reference and
 * two reconstructions (one per thread) reused by every point, and one
 * encoded file per thread at a time. */
GArray         *btl_comparison_rd (BtlCodec               *codec,
                                   BtlPcaBaseline         *baseline,
                                   GdkPixbuf              *pixbuf,
                                   BtlCodecMode            mode,
                                   int                     pca_bits,
                                   BtlCompareProgressFunc  progress,
                                   gpointer                progress_data,
                                   GCancellable           *cancellable,
                                   GError                **error);

/* How many points btl_comparison_rd computes with this baseline (may be
 * NULL): the `total` its progress reports. */
int             btl_comparison_rd_n_points (BtlPcaBaseline *baseline);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtlComparison, btl_comparison_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtlPcaBaseline, btl_pca_baseline_free)

G_END_DECLS

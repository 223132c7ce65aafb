/* btl-compress-job.h — the Compress page's background work, without GTK:
 * load a picture (or a .btlz), build the codecs from a model snapshot, run
 * the comparison table, then the rate–distortion curves.
 *
 * The request owns copies or references of everything it reads (the model's
 * configuration, a parameter snapshot, the latent statistics, the training
 * set), so the page may drop or replace its own while a job runs; the
 * training thread is never waited for.
 */
#pragma once

#include <gio/gio.h>

#include "btl-compare.h"
#include "btl-dataset.h"
#include "btl-model-file.h"
#include "nn.h"

G_BEGIN_DECLS

/* A fitted PCA baseline shared between jobs (it is immutable once fitted). */
typedef struct _BtlBaselineRef BtlBaselineRef;

BtlBaselineRef *btl_baseline_ref_new    (BtlPcaBaseline *baseline /* owned */);
BtlBaselineRef *btl_baseline_ref        (BtlBaselineRef *ref);
void            btl_baseline_unref      (BtlBaselineRef *ref);
BtlPcaBaseline *btl_baseline_ref_get    (BtlBaselineRef *ref);

typedef struct
{
  /* the picture: exactly one of path, bytes, pixbuf */
  char           *path;
  GBytes         *bytes;
  char           *name;           /* for messages; base name */
  GdkPixbuf      *pixbuf;         /* already decoded (new settings, same picture) */
  gint64          original_bytes; /* file size when known, else -1 */

  /* the model: has_model FALSE → only the picture is loaded */
  gboolean        has_model;
  NnConfig        config;
  NnSnapshot     *snapshot;
  BtlModelInfo    info;           /* latent stats, or latent_dim 0 */

  /* PCA baseline and range calibration; both nullable */
  BtlDataset     *train;
  BtlBaselineRef *baseline;

  BtlCodecMode    mode;
  int             bits;
  gboolean        want_rd;
  /* nullable, owned: stops only the curves — the job then returns its
   * table with rd NULL and rd_note saying they were stopped */
  GCancellable   *rd_cancellable;
} BtlCompressRequest;

BtlCompressRequest *btl_compress_request_new  (void);
void                btl_compress_request_free (BtlCompressRequest *request);

typedef struct
{
  GdkPixbuf       *pixbuf;          /* the picture as loaded */
  char            *name;            /* its name (the request's) */
  gint64           original_bytes;  /* its file's size, -1 unknown */
  char            *source_note;     /* e.g. "decompressed from x.btlz", or NULL */
  BtlComparison   *comparison;      /* NULL without a model; its rows' float
                                     * pictures are dropped (see row_pixbufs) */
  GdkPixbuf       *row_pixbufs[BTL_COMPARE_N_ROWS]; /* each available row's
                                     * picture, 8-bit RGB: a quarter of the
                                     * floats' memory, made off the main thread */
  char            *model_note;      /* why there is no table / no PCA row, or NULL */
  BtlCodecRangeSource range_source;
  char            *fingerprint;     /* of the model, 32 hex digits, or NULL */
  BtlBaselineRef  *baseline;        /* the one used (fitted here or passed in) */
  GArray          *rd;              /* BtlRdPoint, or NULL (not asked, failed) */
  char            *rd_note;         /* why the curves are missing, or NULL */
  double           seconds_table;
  double           seconds_rd;
} BtlCompressResult;

void btl_compress_result_free (BtlCompressResult *result);

/* Called on the job's main context once the table is ready, before the
 * curves are computed (the result is complete except rd). */
typedef void (*BtlCompressTableFunc) (BtlCompressResult *partial,
                                      gpointer           user_data);

typedef enum
{
  BTL_COMPRESS_PHASE_LOADING,   /* reading the picture, fitting the baseline */
  BTL_COMPRESS_PHASE_TABLE,     /* steps are the table's rows */
  BTL_COMPRESS_PHASE_CURVES,    /* steps are the curves' points */
} BtlCompressPhase;

typedef struct
{
  BtlCompressPhase phase;
  int              done;      /* steps of this phase finished */
  int              total;
  const char      *series;    /* the step under way (static; see
                               * BtlCompareProgressFunc), or NULL */
  int              setting;
} BtlCompressProgress;

/* Where the job is, called on the job's main context. Updates are
 * coalesced: the worker overwrites the latest and at most one delivery is
 * queued, so a fast job costs the main loop one call per iteration at most;
 * all arrive before table_func and the final callback. */
typedef void (*BtlCompressProgressFunc) (const BtlCompressProgress *progress,
                                         gpointer                   user_data);

/* Runs the request in a thread (takes ownership of it). The GTask's result
 * is a BtlCompressResult (btl_compress_job_finish). A cancelled job returns
 * G_IO_ERROR_CANCELLED and never calls table_func or progress_func again.
 * Errors (bad picture, wrong model for a .btlz) are GErrors with readable
 * messages. progress_func may be NULL. */
void               btl_compress_job_run    (BtlCompressRequest      *request,
                                            GCancellable            *cancellable,
                                            BtlCompressTableFunc     table_func,
                                            gpointer                 table_data,
                                            BtlCompressProgressFunc  progress_func,
                                            gpointer                 progress_data,
                                            GAsyncReadyCallback      callback,
                                            gpointer                 user_data);
BtlCompressResult *btl_compress_job_finish (GAsyncResult  *result,
                                            GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtlCompressRequest, btl_compress_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtlCompressResult, btl_compress_result_free)

G_END_DECLS

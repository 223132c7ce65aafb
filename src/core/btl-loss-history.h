/* btl-loss-history.h — the record of one training run: per-step losses,
 * per-epoch validation results, markers (e.g. "lr → 3e-4") and the best epoch.
 *
 * GLib only, so model files, project files, the CLI and the app's loss plot
 * can all share it. It is not thread-safe: mutate it on one thread (the app
 * does so on the main thread) — "changed" is emitted synchronously from every
 * mutator. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BTL_TYPE_LOSS_HISTORY (btl_loss_history_get_type ())

G_DECLARE_FINAL_TYPE (BtlLossHistory, btl_loss_history, BTL, LOSS_HISTORY, GObject)

/* One optimisation step. recon + reg make up train when the model has a
 * regulariser (KL, sparsity); otherwise reg is 0 and recon == train. */
typedef struct
{
  gint64 step;
  int    epoch;   /* 0-based */
  double train;
  double recon;
  double reg;
} BtlLossStep;

/* One finished epoch. Values that are unknown are NaN (e.g. test_psnr when
 * there is no test set, val when there is no validation split). */
typedef struct
{
  int    epoch;   /* 0-based */
  gint64 step;    /* the step the epoch ended at */
  double train;   /* mean training loss over the epoch */
  double val;
  double val_recon;
  double val_reg;
  double test_psnr; /* dB */
} BtlLossEpoch;

typedef struct
{
  gint64      step;
  const char *label; /* borrowed from the history; valid until it changes */
} BtlLossMarker;

/* Limits of the serialised form; longer labels are truncated when added. */
#define BTL_LOSS_HISTORY_MAX_LABEL    1024
#define BTL_LOSS_HISTORY_MAX_ENTRIES  (1u << 24)

BtlLossHistory *btl_loss_history_new            (void);
/* A deep copy, with no signal handlers: for a thread to read while the
 * original keeps growing on the main thread. */
BtlLossHistory *btl_loss_history_copy           (BtlLossHistory  *self);

void            btl_loss_history_add_step       (BtlLossHistory  *self,
                                                 gint64           step,
                                                 int              epoch,
                                                 double           train,
                                                 double           recon,
                                                 double           reg);
void            btl_loss_history_add_epoch      (BtlLossHistory  *self,
                                                 int              epoch,
                                                 gint64           step,
                                                 double           train,
                                                 double           val,
                                                 double           val_recon,
                                                 double           val_reg,
                                                 double           test_psnr);
void            btl_loss_history_add_marker     (BtlLossHistory  *self,
                                                 gint64           step,
                                                 const char      *label);
/* The test PSNR of the weights at step: kept on the epoch that ended at
 * that step, if one did (a measurement that finished after its epoch was
 * added). */
void            btl_loss_history_set_test_psnr  (BtlLossHistory  *self,
                                                 gint64           step,
                                                 double           test_psnr);
/* -1 means "no best epoch yet". */
void            btl_loss_history_set_best_epoch (BtlLossHistory  *self,
                                                 int              epoch);
void            btl_loss_history_clear          (BtlLossHistory  *self);

guint           btl_loss_history_get_n_steps    (BtlLossHistory  *self);
/* Copies entry i (< n) into *out. */
void            btl_loss_history_get_step       (BtlLossHistory  *self,
                                                 guint            i,
                                                 BtlLossStep     *out);
/* Direct read-only access to all steps (n_steps entries), for plotting. */
const BtlLossStep *btl_loss_history_peek_steps  (BtlLossHistory  *self);
guint           btl_loss_history_get_n_epochs   (BtlLossHistory  *self);
void            btl_loss_history_get_epoch      (BtlLossHistory  *self,
                                                 guint            i,
                                                 BtlLossEpoch    *out);
guint           btl_loss_history_get_n_markers  (BtlLossHistory  *self);
void            btl_loss_history_get_marker     (BtlLossHistory  *self,
                                                 guint            i,
                                                 BtlLossMarker   *out);
int             btl_loss_history_get_best_epoch (BtlLossHistory  *self);
/* TRUE when any step or epoch has a non-zero regulariser term. */
gboolean        btl_loss_history_has_reg        (BtlLossHistory  *self);

/* Serialised form (all little-endian):
 *   "BTLH" magic, u32 version (1), u32 n_steps, u32 n_epochs, u32 n_markers,
 *   i32 best_epoch,
 *   n_steps   × { i64 step, i32 epoch, f64 train, f64 recon, f64 reg }          (36 bytes)
 *   n_epochs  × { i32 epoch, i64 step, f64 train, val, val_recon, val_reg,
 *                 test_psnr }                                                  (52 bytes)
 *   n_markers × { i64 step, u32 length, length bytes of UTF-8 (no NUL) }
 * and nothing after. Readers check every count against the bytes left. */
#define BTL_LOSS_HISTORY_VERSION 1

GBytes         *btl_loss_history_to_bytes       (BtlLossHistory  *self);
BtlLossHistory *btl_loss_history_new_from_bytes (GBytes          *bytes,
                                                 GError         **error);

/* One row per step, epoch and marker, ordered by kind then time:
 *   kind,step,epoch,train,recon,reg,val,val_recon,val_reg,test_psnr,label
 * Epochs are 1-based here (as people count them, and as the CLI prints them);
 * numbers in C locale, unknown values empty. Written atomically. */
gboolean        btl_loss_history_save_csv       (BtlLossHistory  *self,
                                                 const char      *path,
                                                 GError         **error);

/* The same rows without the header, appended to s, each kind prefixed with
 * kind_prefix (nullable): "saved_step", "saved_epoch"… for a reference run
 * exported beside the current one. */
#define BTL_LOSS_HISTORY_CSV_HEADER \
  "kind,step,epoch,train,recon,reg,val,val_recon,val_reg,test_psnr,label\n"
void            btl_loss_history_append_csv     (BtlLossHistory  *self,
                                                 GString         *s,
                                                 const char      *kind_prefix);

G_END_DECLS

/* btl-loss-history.c — see btl-loss-history.h for the serialised layout. */
#include "config.h"

#include "btl-loss-history.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"

#define MAGIC           "BTLH"
#define HEADER_SIZE     24
#define STEP_SIZE       36
#define EPOCH_SIZE      52
#define MARKER_MIN_SIZE 12

struct _BtlLossHistory
{
  GObject  parent_instance;

  /* owned */
  GArray    *steps;    /* BtlLossStep */
  GArray    *epochs;   /* BtlLossEpoch */
  GArray    *markers;  /* BtlLossMarker, label owned (g_free) */

  int        best_epoch;
  gboolean   has_reg;
};

G_DEFINE_FINAL_TYPE (BtlLossHistory, btl_loss_history, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
marker_clear (gpointer data)
{
  BtlLossMarker *m = data;

  g_free ((char *) m->label);
}

static void
btl_loss_history_finalize (GObject *object)
{
  BtlLossHistory *self = BTL_LOSS_HISTORY (object);

  g_clear_pointer (&self->steps, g_array_unref);
  g_clear_pointer (&self->epochs, g_array_unref);
  g_clear_pointer (&self->markers, g_array_unref);

  G_OBJECT_CLASS (btl_loss_history_parent_class)->finalize (object);
}

static void
btl_loss_history_class_init (BtlLossHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = btl_loss_history_finalize;

  /**
   * BtlLossHistory::changed:
   *
   * Emitted after every mutation (add, clear, best epoch).
   */
  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
}

static void
btl_loss_history_init (BtlLossHistory *self)
{
  self->steps = g_array_new (FALSE, FALSE, sizeof (BtlLossStep));
  self->epochs = g_array_new (FALSE, FALSE, sizeof (BtlLossEpoch));
  self->markers = g_array_new (FALSE, FALSE, sizeof (BtlLossMarker));
  g_array_set_clear_func (self->markers, marker_clear);
  self->best_epoch = -1;
}

BtlLossHistory *
btl_loss_history_new (void)
{
  return g_object_new (BTL_TYPE_LOSS_HISTORY, NULL);
}

BtlLossHistory *
btl_loss_history_copy (BtlLossHistory *self)
{
  BtlLossHistory *copy;

  g_return_val_if_fail (BTL_IS_LOSS_HISTORY (self), NULL);

  copy = btl_loss_history_new ();
  g_array_append_vals (copy->steps, self->steps->data, self->steps->len);
  g_array_append_vals (copy->epochs, self->epochs->data, self->epochs->len);
  for (guint i = 0; i < self->markers->len; i++)
    {
      const BtlLossMarker *m = &g_array_index (self->markers, BtlLossMarker, i);
      BtlLossMarker dup = { m->step, g_strdup (m->label) };

      g_array_append_vals (copy->markers, &dup, 1);
    }
  copy->best_epoch = self->best_epoch;
  copy->has_reg = self->has_reg;
  return copy;
}

static void
emit_changed (BtlLossHistory *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Appending without the signal, shared by the public adders and the reader. */
static void
append_step (BtlLossHistory *self,
             const BtlLossStep *s)
{
  g_array_append_vals (self->steps, s, 1);
  if (s->reg != 0.0 && !isnan (s->reg))
    self->has_reg = TRUE;
}

static void
append_epoch (BtlLossHistory *self,
              const BtlLossEpoch *e)
{
  g_array_append_vals (self->epochs, e, 1);
  if (e->val_reg != 0.0 && !isnan (e->val_reg))
    self->has_reg = TRUE;
}

/* Takes ownership of label, which must be valid UTF-8. */
static void
append_marker (BtlLossHistory *self,
               gint64          step,
               char           *label)
{
  BtlLossMarker m = { step, label };

  g_array_append_vals (self->markers, &m, 1);
}

void
btl_loss_history_add_step (BtlLossHistory *self,
                           gint64          step,
                           int             epoch,
                           double          train,
                           double          recon,
                           double          reg)
{
  BtlLossStep s = { step, epoch, train, recon, reg };

  g_return_if_fail (BTL_IS_LOSS_HISTORY (self));
  g_return_if_fail (self->steps->len < BTL_LOSS_HISTORY_MAX_ENTRIES);

  append_step (self, &s);
  emit_changed (self);
}

void
btl_loss_history_add_epoch (BtlLossHistory *self,
                            int             epoch,
                            gint64          step,
                            double          train,
                            double          val,
                            double          val_recon,
                            double          val_reg,
                            double          test_psnr)
{
  BtlLossEpoch e = { epoch, step, train, val, val_recon, val_reg, test_psnr };

  g_return_if_fail (BTL_IS_LOSS_HISTORY (self));
  g_return_if_fail (self->epochs->len < BTL_LOSS_HISTORY_MAX_ENTRIES);

  append_epoch (self, &e);
  emit_changed (self);
}

void
btl_loss_history_add_marker (BtlLossHistory *self,
                             gint64          step,
                             const char     *label)
{
  char *copy;

  g_return_if_fail (BTL_IS_LOSS_HISTORY (self));
  g_return_if_fail (label != NULL);
  g_return_if_fail (self->markers->len < BTL_LOSS_HISTORY_MAX_ENTRIES);

  /* Keep the serialised form within its limits and always valid UTF-8. */
  copy = g_utf8_make_valid (label, -1);
  if (strlen (copy) > BTL_LOSS_HISTORY_MAX_LABEL)
    {
      const char *end = copy + BTL_LOSS_HISTORY_MAX_LABEL;

      /* Back up to a character boundary so the cut stays valid UTF-8. */
      while (end > copy && (*end & 0xC0) == 0x80)
        end--;
      copy[end - copy] = '\0';
    }
  append_marker (self, step, copy);
  emit_changed (self);
}

void
btl_loss_history_set_test_psnr (BtlLossHistory *self,
                                gint64          step,
                                double          test_psnr)
{
  g_return_if_fail (BTL_IS_LOSS_HISTORY (self));

  /* Epochs end at increasing steps: the one asked for is near the end. */
  for (guint i = self->epochs->len; i-- > 0;)
    {
      BtlLossEpoch *e = &g_array_index (self->epochs, BtlLossEpoch, i);

      if (e->step < step)
        return;
      if (e->step == step)
        {
          if (e->test_psnr == test_psnr)
            return;
          e->test_psnr = test_psnr;
          emit_changed (self);
          return;
        }
    }
}

void
btl_loss_history_set_best_epoch (BtlLossHistory *self,
                                 int             epoch)
{
  g_return_if_fail (BTL_IS_LOSS_HISTORY (self));

  if (epoch < -1)
    epoch = -1;
  if (self->best_epoch == epoch)
    return;
  self->best_epoch = epoch;
  emit_changed (self);
}

void
btl_loss_history_clear (BtlLossHistory *self)
{
  g_return_if_fail (BTL_IS_LOSS_HISTORY (self));

  g_array_set_size (self->steps, 0);
  g_array_set_size (self->epochs, 0);
  g_array_set_size (self->markers, 0);
  self->best_epoch = -1;
  self->has_reg = FALSE;
  emit_changed (self);
}

guint
btl_loss_history_get_n_steps (BtlLossHistory *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_HISTORY (self), 0);

  return self->steps->len;
}

void
btl_loss_history_get_step (BtlLossHistory *self,
                           guint           i,
                           BtlLossStep    *out)
{
  g_return_if_fail (BTL_IS_LOSS_HISTORY (self));
  g_return_if_fail (out != NULL);
  g_return_if_fail (i < self->steps->len);

  *out = g_array_index (self->steps, BtlLossStep, i);
}

const BtlLossStep *
btl_loss_history_peek_steps (BtlLossHistory *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_HISTORY (self), NULL);

  return (const BtlLossStep *) (gpointer) self->steps->data;
}

guint
btl_loss_history_get_n_epochs (BtlLossHistory *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_HISTORY (self), 0);

  return self->epochs->len;
}

void
btl_loss_history_get_epoch (BtlLossHistory *self,
                            guint           i,
                            BtlLossEpoch   *out)
{
  g_return_if_fail (BTL_IS_LOSS_HISTORY (self));
  g_return_if_fail (out != NULL);
  g_return_if_fail (i < self->epochs->len);

  *out = g_array_index (self->epochs, BtlLossEpoch, i);
}

guint
btl_loss_history_get_n_markers (BtlLossHistory *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_HISTORY (self), 0);

  return self->markers->len;
}

void
btl_loss_history_get_marker (BtlLossHistory *self,
                             guint           i,
                             BtlLossMarker  *out)
{
  g_return_if_fail (BTL_IS_LOSS_HISTORY (self));
  g_return_if_fail (out != NULL);
  g_return_if_fail (i < self->markers->len);

  *out = g_array_index (self->markers, BtlLossMarker, i);
}

int
btl_loss_history_get_best_epoch (BtlLossHistory *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_HISTORY (self), -1);

  return self->best_epoch;
}

gboolean
btl_loss_history_has_reg (BtlLossHistory *self)
{
  g_return_val_if_fail (BTL_IS_LOSS_HISTORY (self), FALSE);

  return self->has_reg;
}

/* ---- serialisation ---------------------------------------------------- */

static void
put_u32 (GByteArray *b,
         guint32     v)
{
  guint32 le = GUINT32_TO_LE (v);

  g_byte_array_append (b, (const guint8 *) &le, 4);
}

static void
put_i64 (GByteArray *b,
         gint64      v)
{
  guint64 le = GUINT64_TO_LE ((guint64) v);

  g_byte_array_append (b, (const guint8 *) &le, 8);
}

static void
put_f64 (GByteArray *b,
         double      v)
{
  guint64 bits;

  memcpy (&bits, &v, 8);
  bits = GUINT64_TO_LE (bits);
  g_byte_array_append (b, (const guint8 *) &bits, 8);
}

GBytes *
btl_loss_history_to_bytes (BtlLossHistory *self)
{
  GByteArray *b;

  g_return_val_if_fail (BTL_IS_LOSS_HISTORY (self), NULL);

  b = g_byte_array_sized_new (HEADER_SIZE
                              + self->steps->len * STEP_SIZE
                              + self->epochs->len * EPOCH_SIZE);
  g_byte_array_append (b, (const guint8 *) MAGIC, 4);
  put_u32 (b, BTL_LOSS_HISTORY_VERSION);
  put_u32 (b, self->steps->len);
  put_u32 (b, self->epochs->len);
  put_u32 (b, self->markers->len);
  put_u32 (b, (guint32) self->best_epoch);

  for (guint i = 0; i < self->steps->len; i++)
    {
      const BtlLossStep *s = &g_array_index (self->steps, BtlLossStep, i);

      put_i64 (b, s->step);
      put_u32 (b, (guint32) s->epoch);
      put_f64 (b, s->train);
      put_f64 (b, s->recon);
      put_f64 (b, s->reg);
    }
  for (guint i = 0; i < self->epochs->len; i++)
    {
      const BtlLossEpoch *e = &g_array_index (self->epochs, BtlLossEpoch, i);

      put_u32 (b, (guint32) e->epoch);
      put_i64 (b, e->step);
      put_f64 (b, e->train);
      put_f64 (b, e->val);
      put_f64 (b, e->val_recon);
      put_f64 (b, e->val_reg);
      put_f64 (b, e->test_psnr);
    }
  for (guint i = 0; i < self->markers->len; i++)
    {
      const BtlLossMarker *m = &g_array_index (self->markers, BtlLossMarker, i);
      gsize len = strlen (m->label);

      put_i64 (b, m->step);
      put_u32 (b, (guint32) len);
      g_byte_array_append (b, (const guint8 *) m->label, len);
    }

  return g_byte_array_free_to_bytes (b);
}

/* A bounds-checked little-endian reader: every get_* fails once the data
 * runs out, so a truncated buffer can never be read past its end. */
typedef struct
{
  const guint8 *p;
  gsize         left;
} Reader;

static gboolean
get_bytes (Reader  *r,
           void    *out,
           gsize    n)
{
  if (r->left < n)
    return FALSE;
  memcpy (out, r->p, n);
  r->p += n;
  r->left -= n;
  return TRUE;
}

static gboolean
get_u32 (Reader  *r,
         guint32 *out)
{
  guint32 le;

  if (!get_bytes (r, &le, 4))
    return FALSE;
  *out = GUINT32_FROM_LE (le);
  return TRUE;
}

static gboolean
get_i32 (Reader *r,
         int    *out)
{
  guint32 v;

  if (!get_u32 (r, &v))
    return FALSE;
  *out = (int) (gint32) v;
  return TRUE;
}

static gboolean
get_i64 (Reader *r,
         gint64 *out)
{
  guint64 le;

  if (!get_bytes (r, &le, 8))
    return FALSE;
  *out = (gint64) GUINT64_FROM_LE (le);
  return TRUE;
}

static gboolean
get_f64 (Reader *r,
         double *out)
{
  guint64 bits;

  if (!get_bytes (r, &bits, 8))
    return FALSE;
  bits = GUINT64_FROM_LE (bits);
  memcpy (out, &bits, 8);
  return TRUE;
}

static gboolean
corrupt (GError    **error,
         const char *what)
{
  g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
               _("Loss history is damaged: %s"), what);
  return FALSE;
}

static gboolean
read_body (BtlLossHistory  *self,
           Reader          *r,
           GError         **error)
{
  char magic[4];
  guint32 version, n_steps, n_epochs, n_markers;
  int best;

  if (!get_bytes (r, magic, 4))
    return corrupt (error, _("shorter than its header"));
  if (memcmp (magic, MAGIC, 4) != 0)
    return corrupt (error, _("not a loss history (bad magic)"));
  if (!get_u32 (r, &version))
    return corrupt (error, _("shorter than its header"));
  if (version == 0 || version > BTL_LOSS_HISTORY_VERSION)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_VERSION,
                   _("Loss history version %u is not supported (this build reads up to %u)"),
                   version, BTL_LOSS_HISTORY_VERSION);
      return FALSE;
    }
  if (!get_u32 (r, &n_steps) || !get_u32 (r, &n_epochs)
      || !get_u32 (r, &n_markers) || !get_i32 (r, &best))
    return corrupt (error, _("shorter than its header"));

  /* Check counts against what is left before allocating anything. */
  if (n_steps > BTL_LOSS_HISTORY_MAX_ENTRIES || n_epochs > BTL_LOSS_HISTORY_MAX_ENTRIES
      || n_markers > BTL_LOSS_HISTORY_MAX_ENTRIES)
    return corrupt (error, _("entry count out of range"));
  if ((guint64) n_steps * STEP_SIZE + (guint64) n_epochs * EPOCH_SIZE
      + (guint64) n_markers * MARKER_MIN_SIZE > r->left)
    return corrupt (error, _("entry counts exceed the data size (truncated?)"));
  /* Epochs are shown 1-based (epoch + 1): keep that inside an int. */
  if (best < -1 || best == G_MAXINT)
    return corrupt (error, _("invalid best epoch"));

  /* Reserve once: the counts were checked against the data size above. */
  g_array_set_size (self->steps, n_steps);
  g_array_set_size (self->steps, 0);
  for (guint32 i = 0; i < n_steps; i++)
    {
      BtlLossStep s;

      if (!get_i64 (r, &s.step) || !get_i32 (r, &s.epoch) || !get_f64 (r, &s.train)
          || !get_f64 (r, &s.recon) || !get_f64 (r, &s.reg))
        return corrupt (error, _("truncated in the steps"));
      if (s.epoch < 0 || s.epoch == G_MAXINT)
        return corrupt (error, _("invalid epoch number"));
      append_step (self, &s);
    }
  for (guint32 i = 0; i < n_epochs; i++)
    {
      BtlLossEpoch e;

      if (!get_i32 (r, &e.epoch) || !get_i64 (r, &e.step) || !get_f64 (r, &e.train)
          || !get_f64 (r, &e.val) || !get_f64 (r, &e.val_recon) || !get_f64 (r, &e.val_reg)
          || !get_f64 (r, &e.test_psnr))
        return corrupt (error, _("truncated in the epochs"));
      if (e.epoch < 0 || e.epoch == G_MAXINT)
        return corrupt (error, _("invalid epoch number"));
      append_epoch (self, &e);
    }
  for (guint32 i = 0; i < n_markers; i++)
    {
      gint64 step;
      guint32 len;
      char *label;

      if (!get_i64 (r, &step) || !get_u32 (r, &len))
        return corrupt (error, _("truncated in the markers"));
      if (len > BTL_LOSS_HISTORY_MAX_LABEL || len > r->left)
        return corrupt (error, _("marker label too long or truncated"));
      label = g_malloc (len + 1);
      get_bytes (r, label, len);
      label[len] = '\0';
      if (memchr (label, '\0', len) != NULL || !g_utf8_validate (label, len, NULL))
        {
          g_free (label);
          return corrupt (error, _("marker label is not valid UTF-8 text"));
        }
      append_marker (self, step, label);
    }
  if (r->left != 0)
    return corrupt (error, _("unexpected bytes after the end"));

  self->best_epoch = best;
  return TRUE;
}

BtlLossHistory *
btl_loss_history_new_from_bytes (GBytes  *bytes,
                                 GError **error)
{
  g_autoptr(BtlLossHistory) self = NULL;
  Reader r;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  r.p = g_bytes_get_data (bytes, &r.left);
  self = btl_loss_history_new ();
  if (!read_body (self, &r, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* ---- CSV -------------------------------------------------------------- */

static void
csv_num (GString *s,
         double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (s, ',');
  if (isfinite (v))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

static void
csv_text (GString    *s,
          const char *text)
{
  g_string_append (s, ",\"");
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

void
btl_loss_history_append_csv (BtlLossHistory *self,
                             GString        *s,
                             const char     *kind_prefix)
{
  const char *pre = kind_prefix != NULL ? kind_prefix : "";

  g_return_if_fail (BTL_IS_LOSS_HISTORY (self));
  g_return_if_fail (s != NULL);

  for (guint i = 0; i < self->steps->len; i++)
    {
      const BtlLossStep *st = &g_array_index (self->steps, BtlLossStep, i);

      g_string_append_printf (s, "%sstep,%" G_GINT64_FORMAT ",%d", pre, st->step, st->epoch + 1);
      csv_num (s, st->train);
      csv_num (s, st->recon);
      csv_num (s, st->reg);
      g_string_append (s, ",,,,,\n");
    }
  for (guint i = 0; i < self->epochs->len; i++)
    {
      const BtlLossEpoch *e = &g_array_index (self->epochs, BtlLossEpoch, i);

      g_string_append_printf (s, "%s%s,%" G_GINT64_FORMAT ",%d", pre,
                              e->epoch == self->best_epoch ? "best_epoch" : "epoch",
                              e->step, e->epoch + 1);
      csv_num (s, e->train);
      g_string_append (s, ",,");
      csv_num (s, e->val);
      csv_num (s, e->val_recon);
      csv_num (s, e->val_reg);
      csv_num (s, e->test_psnr);
      g_string_append (s, ",\n");
    }
  for (guint i = 0; i < self->markers->len; i++)
    {
      const BtlLossMarker *m = &g_array_index (self->markers, BtlLossMarker, i);

      g_string_append_printf (s, "%smarker,%" G_GINT64_FORMAT ",,,,,,,,", pre, m->step);
      csv_text (s, m->label);
      g_string_append_c (s, '\n');
    }
}

gboolean
btl_loss_history_save_csv (BtlLossHistory  *self,
                           const char      *path,
                           GError         **error)
{
  g_autoptr(GString) s = NULL;

  g_return_val_if_fail (BTL_IS_LOSS_HISTORY (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  s = g_string_new (BTL_LOSS_HISTORY_CSV_HEADER);
  btl_loss_history_append_csv (self, s, NULL);

  if (!g_file_set_contents (path, s->str, s->len, error))
    return FALSE;
  return TRUE;
}

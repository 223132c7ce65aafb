/* btl-project.c — the .btlproj project file. See btl-project.h.
 *
 * Format, version 1 (all integers little-endian), the frame of
 * btl-chunk-file.h shared with .btl model files:
 *
 *   offset  size  field
 *   0       8     magic "BTLPROJF"
 *   8       4     u32 format version (1). A reader refuses versions above its own.
 *   12      8     u64 total file size in bytes (truncation is told apart
 *                 from damage before anything else is read)
 *   20      …     chunks, each: 4-byte ASCII tag, u64 payload length, payload
 *   size−4  4     u32 CRC-32 (zlib crc32) of every byte before it
 *
 * Chunks (any order, each at most once, unknown tags skipped so that later
 * versions can add chunks without breaking this reader):
 *
 *   MODL  required  a complete .btl model file (its own magic, version and
 *                   CRC): configuration with seed and threads, parameters,
 *                   batch-norm stats, INFO summary, latent statistics
 *   HIST  required  the loss history as btl_loss_history_to_bytes() writes it
 *                   ("BTLH" v1: steps, epochs with validation and test PSNR,
 *                   markers such as "lr → 0.0003", best epoch)
 *   RCFG  optional  nn_config_format() text of the configuration the run
 *                   started from (live changes during the run are markers)
 *   RUN   optional  "key=value\n" text, values g_strescape()d: dataset,
 *                   dataset_name, train_limit, threads, blas_core,
 *                   blas_config, app_version, created
 *   VIEW  optional  "key=value\n" text: smoothing, log_scale, x_by_epoch,
 *                   show_difference, status
 *   TRST  optional  the trainer's state as nn_trainer_export_state() writes
 *                   it ("NNTS" v1: optimizer moments and step count, data
 *                   order, random streams, counters, schedule position);
 *                   checked on its own and against MODL's parameter count
 *                   and optimizer. Files without it load (Continue then
 *                   starts a fresh optimizer).
 *   END   required  empty, last ("END " with a space)
 *
 * Unknown keys in RUN and VIEW are ignored; a known key with a bad value is
 * damage. Reading order: magic → version → declared size against the real
 * size → CRC → chunk walk (every length checked before use) → decode.
 */
#include "config.h"

#include "btl-project.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btl-blas.h"
#include "btl-chunk-file.h"
#include "btl-error.h"
#include "btl-mapped-file.h"
#include "nn-blas.h"

#define MAGIC        "BTLPROJF"
#define MAGIC_LEN    8
#define CHUNK_HEAD   BTL_CHUNK_HEAD_LEN
#define CRC_LEN      4

BtlProject *
btl_project_new (void)
{
  BtlProject *self = g_new0 (BtlProject, 1);

  nn_config_init_default (&self->config);
  nn_config_init_default (&self->run_config);
  btl_model_info_init (&self->info);
  self->history = btl_loss_history_new ();
  self->smoothing = 0.9;
  return self;
}

void
btl_project_free (BtlProject *self)
{
  if (self == NULL)
    return;

  g_free (self->params);
  g_free (self->stats);
  btl_model_info_clear (&self->info);
  g_clear_object (&self->history);
  g_free (self->dataset_spec);
  g_free (self->dataset_name);
  g_free (self->blas_core);
  g_free (self->blas_config);
  g_free (self->app_version);
  g_free (self->status);
  g_clear_pointer (&self->trainer_state, g_bytes_unref);
  g_free (self);
}

void
btl_project_set_model (BtlProject     *self,
                       const NnConfig *config,
                       const float    *params,
                       size_t          n_params,
                       const float    *stats,
                       size_t          n_stats)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (config != NULL);
  g_return_if_fail (params != NULL || n_params == 0);
  g_return_if_fail (stats != NULL || n_stats == 0);

  self->config = *config;
  g_free (self->params);
  g_free (self->stats);
  self->params = n_params > 0 ? g_memdup2 (params, n_params * sizeof (float)) : NULL;
  self->n_params = n_params;
  self->stats = n_stats > 0 ? g_memdup2 (stats, n_stats * sizeof (float)) : NULL;
  self->n_stats = n_stats;
}

NnModel *
btl_project_dup_model (BtlProject  *self,
                       GError     **error)
{
  NnError nerr = { 0 };
  NnModel *model;

  g_return_val_if_fail (self != NULL, NULL);

  model = nn_model_new (&self->config, &nerr);
  if (model == NULL)
    {
      btl_error_from_nn (nerr.code != NN_OK ? nerr.code : NN_ERR_INVALID, &nerr, error);
      return NULL;
    }
  if (nn_model_n_params (model) != self->n_params || nn_model_n_stats (model) != self->n_stats)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_MISMATCH,
                   _("%zu parameters and %zu stats for an architecture of %zu and %zu"),
                   self->n_params, self->n_stats, nn_model_n_params (model),
                   nn_model_n_stats (model));
      nn_model_free (model);
      return NULL;
    }
  if (self->n_params > 0)
    memcpy (nn_model_params (model), self->params, self->n_params * sizeof (float));
  if (self->n_stats > 0)
    memcpy (nn_model_stats (model), self->stats, self->n_stats * sizeof (float));
  return model;
}

GBytes *
btl_project_dup_trainer_state (NnTrainer *trainer)
{
  NnTrainerStateInfo info;
  size_t size;
  guint8 *buf;

  g_return_val_if_fail (trainer != NULL, NULL);

  size = nn_trainer_export_state (trainer, NULL, 0);
  buf = g_malloc (size);
  nn_trainer_export_state (trainer, buf, size);
  if (nn_trainer_state_inspect (buf, size, &info, NULL) != NN_OK || info.step == 0)
    {
      g_free (buf);
      return NULL;
    }
  return g_bytes_new_take (buf, size);
}

void
btl_project_set_blas_from_runtime (BtlProject *self)
{
  g_return_if_fail (self != NULL);

  g_free (self->blas_core);
  g_free (self->blas_config);
  /* Not OpenBLAS (-Dblas=generic): no core, the library for the config. */
  self->blas_core = g_strdup (nn_blas_openblas_corename ());
  self->blas_config = btl_blas_config ();
  if (self->blas_core != NULL)
    g_strchomp (self->blas_core);
  g_strchomp (self->blas_config);
}

/* ------------------------------------------------------------- writing */

static void
put_key (GString    *s,
         const char *key,
         const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL)
    return;
  escaped = g_strescape (value, NULL);
  g_string_append_printf (s, "%s=%s\n", key, escaped);
}

static void
put_key_int (GString    *s,
             const char *key,
             gint64      value)
{
  g_string_append_printf (s, "%s=%" G_GINT64_FORMAT "\n", key, value);
}

static char *
run_text (BtlProject *self)
{
  GString *s = g_string_new (NULL);

  put_key (s, "dataset", self->dataset_spec);
  put_key (s, "dataset_name", self->dataset_name);
  put_key_int (s, "train_limit", self->train_limit);
  put_key_int (s, "threads", self->threads);
  put_key (s, "blas_core", self->blas_core);
  put_key (s, "blas_config", self->blas_config);
  put_key (s, "app_version", PACKAGE_VERSION);
  put_key_int (s, "created", self->created);
  return g_string_free (s, FALSE);
}

static char *
view_text (BtlProject *self)
{
  GString *s = g_string_new (NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  put_key (s, "smoothing", g_ascii_dtostr (buf, sizeof buf, self->smoothing));
  put_key_int (s, "log_scale", !!self->log_scale);
  put_key_int (s, "x_by_epoch", !!self->x_by_epoch);
  put_key_int (s, "show_difference", !!self->show_difference);
  put_key (s, "status", self->status);
  return g_string_free (s, FALSE);
}

static char *
config_text (const NnConfig *cfg)
{
  size_t len = nn_config_format (cfg, NULL, 0);
  char *text = g_malloc (len + 1);

  nn_config_format (cfg, text, len + 1);
  return text;
}

GBytes *
btl_project_to_bytes (BtlProject  *self,
                      const char  *display,
                      GError     **error)
{
  g_autoptr(GByteArray) out = NULL;
  g_autoptr(GBytes) model = NULL;
  g_autoptr(GBytes) hist = NULL;
  g_autofree char *rcfg = NULL;
  g_autofree char *run = NULL;
  g_autofree char *view = NULL;
  guint64 total;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (display != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  model = btl_model_file_save_to_bytes (display, &self->config, self->params, self->n_params,
                                        self->stats, self->n_stats, NULL, &self->info, error);
  if (model == NULL)
    return NULL;
  hist = btl_loss_history_to_bytes (self->history);
  if (self->has_run_config)
    rcfg = config_text (&self->run_config);
  run = run_text (self);
  view = view_text (self);

  total = BTL_CHUNK_FILE_HEADER_LEN
          + CHUNK_HEAD + g_bytes_get_size (model)
          + CHUNK_HEAD + g_bytes_get_size (hist)
          + (rcfg != NULL ? CHUNK_HEAD + strlen (rcfg) : 0)
          + CHUNK_HEAD + strlen (run)
          + CHUNK_HEAD + strlen (view)
          + (self->trainer_state != NULL ? CHUNK_HEAD + g_bytes_get_size (self->trainer_state) : 0)
          + CHUNK_HEAD
          + CRC_LEN;
  if (total > G_MAXUINT)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("%s: a %llu-byte project file is too large"),
                   display, (unsigned long long) total);
      return NULL;
    }

  out = btl_chunk_writer_begin (MAGIC, BTL_PROJECT_VERSION, total);
  btl_chunk_writer_put (out, "MODL", g_bytes_get_data (model, NULL), g_bytes_get_size (model));
  btl_chunk_writer_put (out, "HIST", g_bytes_get_data (hist, NULL), g_bytes_get_size (hist));
  if (rcfg != NULL)
    btl_chunk_writer_put (out, "RCFG", rcfg, strlen (rcfg));
  btl_chunk_writer_put (out, "RUN ", run, strlen (run));
  btl_chunk_writer_put (out, "VIEW", view, strlen (view));
  if (self->trainer_state != NULL)
    btl_chunk_writer_put (out, "TRST", g_bytes_get_data (self->trainer_state, NULL),
                          g_bytes_get_size (self->trainer_state));
  g_assert (out->len + CHUNK_HEAD + CRC_LEN == total);

  return btl_chunk_writer_finish (g_steal_pointer (&out));
}

gboolean
btl_project_save (BtlProject  *self,
                  const char  *path,
                  GError     **error)
{
  g_autofree char *display = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display = g_filename_display_name (path);
  bytes = btl_project_to_bytes (self, display, error);
  if (bytes == NULL)
    return FALSE;
  return g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* ------------------------------------------------------------- reading */

enum { MODL, HIST, RCFG, RUN, VIEW, TRST, N_CHUNKS };

typedef struct
{
  const char *display;
  BtlChunk    chunks[N_CHUNKS];
} Reader;

#define fail(r, error, code, ...) btl_chunk_file_fail (error, code, (r)->display, __VA_ARGS__)

/* FALSE when v ends in an unpaired backslash, which g_strescape() never
 * writes and g_strcompress() answers with a warning. */
static gboolean
escapes_complete (const char *v)
{
  gsize n = strlen (v), trailing = 0;

  while (trailing < n && v[n - 1 - trailing] == '\\')
    trailing++;
  return trailing % 2 == 0;
}

/* "key=value" lines of a text chunk, values unescaped; NULL (with error
 * set) when the text is not what this writer makes. */
static GHashTable *
parse_keys (Reader      *r,
            const BtlChunk *chunk,
            const char  *tag,
            GError     **error)
{
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (chunk->data == NULL)
    return g_steal_pointer (&keys);
  if (memchr (chunk->data, '\0', chunk->len) != NULL)
    {
      fail (r, error, BTL_ERROR_CORRUPT, _("chunk %s contains a NUL byte"), tag);
      return NULL;
    }
  text = g_strndup ((const char *) chunk->data, chunk->len);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq;

      if (lines[i][0] == '\0')
        continue;
      eq = strchr (lines[i], '=');
      if (eq == NULL || eq == lines[i])
        {
          fail (r, error, BTL_ERROR_CORRUPT, _("chunk %s: line %u is not key=value"), tag, i + 1);
          return NULL;
        }
      *eq = '\0';
      if (!escapes_complete (eq + 1))
        {
          fail (r, error, BTL_ERROR_CORRUPT, _("chunk %s: line %u ends in a lone backslash"),
                tag, i + 1);
          return NULL;
        }
      g_hash_table_replace (keys, g_strdup (lines[i]), g_strcompress (eq + 1));
    }
  return g_steal_pointer (&keys);
}

static gboolean
key_int (Reader      *r,
         GHashTable  *keys,
         const char  *tag,
         const char  *key,
         gint64       min,
         gint64       max,
         gint64      *out,
         GError     **error)
{
  const char *v = g_hash_table_lookup (keys, key);
  char *end = NULL;
  gint64 n;

  if (v == NULL)
    return TRUE;
  n = g_ascii_strtoll (v, &end, 10);
  if (v[0] == '\0' || *end != '\0' || n < min || n > max)
    return fail (r, error, BTL_ERROR_CORRUPT, _("chunk %s: bad %s “%s”"), tag, key, v);
  *out = n;
  return TRUE;
}

static char *
key_str (GHashTable *keys,
         const char *key)
{
  const char *v = g_hash_table_lookup (keys, key);

  return v != NULL ? g_strdup (v) : NULL;
}

/* A value shown as text (labels, the status line) must be UTF-8 for GTK;
 * a data set named after a folder may not be, so repair rather than refuse.
 * Only the data set's path (dataset) is kept as any bytes. */
static char *
key_text (GHashTable *keys,
          const char *key)
{
  const char *v = g_hash_table_lookup (keys, key);

  return v != NULL ? g_utf8_make_valid (v, -1) : NULL;
}

static gboolean
decode_run_view (Reader      *r,
                 BtlProject  *p,
                 GError     **error)
{
  g_autoptr(GHashTable) run = parse_keys (r, &r->chunks[RUN], "RUN", error);
  g_autoptr(GHashTable) view = NULL;
  gint64 limit = 0, threads = 0, created = 0, flag;
  const char *smoothing;

  if (run == NULL)
    return FALSE;
  view = parse_keys (r, &r->chunks[VIEW], "VIEW", error);
  if (view == NULL)
    return FALSE;

  if (!key_int (r, run, "RUN", "train_limit", 0, G_MAXINT, &limit, error)
      || !key_int (r, run, "RUN", "threads", 0, 1 << 16, &threads, error)
      || !key_int (r, run, "RUN", "created", G_MININT64, G_MAXINT64, &created, error))
    return FALSE;
  p->train_limit = (int) limit;
  p->threads = (int) threads;
  p->created = created;
  p->dataset_spec = key_str (run, "dataset");
  p->dataset_name = key_text (run, "dataset_name");
  p->blas_core = key_text (run, "blas_core");
  p->blas_config = key_text (run, "blas_config");
  p->app_version = key_text (run, "app_version");

  smoothing = g_hash_table_lookup (view, "smoothing");
  if (smoothing != NULL)
    {
      char *end = NULL;
      double s = g_ascii_strtod (smoothing, &end);

      if (smoothing[0] == '\0' || *end != '\0' || !(s >= 0 && s <= 0.999))
        return fail (r, error, BTL_ERROR_CORRUPT, _("chunk VIEW: bad smoothing “%s”"), smoothing);
      p->smoothing = s;
    }
#define FLAG(key, field) G_STMT_START {                                   \
    flag = p->field;                                                      \
    if (!key_int (r, view, "VIEW", key, 0, 1, &flag, error))              \
      return FALSE;                                                       \
    p->field = (gboolean) flag;                                           \
  } G_STMT_END
  FLAG ("log_scale", log_scale);
  FLAG ("x_by_epoch", x_by_epoch);
  FLAG ("show_difference", show_difference);
#undef FLAG
  p->status = key_text (view, "status");
  return TRUE;
}

/* The state must fit the model it continues: a hostile file could pair
 * moments of one size with weights of another. */
static gboolean
decode_trainer_state (Reader      *r,
                      BtlProject  *p,
                      GError     **error)
{
  const BtlChunk *c = &r->chunks[TRST];
  NnTrainerStateInfo info;
  NnError nerr = { 0 };

  if (c->len > G_MAXSIZE
      || nn_trainer_state_inspect (c->data, (size_t) c->len, &info, &nerr) != NN_OK)
    return fail (r, error, BTL_ERROR_CORRUPT, _("bad trainer state: %s"), nerr.message);
  if (info.n_params != p->n_params || info.n_stats != p->n_stats)
    return fail (r, error, BTL_ERROR_CORRUPT,
                 _("the trainer state has moments for %llu parameters, the model has %zu"),
                 (unsigned long long) info.n_params, p->n_params);
  if (info.optimizer != p->config.optimizer || info.batch > p->config.batch)
    return fail (r, error, BTL_ERROR_CORRUPT,
                 _("the trainer state does not match the model’s optimizer or batch size"));
  p->trainer_state = g_bytes_new (c->data, (gsize) c->len);
  return TRUE;
}

static BtlProject *
decode (Reader  *r,
        GError **error)
{
  g_autoptr(BtlProject) p = NULL;
  g_autoptr(GBytes) modl = NULL;
  g_autoptr(GBytes) hist = NULL;
  g_autofree char *model_display = NULL;
  GError *local_error = NULL;
  NnModel *model;

  if (r->chunks[MODL].data == NULL)
    {
      fail (r, error, BTL_ERROR_CORRUPT, _("no MODL chunk (the model)"));
      return NULL;
    }
  if (r->chunks[HIST].data == NULL)
    {
      fail (r, error, BTL_ERROR_CORRUPT, _("no HIST chunk (the loss history)"));
      return NULL;
    }

  p = btl_project_new ();

  /* The embedded model file checks itself (magic, version, CRC, counts). */
  modl = g_bytes_new_static (r->chunks[MODL].data, r->chunks[MODL].len);
  model_display = g_strdup_printf (_("%s (embedded model)"), r->display);
  btl_model_info_clear (&p->info);
  model = btl_model_file_load_from_bytes (modl, model_display, NULL, &p->info, error);
  if (model == NULL)
    return NULL;
  btl_project_set_model (p, nn_model_get_config (model),
                         nn_model_params (model), nn_model_n_params (model),
                         nn_model_stats (model), nn_model_n_stats (model));
  nn_model_free (model);

  hist = g_bytes_new_static (r->chunks[HIST].data, r->chunks[HIST].len);
  g_clear_object (&p->history);
  p->history = btl_loss_history_new_from_bytes (hist, &local_error);
  if (p->history == NULL)
    {
      fail (r, error, BTL_ERROR_CORRUPT, _("bad loss history: %s"), local_error->message);
      g_error_free (local_error);
      return NULL;
    }

  if (r->chunks[RCFG].data != NULL)
    {
      g_autofree char *text = NULL;
      NnError nerr = { 0 };

      if (memchr (r->chunks[RCFG].data, '\0', r->chunks[RCFG].len) != NULL)
        {
          fail (r, error, BTL_ERROR_CORRUPT, _("chunk RCFG contains a NUL byte"));
          return NULL;
        }
      text = g_strndup ((const char *) r->chunks[RCFG].data, r->chunks[RCFG].len);
      nn_config_init_default (&p->run_config);
      if (nn_config_parse (&p->run_config, text, &nerr) != NN_OK)
        {
          fail (r, error, BTL_ERROR_INVALID, _("bad start configuration: %s"), nerr.message);
          return NULL;
        }
      p->has_run_config = TRUE;
    }

  if (!decode_run_view (r, p, error))
    return NULL;

  if (r->chunks[TRST].data != NULL && !decode_trainer_state (r, p, error))
    return NULL;

  return g_steal_pointer (&p);
}

static BtlProject *
load_data (const guint8  *data,
           guint64        size,
           const char    *display,
           GError       **error)
{
  Reader r = {
    display,
    { [MODL] = { "MODL" }, [HIST] = { "HIST" }, [RCFG] = { "RCFG" },
      [RUN] = { "RUN " }, [VIEW] = { "VIEW" }, [TRST] = { "TRST" } },
  };

  if (!btl_chunk_file_read (data, size, MAGIC, BTL_PROJECT_VERSION,
                            _("not a Bottleneck project file"),
                            display, r.chunks, N_CHUNKS, error))
    return NULL;

  return decode (&r, error);
}

BtlProject *
btl_project_new_from_bytes (GBytes      *bytes,
                            const char  *display,
                            GError     **error)
{
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (display != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &size);
  return load_data (data, size, display, error);
}

BtlProject *
btl_project_load (const char  *path,
                  GError     **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autofree char *display = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Mapped, not read: a hostile multi-gigabyte file costs no memory.
   * Only a regular file: a FIFO would block the open. */
  mapped = btl_mapped_file_new (path, error);
  if (mapped == NULL)
    return NULL;

  display = g_filename_display_name (path);
  return load_data ((const guint8 *) g_mapped_file_get_contents (mapped),
                    g_mapped_file_get_length (mapped), display, error);
}

gboolean
btl_project_file_sniff (const char *path)
{
  char head[MAGIC_LEN];
  GStatBuf st;
  gboolean is_project;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);

  /* O_NONBLOCK and regular files only: sniffing a FIFO must not wait for
   * a writer (the CLI's info hung there). */
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  is_project = fstat (fd, &st) == 0 && S_ISREG (st.st_mode)
               && read (fd, head, sizeof head) == (gssize) sizeof head
               && memcmp (head, MAGIC, MAGIC_LEN) == 0;
  close (fd);
  return is_project;
}

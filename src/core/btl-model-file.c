/* btl-model-file.c — the .btl model file. See btl-model-file.h.
 *
 * Format, version 1 (all integers little-endian; the frame is
 * btl-chunk-file.c, shared with .btlproj project files):
 *
 *   offset  size  field
 *   0       8     magic "BTLMODEL"
 *   8       4     u32 format version (1). A reader refuses versions above its own.
 *   12      8     u64 total file size in bytes, so truncation is told apart from
 *                 damage before anything else is read
 *   20      …     chunks, each: 4-byte ASCII tag, u64 payload length, payload
 *   size−4  4     u32 CRC-32 (zlib crc32) of every byte before it
 *
 * Chunks (any order; each at most once; unknown tags are skipped, so later
 * versions can add chunks without breaking older readers):
 *
 *   CONF  required  nn_config_format() text ("key=value\n" lines, UTF-8, no NUL):
 *                   architecture, activations, loss, optimizer settings, seed,
 *                   input shape, data set name
 *   PARM  required  n_params float32: the engine's parameter buffer, as is
 *   STAT  optional  n_stats float32 (batch-norm running statistics); required
 *                   when the architecture has stats
 *   INFO  optional  "key=value\n" text: epochs_trained, best_epoch, train_loss,
 *                   val_loss, test_mse, test_psnr_db, test_ssim, created,
 *                   train_seconds, samples_per_s, input_scaling, writer.
 *                   Doubles as g_ascii_dtostr() (exact round trip); unknown keys
 *                   are ignored
 *   LATS  optional  u32 latent_dim, then latent_dim float32 each of min, max,
 *                   mean, std
 *   HIST  optional  opaque training-history blob (owned by the app/CLI)
 *   END   required  empty; the last chunk ("END " with a space)
 *
 * Reading order: magic → version → declared size vs real size (a short file
 * is reported as "truncated in chunk X (needs N bytes, M left)") → CRC → chunk
 * walk, every length checked against what remains before it is used → decode.
 * Writing: the whole file is built in memory and written with
 * g_file_set_contents_full (temp file + rename), so a failed save leaves any
 * previous file untouched.
 */
#include "config.h"

#include "btl-model-file.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "btl-chunk-file.h"
#include "btl-error.h"
#include "btl-mapped-file.h"
#include "btl-model-info-private.h"

#define MAGIC        "BTLMODEL"
#define HEADER_LEN   BTL_CHUNK_FILE_HEADER_LEN
#define CHUNK_HEAD   BTL_CHUNK_HEAD_LEN
#define CRC_LEN      4

/* ------------------------------------------------------------- writing */

static void
put_u32 (GByteArray *out,
         guint32     v)
{
  guint32 le = GUINT32_TO_LE (v);
  g_byte_array_append (out, (const guint8 *) &le, 4);
}

static void
put_floats (GByteArray  *out,
            const float *v,
            size_t       n)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (n > 0)
    g_byte_array_append (out, (const guint8 *) v, (guint) (n * sizeof (float)));
#else
  for (size_t i = 0; i < n; i++)
    {
      guint32 bits;
      memcpy (&bits, &v[i], 4);
      put_u32 (out, bits);
    }
#endif
}

static void
put_text_chunk (GByteArray *out,
                const char *tag,
                const char *text)
{
  size_t len = strlen (text);

  btl_chunk_writer_put_head (out, tag, len);
  g_byte_array_append (out, (const guint8 *) text, (guint) len);
}

/* Index of the first NaN or infinity in v, or n. The trainer never keeps
 * such weights (it stops on divergence), so in a file they mean damage; a
 * network fed them only computes NaN pictures and codes. */
static size_t
first_non_finite (const float *v,
                  size_t       n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return i;
  return n;
}

GBytes *
btl_model_file_save_to_bytes (const char          *display,
                              const NnConfig      *cfg,
                              const float         *params,
                              size_t               n_params,
                              const float         *stats,
                              size_t               n_stats,
                              GBytes              *history,
                              const BtlModelInfo  *info,
                              GError             **error)
{
  g_autoptr(GByteArray) out = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *info_text = NULL;
  BtlModelInfo default_info;
  NnError nerr = { 0 };
  NnModel *check;
  size_t conf_len;
  guint64 total;
  gsize hist_len = 0;
  const guint8 *hist = NULL;

  g_return_val_if_fail (display != NULL, NULL);
  g_return_val_if_fail (cfg != NULL, NULL);
  g_return_val_if_fail (params != NULL || n_params == 0, NULL);
  g_return_val_if_fail (stats != NULL || n_stats == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Never write a file that could not be loaded back. */
  check = nn_model_new (cfg, &nerr);
  if (check == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("%s: cannot save an invalid model: %s"), display, nerr.message);
      return NULL;
    }
  if (nn_model_n_params (check) != n_params || nn_model_n_stats (check) != n_stats)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_MISMATCH,
                   _("%s: %zu parameters and %zu stats given but the architecture "
                     "has %zu and %zu"), display, n_params, n_stats,
                   nn_model_n_params (check), nn_model_n_stats (check));
      nn_model_free (check);
      return NULL;
    }
  if (info != NULL && info->latent_dim != 0
      && info->latent_dim != nn_model_latent_dim (check))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_MISMATCH,
                   _("%s: latent statistics for %d dimensions but the model's code has %d"),
                   display, info->latent_dim, nn_model_latent_dim (check));
      nn_model_free (check);
      return NULL;
    }
  nn_model_free (check);
  if (first_non_finite (params, n_params) < n_params
      || first_non_finite (stats, n_stats) < n_stats)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("%s: cannot save weights that are not finite numbers"), display);
      return NULL;
    }

  if (info == NULL)
    {
      btl_model_info_init (&default_info);
      info = &default_info;
    }

  conf_len = nn_config_format (cfg, NULL, 0);
  conf = g_malloc (conf_len + 1);
  nn_config_format (cfg, conf, conf_len + 1);
  info_text = btl_model_info_to_text (info);
  if (history != NULL)
    hist = g_bytes_get_data (history, &hist_len);

  total = HEADER_LEN
          + CHUNK_HEAD + strlen (conf)
          + CHUNK_HEAD + (guint64) n_params * 4
          + (n_stats > 0 ? CHUNK_HEAD + (guint64) n_stats * 4 : 0)
          + CHUNK_HEAD + strlen (info_text)
          + (info->latent_dim > 0 ? CHUNK_HEAD + 4 + 16 * (guint64) info->latent_dim : 0)
          + (history != NULL ? CHUNK_HEAD + hist_len : 0)
          + CHUNK_HEAD
          + CRC_LEN;
  if (total > G_MAXUINT)   /* GByteArray's limit; ~1e9 parameters */
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("%s: a %llu-byte model file is too large"),
                   display, (unsigned long long) total);
      return NULL;
    }

  out = btl_chunk_writer_begin (MAGIC, BTL_MODEL_FILE_VERSION, total);

  put_text_chunk (out, "CONF", conf);

  btl_chunk_writer_put_head (out, "PARM", (guint64) n_params * 4);
  put_floats (out, params, n_params);

  if (n_stats > 0)
    {
      btl_chunk_writer_put_head (out, "STAT", (guint64) n_stats * 4);
      put_floats (out, stats, n_stats);
    }

  put_text_chunk (out, "INFO", info_text);

  if (info->latent_dim > 0)
    {
      btl_chunk_writer_put_head (out, "LATS", 4 + 16 * (guint64) info->latent_dim);
      put_u32 (out, (guint32) info->latent_dim);
      put_floats (out, info->latent_min, info->latent_dim);
      put_floats (out, info->latent_max, info->latent_dim);
      put_floats (out, info->latent_mean, info->latent_dim);
      put_floats (out, info->latent_std, info->latent_dim);
    }

  if (history != NULL)
    {
      btl_chunk_writer_put_head (out, "HIST", hist_len);
      if (hist_len > 0)
        g_byte_array_append (out, hist, (guint) hist_len);
    }

  g_assert (out->len + CHUNK_HEAD + CRC_LEN == total);

  if (info == &default_info)
    btl_model_info_clear (&default_info);

  return btl_chunk_writer_finish (g_steal_pointer (&out));
}

gboolean
btl_model_file_save_buffers (const char          *path,
                             const NnConfig      *cfg,
                             const float         *params,
                             size_t               n_params,
                             const float         *stats,
                             size_t               n_stats,
                             GBytes              *history,
                             const BtlModelInfo  *info,
                             GError             **error)
{
  g_autofree char *display = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display = g_filename_display_name (path);
  bytes = btl_model_file_save_to_bytes (display, cfg, params, n_params, stats, n_stats,
                                        history, info, error);
  if (bytes == NULL)
    return FALSE;
  return g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

gboolean
btl_model_file_save (const char          *path,
                     NnModel             *model,
                     GBytes              *history,
                     const BtlModelInfo  *info,
                     GError             **error)
{
  g_return_val_if_fail (model != NULL, FALSE);

  return btl_model_file_save_buffers (path, nn_model_get_config (model),
                                      nn_model_params (model), nn_model_n_params (model),
                                      nn_model_stats (model), nn_model_n_stats (model),
                                      history, info, error);
}

/* ------------------------------------------------------------- reading */

enum { CONF, PARM, STAT, INFO, LATS, HIST, N_CHUNKS };

typedef struct
{
  const char *display;
  BtlChunk    conf, parm, stat, info, lats, hist;
} Reader;

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static void
get_floats (float        *dst,
            const guint8 *src,
            size_t        n)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (n > 0)
    memcpy (dst, src, n * sizeof (float));
#else
  for (size_t i = 0; i < n; i++)
    {
      guint32 bits = get_u32 (src + 4 * i);
      memcpy (&dst[i], &bits, 4);
    }
#endif
}

#define fail(r, error, code, ...) btl_chunk_file_fail (error, code, (r)->display, __VA_ARGS__)

/* Turns the located chunks into a model. */
static NnModel *
decode (Reader        *r,
        BtlModelInfo  *info_out,
        GBytes       **history_out,
        GError       **error)
{
  g_autofree char *conf = NULL;
  NnConfig cfg;
  NnError nerr = { 0 };
  NnModel *model;
  size_t n_params, n_stats, bad;

  if (r->conf.data == NULL)
    {
      fail (r, error, BTL_ERROR_CORRUPT, _("no CONF chunk (configuration)"));
      return NULL;
    }
  if (r->parm.data == NULL)
    {
      fail (r, error, BTL_ERROR_CORRUPT, _("no PARM chunk (parameters)"));
      return NULL;
    }
  if (memchr (r->conf.data, '\0', r->conf.len) != NULL)
    {
      fail (r, error, BTL_ERROR_CORRUPT, _("the configuration text contains a NUL byte"));
      return NULL;
    }

  conf = g_strndup ((const char *) r->conf.data, r->conf.len);
  nn_config_init_default (&cfg);
  if (nn_config_parse (&cfg, conf, &nerr) != NN_OK)
    {
      fail (r, error, BTL_ERROR_INVALID, _("bad configuration: %s"), nerr.message);
      return NULL;
    }
  /* Counts before buffers: a damaged CONF could describe gigabytes of
   * weights that the file does not hold. */
  if (nn_config_param_counts (&cfg, &n_params, &n_stats, &nerr) != NN_OK)
    {
      fail (r, error, nerr.code == NN_ERR_SHAPE ? BTL_ERROR_SHAPE : BTL_ERROR_INVALID,
            _("bad configuration: %s"), nerr.message);
      return NULL;
    }
  if (r->parm.len % 4 != 0 || r->parm.len / 4 != n_params)
    {
      if (r->parm.len % 4 != 0)
        fail (r, error, BTL_ERROR_MISMATCH,
              _("parameter count %llu (and a fraction) does not match the architecture (%zu)"),
              (unsigned long long) (r->parm.len / 4), n_params);
      else
        fail (r, error, BTL_ERROR_MISMATCH,
              _("parameter count %llu does not match the architecture (%zu)"),
              (unsigned long long) (r->parm.len / 4), n_params);
      return NULL;
    }
  if (r->stat.len % 4 != 0 || r->stat.len / 4 != n_stats)
    {
      fail (r, error, BTL_ERROR_MISMATCH,
            _("stat count %llu does not match the architecture (%zu)"),
            (unsigned long long) (r->stat.len / 4), n_stats);
      return NULL;
    }
  model = nn_model_new (&cfg, &nerr);
  if (model == NULL)
    {
      fail (r, error, nerr.code == NN_ERR_NOMEM ? BTL_ERROR_TOO_LARGE : BTL_ERROR_INVALID,
            _("bad configuration: %s"), nerr.message);
      return NULL;
    }
  get_floats (nn_model_params (model), r->parm.data, n_params);
  if (n_stats > 0)
    get_floats (nn_model_stats (model), r->stat.data, n_stats);
  if ((bad = first_non_finite (nn_model_params (model), n_params)) < n_params)
    {
      fail (r, error, BTL_ERROR_CORRUPT, _("parameter %zu is not a finite number"), bad);
      goto failed;
    }
  if ((bad = first_non_finite (nn_model_stats (model), n_stats)) < n_stats)
    {
      fail (r, error, BTL_ERROR_CORRUPT,
            _("batch-norm statistic %zu is not a finite number"), bad);
      goto failed;
    }

  if (info_out != NULL)
    {
      btl_model_info_init (info_out);
      if (r->info.data != NULL)
        btl_model_info_parse_text (info_out, (const char *) r->info.data, r->info.len);
    }

  if (r->lats.data != NULL)
    {
      guint64 dim = r->lats.len >= 4 ? get_u32 (r->lats.data) : 0;

      if (r->lats.len < 4 || r->lats.len != 4 + 16 * dim)
        {
          fail (r, error, BTL_ERROR_CORRUPT, _("chunk LATS has a wrong length"));
          goto failed;
        }
      if (dim != (guint64) nn_model_latent_dim (model))
        {
          fail (r, error, BTL_ERROR_MISMATCH,
                _("latent statistics for %llu dimensions but the model's code has %d"),
                (unsigned long long) dim, nn_model_latent_dim (model));
          goto failed;
        }
      if (info_out != NULL && dim > 0)
        {
          const guint8 *p = r->lats.data + 4;
          int d = (int) dim;

          info_out->latent_dim = d;
          info_out->latent_min = g_new (float, d);
          info_out->latent_max = g_new (float, d);
          info_out->latent_mean = g_new (float, d);
          info_out->latent_std = g_new (float, d);
          get_floats (info_out->latent_min, p, d);
          get_floats (info_out->latent_max, p + 4 * dim, d);
          get_floats (info_out->latent_mean, p + 8 * dim, d);
          get_floats (info_out->latent_std, p + 12 * dim, d);
        }
    }

  if (history_out != NULL)
    *history_out = r->hist.data != NULL ? g_bytes_new (r->hist.data, r->hist.len) : NULL;

  return model;

failed:
  if (info_out != NULL)
    btl_model_info_clear (info_out);
  nn_model_free (model);
  return NULL;
}

static NnModel *
load_data (const guint8  *data,
           guint64        size,
           const char    *display,
           GBytes       **history_out,
           BtlModelInfo  *info_out,
           GError       **error)
{
  BtlChunk chunks[N_CHUNKS] = {
    [CONF] = { "CONF" }, [PARM] = { "PARM" }, [STAT] = { "STAT" },
    [INFO] = { "INFO" }, [LATS] = { "LATS" }, [HIST] = { "HIST" },
  };
  Reader r = { display };

  if (history_out != NULL)
    *history_out = NULL;
  if (info_out != NULL)
    btl_model_info_init (info_out);

  if (!btl_chunk_file_read (data, size, MAGIC, BTL_MODEL_FILE_VERSION,
                            _("not a Bottleneck model file"),
                            display, chunks, N_CHUNKS, error))
    return NULL;

  r.conf = chunks[CONF];
  r.parm = chunks[PARM];
  r.stat = chunks[STAT];
  r.info = chunks[INFO];
  r.lats = chunks[LATS];
  r.hist = chunks[HIST];
  return decode (&r, info_out, history_out, error);
}

NnModel *
btl_model_file_load_from_bytes (GBytes        *bytes,
                                const char    *display,
                                GBytes       **history_out,
                                BtlModelInfo  *info_out,
                                GError       **error)
{
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (display != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &size);
  return load_data (data, size, display, history_out, info_out, error);
}

NnModel *
btl_model_file_load (const char    *path,
                     GBytes       **history_out,
                     BtlModelInfo  *info_out,
                     GError       **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autofree char *display = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (history_out != NULL)
    *history_out = NULL;
  if (info_out != NULL)
    btl_model_info_init (info_out);

  /* Mapped, not read: a hostile multi-gigabyte file costs no memory.
   * Only a regular file: a FIFO would block the open. */
  mapped = btl_mapped_file_new (path, error);
  if (mapped == NULL)
    return NULL;

  display = g_filename_display_name (path);
  return load_data ((const guint8 *) g_mapped_file_get_contents (mapped),
                    g_mapped_file_get_length (mapped), display, history_out, info_out, error);
}

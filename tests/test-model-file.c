/* test-model-file.c — the .btl model file: bit-exact round trip, and refusal
 * (with a precise GError, never a crash) of every damaged variant we can make. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "btl-error.h"
#include "btl-model-file.h"

typedef struct
{
  char    *dir;
  char    *path;          /* dir/model.btl, written by setup */
  NnModel *model;
  GBytes  *history;
  guint8  *bytes;         /* the saved file */
  gsize    len;
} Fixture;

/* A small model (1×4×4 input, 16-8-4 encoder) so that loading every truncated
 * prefix of its file stays fast. With batch norm when the engine takes it, so
 * the STAT chunk is exercised too. */
static NnModel *
small_model (void)
{
  NnConfig cfg;
  NnError err = { 0 };
  NnModel *model;

  nn_config_init_default (&cfg);
  g_assert_cmpint (nn_config_set (&cfg, "arch", "16-8-4", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&cfg, "in_height", "4", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&cfg, "in_width", "4", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&cfg, "lr", "0.00123", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&cfg, "seed", "987654321", &err), ==, NN_OK);
  if (nn_config_set (&cfg, "batch_norm", "true", &err) != NN_OK)
    nn_config_set (&cfg, "batch_norm", "1", &err);

  model = nn_model_new (&cfg, &err);
  if (model == NULL)
    g_error ("nn_model_new: %s", err.message);
  nn_model_init_params (model, 42);
  return model;
}

/* Parameters with awkward bit patterns: a bit-exact round trip must keep them. */
static void
fill_awkward (NnModel *model)
{
  float *p = nn_model_params (model);
  float *s = nn_model_stats (model);
  size_t np = nn_model_n_params (model);
  size_t ns = nn_model_n_stats (model);
  const float specials[] = { -0.0f, 1e-45f, -3.4028235e38f, 0.1f, (float) G_PI };

  for (size_t i = 0; i < G_N_ELEMENTS (specials) && i < np; i++)
    p[i] = specials[i];
  for (size_t i = 0; i < ns; i++)
    s[i] = (float) i * 0.37f - 1.0f;
}

static void
fill_info (BtlModelInfo *info)
{
  const float lo[4] = { -1.5f, -2.0f, 0.0f, -0.25f };
  const float hi[4] = { 1.5f, 3.0f, 0.125f, 9.0f };
  const float mean[4] = { 0.1f, 0.2f, 0.3f, 0.4f };
  const float sd[4] = { 1.0f, 0.5f, 0.25f, 1.0f / 3.0f };

  btl_model_info_init (info);
  info->epochs_trained = 7;
  info->best_epoch = 5;
  info->train_loss = 0.01234567890123;
  info->val_loss = 1.0 / 3.0;
  info->test_mse = 0.0110000000000001;
  info->test_psnr_db = 19.587654321;
  info->test_ssim = 0.7;
  info->created = 1794000000;
  info->train_seconds = 12.5;
  info->samples_per_s = 16543.25;
  btl_model_info_set_latent_stats (info, 4, lo, hi, mean, sd);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autoptr(GError) error = NULL;
  const guint8 blob[] = { 'h', 'i', 0, 's', 't', 0xff, 0 };

  f->dir = g_dir_make_tmp ("btl-model-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "model.btl", NULL);
  f->model = small_model ();
  fill_awkward (f->model);
  f->history = g_bytes_new (blob, sizeof blob);
  fill_info (&info);

  g_assert_true (btl_model_file_save (f->path, f->model, f->history, &info, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (f->path, (char **) &f->bytes, &f->len, NULL));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_chmod (path, 0755);
          g_assert_cmpint (g_rmdir (path), ==, 0);
        }
      else
        g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->dir);
  g_free (f->path);
  nn_model_free (f->model);
  g_bytes_unref (f->history);
  g_free (f->bytes);
}

static char *
config_text (const NnModel *model)
{
  size_t len = nn_config_format (nn_model_get_config (model), NULL, 0);
  char *text = g_malloc (len + 1);

  nn_config_format (nn_model_get_config (model), text, len + 1);
  return text;
}

static char *
write_bytes (Fixture      *f,
             const char   *name,
             const guint8 *bytes,
             gsize         len)
{
  char *path = g_build_filename (f->dir, name, NULL);

  /* No fsync: thousands of these would crawl. */
  g_assert_true (g_file_set_contents_full (path, (const char *) bytes, (gssize) len,
                                           G_FILE_SET_CONTENTS_NONE, 0644, NULL));
  return path;
}

/* Loads path expecting failure: returns the message (for further checks). */
static char *
expect_load_error (const char *path,
                   GQuark      domain,
                   int         code)
{
  g_autoptr(GError) error = NULL;
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  GBytes *history = NULL;
  g_autofree char *base = g_path_get_basename (path);
  NnModel *model;

  model = btl_model_file_load (path, &history, &info, &error);
  if (model != NULL)
    g_error ("%s was loaded but should have been refused", path);
  g_assert_null (history);
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, base) == NULL)
    g_error ("“%s” does not name the file", error->message);
  return g_strdup (error->message);
}

static void
test_roundtrip (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) history = NULL;
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_auto(BtlModelInfo) expected = BTL_MODEL_INFO_INIT;
  g_autofree char *conf_a = NULL;
  g_autofree char *conf_b = NULL;
  NnModel *loaded;

  loaded = btl_model_file_load (f->path, &history, &info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);

  conf_a = config_text (f->model);
  conf_b = config_text (loaded);
  g_assert_cmpstr (conf_a, ==, conf_b);
  g_assert_cmpuint (nn_model_n_params (loaded), ==, nn_model_n_params (f->model));
  g_assert_cmpuint (nn_model_n_stats (loaded), ==, nn_model_n_stats (f->model));
  g_assert_cmpmem (nn_model_params (loaded), nn_model_n_params (loaded) * 4,
                   nn_model_params (f->model), nn_model_n_params (f->model) * 4);
  if (nn_model_n_stats (loaded) > 0)
    g_assert_cmpmem (nn_model_stats (loaded), nn_model_n_stats (loaded) * 4,
                     nn_model_stats (f->model), nn_model_n_stats (f->model) * 4);
  else
    g_test_message ("the engine has no stats for this model: STAT not exercised");

  g_assert_nonnull (history);
  g_assert_true (g_bytes_equal (history, f->history));

  fill_info (&expected);
  g_assert_cmpint (info.epochs_trained, ==, expected.epochs_trained);
  g_assert_cmpint (info.best_epoch, ==, expected.best_epoch);
  g_assert_cmpfloat (info.train_loss, ==, expected.train_loss);
  g_assert_cmpfloat (info.val_loss, ==, expected.val_loss);
  g_assert_cmpfloat (info.test_mse, ==, expected.test_mse);
  g_assert_cmpfloat (info.test_psnr_db, ==, expected.test_psnr_db);
  g_assert_cmpfloat (info.test_ssim, ==, expected.test_ssim);
  g_assert_cmpint (info.created, ==, expected.created);
  g_assert_cmpfloat (info.train_seconds, ==, expected.train_seconds);
  g_assert_cmpfloat (info.samples_per_s, ==, expected.samples_per_s);
  g_assert_cmpint (info.latent_dim, ==, 4);
  g_assert_cmpmem (info.latent_min, 16, expected.latent_min, 16);
  g_assert_cmpmem (info.latent_max, 16, expected.latent_max, 16);
  g_assert_cmpmem (info.latent_mean, 16, expected.latent_mean, 16);
  g_assert_cmpmem (info.latent_std, 16, expected.latent_std, 16);

  /* Saving what was loaded gives the same bytes. */
  {
    g_autofree char *again = g_build_filename (f->dir, "again.btl", NULL);
    g_autofree char *bytes = NULL;
    gsize len;

    g_assert_true (btl_model_file_save (again, loaded, history, &info, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (again, &bytes, &len, NULL));
    g_assert_cmpmem (bytes, len, f->bytes, f->len);
  }
  nn_model_free (loaded);
}

static void
test_minimal (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "bare.btl", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  GBytes *history = (GBytes *) 0x1;   /* must be reset to NULL */
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  NnModel *loaded;

  g_assert_true (btl_model_file_save (path, f->model, NULL, NULL, &error));
  g_assert_no_error (error);
  loaded = btl_model_file_load (path, &history, &info, &error);
  g_assert_no_error (error);
  g_assert_null (history);
  g_assert_cmpint (info.epochs_trained, ==, 0);
  g_assert_cmpint (info.best_epoch, ==, -1);
  g_assert_true (isnan (info.test_psnr_db));
  g_assert_true (isnan (info.val_loss));
  g_assert_cmpint (info.created, >=, now - 5);
  g_assert_cmpint (info.created, <=, now + 5);
  g_assert_cmpint (info.latent_dim, ==, 0);
  g_assert_null (info.latent_min);
  nn_model_free (loaded);

  /* Both outputs are optional. */
  loaded = btl_model_file_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  nn_model_free (loaded);
}

/* Every prefix of the file is refused as corrupt, naming where it ran out. */
static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  gboolean saw_parm = FALSE;

  for (gsize cut = 0; cut < f->len; cut++)
    {
      g_autofree char *path = write_bytes (f, "cut.btl", f->bytes, cut);
      g_autofree char *msg = expect_load_error (path, BTL_ERROR, BTL_ERROR_CORRUPT);

      if (strstr (msg, "truncated in chunk PARM (needs ") != NULL)
        saw_parm = TRUE;
      if (cut >= 20 && strstr (msg, "truncated") == NULL)
        g_error ("cut at %" G_GSIZE_FORMAT ": “%s” does not say truncated", cut, msg);
    }
  g_assert_true (saw_parm);
}

/* Any flipped byte is caught: in the body by the checksum. */
static void
test_flipped (Fixture       *f,
              gconstpointer  data)
{
  g_autofree guint8 *copy = g_memdup2 (f->bytes, f->len);

  for (gsize i = 0; i < f->len; i++)
    {
      g_autofree char *path = NULL;
      g_autoptr(GError) error = NULL;
      NnModel *model;

      copy[i] ^= 0x21;
      path = write_bytes (f, "flipped.btl", copy, f->len);
      copy[i] ^= 0x21;

      model = btl_model_file_load (path, NULL, NULL, &error);
      if (model != NULL)
        g_error ("byte %" G_GSIZE_FORMAT " flipped: file accepted", i);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "flipped.btl"));
      if (i >= 20 && strstr (error->message, "checksum") == NULL)
        g_error ("byte %" G_GSIZE_FORMAT " flipped: “%s”", i, error->message);
    }
}

static void
test_wrong_magic (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree guint8 *copy = g_memdup2 (f->bytes, f->len);
  g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL, *m1 = NULL, *m2 = NULL, *m3 = NULL;
  g_autofree char *none = g_build_filename (f->dir, "none.btl", NULL);
  g_autoptr(GError) error = NULL;

  copy[7] = 'X';
  p1 = write_bytes (f, "magic.btl", copy, f->len);
  m1 = expect_load_error (p1, BTL_ERROR, BTL_ERROR_CORRUPT);
  g_assert_nonnull (strstr (m1, "not a Bottleneck model file"));

  p2 = write_bytes (f, "empty.btl", (const guint8 *) "", 0);
  m2 = expect_load_error (p2, BTL_ERROR, BTL_ERROR_CORRUPT);
  g_assert_nonnull (strstr (m2, "not a Bottleneck model file"));

  p3 = write_bytes (f, "png.btl", (const guint8 *) "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  m3 = expect_load_error (p3, BTL_ERROR, BTL_ERROR_CORRUPT);
  g_assert_nonnull (strstr (m3, "not a Bottleneck model file"));

  g_assert_null (btl_model_file_load (none, NULL, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "none.btl"));
  g_clear_error (&error);

  g_assert_null (btl_model_file_load (f->dir, NULL, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);

  /* A FIFO is refused at once (opening it to read used to wait, forever,
   * for a writer: the window or the CLI hung). */
  {
    g_autofree char *fifo = g_build_filename (f->dir, "fifo.btl", NULL);

    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    g_assert_null (btl_model_file_load (fifo, NULL, NULL, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_assert_nonnull (strstr (error->message, "fifo.btl: not a regular file"));
  }
}

/* ---- hand-built files: header, chunks, END, CRC — all consistent. */

static void
add_chunk (GByteArray   *b,
           const char   *tag,
           const void   *data,
           guint64       len)
{
  guint64 le = GUINT64_TO_LE (len);

  g_byte_array_append (b, (const guint8 *) tag, 4);
  g_byte_array_append (b, (const guint8 *) &le, 8);
  if (data != NULL && len > 0)
    g_byte_array_append (b, data, (guint) len);
}

static GByteArray *
file_start (guint32 version)
{
  GByteArray *b = g_byte_array_new ();
  guint32 v = GUINT32_TO_LE (version);
  guint64 zero = 0;

  g_byte_array_append (b, (const guint8 *) "BTLMODEL", 8);
  g_byte_array_append (b, (const guint8 *) &v, 4);
  g_byte_array_append (b, (const guint8 *) &zero, 8);
  return b;
}

/* Appends END (unless no_end), patches the size, appends the CRC. */
static void
file_finish (GByteArray *b,
             gboolean    no_end)
{
  guint64 size;
  guint32 crc;

  if (!no_end)
    add_chunk (b, "END ", NULL, 0);
  size = GUINT64_TO_LE ((guint64) b->len + 4);
  memcpy (b->data + 12, &size, 8);
  crc = GUINT32_TO_LE ((guint32) crc32 (0, b->data, b->len));
  g_byte_array_append (b, (const guint8 *) &crc, 4);
}

static char *
write_array (Fixture    *f,
             const char *name,
             GByteArray *b)
{
  return write_bytes (f, name, b->data, b->len);
}

static void
test_newer_version (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GByteArray) b = file_start (3);
  g_autofree char *path = NULL;
  g_autofree char *msg = NULL;

  add_chunk (b, "CONF", "x", 1);
  file_finish (b, FALSE);
  path = write_array (f, "future.btl", b);
  msg = expect_load_error (path, BTL_ERROR, BTL_ERROR_VERSION);
  g_assert_nonnull (strstr (msg, "newer Bottleneck (format 3"));
}

static void
test_chunk_overflow (Fixture       *f,
                     gconstpointer  data)
{
  const guint64 lengths[] = { G_MAXUINT64, G_MAXUINT64 - 11, G_MAXINT64, 1u << 31, 100 };

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(GByteArray) b = file_start (1);
      g_autofree char *path = NULL;
      g_autofree char *msg = NULL;
      guint64 le = GUINT64_TO_LE (lengths[i]);

      g_byte_array_append (b, (const guint8 *) "PARM", 4);
      g_byte_array_append (b, (const guint8 *) &le, 8);
      g_byte_array_append (b, (const guint8 *) "0123456789", 10);
      file_finish (b, TRUE);
      path = write_array (f, "overflow.btl", b);
      msg = expect_load_error (path, BTL_ERROR, BTL_ERROR_CORRUPT);
      g_assert_nonnull (strstr (msg, "chunk PARM claims"));
    }
}

static GByteArray *
file_with (NnModel     *model,
           const float *params,
           size_t       n_params,
           gboolean     with_conf,
           gboolean     twice)
{
  g_autofree char *conf = config_text (model);
  GByteArray *b = file_start (1);

  if (with_conf)
    add_chunk (b, "CONF", conf, strlen (conf));
  add_chunk (b, "ZZZZ", "from the future", 15);   /* unknown: skipped */
  if (params != NULL)
    add_chunk (b, "PARM", params, n_params * 4);
  if (twice)
    add_chunk (b, "PARM", params, n_params * 4);
  if (nn_model_n_stats (model) > 0)
    add_chunk (b, "STAT", nn_model_stats (model), nn_model_n_stats (model) * 4);
  return b;
}

static void
test_params_mismatch (Fixture       *f,
                      gconstpointer  data)
{
  const float five[5] = { 1, 2, 3, 4, 5 };
  g_autoptr(GByteArray) b = file_with (f->model, five, 5, TRUE, FALSE);
  g_autofree char *path = NULL;
  g_autofree char *msg = NULL;
  g_autofree char *want = g_strdup_printf ("parameter count 5 does not match the "
                                           "architecture (%zu)",
                                           nn_model_n_params (f->model));

  file_finish (b, FALSE);
  path = write_array (f, "five.btl", b);
  msg = expect_load_error (path, BTL_ERROR, BTL_ERROR_MISMATCH);
  g_assert_nonnull (strstr (msg, want));
}

/* Structure errors behind a valid checksum (a buggy or hostile writer). */
static void
test_structure (Fixture       *f,
                gconstpointer  data)
{
  size_t np = nn_model_n_params (f->model);
  float *p = nn_model_params (f->model);
  struct { const char *name; gboolean conf, params, twice, no_end; const char *says; } cases[] = {
    { "no-conf.btl", FALSE, TRUE, FALSE, FALSE, "no CONF" },
    { "no-parm.btl", TRUE, FALSE, FALSE, FALSE, "no PARM" },
    { "twice.btl", TRUE, TRUE, TRUE, FALSE, "appears twice" },
    { "no-end.btl", TRUE, TRUE, FALSE, TRUE, "no END" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) b = file_with (f->model, cases[i].params ? p : NULL, np,
                                           cases[i].conf, cases[i].twice);
      g_autofree char *path = NULL;
      g_autofree char *msg = NULL;

      file_finish (b, cases[i].no_end);
      path = write_array (f, cases[i].name, b);
      msg = expect_load_error (path, BTL_ERROR, BTL_ERROR_CORRUPT);
      if (strstr (msg, cases[i].says) == NULL)
        g_error ("%s: “%s” does not say “%s”", cases[i].name, msg, cases[i].says);
    }

  /* Garbage configuration text. */
  {
    g_autoptr(GByteArray) b = file_start (1);
    g_autofree char *path = NULL;
    g_autofree char *msg = NULL;

    add_chunk (b, "CONF", "arch=banana\nnot a line\n", 23);
    add_chunk (b, "PARM", p, np * 4);
    file_finish (b, FALSE);
    path = write_array (f, "garbage.btl", b);
    msg = expect_load_error (path, BTL_ERROR, BTL_ERROR_INVALID);
    g_assert_nonnull (strstr (msg, "configuration"));
  }
}

/* A configuration whose architecture needs gigabytes of weights, beside a
 * PARM chunk of a few hundred bytes: refused on the counts, before the
 * engine allocates (and initialises) what the header describes. */
static void
test_huge_architecture (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GByteArray) b = file_start (1);
  g_autofree char *conf = config_text (f->model);
  g_autofree char *hostile = NULL;
  g_autofree char *path = NULL;
  g_autofree char *msg = NULL;

  /* 16-16384×10-4: 4.8 billion floats, 19 GB a buffer. Later arch lines win. */
  hostile = g_strconcat (conf, "\narch=16-16384-16384-16384-16384-16384-16384-16384-16384"
                         "-16384-16384-4\nbatch_norm=0\n", NULL);
  add_chunk (b, "CONF", hostile, strlen (hostile));
  add_chunk (b, "PARM", nn_model_params (f->model), nn_model_n_params (f->model) * 4);
  file_finish (b, FALSE);
  path = write_array (f, "huge.btl", b);
  msg = expect_load_error (path, BTL_ERROR, BTL_ERROR_MISMATCH);
  g_assert_nonnull (strstr (msg, "(4832821268)"));
}

/* NaN or infinite weights and out-of-range counters behind a valid checksum. */
static void
test_hostile_values (Fixture       *f,
                     gconstpointer  data)
{
  size_t np = nn_model_n_params (f->model), ns = nn_model_n_stats (f->model);
  g_autofree float *p = g_memdup2 (nn_model_params (f->model), np * sizeof (float));
  g_autofree float *st = g_memdup2 (nn_model_stats (f->model), ns * sizeof (float));
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (ns, >, 2);
  for (int round = 0; round < 3; round++)
    {
      g_autoptr(GByteArray) b = NULL;
      g_autofree char *path = NULL;
      g_autofree char *msg = NULL;

      memcpy (p, nn_model_params (f->model), np * sizeof (float));
      if (round == 0)
        p[3] = NAN;
      else if (round == 1)
        p[np - 1] = -INFINITY;
      else
        nn_model_stats (f->model)[2] = INFINITY;   /* file_with writes the model's stats */
      b = file_with (f->model, p, np, TRUE, FALSE);
      memcpy (nn_model_stats (f->model), st, ns * sizeof (float));
      file_finish (b, FALSE);
      path = write_array (f, "non-finite.btl", b);
      msg = expect_load_error (path, BTL_ERROR, BTL_ERROR_CORRUPT);
      g_assert_nonnull (strstr (msg, round == 0 ? "parameter 3 is not a finite number"
                                    : round == 1 ? "is not a finite number"
                                    : "statistic 2 is not a finite number"));
    }

  /* Never written either: such a file could not be loaded back. */
  p[0] = NAN;
  g_assert_false (btl_model_file_save_buffers (f->path, nn_model_get_config (f->model),
                                               p, np, st, ns, NULL, NULL, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);

  /* Epoch counters at the top of an int: shown 1-based, so kept one below. */
  {
    g_autoptr(GByteArray) b = file_with (f->model, nn_model_params (f->model), np, TRUE, FALSE);
    g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
    const char *text = "epochs_trained=2147483647\nbest_epoch=99999999999\n";
    g_autofree char *path = NULL;
    NnModel *loaded;

    add_chunk (b, "INFO", text, strlen (text));
    file_finish (b, FALSE);
    path = write_array (f, "epochs.btl", b);
    g_clear_error (&error);
    loaded = btl_model_file_load (path, NULL, &info, &error);
    g_assert_no_error (error);
    g_assert_cmpint (info.epochs_trained, ==, G_MAXINT - 1);
    g_assert_cmpint (info.best_epoch, ==, G_MAXINT - 1);
    nn_model_free (loaded);
  }
}

/* A chunk from a later version is skipped. */
static void
test_unknown_chunk (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) b = NULL;
  g_autofree char *path = NULL;
  NnModel *loaded;

  b = file_with (f->model, nn_model_params (f->model), nn_model_n_params (f->model),
                 TRUE, FALSE);
  file_finish (b, FALSE);
  path = write_array (f, "future-chunk.btl", b);
  loaded = btl_model_file_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (nn_model_params (loaded), nn_model_n_params (loaded) * 4,
                   nn_model_params (f->model), nn_model_n_params (f->model) * 4);
  nn_model_free (loaded);
}

/* Random damage behind a recomputed checksum (a hostile writer): the chunk
 * walk and decoder must still refuse or accept cleanly, never crash. */
static void
test_mutations (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2026);
  g_autofree guint8 *copy = g_malloc (f->len);
  int refused = 0;

  for (int round = 0; round < 400; round++)
    {
      g_autofree char *path = NULL;
      g_autoptr(GError) error = NULL;
      int n_changes = g_rand_int_range (rand, 1, 4);
      guint32 crc;
      NnModel *model;

      memcpy (copy, f->bytes, f->len);
      for (int k = 0; k < n_changes; k++)
        {
          /* Mostly hit chunk headers (lengths, tags), where parsers break. */
          gsize at = g_rand_boolean (rand)
                     ? (gsize) g_rand_int_range (rand, 20, 40)
                     : (gsize) g_rand_int_range (rand, 20, (gint32) f->len - 4);
          copy[at] = (guint8) g_rand_int_range (rand, 0, 256);
        }
      crc = GUINT32_TO_LE ((guint32) crc32 (0, copy, (uInt) (f->len - 4)));
      memcpy (copy + f->len - 4, &crc, 4);

      path = write_bytes (f, "mutant.btl", copy, f->len);
      model = btl_model_file_load (path, NULL, NULL, &error);
      if (model != NULL)
        {
          g_assert_no_error (error);
          nn_model_free (model);
        }
      else
        {
          g_assert_nonnull (error);
          refused++;
        }
    }
  g_assert_cmpint (refused, >, 0);
}

static gboolean
dir_has_only (const char *dir,
              guint       n_expected)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (d) != NULL)
    n++;
  return n == n_expected;
}

/* A failed save never damages what was there, and leaves no temp files. */
static void
test_atomic (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sub = g_build_filename (f->dir, "sub", NULL);
  g_autofree char *inner = g_build_filename (sub, "keep", NULL);
  g_autofree char *target = g_build_filename (sub, "model.btl", NULL);
  g_autofree char *bad_parent = g_build_filename (f->path, "x.btl", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  float wrong[3] = { 0 };

  /* The target is a (non-empty) directory. */
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_true (g_file_set_contents (inner, "keep", -1, NULL));
  g_assert_false (btl_model_file_save (sub, f->model, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (g_file_test (sub, G_FILE_TEST_IS_DIR));
  g_assert_true (dir_has_only (f->dir, 2));   /* model.btl, sub */

  /* The parent is a file. */
  g_assert_false (btl_model_file_save (bad_parent, f->model, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Buffers that do not fit the architecture: refused, old file intact. */
  g_assert_false (btl_model_file_save_buffers (f->path, nn_model_get_config (f->model),
                                               wrong, 3, NULL, 0, NULL, NULL, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_MISMATCH);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, f->bytes, f->len);
  g_clear_pointer (&contents, g_free);

  /* Latent statistics that do not fit the code size: refused at save time,
   * since the file could never be loaded. */
  {
    g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;

    btl_model_info_set_latent_stats (&info, 3, NULL, NULL, NULL, NULL);
    g_assert_false (btl_model_file_save (f->path, f->model, NULL, &info, &error));
    g_assert_error (error, BTL_ERROR, BTL_ERROR_MISMATCH);
    g_clear_error (&error);
    g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
    g_assert_cmpmem (contents, len, f->bytes, f->len);
    g_clear_pointer (&contents, g_free);
  }

  /* A read-only directory (meaningless for root, who may write anyway). */
  if (geteuid () != 0)
    {
      g_assert_true (btl_model_file_save (target, f->model, NULL, NULL, &error));
      g_assert_cmpint (g_chmod (sub, 0555), ==, 0);
      g_assert_false (btl_model_file_save (target, f->model, f->history, NULL, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
      g_assert_cmpint (g_chmod (sub, 0755), ==, 0);
      g_assert_true (dir_has_only (sub, 2));
      g_assert_cmpint (g_remove (target), ==, 0);
    }
  else
    g_test_message ("running as root: read-only directory case skipped");
  g_assert_cmpint (g_remove (inner), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/core/model-file/roundtrip", test_roundtrip);
  ADD ("/core/model-file/minimal", test_minimal);
  ADD ("/core/model-file/truncated", test_truncated);
  ADD ("/core/model-file/flipped", test_flipped);
  ADD ("/core/model-file/wrong-magic", test_wrong_magic);
  ADD ("/core/model-file/newer-version", test_newer_version);
  ADD ("/core/model-file/chunk-overflow", test_chunk_overflow);
  ADD ("/core/model-file/params-mismatch", test_params_mismatch);
  ADD ("/core/model-file/structure", test_structure);
  ADD ("/core/model-file/unknown-chunk", test_unknown_chunk);
  ADD ("/core/model-file/huge-architecture", test_huge_architecture);
  ADD ("/core/model-file/hostile-values", test_hostile_values);
  ADD ("/core/model-file/mutations", test_mutations);
  ADD ("/core/model-file/atomic", test_atomic);
#undef ADD

  return g_test_run ();
}

/* test-project.c — the .btlproj project file: bit-exact round trip of
 * weights, configuration, history, run description and trainer state;
 * refusal (a precise GError naming the file, never a crash) of wrong magic,
 * newer versions, every truncation, every byte flip, hostile chunk sizes
 * and a trainer state that does not fit; and the point of the trainer
 * state: train N epochs → save → load → continue M epochs gives the same
 * losses and weights, bit for bit, as N + M epochs without stopping. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "btl-error.h"
#include "btl-project.h"
#include "nn-blas.h"

typedef struct
{
  char       *dir;
  char       *path;      /* dir/run.btlproj, written by setup */
  BtlProject *project;
  GBytes     *bytes;     /* the saved file */
} Fixture;

/* Deterministic rows in [0, 1] with some structure (a smooth pattern plus
 * noise), so a small autoencoder has something to learn. */
static float *
synthetic_rows (int      n,
                int      dim,
                guint32  seed)
{
  float *x = g_new (float, (gsize) n * dim);
  GRand *rand = g_rand_new_with_seed (seed);

  for (int i = 0; i < n; i++)
    {
      double phase = g_rand_double (rand) * G_PI;

      for (int j = 0; j < dim; j++)
        x[(gsize) i * dim + j] = (float) CLAMP (0.5 + 0.4 * sin (phase + j * 0.7)
                                                + 0.05 * g_rand_double_range (rand, -1, 1), 0, 1);
    }
  g_rand_free (rand);
  return x;
}

/* A state blob of a trainer that took a few steps on cfg's model (64 rows). */
static GBytes *
trained_state (const NnConfig *cfg,
               int             steps)
{
  NnError err = { 0 };
  NnModel *model = nn_model_new (cfg, &err);
  g_autofree float *x = synthetic_rows (64, nn_model_input_dim (model), 5);
  NnTrainer *tr;
  size_t size;
  guint8 *buf;

  nn_model_init_params (model, cfg->seed);
  tr = nn_trainer_new (model, x, 64, &err);
  g_assert_nonnull (tr);
  for (int i = 0; i < steps; i++)
    g_assert_cmpint (nn_trainer_step (tr, &err), ==, NN_OK);
  size = nn_trainer_export_state (tr, NULL, 0);
  buf = g_malloc (size);
  g_assert_cmpuint (nn_trainer_export_state (tr, buf, size), ==, size);
  nn_trainer_free (tr);
  nn_model_free (model);
  return g_bytes_new_take (buf, size);
}

/* A small model (1×4×4 input, 16-8-4) so every truncated prefix loads fast. */
static BtlProject *
small_project (void)
{
  BtlProject *p = btl_project_new ();
  NnError err = { 0 };
  NnModel *model;
  float *params;
  const float specials[] = { -0.0f, 1e-45f, -3.4028235e38f, 0.1f, (float) G_PI };

  nn_config_init_default (&p->config);
  g_assert_cmpint (nn_config_set (&p->config, "arch", "16-8-4", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&p->config, "in_height", "4", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&p->config, "in_width", "4", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&p->config, "seed", "987654321", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&p->config, "threads", "3", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&p->config, "lr", "0.0003", &err), ==, NN_OK);
  p->run_config = p->config;
  g_assert_cmpint (nn_config_set (&p->run_config, "lr", "0.001", &err), ==, NN_OK);
  p->has_run_config = TRUE;

  model = nn_model_new (&p->config, &err);
  g_assert_nonnull (model);
  nn_model_init_params (model, 42);
  params = nn_model_params (model);
  for (gsize i = 0; i < G_N_ELEMENTS (specials); i++)
    params[i] = specials[i];
  btl_project_set_model (p, nn_model_get_config (model), params, nn_model_n_params (model),
                         nn_model_stats (model), nn_model_n_stats (model));
  nn_model_free (model);

  p->info.epochs_trained = 2;
  p->info.best_epoch = 1;
  p->info.test_psnr_db = 17.25;

  for (int i = 0; i < 40; i++)
    btl_loss_history_add_step (p->history, i + 1, i / 20, 1.0 / (i + 3), 1.0 / (i + 3), 0);
  btl_loss_history_add_epoch (p->history, 0, 20, 0.11, 0.1, 0.1, 0, 12.5);
  btl_loss_history_add_epoch (p->history, 1, 40, 0.051, 0.05, 0.05, 0, NAN);
  btl_loss_history_add_marker (p->history, 25, "lr → 0.0003");
  btl_loss_history_set_best_epoch (p->history, 1);

  p->dataset_spec = g_strdup ("/data/my pictures\nwith a newline");
  p->dataset_name = g_strdup ("Fashion-MNIST");
  p->train_limit = 3000;
  p->threads = 3;
  p->blas_core = g_strdup ("Haswell");
  p->blas_config = g_strdup ("OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64");
  p->created = 1794000000;
  p->smoothing = 0.75;
  p->log_scale = TRUE;
  p->x_by_epoch = FALSE;
  p->show_difference = TRUE;
  p->status = g_strdup ("Finished 2 epochs in 0:03 — “quoted” \\ back");
  p->trainer_state = trained_state (&p->config, 3);
  return p;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  char *contents;
  gsize len;

  f->dir = g_dir_make_tmp ("test-project-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "run.btlproj", NULL);
  f->project = small_project ();
  g_assert_true (btl_project_save (f->project, f->path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (f->path, &contents, &len, &error));
  f->bytes = g_bytes_new_take (contents, len);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  btl_project_free (f->project);
  g_bytes_unref (f->bytes);
}

static char *
config_text (const NnConfig *cfg)
{
  size_t len = nn_config_format (cfg, NULL, 0);
  char *text = g_malloc (len + 1);

  nn_config_format (cfg, text, len + 1);
  return text;
}

static void
assert_same_history (BtlLossHistory *a,
                     BtlLossHistory *b)
{
  g_autoptr(GBytes) ba = btl_loss_history_to_bytes (a);
  g_autoptr(GBytes) bb = btl_loss_history_to_bytes (b);

  g_assert_true (g_bytes_equal (ba, bb));
}

static void
test_roundtrip (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlProject) q = btl_project_load (f->path, &error);
  g_autofree char *c1 = NULL, *c2 = NULL, *r1 = NULL, *r2 = NULL;
  g_autoptr(GBytes) again = NULL;
  BtlProject *p = f->project;

  g_assert_no_error (error);
  g_assert_nonnull (q);

  /* Weights bit for bit, configurations and history exactly. */
  g_assert_cmpuint (q->n_params, ==, p->n_params);
  g_assert_cmpuint (q->n_stats, ==, p->n_stats);
  g_assert_cmpmem (q->params, q->n_params * 4, p->params, p->n_params * 4);
  c1 = config_text (&p->config);
  c2 = config_text (&q->config);
  g_assert_cmpstr (c1, ==, c2);
  g_assert_true (q->has_run_config);
  r1 = config_text (&p->run_config);
  r2 = config_text (&q->run_config);
  g_assert_cmpstr (r1, ==, r2);
  g_assert_cmpfloat (q->run_config.lr, ==, 0.001f);
  g_assert_cmpuint (q->config.seed, ==, 987654321);
  g_assert_cmpint (q->config.threads, ==, 3);
  assert_same_history (p->history, q->history);
  g_assert_cmpint (btl_loss_history_get_best_epoch (q->history), ==, 1);
  g_assert_cmpuint (btl_loss_history_get_n_markers (q->history), ==, 1);

  g_assert_cmpint (q->info.epochs_trained, ==, 2);
  g_assert_cmpint (q->info.best_epoch, ==, 1);
  g_assert_cmpfloat (q->info.test_psnr_db, ==, 17.25);

  g_assert_cmpstr (q->dataset_spec, ==, p->dataset_spec);
  g_assert_cmpstr (q->dataset_name, ==, p->dataset_name);
  g_assert_cmpint (q->train_limit, ==, 3000);
  g_assert_cmpint (q->threads, ==, 3);
  g_assert_cmpstr (q->blas_core, ==, "Haswell");
  g_assert_cmpstr (q->blas_config, ==, p->blas_config);
  g_assert_cmpstr (q->app_version, ==, PACKAGE_VERSION);
  g_assert_cmpint (q->created, ==, 1794000000);
  g_assert_cmpfloat (q->smoothing, ==, 0.75);
  g_assert_true (q->log_scale);
  g_assert_false (q->x_by_epoch);
  g_assert_true (q->show_difference);
  g_assert_cmpstr (q->status, ==, p->status);
  g_assert_nonnull (q->trainer_state);
  g_assert_true (g_bytes_equal (q->trainer_state, p->trainer_state));

  /* Saving what was loaded gives the same bytes. */
  again = btl_project_to_bytes (q, "again", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (again, f->bytes));

  /* The model it makes carries the weights. */
  {
    NnModel *model = btl_project_dup_model (q, &error);

    g_assert_no_error (error);
    g_assert_cmpmem (nn_model_params (model), q->n_params * 4, p->params, p->n_params * 4);
    nn_model_free (model);
  }
  g_assert_true (btl_project_file_sniff (f->path));
}

static void
test_runtime_blas (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(BtlProject) p = btl_project_new ();

  btl_project_set_blas_from_runtime (p);
  g_test_message ("BLAS: %s (%s)", p->blas_core != NULL ? p->blas_core : "no core", p->blas_config);
  if (nn_blas_openblas_config () == NULL)
    {
      /* -Dblas=generic on another libblas.so.3 alternative: no core, the library. */
      g_assert_null (p->blas_core);
      g_assert_true (g_str_has_prefix (p->blas_config, "lib"));
      return;
    }
  g_assert_nonnull (p->blas_core);
  g_assert_cmpstr (p->blas_core, !=, "");
  g_assert_nonnull (strstr (p->blas_config, "OpenBLAS"));
}

static void
assert_refused (GBytes     *bytes,
                int         code,
                const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlProject) p = btl_project_new_from_bytes (bytes, "x.btlproj", &error);

  g_assert_null (p);
  g_assert_nonnull (error);
  if (code >= 0)
    g_assert_error (error, BTL_ERROR, code);
  g_assert_true (g_str_has_prefix (error->message, "x.btlproj"));
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("“%s” not in “%s”", needle, error->message);
}

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (f->bytes, &len);

  g_test_message ("%" G_GSIZE_FORMAT "-byte project", len);
  /* Every proper prefix, the empty file included. */
  for (gsize n = 0; n < len; n++)
    {
      g_autoptr(GBytes) b = g_bytes_new (d, n);

      assert_refused (b, BTL_ERROR_CORRUPT, n == 0 ? "empty" : n < 20 ? NULL : "truncated");
    }
}

static void
test_flipped (Fixture       *f,
              gconstpointer  data)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (f->bytes, &len);
  g_autofree guint8 *copy = g_memdup2 (d, len);

  /* Every byte, one bit: the checksum (or the header checks) catch it. */
  for (gsize i = 0; i < len; i++)
    {
      g_autoptr(GBytes) b = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(BtlProject) p = NULL;

      copy[i] ^= 0x10;
      b = g_bytes_new (copy, len);
      p = btl_project_new_from_bytes (b, "x.btlproj", &error);
      g_assert_null (p);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, "x.btlproj"));
      if (i >= 20 && i < len - 4)
        g_assert_nonnull (strstr (error->message, "checksum"));
      copy[i] ^= 0x10;
    }
}

/* Rewrites the CRC after editing, so the structure checks behind it are
 * reached. */
static GBytes *
resealed (guint8 *data,
          gsize   len)
{
  guint32 crc = (guint32) crc32 (crc32 (0L, Z_NULL, 0), data, (uInt) (len - 4));

  crc = GUINT32_TO_LE (crc);
  memcpy (data + len - 4, &crc, 4);
  return g_bytes_new (data, len);
}

static void
test_wrong_magic_version (Fixture       *f,
                          gconstpointer  data)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (f->bytes, &len);
  g_autofree guint8 *copy = g_memdup2 (d, len);
  g_autoptr(GBytes) model = NULL;
  g_autoptr(GBytes) b1 = NULL, b2 = NULL, b3 = NULL;
  guint32 v;

  memcpy (copy, "BTLMODEL", 8);
  b1 = g_bytes_new (copy, len);
  assert_refused (b1, BTL_ERROR_CORRUPT, "not a Bottleneck project file");

  memcpy (copy, d, len);
  v = GUINT32_TO_LE (2);
  memcpy (copy + 8, &v, 4);
  b2 = resealed (copy, len);
  assert_refused (b2, BTL_ERROR_VERSION, "newer");

  v = 0;
  memcpy (copy + 8, &v, 4);
  b3 = resealed (copy, len);
  assert_refused (b3, BTL_ERROR_CORRUPT, "version 0");

  /* A model file is not a project. */
  model = g_bytes_new_static ("BTLMODEL\1\0\0\0", 12);
  assert_refused (model, BTL_ERROR_CORRUPT, "not a Bottleneck project file");
}

/* Finds a chunk by tag; returns the offset of its header. */
static gsize
find_chunk (const guint8 *d,
            gsize         len,
            const char   *tag)
{
  gsize pos = 20;

  while (pos + 12 <= len - 4)
    {
      guint64 clen;

      memcpy (&clen, d + pos + 4, 8);
      clen = GUINT64_FROM_LE (clen);
      if (memcmp (d + pos, tag, 4) == 0)
        return pos;
      pos += 12 + clen;
    }
  g_assert_not_reached ();
  return 0;
}

static void
test_hostile_sizes (Fixture       *f,
                    gconstpointer  data)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (f->bytes, &len);
  g_autofree guint8 *copy = g_memdup2 (d, len);
  const guint64 sizes[] = { G_MAXUINT64, G_MAXUINT64 - 11, (guint64) len, (guint64) 1 << 62 };

  /* A chunk that claims more than the file holds, in every chunk. */
  for (gsize k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      const char *tags[] = { "MODL", "HIST", "RCFG", "RUN ", "VIEW", "TRST" };

      for (gsize t = 0; t < G_N_ELEMENTS (tags); t++)
        {
          g_autoptr(GBytes) b = NULL;
          gsize at;
          guint64 le = GUINT64_TO_LE (sizes[k]);

          memcpy (copy, d, len);
          at = find_chunk (copy, len, tags[t]);
          memcpy (copy + at + 4, &le, 8);
          b = resealed (copy, len);
          assert_refused (b, BTL_ERROR_CORRUPT, "remain");
        }
    }

  /* A declared file size shorter or longer than the file. */
  {
    g_autoptr(GBytes) b1 = NULL, b2 = NULL;
    guint64 le;

    memcpy (copy, d, len);
    le = GUINT64_TO_LE (len - 1);
    memcpy (copy + 12, &le, 8);
    b1 = resealed (copy, len);
    assert_refused (b1, BTL_ERROR_CORRUPT, "damaged");
    le = GUINT64_TO_LE (G_MAXUINT64);
    memcpy (copy + 12, &le, 8);
    b2 = resealed (copy, len);
    assert_refused (b2, BTL_ERROR_CORRUPT, "truncated");
  }

  /* A missing required chunk (renamed to an unknown tag, which is skipped). */
  {
    g_autoptr(GBytes) b1 = NULL, b2 = NULL;

    memcpy (copy, d, len);
    memcpy (copy + find_chunk (copy, len, "MODL"), "XXXX", 4);
    b1 = resealed (copy, len);
    assert_refused (b1, BTL_ERROR_CORRUPT, "no MODL");
    memcpy (copy, d, len);
    memcpy (copy + find_chunk (copy, len, "HIST"), "XXXX", 4);
    b2 = resealed (copy, len);
    assert_refused (b2, BTL_ERROR_CORRUPT, "no HIST");
  }

  /* A twice-present chunk. */
  {
    g_autoptr(GBytes) b = NULL;

    memcpy (copy, d, len);
    memcpy (copy + find_chunk (copy, len, "VIEW"), "RUN ", 4);
    b = resealed (copy, len);
    assert_refused (b, BTL_ERROR_CORRUPT, "twice");
  }

  /* Damage inside the embedded model is reported as such. */
  {
    g_autoptr(GBytes) b = NULL;
    gsize at;

    memcpy (copy, d, len);
    at = find_chunk (copy, len, "MODL");
    copy[at + 12 + 40] ^= 0xff;
    b = resealed (copy, len);
    assert_refused (b, BTL_ERROR_CORRUPT, "embedded model");
  }

  /* A bad value in the run description. */
  {
    g_autoptr(GBytes) b = NULL;
    gsize at;
    guint8 *run;

    memcpy (copy, d, len);
    at = find_chunk (copy, len, "RUN ");
    run = (guint8 *) g_strstr_len ((char *) copy + at + 12, 200, "threads=3");
    g_assert_nonnull (run);
    run[8] = 'x';
    b = resealed (copy, len);
    assert_refused (b, BTL_ERROR_CORRUPT, "bad threads");

    /* A value ending in a lone backslash, which g_strescape never writes
     * (g_strcompress would warn, fatal in tests and noise in the CLI). */
    run[8] = '\\';
    g_bytes_unref (b);
    b = resealed (copy, len);
    assert_refused (b, BTL_ERROR_CORRUPT, "lone backslash");
  }

  /* Text that unescapes to bytes that are not UTF-8 (\377 for the em
   * dash's \342): shown in labels, so repaired, not passed on. */
  {
    g_autoptr(GBytes) b = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(BtlProject) q = NULL;
    gsize at;
    char *dash;

    memcpy (copy, d, len);
    at = find_chunk (copy, len, "VIEW");
    dash = g_strstr_len ((char *) copy + at + 12, 200, "\\342");
    g_assert_nonnull (dash);
    memcpy (dash, "\\377", 4);
    b = resealed (copy, len);
    q = btl_project_new_from_bytes (b, "x.btlproj", &error);
    g_assert_no_error (error);
    g_assert_true (g_utf8_validate (q->status, -1, NULL));
    g_assert_true (g_str_has_prefix (q->status, "Finished 2 epochs in 0:03 \uFFFD"));
  }
}

static void
test_atomic_and_io (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "missing.btlproj", NULL);
  g_autofree char *nodir = g_build_filename (f->dir, "no", "such", "dir.btlproj", NULL);
  g_autoptr(BtlProject) p = NULL;
  char *contents;
  gsize len;

  p = btl_project_load (missing, &error);
  g_assert_null (p);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_assert_false (btl_project_file_sniff (missing));

  /* A FIFO or a folder: refused at once, the FIFO without waiting for a writer. */
  {
    g_autofree char *fifo = g_build_filename (f->dir, "fifo.btlproj", NULL);

    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    g_assert_false (btl_project_file_sniff (fifo));
    g_assert_null (btl_project_load (fifo, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_clear_error (&error);
    g_assert_null (btl_project_load (f->dir, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_clear_error (&error);
    g_assert_cmpint (g_remove (fifo), ==, 0);
  }

  /* A failed save leaves the existing file alone. */
  f->project->n_params--;
  g_assert_false (btl_project_save (f->project, f->path, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_MISMATCH);
  g_clear_error (&error);
  f->project->n_params++;
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (f->bytes, NULL), g_bytes_get_size (f->bytes));
  g_free (contents);

  g_assert_false (btl_project_save (f->project, nodir, &error));
  g_assert_nonnull (error);
}

/* ------------------------------------------------------------ trainer state */

/* A file without the TRST chunk (as written before it existed) loads,
 * without a state. */
static void
test_state_absent (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtlProject) q = NULL;

  g_clear_pointer (&f->project->trainer_state, g_bytes_unref);
  bytes = btl_project_to_bytes (f->project, "old.btlproj", &error);
  g_assert_no_error (error);
  g_assert_null (memmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "TRST", 4));
  q = btl_project_new_from_bytes (bytes, "old.btlproj", &error);
  g_assert_no_error (error);
  g_assert_null (q->trainer_state);
  g_assert_cmpuint (q->n_params, ==, f->project->n_params);
}

/* What a project keeps of a trainer: nothing before its first step, then
 * its exported state (at that step, of the exported size). */
static void
test_state_dup (Fixture       *f,
                gconstpointer  data)
{
  NnError err = { 0 };
  NnModel *model = nn_model_new (&f->project->config, &err);
  g_autofree float *x = synthetic_rows (64, nn_model_input_dim (model), 5);
  g_autoptr(GBytes) fresh = NULL, stepped = NULL;
  NnTrainerStateInfo info;
  NnTrainer *tr;

  g_assert_nonnull (model);
  nn_model_init_params (model, f->project->config.seed);
  tr = nn_trainer_new (model, x, 64, &err);
  g_assert_nonnull (tr);
  fresh = btl_project_dup_trainer_state (tr);
  g_assert_null (fresh);
  for (int i = 0; i < 3; i++)
    g_assert_cmpint (nn_trainer_step (tr, &err), ==, NN_OK);
  stepped = btl_project_dup_trainer_state (tr);
  g_assert_nonnull (stepped);
  g_assert_cmpuint (g_bytes_get_size (stepped), ==, nn_trainer_export_state (tr, NULL, 0));
  g_assert_cmpint (nn_trainer_state_inspect (g_bytes_get_data (stepped, NULL), g_bytes_get_size (stepped),
                                             &info, NULL), ==, NN_OK);
  g_assert_cmpuint (info.step, ==, 3);
  nn_trainer_free (tr);
  nn_model_free (model);
}

/* The project with state replaced, saved and read back: refused with needle. */
static void
assert_state_refused (BtlProject *p,
                      GBytes     *state,
                      const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GBytes *saved = p->trainer_state;

  p->trainer_state = state;
  bytes = btl_project_to_bytes (p, "x.btlproj", &error);
  p->trainer_state = saved;
  g_assert_no_error (error);
  assert_refused (bytes, BTL_ERROR_CORRUPT, needle);
}

/* The state with n bytes at off replaced by value: refused. */
static void
assert_edit_refused (BtlProject   *p,
                     const guint8 *blob,
                     gsize         len,
                     gsize         off,
                     const void   *value,
                     gsize         n)
{
  g_autofree guint8 *copy = g_memdup2 (blob, len);
  g_autoptr(GBytes) state = NULL;

  memcpy (copy + off, value, n);
  state = g_bytes_new_take (g_steal_pointer (&copy), len);
  assert_state_refused (p, state, "trainer state");
}

static void
test_state_hostile (Fixture       *f,
                    gconstpointer  data)
{
  BtlProject *p = f->project;
  gsize len;
  const guint8 *blob = g_bytes_get_data (p->trainer_state, &len);
  g_autofree guint8 *copy = g_memdup2 (blob, len);
  NnConfig other = p->config;
  NnError err = { 0 };
  guint n_loaded = 0, n_refused = 0;

  /* Moments of another architecture: well-formed, but not this model's. */
  g_assert_cmpint (nn_config_set (&other, "arch", "16-8-2", &err), ==, NN_OK);
  {
    g_autoptr(GBytes) state = trained_state (&other, 2);

    assert_state_refused (p, state, "the model has");
  }
  /* SGD moments for an Adam model. */
  other = p->config;
  g_assert_cmpint (nn_config_set (&other, "optimizer", "sgd", &err), ==, NN_OK);
  {
    g_autoptr(GBytes) state = trained_state (&other, 2);

    assert_state_refused (p, state, "optimizer");
  }

  /* Every truncation of the blob (the file around it intact). */
  for (gsize n = 0; n < len; n++)
    {
      g_autoptr(GBytes) state = g_bytes_new (blob, n);

      assert_state_refused (p, state, "trainer state");
    }
  /* Longer than its counts say. */
  {
    g_autofree guint8 *longer = g_malloc0 (len + 8);
    g_autoptr(GBytes) state = NULL;

    memcpy (longer, blob, len);
    state = g_bytes_new (longer, len + 8);
    assert_state_refused (p, state, "trainer state");
  }

  /* Hostile counts: a moment array length that does not match, rows and
   * parameter counts near 2^64, an order that is not a permutation. */
  {
    const struct { gsize off; guint64 value; } edits[] = {
      { 16, 355 }, { 16, 357 }, { 16, G_MAXUINT64 }, { 16, G_MAXUINT64 / 8 + 1 },
      { 24, G_MAXUINT64 }, { 24, (guint64) 1 << 62 }, { 24, 0 }, { 32, 0 }, { 40, 1000 },
      { 48, G_MAXUINT64 }, { 48, G_MAXINT64 }, { 56, 99 },
      { 248, 3 }, { 248, 2 }, { 248, 0x500000002 }, { 248, G_MAXUINT64 },
    };

    /* Counters that training on would step past their int's limit (the
     * step, G_MAXINT64 above): the epoch, the plateau and since-best counts. */
    const gsize int_max_at[] = { 64, 112, 128 };

    for (gsize k = 0; k < G_N_ELEMENTS (edits); k++)
      {
        guint64 le = GUINT64_TO_LE (edits[k].value);

        assert_edit_refused (p, blob, len, edits[k].off, &le, 8);
      }
    for (gsize k = 0; k < G_N_ELEMENTS (int_max_at); k++)
      {
        guint32 le = GUINT32_TO_LE (0x7FFFFFFF);

        assert_edit_refused (p, blob, len, int_max_at[k], &le, 4);
      }
    /* Two rows swapped for one twice. */
    memcpy (copy, blob, len);
    memcpy (copy + 256, copy + 260, 4);
    {
      g_autoptr(GBytes) state = g_bytes_new (copy, len);

      assert_state_refused (p, state, "permutation");
    }
  }

  /* One bit of every byte, the file resealed around it: loads (a moment or
   * random word changed) or is refused — and a state that loads also
   * imports without harm into a trainer it fits. */
  for (gsize i = 0; i < len; i++)
    for (guint bit = 0; bit < 8; bit += 5)
      {
        g_autoptr(GBytes) state = NULL;
        g_autoptr(GBytes) bytes = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(BtlProject) q = NULL;
        GBytes *saved = p->trainer_state;

        memcpy (copy, blob, len);
        copy[i] ^= (guint8) (1u << bit);
        state = g_bytes_new (copy, len);
        p->trainer_state = state;
        bytes = btl_project_to_bytes (p, "x.btlproj", &error);
        p->trainer_state = saved;
        g_assert_no_error (error);
        q = btl_project_new_from_bytes (bytes, "x.btlproj", &error);
        if (q == NULL)
          {
            g_assert_true (g_str_has_prefix (error->message, "x.btlproj"));
            n_refused++;
            continue;
          }
        n_loaded++;
        {
          NnModel *model = btl_project_dup_model (q, NULL);
          g_autofree float *x = synthetic_rows (64, 16, 5);
          NnTrainer *tr = nn_trainer_new (model, x, 64, &err);
          NnStatus st = nn_trainer_import_state (tr, g_bytes_get_data (q->trainer_state, NULL),
                                                 g_bytes_get_size (q->trainer_state), &err);

          if (st == NN_OK)
            nn_trainer_step (tr, &err);   /* may diverge; must not crash */
          nn_trainer_free (tr);
          nn_model_free (model);
        }
      }
  g_test_message ("%zu-byte state, bit flips: %u load, %u refused", len, n_loaded, n_refused);
  g_assert_cmpuint (n_refused, >, 0);
  g_assert_cmpuint (n_loaded, >, 0);
}

/* The engine refuses a state for other data or another model and leaves
 * the trainer as it was. */
static void
test_state_mismatch (Fixture       *f,
                     gconstpointer  data)
{
  BtlProject *p = f->project;
  NnError err = { 0 };
  NnModel *model = btl_project_dup_model (p, NULL);
  g_autofree float *x = synthetic_rows (80, 16, 5);
  NnTrainer *tr = nn_trainer_new (model, x, 80, &err);   /* 80 rows, the state has 64 */
  NnTrainerStateInfo info;
  const void *blob;
  gsize len;

  blob = g_bytes_get_data (p->trainer_state, &len);
  g_assert_cmpint (nn_trainer_state_inspect (blob, len, &info, &err), ==, NN_OK);
  g_assert_cmpint (info.step, ==, 3);
  g_assert_cmpint (info.optim_steps, ==, 3);
  g_assert_cmpint (info.n_rows, ==, 64);
  g_assert_cmpuint (info.n_params, ==, p->n_params);
  g_assert_cmpint (nn_trainer_import_state (tr, blob, len, &err), ==, NN_ERR_SHAPE);
  g_test_message ("%s", err.message);
  g_assert_nonnull (strstr (err.message, "64 rows"));
  g_assert_cmpint (nn_trainer_epochs_done (tr), ==, 0);
  g_assert_cmpint (nn_trainer_state_inspect ("NNTS", 4, NULL, &err), ==, NN_ERR_INVALID);
  g_assert_cmpint (nn_trainer_state_inspect (NULL, 0, NULL, &err), ==, NN_ERR_INVALID);
  nn_trainer_free (tr);
  nn_model_free (model);
}

/* Every progress record of a run. */
static void
record (const NnProgress *progress,
        void             *user_data)
{
  g_array_append_val ((GArray *) user_data, *progress);
}

static void
run_epochs (NnTrainer *tr,
            int        epochs,
            GArray    *records)
{
  NnError err = { 0 };

  nn_trainer_set_extra_epochs (tr, epochs);
  g_assert_cmpint (nn_trainer_run (tr, record, records, &err), ==, NN_OK);
}

/* Records equal in everything but the timing-dependent throughput. */
static void
assert_same_records (GArray *a,
                     GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      NnProgress x = g_array_index (a, NnProgress, i);
      NnProgress y = g_array_index (b, NnProgress, i);

      x.samples_per_s = y.samples_per_s = 0;
      if (memcmp (&x, &y, sizeof x) != 0)
        g_error ("record %u differs: step %lld/%lld epoch %d/%d loss %.9g/%.9g val %.9g/%.9g lr %g/%g",
                 i, (long long) x.step, (long long) y.step, x.epoch, y.epoch,
                 x.train_loss, y.train_loss, x.val_loss, y.val_loss, x.lr, y.lr);
    }
}

typedef struct
{
  const char *name;
  const char *config;   /* "key=value;…" on top of the small model */
  int         extra_steps;   /* steps into the next epoch before saving */
  gboolean    split_ref;     /* the reference stops and continues too (in one process) */
} ContinueCase;

static const ContinueCase continue_cases[] = {
  { "adam+dropout", "dropout=0.2", 0 },
  { "adam mid-epoch", "dropout=0.1;weight_decay=0.01", 3 },
  { "denoising gaussian, step schedule", "kind=denoising;noise=gaussian:0.2;schedule=step;lr_step=1;lr_gamma=0.8", 0 },
  { "denoising mask mid-epoch", "kind=denoising;noise=mask:0.3", 2 },
  { "vae, plateau", "kind=vae;beta=0.5;schedule=plateau;lr_step=1;lr_gamma=0.5", 0 },
  { "sgd momentum, batch norm", "optimizer=sgd;lr=0.05;momentum=0.9;batch_norm=true", 0 },
  { "sparse kl, no validation", "kind=sparse;sparsity=kl:0.05,0.1;val_split=0", 1 },
  /* Cosine anneals over the epochs of the run in progress (nn_trainer_run's
   * target), so N then M differs from N + M by design, also in one process;
   * a continued project equals the in-process Continue. */
  { "cosine, vs Continue in one process", "schedule=cosine", 0, TRUE },
  /* Early stopping: each run (Continue) counts its patience afresh, in one
   * process too; when it stops, the best epoch comes back from the state. */
  { "early stopping, vs Continue in one process", "patience=1;lr=0.1;dropout=0.5", 1, TRUE },
};

/* Train N epochs → export the state into a project → save → load → new
 * model and trainer → import → M more epochs; against the same run without
 * the stop (one run of N + M epochs; with extra_steps or split_ref, the
 * same steps and a stop and continue in one process). Losses of every step and epoch and
 * the final weights and stats must be equal bit for bit. */
static void
test_continue_exact (Fixture       *f,
                     gconstpointer  data)
{
  const int n_rows = 200, first = 2, more = 3;
  g_autofree float *x = synthetic_rows (n_rows, 16, 11);
  g_autofree char *path = g_build_filename (f->dir, "continue.btlproj", NULL);

  for (gsize c = 0; c < G_N_ELEMENTS (continue_cases); c++)
    {
      const ContinueCase *cc = &continue_cases[c];
      g_autoptr(GArray) ref = g_array_new (FALSE, FALSE, sizeof (NnProgress));
      g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (NnProgress));
      g_autoptr(GArray) ref_tail = g_array_new (FALSE, FALSE, sizeof (NnProgress));
      g_auto(GStrv) kv = g_strsplit (cc->config, ";", -1);
      g_autoptr(BtlProject) p = btl_project_new ();
      g_autoptr(BtlProject) q = NULL;
      g_autoptr(GError) error = NULL;
      NnConfig cfg;
      NnError err = { 0 };
      NnModel *a, *b, *b2;
      NnTrainer *ta, *tb, *tb2;
      gsize head;

      nn_config_init_default (&cfg);
      g_assert_cmpint (nn_config_set (&cfg, "arch", "16-12-4", &err), ==, NN_OK);
      g_assert_cmpint (nn_config_set (&cfg, "in_height", "4", &err), ==, NN_OK);
      g_assert_cmpint (nn_config_set (&cfg, "in_width", "4", &err), ==, NN_OK);
      g_assert_cmpint (nn_config_set (&cfg, "batch", "16", &err), ==, NN_OK);
      g_assert_cmpint (nn_config_set (&cfg, "threads", "1", &err), ==, NN_OK);
      g_assert_cmpint (nn_config_set (&cfg, "seed", "77", &err), ==, NN_OK);
      g_assert_cmpint (nn_config_set (&cfg, "lr", "0.01", &err), ==, NN_OK);
      for (guint i = 0; kv[i] != NULL; i++)
        {
          g_auto(GStrv) pair = g_strsplit (kv[i], "=", 2);

          if (nn_config_set (&cfg, pair[0], pair[1], &err) != NN_OK)
            g_error ("%s: %s", cc->name, err.message);
        }
      g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_OK);

      /* The reference: never leaves the process. */
      a = nn_model_new (&cfg, &err);
      nn_model_init_params (a, cfg.seed);
      ta = nn_trainer_new (a, x, n_rows, &err);
      g_assert_nonnull (ta);
      if (cc->extra_steps == 0 && !cc->split_ref)
        run_epochs (ta, first + more, ref);
      else
        {
          run_epochs (ta, first, ref);
          for (int i = 0; i < cc->extra_steps; i++)
            g_assert_cmpint (nn_trainer_step (ta, &err), ==, NN_OK);
          run_epochs (ta, more, ref);
        }

      /* Stopped, saved, loaded, continued. */
      b = nn_model_new (&cfg, &err);
      nn_model_init_params (b, cfg.seed);
      tb = nn_trainer_new (b, x, n_rows, &err);
      run_epochs (tb, first, got);
      for (int i = 0; i < cc->extra_steps; i++)
        g_assert_cmpint (nn_trainer_step (tb, &err), ==, NN_OK);
      btl_project_set_model (p, nn_model_get_config (b), nn_model_params (b), nn_model_n_params (b),
                             nn_model_stats (b), nn_model_n_stats (b));
      {
        size_t size = nn_trainer_export_state (tb, NULL, 0);
        guint8 *buf = g_malloc (size);

        g_assert_cmpuint (nn_trainer_export_state (tb, buf, size), ==, size);
        p->trainer_state = g_bytes_new_take (buf, size);
      }
      nn_trainer_free (tb);
      nn_model_free (b);
      g_assert_true (btl_project_save (p, path, &error));
      g_assert_no_error (error);

      q = btl_project_load (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (q->trainer_state);
      {
        NnTrainerStateInfo info;

        g_assert_cmpint (nn_trainer_state_inspect (g_bytes_get_data (q->trainer_state, NULL),
                                                   g_bytes_get_size (q->trainer_state), &info, &err),
                         ==, NN_OK);
        g_assert_true (info.best_weights);
        g_test_message ("%s: %zu-byte state, best epoch %d (%s)", cc->name,
                        g_bytes_get_size (q->trainer_state), info.best_epoch + 1,
                        g_bytes_get_size (q->trainer_state) > 256 + 4 * (gsize) n_rows + 8 * info.n_params
                        ? "its weights stored" : "the saved weights");
      }
      b2 = btl_project_dup_model (q, &error);
      g_assert_no_error (error);
      tb2 = nn_trainer_new (b2, x, n_rows, &err);
      g_assert_cmpint (nn_trainer_import_state (tb2, g_bytes_get_data (q->trainer_state, NULL),
                                                g_bytes_get_size (q->trainer_state), &err),
                       ==, NN_OK);
      g_assert_cmpint (nn_trainer_epochs_done (tb2), ==, first);
      head = got->len;
      run_epochs (tb2, more, got);

      /* Everything the continued run reported, and where it ended. */
      g_test_message ("%s: %u records, %u after the stop; last loss %.9g", cc->name, ref->len,
                      (guint) (got->len - head),
                      g_array_index (ref, NnProgress, ref->len - 1).train_loss);
      g_assert_cmpuint (got->len, >, head);
      assert_same_records (ref, got);
      g_assert_cmpmem (nn_model_params (a), nn_model_n_params (a) * 4,
                       nn_model_params (b2), nn_model_n_params (b2) * 4);
      if (nn_model_n_stats (a) > 0)
        g_assert_cmpmem (nn_model_stats (a), nn_model_n_stats (a) * 4,
                         nn_model_stats (b2), nn_model_n_stats (b2) * 4);
      /* Restore-best gives the same weights too (kept in the state when
       * they were not the saved model's own). */
      nn_trainer_restore_best (ta);
      nn_trainer_restore_best (tb2);
      g_assert_cmpmem (nn_model_params (a), nn_model_n_params (a) * 4,
                       nn_model_params (b2), nn_model_n_params (b2) * 4);
      if (nn_model_n_stats (a) > 0)
        g_assert_cmpmem (nn_model_stats (a), nn_model_n_stats (a) * 4,
                         nn_model_stats (b2), nn_model_n_stats (b2) * 4);

      /* A fresh optimizer (what an older file gives) does not match: the
       * check above is not vacuous. */
      {
        NnModel *c2 = btl_project_dup_model (q, NULL);
        NnTrainer *tc = nn_trainer_new (c2, x, n_rows, &err);
        g_autoptr(GArray) fresh = g_array_new (FALSE, FALSE, sizeof (NnProgress));

        run_epochs (tc, 1, fresh);
        g_assert_cmpfloat (g_array_index (fresh, NnProgress, 0).train_loss, !=,
                           g_array_index (ref, NnProgress, head).train_loss);
        nn_trainer_free (tc);
        nn_model_free (c2);
      }

      nn_trainer_free (ta);
      nn_model_free (a);
      nn_trainer_free (tb2);
      nn_model_free (b2);
      (void) ref_tail;
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/core/project/roundtrip", test_roundtrip);
  ADD ("/core/project/runtime-blas", test_runtime_blas);
  ADD ("/core/project/truncated", test_truncated);
  ADD ("/core/project/flipped", test_flipped);
  ADD ("/core/project/wrong-magic-version", test_wrong_magic_version);
  ADD ("/core/project/hostile-sizes", test_hostile_sizes);
  ADD ("/core/project/atomic-and-io", test_atomic_and_io);
  ADD ("/core/project/state-absent", test_state_absent);
  ADD ("/core/project/state-dup", test_state_dup);
  ADD ("/core/project/state-hostile", test_state_hostile);
  ADD ("/core/project/state-mismatch", test_state_mismatch);
  ADD ("/core/project/continue-exact", test_continue_exact);
#undef ADD

  return g_test_run ();
}

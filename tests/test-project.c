/* test-project.c — the .btlproj project file: bit-exact round trip of
 * weights, configuration, history and run description; refusal (a precise
 * GError naming the file, never a crash) of wrong magic, newer versions,
 * every truncation, every byte flip, and hostile chunk sizes. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
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
      const char *tags[] = { "MODL", "HIST", "RCFG", "RUN ", "VIEW" };

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
#undef ADD

  return g_test_run ();
}

/* test-cli-codec.c — the compression subcommands end to end: the real
 * bottleneck-cli (path given as the first argument) on a small init-only
 * model saved with latent statistics.
 *
 *   compress / decompress: exit 0, and the PNG holds exactly the pixels the
 *   in-process codec (what the window shows) reconstructs, in both modes;
 *   wrong model, truncated file, not a .btlz, bad options: one line on
 *   stderr and the documented exit code; compare / rd --json: well-formed
 *   rows and points. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "btl-codec.h"
#include "btl-image.h"
#include "btl-model-file.h"
#include "btl-tiles.h"

static char *cli_path;   /* absolute: the CLI runs in a temporary directory */
static char *tmp_dir;

typedef struct
{
  int   status;      /* exit code, -1 when it did not exit normally */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_cli (Run *r,
         ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const char *arg;
  int wait_status = 0;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) cli_path);
  va_start (ap, r);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (tmp_dir, (char **) argv->pdata, NULL, 0, NULL, NULL,
                               &r->out, &r->err, &wait_status, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  g_test_message ("%s %s → %d%s%s", (char *) argv->pdata[1],
                  argv->len > 2 ? (char *) argv->pdata[2] : "", r->status,
                  *r->err ? ": " : "", r->err);
}

/* A runtime failure: exit 1, exactly one line on stderr, naming the command. */
static void
assert_one_line_failure (const Run  *r,
                         const char *command,
                         int         code)
{
  g_autofree char *prefix = g_strdup_printf ("bottleneck-cli %s: ", command);

  g_assert_cmpint (r->status, ==, code);
  g_assert_true (g_str_has_prefix (r->err, prefix));
  g_assert_nonnull (strchr (r->err, '\n'));
  g_assert_cmpstr (strchr (r->err, '\n') + 1, ==, "");
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* Saves an init-only RGB 8×8 model with latent statistics measured on a
 * few synthetic tiles; returns its path. */
static char *
save_model (const char *name,
            guint64     seed)
{
  g_autoptr (GError) error = NULL;
  g_auto (BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  char *path = tmp_path (name);
  NnConfig cfg;
  NnError nerr = { 0 };
  NnModel *model;
  NnInference *inf;
  float x[64 * 192], z[64 * 10], zmin[10], zmax[10];

  nn_config_init_default (&cfg);
  g_strlcpy (cfg.arch, "192-32-10", sizeof cfg.arch);
  cfg.in_channels = 3;
  cfg.in_height = 8;
  cfg.in_width = 8;
  /* where a PCA baseline would look: nowhere, on purpose */
  g_strlcpy (cfg.dataset, "/nonexistent/data", sizeof cfg.dataset);
  model = nn_model_new (&cfg, &nerr);
  g_assert_nonnull (model);
  nn_model_init_params (model, seed);

  for (int i = 0; i < 64 * 192; i++)
    x[i] = 0.5f + 0.45f * sinf (0.37f * i) * cosf (0.011f * i);
  inf = nn_inference_new (model, 64, &nerr);
  g_assert_cmpint (nn_inference_encode (inf, nn_model_params (model), NULL, x, 64, z,
                                        &nerr), ==, NN_OK);
  nn_inference_free (inf);
  for (int j = 0; j < 10; j++)
    {
      zmin[j] = INFINITY;
      zmax[j] = -INFINITY;
      for (int i = 0; i < 64; i++)
        {
          zmin[j] = MIN (zmin[j], z[i * 10 + j]);
          zmax[j] = MAX (zmax[j], z[i * 10 + j]);
        }
    }
  btl_model_info_set_latent_stats (&info, 10, zmin, zmax, NULL, NULL);
  g_assert_true (btl_model_file_save (path, model, NULL, &info, &error));
  g_assert_no_error (error);
  nn_model_free (model);
  return path;
}

static char *
save_picture (int height,
              int width)
{
  g_autofree float *x = g_new (float, (gsize) 3 * height * width);
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (GError) error = NULL;
  char *path = tmp_path ("picture.png");

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < height; y++)
      for (int i = 0; i < width; i++)
        x[((gsize) c * height + y) * width + i] =
          0.5f + 0.4f * sinf (0.3f * i + c) * cosf (0.2f * y);
  pixbuf = btl_pixbuf_from_floats (x, 3, height, width);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  return path;
}

static void
check_exact (const char *model_path,
             const char *picture,
             const char *mode,
             const char *bits)
{
  g_autofree char *btlz = tmp_path ("out.btlz");
  g_autofree char *png = tmp_path ("out.png");
  g_autoptr (GError) error = NULL;
  g_auto (BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autoptr (GdkPixbuf) source = NULL;
  g_autoptr (GdkPixbuf) written = NULL;
  g_autoptr (GdkPixbuf) shown = NULL;
  g_autoptr (BtlCodec) codec = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GBytes) from_cli = NULL;
  g_autofree float *image = NULL;
  g_autofree float *recon = NULL;
  g_auto (Run) c = { 0 };
  g_auto (Run) d = { 0 };
  BtlCodecMode m;
  BtlCodecHeader h;
  NnModel *model;
  int height, width;

  run_cli (&c, "compress", "--model", model_path, "--mode", mode, "--bits", bits,
           picture, btlz, NULL);
  g_assert_cmpint (c.status, ==, 0);
  run_cli (&d, "decompress", "--model", model_path, btlz, png, NULL);
  g_assert_cmpint (d.status, ==, 0);

  from_cli = btl_codec_read_file (btlz, &error);
  g_assert_no_error (error);
  g_assert_true (btl_codec_read_header (from_cli, &h, &error));
  g_assert_cmpint (h.range_source, ==, BTL_CODEC_RANGES_MODEL);
  g_assert_cmpint (h.bits, ==, atoi (bits));

  /* What the window does: load, prepare, compress, show the reconstruction. */
  model = btl_model_file_load (model_path, NULL, &info, &error);
  g_assert_no_error (error);
  codec = btl_codec_new_for_model (model, nn_model_params (model), nn_model_stats (model),
                                   &info, &error);
  g_assert_no_error (error);
  g_assert_true (btl_codec_mode_from_string (mode, &m));
  source = btl_tiles_load_image (picture, 0, &error);
  g_assert_no_error (error);
  image = btl_codec_prepare_image (codec, source, m, &height, &width);
  bytes = btl_codec_compress (codec, image, height, width, m, atoi (bits), &recon, &error);
  g_assert_no_error (error);
  /* Same bytes as the CLI wrote … */
  g_assert_true (g_bytes_equal (bytes, from_cli));
  /* … and the CLI's PNG has exactly the pixels shown. */
  shown = btl_pixbuf_from_floats (recon, 3, height, width);
  written = gdk_pixbuf_new_from_file (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (written), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (written), ==, height);
  g_assert_cmpint (gdk_pixbuf_get_n_channels (written), ==, 3);
  for (int y = 0; y < height; y++)
    g_assert_cmpmem (gdk_pixbuf_read_pixels (written) + y * gdk_pixbuf_get_rowstride (written),
                     (gsize) width * 3,
                     gdk_pixbuf_read_pixels (shown) + y * gdk_pixbuf_get_rowstride (shown),
                     (gsize) width * 3);

  g_clear_pointer (&codec, btl_codec_free);
  nn_model_free (model);
}

static void
test_cli_roundtrip (void)
{
  g_autofree char *model = save_model ("a.btl", 1);
  g_autofree char *picture = save_picture (37, 50);

  check_exact (model, picture, "tiles", "6");
  check_exact (model, picture, "tiles", "13");
  check_exact (model, picture, "fit", "8");
}

static void
test_cli_errors (void)
{
  g_autofree char *a = save_model ("a.btl", 1);
  g_autofree char *b = save_model ("b.btl", 2);
  g_autofree char *picture = save_picture (20, 20);
  g_autofree char *btlz = tmp_path ("e.btlz");
  g_autofree char *cut = tmp_path ("cut.btlz");
  g_autofree char *out = tmp_path ("e.png");
  g_autofree char *contents = NULL;
  gsize len;

  {
    g_auto (Run) r = { 0 };
    run_cli (&r, "compress", "--model", a, picture, btlz, NULL);
    g_assert_cmpint (r.status, ==, 0);
  }
  /* Another model: both fingerprints named. */
  {
    g_auto (Run) r = { 0 };
    run_cli (&r, "decompress", "--model", b, btlz, out, NULL);
    assert_one_line_failure (&r, "decompress", 1);
    g_assert_nonnull (strstr (r.err, "compressed by model"));
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  }
  /* Truncated. */
  g_assert_true (g_file_get_contents (btlz, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (cut, contents, len - 7, NULL));
  {
    g_auto (Run) r = { 0 };
    run_cli (&r, "decompress", "--model", a, cut, out, NULL);
    assert_one_line_failure (&r, "decompress", 1);
    g_assert_nonnull (strstr (r.err, "truncated"));
  }
  /* Not a .btlz; a missing picture; bad options. */
  {
    g_auto (Run) r = { 0 };
    run_cli (&r, "decompress", "--model", a, picture, out, NULL);
    assert_one_line_failure (&r, "decompress", 1);
  }
  {
    g_auto (Run) r = { 0 };
    run_cli (&r, "compress", "--model", a, "no-such-picture.png", btlz, NULL);
    assert_one_line_failure (&r, "compress", 1);
  }
  {
    g_auto (Run) r = { 0 };
    run_cli (&r, "compress", "--model", a, "--bits", "17", picture, btlz, NULL);
    assert_one_line_failure (&r, "compress", 2);
  }
  {
    g_auto (Run) r = { 0 };
    run_cli (&r, "compress", "--model", a, "--mode", "zoom", picture, btlz, NULL);
    assert_one_line_failure (&r, "compress", 2);
  }
  {
    g_auto (Run) r = { 0 };
    run_cli (&r, "compare", "--model", a, NULL);
    assert_one_line_failure (&r, "compare", 2);
  }
}

static void
test_cli_compare_rd (void)
{
  g_autofree char *model = save_model ("a.btl", 1);
  g_autofree char *picture = save_picture (40, 44);

  {
    g_auto (Run) r = { 0 };

    run_cli (&r, "compare", "--model", model, "--bits", "5", "--json", picture,
             picture, NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_true (g_str_has_prefix (r.out, "{"));
    for (const char *const *key = (const char *const[]) {
           "\"codec\":\"original\"", "\"codec\":\"autoencoder\"", "\"codec\":\"jpeg\"",
           "\"codec\":\"webp\"", "\"codec\":\"pca\"", "\"average\":", "\"bits\":5",
           "\"pca_note\":", "\"images\":2", NULL };
         *key != NULL; key++)
      if (strstr (r.out, *key) == NULL)
        g_error ("compare --json lacks %s: %s", *key, r.out);
  }
  {
    g_auto (Run) r = { 0 };

    run_cli (&r, "rd", "--model", model, "--json", "--no-pca", picture, NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "\"series\":\"autoencoder\",\"setting\":16"));
    g_assert_nonnull (strstr (r.out, "\"series\":\"jpeg\",\"setting\":95"));
    g_assert_null (strstr (r.out, "\"series\":\"pca\""));
  }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  /* The CLI's path comes first (meson passes the built executable). */
  if (argc < 2 || !g_file_test (argv[1], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("usage: %s PATH-TO-bottleneck-cli [test options]\n", argv[0]);
      return 2;
    }
  cli_path = g_canonicalize_filename (argv[1], NULL);
  tmp_dir = g_dir_make_tmp ("cli-codec-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);

  g_test_add_func ("/cli-codec/roundtrip-exact", test_cli_roundtrip);
  g_test_add_func ("/cli-codec/errors", test_cli_errors);
  g_test_add_func ("/cli-codec/compare-rd", test_cli_compare_rd);

  status = g_test_run ();

  /* Leave nothing behind. */
  {
    g_autoptr (GDir) dir = g_dir_open (tmp_dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *p = g_build_filename (tmp_dir, name, NULL);
        g_unlink (p);
      }
    g_rmdir (tmp_dir);
    g_free (tmp_dir);
    g_free (cli_path);
  }
  return status;
}

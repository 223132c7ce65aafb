/* test-latent.c — latent statistics, the 2-D map and its inverse,
 * interpolation, traversal grids, input loading; with the engine:
 * interpolation end points and decoding from snapshots under training. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "btl-error.h"
#include "btl-image.h"
#include "btl-latent.h"

static void
assert_close (const float *a,
              const float *b,
              int          n,
              double       tol)
{
  double worst = 0.0;
  int at = -1;

  for (int i = 0; i < n; i++)
    if (fabs ((double) a[i] - b[i]) > worst)
      {
        worst = fabs ((double) a[i] - b[i]);
        at = i;
      }
  if (worst > tol)
    g_error ("worst difference %.3g at %d (%g vs %g) exceeds %.3g",
             worst, at, a[at], b[at], tol);
}

static void
test_latent_stats (void)
{
  /* dim 3: d0 ∈ {0, 2} (σ 1), d1 constant 5 (σ 0), d2 ∈ {−3, 3} (σ 3). */
  const float codes[] = {
    0, 5, -3,
    2, 5,  3,
    0, 5,  3,
    2, 5, -3,
  };
  const guint8 labels[] = { 0, 1, 2, 3 };
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlLatentSpace) space = NULL;
  float lo, hi;

  space = btl_latent_space_new (codes, 4, 3, labels, &error);
  g_assert_no_error (error);
  g_assert_nonnull (space);
  g_assert_cmpint (space->n, ==, 4);
  g_assert_cmpint (space->dim, ==, 3);
  g_assert_cmpfloat_with_epsilon (space->mean[0], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (space->mean[1], 5.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (space->mean[2], 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (space->std[0], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (space->std[1], 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (space->std[2], 3.0, 1e-6);
  g_assert_cmpfloat (space->min[2], ==, -3.0f);
  g_assert_cmpfloat (space->max[2], ==, 3.0f);
  g_assert_cmpint (space->order[0], ==, 2);
  g_assert_cmpint (space->order[1], ==, 0);
  g_assert_cmpint (space->order[2], ==, 1);
  g_assert_cmpmem (space->labels, 4, labels, 4);
  g_assert_cmpmem (btl_latent_space_code (space, 1), 3 * sizeof (float),
                   codes + 3, 3 * sizeof (float));

  /* mean ± 3σ = ±9, clipped to the codes' ±3 widened by a tenth of 6. */
  btl_latent_space_range (space, 2, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, -3.6, 1e-5);
  g_assert_cmpfloat_with_epsilon (hi, 3.6, 1e-5);
  /* A skewed (ReLU-like) dimension: mean 1, σ ≈ 1.73, but nothing below 0. */
  {
    const float skew[] = { 0, 0, 0, 4 };
    g_autoptr(BtlLatentSpace) s1 = btl_latent_space_new (skew, 4, 1, NULL, &error);

    g_assert_no_error (error);
    btl_latent_space_range (s1, 0, &lo, &hi);
    g_assert_cmpfloat_with_epsilon (lo, -0.4, 1e-5);
    g_assert_cmpfloat_with_epsilon (hi, 4.4, 1e-5);
  }
  /* A dead dimension borrows the mean spread: 5 ± 3·(1 + 0 + 3)/3. */
  btl_latent_space_range (space, 1, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 1.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (hi, 9.0, 1e-5);
}

/* Codes on a 2-D affine plane of R^6: PCA with 2 components spans it exactly,
 * so mapping a code and inverting the map must give the code back. */
static void
test_latent_inverse_pca_round_trip (void)
{
  enum { N = 200, D = 6 };
  const float origin[D] = { 0.5f, -1.0f, 2.0f, 0.0f, 3.0f, -0.25f };
  float u[D] = { 1, 1, 0, 0, 1, 0 }, v[D] = { 0, 1, -1, 2, -1, 1 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree float *codes = g_new (float, N * D);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlLatentSpace) space = NULL;
  float z[D], xy[2];

  for (int i = 0; i < N; i++)
    {
      double a = g_rand_double_range (rand, -3, 3);
      double b = g_rand_double_range (rand, -1, 1);

      for (int d = 0; d < D; d++)
        codes[i * D + d] = (float) (origin[d] + a * u[d] + b * v[d]);
    }
  space = btl_latent_space_new (codes, N, D, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (space->pca);
  g_assert_cmpfloat (btl_pca_explained_ratio (space->pca, 2), >, 0.9999);

  for (int i = 0; i < N; i++)
    {
      const float *c = btl_latent_space_code (space, i);

      btl_latent_space_to_map (space, c, xy);
      assert_close (xy, space->map_xy + 2 * i, 2, 1e-5);
      btl_latent_space_from_map (space, xy[0], xy[1], z);
      assert_close (z, c, D, 1e-4);
    }
  /* The other way round for any map position, inside the cloud or not. */
  for (int k = 0; k < 20; k++)
    {
      float p[2] = { (float) g_rand_double_range (rand, -10, 10),
                     (float) g_rand_double_range (rand, -10, 10) };

      btl_latent_space_from_map (space, p[0], p[1], z);
      btl_latent_space_to_map (space, z, xy);
      assert_close (xy, p, 2, 1e-4);
    }
}

static void
test_latent_map_small_codes (void)
{
  const float codes2[] = { 1, 2, 3, 4, -1, 0 };
  const float codes1[] = { 1, 2, 4 };
  const float single[] = { 1, 2, 3, 4, 5 };
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlLatentSpace) s2 = NULL;
  g_autoptr(BtlLatentSpace) s1 = NULL;
  g_autoptr(BtlLatentSpace) s5 = NULL;
  float z[5], xy[2];

  /* 2-D codes: the map is the code itself, no PCA. */
  s2 = btl_latent_space_new (codes2, 3, 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (s2->pca);
  assert_close (s2->map_xy, codes2, 6, 0);
  btl_latent_space_from_map (s2, 0.5, -7.0, z);
  g_assert_cmpfloat (z[0], ==, 0.5f);
  g_assert_cmpfloat (z[1], ==, -7.0f);

  /* 1-D codes: x is the code, y is 0. */
  s1 = btl_latent_space_new (codes1, 3, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (s1->map_xy[4], ==, 4.0f);
  g_assert_cmpfloat (s1->map_xy[5], ==, 0.0f);
  btl_latent_space_from_map (s1, 2.5, 9.0, z);
  g_assert_cmpfloat (z[0], ==, 2.5f);

  /* One code of 5 dimensions: no PCA possible, the map still works. */
  s5 = btl_latent_space_new (single, 1, 5, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (s5->pca);
  btl_latent_space_from_map (s5, 10.0, 20.0, z);
  btl_latent_space_to_map (s5, z, xy);
  g_assert_cmpfloat (xy[0], ==, 10.0f);
  g_assert_cmpfloat (xy[1], ==, 20.0f);
}

static void
test_latent_bad_codes (void)
{
  const float codes[] = { 1, NAN, 3, 4 };
  g_autoptr(GError) error = NULL;
  BtlLatentSpace *space;

  space = btl_latent_space_new (codes, 2, 2, NULL, &error);
  g_assert_null (space);
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "diverged"));
  g_clear_error (&error);

  space = btl_latent_space_new (codes, 0, 2, NULL, &error);
  g_assert_null (space);
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
}

static double
norm (const float *z,
      int          dim)
{
  double s = 0.0;

  for (int d = 0; d < dim; d++)
    s += (double) z[d] * z[d];
  return sqrt (s);
}

static void
test_latent_interpolation (void)
{
  const float a[3] = { 2, 0, 0 }, b[3] = { 0, 2, 0 };
  const float c[3] = { 1, 1, 1 }, c2[3] = { 3, 3, 3 };
  float strip[5 * 3], out[3];

  /* Linear: end points exact, evenly spaced. */
  btl_latent_interpolate (a, b, 3, 5, FALSE, strip);
  assert_close (strip, a, 3, 0);
  assert_close (strip + 12, b, 3, 0);
  g_assert_cmpfloat_with_epsilon (strip[3], 1.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (strip[4], 0.5, 1e-6);

  /* Spherical: end points exact, the length stays 2 along the arc and the
   * midpoint sits at 45°. */
  btl_latent_interpolate (a, b, 3, 5, TRUE, strip);
  assert_close (strip, a, 3, 0);
  assert_close (strip + 12, b, 3, 0);
  for (int i = 0; i < 5; i++)
    g_assert_cmpfloat_with_epsilon (norm (strip + 3 * i, 3), 2.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (strip[6], sqrt (2.0), 1e-5);
  g_assert_cmpfloat_with_epsilon (strip[7], sqrt (2.0), 1e-5);

  /* Parallel vectors and a zero vector fall back to the straight line. */
  btl_latent_slerp (c, c2, 3, 0.5, out);
  assert_close (out, (float[3]) { 2, 2, 2 }, 3, 1e-5);
  btl_latent_slerp ((float[3]) { 0, 0, 0 }, c2, 3, 0.5, out);
  assert_close (out, (float[3]) { 1.5f, 1.5f, 1.5f }, 3, 1e-6);
}

static void
test_latent_traversal (void)
{
  const float base[4] = { 9, 9, 9, 9 };
  float grid[3 * 2 * 4], row[4 * 4];

  btl_latent_traversal (base, 4, 1, -1.0f, 1.0f, 3, 3, 10.0f, 20.0f, 2, grid);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      {
        const float *z = grid + (i * 3 + j) * 4;

        g_assert_cmpfloat (z[0], ==, 9.0f);
        g_assert_cmpfloat (z[2], ==, 9.0f);
        g_assert_cmpfloat_with_epsilon (z[1], -1.0 + j, 1e-6);
        g_assert_cmpfloat_with_epsilon (z[3], 10.0 + 10.0 * i, 1e-6);
      }

  /* No second dimension: one row. */
  btl_latent_traversal (base, 4, 0, 0.0f, 3.0f, 4, -1, 0, 0, 99, row);
  for (int j = 0; j < 4; j++)
    {
      g_assert_cmpfloat_with_epsilon (row[j * 4], j, 1e-6);
      g_assert_cmpfloat (row[j * 4 + 1], ==, 9.0f);
    }
}

static void
test_latent_sample (void)
{
  enum { N = 4000 };
  const float codes[] = { 10, -1, 14, -1, 10, 1, 14, 1 };  /* mean (12, 0), σ (2, 1) */
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlLatentSpace) space = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  double sum[2][2] = { { 0 } }, sum2[2][2] = { { 0 } };

  space = btl_latent_space_new (codes, 4, 2, NULL, &error);
  g_assert_no_error (error);
  for (int p = 0; p < 2; p++)
    for (int i = 0; i < N; i++)
      {
        float z[2];

        btl_latent_space_sample (space, p, rand, z);
        for (int d = 0; d < 2; d++)
          {
            sum[p][d] += z[d];
            sum2[p][d] += (double) z[d] * z[d];
          }
      }
  for (int d = 0; d < 2; d++)
    {
      double m0 = sum[0][d] / N, s0 = sqrt (sum2[0][d] / N - m0 * m0);
      double m1 = sum[1][d] / N, s1 = sqrt (sum2[1][d] / N - m1 * m1);

      /* Fitted Gaussian, then the prior N(0, 1); 4000 draws: ±5 standard errors. */
      g_assert_cmpfloat (fabs (m0 - space->mean[d]), <, 5 * space->std[d] / sqrt (N));
      g_assert_cmpfloat (fabs (s0 - space->std[d]), <, 0.1 * space->std[d]);
      g_assert_cmpfloat (fabs (m1), <, 5.0 / sqrt (N));
      g_assert_cmpfloat (fabs (s1 - 1.0), <, 0.1);
    }
}

static void
test_latent_load_input (void)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 40, 20);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *bad = NULL;
  g_autofree float *x = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (pb);
  int stride = gdk_pixbuf_get_rowstride (pb);

  /* 40×20: white on the left half, black on the right. The centre crop to a
   * square keeps columns 10…29, so the 8×8 input is half white, half black. */
  for (int yy = 0; yy < 20; yy++)
    for (int xx = 0; xx < 40; xx++)
      memset (pixels + yy * stride + xx * 3, xx < 20 ? 255 : 0, 3);
  dir = g_dir_make_tmp ("btl-latent-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "half.png", NULL);
  g_assert_true (gdk_pixbuf_save (pb, path, "png", &error, NULL));

  x = btl_latent_load_input (path, 1, 8, 8, &error);
  g_assert_no_error (error);
  for (int yy = 0; yy < 8; yy++)
    {
      g_assert_cmpfloat (x[yy * 8 + 0], >, 0.95f);
      g_assert_cmpfloat (x[yy * 8 + 2], >, 0.95f);
      g_assert_cmpfloat (x[yy * 8 + 5], <, 0.05f);
      g_assert_cmpfloat (x[yy * 8 + 7], <, 0.05f);
    }
  g_clear_pointer (&x, g_free);
  x = btl_latent_load_input (path, 3, 4, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (x[0], >, 0.95f);                 /* R, top-left */
  g_assert_cmpfloat (x[2 * 24 + 23], <, 0.05f);       /* B, bottom-right */
  g_clear_pointer (&x, g_free);

  /* Not an image: a clear error, no crash. */
  bad = g_build_filename (dir, "bad.png", NULL);
  g_assert_true (g_file_set_contents (bad, "not a picture", -1, NULL));
  x = btl_latent_load_input (bad, 1, 8, 8, &error);
  g_assert_null (x);
  g_assert_nonnull (error);
  g_clear_error (&error);
  x = btl_latent_load_input ("/nonexistent/x.png", 1, 8, 8, &error);
  g_assert_null (x);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  g_unlink (path);
  g_unlink (bad);
  g_rmdir (dir);
}

/* ---------------------------------------------------------------- with the engine */

/* A small dense model (1×8×8 → 16 → 4) with initialised weights. */
static NnModel *
make_model (NnKind kind)
{
  NnConfig cfg;
  NnError nerr = { 0 };
  NnModel *model;

  nn_config_init_default (&cfg);
  cfg.kind = kind;
  cfg.in_height = cfg.in_width = 8;
  g_assert_cmpint (nn_config_set (&cfg, "arch", "64-16-4", &nerr), ==, NN_OK);
  cfg.batch = 32;
  /* Far more than any test waits for: the trainer must still be running
   * when a test cancels it, however fast the machine is. */
  cfg.epochs = 1000000;
  cfg.patience = 0;
  model = nn_model_new (&cfg, &nerr);
  if (model == NULL)
    g_error ("nn_model_new: %s", nerr.message);
  nn_model_init_params (model, 5);
  return model;
}

/* n smooth 8×8 images in [0,1]: shifted gradients, so an autoencoder has
 * something to learn. */
static float *
make_images (int n)
{
  float *x = g_new (float, (size_t) n * 64);

  for (int i = 0; i < n; i++)
    for (int p = 0; p < 64; p++)
      x[i * 64 + p] = 0.5f + 0.5f * sinf (0.3f * (float) i + 0.4f * (float) (p % 8)
                                          + 0.9f * (float) (p / 8) * (float) (i % 3));
  return x;
}

static void
check_end_points (NnKind kind)
{
  enum { STEPS = 6 };
  NnModel *model = make_model (kind);
  NnError nerr = { 0 };
  NnInference *inf = nn_inference_new (model, 16, &nerr);
  g_autofree float *x = make_images (2);
  const float *params = nn_model_params (model), *stats = nn_model_stats (model);
  float z[2 * 4], strip_z[STEPS * 4], recon[2 * 64], strip[STEPS * 64];

  g_assert_nonnull (inf);
  g_assert_cmpint (nn_inference_encode (inf, params, stats, x, 2, z, &nerr), ==, NN_OK);
  g_assert_cmpint (nn_inference_reconstruct (inf, params, stats, x, 2, recon, &nerr), ==, NN_OK);
  for (int spherical = 0; spherical < 2; spherical++)
    {
      btl_latent_interpolate (z, z + 4, 4, STEPS, spherical, strip_z);
      g_assert_cmpint (nn_inference_decode (inf, params, stats, strip_z, STEPS, strip, &nerr),
                       ==, NN_OK);
      /* The strip starts and ends at the two reconstructions (a VAE's
       * reconstruction decodes μ, which is what encode returns). */
      assert_close (strip, recon, 64, 1e-6);
      assert_close (strip + (STEPS - 1) * 64, recon + 64, 64, 1e-6);
      /* …and moves in between. */
      g_assert_cmpfloat (fabsf (strip[2 * 64 + 10] - recon[10])
                         + fabsf (strip[2 * 64 + 30] - recon[30]), >, 0.0f);
    }
  nn_inference_free (inf);
  nn_model_free (model);
}

static void
test_latent_end_points_plain (void)
{
  check_end_points (NN_KIND_PLAIN);
}

static void
test_latent_end_points_vae (void)
{
  check_end_points (NN_KIND_VAE);
}

static void
test_latent_encode_dataset (void)
{
  NnModel *model = make_model (NN_KIND_PLAIN);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) ds = btl_dataset_new ("toy", 300, 1, 8, 8, 3, &error);
  g_autoptr(BtlDataset) wrong = btl_dataset_new ("wrong", 3, 1, 9, 9, 0, &error);
  g_autoptr(BtlLatentSpace) space = NULL;
  g_autofree float *x = make_images (300);
  NnError nerr = { 0 };
  NnInference *inf = nn_inference_new (model, 300, &nerr);
  g_autofree float *z = g_new (float, 300 * 4);
  BtlLatentSpace *none;

  memcpy (ds->images, x, sizeof (float) * 300 * 64);
  for (int i = 0; i < 300; i++)
    ds->labels[i] = (guint8) (i % 3);
  g_assert_cmpint (nn_inference_encode (inf, nn_model_params (model), nn_model_stats (model),
                                        x, 300, z, &nerr), ==, NN_OK);

  /* Batched internally (256 + 44): the same codes as one big call. */
  space = btl_latent_space_encode (model, NULL, NULL, ds, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (space->n, ==, 300);
  g_assert_cmpint (space->dim, ==, 4);
  assert_close (space->codes, z, 300 * 4, 1e-6);
  g_assert_cmpint (space->labels[299], ==, 2);
  g_assert_nonnull (space->pca);
  g_clear_pointer (&space, btl_latent_space_free);

  space = btl_latent_space_encode (model, NULL, NULL, ds, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpint (space->n, ==, 10);

  none = btl_latent_space_encode (model, NULL, NULL, wrong, 0, &error);
  g_assert_null (none);
  g_assert_error (error, BTL_ERROR, BTL_ERROR_SHAPE);

  nn_inference_free (inf);
  nn_model_free (model);
}

/* The statistics a model carries for its codec: streamed over batches, the
 * same as from all codes at once; cancellable; shape-checked. */
static void
test_latent_stats_compute (void)
{
  NnModel *model = make_model (NN_KIND_PLAIN);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) ds = btl_dataset_new ("toy", 300, 1, 8, 8, 0, &error);
  g_autoptr(BtlDataset) wrong = btl_dataset_new ("wrong", 3, 1, 9, 9, 0, &error);
  g_autoptr(BtlLatentSpace) space = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autofree float *x = make_images (300);

  memcpy (ds->images, x, sizeof (float) * 300 * 64);
  space = btl_latent_space_encode (model, NULL, NULL, ds, 0, &error);
  g_assert_no_error (error);

  /* 256 + 44 images, streamed: the same as the space's statistics. */
  g_assert_true (btl_latent_stats_compute (model, NULL, NULL, ds, 0, NULL, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.latent_dim, ==, 4);
  assert_close (info.latent_mean, space->mean, 4, 1e-5);
  assert_close (info.latent_std, space->std, 4, 1e-4);
  assert_close (info.latent_min, space->min, 4, 0);
  assert_close (info.latent_max, space->max, 4, 0);

  /* A limit takes the first images only. */
  g_clear_pointer (&space, btl_latent_space_free);
  space = btl_latent_space_encode (model, NULL, NULL, ds, 10, &error);
  g_assert_true (btl_latent_stats_compute (model, NULL, NULL, ds, 10, NULL, &info, &error));
  assert_close (info.latent_mean, space->mean, 4, 1e-5);
  assert_close (info.latent_max, space->max, 4, 0);

  /* Cancelled or the wrong shape: an error, info untouched. */
  g_cancellable_cancel (cancelled);
  g_assert_false (btl_latent_stats_compute (model, NULL, NULL, ds, 0, cancelled, &info, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (btl_latent_stats_compute (model, NULL, NULL, wrong, 0, NULL, &info, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_SHAPE);
  g_assert_cmpint (info.latent_dim, ==, 4);
  assert_close (info.latent_mean, space->mean, 4, 1e-5);

  nn_model_free (model);
}

typedef struct
{
  NnTrainer *trainer;
  gint       steps;      /* atomic: last step reported */
  NnStatus   status;
} TrainRun;

static void
count_step (const NnProgress *progress,
            void             *user_data)
{
  TrainRun *run = user_data;

  if (!progress->epoch_end)
    g_atomic_int_set (&run->steps, (gint) progress->step);
}

static gpointer
train_thread (gpointer data)
{
  TrainRun *run = data;
  NnError nerr = { 0 };

  run->status = nn_trainer_run (run->trainer, count_step, run, &nerr);
  return NULL;
}

/* The latent sliders decode from the trainer's published snapshots in the UI
 * thread while the trainer keeps stepping in its own: the decoder takes no
 * lock the trainer holds, and it sees the weights change. */
static void
test_latent_decode_under_training (void)
{
  enum { N = 512 };
  NnModel *model = make_model (NN_KIND_PLAIN);
  g_autofree float *x = make_images (N);
  NnError nerr = { 0 };
  NnInference *inf = nn_inference_new (model, 1, &nerr);
  TrainRun run = { 0 };
  GThread *thread;
  const float z[4] = { 0.3f, -0.2f, 0.5f, 0.1f };
  float y[64], first_y[64];
  gint64 first_step = -1, last_step = -1, steps_before, steps_after, t_end;
  double worst_us = 0.0, total_us = 0.0;
  int decodes = 0, distinct = 0;
  gboolean changed = FALSE;

  run.trainer = nn_trainer_new (model, x, N, &nerr);
  g_assert_nonnull (run.trainer);
  nn_trainer_set_snapshot_interval (run.trainer, 5);
  thread = g_thread_new ("trainer", train_thread, &run);

  /* Wait for the first snapshot (bounded). */
  for (int i = 0; i < 2000; i++)
    {
      NnSnapshot *snap = nn_trainer_dup_snapshot (run.trainer);

      if (snap != NULL)
        {
          nn_snapshot_unref (snap);
          break;
        }
      g_usleep (1000);
    }

  steps_before = g_atomic_int_get (&run.steps);
  t_end = g_get_monotonic_time () + 400 * 1000;
  while (g_get_monotonic_time () < t_end)
    {
      NnSnapshot *snap = nn_trainer_dup_snapshot (run.trainer);
      gint64 t0, dt;

      g_assert_nonnull (snap);
      t0 = g_get_monotonic_time ();
      g_assert_cmpint (nn_inference_decode (inf, snap->params, snap->stats, z, 1, y, &nerr),
                       ==, NN_OK);
      dt = g_get_monotonic_time () - t0;
      worst_us = MAX (worst_us, (double) dt);
      total_us += (double) dt;
      decodes++;
      for (int p = 0; p < 64; p++)
        g_assert_true (isfinite (y[p]));
      if (snap->step != last_step)
        {
          distinct++;
          last_step = snap->step;
        }
      if (first_step < 0)
        {
          first_step = snap->step;
          memcpy (first_y, y, sizeof y);
        }
      else if (snap->step != first_step && memcmp (first_y, y, sizeof y) != 0)
        changed = TRUE;
      nn_snapshot_unref (snap);
      g_usleep (2000);
    }
  steps_after = g_atomic_int_get (&run.steps);

  nn_trainer_cancel (run.trainer);
  g_thread_join (thread);
  g_assert_cmpint (run.status, ==, NN_ERR_CANCELLED);

  g_test_message ("%d decodes from %d snapshots while the trainer ran %" G_GINT64_FORMAT
                  " steps; decode mean %.0f µs, worst %.0f µs",
                  decodes, distinct, steps_after - steps_before,
                  total_us / decodes, worst_us);
  g_assert_cmpint (steps_after - steps_before, >, 10);
  g_assert_cmpint (distinct, >=, 2);
  g_assert_true (changed);

  nn_inference_free (inf);
  nn_trainer_free (run.trainer);
  nn_model_free (model);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/latent/stats", test_latent_stats);
  g_test_add_func ("/latent/map/inverse-pca-round-trip", test_latent_inverse_pca_round_trip);
  g_test_add_func ("/latent/map/small-codes", test_latent_map_small_codes);
  g_test_add_func ("/latent/bad-codes", test_latent_bad_codes);
  g_test_add_func ("/latent/interpolation", test_latent_interpolation);
  g_test_add_func ("/latent/traversal", test_latent_traversal);
  g_test_add_func ("/latent/sample", test_latent_sample);
  g_test_add_func ("/latent/load-input", test_latent_load_input);
  g_test_add_func ("/latent/engine/end-points/plain", test_latent_end_points_plain);
  g_test_add_func ("/latent/engine/end-points/vae", test_latent_end_points_vae);
  g_test_add_func ("/latent/engine/encode-dataset", test_latent_encode_dataset);
  g_test_add_func ("/latent/engine/stats-compute", test_latent_stats_compute);
  g_test_add_func ("/latent/engine/decode-under-training", test_latent_decode_under_training);

  return g_test_run ();
}

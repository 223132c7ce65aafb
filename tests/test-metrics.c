/* test-metrics.c — MSE, PSNR and SSIM against exact values and skimage. */
#include <math.h>

#include "btl-metrics.h"

static void
test_mse_exact (void)
{
  const float a[] = { 0.0f, 0.5f, 1.0f, 0.25f };
  const float b[] = { 0.5f, 0.5f, 0.0f, 0.25f };

  /* (0.25 + 0 + 1 + 0) / 4 — every term exact in binary. */
  g_assert_cmpfloat (btl_mse (a, b, 4), ==, 0.3125);
  g_assert_cmpfloat (btl_mse (b, a, 4), ==, 0.3125);
  g_assert_cmpfloat (btl_mse (a, a, 4), ==, 0.0);
  g_assert_cmpfloat (btl_mse (a, b, 0), ==, 0.0);
}

static void
test_psnr (void)
{
  g_assert_cmpfloat_with_epsilon (btl_psnr_from_mse (0.01), 20.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (btl_psnr_from_mse (1e-3), 30.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (btl_psnr_from_mse (1.0), 0.0, 1e-12);
  g_assert_cmpfloat (btl_psnr_from_mse (0.0), ==, BTL_PSNR_MAX_DB);
  g_assert_cmpfloat (btl_psnr_from_mse (1e-30), ==, BTL_PSNR_MAX_DB);
  g_assert_true (isnan (btl_psnr_from_mse (NAN)));
  g_assert_true (isnan (btl_psnr_from_mse (-1.0)));
}

/* The patterns used for the skimage reference values below. */
static void
make_patterns (float *a,
               float *b,
               float *c)
{
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 16; x++)
      {
        double va = ((x * 7 + y * 3) % 16) / 15.0;

        a[y * 16 + x] = (float) va;
        b[y * 16 + x] = (float) (0.8 * va + 0.1);
        c[y * 16 + x] = (float) (((x * x + 2 * y) % 11) / 10.0);
      }
}

static void
test_ssim_identity (void)
{
  float a[256], b[256], c[256];

  make_patterns (a, b, c);
  g_assert_cmpfloat_with_epsilon (btl_ssim (a, a, 1, 16, 16), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (btl_ssim (c, c, 1, 16, 16), 1.0, 1e-12);
  /* Small images: the window shrinks instead of failing. */
  g_assert_cmpfloat_with_epsilon (btl_ssim (a, a, 1, 4, 5), 1.0, 1e-12);
  g_assert_true (isnan (btl_ssim (a, a, 1, 0, 16)));
}

/* Reference values: /usr/bin/python3 with Debian's python3-skimage 0.19.3,
 * skimage.metrics.structural_similarity(x, y, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=1) on float64 copies of the same
 * patterns (channel_axis=0 for the RGB case). */
static void
test_ssim_skimage (void)
{
  float a[256], b[256], c[256];
  float r[3 * 12 * 13], s[3 * 12 * 13];

  make_patterns (a, b, c);
  g_assert_cmpfloat_with_epsilon (btl_ssim (a, b, 1, 16, 16), 0.9757432072684489, 1e-6);
  g_assert_cmpfloat_with_epsilon (btl_ssim (a, c, 1, 16, 16), -0.1663099033018334, 1e-6);

  for (int ch = 0; ch < 3; ch++)
    for (int y = 0; y < 12; y++)
      for (int x = 0; x < 13; x++)
        {
          r[(ch * 12 + y) * 13 + x] = (float) (((x * 5 + y * 2 + ch * 3) % 9) / 8.0);
          s[(ch * 12 + y) * 13 + x] = (float) (((x + y * 4 + ch) % 7) / 6.0);
        }
  g_assert_cmpfloat_with_epsilon (btl_ssim (r, s, 3, 12, 13), 0.10577148171649349, 1e-6);
}

/* Constant images: every window has zero variance, so
 * SSIM = (2·μa·μb + C1) / (μa² + μb² + C1) exactly. */
static void
test_ssim_constant (void)
{
  float a[20 * 20], b[20 * 20];
  const double c1 = 0.01 * 0.01;
  double expected = (2 * 0.5 * 0.625 + c1) / (0.25 + 0.390625 + c1);

  for (int i = 0; i < 400; i++)
    {
      a[i] = 0.5f;
      b[i] = 0.625f;
    }
  g_assert_cmpfloat_with_epsilon (btl_ssim (a, b, 1, 20, 20), expected, 1e-12);
}

static void
test_ssim_noise (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  float clean[28 * 28], noisy[28 * 28];
  double previous = 1.0;
  const double sigmas[] = { 0.02, 0.05, 0.1, 0.2, 0.4 };

  for (int i = 0; i < 28 * 28; i++)
    clean[i] = (float) (0.5 + 0.4 * sin (i * 0.37) * cos (i * 0.011));

  for (guint k = 0; k < G_N_ELEMENTS (sigmas); k++)
    {
      double v, v_swapped;

      g_rand_set_seed (rand, 7);
      for (int i = 0; i < 28 * 28; i++)
        noisy[i] = clean[i] + (float) (sigmas[k] * (g_rand_double (rand) * 2 - 1));

      v = btl_ssim (clean, noisy, 1, 28, 28);
      v_swapped = btl_ssim (noisy, clean, 1, 28, 28);
      g_assert_cmpfloat_with_epsilon (v, v_swapped, 1e-12);
      g_assert_cmpfloat (v, <, previous);
      g_assert_cmpfloat (v, >, -1.0);
      previous = v;
    }
  g_assert_cmpfloat (previous, <, 0.9);
}

/* The straightforward definition the streaming btl_ssim must match: for every
 * window inside the picture, the 2-D Gaussian-weighted moments summed
 * directly (weights k[i]·k[j]), then the mean over windows and channels. */
static double
reference_ssim (const float *a,
                const float *b,
                int          channels,
                int          height,
                int          width)
{
  const double c1 = 1e-4, c2 = 9e-4;
  double k[11], ksum = 0.0, sum = 0.0;
  int r = 5, win;

  while (r > 0 && (2 * r + 1 > height || 2 * r + 1 > width))
    r--;
  win = 2 * r + 1;
  for (int i = 0; i < win; i++)
    ksum += k[i] = exp (-0.5 * (i - r) * (i - r) / (1.5 * 1.5));
  for (int i = 0; i < win; i++)
    k[i] /= ksum;

  for (int c = 0; c < channels; c++)
    {
      const float *pa = a + (gsize) c * height * width;
      const float *pb = b + (gsize) c * height * width;
      double total = 0.0;

      for (int y = 0; y + win <= height; y++)
        for (int x = 0; x + win <= width; x++)
          {
            double ux = 0, uy = 0, uxx = 0, uyy = 0, uxy = 0, vx, vy, vxy;

            for (int i = 0; i < win; i++)
              for (int j = 0; j < win; j++)
                {
                  double w = k[i] * k[j];
                  double va = pa[(y + i) * width + x + j], vb = pb[(y + i) * width + x + j];

                  ux += w * va;
                  uy += w * vb;
                  uxx += w * va * va;
                  uyy += w * vb * vb;
                  uxy += w * va * vb;
                }
            vx = uxx - ux * ux;
            vy = uyy - uy * uy;
            vxy = uxy - ux * uy;
            total += ((2 * ux * uy + c1) * (2 * vxy + c2))
                     / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
          }
      sum += total / ((double) (height - win + 1) * (width - win + 1));
    }
  return sum / channels;
}

/* Random pictures (8-bit values, and a distorted copy) of odd shapes: below
 * the window, exactly the window, wider than a block of the vertical pass. */
static void
test_ssim_reference (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  const int shapes[][3] = {
    { 1, 1, 1 }, { 3, 1, 1 }, { 1, 1, 17 }, { 1, 9, 1 }, { 1, 2, 2 }, { 3, 4, 7 },
    { 1, 10, 10 }, { 1, 11, 11 }, { 3, 12, 13 }, { 1, 37, 23 }, { 3, 29, 64 },
    { 1, 13, 600 }, { 3, 40, 531 }, { 1, 200, 12 },
  };
  double worst = 0.0;

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      int c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
      gsize n = (gsize) c * h * w;
      g_autofree float *a = g_new (float, n);
      g_autofree float *b = g_new (float, n);
      double got, want;

      for (gsize i = 0; i < n; i++)
        {
          /* smooth-ish content plus noise, so windows have all kinds of variance */
          double v = 0.5 + 0.3 * sin (i * 0.05) + 0.2 * (g_rand_double (rand) - 0.5);
          double d = v + 0.4 * (g_rand_double (rand) - 0.5);

          a[i] = floorf ((float) CLAMP (v, 0.0, 1.0) * 255.0f + 0.5f) / 255.0f;
          b[i] = floorf ((float) CLAMP (d, 0.0, 1.0) * 255.0f + 0.5f) / 255.0f;
        }
      got = btl_ssim (a, b, c, h, w);
      want = reference_ssim (a, b, c, h, w);
      g_test_message ("%d×%d×%d: %.17g (reference %.17g)", c, h, w, got, want);
      worst = MAX (worst, fabs (got - want));
      g_assert_cmpfloat_with_epsilon (got, want, 1e-12);
      g_assert_cmpfloat_with_epsilon (btl_ssim (a, a, c, h, w), 1.0, 1e-12);
    }
  g_test_message ("worst |Δ| %.3g", worst);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/metrics/mse", test_mse_exact);
  g_test_add_func ("/core/metrics/psnr", test_psnr);
  g_test_add_func ("/core/metrics/ssim/identity", test_ssim_identity);
  g_test_add_func ("/core/metrics/ssim/skimage", test_ssim_skimage);
  g_test_add_func ("/core/metrics/ssim/constant", test_ssim_constant);
  g_test_add_func ("/core/metrics/ssim/noise", test_ssim_noise);
  g_test_add_func ("/core/metrics/ssim/reference", test_ssim_reference);

  return g_test_run ();
}

/* test-metrics-reference.c — btl_mse, btl_psnr_from_mse and btl_ssim against
 * values scikit-image computed on committed pictures (tests/images/, made by
 * tests/gen-metrics-reference.py). Prints the worst differences; fails
 * beyond the tolerances. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "btl-image.h"
#include "btl-metrics.h"

/* Measured agreement is ~2e-8 for SSIM (float pixels, double sums); the
 * tolerances leave room for other BLAS/libm builds, not for another formula. */
#define SSIM_TOLERANCE 1e-6
#define PSNR_TOLERANCE 1e-5   /* dB */
#define MSE_RELATIVE   1e-6

/* (channels, H, W) floats of a committed PNG, read exactly (k/255): for a
 * gray picture the red plane, not a luma mix. */
static float *
load_png (const char *file,
          int         channels,
          int        *height,
          int        *width)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "images", file, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, &error);
  float *rgb;

  g_assert_no_error (error);
  rgb = btl_floats_from_pixbuf (pixbuf, 3, height, width);
  if (channels == 1)
    rgb = g_realloc (rgb, sizeof (float) * (gsize) *height * *width);
  return rgb;
}

static void
test_metrics_reference (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "images",
                                                 "metrics-reference.txt", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  double worst_ssim = 0.0, worst_psnr = 0.0, worst_mse = 0.0;
  int checked = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  lines = g_strsplit (text, "\n", -1);

  for (int i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = NULL;
      g_autofree float *a = NULL;
      g_autofree float *b = NULL;
      int channels, ha, wa, hb, wb;
      double ref_mse, ref_psnr, ref_ssim, mse, psnr, ssim;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      f = g_strsplit (lines[i], " ", -1);
      g_assert_cmpuint (g_strv_length (f), ==, 7);
      channels = atoi (f[1]);
      ref_mse = g_ascii_strtod (f[4], NULL);
      ref_psnr = g_ascii_strtod (f[5], NULL);
      ref_ssim = g_ascii_strtod (f[6], NULL);

      a = load_png (f[2], channels, &ha, &wa);
      b = load_png (f[3], channels, &hb, &wb);
      g_assert_cmpint (ha, ==, hb);
      g_assert_cmpint (wa, ==, wb);

      mse = btl_mse (a, b, (gsize) channels * ha * wa);
      psnr = btl_psnr_from_mse (mse);
      ssim = btl_ssim (a, b, channels, ha, wa);
      g_test_message ("%-12s %d×%d×%d  SSIM %.8f (skimage %.8f, Δ %.2g)  "
                      "PSNR %.6f (Δ %.2g)", f[0], channels, ha, wa, ssim, ref_ssim,
                      ssim - ref_ssim, psnr, psnr - ref_psnr);

      worst_ssim = MAX (worst_ssim, fabs (ssim - ref_ssim));
      worst_psnr = MAX (worst_psnr, fabs (psnr - ref_psnr));
      worst_mse = MAX (worst_mse, fabs (mse - ref_mse) / ref_mse);
      checked++;
    }

  g_test_message ("worst |ΔSSIM| %.3g, |ΔPSNR| %.3g dB, relative ΔMSE %.3g over %d pairs",
                  worst_ssim, worst_psnr, worst_mse, checked);
  g_assert_cmpint (checked, >=, 7);
  g_assert_cmpfloat (worst_mse, <=, MSE_RELATIVE);
  g_assert_cmpfloat (worst_psnr, <=, PSNR_TOLERANCE);
  g_assert_cmpfloat (worst_ssim, <=, SSIM_TOLERANCE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metrics/reference/skimage", test_metrics_reference);

  return g_test_run ();
}

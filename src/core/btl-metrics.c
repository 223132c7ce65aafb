/* btl-metrics.c — MSE, PSNR and SSIM. See btl-metrics.h. */
#include "btl-metrics.h"

#include <math.h>

double
btl_mse (const float *a,
         const float *b,
         size_t       n)
{
  double sum = 0.0;

  g_return_val_if_fail (n == 0 || (a != NULL && b != NULL), NAN);

  if (n == 0)
    return 0.0;

  for (size_t i = 0; i < n; i++)
    {
      double d = (double) a[i] - (double) b[i];
      sum += d * d;
    }
  return sum / (double) n;
}

double
btl_psnr_from_mse (double mse)
{
  double psnr;

  if (isnan (mse) || mse < 0.0)
    return NAN;
  if (mse == 0.0)
    return BTL_PSNR_MAX_DB;

  psnr = 10.0 * log10 (1.0 / mse);
  return MIN (psnr, BTL_PSNR_MAX_DB);
}

/* btl_ssim is in btl-ssim.c (compiled apart, vectorised). */

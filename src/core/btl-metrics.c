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

/* skimage: truncate = 3.5 → radius int(3.5·σ + 0.5) = 5 → 11 taps. */
#define SSIM_SIGMA   1.5
#define SSIM_RADIUS  5
#define SSIM_K1      0.01
#define SSIM_K2      0.03

/* Normalised 1-D Gaussian of 2·radius+1 taps, like scipy's gaussian_filter1d. */
static void
gaussian_kernel (double *k,
                 int     radius)
{
  double sum = 0.0;

  for (int i = -radius; i <= radius; i++)
    {
      k[i + radius] = exp (-0.5 * (double) (i * i) / (SSIM_SIGMA * SSIM_SIGMA));
      sum += k[i + radius];
    }
  for (int i = 0; i < 2 * radius + 1; i++)
    k[i] /= sum;
}

/* SSIM of one channel plane. Only windows entirely inside the plane are
 * computed: skimage filters with reflection and then crops (win−1)/2 pixels
 * from every border, which leaves exactly these windows, so no padding rule
 * is needed. Separable filter: rows first into tmp, then columns. */
static double
ssim_plane (const float  *a,
            const float  *b,
            int           height,
            int           width,
            int           radius,
            const double *k,
            double       *tmp)   /* (5, height, out_w) scratch */
{
  const double c1 = (SSIM_K1 * 1.0) * (SSIM_K1 * 1.0);
  const double c2 = (SSIM_K2 * 1.0) * (SSIM_K2 * 1.0);
  int win = 2 * radius + 1;
  int out_w = width - win + 1;
  int out_h = height - win + 1;
  size_t plane = (size_t) height * (size_t) out_w;
  double *ta = tmp, *tb = tmp + plane, *taa = tmp + 2 * plane;
  double *tbb = tmp + 3 * plane, *tab = tmp + 4 * plane;
  double total = 0.0;

  /* Horizontal pass: the five local moments of each row. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < out_w; x++)
      {
        const float *ra = a + (size_t) y * width + x;
        const float *rb = b + (size_t) y * width + x;
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        size_t o = (size_t) y * out_w + x;

        for (int t = 0; t < win; t++)
          {
            double va = ra[t], vb = rb[t];
            sa += k[t] * va;
            sb += k[t] * vb;
            saa += k[t] * va * va;
            sbb += k[t] * vb * vb;
            sab += k[t] * va * vb;
          }
        ta[o] = sa; tb[o] = sb; taa[o] = saa; tbb[o] = sbb; tab[o] = sab;
      }

  /* Vertical pass and the SSIM map, summed. */
  for (int y = 0; y < out_h; y++)
    for (int x = 0; x < out_w; x++)
      {
        double ux = 0, uy = 0, uxx = 0, uyy = 0, uxy = 0;
        double vx, vy, vxy;

        for (int t = 0; t < win; t++)
          {
            size_t o = (size_t) (y + t) * out_w + x;
            ux += k[t] * ta[o];
            uy += k[t] * tb[o];
            uxx += k[t] * taa[o];
            uyy += k[t] * tbb[o];
            uxy += k[t] * tab[o];
          }
        vx = uxx - ux * ux;
        vy = uyy - uy * uy;
        vxy = uxy - ux * uy;
        total += ((2.0 * ux * uy + c1) * (2.0 * vxy + c2))
                 / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
      }

  return total / ((double) out_h * (double) out_w);
}

double
btl_ssim (const float *a,
          const float *b,
          int          channels,
          int          height,
          int          width)
{
  double k[2 * SSIM_RADIUS + 1];
  double *tmp;
  double sum = 0.0;
  int radius = SSIM_RADIUS;
  int out_w;
  size_t plane;

  g_return_val_if_fail (a != NULL && b != NULL, NAN);

  if (channels <= 0 || height <= 0 || width <= 0)
    return NAN;

  /* Small images: the largest odd window that fits. */
  while (radius > 0 && (2 * radius + 1 > height || 2 * radius + 1 > width))
    radius--;
  gaussian_kernel (k, radius);

  out_w = width - 2 * radius;
  tmp = g_new (double, 5 * (size_t) height * (size_t) out_w);
  plane = (size_t) height * (size_t) width;
  for (int c = 0; c < channels; c++)
    sum += ssim_plane (a + c * plane, b + c * plane, height, width, radius, k, tmp);
  g_free (tmp);

  return sum / channels;
}

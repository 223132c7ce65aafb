/* btl-ssim.c — SSIM (see btl-metrics.h), streaming over the rows.
 *
 * A 12-megapixel picture is measured some thirty times by a rate–distortion
 * sweep, so this is the hot loop of `rd` and `compare`. The separable
 * Gaussian filter runs one input row at a time: the row's four local moments
 * (a, b, a² + b², ab filtered horizontally) go into a ring of `win` rows, and
 * as soon as the ring is full the vertical filter over it gives one row of
 * the SSIM map. Scratch is O(win · 1024) whatever the size (352 KB, against
 * 5 · H · W doubles — 480 MB for 4000 × 3000 — when the whole
 * horizontal pass was kept), and every inner loop walks contiguous memory,
 * so the compiler vectorises it.
 *
 * Sums stay in double: the variances are differences of nearly equal moments
 * (E[a²] − E[a]²), and the results agree with the straightforward 2-D sum to
 * ~1e-15 (tests/test-metrics.c compares them on random pictures).
 *
 * Compiled with -O3 (src/core/meson.build) and for AVX-512 / AVX2 / baseline
 * x86-64, picked at load time like the engine's kernels. */
#include "btl-metrics.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BTL_SSIM_HOT __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define BTL_SSIM_HOT
#endif

/* skimage: truncate = 3.5 → radius int(3.5·σ + 0.5) = 5 → 11 taps. */
#define SSIM_SIGMA   1.5
#define SSIM_RADIUS  5
#define SSIM_K1      0.01
#define SSIM_K2      0.03
#define N_MOMENTS    4
/* Columns per block of the vertical pass: the four accumulators of a block
 * (4 · 512 doubles = 16 KB) stay in the L1 cache while the ring's rows
 * stream through. */
#define SSIM_BLOCK   512
/* Output columns per strip (see ssim_plane). */
#define SSIM_STRIP   1024

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

/* The four moments of one input row, filtered horizontally: out (4, out_w)
 * from a and b (width). SSIM needs the variances only as σa² + σb², so a² and
 * b² are filtered together. prod (4, width) is scratch. Products of two
 * floats are exact in double. The kernel is symmetric: taps t and win−1−t
 * share one multiplication. */
BTL_SSIM_HOT static void
row_moments (const float  *restrict a,
             const float  *restrict b,
             int                    width,
             int                    win,
             const double *restrict k,
             double       *restrict prod,
             double       *restrict out)
{
  int out_w = width - win + 1, r = win / 2;
  double *pa = prod, *pb = prod + width, *pss = prod + 2 * (size_t) width;
  double *pab = prod + 3 * (size_t) width;

  for (int x = 0; x < width; x++)
    {
      double va = a[x], vb = b[x];

      pa[x] = va;
      pb[x] = vb;
      pss[x] = va * va + vb * vb;
      pab[x] = va * vb;
    }
  for (int m = 0; m < N_MOMENTS; m++)
    {
      const double *restrict src = prod + (size_t) m * width;
      double *restrict o = out + (size_t) m * out_w;

      /* The usual 11 taps: summed in a register (same order as below). */
      if (r == SSIM_RADIUS)
        {
          for (int x = 0; x < out_w; x++)
            {
              const double *restrict s = src + x;
              double v = k[5] * s[5];

              v += k[0] * (s[0] + s[10]);
              v += k[1] * (s[1] + s[9]);
              v += k[2] * (s[2] + s[8]);
              v += k[3] * (s[3] + s[7]);
              v += k[4] * (s[4] + s[6]);
              o[x] = v;
            }
          continue;
        }
      for (int x = 0; x < out_w; x++)
        o[x] = k[r] * src[x + r];
      for (int t = 0; t < r; t++)
        {
          double kt = k[t];
          const double *restrict s0 = src + t, *restrict s1 = src + win - 1 - t;

          for (int x = 0; x < out_w; x++)
            o[x] += kt * (s0[x] + s1[x]);
        }
    }
}

/* One row of the SSIM map from the ring (win rows of (4, out_w) moments,
 * rows[t] is the t-th row of the window), summed. acc is (4 + 1, SSIM_BLOCK)
 * scratch. */
BTL_SSIM_HOT static double
map_row (const double *const *rows,
         int                   out_w,
         int                   win,
         const double *restrict k,
         double       *restrict acc)
{
  const double c1 = (SSIM_K1 * 1.0) * (SSIM_K1 * 1.0);
  const double c2 = (SSIM_K2 * 1.0) * (SSIM_K2 * 1.0);
  double *restrict ux = acc, *restrict uy = acc + SSIM_BLOCK;
  double *restrict uss = acc + 2 * SSIM_BLOCK, *restrict uxy = acc + 3 * SSIM_BLOCK;
  double *restrict map = acc + 4 * SSIM_BLOCK;
  int r = win / 2;
  double total = 0.0;

  for (int x0 = 0; x0 < out_w; x0 += SSIM_BLOCK)
    {
      int n = MIN (SSIM_BLOCK, out_w - x0);
      double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      int x;

      for (int m = 0; m < N_MOMENTS; m++)
        {
          double *restrict u = acc + (size_t) m * SSIM_BLOCK;
          const double *restrict src = rows[r] + (size_t) m * out_w + x0;

          /* The usual 11 rows: summed in a register (same order as below),
           * one store per value instead of one per tap. */
          if (r == SSIM_RADIUS)
            {
              size_t o = (size_t) m * out_w + x0;
              const double *restrict q0 = rows[0] + o, *restrict q1 = rows[1] + o;
              const double *restrict q2 = rows[2] + o, *restrict q3 = rows[3] + o;
              const double *restrict q4 = rows[4] + o, *restrict q6 = rows[6] + o;
              const double *restrict q7 = rows[7] + o, *restrict q8 = rows[8] + o;
              const double *restrict q9 = rows[9] + o, *restrict q10 = rows[10] + o;

              for (x = 0; x < n; x++)
                {
                  double v = k[5] * src[x];

                  v += k[0] * (q0[x] + q10[x]);
                  v += k[1] * (q1[x] + q9[x]);
                  v += k[2] * (q2[x] + q8[x]);
                  v += k[3] * (q3[x] + q7[x]);
                  v += k[4] * (q4[x] + q6[x]);
                  u[x] = v;
                }
              continue;
            }
          for (x = 0; x < n; x++)
            u[x] = k[r] * src[x];
          for (int t = 0; t < r; t++)
            {
              double kt = k[t];
              const double *restrict p0 = rows[t] + (size_t) m * out_w + x0;
              const double *restrict p1 = rows[win - 1 - t] + (size_t) m * out_w + x0;

              for (x = 0; x < n; x++)
                u[x] += kt * (p0[x] + p1[x]);
            }
        }
      for (x = 0; x < n; x++)
        {
          double mxy = ux[x] * uy[x];
          double mss = ux[x] * ux[x] + uy[x] * uy[x];

          /* σa² + σb² = E[a² + b²] − μa² − μb², σab = E[ab] − μa·μb */
          map[x] = ((2.0 * mxy + c1) * (2.0 * (uxy[x] - mxy) + c2))
                   / ((mss + c1) * (uss[x] - mss + c2));
        }
      /* Four partial sums: no chain of dependent adds. */
      for (x = 0; x + 4 <= n; x += 4)
        {
          s0 += map[x];
          s1 += map[x + 1];
          s2 += map[x + 2];
          s3 += map[x + 3];
        }
      for (; x < n; x++)
        s0 += map[x];
      total += (s0 + s1) + (s2 + s3);
    }
  return total;
}

/* SSIM of one channel plane. Only windows entirely inside the plane are
 * computed: skimage filters with reflection and then crops (win−1)/2 pixels
 * from every border, which leaves exactly these windows, so no padding rule
 * is needed. */
static double
ssim_plane (const float  *a,
            const float  *b,
            int           height,
            int           width,
            int           win,
            const double *k,
            double       *prod,    /* (4, SSIM_STRIP + win − 1) */
            double       *ring,    /* (win, 4, SSIM_STRIP) */
            double       *acc)     /* (5, SSIM_BLOCK) */
{
  int out_w = width - win + 1;
  int out_h = height - win + 1;
  const double *rows[2 * SSIM_RADIUS + 1];
  double total = 0.0;

  /* Strips of SSIM_STRIP output columns, each from top to bottom: the ring
   * of a strip (11 · 4 · 1024 doubles = 352 KB) stays in the L2 cache
   * whatever the picture's width. */
  for (int x0 = 0; x0 < out_w; x0 += SSIM_STRIP)
    {
      int strip_w = MIN (SSIM_STRIP, out_w - x0);
      size_t ring_row = (size_t) N_MOMENTS * strip_w;

      for (int y = 0; y < height; y++)
        {
          /* Input row y goes to slot y % win; once rows y−win+1 … y are
           * in, they give map row y−win+1. */
          row_moments (a + (size_t) y * width + x0, b + (size_t) y * width + x0,
                       strip_w + win - 1, win, k, prod,
                       ring + (size_t) (y % win) * ring_row);
          if (y + 1 < win)
            continue;
          for (int t = 0; t < win; t++)
            rows[t] = ring + (size_t) ((y + 1 + t) % win) * ring_row;
          total += map_row (rows, strip_w, win, k, acc);
        }
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
  g_autofree double *scratch = NULL;
  double *prod, *ring, *acc;
  double sum = 0.0;
  int radius = SSIM_RADIUS;
  int win, out_w;
  size_t plane;

  g_return_val_if_fail (a != NULL && b != NULL, NAN);

  if (channels <= 0 || height <= 0 || width <= 0)
    return NAN;

  /* Small images: the largest odd window that fits. */
  while (radius > 0 && (2 * radius + 1 > height || 2 * radius + 1 > width))
    radius--;
  gaussian_kernel (k, radius);
  win = 2 * radius + 1;
  out_w = width - win + 1;

  out_w = MIN (out_w, SSIM_STRIP);
  scratch = g_new (double, (size_t) N_MOMENTS * (out_w + win - 1)
                           + (size_t) win * N_MOMENTS * out_w
                           + (size_t) (N_MOMENTS + 1) * SSIM_BLOCK);
  prod = scratch;
  ring = prod + (size_t) N_MOMENTS * (out_w + win - 1);
  acc = ring + (size_t) win * N_MOMENTS * out_w;

  plane = (size_t) height * (size_t) width;
  for (int c = 0; c < channels; c++)
    sum += ssim_plane (a + c * plane, b + c * plane, height, width, win, k,
                       prod, ring, acc);

  return sum / channels;
}

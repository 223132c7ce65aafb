/* test-nn-batchnorm.c — batch-norm kernels: argument checks, PyTorch parity
 * (train and eval outputs, saved statistics, running statistics after the
 * momentum update, all gradients), finite-difference gradients in train mode
 * for 2-D and dense layouts, the optional-argument paths, in-place use and
 * the absence of allocation. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "nn-batchnorm.h"
#include "alloc-counter.h"
#include "conv-fixture.h"

static float *
rand_floats (GRand *rng,
             gsize  n,
             double lo,
             double hi)
{
  float *v = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    v[i] = (float) g_rand_double_range (rng, lo, hi);
  return v;
}

static void
test_check (void)
{
  NnError err = { 0 };

  g_assert_cmpint (nn_batchnorm_check (128, 16, 196, TRUE, &err), ==, NN_OK);
  g_assert_cmpint (nn_batchnorm_check (2, 512, 1, TRUE, &err), ==, NN_OK);
  g_assert_cmpint (nn_batchnorm_check (1, 512, 1, FALSE, &err), ==, NN_OK);
  g_assert_cmpint (nn_batchnorm_check (1, 16, 4, TRUE, &err), ==, NN_OK);

  /* One value per channel cannot be normalised in train mode (PyTorch refuses too). */
  g_assert_cmpint (nn_batchnorm_check (1, 512, 1, TRUE, &err), ==, NN_ERR_SHAPE);
  g_assert_nonnull (strstr (err.message, "more than one value"));
  g_test_message ("message: %s", err.message);
  g_assert_cmpint (nn_batchnorm_check (0, 4, 4, FALSE, &err), ==, NN_ERR_INVALID);
  g_assert_cmpint (nn_batchnorm_check (4, 0, 4, FALSE, &err), ==, NN_ERR_INVALID);
  g_assert_cmpint (nn_batchnorm_check (4, 4, 0, FALSE, NULL), ==, NN_ERR_INVALID);
}

static void
test_parity (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ConvFixture) fix = conv_fixture_load ("conv-batchnorm.bin", &error);

  g_assert_no_error (error);
  g_assert_cmpint (conv_fixture_n_cases (fix), >=, 4);
  for (int c = 0; c < conv_fixture_n_cases (fix); c++)
    {
      const float *geom = conv_fixture_get (fix, c, "geom", 5);
      int b = (int) geom[0], ch = (int) geom[1], s = (int) geom[2];
      float momentum = geom[3], eps = geom[4];
      gsize n = (gsize) b * ch * s;
      const float *x = conv_fixture_get (fix, c, "x", n);
      const float *gamma = conv_fixture_get (fix, c, "gamma", ch);
      const float *beta = conv_fixture_get (fix, c, "beta", ch);
      const float *dy = conv_fixture_get (fix, c, "dy", n);
      g_autofree float *y = g_new (float, n), *y_eval = g_new (float, n);
      g_autofree float *dx = g_new (float, n);
      g_autofree float *mean = g_new (float, ch), *invstd = g_new (float, ch);
      g_autofree float *rm = g_memdup2 (conv_fixture_get (fix, c, "running_mean0", ch),
                                        ch * sizeof (float));
      g_autofree float *rv = g_memdup2 (conv_fixture_get (fix, c, "running_var0", ch),
                                        ch * sizeof (float));
      g_autofree float *dgamma = g_new0 (float, ch), *dbeta = g_new0 (float, ch);
      char label[64];

      g_assert_cmpint (nn_batchnorm_check (b, ch, s, TRUE, NULL), ==, NN_OK);
      nn_batchnorm_forward_train (y, mean, invstd, rm, rv, x, gamma, beta, b, ch, s,
                                  momentum, eps);
      nn_batchnorm_backward (dx, dgamma, dbeta, dy, x, mean, invstd, gamma, b, ch, s);
      /* Eval with the statistics the train step just updated, as PyTorch's
       * module.eval() after one forward does. */
      nn_batchnorm_forward_eval (y_eval, x, gamma, beta, rm, rv, b, ch, s, eps);

      /* float32 against float64 truth. dx is the delicate one: its terms
       * cancel (Σ dx = 0 per channel), so it gets an absolute floor scaled to
       * dy·γ·invstd magnitudes. */
#define CMP(name, got, count, atol, rtol)                                           \
      g_snprintf (label, sizeof label, "bn c%d %s", c, name);                       \
      conv_fixture_assert_close (label, got, conv_fixture_get (fix, c, name, count), \
                                 count, atol, rtol)
      CMP ("y", y, n, 1e-5, 1e-4);
      CMP ("mean", mean, ch, 1e-6, 1e-5);
      CMP ("invstd", invstd, ch, 1e-6, 1e-5);
      CMP ("running_mean1", rm, ch, 1e-6, 1e-5);
      CMP ("running_var1", rv, ch, 1e-6, 1e-5);
      CMP ("dx", dx, n, 1e-5, 1e-4);
      CMP ("dgamma", dgamma, ch, 1e-5, 1e-4);
      CMP ("dbeta", dbeta, ch, 1e-5, 1e-4);
      CMP ("y_eval", y_eval, n, 1e-5, 1e-4);
#undef CMP
    }
}

/* ------------------------------------------------------------ finite differences */

typedef struct
{
  int          b, c, s;
  const float *gamma, *beta, *r;
  float       *y, *mean, *invstd;
} Probe;

/* L = Σ y·r in train mode (running statistics not touched). */
static double
probe_loss (Probe       *p,
            const float *x)
{
  gsize n = (gsize) p->b * p->c * p->s;
  double l = 0.0;

  nn_batchnorm_forward_train (p->y, p->mean, p->invstd, NULL, NULL, x, p->gamma, p->beta,
                              p->b, p->c, p->s, NN_BATCHNORM_MOMENTUM, NN_BATCHNORM_EPS);
  for (gsize i = 0; i < n; i++)
    l += (double) p->y[i] * p->r[i];
  return l;
}

static double
fd_worst (Probe       *p,
          const float *x,
          float       *v,
          gsize        n,
          const float *grad,
          float        eps)
{
  double worst = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      float keep = v[i];
      double lp, lm, fd, tol;

      v[i] = keep + eps;
      lp = probe_loss (p, x);
      v[i] = keep - eps;
      lm = probe_loss (p, x);
      v[i] = keep;
      fd = (lp - lm) / (2.0 * (double) eps);
      tol = 5e-4 * (1.0 + fabs (grad[i]));
      worst = MAX (worst, fabs (fd - grad[i]) / tol);
    }
  return worst;
}

static void
gradcheck (int      b,
           int      c,
           int      s,
           gboolean affine)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (31 + b * 7 + c * 3 + s);
  gsize n = (gsize) b * c * s;
  g_autofree float *x = rand_floats (rng, n, -2.0, 2.0);
  g_autofree float *gamma = rand_floats (rng, c, 0.5, 1.5);
  g_autofree float *beta = rand_floats (rng, c, -1.0, 1.0);
  g_autofree float *r = rand_floats (rng, n, -1.0, 1.0);
  g_autofree float *y = g_new (float, n), *dx = g_new (float, n);
  g_autofree float *mean = g_new (float, c), *invstd = g_new (float, c);
  g_autofree float *dgamma = g_new0 (float, c), *dbeta = g_new0 (float, c);
  Probe p = { b, c, s, affine ? gamma : NULL, affine ? beta : NULL, r, y, mean, invstd };
  double wx, wg = 0.0, wb = 0.0;

  /* A per-channel offset and spread, so that normalisation does real work. */
  for (gsize i = 0; i < n; i++)
    {
      int ch = (int) ((i / s) % c);

      x[i] = x[i] * (0.5f + ch) + 3.0f * ch;
    }

  probe_loss (&p, x);
  nn_batchnorm_backward (dx, affine ? dgamma : NULL, affine ? dbeta : NULL, r, x, mean,
                         invstd, p.gamma, b, c, s);

  /* eps 1e-2: the loss is smooth in x at the scale of the spread (≥ 0.5), so
   * the O(eps²) truncation stays well inside the tolerance, and float
   * rounding of L (~1e-6) divided by 2·eps stays ~1e-4. */
  wx = fd_worst (&p, x, x, n, dx, 1e-2f);
  if (affine)
    {
      wg = fd_worst (&p, x, gamma, c, dgamma, 1e-2f);
      wb = fd_worst (&p, x, beta, c, dbeta, 1e-2f);
    }
  g_test_message ("bn b%d c%d s%d%s: worst fd/analytic (fraction of tolerance) "
                  "dx %.3f dgamma %.3f dbeta %.3f", b, c, s, affine ? "" : " no-affine",
                  wx, wg, wb);
  g_assert_cmpfloat (wx, <=, 1.0);
  g_assert_cmpfloat (wg, <=, 1.0);
  g_assert_cmpfloat (wb, <=, 1.0);
}

static void
test_gradcheck (void)
{
  gradcheck (4, 3, 5, TRUE);      /* BatchNorm2d, small spatial */
  gradcheck (2, 2, 12, TRUE);     /* few images, larger planes */
  gradcheck (6, 5, 1, TRUE);      /* BatchNorm1d after a dense layer */
  gradcheck (1, 3, 6, TRUE);      /* batch 1, statistics over the plane */
  gradcheck (3, 4, 2, FALSE);     /* affine=False */
}

/* ------------------------------------------------------------ many channels */

/* Direct double-precision batch norm (train mode) and its backward. */
static void
naive_bn (int          b,
          int          c,
          int          s,
          const float *x,
          const float *gamma,
          const float *beta,
          const float *dy,
          double      *y,
          double      *mean,
          double      *invstd,
          double      *dx,
          double      *dgamma,
          double      *dbeta)
{
  const double n = (double) b * s;

  for (int ch = 0; ch < c; ch++)
    {
      double sum = 0.0, sq = 0.0, sdy = 0.0, sdyx = 0.0;

#define AT(i, j) (((gsize) (i) * c + ch) * s + (j))
      for (int i = 0; i < b; i++)
        for (int j = 0; j < s; j++)
          sum += x[AT (i, j)];
      mean[ch] = sum / n;
      for (int i = 0; i < b; i++)
        for (int j = 0; j < s; j++)
          sq += (x[AT (i, j)] - mean[ch]) * (x[AT (i, j)] - mean[ch]);
      invstd[ch] = 1.0 / sqrt (sq / n + NN_BATCHNORM_EPS);
      for (int i = 0; i < b; i++)
        for (int j = 0; j < s; j++)
          {
            double xh = (x[AT (i, j)] - mean[ch]) * invstd[ch];

            y[AT (i, j)] = gamma[ch] * xh + beta[ch];
            sdy += dy[AT (i, j)];
            sdyx += dy[AT (i, j)] * xh;
          }
      dbeta[ch] = sdy;
      dgamma[ch] = sdyx;
      for (int i = 0; i < b; i++)
        for (int j = 0; j < s; j++)
          {
            double xh = (x[AT (i, j)] - mean[ch]) * invstd[ch];

            dx[AT (i, j)] = gamma[ch] * invstd[ch] * (dy[AT (i, j)] - sdy / n - xh * sdyx / n);
          }
#undef AT
    }
}

/* More channels than one block of the kernels (64), with short runs (dense,
 * spatial 1 and 3: summed across channels) and long ones (spatial 9). */
static void
test_many_channels (void)
{
  static const int shapes[][3] = { { 16, 130, 1 }, { 5, 130, 3 }, { 4, 70, 9 } };

  for (gsize k = 0; k < G_N_ELEMENTS (shapes); k++)
    {
      const int b = shapes[k][0], c = shapes[k][1], s = shapes[k][2];
      const gsize n = (gsize) b * c * s;
      g_autoptr (GRand) rng = g_rand_new_with_seed (47 + k);
      g_autofree float *x = rand_floats (rng, n, -2.0, 4.0);
      g_autofree float *gamma = rand_floats (rng, c, 0.5, 1.5);
      g_autofree float *beta = rand_floats (rng, c, -1.0, 1.0);
      g_autofree float *dy = rand_floats (rng, n, -1.0, 1.0);
      g_autofree float *y = g_new (float, n), *dx = g_new (float, n);
      g_autofree float *mean = g_new (float, c), *invstd = g_new (float, c);
      g_autofree float *dg = g_new0 (float, c), *db = g_new0 (float, c);
      g_autofree double *ry = g_new (double, n), *rdx = g_new (double, n);
      g_autofree double *rmean = g_new (double, c), *rinv = g_new (double, c);
      g_autofree double *rdg = g_new (double, c), *rdb = g_new (double, c);
      g_autofree float *f = g_new (float, n);
      char label[64];

      nn_batchnorm_forward_train (y, mean, invstd, NULL, NULL, x, gamma, beta, b, c, s,
                                  NN_BATCHNORM_MOMENTUM, NN_BATCHNORM_EPS);
      nn_batchnorm_backward (dx, dg, db, dy, x, mean, invstd, gamma, b, c, s);
      naive_bn (b, c, s, x, gamma, beta, dy, ry, rmean, rinv, rdx, rdg, rdb);

#define CMP(name, got, ref, count)                                             for (gsize i = 0; i < (count); i++)                                        f[i] = (float) (ref)[i];                                               g_snprintf (label, sizeof label, "bn %dx%dx%d %s", b, c, s, name);       conv_fixture_assert_close (label, got, f, count, 1e-5, 1e-4)
      CMP ("y", y, ry, n);
      CMP ("mean", mean, rmean, (gsize) c);
      CMP ("invstd", invstd, rinv, (gsize) c);
      CMP ("dx", dx, rdx, n);
      CMP ("dgamma", dg, rdg, (gsize) c);
      CMP ("dbeta", db, rdb, (gsize) c);
#undef CMP
    }
}

/* ------------------------------------------------------------ contracts */

/* Eval mode with running stats equal to this batch's (biased) statistics is
 * train mode; NULL gamma/beta is γ = 1, β = 0; NULL running stats are left
 * alone; y may be x; dx may be dy; dγ/dβ accumulate; and the same call twice
 * gives bitwise the same result. */
static void
test_contracts (void)
{
  const int b = 5, c = 3, s = 7;
  const gsize n = (gsize) b * c * s;
  g_autoptr (GRand) rng = g_rand_new_with_seed (41);
  g_autofree float *x = rand_floats (rng, n, -3.0, 3.0);
  g_autofree float *gamma = rand_floats (rng, c, 0.5, 1.5);
  g_autofree float *beta = rand_floats (rng, c, -1.0, 1.0);
  g_autofree float *dy = rand_floats (rng, n, -1.0, 1.0);
  g_autofree float *y = g_new (float, n), *y2 = g_new (float, n), *y3 = g_new (float, n);
  g_autofree float *mean = g_new (float, c), *invstd = g_new (float, c);
  g_autofree float *var = g_new (float, c);
  g_autofree float *dx = g_new (float, n), *dx2 = g_new (float, n);
  g_autofree float *dg = g_new0 (float, c), *db = g_new0 (float, c);
  g_autofree float *dg2 = g_new0 (float, c), *db2 = g_new0 (float, c);
  float ones[3] = { 1, 1, 1 }, zeros[3] = { 0, 0, 0 };

  nn_batchnorm_forward_train (y, mean, invstd, NULL, NULL, x, gamma, beta, b, c, s,
                              NN_BATCHNORM_MOMENTUM, NN_BATCHNORM_EPS);
  for (int i = 0; i < c; i++)
    var[i] = 1.0f / (invstd[i] * invstd[i]) - NN_BATCHNORM_EPS;
  nn_batchnorm_forward_eval (y2, x, gamma, beta, mean, var, b, c, s, NN_BATCHNORM_EPS);
  conv_fixture_assert_close ("eval = train", y2, y, n, 1e-5, 1e-4);

  /* Per channel the train output has mean β and (biased) variance γ²·var/(var+eps). */
  for (int ch = 0; ch < c; ch++)
    {
      double m = 0.0;

      for (int i = 0; i < b; i++)
        for (int j = 0; j < s; j++)
          m += y[((gsize) i * c + ch) * s + j];
      g_assert_cmpfloat_with_epsilon (m / (b * s), beta[ch], 1e-5);
    }

  /* NULL gamma/beta = explicit ones/zeros. */
  nn_batchnorm_forward_train (y2, mean, invstd, NULL, NULL, x, NULL, NULL, b, c, s,
                              NN_BATCHNORM_MOMENTUM, NN_BATCHNORM_EPS);
  nn_batchnorm_forward_train (y3, mean, invstd, NULL, NULL, x, ones, zeros, b, c, s,
                              NN_BATCHNORM_MOMENTUM, NN_BATCHNORM_EPS);
  g_assert_cmpmem (y2, n * sizeof (float), y3, n * sizeof (float));

  /* Repeated calls are bitwise identical; in place gives the same values. */
  nn_batchnorm_forward_train (y, mean, invstd, NULL, NULL, x, gamma, beta, b, c, s,
                              NN_BATCHNORM_MOMENTUM, NN_BATCHNORM_EPS);
  nn_batchnorm_forward_train (y2, mean, invstd, NULL, NULL, x, gamma, beta, b, c, s,
                              NN_BATCHNORM_MOMENTUM, NN_BATCHNORM_EPS);
  g_assert_cmpmem (y, n * sizeof (float), y2, n * sizeof (float));
  memcpy (y3, x, n * sizeof (float));
  nn_batchnorm_forward_train (y3, mean, invstd, NULL, NULL, y3, gamma, beta, b, c, s,
                              NN_BATCHNORM_MOMENTUM, NN_BATCHNORM_EPS);
  g_assert_cmpmem (y, n * sizeof (float), y3, n * sizeof (float));

  /* Backward: dγ/dβ accumulate (2× after two calls), dx overwrites, dx may be dy. */
  nn_batchnorm_backward (dx, dg, db, dy, x, mean, invstd, gamma, b, c, s);
  memcpy (dx2, dy, n * sizeof (float));
  nn_batchnorm_backward (dx2, dg2, db2, dx2, x, mean, invstd, gamma, b, c, s);
  g_assert_cmpmem (dx, n * sizeof (float), dx2, n * sizeof (float));
  nn_batchnorm_backward (NULL, dg2, db2, dy, x, mean, invstd, gamma, b, c, s);
  for (int i = 0; i < c; i++)
    {
      g_assert_cmpfloat (dg2[i], ==, 2.0f * dg[i]);
      g_assert_cmpfloat (db2[i], ==, 2.0f * db[i]);
    }
  /* Σ dx = 0 per channel: the batch mean absorbs any shift. */
  for (int ch = 0; ch < c; ch++)
    {
      double sum = 0.0;

      for (int i = 0; i < b; i++)
        for (int j = 0; j < s; j++)
          sum += dx[((gsize) i * c + ch) * s + j];
      g_assert_cmpfloat_with_epsilon (sum, 0.0, 1e-5);
    }
}

/* A constant channel has variance 0: the output is β (finite, no NaN) and the
 * running variance moves towards 0 by the momentum. */
static void
test_constant_channel (void)
{
  const int b = 4, c = 2, s = 3;
  float x[24], y[24], dy[24], dx[24], mean[2], invstd[2];
  float rm[2] = { 0, 0 }, rv[2] = { 1, 1 }, gamma[2] = { 2, 3 }, beta[2] = { 0.5f, -1 };

  for (int i = 0; i < 24; i++)
    {
      x[i] = ((i / s) % c) == 0 ? 7.0f : (float) i;
      dy[i] = (float) (i % 5) - 2.0f;
    }
  nn_batchnorm_forward_train (y, mean, invstd, rm, rv, x, gamma, beta, b, c, s,
                              0.1f, 1e-5f);
  nn_batchnorm_backward (dx, NULL, NULL, dy, x, mean, invstd, gamma, b, c, s);
  for (int i = 0; i < 24; i++)
    {
      g_assert_true (isfinite (y[i]) && isfinite (dx[i]));
      if (((i / s) % c) == 0)
        g_assert_cmpfloat (y[i], ==, 0.5f);
    }
  g_assert_cmpfloat_with_epsilon (rm[0], 0.7, 1e-6);
  g_assert_cmpfloat_with_epsilon (rv[0], 0.9, 1e-6);
}

static void
test_no_alloc (void)
{
  const int b = 16, c = 8, s = 49;
  const gsize n = (gsize) b * c * s;
  g_autoptr (GRand) rng = g_rand_new_with_seed (43);
  g_autofree float *x = rand_floats (rng, n, -1.0, 1.0);
  g_autofree float *dy = rand_floats (rng, n, -1.0, 1.0);
  g_autofree float *y = g_new (float, n), *dx = g_new (float, n);
  float mean[8], invstd[8], rm[8] = { 0 }, rv[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
  float gamma[8] = { 1, 1, 1, 1, 1, 1, 1, 1 }, beta[8] = { 0 }, dg[8] = { 0 }, db[8] = { 0 };

  if (!alloc_counter_available ())
    {
      g_test_skip ("the allocation counter needs glibc");
      return;
    }
  alloc_counter_start ();
  for (int rep = 0; rep < 3; rep++)
    {
      nn_batchnorm_forward_train (y, mean, invstd, rm, rv, x, gamma, beta, b, c, s,
                                  0.1f, 1e-5f);
      nn_batchnorm_backward (dx, dg, db, dy, x, mean, invstd, gamma, b, c, s);
      nn_batchnorm_forward_eval (y, x, gamma, beta, rm, rv, b, c, s, 1e-5f);
    }
  g_assert_cmpint (alloc_counter_stop (), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nn/batchnorm/check", test_check);
  g_test_add_func ("/nn/batchnorm/parity", test_parity);
  g_test_add_func ("/nn/batchnorm/gradcheck", test_gradcheck);
  g_test_add_func ("/nn/batchnorm/many-channels", test_many_channels);
  g_test_add_func ("/nn/batchnorm/contracts", test_contracts);
  g_test_add_func ("/nn/batchnorm/constant-channel", test_constant_channel);
  g_test_add_func ("/nn/batchnorm/no-alloc", test_no_alloc);

  return g_test_run ();
}

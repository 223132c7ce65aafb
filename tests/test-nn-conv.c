/* test-nn-conv.c — conv2d / conv_transpose2d kernels: geometry, adjointness of
 * im2col/col2im, agreement with a direct double-precision convolution on many
 * random shapes, finite-difference gradients, PyTorch parity fixtures, scratch
 * reuse and the absence of allocation. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn-blas.h"
#include <glib.h>

#include "nn-conv.h"
#include "alloc-counter.h"
#include "conv-fixture.h"
#include "conv-reference.h"

/* ------------------------------------------------------------ geometry */

static void
test_out_size (void)
{
  /* The conv AE: 28 → 14 → 7 and back. */
  g_assert_cmpint (nn_conv2d_out_size (28, 3, 2, 1), ==, 14);
  g_assert_cmpint (nn_conv2d_out_size (14, 3, 2, 1), ==, 7);
  g_assert_cmpint (nn_conv_transpose2d_out_size (7, 3, 2, 1, 1), ==, 14);
  g_assert_cmpint (nn_conv_transpose2d_out_size (14, 3, 2, 1, 1), ==, 28);
  g_assert_cmpint (nn_conv_transpose2d_out_size (14, 3, 2, 1, 0), ==, 27);
  /* Floor like PyTorch, stride 1, kernel == input. */
  g_assert_cmpint (nn_conv2d_out_size (7, 3, 2, 0), ==, 3);
  g_assert_cmpint (nn_conv2d_out_size (5, 5, 1, 0), ==, 1);
  g_assert_cmpint (nn_conv2d_out_size (9, 4, 3, 2), ==, 4);
  /* Bad arguments. */
  g_assert_cmpint (nn_conv2d_out_size (2, 5, 1, 1), ==, -1);
  g_assert_cmpint (nn_conv2d_out_size (0, 1, 1, 0), ==, -1);
  g_assert_cmpint (nn_conv2d_out_size (4, 3, 0, 0), ==, -1);
  g_assert_cmpint (nn_conv2d_out_size (4, 3, 1, -1), ==, -1);
  g_assert_cmpint (nn_conv_transpose2d_out_size (3, 3, 2, 1, 2), ==, -1); /* op ≥ stride */
  g_assert_cmpint (nn_conv_transpose2d_out_size (1, 1, 1, 1, 0), ==, -1); /* out < 1 */
  g_assert_cmpint (nn_conv_transpose2d_out_size (INT_MAX / 2, 3, 4, 0, 0), ==, -1);
}

static void
test_check (void)
{
  NnError err = { 0 };

  g_assert_cmpint (nn_conv2d_check (128, 1, 28, 28, 16, 3, 2, 1, &err), ==, NN_OK);
  g_assert_cmpint (nn_conv_transpose2d_check (128, 32, 7, 7, 16, 3, 2, 1, 1, &err), ==, NN_OK);

  g_assert_cmpint (nn_conv2d_check (4, 1, 3, 3, 2, 5, 1, 0, &err), ==, NN_ERR_SHAPE);
  g_assert_cmpint (err.code, ==, NN_ERR_SHAPE);
  g_assert_nonnull (strstr (err.message, "kernel 5"));
  g_test_message ("message: %s", err.message);

  g_assert_cmpint (nn_conv2d_check (0, 1, 3, 3, 2, 3, 1, 0, &err), ==, NN_ERR_INVALID);
  g_assert_nonnull (strstr (err.message, "batch"));
  g_assert_cmpint (nn_conv2d_check (1, 0, 3, 3, 2, 3, 1, 0, &err), ==, NN_ERR_INVALID);
  g_assert_cmpint (nn_conv2d_check (1, 1, 3, 3, 2, 3, 0, 0, &err), ==, NN_ERR_INVALID);
  g_assert_cmpint (nn_conv_transpose2d_check (1, 1, 3, 3, 2, 3, 2, 1, 2, &err), ==,
                   NN_ERR_INVALID);
  g_assert_nonnull (strstr (err.message, "output padding"));
  g_assert_cmpint (nn_conv_transpose2d_check (1, 1, 1, 1, 1, 1, 1, 1, 0, &err), ==,
                   NN_ERR_SHAPE);
  /* Sizes whose buffers would overflow: a batch of 2^42 input floats, an
   * image whose column count does not fit an int GEMM dimension. */
  g_assert_cmpint (nn_conv2d_check (1 << 20, 16, 512, 512, 8, 3, 1, 1, &err), ==,
                   NN_ERR_SHAPE);
  g_assert_nonnull (strstr (err.message, "too large"));
  g_assert_cmpint (nn_conv2d_check (1, 1, 50000, 50000, 1, 1, 1, 0, &err), ==, NN_ERR_SHAPE);
  g_assert_cmpint (nn_conv_transpose2d_check (1, 1, 50000, 50000, 1, 1, 1, 0, 0, &err), ==,
                   NN_ERR_SHAPE);
  /* NULL err is allowed. */
  g_assert_cmpint (nn_conv2d_check (1, 1, 3, 3, 2, 5, 1, 0, NULL), ==, NN_ERR_SHAPE);

  /* Scratch: one image's columns + channel-major output at batch 1; at most
   * that per image for a whole batch (the kernels work in chunks); never
   * shrinking with the batch, so a buffer sized for the largest batch serves
   * every smaller one. */
  g_assert_cmpuint (nn_conv2d_scratch_floats (1, 16, 14, 14, 32, 3, 2, 1), ==,
                    (gsize) 16 * 9 * 49 + (gsize) 32 * 49);
  g_assert_cmpuint (nn_conv_transpose2d_scratch_floats (1, 32, 7, 7, 16, 3, 2, 1, 1), ==,
                    (gsize) 16 * 9 * 49 + (gsize) 32 * 49);
  for (int b = 1; b < 300; b++)
    {
      gsize s1 = nn_conv2d_scratch_floats (b, 16, 14, 14, 32, 3, 2, 1);
      gsize s2 = nn_conv2d_scratch_floats (b + 1, 16, 14, 14, 32, 3, 2, 1);
      gsize t1 = nn_conv_transpose2d_scratch_floats (b, 32, 7, 7, 16, 3, 2, 1, 1);
      gsize t2 = nn_conv_transpose2d_scratch_floats (b + 1, 32, 7, 7, 16, 3, 2, 1, 1);

      g_assert_cmpuint (s1, <=, s2);
      g_assert_cmpuint (t1, <=, t2);
      g_assert_cmpuint (s1, <=, (gsize) b * (16 * 9 * 49 + 32 * 49));
    }
  g_assert_cmpuint (nn_conv2d_scratch_floats (1, 1, 2, 2, 1, 3, 1, 0), ==, 0);
  g_assert_cmpuint (nn_conv_transpose2d_scratch_floats (0, 1, 2, 2, 1, 3, 1, 0, 0), ==, 0);
}

/* <col2im(c), x> = <c, im2col(x)>: col2im is exactly im2col's adjoint, which
 * is what makes conv_transpose2d the adjoint of conv2d. */
static void
test_im2col_adjoint (void)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (7);

  for (int trial = 0; trial < 200; trial++)
    {
      int b = g_rand_int_range (rng, 1, 4), c = g_rand_int_range (rng, 1, 4);
      int h = g_rand_int_range (rng, 1, 10), w = g_rand_int_range (rng, 1, 10);
      int k = g_rand_int_range (rng, 1, 6), s = g_rand_int_range (rng, 1, 4);
      int p = g_rand_int_range (rng, 0, k + 1);
      int oh = nn_conv2d_out_size (h, k, s, p), ow = nn_conv2d_out_size (w, k, s, p);
      gsize nx, nc;
      g_autofree float *x = NULL, *cols = NULL, *c2 = NULL, *x2 = NULL;
      double lhs, rhs;

      if (oh < 1 || ow < 1)
        continue;
      nx = (gsize) b * c * h * w;
      nc = (gsize) c * k * k * b * oh * ow;
      x = rand_floats (rng, nx);
      c2 = rand_floats (rng, nc);
      cols = poison_floats (nc);
      x2 = g_new0 (float, nx);
      nn_im2col (cols, x, b, c, h, w, k, s, p, oh, ow);
      nn_col2im (x2, c2, b, c, h, w, k, s, p, oh, ow);
      rhs = dot (cols, c2, nc);   /* NaN if im2col left a column unwritten */
      lhs = dot (x2, x, nx);
      g_assert_false (isnan (rhs));
      g_assert_cmpfloat_with_epsilon (lhs, rhs, 1e-4 * (1.0 + fabs (lhs)));
    }
}

/* ------------------------------------------------------------ against a direct convolution */

static void
check_against_naive (const Geom *g,
                     int         transposed,
                     GRand      *rng)
{
  Layer l;
  g_autofree float *x = NULL, *w = NULL, *b = NULL, *dy = NULL, *y = NULL, *dx = NULL;
  g_autofree float *dw = NULL, *db = NULL, *scratch = NULL;
  g_autofree double *ry = NULL, *rdx = NULL, *rdw = NULL, *rdb = NULL;
  char label[160];

  layer_init (&l, g, transposed);
  x = rand_floats (rng, l.nx);
  w = rand_floats (rng, l.nw);
  b = rand_floats (rng, l.nb);
  dy = rand_floats (rng, l.ny);
  y = poison_floats (l.ny);
  dx = poison_floats (l.nx);          /* overwritten, so garbage must not leak */
  dw = g_new0 (float, l.nw);
  db = g_new0 (float, l.nb);
  scratch = poison_floats (l.nscratch);
  ry = g_new (double, l.ny);
  rdx = g_new (double, l.nx);
  rdw = g_new (double, l.nw);
  rdb = g_new (double, l.nb);

  layer_forward (&l, y, scratch, x, w, b);
  layer_backward (&l, dx, dw, db, scratch, dy, x, w);
  if (transposed)
    naive_convt (g, x, w, b, dy, ry, rdx, rdw, rdb);
  else
    naive_conv2d (g, x, w, b, dy, ry, rdx, rdw, rdb);

  g_snprintf (label, sizeof label, "%s b%d ic%d %dx%d oc%d k%d s%d p%d op%d",
              transposed ? "convt" : "conv", g->b, g->ic, g->h, g->w, g->oc, g->k, g->s,
              g->p, g->op);
  assert_close_d (label, y, ry, l.ny, 1e-4, 1e-4);
  assert_close_d (label, dx, rdx, l.nx, 1e-4, 1e-4);
  assert_close_d (label, dw, rdw, l.nw, 1e-4, 1e-4);
  assert_close_d (label, db, rdb, l.nb, 1e-4, 1e-4);
}

static void
random_geom (GRand *rng,
             Geom  *g)
{
  g->b = g_rand_int_range (rng, 1, 4);
  g->ic = g_rand_int_range (rng, 1, 5);
  g->oc = g_rand_int_range (rng, 1, 5);
  g->h = g_rand_int_range (rng, 1, 10);
  g->w = g_rand_int_range (rng, 1, 10);
  g->k = g_rand_int_range (rng, 1, 6);
  g->s = g_rand_int_range (rng, 1, 4);
  g->p = g_rand_int_range (rng, 0, g->k + 1);
  g->op = g_rand_int_range (rng, 0, g->s);
}

static void
test_conv2d_naive (void)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (11);
  int done = 0;

  while (done < 60)
    {
      Geom g;

      random_geom (rng, &g);
      g.op = 0;
      if (!geom_valid (&g, FALSE))
        continue;
      check_against_naive (&g, FALSE, rng);
      done++;
    }
}

static void
test_convt_naive (void)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (13);
  int done = 0;

  while (done < 60)
    {
      Geom g;

      random_geom (rng, &g);
      if (!geom_valid (&g, TRUE))
        continue;
      check_against_naive (&g, TRUE, rng);
      done++;
    }
}

/* The kernels walk the batch in chunks sized to stay in cache (a few to a
 * few dozen images for these layers); batches that split into several
 * chunks with a partial last one must give the same as the direct sums. */
static void
test_chunks (void)
{
  static const struct { Geom g; int transposed; } cases[] = {
    { { 40, 1, 28, 28, 16, 3, 2, 1, 0 }, FALSE },
    { { 21, 16, 14, 14, 32, 3, 2, 1, 0 }, FALSE },
    { { 21, 32, 7, 7, 16, 3, 2, 1, 1 }, TRUE },
    { { 40, 16, 14, 14, 1, 3, 2, 1, 1 }, TRUE },
    { { 5, 3, 40, 36, 8, 5, 1, 2, 0 }, FALSE },  /* one image per chunk */
    { { 5, 8, 36, 40, 3, 5, 1, 2, 0 }, TRUE },
  };
  g_autoptr (GRand) rng = g_rand_new_with_seed (19);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Geom *g = &cases[i].g;
      Geom one = *g;
      Layer l, l1;

      g_assert_true (geom_valid (g, cases[i].transposed));
      layer_init (&l, g, cases[i].transposed);
      one.b = 1;
      layer_init (&l1, &one, cases[i].transposed);
      /* Less scratch than the whole batch at once would need: chunks happen,
       * and the last one is partial. */
      g_assert_cmpuint (l.nscratch, <, g->b * l1.nscratch);
      if (l.nscratch / l1.nscratch > 1)
        g_assert_cmpuint (g->b % (l.nscratch / l1.nscratch), !=, 0);
      check_against_naive (g, cases[i].transposed, rng);
    }
}

/* Planes too large for the padded stack buffer (64×64 with padding) take
 * the clipping path of im2col/col2im; it must agree with the direct sums too. */
static void
test_large_planes (void)
{
  static const struct { Geom g; int transposed; } cases[] = {
    { { 2, 2, 70, 66, 3, 3, 1, 1, 0 }, FALSE },
    { { 1, 2, 67, 75, 2, 4, 2, 2, 0 }, FALSE },
    { { 2, 2, 36, 33, 2, 3, 2, 1, 1 }, TRUE },
    { { 1, 1, 66, 70, 2, 3, 1, 0, 0 }, TRUE },
  };
  g_autoptr (GRand) rng = g_rand_new_with_seed (37);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_true (geom_valid (&cases[i].g, cases[i].transposed));
      check_against_naive (&cases[i].g, cases[i].transposed, rng);
    }
}

/* ------------------------------------------------------------ finite differences */

/* L = Σ y·r for a fixed random r, in double. */
static double
probe_loss (const Layer *l,
            float       *y,
            float       *scratch,
            const float *x,
            const float *w,
            const float *b,
            const float *r)
{
  layer_forward (l, y, scratch, x, w, b);
  return dot (y, r, l->ny);
}

/* Central differences on every element of v, compared with grad (analytic). */
static double
fd_worst (const Layer *l,
          float       *v,
          gsize        n,
          const float *grad,
          float       *y,
          float       *scratch,
          const float *x,
          const float *w,
          const float *b,
          const float *r)
{
  /* The layer is linear in each of x, w, b, so the central difference has no
   * truncation error and eps can be large: only float rounding of L remains. */
  const float eps = 0.05f;
  double worst = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      float keep = v[i];
      double lp, lm, fd, tol;

      v[i] = keep + eps;
      lp = probe_loss (l, y, scratch, x, w, b, r);
      v[i] = keep - eps;
      lm = probe_loss (l, y, scratch, x, w, b, r);
      v[i] = keep;
      fd = (lp - lm) / (2.0 * eps);
      tol = 1e-4 * (1.0 + fabs (grad[i]));
      worst = MAX (worst, fabs (fd - grad[i]) / tol);
    }
  return worst;
}

static void
gradcheck (const Geom *g,
           int         transposed)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (17);
  Layer l;
  g_autofree float *x = NULL, *w = NULL, *b = NULL, *r = NULL, *y = NULL;
  g_autofree float *dx = NULL, *dw = NULL, *db = NULL, *scratch = NULL;
  double wx, ww, wb;

  g_assert_true (geom_valid (g, transposed));
  layer_init (&l, g, transposed);
  x = rand_floats (rng, l.nx);
  w = rand_floats (rng, l.nw);
  b = rand_floats (rng, l.nb);
  r = rand_floats (rng, l.ny);
  y = g_new (float, l.ny);
  dx = g_new (float, l.nx);
  dw = g_new0 (float, l.nw);
  db = g_new0 (float, l.nb);
  scratch = g_new (float, l.nscratch);

  layer_forward (&l, y, scratch, x, w, b);
  layer_backward (&l, dx, dw, db, scratch, r, x, w);   /* dy = ∂L/∂y = r */

  wx = fd_worst (&l, x, l.nx, dx, y, scratch, x, w, b, r);
  ww = fd_worst (&l, w, l.nw, dw, y, scratch, x, w, b, r);
  wb = fd_worst (&l, b, l.nb, db, y, scratch, x, w, b, r);
  g_test_message ("%s b%d ic%d %dx%d oc%d k%d s%d p%d op%d: worst fd/analytic "
                  "(fraction of tolerance) dx %.3f dw %.3f db %.3f",
                  transposed ? "convt" : "conv", g->b, g->ic, g->h, g->w, g->oc, g->k,
                  g->s, g->p, g->op, wx, ww, wb);
  g_assert_cmpfloat (wx, <=, 1.0);
  g_assert_cmpfloat (ww, <=, 1.0);
  g_assert_cmpfloat (wb, <=, 1.0);
}

static void
test_conv2d_gradcheck (void)
{
  static const Geom shapes[] = {
    /* b  ic h  w  oc k  s  p */
    { 2, 3, 5, 7, 2, 3, 1, 0, 0 },    /* stride 1, padding 0, non-square */
    { 2, 2, 6, 5, 3, 3, 2, 1, 0 },    /* stride 2, padding 1 */
    { 3, 1, 4, 6, 2, 2, 2, 0, 0 },    /* even kernel */
    { 1, 2, 7, 4, 2, 3, 2, 1, 0 },    /* odd size, stride 2 */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    gradcheck (&shapes[i], FALSE);
}

static void
test_convt_gradcheck (void)
{
  static const Geom shapes[] = {
    /* b  ic h  w  oc k  s  p  op */
    { 2, 3, 3, 4, 2, 3, 1, 0, 0 },    /* stride 1, padding 0, non-square */
    { 2, 2, 4, 3, 3, 3, 2, 1, 1 },    /* stride 2, padding 1, output_padding 1 */
    { 3, 2, 3, 5, 1, 2, 2, 0, 0 },    /* even kernel */
    { 1, 3, 2, 3, 2, 4, 3, 1, 2 },    /* stride 3, output_padding 2 */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    gradcheck (&shapes[i], TRUE);
}

/* ------------------------------------------------------------ PyTorch parity */

static void
parity (const char *file,
        int         transposed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ConvFixture) fix = conv_fixture_load (file, &error);

  g_assert_no_error (error);
  g_assert_cmpint (conv_fixture_n_cases (fix), >=, 5);
  for (int c = 0; c < conv_fixture_n_cases (fix); c++)
    {
      const float *geom = conv_fixture_get (fix, c, "geom", transposed ? 9 : 8);
      Geom g = { (int) geom[0], (int) geom[1], (int) geom[2], (int) geom[3],
                 (int) geom[4], (int) geom[5], (int) geom[6], (int) geom[7],
                 transposed ? (int) geom[8] : 0 };
      Layer l;
      g_autofree float *y = NULL, *dx = NULL, *dw = NULL, *db = NULL, *scratch = NULL;
      const float *x, *w, *b, *dy;
      char label[64];

      g_assert_true (geom_valid (&g, transposed));
      layer_init (&l, &g, transposed);
      x = conv_fixture_get (fix, c, "x", l.nx);
      w = conv_fixture_get (fix, c, "w", l.nw);
      b = conv_fixture_get (fix, c, "b", l.nb);
      dy = conv_fixture_get (fix, c, "dy", l.ny);
      y = poison_floats (l.ny);
      dx = poison_floats (l.nx);
      dw = g_new0 (float, l.nw);
      db = g_new0 (float, l.nb);
      scratch = poison_floats (l.nscratch);

      layer_forward (&l, y, scratch, x, w, b);
      layer_backward (&l, dx, dw, db, scratch, dy, x, w);

      /* Float32 kernels against float64 truth: sums of up to 144 products of
       * O(1) terms, so ~1e-6 relative is expected; 1e-5 + 1e-4·|ref| is 10× that. */
#define CMP(name, got, n)                                                          \
      g_snprintf (label, sizeof label, "%s c%d %s", transposed ? "convt" : "conv2d", c, name); \
      conv_fixture_assert_close (label, got, conv_fixture_get (fix, c, name, n), n, 1e-5, 1e-4)
      CMP ("y", y, l.ny);
      CMP ("dx", dx, l.nx);
      CMP ("dw", dw, l.nw);
      CMP ("db", db, l.nb);
#undef CMP
    }
}

static void
test_conv2d_parity (void)
{
  parity ("conv-conv2d.bin", FALSE);
}

static void
test_convt_parity (void)
{
  parity ("conv-convt.bin", TRUE);
}

/* ------------------------------------------------------------ scratch and accumulation */

/* The conv AE's four conv layers at a small batch, all sharing ONE scratch
 * buffer that is re-poisoned before every call: results must be bitwise equal
 * to those with private, zeroed scratch per layer. Also checks the gradient
 * contract: dw/db accumulate, dx is overwritten, dx = NULL leaves dw alone. */
static void
test_scratch_shared (void)
{
  static const Geom geoms[4] = {
    { 3, 1, 28, 28, 16, 3, 2, 1, 0 },
    { 3, 16, 14, 14, 32, 3, 2, 1, 0 },
    { 3, 32, 7, 7, 16, 3, 2, 1, 1 },
    { 3, 16, 14, 14, 1, 3, 2, 1, 1 },
  };
  g_autoptr (GRand) rng = g_rand_new_with_seed (23);
  gsize max_scratch = 0;

  for (int i = 0; i < 4; i++)
    {
      Layer l;

      layer_init (&l, &geoms[i], i >= 2);
      max_scratch = MAX (max_scratch, l.nscratch);
    }

  for (int i = 0; i < 4; i++)
    {
      Layer l;
      g_autofree float *x = NULL, *w = NULL, *b = NULL, *dy = NULL;
      g_autofree float *y1 = NULL, *y2 = NULL, *dx1 = NULL, *dx2 = NULL;
      g_autofree float *dw1 = NULL, *dw2 = NULL, *dw3 = NULL, *db1 = NULL, *db2 = NULL;
      g_autofree float *shared = NULL, *priv = NULL;

      layer_init (&l, &geoms[i], i >= 2);
      x = rand_floats (rng, l.nx);
      w = rand_floats (rng, l.nw);
      b = rand_floats (rng, l.nb);
      dy = rand_floats (rng, l.ny);
      y1 = g_new (float, l.ny);
      y2 = g_new (float, l.ny);
      dx1 = g_new (float, l.nx);
      dx2 = g_new (float, l.nx);
      dw1 = g_new0 (float, l.nw);
      dw2 = g_new0 (float, l.nw);
      dw3 = g_new0 (float, l.nw);
      db1 = g_new0 (float, l.nb);
      db2 = g_new0 (float, l.nb);
      priv = g_new0 (float, l.nscratch);
      shared = poison_floats (max_scratch);

      layer_forward (&l, y1, priv, x, w, b);
      layer_backward (&l, dx1, dw1, db1, priv, dy, x, w);

      layer_forward (&l, y2, shared, x, w, b);
      for (gsize j = 0; j < max_scratch; j++)
        shared[j] = NAN;
      for (gsize j = 0; j < l.nx; j++)
        dx2[j] = 1e30f;
      layer_backward (&l, dx2, dw2, db2, shared, dy, x, w);

      g_assert_cmpmem (y1, l.ny * sizeof (float), y2, l.ny * sizeof (float));
      g_assert_cmpmem (dx1, l.nx * sizeof (float), dx2, l.nx * sizeof (float));
      g_assert_cmpmem (dw1, l.nw * sizeof (float), dw2, l.nw * sizeof (float));
      g_assert_cmpmem (db1, l.nb * sizeof (float), db2, l.nb * sizeof (float));

      /* A second backward adds the same gradient again (2×, up to rounding:
       * sgemm folds the existing dw in per K block), and overwrites dx with
       * the same values. */
      layer_backward (&l, dx2, dw2, db2, shared, dy, x, w);
      g_assert_cmpmem (dx1, l.nx * sizeof (float), dx2, l.nx * sizeof (float));
      for (gsize j = 0; j < l.nw; j++)
        g_assert_cmpfloat_with_epsilon (dw2[j], 2.0f * dw1[j], 1e-5 * (1.0 + fabs (dw1[j])));
      for (gsize j = 0; j < l.nb; j++)
        g_assert_cmpfloat (db2[j], ==, 2.0f * db1[j]);

      /* No input gradient, no bias: dw is unchanged by skipping dx. */
      layer_backward (&l, NULL, dw3, NULL, shared, dy, x, w);
      g_assert_cmpmem (dw1, l.nw * sizeof (float), dw3, l.nw * sizeof (float));
    }
}

static void
test_no_alloc (void)
{
  const Geom g = { 8, 16, 14, 14, 32, 3, 2, 1, 1 };
  const Geom gt = { 8, 32, 7, 7, 16, 3, 2, 1, 1 };
  g_autoptr (GRand) rng = g_rand_new_with_seed (29);
  Layer l, lt;
  g_autofree float *x = NULL, *w = NULL, *b = NULL, *y = NULL, *dy = NULL, *dx = NULL;
  g_autofree float *wt = NULL, *yt = NULL, *dxt = NULL, *dw = NULL, *dwt = NULL, *db = NULL;
  g_autofree float *scratch = NULL;
  int allocs, threads = nn_blas_get_threads ();

  if (!alloc_counter_available ())
    {
      g_test_skip ("the allocation counter needs glibc");
      return;
    }

  layer_init (&l, &g, FALSE);
  layer_init (&lt, &gt, TRUE);
  x = rand_floats (rng, l.nx);
  w = rand_floats (rng, l.nw);
  b = rand_floats (rng, l.nb);
  y = g_new (float, l.ny);
  dy = rand_floats (rng, l.ny);
  dx = g_new (float, l.nx);
  dw = g_new0 (float, l.nw);
  db = g_new0 (float, l.nb);
  wt = rand_floats (rng, lt.nw);
  yt = g_new (float, lt.ny);      /* (8, 16, 14, 14) = x's shape */
  dxt = g_new (float, lt.nx);
  dwt = g_new0 (float, lt.nw);
  scratch = g_new (float, MAX (l.nscratch, lt.nscratch));

  /* OpenBLAS 0.3.21's threaded GEMM driver mallocs a 512 KiB job table on
   * every multi-threaded call (level3_thread.c); that is BLAS's business, not
   * the kernels'. One BLAS thread isolates the kernels' own behaviour. */
  nn_blas_set_threads (1);

  /* Warm-up: BLAS may set itself up on its first call. */
  layer_forward (&l, y, scratch, x, w, b);
  layer_backward (&lt, dxt, dwt, db, scratch, x, y, wt);

  alloc_counter_start ();
  for (int rep = 0; rep < 3; rep++)
    {
      layer_forward (&l, y, scratch, x, w, b);
      layer_backward (&l, dx, dw, db, scratch, dy, x, w);
      layer_forward (&lt, yt, scratch, y, wt, b);
      layer_backward (&lt, dxt, dwt, db, scratch, yt, y, wt);
    }
  allocs = alloc_counter_stop ();
  nn_blas_set_threads (threads);
  g_test_message ("heap allocations in 12 kernel calls: %d", allocs);
  g_assert_cmpint (allocs, ==, 0);

  /* The counter works: a real allocation while counting is seen. */
  alloc_counter_start ();
  g_free (g_malloc (64));
  g_assert_cmpint (alloc_counter_stop (), >=, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nn/conv/out-size", test_out_size);
  g_test_add_func ("/nn/conv/check", test_check);
  g_test_add_func ("/nn/conv/im2col-adjoint", test_im2col_adjoint);
  g_test_add_func ("/nn/conv/conv2d/naive", test_conv2d_naive);
  g_test_add_func ("/nn/conv/conv_transpose2d/naive", test_convt_naive);
  g_test_add_func ("/nn/conv/conv2d/gradcheck", test_conv2d_gradcheck);
  g_test_add_func ("/nn/conv/conv_transpose2d/gradcheck", test_convt_gradcheck);
  g_test_add_func ("/nn/conv/conv2d/parity", test_conv2d_parity);
  g_test_add_func ("/nn/conv/conv_transpose2d/parity", test_convt_parity);
  g_test_add_func ("/nn/conv/chunks", test_chunks);
  g_test_add_func ("/nn/conv/large-planes", test_large_planes);
  g_test_add_func ("/nn/conv/scratch-shared", test_scratch_shared);
  g_test_add_func ("/nn/conv/no-alloc", test_no_alloc);

  return g_test_run ();
}

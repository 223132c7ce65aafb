/* test-nn-gradcheck.c — analytic gradients against central finite differences.
 *
 * Kernels are checked on a projection loss L = Σ r ⊙ y summed in double, so
 * gradients are O(1) and float rounding stays far below the tolerance; whole
 * models are checked through nn_model_pass (with the RNG re-seeded before each
 * evaluation, so dropout masks and VAE noise are fixed). */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-private.h"

static const char *const act_names[] = { "identity", "relu", "leaky_relu", "tanh", "sigmoid" };

static void
fill (float  *a,
      gsize   n,
      double  lo,
      double  hi,
      GRand  *rand)
{
  gsize i;

  for (i = 0; i < n; i++)
    a[i] = (float) g_rand_double_range (rand, lo, hi);
}

/* |fd − an| ≤ rel·|an| + abs_frac·max|an| for every element; prints the worst. */
static void
check_close (const char   *what,
             const double *fd,
             const float  *an,
             gsize         n,
             double        rel,
             double        abs_frac)
{
  double gmax = 0.0, worst = 0.0;
  gsize i, at = 0;

  for (i = 0; i < n; i++)
    gmax = MAX (gmax, fabs (an[i]));
  g_assert_cmpfloat (gmax, >, 0.0);
  for (i = 0; i < n; i++)
    {
      double ratio = fabs (fd[i] - an[i]) / (rel * fabs (an[i]) + abs_frac * gmax);

      if (ratio > worst)
        {
          worst = ratio;
          at = i;
        }
    }
  g_test_message ("%-28s %4zu values, max |g| %.3g, worst %.3f of tolerance (fd %.6g, analytic %.6g)",
                  what, n, gmax, worst, fd[at], an[at]);
  if (worst > 1.0)
    g_error ("%s: gradient %zu is %.9g, finite differences say %.9g", what, at, an[at], fd[at]);
}

/* ---------------------------------------------------------------- dense + activation */

typedef struct
{
  int           batch, in, out;
  NnActivation  act;
  float        *x, *w, *b, *y, *r;
} DenseCase;

static double
dense_loss (DenseCase *c)
{
  double L = 0.0;
  gsize i;

  nn_dense_forward (c->y, c->x, c->w, c->b, c->batch, c->in, c->out, c->act);
  for (i = 0; i < (gsize) c->batch * c->out; i++)
    L += (double) c->r[i] * c->y[i];
  return L;
}

/* FD of dense_loss with respect to every element of v. */
static void
fd_of (DenseCase *c,
       float     *v,
       gsize      n,
       double    *out)
{
  gsize i;

  for (i = 0; i < n; i++)
    {
      float keep = v[i];
      double h = 1e-2, lp, lm;

      v[i] = keep + (float) h;
      lp = dense_loss (c);
      v[i] = keep - (float) h;
      lm = dense_loss (c);
      v[i] = keep;
      /* The float perturbation actually applied may differ from h. */
      out[i] = (lp - lm) / ((double) (keep + (float) h) - (double) (keep - (float) h));
    }
}

static void
test_dense (gconstpointer data)
{
  NnActivation act = (NnActivation) GPOINTER_TO_INT (data);
  DenseCase c = { 4, 7, 5, act, NULL, NULL, NULL, NULL, NULL };
  GRand *rand = g_rand_new_with_seed (11 + act);
  float *dw, *db, *dx, *dz;
  double *fd;
  gsize i, ny = (gsize) c.batch * c.out;
  int attempt;

  c.x = g_new (float, c.batch * c.in);
  c.w = g_new (float, c.out * c.in);
  c.b = g_new (float, c.out);
  c.y = g_new (float, ny);
  c.r = g_new (float, ny);
  dw = g_new0 (float, c.out * c.in);
  db = g_new0 (float, c.out);
  dx = g_new0 (float, c.batch * c.in);
  dz = g_new (float, ny);
  fd = g_new (double, c.out * c.in);

  /* Draw until no pre-activation sits within reach of a kink (ReLU-family):
   * finite differences across a kink measure nothing useful. */
  for (attempt = 0; attempt < 100; attempt++)
    {
      gboolean near_kink = FALSE;

      fill (c.x, c.batch * c.in, -1, 1, rand);
      fill (c.w, c.out * c.in, -0.6, 0.6, rand);
      fill (c.b, c.out, -0.3, 0.3, rand);
      nn_dense_forward (c.y, c.x, c.w, c.b, c.batch, c.in, c.out, NN_ACT_IDENTITY);
      for (i = 0; i < ny; i++)
        near_kink |= fabsf (c.y[i]) < 0.1f;
      if (!near_kink || act == NN_ACT_IDENTITY || act == NN_ACT_TANH || act == NN_ACT_SIGMOID)
        break;
    }
  g_assert_cmpint (attempt, <, 100);
  fill (c.r, ny, -1, 1, rand);

  /* Analytic: dz = r ⊙ act'(y), db and dW from it, dX = dz·W. */
  dense_loss (&c);
  memcpy (dz, c.r, ny * sizeof (float));
  nn_act_backward (dz, c.y, db, c.batch, c.out, 1, act);
  nn_dense_backward (dx, dw, NULL, dz, c.x, c.w, c.batch, c.in, c.out);

  fd_of (&c, c.w, c.out * c.in, fd);
  check_close ("dW", fd, dw, c.out * c.in, 2e-3, 2e-3);
  fd_of (&c, c.b, c.out, fd);
  check_close ("db", fd, db, c.out, 2e-3, 2e-3);
  fd_of (&c, c.x, c.batch * c.in, fd);
  check_close ("dX", fd, dx, c.batch * c.in, 2e-3, 2e-3);

  /* Backward ADDS into dW and db: a second call doubles them. */
  {
    float *dw2 = g_memdup2 (dw, sizeof (float) * c.out * c.in);

    nn_dense_backward (NULL, dw2, NULL, dz, c.x, c.w, c.batch, c.in, c.out);
    for (i = 0; i < (gsize) c.out * c.in; i++)
      g_assert_cmpfloat_with_epsilon (dw2[i], 2.0f * dw[i], 1e-5f);
    g_free (dw2);
  }

  g_free (c.x); g_free (c.w); g_free (c.b); g_free (c.y); g_free (c.r);
  g_free (dw); g_free (db); g_free (dx); g_free (dz); g_free (fd);
  g_rand_free (rand);
}

/* ---------------------------------------------------------------- losses */

static void
check_loss (NnActivation act,
            NnLoss       loss,
            const char  *what)
{
  GRand *rand = g_rand_new_with_seed (5 + act * 7 + loss);
  enum { N = 40 };
  float z[N], t[N], dz[N], y[N];
  double fd[N];
  int i;

  fill (z, N, -3, 3, rand);
  fill (t, N, 0, 1, rand);
  t[0] = 0.0f;
  t[1] = 1.0f;
  /* Logits far out: the BCE-from-logits form must stay finite and exact. */
  z[2] = 40.0f;
  z[3] = -40.0f;
  if (act == NN_ACT_RELU || act == NN_ACT_LEAKY_RELU)
    for (i = 0; i < N; i++)
      if (fabsf (z[i]) < 0.1f)
        z[i] = 0.5f;

  nn_output_loss (dz, y, z, t, N, 1.0, act, loss);
  for (i = 0; i < N; i++)
    {
      float keep = z[i];
      float h = 1e-2f;
      double lp, lm;

      z[i] = keep + h;
      lp = nn_output_loss (NULL, NULL, z, t, N, 1.0, act, loss);
      z[i] = keep - h;
      lm = nn_output_loss (NULL, NULL, z, t, N, 1.0, act, loss);
      z[i] = keep;
      fd[i] = (lp - lm) / ((double) (keep + h) - (double) (keep - h));
      g_assert_true (isfinite (lp) && isfinite (lm));
      g_assert_cmpfloat_with_epsilon (y[i], nn_act_scalar (z[i], act), 1e-6);
    }
  check_close (what, fd, dz, N, 2e-3, 2e-3);

  /* Mean reduction: with scale_n = N the loss is the mean, the gradient 1/N of the sum's. */
  {
    float dz_mean[N];
    double sum = nn_output_loss (NULL, NULL, z, t, N, 1.0, act, loss);
    double mean = nn_output_loss (dz_mean, NULL, z, t, N, N, act, loss);

    g_assert_cmpfloat_with_epsilon (mean, sum / N, 1e-9 + 1e-6 * fabs (sum));
    for (i = 0; i < N; i++)
      g_assert_cmpfloat_with_epsilon (dz_mean[i] * N, dz[i], 1e-5);
  }
  g_rand_free (rand);
}

static void
test_losses (void)
{
  int a;

  for (a = NN_ACT_IDENTITY; a <= NN_ACT_SIGMOID; a++)
    {
      g_autofree char *what = g_strdup_printf ("mse after %s", act_names[a]);

      check_loss ((NnActivation) a, NN_LOSS_MSE, what);
    }
  check_loss (NN_ACT_SIGMOID, NN_LOSS_BCE, "bce from logits");
}

static void
test_bce_stable (void)
{
  float z[4] = { 100.0f, -100.0f, 100.0f, -100.0f };
  float t[4] = { 1.0f, 0.0f, 0.0f, 1.0f };
  float dz[4];
  double l;

  /* Confidently right: loss ≈ 0; confidently wrong: ≈ 100 each, never inf/NaN. */
  l = nn_output_loss (dz, NULL, z, t, 2, 1.0, NN_ACT_SIGMOID, NN_LOSS_BCE);
  g_assert_cmpfloat (l, <, 1e-30);
  l = nn_output_loss (dz, NULL, z + 2, t + 2, 2, 1.0, NN_ACT_SIGMOID, NN_LOSS_BCE);
  g_assert_cmpfloat_with_epsilon (l, 200.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (dz[0], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (dz[1], -1.0f, 1e-6);
}

/* NaN logits (weights from a damaged file, a diverging step) stay NaN through
 * the sigmoid; its fast exp once turned NaN into an int (undefined, caught
 * by UBSan as a negative shift). ±inf still saturate. */
static void
test_sigmoid_non_finite (void)
{
  float z[3] = { NAN, INFINITY, -INFINITY };
  float y[3], dz[3];
  const float t[3] = { 0.5f, 0.5f, 0.5f };

  g_assert_true (isnan (nn_act_scalar (NAN, NN_ACT_SIGMOID)));
  g_assert_cmpfloat (nn_act_scalar (INFINITY, NN_ACT_SIGMOID), ==, 1.0f);
  g_assert_cmpfloat (nn_act_scalar (-INFINITY, NN_ACT_SIGMOID), <, 1e-30f);
  nn_output_loss (dz, y, z, t, 3, 3.0, NN_ACT_SIGMOID, NN_LOSS_MSE);
  g_assert_true (isnan (y[0]));
  g_assert_cmpfloat (y[1], ==, 1.0f);
  g_assert_cmpfloat (y[2], <, 1e-30f);
}

/* ---------------------------------------------------------------- whole models */

typedef struct
{
  NnModel *model;
  NnWork   work;
  float   *x;
  float   *scratch_grads;
  float   *stats;
  int      batch;
} ModelCase;

static double
model_loss (ModelCase *mc)
{
  NnRng rng;
  NnLosses l;
  size_t ns = nn_model_n_stats (mc->model);

  /* Same dropout mask / VAE noise every time; running stats untouched. */
  nn_rng_seed (&rng, 99, NN_STREAM_DROPOUT);
  if (ns > 0)
    memcpy (mc->stats, nn_model_stats (mc->model), ns * sizeof (float));
  nn_model_pass (mc->model, &mc->work, nn_model_params (mc->model), mc->stats,
                 mc->scratch_grads, mc->x, mc->x, mc->batch, &rng, 1.0f, &l);
  return l.recon + l.reg;
}

static void
check_model (const char *const *settings,
             const char         *what,
             int                 batch)
{
  NnConfig cfg;
  NnError err = { 0 };
  ModelCase mc = { 0 };
  GRand *rand = g_rand_new_with_seed (g_str_hash (what));
  float *params, *grads;
  double *fd;
  size_t np, i;
  NnRng rng;
  NnLosses l;
  double gmax;
  int dim, n_kinks = 0;
  gboolean kinky;

  nn_config_init_default (&cfg);
  nn_config_set (&cfg, "val_split", "0", NULL);
  /* He init: zero biases are then nudged off the kinks below. */
  nn_config_set (&cfg, "init", "he", NULL);
  for (i = 0; settings[i] != NULL; i += 2)
    if (nn_config_set (&cfg, settings[i], settings[i + 1], &err) != NN_OK)
      g_error ("%s", err.message);
  mc.model = nn_model_new (&cfg, &err);
  if (mc.model == NULL)
    g_error ("%s: %s", what, err.message);
  kinky = cfg.activation == NN_ACT_RELU || cfg.activation == NN_ACT_LEAKY_RELU
          || cfg.out_activation == NN_ACT_RELU || cfg.out_activation == NN_ACT_LEAKY_RELU;
  mc.batch = batch;
  np = nn_model_n_params (mc.model);
  dim = nn_model_input_dim (mc.model);
  g_assert_cmpint (nn_work_init (&mc.work, mc.model, batch, TRUE, &err), ==, NN_OK);
  mc.x = g_new (float, (gsize) batch * dim);
  fill (mc.x, (gsize) batch * dim, 0.0, 1.0, rand);
  mc.scratch_grads = g_new0 (float, np);
  mc.stats = g_new0 (float, nn_model_n_stats (mc.model) + 1);
  params = nn_model_params (mc.model);
  /* Small non-zero biases so no unit starts exactly at a kink. */
  for (i = 0; i < np; i++)
    if (params[i] == 0.0f)
      params[i] = (float) g_rand_double_range (rand, -0.05, 0.05);

  grads = g_new0 (float, np);
  nn_rng_seed (&rng, 99, NN_STREAM_DROPOUT);
  if (nn_model_n_stats (mc.model) > 0)
    memcpy (mc.stats, nn_model_stats (mc.model), nn_model_n_stats (mc.model) * sizeof (float));
  nn_model_pass (mc.model, &mc.work, params, mc.stats, grads, mc.x, mc.x, batch, &rng, 1.0f, &l);

  fd = g_new (double, np);
  gmax = 0.0;
  for (i = 0; i < np; i++)
    gmax = MAX (gmax, fabs (grads[i]));
  for (i = 0; i < np; i++)
    {
      float keep = params[i];
      double fd_h[2];
      int j;

      for (j = 0; j < 2; j++)
        {
          float h = j == 0 ? 3e-3f : 1e-3f;
          double lp, lm;

          params[i] = keep + h;
          lp = model_loss (&mc);
          params[i] = keep - h;
          lm = model_loss (&mc);
          params[i] = keep;
          fd_h[j] = (lp - lm) / ((double) (keep + h) - (double) (keep - h));
        }
      fd[i] = fd_h[0];
      /* With ReLU-family units a perturbation can cross a kink, and then the
       * difference quotient depends on the step: where two steps disagree,
       * finite differences measure nothing, so take the analytic value and
       * count how often that happens. */
      if (kinky && fabs (fd_h[0] - fd_h[1]) > 0.01 * fabs (fd_h[1]) + 2e-3 * gmax)
        {
          fd[i] = grads[i];
          n_kinks++;
        }
    }
  g_test_message ("%s: %d of %zu parameters skipped at a kink", what, n_kinks, np);
  g_assert_cmpint (n_kinks, <=, (int) (np / 10));
  check_close (what, fd, grads, np, 2e-2, 1e-2);

  g_free (fd);
  g_free (grads);
  g_free (mc.x);
  g_free (mc.scratch_grads);
  g_free (mc.stats);
  nn_work_clear (&mc.work);
  nn_model_free (mc.model);
  g_rand_free (rand);
}

#define SHAPE "in_channels", "1", "in_height", "2", "in_width", "3"

static void
test_model_plain (void)
{
  const char *tanh_mse[] = { SHAPE, "arch", "6-5-3", "activation", "tanh", NULL };
  const char *leaky_bce[] = { SHAPE, "arch", "6-4-2", "activation", "leaky_relu", "loss", "bce", NULL };
  const char *tanh_bce[] = { SHAPE, "arch", "6-4-2", "activation", "tanh", "loss", "bce", NULL };
  const char *leaky_mse[] = { SHAPE, "arch", "6-4-2", "activation", "leaky_relu", NULL };
  const char *sig_id[] = { SHAPE, "arch", "6-4", "activation", "sigmoid", "out_activation", "identity", NULL };

  check_model (tanh_mse, "model tanh mse", 4);
  check_model (tanh_bce, "model tanh bce", 5);
  check_model (leaky_mse, "model leaky mse", 5);
  check_model (leaky_bce, "model leaky_relu bce", 5);
  check_model (sig_id, "model sigmoid, identity out", 3);
}

static void
test_model_dropout (void)
{
  const char *s[] = { SHAPE, "arch", "6-8-3", "activation", "tanh", "dropout", "0.3", NULL };

  check_model (s, "model dropout (fixed mask)", 4);
}

static void
test_model_sparse (void)
{
  const char *l1[] = { SHAPE, "arch", "6-5-3", "activation", "tanh", "kind", "sparse",
                       "sparsity", "l1:0.05", NULL };
  const char *kl[] = { SHAPE, "arch", "6-5-3", "activation", "sigmoid", "kind", "sparse",
                       "sparsity", "kl:0.1,0.5", NULL };

  check_model (l1, "model sparse l1", 4);
  check_model (kl, "model sparse kl", 4);
}

static void
test_model_vae (void)
{
  const char *s[] = { SHAPE, "arch", "6-5-2", "activation", "tanh", "kind", "vae", "beta", "2", NULL };

  check_model (s, "model vae (fixed noise)", 4);
}

static void
test_model_batchnorm (void)
{
  const char *s[] = { SHAPE, "arch", "6-5-3", "activation", "tanh", "batch_norm", "true", NULL };

  check_model (s, "model batch norm", 6);
}

static void
test_model_conv (void)
{
  const char *s[] = { "in_channels", "2", "in_height", "6", "in_width", "6",
                      "arch", "c3k3s2,d4", "activation", "tanh", NULL };
  const char *bn[] = { "in_channels", "1", "in_height", "5", "in_width", "5",
                       "arch", "c2k3s2,c2k2s1p0,d3", "activation", "leaky_relu",
                       "batch_norm", "true", NULL };

  check_model (s, "model conv + dense", 3);
  check_model (bn, "model conv + bn + leaky", 3);
}

/* ---------------------------------------------------------------- gemm wrapper */

static void
test_sgemm (void)
{
  GRand *rand = g_rand_new_with_seed (3);
  int ta, tb;

  for (ta = 0; ta < 2; ta++)
    for (tb = 0; tb < 2; tb++)
      {
        int m = 7, n = 5, k = 9;
        float a[63], b[45], c1[35], c2[35];
        int lda = ta ? m : k, ldb = tb ? k : n, i;

        fill (a, 63, -1, 1, rand);
        fill (b, 45, -1, 1, rand);
        fill (c1, 35, -1, 1, rand);
        memcpy (c2, c1, sizeof c1);
        nn_sgemm (ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 2.0f, c1, n);
        nn_sgemm_naive (ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 2.0f, c2, n);
        for (i = 0; i < 35; i++)
          g_assert_cmpfloat_with_epsilon (c1[i], c2[i], 1e-5);
      }
  g_rand_free (rand);
}

int
main (int   argc,
      char *argv[])
{
  int a;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/gemm/wrapper-vs-naive", test_sgemm);
  for (a = NN_ACT_IDENTITY; a <= NN_ACT_SIGMOID; a++)
    {
      g_autofree char *path = g_strdup_printf ("/nn/dense/gradcheck/%s", act_names[a]);

      g_test_add_data_func (path, GINT_TO_POINTER (a), test_dense);
    }
  g_test_add_func ("/nn/loss/gradcheck", test_losses);
  g_test_add_func ("/nn/loss/bce-stable", test_bce_stable);
  g_test_add_func ("/nn/activation/sigmoid-non-finite", test_sigmoid_non_finite);
  g_test_add_func ("/nn/model/gradcheck/plain", test_model_plain);
  g_test_add_func ("/nn/model/gradcheck/dropout", test_model_dropout);
  g_test_add_func ("/nn/model/gradcheck/sparse", test_model_sparse);
  g_test_add_func ("/nn/model/gradcheck/vae", test_model_vae);
  g_test_add_func ("/nn/model/gradcheck/batch-norm", test_model_batchnorm);
  g_test_add_func ("/nn/model/gradcheck/conv", test_model_conv);
  return g_test_run ();
}

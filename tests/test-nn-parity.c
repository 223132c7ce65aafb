/* test-nn-parity.c — forward, backward and 3 optimizer steps against PyTorch.
 *
 * Fixtures come from tests/gen-fixture-dense.py (Debian's python3-torch); see
 * its header for the format. Each comparison prints its worst difference and
 * fails beyond a tolerance fit for float32 arithmetic in a different order. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-private.h"

typedef struct
{
  char   *name;
  guint32 kind;     /* 0 floats, 1 text */
  guint32 count;
  float  *floats;
  char   *text;
} Record;

typedef struct
{
  GPtrArray *records;
} Fixture;

static void
record_free (gpointer p)
{
  Record *r = p;

  g_free (r->name);
  g_free (r->floats);
  g_free (r->text);
  g_free (r);
}

static gboolean
read_u32 (const guint8 **p,
          const guint8  *end,
          guint32       *out)
{
  if (end - *p < 4)
    return FALSE;
  *out = (guint32) (*p)[0] | (guint32) (*p)[1] << 8 | (guint32) (*p)[2] << 16
         | (guint32) (*p)[3] << 24;
  *p += 4;
  return TRUE;
}

static Fixture *
fixture_load (const char *variant)
{
  g_autofree char *base = g_strdup_printf ("dense-%s.bin", variant);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", base, NULL);
  g_autofree guint8 *data = NULL;
  g_autoptr (GError) error = NULL;
  const guint8 *p, *end;
  guint32 version = 0, n = 0, i;
  gsize len;
  Fixture *fx;

  if (!g_file_get_contents (path, (char **) &data, &len, &error))
    g_error ("%s", error->message);
  p = data;
  end = data + len;
  g_assert_cmpuint (len, >=, 16);
  g_assert_true (memcmp (p, "BTLNNFX\0", 8) == 0);
  p += 8;
  g_assert_true (read_u32 (&p, end, &version));
  g_assert_cmpuint (version, ==, 1);
  g_assert_true (read_u32 (&p, end, &n));

  fx = g_new0 (Fixture, 1);
  fx->records = g_ptr_array_new_with_free_func (record_free);
  for (i = 0; i < n; i++)
    {
      Record *r = g_new0 (Record, 1);
      guint32 name_len = 0;

      g_assert_true (read_u32 (&p, end, &name_len));
      g_assert_cmpint (end - p, >=, (gssize) name_len);
      r->name = g_strndup ((const char *) p, name_len);
      p += name_len;
      g_assert_true (read_u32 (&p, end, &r->kind));
      g_assert_true (read_u32 (&p, end, &r->count));
      if (r->kind == 0)
        {
          g_assert_cmpint ((end - p) / 4, >=, (gssize) r->count);
          r->floats = g_new (float, r->count + 1);
          memcpy (r->floats, p, (gsize) r->count * 4);   /* little-endian host */
          p += (gsize) r->count * 4;
        }
      else
        {
          g_assert_cmpint (end - p, >=, (gssize) r->count);
          r->text = g_strndup ((const char *) p, r->count);
          p += r->count;
        }
      g_ptr_array_add (fx->records, r);
    }
  g_assert_true (p == end);
  return fx;
}

static Record *
fixture_find (Fixture    *fx,
              const char *name)
{
  guint i;

  for (i = 0; i < fx->records->len; i++)
    {
      Record *r = g_ptr_array_index (fx->records, i);

      if (strcmp (r->name, name) == 0)
        return r;
    }
  return NULL;
}

static Record *
fixture_get (Fixture    *fx,
             const char *name)
{
  guint i;

  for (i = 0; i < fx->records->len; i++)
    {
      Record *r = g_ptr_array_index (fx->records, i);

      if (strcmp (r->name, name) == 0)
        return r;
    }
  g_error ("fixture has no record %s", name);
  return NULL;
}

static void
fixture_free (Fixture *fx)
{
  g_ptr_array_unref (fx->records);
  g_free (fx);
}

/* Worst |a − b| / (atol + rtol·|b|); fails above 1. */
static void
compare (const char  *what,
         const float *got,
         const float *want,
         gsize        n,
         double       atol,
         double       rtol)
{
  double worst = 0.0, worst_abs = 0.0;
  gsize i, at = 0;

  for (i = 0; i < n; i++)
    {
      double diff = fabs ((double) got[i] - want[i]);
      double ratio = diff / (atol + rtol * fabs (want[i]));

      g_assert_true (isfinite (got[i]));
      if (ratio > worst)
        {
          worst = ratio;
          at = i;
        }
      if (diff > worst_abs)
        worst_abs = diff;
    }
  g_test_message ("%-8s %4zu values: worst |diff| %.3g (at %zu: %.9g vs %.9g), %.2f of tolerance",
                  what, n, worst_abs, at, n ? got[at] : 0.0f, n ? want[at] : 0.0f, worst);
  if (worst > 1.0)
    g_error ("%s differs from PyTorch: %.9g vs %.9g at %zu", what, got[at], want[at], at);
}

static void
run_variant (gconstpointer data)
{
  const char *variant = data;
  Fixture *fx = fixture_load (variant);
  Record *cfg_text = fixture_get (fx, "config");
  Record *x = fixture_get (fx, "x");
  Record *params = fixture_get (fx, "params");
  Record *grads_ref = fixture_get (fx, "grads");
  Record *y_ref = fixture_get (fx, "y");
  Record *loss_ref = fixture_get (fx, "loss");
  Record *losses3 = fixture_get (fx, "losses3");
  Record *params3 = fixture_get (fx, "params3");
  Record *eps;
  NnConfig cfg;
  NnError err = { 0 };
  NnModel *model;
  NnWork work;
  NnOptimState opt = { 0 };
  NnLosses l;
  float *grads, *m, *v;
  float loss1, step_losses[3];
  int batch, i;
  size_t np, j;

  nn_config_init_default (&cfg);
  if (nn_config_parse (&cfg, cfg_text->text, &err) != NN_OK)
    g_error ("%s", err.message);
  model = nn_model_new (&cfg, &err);
  g_assert_nonnull (model);
  np = nn_model_n_params (model);
  g_assert_cmpuint (np, ==, params->count);
  batch = (int) (x->count / nn_model_input_dim (model));
  g_assert_cmpint (batch, ==, cfg.batch);
  memcpy (nn_model_params (model), params->floats, np * sizeof (float));

  g_assert_cmpint (nn_work_init (&work, model, batch, TRUE, &err), ==, NN_OK);
  eps = fixture_find (fx, "eps");
  if (eps != NULL)
    {
      g_assert_cmpuint (eps->count, ==, (guint) batch * nn_model_latent_dim (model));
      work.fixed_eps = eps->floats;
    }
  grads = g_new0 (float, np);
  m = g_new0 (float, np);
  v = g_new0 (float, np);

  /* One forward + backward. */
  nn_model_pass (model, &work, nn_model_params (model), nn_model_stats (model), grads,
                 x->floats, x->floats, batch, NULL, cfg.beta, &l);
  loss1 = (float) (l.recon + l.reg);
  compare ("loss", &loss1, loss_ref->floats, 1, 1e-7, 1e-5);
  if (eps != NULL)
    {
      float recon = (float) l.recon, reg = (float) l.reg;

      compare ("recon", &recon, fixture_get (fx, "recon")->floats, 1, 1e-7, 1e-5);
      compare ("reg", &reg, fixture_get (fx, "reg")->floats, 1, 1e-8, 1e-5);
      g_assert_cmpfloat (reg, >, 0.0f);
    }
  compare ("y", work.y, y_ref->floats, y_ref->count, 1e-6, 1e-5);
  compare ("grads", grads, grads_ref->floats, np, 1e-8, 1e-5);

  /* Three optimizer steps on the same batch. */
  memset (grads, 0, np * sizeof (float));
  opt.kind = cfg.optimizer;
  opt.lr = cfg.lr;
  opt.momentum = cfg.momentum;
  opt.beta1 = cfg.beta1;
  opt.beta2 = cfg.beta2;
  opt.eps = cfg.eps;
  opt.weight_decay = cfg.weight_decay;
  for (i = 0; i < 3; i++)
    {
      nn_model_pass (model, &work, nn_model_params (model), nn_model_stats (model), grads,
                     x->floats, x->floats, batch, NULL, cfg.beta, &l);
      step_losses[i] = (float) (l.recon + l.reg);
      nn_optim_step (&opt, nn_model_params (model), grads, m, v, NULL, np);
    }
  compare ("losses3", step_losses, losses3->floats, 3, 1e-7, 1e-5);
  compare ("params3", nn_model_params (model), params3->floats, np, 1e-7, 1e-5);
  /* The optimizer consumed (zeroed) the gradients. */
  for (j = 0; j < np; j++)
    g_assert_cmpfloat (grads[j], ==, 0.0f);

  g_free (grads);
  g_free (m);
  g_free (v);
  nn_work_clear (&work);
  nn_model_free (model);
  fixture_free (fx);
}

/* The tolerance is not vacuous: a perturbed gradient must fail the check. */
static void
test_detects_error (void)
{
  if (g_test_subprocess ())
    {
      float a[3] = { 1.0f, 2.0f, 3.0f }, b[3] = { 1.0f, 2.0f, 3.001f };

      compare ("perturbed", a, b, 3, 1e-7, 1e-4);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*differs from PyTorch*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/nn/parity/dense-mse-adam", "mse", run_variant);
  g_test_add_data_func ("/nn/parity/dense-bce-adamw", "bce", run_variant);
  g_test_add_data_func ("/nn/parity/dense-tanh-sgd", "sgd", run_variant);
  g_test_add_data_func ("/nn/parity/dense-vae-adam", "vae", run_variant);
  g_test_add_func ("/nn/parity/detects-error", test_detects_error);
  return g_test_run ();
}

/* test-nn-model.c — the model API (sizes, FLOPs, GEMM shapes, description,
 * initialisation) and forward-only inference. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn.h"

#define DIM 16
#define N_SAMPLES 240

/* Low-rank structured data in [0, 1] (an autoencoder has something to learn). */
static float *
make_data (int n)
{
  GRand *rand = g_rand_new_with_seed (42);
  float *x = g_new (float, (gsize) n * DIM);
  float basis[3][DIM];
  int i, j, k;

  for (k = 0; k < 3; k++)
    for (j = 0; j < DIM; j++)
      basis[k][j] = (float) g_rand_double_range (rand, -2, 2);
  for (i = 0; i < n; i++)
    {
      float c[3];

      for (k = 0; k < 3; k++)
        c[k] = (float) g_rand_double_range (rand, -1, 1);
      for (j = 0; j < DIM; j++)
        {
          float z = c[0] * basis[0][j] + c[1] * basis[1][j] + c[2] * basis[2][j];

          x[(gsize) i * DIM + j] = 1.0f / (1.0f + expf (-z));
        }
    }
  g_rand_free (rand);
  return x;
}

static void
small_config (NnConfig *cfg)
{
  nn_config_init_default (cfg);
  g_assert_cmpint (nn_config_set (cfg, "in_height", "4", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (cfg, "in_width", "4", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (cfg, "arch", "16-12-4", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (cfg, "batch", "16", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (cfg, "lr", "0.01", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (cfg, "val_split", "0.2", NULL), ==, NN_OK);
}

static NnModel *
new_model (const NnConfig *cfg)
{
  NnError err = { 0 };
  NnModel *model = nn_model_new (cfg, &err);

  if (model == NULL)
    g_error ("%s", err.message);
  return model;
}

/* ---------------------------------------------------------------- model API */

static void
test_model_default (void)
{
  NnConfig cfg;
  NnModel *model;
  NnGemmShape shapes[32];
  char text[2048];
  size_t len;
  int n;

  nn_config_init_default (&cfg);
  model = new_model (&cfg);
  g_assert_cmpuint (nn_model_n_params (model), ==, 944176);
  g_assert_cmpuint (nn_model_n_stats (model), ==, 0);
  g_assert_cmpint (nn_model_input_dim (model), ==, 784);
  g_assert_cmpint (nn_model_latent_dim (model), ==, 32);
  g_assert_cmpfloat (nn_model_train_flops_per_sample (model), ==, 4849664.0);
  n = nn_model_gemm_shapes (model, 128, shapes, 32);
  g_assert_cmpint (n, ==, 17);
  g_assert_cmpint (shapes[0].m, ==, 128);
  g_assert_cmpint (shapes[0].n, ==, 512);
  g_assert_cmpint (shapes[0].k, ==, 784);
  g_assert_true (shapes[0].trans_b);
  g_assert_cmpint (nn_model_gemm_shapes (model, 128, shapes, 2), ==, 17);

  len = nn_model_describe (model, text, sizeof text);
  g_assert_cmpuint (len, ==, strlen (text));
  g_assert_cmpuint (nn_model_describe (model, NULL, 0), ==, len);
  g_assert_nonnull (strstr (text, "dense 784→512 relu   401,920 params"));
  g_assert_nonnull (strstr (text, "dense 512→784 sigmoid   402,192 params"));
  g_assert_nonnull (strstr (text, "(code)"));
  g_test_message ("%s", text);
  nn_model_free (model);
}

static void
test_model_bad_config (void)
{
  NnConfig cfg;
  NnError err = { 0 };

  nn_config_init_default (&cfg);
  cfg.in_channels = 3;   /* 784 no longer matches 3×28×28 */
  g_assert_null (nn_model_new (&cfg, &err));
  g_assert_cmpint (err.code, ==, NN_ERR_SHAPE);
  g_assert_null (nn_model_new (NULL, &err));
  g_assert_cmpint (err.code, ==, NN_ERR_INVALID);
}

/* nn_config_param_counts: what nn_model_new would allocate, without
 * allocating, and the same refusals (also without an NnError). */
static void
test_model_param_counts (void)
{
  const char *archs[] = { "784-512-128-32", "c16k3s2,c32k3s2,d32", "c8k5s2p2,d10" };
  NnConfig cfg;
  NnError err = { 0 };
  size_t np = 0, ns = 0;

  for (guint i = 0; i < G_N_ELEMENTS (archs); i++)
    for (int bn = 0; bn < 2; bn++)
      {
        NnModel *model;

        nn_config_init_default (&cfg);
        g_assert_cmpint (nn_config_set (&cfg, "arch", archs[i], &err), ==, NN_OK);
        cfg.batch_norm = bn != 0;
        g_assert_cmpint (nn_config_param_counts (&cfg, &np, &ns, &err), ==, NN_OK);
        model = new_model (&cfg);
        g_assert_cmpuint (np, ==, nn_model_n_params (model));
        g_assert_cmpuint (ns, ==, nn_model_n_stats (model));
        nn_model_free (model);
      }

  /* 16-16384×10-4 on 4×4: 4.8 billion floats, counted, not allocated. */
  nn_config_init_default (&cfg);
  g_assert_cmpint (nn_config_set (&cfg, "in_height", "4", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&cfg, "in_width", "4", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_set (&cfg, "arch", "16-16384-16384-16384-16384-16384-16384"
                                  "-16384-16384-16384-16384-4", NULL), ==, NN_OK);
  g_assert_cmpint (nn_config_param_counts (&cfg, &np, NULL, NULL), ==, NN_OK);
  g_assert_cmpuint (np, ==, 4832821268u);

  nn_config_init_default (&cfg);
  cfg.in_channels = 3;
  g_assert_cmpint (nn_config_param_counts (&cfg, &np, &ns, &err), ==, NN_ERR_SHAPE);
  g_assert_cmpint (nn_config_param_counts (&cfg, NULL, NULL, NULL), ==, NN_ERR_SHAPE);
  g_assert_cmpint (nn_config_param_counts (NULL, &np, &ns, &err), ==, NN_ERR_INVALID);
}

/* Init is deterministic in the seed and the scale follows He / Xavier. */
static void
test_model_init (void)
{
  NnConfig cfg;
  NnModel *a, *b;
  const float *pa;
  double sum2 = 0.0;
  size_t i;

  nn_config_init_default (&cfg);
  g_assert_cmpint (nn_config_set (&cfg, "init", "he", NULL), ==, NN_OK);
  a = new_model (&cfg);
  b = new_model (&cfg);
  g_assert_true (memcmp (nn_model_params (a), nn_model_params (b),
                         nn_model_n_params (a) * sizeof (float)) == 0);
  nn_model_init_params (b, 2);
  g_assert_false (memcmp (nn_model_params (a), nn_model_params (b),
                          nn_model_n_params (a) * sizeof (float)) == 0);
  /* First layer, He uniform: variance 2 / fan_in. Its biases are zero. */
  pa = nn_model_params (a);
  for (i = 0; i < 784 * 512; i++)
    sum2 += (double) pa[i] * pa[i];
  g_assert_cmpfloat (fabs (sum2 / (784 * 512) - 2.0 / 784) / (2.0 / 784), <, 0.02);
  for (i = 784 * 512; i < 784 * 512 + 512; i++)
    g_assert_cmpfloat (pa[i], ==, 0.0f);
  nn_model_free (b);

  /* PyTorch's default: U(±1/√fan_in) for weights and biases alike. */
  g_assert_cmpint (nn_config_set (&cfg, "init", "torch", NULL), ==, NN_OK);
  b = new_model (&cfg);
  pa = nn_model_params (b);
  sum2 = 0.0;
  for (i = 0; i < 784 * 512; i++)
    {
      g_assert_cmpfloat (fabsf (pa[i]), <=, 1.0f / 28.0f);
      sum2 += (double) pa[i] * pa[i];
    }
  /* Variance of U(±a) is a²/3. */
  g_assert_cmpfloat (fabs (sum2 / (784 * 512) - 1.0 / (3 * 784)) * (3 * 784), <, 0.02);
  g_assert_cmpfloat (pa[784 * 512], !=, 0.0f);
  g_assert_cmpfloat (fabsf (pa[784 * 512]), <=, 1.0f / 28.0f);
  nn_model_free (a);
  nn_model_free (b);

  /* auto: He for a dense model (zero biases), torch's for a conv one. */
  g_assert_cmpint (nn_config_set (&cfg, "init", "auto", NULL), ==, NN_OK);
  a = new_model (&cfg);
  g_assert_cmpfloat (nn_model_params (a)[784 * 512], ==, 0.0f);
  nn_model_free (a);
  g_assert_cmpint (nn_config_set (&cfg, "arch", "c4k3s2,d8", NULL), ==, NN_OK);
  a = new_model (&cfg);
  g_assert_cmpfloat (nn_model_params (a)[36], !=, 0.0f);   /* first conv bias */
  nn_model_free (a);
}

/* ---------------------------------------------------------------- inference */

static void
test_inference (void)
{
  NnConfig cfg;
  NnModel *model;
  NnInference *inf, *inf1;
  NnError err = { 0 };
  float *x = make_data (N_SAMPLES);
  float *y = g_new (float, 37 * DIM), *y1 = g_new (float, 37 * DIM);
  float *z = g_new (float, 37 * 4), *y2 = g_new (float, 37 * DIM);
  int i;

  small_config (&cfg);
  model = new_model (&cfg);
  inf = nn_inference_new (model, 8, &err);
  inf1 = nn_inference_new (model, 1, &err);
  g_assert_nonnull (inf);
  /* 37 rows: chunks of 8 plus a remainder give the same as one at a time. */
  g_assert_cmpint (nn_inference_reconstruct (inf, nn_model_params (model), NULL, x, 37, y, &err), ==, NN_OK);
  g_assert_cmpint (nn_inference_reconstruct (inf1, nn_model_params (model), NULL, x, 37, y1, &err), ==, NN_OK);
  for (i = 0; i < 37 * DIM; i++)
    {
      g_assert_cmpfloat_with_epsilon (y[i], y1[i], 1e-6);
      g_assert_cmpfloat (y[i], >=, 0.0f);
      g_assert_cmpfloat (y[i], <=, 1.0f);
    }
  /* encode then decode = reconstruct. */
  g_assert_cmpint (nn_inference_encode (inf, nn_model_params (model), NULL, x, 37, z, &err), ==, NN_OK);
  g_assert_cmpint (nn_inference_decode (inf, nn_model_params (model), NULL, z, 37, y2, &err), ==, NN_OK);
  g_assert_true (memcmp (y, y2, 37 * DIM * sizeof (float)) == 0);
  /* Bad arguments are errors, not crashes. */
  g_assert_cmpint (nn_inference_encode (inf, NULL, NULL, x, 3, z, &err), ==, NN_ERR_INVALID);
  g_assert_cmpint (nn_inference_encode (inf, nn_model_params (model), NULL, x, -1, z, &err), ==, NN_ERR_INVALID);
  g_assert_null (nn_inference_new (model, 0, &err));

  nn_inference_free (inf);
  nn_inference_free (inf1);
  nn_model_free (model);
  g_free (x); g_free (y); g_free (y1); g_free (y2); g_free (z);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/model/default", test_model_default);
  g_test_add_func ("/nn/model/bad-config", test_model_bad_config);
  g_test_add_func ("/nn/model/param-counts", test_model_param_counts);
  g_test_add_func ("/nn/model/init", test_model_init);
  g_test_add_func ("/nn/inference/chunks", test_inference);
  return g_test_run ();
}

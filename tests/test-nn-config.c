/* test-nn-config.c — NnConfig defaults, set, text round trip, validation. */
#include <glib.h>
#include <string.h>

#include "nn.h"

static void
test_defaults (void)
{
  NnConfig cfg;
  NnError err = { 0 };

  nn_config_init_default (&cfg);
  g_assert_cmpstr (cfg.arch, ==, "784-512-128-32");
  g_assert_cmpint (cfg.activation, ==, NN_ACT_RELU);
  g_assert_cmpint (cfg.out_activation, ==, NN_ACT_SIGMOID);
  g_assert_cmpint (cfg.loss, ==, NN_LOSS_MSE);
  g_assert_cmpint (cfg.optimizer, ==, NN_OPTIM_ADAM);
  g_assert_cmpfloat (cfg.lr, ==, 1e-3f);
  g_assert_cmpint (cfg.batch, ==, 128);
  g_assert_cmpint (cfg.epochs, ==, 5);
  g_assert_cmpuint (cfg.seed, ==, 1);
  g_assert_cmpint (cfg.init, ==, NN_INIT_AUTO);
  g_assert_cmpint (cfg.in_channels * cfg.in_height * cfg.in_width, ==, 784);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_OK);
}

/* Every field away from its default, then text → parse → identical bytes. */
static void
test_round_trip (void)
{
  static const char *const pairs[][2] = {
    { "kind", "sparse" }, { "arch", "c16k3s2,c32k3s2p0,d24" }, { "activation", "leaky_relu" },
    { "out_activation", "sigmoid" }, { "loss", "bce" }, { "dropout", "0.123456789" },
    { "batch_norm", "true" }, { "in_channels", "3" }, { "in_height", "32" }, { "in_width", "32" },
    { "noise", "gaussian:0.3" }, { "sparsity", "kl:0.05,1.5" }, { "beta", "0.7" },
    { "optimizer", "sgd" }, { "lr", "3.14159e-4" }, { "momentum", "0.95" },
    { "beta1", "0.85" }, { "beta2", "0.9995" }, { "eps", "1e-7" }, { "weight_decay", "1e-4" },
    { "schedule", "cosine" }, { "lr_step", "7" }, { "lr_gamma", "0.3" }, { "batch", "64" },
    { "epochs", "12" }, { "seed", "18446744073709551615" }, { "threads", "2" },
    { "val_split", "0.2" }, { "patience", "3" }, { "dataset", "my pictures/ü" },
    { "init", "he" },
  };
  NnConfig cfg, back;
  NnError err = { 0 };
  char text[4096], text2[4096];
  size_t len, i;

  nn_config_init_default (&cfg);
  for (i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      NnStatus st = nn_config_set (&cfg, pairs[i][0], pairs[i][1], &err);

      if (st != NN_OK)
        g_error ("%s=%s: %s", pairs[i][0], pairs[i][1], err.message);
    }
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_OK);
  g_assert_cmpfloat (cfg.sparsity_rho, ==, 0.05f);
  g_assert_cmpfloat (cfg.sparsity_lambda, ==, 1.5f);

  len = nn_config_format (&cfg, text, sizeof text);
  g_assert_cmpuint (len, ==, strlen (text));
  g_assert_cmpuint (nn_config_format (&cfg, NULL, 0), ==, len);
  /* A short buffer is truncated but the needed length is still reported. */
  g_assert_cmpuint (nn_config_format (&cfg, text2, 10), ==, len);
  g_assert_cmpuint (strlen (text2), ==, 9);

  nn_config_init_default (&back);
  g_assert_cmpint (nn_config_parse (&back, text, &err), ==, NN_OK);
  nn_config_format (&back, text2, sizeof text2);
  g_assert_cmpstr (text, ==, text2);
  g_assert_true (memcmp (&cfg.lr, &back.lr, sizeof cfg.lr) == 0);
  g_assert_true (memcmp (&cfg.dropout, &back.dropout, sizeof cfg.dropout) == 0);
  g_assert_cmpuint (back.seed, ==, G_MAXUINT64);
  g_assert_cmpstr (back.dataset, ==, "my pictures/ü");
  g_assert_cmpint (back.noise, ==, NN_NOISE_GAUSSIAN);
  g_assert_cmpfloat (back.noise_level, ==, 0.3f);
  g_assert_cmpint (back.init, ==, NN_INIT_HE);
}

/* Random bit patterns of floats survive text. */
static void
test_float_bits (void)
{
  GRand *rand = g_rand_new_with_seed (7);
  int i;

  for (i = 0; i < 2000; i++)
    {
      NnConfig cfg, back;
      char text[4096];
      float v = (float) g_rand_double_range (rand, 1e-6, 0.9);

      nn_config_init_default (&cfg);
      cfg.val_split = v;
      cfg.lr = v * 1e-3f;
      nn_config_format (&cfg, text, sizeof text);
      nn_config_init_default (&back);
      g_assert_cmpint (nn_config_parse (&back, text, NULL), ==, NN_OK);
      g_assert_true (memcmp (&cfg.val_split, &back.val_split, sizeof v) == 0);
      g_assert_true (memcmp (&cfg.lr, &back.lr, sizeof v) == 0);
    }
  g_rand_free (rand);
}

static void
test_set_errors (void)
{
  static const char *const bad[][2] = {
    { "lr", "0" }, { "lr", "-1" }, { "lr", "abc" }, { "lr", "" }, { "lr", "nan" }, { "lr", "inf" },
    { "lr", "1e-3x" }, { "batch", "0" }, { "batch", "12.5" }, { "batch", "99999999999" },
    { "dropout", "1" }, { "kind", "PLAIN" }, { "activation", "gelu" }, { "loss", "l2" },
    { "noise", "gaussian" }, { "noise", "gaussian:-1" }, { "noise", "mask:1" }, { "noise", "salt" },
    { "sparsity", "l1:" }, { "sparsity", "kl:0.05" }, { "sparsity", "kl:2,1" },
    { "sparsity", "kl:,1" }, { "seed", "-1" }, { "seed", "1e3" }, { "seed", "99999999999999999999" },
    { "batch_norm", "maybe" }, { "arch", "" }, { "arch", "784" }, { "arch", "784-0-32" },
    { "arch", "784--32" }, { "arch", "784-512-" }, { "arch", "c16" }, { "arch", "c16k3s2,x3" },
    { "arch", "d32,c16k3" }, { "arch", "c0k3" }, { "arch", "c16k3p3" }, { "arch", "c16k3s0" },
    { "dataset", "" }, { "dataset", "a\nb" }, { "val_split", "0.95" }, { "threads", "-1" },
    { "init", "xavier" }, { "no_such_key", "1" },
  };
  NnConfig cfg, before;
  gsize i;

  nn_config_init_default (&cfg);
  before = cfg;
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      NnError err = { 0 };
      NnStatus st = nn_config_set (&cfg, bad[i][0], bad[i][1], &err);

      if (st != NN_ERR_INVALID)
        g_error ("%s=\"%s\" was accepted", bad[i][0], bad[i][1]);
      g_assert_cmpint (err.code, ==, NN_ERR_INVALID);
      g_assert_nonnull (strstr (err.message, bad[i][0]));
      /* A rejected value leaves the config untouched. */
      g_assert_true (memcmp (&cfg, &before, sizeof cfg) == 0);
    }
  g_assert_cmpint (nn_config_set (&cfg, "lr", "1e-3", NULL), ==, NN_OK);
}

static void
test_parse_errors (void)
{
  NnConfig cfg;
  NnError err = { 0 };

  nn_config_init_default (&cfg);
  g_assert_cmpint (nn_config_parse (&cfg, "lr=0.01\nbogus\n", &err), ==, NN_ERR_INVALID);
  g_assert_nonnull (strstr (err.message, "line 2"));
  g_assert_cmpint (nn_config_parse (&cfg, "lr=0.01\r\nfuture_key=3\n", &err), ==, NN_ERR_INVALID);
  g_assert_nonnull (strstr (err.message, "future_key"));
  /* Missing keys keep their defaults; blank lines and comments are fine. */
  nn_config_init_default (&cfg);
  g_assert_cmpint (nn_config_parse (&cfg, "# c\n\nepochs=9\nlr=0.5", &err), ==, NN_OK);
  g_assert_cmpint (cfg.epochs, ==, 9);
  g_assert_cmpfloat (cfg.lr, ==, 0.5f);
  g_assert_cmpint (cfg.batch, ==, 128);
}

static void
test_validate (void)
{
  NnConfig cfg;
  NnError err = { 0 };

  /* Dense arch must start with C·H·W. */
  nn_config_init_default (&cfg);
  nn_config_set (&cfg, "in_channels", "3", NULL);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_ERR_SHAPE);
  g_assert_nonnull (strstr (err.message, "2352"));
  nn_config_set (&cfg, "arch", "2352-64-8", NULL);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_OK);

  /* The conv reference model mirrors 28×28 exactly (output_padding 1). */
  nn_config_init_default (&cfg);
  g_assert_cmpint (nn_config_set (&cfg, "arch", "c16k3s2,c32k3s2,d32", &err), ==, NN_OK);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_OK);
  nn_config_set (&cfg, "arch", "c8k5s1p0,c8k3s3", NULL);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_OK);

  /* A kernel larger than the map. */
  nn_config_set (&cfg, "arch", "c8k7s4p0,c8k7s4p0,d4", NULL);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_ERR_SHAPE);
  g_assert_nonnull (strstr (err.message, "layer 2"));

  /* Non-square input whose strided rows and columns leave different remainders. */
  nn_config_init_default (&cfg);
  nn_config_set (&cfg, "in_width", "27", NULL);
  nn_config_set (&cfg, "arch", "c4k3s2,d8", NULL);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_ERR_SHAPE);

  nn_config_init_default (&cfg);
  nn_config_set (&cfg, "loss", "bce", NULL);
  nn_config_set (&cfg, "out_activation", "identity", NULL);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_ERR_INVALID);
  g_assert_nonnull (strstr (err.message, "sigmoid"));

  nn_config_init_default (&cfg);
  nn_config_set (&cfg, "kind", "denoising", NULL);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_ERR_INVALID);
  nn_config_set (&cfg, "noise", "mask:0.25", NULL);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_OK);

  /* Hostile sizes are refused, not allocated. */
  nn_config_init_default (&cfg);
  nn_config_set (&cfg, "in_height", "1024", NULL);
  nn_config_set (&cfg, "in_width", "1024", NULL);
  nn_config_set (&cfg, "arch", "c4096k3s1,d8", NULL);
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_ERR_SHAPE);
  g_assert_null (nn_model_new (&cfg, &err));
  g_assert_cmpint (nn_config_set (&cfg, "arch", "1048576-1048576-8", &err), ==, NN_ERR_INVALID);
  g_assert_nonnull (strstr (err.message, "too large"));

  nn_config_init_default (&cfg);
  cfg.lr = -1.0f;   /* set directly, bypassing nn_config_set */
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_ERR_INVALID);
  g_assert_nonnull (strstr (err.message, "lr"));
  nn_config_init_default (&cfg);
  cfg.kind = (NnKind) 42;
  g_assert_cmpint (nn_config_validate (&cfg, &err), ==, NN_ERR_INVALID);
}

/* Equal is every field alike, whatever the bytes after a string's end. */
static void
test_equal (void)
{
  NnConfig a, b;
  NnError err = { 0 };

  nn_config_init_default (&a);
  b = a;
  g_assert_true (nn_config_equal (&a, &b));
  memset (b.arch + strlen (b.arch) + 1, 'x', sizeof b.arch - strlen (b.arch) - 1);
  g_assert_true (nn_config_equal (&a, &b));
  g_assert_cmpint (nn_config_set (&b, "lr", "0.002", &err), ==, NN_OK);
  g_assert_false (nn_config_equal (&a, &b));
  b = a;
  g_assert_cmpint (nn_config_set (&b, "arch", "784-256-32", &err), ==, NN_OK);
  g_assert_false (nn_config_equal (&a, &b));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/config/defaults", test_defaults);
  g_test_add_func ("/nn/config/round-trip", test_round_trip);
  g_test_add_func ("/nn/config/float-bits", test_float_bits);
  g_test_add_func ("/nn/config/set-errors", test_set_errors);
  g_test_add_func ("/nn/config/parse-errors", test_parse_errors);
  g_test_add_func ("/nn/config/validate", test_validate);
  g_test_add_func ("/nn/config/equal", test_equal);
  return g_test_run ();
}

/* cli-sample.c — `bottleneck-cli sample`: a VAE's decoder on codes drawn from N(0, I). */
#include "config.h"

#include "cli-common.h"

#include <math.h>
#include <stdio.h>

#include "btl-image.h"
#include "btl-model-file.h"

#define SAMPLE_MAX 1024

/* Standard normal values from a seeded GRand (Box–Muller): the same seed gives
 * the same grid on every machine. */
static void
fill_normal (float   *z,
             int      n,
             guint32  seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (int i = 0; i < n; i += 2)
    {
      double u1 = 1.0 - g_rand_double (rand);   /* (0, 1]: log is finite */
      double u2 = g_rand_double (rand);
      double r = sqrt (-2.0 * log (u1));

      z[i] = (float) (r * cos (2.0 * G_PI * u2));
      if (i + 1 < n)
        z[i + 1] = (float) (r * sin (2.0 * G_PI * u2));
    }
}

int
cli_sample (int    argc,
            char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *out = NULL;
  int n = 64, scale = 1, cols = 0;
  gint64 seed = 1;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file (.btl, or a project .btlproj) of a variational autoencoder"), N_("FILE") },
    { "n", 'n', 0, G_OPTION_ARG_INT, &n,
      N_("How many samples (default 64)"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      N_("Seed of the random codes (default 1)"), N_("N") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      N_("The PNG file to write (a grid)"), N_("FILE") },
    { "cols", 0, 0, G_OPTION_ARG_INT, &cols,
      N_("Images per row (default: a square grid)"), N_("N") },
    { "scale", 0, 0, G_OPTION_ARG_INT, &scale,
      N_("Enlarge each pixel N× (default 1)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autofree float *z = NULL;
  g_autofree float *y = NULL;
  const NnConfig *cfg;
  NnInference *inf;
  NnError nerr = { 0 };
  NnModel *model;
  int latent, rc = CLI_EXIT_RUNTIME;

  context = cli_option_context_new ("sample", NULL,
                                    _("Decode random codes drawn from N(0, I) with a "
                                      "variational autoencoder and save them as a grid."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, NULL, &error))
    return cli_usage_fail ("sample", error->message);
  if (model_path == NULL || out == NULL)
    return cli_usage_fail ("sample", _("--model FILE and --out FILE are required"));
  if (n < 1 || n > SAMPLE_MAX)
    return cli_usage_fail ("sample", _("--n must be between 1 and 1024"));
  if (scale < 1 || scale > 64)
    return cli_usage_fail ("sample", _("--scale must be between 1 and 64"));
  if (cols < 0 || cols > SAMPLE_MAX)
    return cli_usage_fail ("sample", _("--cols must be between 1 and 1024"));
  if (seed < 0 || seed > G_MAXUINT32)
    return cli_usage_fail ("sample", _("--seed must be between 0 and 4294967295"));
  if (!cli_check_not_input (out, (const char *[]) { model_path }, 1, &error))
    return cli_usage_fail ("sample", error->message);
  if (!cli_check_writable (out, &error))
    return cli_fail ("sample", CLI_EXIT_RUNTIME, "%s", error->message);

  model = cli_model_load (model_path, &info, &error);
  if (model == NULL)
    return cli_fail ("sample", CLI_EXIT_RUNTIME, "%s", error->message);
  cfg = nn_model_get_config (model);
  if (cfg->kind != NN_KIND_VAE)
    {
      cli_fail ("sample", CLI_EXIT_RUNTIME,
                _("%s is not a variational autoencoder (--kind vae): its codes do not "
                  "follow N(0, I); use “decode” with a code from “encode”"),
                model_path);
      goto out;
    }

  latent = nn_model_latent_dim (model);
  z = g_new (float, (gsize) n * latent);
  y = g_new (float, (gsize) n * nn_model_input_dim (model));
  fill_normal (z, n * latent, (guint32) seed);
  inf = nn_inference_new (model, n, &nerr);
  if (inf == NULL
      || nn_inference_decode (inf, nn_model_params (model), nn_model_stats (model), z, n, y,
                              &nerr) != NN_OK)
    {
      nn_inference_free (inf);
      cli_fail ("sample", CLI_EXIT_RUNTIME, "%s", nerr.message);
      goto out;
    }
  nn_inference_free (inf);

  if (cols == 0)
    cols = (int) ceil (sqrt ((double) n));
  if (!btl_image_grid_save_png (out, y, NULL, n, cfg->in_channels, cfg->in_height,
                                cfg->in_width, cols, scale, &error))
    {
      cli_fail ("sample", CLI_EXIT_RUNTIME, "%s", error->message);
      goto out;
    }
  printf (_("Wrote %d samples to %s\n"), n, out);
  rc = CLI_EXIT_OK;

out:
  nn_model_free (model);
  return rc;
}

/* cli-decode.c — `bottleneck-cli decode`: the image a latent code decodes to. */
#include "config.h"

#include "cli-common.h"
#include "cli-latent.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "btl-model-file.h"

/* "0.5,-1,2e-3" → floats; a clear message for anything else. */
static float *
parse_code (const char  *text,
            int         *n_out,
            GError     **error)
{
  g_auto(GStrv) parts = g_strsplit_set (text, ", ", -1);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (float));

  for (int i = 0; parts[i] != NULL; i++)
    {
      char *end;
      double v;
      float f;

      if (parts[i][0] == '\0')
        continue;   /* "1, 2" splits into "1", "", "2" */
      errno = 0;
      v = g_ascii_strtod (parts[i], &end);
      /* Codes are floats: 1e39 is finite as a double but not as a float. */
      if (*end != '\0' || errno != 0 || !isfinite ((float) v))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--z: “%s” is not a finite number"), parts[i]);
          return NULL;
        }
      f = (float) v;
      g_array_append_val (values, f);
    }
  if (values->len == 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--z holds no values"));
      return NULL;
    }
  *n_out = (int) values->len;
  return (float *) g_array_free (g_steal_pointer (&values), FALSE);
}

int
cli_decode (int    argc,
            char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *z_text = NULL;
  g_autofree char *out = NULL;
  int scale = 1;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file (.btl, or a project .btlproj)"), N_("FILE") },
    { "z", 0, 0, G_OPTION_ARG_STRING, &z_text,
      N_("The code, one value per latent dimension, comma-separated"), N_("V1,V2,…") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      N_("The PNG file to write"), N_("FILE") },
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
  int n_z = 0, latent;

  context = cli_option_context_new ("decode", NULL,
                                    _("Decode a latent code (as printed by “encode”) "
                                      "into an image."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, NULL, &error))
    return cli_usage_fail ("decode", error->message);
  if (model_path == NULL || z_text == NULL || out == NULL)
    return cli_usage_fail ("decode", _("--model FILE, --z V1,V2,… and --out FILE are required"));
  if (scale < 1 || scale > 64)
    return cli_usage_fail ("decode", _("--scale must be between 1 and 64"));
  z = parse_code (z_text, &n_z, &error);
  if (z == NULL)
    return cli_usage_fail ("decode", error->message);
  if (!cli_check_not_input (out, (const char *[]) { model_path }, 1, &error))
    return cli_usage_fail ("decode", error->message);
  if (!cli_check_writable (out, &error))
    return cli_fail ("decode", CLI_EXIT_RUNTIME, "%s", error->message);

  model = cli_model_load (model_path, &info, &error);
  if (model == NULL)
    return cli_fail ("decode", CLI_EXIT_RUNTIME, "%s", error->message);
  latent = nn_model_latent_dim (model);
  if (n_z != latent)
    {
      g_autofree char *message =
        g_strdup_printf (_("--z has %d values but the model’s code has %d dimensions"),
                         n_z, latent);

      nn_model_free (model);
      return cli_usage_fail ("decode", message);
    }

  cfg = nn_model_get_config (model);
  y = g_new (float, nn_model_input_dim (model));
  inf = nn_inference_new (model, 1, &nerr);
  if (inf == NULL
      || nn_inference_decode (inf, nn_model_params (model), nn_model_stats (model), z, 1, y,
                              &nerr) != NN_OK)
    {
      nn_inference_free (inf);
      nn_model_free (model);
      return cli_fail ("decode", CLI_EXIT_RUNTIME, "%s", nerr.message);
    }
  nn_inference_free (inf);

  if (!cli_save_image_png (out, y, cfg->in_channels, cfg->in_height, cfg->in_width, scale,
                           &error))
    {
      nn_model_free (model);
      return cli_fail ("decode", CLI_EXIT_RUNTIME, "%s", error->message);
    }
  printf (_("Wrote %s (%d×%d)\n"), out, cfg->in_width * scale, cfg->in_height * scale);
  nn_model_free (model);
  return CLI_EXIT_OK;
}

/* cli-interpolate.c — `bottleneck-cli interpolate`: a strip of images decoded
 * along the path between the codes of two images. */
#include "config.h"

#include "cli-common.h"
#include "cli-latent.h"

#include <stdio.h>
#include <string.h>

#include "btl-image.h"
#include "btl-latent.h"
#include "btl-model-file.h"

#define MAX_STEPS 256

int
cli_interpolate (int    argc,
                 char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *data = NULL;
  g_autofree char *out = NULL;
  g_autofree char *mode = NULL;
  int steps = 8;
  int scale = 2;
  gboolean with_inputs = FALSE;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file (.btl, or a project .btlproj)"), N_("FILE") },
    { "data", 0, 0, G_OPTION_ARG_STRING, &data,
      N_("Where test:INDEX images come from: fashion-mnist (default) or an IDX directory"),
      N_("DATA") },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps,
      N_("Images in the strip, both ends included (default 8)"), N_("N") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode,
      N_("linear, spherical, or auto (default: spherical for a VAE, else linear)"),
      N_("MODE") },
    { "with-inputs", 0, 0, G_OPTION_ARG_NONE, &with_inputs,
      N_("Put the two input images at the ends of the strip"), NULL },
    { "scale", 0, 0, G_OPTION_ARG_INT, &scale,
      N_("Enlarge each pixel N× (default 2)"), N_("N") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      N_("The PNG file to write"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) inputs = NULL;
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autofree float *x = NULL;
  g_autofree float *z = NULL;
  g_autofree float *path_z = NULL;
  g_autofree float *strip = NULL;
  const NnConfig *cfg;
  NnInference *inf;
  NnError nerr = { 0 };
  NnModel *model;
  gboolean spherical;
  int latent, dim, n_images;

  context = cli_option_context_new ("interpolate", _("A B"),
                                    _("Decode the path between the codes of images A and B "
                                      "into a strip of images. A and B are picture files or "
                                      "test:INDEX / train:INDEX."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, &inputs, &error))
    return cli_usage_fail ("interpolate", error->message);
  if (model_path == NULL || out == NULL)
    return cli_usage_fail ("interpolate", _("--model FILE and --out FILE are required"));
  if (g_strv_length (inputs) != 2)
    return cli_usage_fail ("interpolate", _("name exactly two images A and B"));
  if (!cli_check_not_input (out, (const char *[]) { model_path, inputs[0], inputs[1] }, 3,
                            &error))
    return cli_usage_fail ("interpolate", error->message);
  if (!cli_check_writable (out, &error))
    return cli_fail ("interpolate", CLI_EXIT_RUNTIME, "%s", error->message);
  if (steps < 2 || steps > MAX_STEPS)
    return cli_usage_fail ("interpolate", _("--steps must be between 2 and 256"));
  if (scale < 1 || scale > 32)
    return cli_usage_fail ("interpolate", _("--scale must be between 1 and 32"));
  if (mode != NULL && strcmp (mode, "linear") != 0 && strcmp (mode, "spherical") != 0
      && strcmp (mode, "auto") != 0)
    return cli_usage_fail ("interpolate", _("--mode must be linear, spherical or auto"));

  model = cli_model_load (model_path, &info, &error);
  if (model == NULL)
    return cli_fail ("interpolate", CLI_EXIT_RUNTIME, "%s", error->message);
  cfg = nn_model_get_config (model);
  latent = nn_model_latent_dim (model);
  dim = nn_model_input_dim (model);
  /* Spherical paths suit a Gaussian prior (a VAE); elsewhere the straight
   * line is the honest default. */
  spherical = mode != NULL && strcmp (mode, "auto") != 0
              ? strcmp (mode, "spherical") == 0
              : cfg->kind == NN_KIND_VAE;

  x = cli_load_inputs (model, data, (const char * const *) inputs, 2, &error);
  if (x == NULL)
    {
      nn_model_free (model);
      return cli_fail ("interpolate", CLI_EXIT_RUNTIME, "%s", error->message);
    }

  n_images = steps + (with_inputs ? 2 : 0);
  z = g_new (float, 2 * (size_t) latent);
  path_z = g_new (float, (size_t) steps * latent);
  strip = g_new (float, (size_t) n_images * dim);
  inf = nn_inference_new (model, steps, &nerr);
  if (inf == NULL
      || nn_inference_encode (inf, nn_model_params (model), nn_model_stats (model), x, 2, z,
                              &nerr) != NN_OK)
    goto engine_error;
  btl_latent_interpolate (z, z + latent, latent, steps, spherical, path_z);
  if (nn_inference_decode (inf, nn_model_params (model), nn_model_stats (model), path_z, steps,
                           strip + (with_inputs ? dim : 0), &nerr) != NN_OK)
    goto engine_error;
  nn_inference_free (inf);
  if (with_inputs)
    {
      memcpy (strip, x, (size_t) dim * sizeof (float));
      memcpy (strip + (size_t) (n_images - 1) * dim, x + dim, (size_t) dim * sizeof (float));
    }

  if (!btl_image_grid_save_png (out, strip, NULL, n_images, cfg->in_channels, cfg->in_height,
                                cfg->in_width, n_images, scale, &error))
    {
      nn_model_free (model);
      return cli_fail ("interpolate", CLI_EXIT_RUNTIME, "%s", error->message);
    }
  printf (_("Wrote %s: %d steps from %s to %s (%s)\n"), out, steps, inputs[0], inputs[1],
          spherical ? _("spherical") : _("linear"));
  nn_model_free (model);
  return CLI_EXIT_OK;

engine_error:
  nn_inference_free (inf);
  nn_model_free (model);
  return cli_fail ("interpolate", CLI_EXIT_RUNTIME, "%s", nerr.message);
}

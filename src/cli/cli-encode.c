/* cli-encode.c — `bottleneck-cli encode`: the latent codes of images (test-set
 * images as "test:INDEX", or picture files), and the input loading the
 * latent subcommands share. */
#include "config.h"

#include "cli-common.h"
#include "cli-latent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btl-error.h"
#include "btl-image.h"
#include "btl-latent.h"
#include "btl-model-file.h"

/* "test:12" → TRUE, *half = "test", *index = 12. */
static gboolean
parse_dataset_spec (const char  *spec,
                    gboolean    *is_test,
                    gint64      *index)
{
  const char *num;
  char *end;

  if (g_str_has_prefix (spec, "test:"))
    {
      *is_test = TRUE;
      num = spec + 5;
    }
  else if (g_str_has_prefix (spec, "train:"))
    {
      *is_test = FALSE;
      num = spec + 6;
    }
  else
    return FALSE;
  errno = 0;
  *index = g_ascii_strtoll (num, &end, 10);
  if (*num == '\0' || *end != '\0' || errno != 0)
    *index = -1;
  return TRUE;
}

float *
cli_load_inputs (NnModel            *model,
                 const char         *data,
                 const char * const *specs,
                 int                 n,
                 GError            **error)
{
  const NnConfig *cfg = nn_model_get_config (model);
  int dim = nn_model_input_dim (model);
  g_autoptr(BtlDataset) train = NULL;
  g_autoptr(BtlDataset) test = NULL;
  g_autofree float *x = g_new (float, (size_t) MAX (n, 1) * dim);
  gboolean loaded = FALSE;

  for (int i = 0; i < n; i++)
    {
      gboolean is_test;
      gint64 index;

      if (parse_dataset_spec (specs[i], &is_test, &index))
        {
          BtlDataset *ds;

          if (!loaded)
            {
              if (!cli_dataset_open_for_model (data != NULL ? data : "fashion-mnist",
                                               cfg, &train, &test, error))
                return NULL;
              loaded = TRUE;
            }
          ds = is_test ? test : train;
          if (ds == NULL || index < 0 || index >= ds->n)
            {
              g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                           _("“%s”: the %s images are numbered 0 to %d"), specs[i],
                           is_test ? "test" : "training", ds != NULL ? ds->n - 1 : -1);
              return NULL;
            }
          if (ds->channels != cfg->in_channels || ds->height != cfg->in_height
              || ds->width != cfg->in_width)
            {
              g_set_error (error, BTL_ERROR, BTL_ERROR_SHAPE,
                           _("The model expects %d×%d×%d images but “%s” has %d×%d×%d"),
                           cfg->in_channels, cfg->in_height, cfg->in_width, ds->name,
                           ds->channels, ds->height, ds->width);
              return NULL;
            }
          memcpy (x + (size_t) i * dim, btl_dataset_image (ds, (int) index),
                  (size_t) dim * sizeof (float));
        }
      else
        {
          g_autofree float *img = NULL;

          img = btl_latent_load_input (specs[i], cfg->in_channels, cfg->in_height,
                                       cfg->in_width, error);
          if (img == NULL)
            return NULL;
          memcpy (x + (size_t) i * dim, img, (size_t) dim * sizeof (float));
        }
    }
  return g_steal_pointer (&x);
}

gboolean
cli_save_image_png (const char   *path,
                    const float  *x,
                    int           channels,
                    int           height,
                    int           width,
                    int           scale,
                    GError      **error)
{
  g_autoptr(GdkPixbuf) pixbuf = btl_pixbuf_from_floats (x, channels, height, width);
  g_autoptr(GdkPixbuf) scaled = NULL;
  g_autofree char *buffer = NULL;
  gsize size = 0;

  if (pixbuf == NULL)
    {
      g_set_error_literal (error, BTL_ERROR, BTL_ERROR_INVALID, _("Cannot make an image"));
      return FALSE;
    }
  scaled = scale > 1
           ? gdk_pixbuf_scale_simple (pixbuf, width * scale, height * scale, GDK_INTERP_NEAREST)
           : g_object_ref (pixbuf);
  if (scaled == NULL
      || !gdk_pixbuf_save_to_buffer (scaled, &buffer, &size, "png", error, NULL))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, BTL_ERROR, BTL_ERROR_TOO_LARGE, _("The image is too large"));
      return FALSE;
    }
  /* Temporary file + rename: a half-written PNG never replaces a good one. */
  return g_file_set_contents (path, buffer, (gssize) size, error);
}

int
cli_encode (int    argc,
            char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *data = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file (.btl, or a project .btlproj)"), N_("FILE") },
    { "data", 0, 0, G_OPTION_ARG_STRING, &data,
      N_("Where test:INDEX images come from: fashion-mnist (default) or an IDX directory"),
      N_("DATA") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the codes as one JSON object"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) inputs = NULL;
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autofree float *x = NULL;
  g_autofree float *z = NULL;
  NnInference *inf;
  NnError nerr = { 0 };
  NnModel *model;
  int n, latent;

  context = cli_option_context_new ("encode", _("IMAGE…"),
                                    _("Print the latent code of each IMAGE: a picture file "
                                      "(cropped and scaled to the model’s input) or "
                                      "test:INDEX / train:INDEX for an image of the data set."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, &inputs, &error))
    return cli_usage_fail ("encode", error->message);
  if (model_path == NULL)
    return cli_usage_fail ("encode", _("--model FILE is required"));
  n = (int) g_strv_length (inputs);
  if (n == 0)
    return cli_usage_fail ("encode", _("name at least one IMAGE (a file or test:INDEX)"));

  model = cli_model_load (model_path, &info, &error);
  if (model == NULL)
    return cli_fail ("encode", CLI_EXIT_RUNTIME, "%s", error->message);
  latent = nn_model_latent_dim (model);

  x = cli_load_inputs (model, data, (const char * const *) inputs, n, &error);
  if (x == NULL)
    {
      nn_model_free (model);
      return cli_fail ("encode", CLI_EXIT_RUNTIME, "%s", error->message);
    }
  z = g_new (float, (size_t) n * latent);
  inf = nn_inference_new (model, MIN (n, 64), &nerr);
  if (inf == NULL
      || nn_inference_encode (inf, nn_model_params (model), nn_model_stats (model), x, n, z,
                              &nerr) != NN_OK)
    {
      nn_inference_free (inf);
      nn_model_free (model);
      return cli_fail ("encode", CLI_EXIT_RUNTIME, "%s", nerr.message);
    }
  nn_inference_free (inf);

  if (json)
    {
      CliJson j;
      g_autoptr(GString) codes = g_string_new ("[");

      for (int i = 0; i < n; i++)
        {
          g_string_append (codes, i > 0 ? ",{\"input\":" : "{\"input\":");
          cli_json_append_string (codes, inputs[i]);
          g_string_append (codes, ",\"z\":[");
          for (int d = 0; d < latent; d++)
            {
              if (d > 0)
                g_string_append_c (codes, ',');
              cli_json_append_double (codes, z[(size_t) i * latent + d]);
            }
          g_string_append (codes, "]}");
        }
      g_string_append_c (codes, ']');
      cli_json_begin (&j);
      cli_json_add_string (&j, "model", model_path);
      cli_json_add_string (&j, "kind", nn_model_get_config (model)->kind == NN_KIND_VAE
                                       ? "vae" : "deterministic");
      cli_json_add_int (&j, "latent_dim", latent);
      cli_json_add_raw (&j, "codes", codes->str);
      cli_json_print (&j);
    }
  else
    for (int i = 0; i < n; i++)
      {
        /* One line per image: the input, a tab, the code as comma-separated
         * values that `decode --z` accepts as they are. */
        printf ("%s\t", inputs[i]);
        for (int d = 0; d < latent; d++)
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];

            printf ("%s%s", d > 0 ? "," : "",
                    g_ascii_formatd (buf, sizeof buf, "%.7g", z[(size_t) i * latent + d]));
          }
        printf ("\n");
      }

  nn_model_free (model);
  return CLI_EXIT_OK;
}

/* cli-rd.c — `bottleneck-cli rd`: the rate–distortion points of one picture
 * (the Compress page's chart): the autoencoder over bits, JPEG and WebP over
 * quality, the PCA baseline over its number of coefficients. */
#include "config.h"

#include "cli-codec.h"
#include "cli-common.h"

#include <stdio.h>

#include "btl-tiles.h"

/* PCA curve: up to this many coefficients (or the model's code size if
 * larger, or the input dimension if smaller). */
#define RD_PCA_MAX_COMPONENTS 64

int
cli_rd (int    argc,
        char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *mode_text = NULL;
  g_autofree char *data = NULL;
  int pca_bits = BTL_CODEC_DEFAULT_BITS;
  int threads = 0;
  gboolean json = FALSE, no_pca = FALSE;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file (.btl, or a project .btlproj)"), N_("FILE") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode_text,
      N_("“tiles” (default) or “fit”"), N_("MODE") },
    { "pca-bits", 0, 0, G_OPTION_ARG_INT, &pca_bits,
      N_("Bits per PCA coefficient along the PCA curve (default 8)"), N_("N") },
    { "data", 0, 0, G_OPTION_ARG_STRING, &data,
      N_("Training data for the PCA baseline (default: the model’s data set)"), N_("DATA") },
    { "no-pca", 0, 0, G_OPTION_ARG_NONE, &no_pca,
      N_("Leave out the PCA curve"), NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
      N_("BLAS threads, 0 = OpenBLAS default"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the points as one JSON object"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (BtlPcaBaseline) baseline = NULL;
  g_autoptr (GArray) points = NULL;
  g_autofree char *message = NULL;
  g_autofree char *pca_note = NULL;
  CliCodecModel cm;
  CliCodecProgress progress;
  GCancellable *cancellable;
  BtlCodecMode mode;

  context = cli_option_context_new ("rd", N_("IMAGE"),
                                    _("Rate–distortion points of one picture: bits per "
                                      "pixel against PSNR and SSIM for the model’s "
                                      "codec (bits 2–16), JPEG and WebP (quality "
                                      "5–95) and the PCA baseline (1, 2, 4, … "
                                      "coefficients)."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, &args, &error))
    return cli_usage_fail ("rd", error->message);
  if (model_path == NULL)
    return cli_usage_fail ("rd", _("--model FILE is required"));
  if (args == NULL || g_strv_length (args) != 1)
    return cli_usage_fail ("rd", _("give exactly one picture"));
  if (!cli_codec_check_options (mode_text, pca_bits, &mode, &message))
    return cli_usage_fail ("rd", message);
  if (threads < 0)
    return cli_usage_fail ("rd", _("--threads must not be negative"));

  if (!cli_codec_open (model_path, &cm, &error))
    return cli_fail ("rd", CLI_EXIT_RUNTIME, "%s", error->message);
  pixbuf = btl_tiles_load_image (args[0], 0, &error);
  if (pixbuf == NULL)
    {
      cli_codec_close (&cm);
      return cli_fail ("rd", CLI_EXIT_RUNTIME, "%s", error->message);
    }
  cli_codec_note_ranges ("rd", &cm);
  nn_set_threads (threads);
  if (!no_pca)
    {
      baseline = cli_codec_pca_baseline (&cm, data,
                                         MAX (RD_PCA_MAX_COMPONENTS,
                                              btl_codec_get_latent_dim (cm.codec)),
                                         &pca_note);
      if (baseline == NULL && !json)
        fprintf (stderr, "bottleneck-cli rd: %s\n", pca_note);
    }

  /* Progress on a terminal; Ctrl+C stops between two encodes. */
  cli_codec_progress_init (&progress, "rd", json);
  progress.image = args[0];
  cancellable = cli_codec_interrupt_begin ();
  points = btl_comparison_rd (cm.codec, baseline, pixbuf, mode, pca_bits,
                              cli_codec_progress, &progress, cancellable, &error);
  cli_codec_progress_clear (&progress);
  cli_codec_interrupt_end (cancellable);
  if (points == NULL)
    {
      cli_codec_close (&cm);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return cli_fail ("rd", CLI_EXIT_INTERRUPTED, "%s", _("interrupted"));
      return cli_fail ("rd", CLI_EXIT_RUNTIME, "%s: %s", args[0], error->message);
    }

  if (json)
    {
      g_autoptr (GString) arr = g_string_new ("[");
      CliJson j;

      for (guint i = 0; i < points->len; i++)
        {
          const BtlRdPoint *p = &g_array_index (points, BtlRdPoint, i);
          g_autofree char *pj = NULL;
          CliJson pjson;

          cli_json_begin (&pjson);
          cli_json_add_string (&pjson, "series", p->series);
          cli_json_add_int (&pjson, "setting", p->setting);
          cli_json_add_int (&pjson, "bytes", (gint64) p->bytes);
          cli_json_add_double (&pjson, "bpp", p->bpp);
          cli_json_add_double (&pjson, "psnr_db", p->psnr_db);
          cli_json_add_double (&pjson, "ssim", p->ssim);
          pj = cli_json_end (&pjson);
          g_string_append_printf (arr, "%s%s", i > 0 ? "," : "", pj);
        }
      g_string_append_c (arr, ']');

      cli_json_begin (&j);
      cli_json_add_string (&j, "image", args[0]);
      cli_json_add_string (&j, "model", model_path);
      cli_json_add_string (&j, "mode", btl_codec_mode_to_string (mode));
      cli_json_add_int (&j, "pca_bits", pca_bits);
      if (pca_note != NULL)
        cli_json_add_string (&j, "pca_note", pca_note);
      cli_json_add_raw (&j, "points", arr->str);
      cli_json_print (&j);
    }
  else
    {
      printf ("%-12s %8s %9s %8s %8s %7s\n", _("series"), _("setting"), _("bytes"),
              _("bpp"), _("PSNR dB"), _("SSIM"));
      for (guint i = 0; i < points->len; i++)
        {
          const BtlRdPoint *p = &g_array_index (points, BtlRdPoint, i);

          printf ("%-12s %8d %9zu %8.4f %8.2f %7.4f\n", p->series, p->setting,
                  (size_t) p->bytes, p->bpp, p->psnr_db, p->ssim);
        }
    }

  cli_codec_close (&cm);
  return CLI_EXIT_OK;
}

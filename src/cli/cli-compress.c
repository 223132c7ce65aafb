/* cli-compress.c — `bottleneck-cli compress`: a picture into a .btlz with
 * the model's learned codec. */
#include "config.h"

#include "cli-codec.h"
#include "cli-common.h"

#include <stdio.h>

#include "btl-metrics.h"
#include "btl-tiles.h"

int
cli_compress (int    argc,
              char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *mode_text = NULL;
  int bits = BTL_CODEC_DEFAULT_BITS;
  int threads = 0;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file (.btl, or a project .btlproj)"), N_("FILE") },
    { "bits", 0, 0, G_OPTION_ARG_INT, &bits,
      N_("Bits per code dimension, 2–16 (default 8)"), N_("N") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode_text,
      N_("“tiles” (full resolution, default) or “fit” (centre crop to the model’s aspect ratio, resized to its input)"),
      N_("MODE") },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
      N_("BLAS threads, 0 = OpenBLAS default"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the result as one JSON object"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree float *image = NULL;
  g_autofree float *recon = NULL;
  g_autofree char *message = NULL;
  CliCodecModel cm;
  BtlCodecHeader header;
  BtlCodecMode mode;
  double t0, seconds, mse;
  int height = 0, width = 0, channels;

  context = cli_option_context_new ("compress", N_("IN OUT.btlz"),
                                    _("Compress a picture with the model’s codec: "
                                      "encode every tile, quantise each code "
                                      "dimension to --bits, deflate, and write a "
                                      ".btlz file."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, &args, &error))
    return cli_usage_fail ("compress", error->message);
  if (model_path == NULL)
    return cli_usage_fail ("compress", _("--model FILE is required"));
  if (args == NULL || g_strv_length (args) != 2)
    return cli_usage_fail ("compress", _("give one input picture and one output file"));
  if (!cli_codec_check_options (mode_text, bits, &mode, &message))
    return cli_usage_fail ("compress", message);
  if (threads < 0)
    return cli_usage_fail ("compress", _("--threads must not be negative"));
  if (!cli_check_not_input (args[1], (const char *[]) { model_path, args[0] }, 2, &error))
    return cli_usage_fail ("compress", error->message);
  if (!cli_check_writable (args[1], &error))
    return cli_fail ("compress", CLI_EXIT_RUNTIME, "%s", error->message);

  if (!cli_codec_open (model_path, &cm, &error))
    return cli_fail ("compress", CLI_EXIT_RUNTIME, "%s", error->message);
  pixbuf = btl_tiles_load_image (args[0], 0, &error);
  if (pixbuf == NULL)
    {
      cli_codec_close (&cm);
      return cli_fail ("compress", CLI_EXIT_RUNTIME, "%s", error->message);
    }
  cli_codec_note_ranges ("compress", &cm);

  nn_set_threads (threads);
  channels = btl_codec_get_channels (cm.codec);
  t0 = cli_now ();
  image = btl_codec_prepare_image (cm.codec, pixbuf, mode, &height, &width);
  bytes = btl_codec_compress (cm.codec, image, height, width, mode, bits, NULL, &error);
  seconds = cli_now () - t0;
  if (bytes == NULL)
    {
      cli_codec_close (&cm);
      return cli_fail ("compress", CLI_EXIT_RUNTIME, "%s: %s", args[0], error->message);
    }
  if (!g_file_set_contents (args[1], g_bytes_get_data (bytes, NULL),
                            g_bytes_get_size (bytes), &error))
    {
      cli_codec_close (&cm);
      return cli_fail ("compress", CLI_EXIT_RUNTIME, "%s", error->message);
    }

  /* Quality of what decompress will give back (same code path). */
  recon = btl_codec_decompress (cm.codec, bytes, &header, &error);
  if (recon == NULL)
    {
      cli_codec_close (&cm);
      return cli_fail ("compress", CLI_EXIT_RUNTIME, "%s", error->message);
    }
  mse = btl_mse (image, recon, (gsize) channels * height * width);

  if (json)
    {
      CliJson j;

      cli_json_begin (&j);
      cli_json_add_string (&j, "input", args[0]);
      cli_json_add_string (&j, "output", args[1]);
      cli_json_add_string (&j, "model_fingerprint", btl_codec_get_fingerprint (cm.codec));
      cli_json_add_string (&j, "mode", btl_codec_mode_to_string (mode));
      cli_json_add_int (&j, "bits", bits);
      cli_json_add_int (&j, "width", width);
      cli_json_add_int (&j, "height", height);
      cli_json_add_int (&j, "channels", channels);
      cli_json_add_int (&j, "tiles", header.n_tiles);
      cli_json_add_int (&j, "bytes", (gint64) g_bytes_get_size (bytes));
      cli_json_add_int (&j, "header_bytes", (gint64) header.header_bytes + 4);
      cli_json_add_double (&j, "bpp", 8.0 * g_bytes_get_size (bytes) / ((double) width * height));
      cli_json_add_double (&j, "ratio", (double) channels * width * height
                                        / g_bytes_get_size (bytes));
      cli_json_add_double (&j, "psnr_db", btl_psnr_from_mse (mse));
      cli_json_add_double (&j, "ssim", btl_ssim (image, recon, channels, height, width));
      cli_json_add_bool (&j, "ranges_from_model",
                         header.range_source == BTL_CODEC_RANGES_MODEL);
      cli_json_add_double (&j, "seconds", seconds);
      cli_json_print (&j);
    }
  else
    /* %.3g: a 1×1 picture's ratio is 0.00769:1, a photo's 236:1. */
    printf (ngettext ("%s → %s: %d×%d %s, %s mode (%d tile), %d bits: "
                      "%zu bytes, %.3f bpp, %.3g:1, PSNR %.2f dB, SSIM %.4f, %.3f s\n",
                      "%s → %s: %d×%d %s, %s mode (%d tiles), %d bits: "
                      "%zu bytes, %.3f bpp, %.3g:1, PSNR %.2f dB, SSIM %.4f, %.3f s\n",
                      header.n_tiles),
            args[0], args[1], width, height, channels == 1 ? _("gray") : _("RGB"),
            btl_codec_mode_to_string (mode), header.n_tiles, bits,
            (size_t) g_bytes_get_size (bytes),
            8.0 * g_bytes_get_size (bytes) / ((double) width * height),
            (double) channels * width * height / g_bytes_get_size (bytes),
            btl_psnr_from_mse (mse), btl_ssim (image, recon, channels, height, width),
            seconds);

  cli_codec_close (&cm);
  return CLI_EXIT_OK;
}

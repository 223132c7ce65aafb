/* cli-decompress.c — `bottleneck-cli decompress`: a .btlz back into a PNG,
 * pixel for pixel what the window shows as the reconstruction. */
#include "config.h"

#include "cli-codec.h"
#include "cli-common.h"

#include <stdio.h>

#include "btl-image.h"

int
cli_decompress (int    argc,
                char **argv)
{
  g_autofree char *model_path = NULL;
  int threads = 0;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file the picture was compressed with (.btl, or a project .btlproj)"), N_("FILE") },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
      N_("BLAS threads, 0 = OpenBLAS default"), N_("N") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autofree float *image = NULL;
  g_autofree char *png = NULL;
  gsize png_len = 0;
  CliCodecModel cm;
  BtlCodecHeader header;

  context = cli_option_context_new ("decompress", N_("IN.btlz OUT.png"),
                                    _("Decode a .btlz made by compress with the same "
                                      "model and write the picture as PNG."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, &args, &error))
    return cli_usage_fail ("decompress", error->message);
  if (model_path == NULL)
    return cli_usage_fail ("decompress", _("--model FILE is required"));
  if (args == NULL || g_strv_length (args) != 2)
    return cli_usage_fail ("decompress", _("give one .btlz file and one output PNG"));
  if (threads < 0)
    return cli_usage_fail ("decompress", _("--threads must not be negative"));
  if (!cli_check_not_input (args[1], (const char *[]) { model_path, args[0] }, 2, &error))
    return cli_usage_fail ("decompress", error->message);
  if (!cli_check_writable (args[1], &error))
    return cli_fail ("decompress", CLI_EXIT_RUNTIME, "%s", error->message);

  bytes = btl_codec_read_file (args[0], &error);
  if (bytes == NULL)
    return cli_fail ("decompress", CLI_EXIT_RUNTIME, "%s", error->message);
  /* Check the file before paying for the model. */
  if (!btl_codec_read_header (bytes, &header, &error))
    return cli_fail ("decompress", CLI_EXIT_RUNTIME, "%s: %s", args[0], error->message);
  if (!cli_codec_open (model_path, &cm, &error))
    return cli_fail ("decompress", CLI_EXIT_RUNTIME, "%s", error->message);

  nn_set_threads (threads);
  image = btl_codec_decompress (cm.codec, bytes, &header, &error);
  if (image == NULL)
    {
      cli_codec_close (&cm);
      return cli_fail ("decompress", CLI_EXIT_RUNTIME, "%s: %s", args[0], error->message);
    }
  pixbuf = btl_pixbuf_from_floats (image, header.channels, header.height, header.width);
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &png, &png_len, "png", &error, NULL)
      || !g_file_set_contents (args[1], png, png_len, &error))
    {
      cli_codec_close (&cm);
      return cli_fail ("decompress", CLI_EXIT_RUNTIME, "%s", error->message);
    }

  printf (_("%s → %s: %d×%d %s\n"), args[0], args[1], header.width, header.height,
          header.channels == 1 ? _("gray") : _("RGB"));
  cli_codec_close (&cm);
  return CLI_EXIT_OK;
}

/* bottleneck-cli.c — entry point: locale, the subcommand table, --help, --version. */
#include "config.h"

#include "btl-blas.h"
#include "btl-error.h"
#include "cli-common.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  const char     *name;
  CliCommandFunc  func;
  const char     *summary;
} CliCommand;

/* Other areas add their subcommands here: one row, and the function's
 * prototype in cli-common.h (int name (int argc, char **argv), argv[0] being
 * the command's name). */
static const CliCommand commands[] = {
  { "train", cli_train, N_("Train an autoencoder and save it") },
  { "eval",  cli_eval,  N_("Measure a saved model on the test set (MSE, PSNR, SSIM)") },
  { "info",  cli_info,  N_("Show a model or project file’s configuration, layers and history") },
  { "bench", cli_bench, N_("Measure training speed against this machine’s sgemm ceiling") },
  { "encode", cli_encode, N_("Print the latent codes of images") },
  { "decode", cli_decode, N_("Decode a latent code into an image") },
  { "sample", cli_sample, N_("Decode random codes of a variational autoencoder into a grid") },
  { "interpolate", cli_interpolate, N_("Decode the path between two images’ codes into a strip") },
  { "anomalies", cli_anomalies, N_("Flag the test images the model reconstructs worst") },
  { "compress", cli_compress, N_("Compress a picture into a .btlz with the model’s codec") },
  { "decompress", cli_decompress, N_("Decode a .btlz back into a PNG") },
  { "compare", cli_compare, N_("Compare the codec with JPEG, WebP and PCA at the same size") },
  { "rd", cli_rd, N_("Rate–distortion points of a picture for every codec") },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n  bottleneck-cli %s\n\n%s\n",
           _("Usage:"), _("COMMAND [OPTION…]"), _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n",
           _("Run “bottleneck-cli COMMAND --help” for the options of a command."));
  fprintf (out, "%s\n",
           _("Exit status: 0 success, 1 runtime error (bad file, divergence…), "
             "2 usage error, 130 interrupted."));
}

int
main (int    argc,
      char **argv)
{
  const char *name;

  btl_blas_ensure_kernels (argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  nn_set_translate_func (btl_error_translate_nn);

  if (argc < 2)
    {
      print_usage (stderr);
      return CLI_EXIT_USAGE;
    }

  name = argv[1];
  if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0
      || strcmp (name, "help") == 0)
    {
      print_usage (stdout);
      return CLI_EXIT_OK;
    }
  if (strcmp (name, "--version") == 0)
    {
      printf ("bottleneck-cli %s\n", PACKAGE_VERSION);
      return CLI_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (name, commands[i].name) == 0)
      {
        /* The subcommand sees argv[0] = "train" etc., so GOption's usage line
         * reads "bottleneck-cli train [OPTION…]". */
        g_autofree char *prgname = g_strdup_printf ("bottleneck-cli %s", name);

        g_set_prgname (prgname);
        return commands[i].func (argc - 1, argv + 1);
      }

  {
    g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), name);

    fflush (stdout);
    fprintf (stderr, "bottleneck-cli: %s (%s)\n", message,
             _("see “bottleneck-cli --help”"));
  }
  return CLI_EXIT_USAGE;
}

/* cli-codec.c — shared by the compression subcommands. See cli-codec.h. */
#include "config.h"

#include "cli-codec.h"

#include <stdio.h>
#include <string.h>

#include "cli-common.h"

#include "btl-dataset.h"
#include "btl-error.h"

gboolean
cli_codec_open (const char     *model_path,
                CliCodecModel  *cm,
                GError        **error)
{
  memset (cm, 0, sizeof *cm);
  btl_model_info_init (&cm->info);
  cm->model = cli_model_load (model_path, &cm->info, error);
  if (cm->model == NULL)
    return FALSE;
  cm->codec = btl_codec_new_for_model (cm->model, nn_model_params (cm->model),
                                       nn_model_stats (cm->model), &cm->info, error);
  if (cm->codec == NULL)
    {
      cli_codec_close (cm);
      return FALSE;
    }
  return TRUE;
}

void
cli_codec_close (CliCodecModel *cm)
{
  g_clear_pointer (&cm->codec, btl_codec_free);
  g_clear_pointer (&cm->model, nn_model_free);
  btl_model_info_clear (&cm->info);
}

gboolean
cli_codec_check_options (const char    *mode_text,
                         int            bits,
                         BtlCodecMode  *mode,
                         char         **message)
{
  *mode = BTL_CODEC_MODE_TILES;
  if (mode_text != NULL && !btl_codec_mode_from_string (mode_text, mode))
    {
      *message = g_strdup_printf (_("--mode must be “fit” or “tiles”, not “%s”"),
                                  mode_text);
      return FALSE;
    }
  if (bits < BTL_CODEC_MIN_BITS || bits > BTL_CODEC_MAX_BITS)
    {
      *message = g_strdup_printf (_("--bits must be between %d and %d"),
                                  BTL_CODEC_MIN_BITS, BTL_CODEC_MAX_BITS);
      return FALSE;
    }
  return TRUE;
}

void
cli_codec_note_ranges (const char     *command,
                       CliCodecModel  *cm)
{
  if (btl_codec_get_range_source (cm->codec) != BTL_CODEC_RANGES_MODEL)
    fprintf (stderr, "bottleneck-cli %s: %s\n", command,
             _("note: the model has no latent statistics; each picture is "
               "quantised with the range of its own codes"));
}

BtlPcaBaseline *
cli_codec_pca_baseline (CliCodecModel  *cm,
                        const char     *data,
                        int             max_components,
                        char          **note)
{
  const NnConfig *cfg = nn_model_get_config (cm->model);
  g_autoptr (BtlDataset) train = NULL;
  g_autoptr (BtlDataset) test = NULL;
  g_autoptr (GError) error = NULL;
  BtlPcaBaseline *baseline;
  const char *spec = data;

  if (spec == NULL)
    spec = cfg->dataset[0] != '\0' ? cfg->dataset : "fashion-mnist";
  if (!cli_dataset_open_for_model (spec, cfg, &train, &test, &error))
    {
      *note = g_strdup_printf (_("no PCA baseline: %s"), error->message);
      return NULL;
    }
  if (train == NULL || train->channels != cfg->in_channels
      || train->height != cfg->in_height || train->width != cfg->in_width)
    {
      *note = g_strdup_printf (_("no PCA baseline: the images of “%s” do not have "
                                 "the model’s input shape"), spec);
      return NULL;
    }
  baseline = btl_pca_baseline_new_from_dataset (train, 2000, max_components, &error);
  if (baseline == NULL)
    *note = g_strdup_printf (_("no PCA baseline: %s"), error->message);
  return baseline;
}

/* cli-train-project.c — `bottleneck-cli train`'s data and projects: opening
 * the training images, saving a run as a .btlproj (--project) and loading
 * one to continue it (--continue) exactly where it stopped. */
#include "config.h"

#include "cli-common.h"
#include "cli-train.h"

#include <stdio.h>
#include <string.h>

#include "btl-error.h"
#include "btl-image-folder.h"
#include "nn-blas.h"

gboolean
cli_train_open_data (const CliTrainData *data,
                     BtlDataset        **train,
                     BtlDataset        **val,
                     BtlDataset        **test,
                     GError            **error)
{
  g_autoptr(BtlDataset) all = NULL;

  *train = *val = *test = NULL;
  if (strcmp (data->spec, "fashion-mnist") != 0 && btl_image_folder_detect (data->spec))
    {
      /* Tiles of the folder's pictures, split by picture, seeded like the rest. */
      BtlImageFolderOptions opts;
      g_auto(GStrv) skipped = NULL;

      /* As the window cuts it (--val-split is a fraction of the pictures). */
      btl_image_folder_options_init_for_run (&opts, data->tile_height, data->tile_width,
                                             data->channels, data->val_split, data->seed);
      if (!btl_image_folder_load_with_validation (data->spec, &opts, &all, val, test,
                                                  &skipped, error))
        return FALSE;
      for (guint i = 0; skipped[i] != NULL; i++)
        fprintf (stderr, "bottleneck-cli train: %s %s\n", _("skipped"), skipped[i]);
    }
  else if (!btl_dataset_open (data->spec, &all, test, error))
    return FALSE;

  if (*test == NULL || (*test)->n == 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID, _("the data set has no test images"));
      return FALSE;
    }
  *train = btl_dataset_subset (all, 0, data->limit);
  if (*train == NULL || (*train)->n == 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID, _("the data set has no training images"));
      return FALSE;
    }
  if ((*test)->channels != (*train)->channels || (*test)->height != (*train)->height
      || (*test)->width != (*train)->width)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("the test images (%d×%d×%d) and the training images (%d×%d×%d) differ in shape"),
                   (*test)->channels, (*test)->height, (*test)->width,
                   (*train)->channels, (*train)->height, (*train)->width);
      return FALSE;
    }
  return TRUE;
}

BtlProject *
cli_train_load_continue (const char  *path,
                         GError     **error)
{
  g_autoptr(BtlProject) project = NULL;
  g_autofree char *display = g_filename_display_name (path);

  if (cli_file_has_magic (path, "BTLMODEL"))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("%s is a model file, not a project: it holds no trainer state to "
                     "continue from (save runs with --project FILE.btlproj)"), display);
      return NULL;
    }
  project = btl_project_load (path, error);
  if (project == NULL)
    return NULL;
  if (project->trainer_state == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("%s holds no trainer state (saved before training, or by an older "
                     "Bottleneck): it cannot be continued exactly"), display);
      return NULL;
    }
  return g_steal_pointer (&project);
}

char *
cli_train_dataset_spec (const char *data)
{
  if (data == NULL || strcmp (data, "fashion-mnist") == 0)
    return g_strdup ("fashion-mnist");
  return g_canonicalize_filename (data, NULL);
}

gboolean
cli_train_save_project (BtlProject         *p,
                        const char         *path,
                        NnModel            *model,
                        NnTrainer          *trainer,
                        BtlLossHistory     *history,
                        const BtlModelInfo *info,
                        const NnConfig     *run_config,
                        const char         *dataset_spec,
                        const char         *dataset_name,
                        int                 train_limit,
                        GError            **error)
{
  btl_project_set_model (p, nn_model_get_config (model), nn_model_params (model),
                         nn_model_n_params (model), nn_model_stats (model),
                         nn_model_n_stats (model));
  btl_model_info_clear (&p->info);
  btl_model_info_copy (&p->info, info);

  g_clear_object (&p->history);
  p->history = btl_loss_history_copy (history);
  p->run_config = *run_config;
  p->has_run_config = TRUE;
  g_free (p->dataset_spec);
  p->dataset_spec = g_strdup (dataset_spec);
  g_free (p->dataset_name);
  p->dataset_name = g_strdup (dataset_name);
  p->train_limit = train_limit;
  p->threads = MAX (nn_blas_get_threads (), 0);   /* 0: unknown */
  btl_project_set_blas_from_runtime (p);
  p->created = g_get_real_time () / G_USEC_PER_SEC;
  /* The window's status line of an earlier save says nothing about this run. */
  g_clear_pointer (&p->status, g_free);

  g_clear_pointer (&p->trainer_state, g_bytes_unref);
  p->trainer_state = btl_project_dup_trainer_state (trainer);

  return btl_project_save (p, path, error);
}

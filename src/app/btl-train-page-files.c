/* btl-train-page-files.c — the Train page's files: save and open .btl
 * models (with their loss history and a summary of the run) and export the
 * plot (PNG, SVG, CSV) and the reconstruction grid (PNG).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "btl-error.h"
#include "btl-model-file.h"
#include "btl-train-page-private.h"

void
_btl_train_page_fill_model_info (BtlTrainPage *self,
                                 BtlModelInfo *info)
{
  guint n_epochs = btl_loss_history_get_n_epochs (self->history);

  /* The worker counts only what it trained itself: a model opened from a
   * .btl (no trainer state) starts at 0, and saving it again said "0
   * epochs". Its history holds every finished epoch, the opened ones too. */
  info->epochs_trained = MAX (btl_training_worker_epochs_done (self->worker), (int) n_epochs);
  info->best_epoch = btl_loss_history_get_best_epoch (self->history);
  info->created = g_get_real_time () / G_USEC_PER_SEC;
  info->train_seconds = btl_training_worker_get_seconds (self->worker);
  info->test_psnr_db = self->test_psnr;
  /* The codec's quantiser ranges, measured when the run ended. */
  btl_training_worker_get_latent_stats (self->worker, info);
  if (self->have_last)
    {
      info->train_loss = self->last.train_loss;
      info->samples_per_s = self->last.samples_per_s;
    }
  if (n_epochs > 0)
    {
      BtlLossEpoch e;

      btl_loss_history_get_epoch (self->history, n_epochs - 1, &e);
      info->val_loss = e.val;
    }
}

gboolean
btl_train_page_save_model (BtlTrainPage  *self,
                           const char    *path,
                           GError       **error)
{
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autoptr(GBytes) history = NULL;
  NnModel *model;

  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  model = _btl_train_page_current_model (self);
  if (model == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("There is no model to save yet: train one first"));
      return FALSE;
    }

  _btl_train_page_fill_model_info (self, &info);
  history = btl_loss_history_to_bytes (self->history);

  if (self->state == BTL_TRAIN_STATE_IDLE)
    {
      if (!btl_model_file_save (path, model, history, &info, error))
        return FALSE;
      self->unsaved = FALSE;
      return TRUE;
    }
  else
    {
      /* The thread writes the live buffer: save the latest snapshot instead. */
      NnSnapshot *snap = btl_training_worker_dup_snapshot (self->worker);
      gboolean ok;

      if (snap == NULL)
        {
          g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                       _("No weights have been published yet: try again in a moment"));
          return FALSE;
        }
      ok = btl_model_file_save_buffers (path, nn_model_get_config (model),
                                        snap->params, snap->n_params,
                                        snap->stats, snap->n_stats,
                                        history, &info, error);
      nn_snapshot_unref (snap);
      return ok;
    }
}

/* Opening a model or project, first half: the page stops what it did and
 * takes history (transfer full) for its plot. */
void
_btl_train_page_begin_open (BtlTrainPage   *self,
                            BtlLossHistory *history)
{
  btl_train_page_stop (self);
  _btl_train_page_drop_worker (self);
  _btl_train_page_set_state (self, BTL_TRAIN_STATE_IDLE);
  btl_train_page_show_message (self, NULL);
  _btl_train_page_forget_project (self);

  g_clear_object (&self->history);
  self->history = history;
  self->unsaved = FALSE;
  self->epoch_base = 0;
  self->step_base = 0;
  self->step_base_pending = FALSE;
  btl_loss_plot_set_history (self->plot, self->history);
}

/* Second half: model (transfer full) becomes the page's, now or — with no
 * data set yet, or wait_for_dataset — when the next data set arrives. */
void
_btl_train_page_finish_open (BtlTrainPage *self,
                             NnModel      *model,
                             gboolean      wait_for_dataset)
{
  if (self->train == NULL || wait_for_dataset)
    {
      g_clear_pointer (&self->pending_model, nn_model_free);
      self->pending_model = model;
    }
  else
    {
      _btl_train_page_adopt_model (self, model);
      _btl_train_page_show_model_weights (self);
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->continue_button), self->worker != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->restore_best), FALSE);
  _btl_train_page_update_run_actions (self);
  g_object_notify (G_OBJECT (self), "can-train");
}

gboolean
btl_train_page_open_model (BtlTrainPage  *self,
                           const char    *path,
                           GError       **error)
{
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autoptr(GBytes) history_bytes = NULL;
  g_autoptr(BtlLossHistory) history = NULL;
  NnModel *model;

  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  model = btl_model_file_load (path, &history_bytes, &info, error);
  if (model == NULL)
    return FALSE;

  if (history_bytes != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      history = btl_loss_history_new_from_bytes (history_bytes, &local_error);
      if (history == NULL)
        g_warning ("%s: loss history ignored: %s", path, local_error->message);
    }

  _btl_train_page_begin_open (self, history ? g_steal_pointer (&history) : btl_loss_history_new ());

  btl_config_panel_set_config (self->config_panel, nn_model_get_config (model));
  self->have_last = FALSE;
  self->test_psnr = info.test_psnr_db;
  self->test_psnr_step = -1;
  self->target_epochs = MAX (info.epochs_trained, 1);
  _btl_train_page_update_psnr_label (self);
  btl_progress_line_set_fraction (self->progress, 0);

  {
    g_autofree char *base = g_path_get_basename (path);
    int epochs = MAX (info.epochs_trained, 0);
    g_autofree char *status = g_strdup_printf (ngettext ("Opened %s (%d epoch)",
                                                         "Opened %s (%d epochs)", epochs),
                                               base, epochs);

    gtk_inscription_set_text (self->status_label, status);
  }

  /* Its codec ranges go with the weights (taken over when it is adopted). */
  btl_model_info_clear (&self->opened_stats);
  btl_model_info_set_latent_stats (&self->opened_stats, info.latent_dim, info.latent_min,
                                   info.latent_max, info.latent_mean, info.latent_std);
  _btl_train_page_finish_open (self, model, FALSE);
  return TRUE;
}

gboolean
btl_train_page_export_plot (BtlTrainPage  *self,
                            const char    *path,
                            GError       **error)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if ((g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV")) && self->reference == NULL)
    return btl_loss_history_save_csv (self->history, path, error);
  if (g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV"))
    {
      /* The saved run's rows follow the live run's, kinds prefixed. */
      g_autoptr(GString) s = g_string_new (BTL_LOSS_HISTORY_CSV_HEADER);

      btl_loss_history_append_csv (self->history, s, NULL);
      btl_loss_history_append_csv (self->reference, s, "saved_");
      return g_file_set_contents_full (path, s->str, s->len, G_FILE_SET_CONTENTS_CONSISTENT,
                                       0644, error);
    }
  return btl_loss_plot_export (self->plot, path, error);
}

gboolean
btl_train_page_export_grid (BtlTrainPage  *self,
                            const char    *path,
                            GError       **error)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return btl_image_grid_export_png (self->grid, path, error);
}


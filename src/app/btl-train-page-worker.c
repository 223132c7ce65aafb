/* btl-train-page-worker.c — the Train page's side of its training worker:
 * progress records become loss-history entries and the status line, each
 * parameter snapshot goes to the reconstruction grid, the test PSNR and the
 * other pages ("snapshot"), and a finished run says how it ended.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-train-page-private.h"

/* While training, the status line changes at most this often: four times a
 * second is as fast as anyone reads a number, and each change is a repaint of
 * the status bar (~1 ms with the cairo renderer). The progress line moves
 * with it (it only redraws, see btl-progress-line.h). The plot follows every
 * delivery. */
#define STATUS_INTERVAL_US (250 * 1000)

/* "1:02:03" or "2:03" */
static char *
format_duration (double seconds)
{
  gint64 s = (gint64) MAX (0, seconds + 0.5);

  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d",
                            s / 3600, (int) (s / 60 % 60), (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

void
_btl_train_page_update_psnr_label (BtlTrainPage *self)
{
  g_autofree char *text = NULL;

  if (isnan (self->test_psnr))
    text = g_strdup (_("Test PSNR —"));
  else
    /* Translators: peak signal-to-noise ratio of the test images, in decibels */
    text = g_strdup_printf (_("Test PSNR %.2f dB"), self->test_psnr);
  gtk_label_set_text (self->psnr_label, text);
}

void
_btl_train_page_update_status (BtlTrainPage *self)
{
  g_autoptr(GString) s = g_string_new (NULL);
  const NnProgress *p = &self->last;
  gint64 total_steps, now;

  if (!self->have_last)
    return;
  now = g_get_monotonic_time ();
  if (self->state == BTL_TRAIN_STATE_RUNNING && now - self->status_shown_us < STATUS_INTERVAL_US)
    return;
  self->status_shown_us = now;

  total_steps = (gint64) self->target_epochs * MAX (p->steps_per_epoch, 1);

  if (self->state == BTL_TRAIN_STATE_PAUSED)
    g_string_append_printf (s, "%s · ", _("Paused"));

  g_string_append_printf (s, _("Epoch %d of %d"),
                          MIN (p->epoch + 1, self->target_epochs) + self->epoch_base,
                          self->target_epochs + self->epoch_base);
  g_string_append (s, " · ");
  g_string_append_printf (s, _("step %lld"), (long long) (p->step + self->step_base));
  g_string_append (s, " · ");
  g_string_append_printf (s, _("loss %.4f"), p->train_loss);
  if (p->samples_per_s > 0)
    {
      g_string_append (s, " · ");
      g_string_append_printf (s, _("%.0f images/s"), p->samples_per_s);
    }
  if (self->state == BTL_TRAIN_STATE_RUNNING && p->samples_per_s > 0 && total_steps > p->step)
    {
      NnConfig cfg;
      g_autofree char *eta = NULL;

      btl_config_panel_get_config (self->config_panel, &cfg);
      eta = format_duration ((double) (total_steps - p->step) * cfg.batch / p->samples_per_s);
      g_string_append (s, " · ");
      /* Translators: estimated time left, e.g. "1:23 left" */
      g_string_append_printf (s, _("%s left"), eta);
    }

  if (g_strcmp0 (gtk_inscription_get_text (self->status_label), s->str) != 0)
    gtk_inscription_set_text (self->status_label, s->str);
  if (total_steps > 0)
    btl_progress_line_set_fraction (self->progress, (double) p->step / total_steps);
}

/* Shows the model's current weights (while no thread writes them). */
void
_btl_train_page_show_model_weights (BtlTrainPage *self)
{
  NnModel *model = _btl_train_page_current_model (self);
  NnSnapshot *snap;

  if (model == NULL)
    return;

  snap = nn_snapshot_new_from_model (model, self->have_last ? self->last.step : 0,
                                     self->have_last ? self->last.epoch : 0);
  if (snap == NULL)
    return;
  _btl_train_page_refresh_grid (self, snap);
  _btl_train_page_queue_eval (self, nn_snapshot_ref (snap));
  _btl_train_page_emit_snapshot (self, model, snap);
  nn_snapshot_unref (snap);
}

/* ------------------------------------------------------------ worker signals */

static void
on_worker_progress (BtlTrainingWorker *worker,
                    gpointer           records,
                    guint              n_records,
                    BtlTrainPage      *self)
{
  const NnProgress *p = records;
  gint64 sb;
  int eb = self->epoch_base;

  /* The run's first step follows the history's last (0 when the trainer
   * trained what the history holds). */
  if (self->step_base_pending && n_records > 0)
    {
      guint n = btl_loss_history_get_n_steps (self->history);
      BtlLossStep last = { 0 };

      if (n > 0)
        btl_loss_history_get_step (self->history, n - 1, &last);
      self->step_base = MAX (0, last.step - (p[0].step - 1));
      self->step_base_pending = FALSE;
    }
  sb = self->step_base;

  for (guint i = 0; i < n_records; i++)
    {
      if (p[i].epoch_end)
        {
          guint n_epochs = btl_loss_history_get_n_epochs (self->history);
          gint64 epoch_start = 0;
          double psnr = NAN;

          /* The test PSNR is measured now and then in a thread (at most every
           * few seconds): an epoch gets one measured on its own weights, not
           * an older one (short epochs repeated the same stale value). One
           * measured at its very last step replaces it (set_test_psnr). */
          if (n_epochs > 0)
            {
              BtlLossEpoch last;

              btl_loss_history_get_epoch (self->history, n_epochs - 1, &last);
              epoch_start = last.step;
            }
          if (self->test_psnr_step + sb > epoch_start && self->test_psnr_step <= p[i].step)
            psnr = self->test_psnr;
          btl_loss_history_add_epoch (self->history, p[i].epoch + eb, p[i].step + sb, p[i].train_loss,
                                      p[i].val_loss, p[i].val_recon_loss, p[i].val_reg_loss,
                                      psnr);
          if (p[i].best_epoch >= 0)
            btl_loss_history_set_best_epoch (self->history, p[i].best_epoch + eb);
        }
      else
        btl_loss_history_add_step (self->history, p[i].step + sb, p[i].epoch + eb, p[i].train_loss,
                                   p[i].recon_loss, p[i].reg_loss);
    }

  if (n_records > 0)
    {
      self->last = p[n_records - 1];
      self->have_last = TRUE;
      _btl_train_page_update_status (self);
    }
}

static void
on_worker_snapshot (BtlTrainingWorker *worker,
                    gpointer           snapshot,
                    BtlTrainPage      *self)
{
  NnSnapshot *snap = snapshot;

  _btl_train_page_refresh_grid (self, snap);
  _btl_train_page_queue_eval (self, nn_snapshot_ref (snap));

  _btl_train_page_emit_snapshot (self, btl_training_worker_get_model (worker), snap);
}

static void
on_worker_finished (BtlTrainingWorker *worker,
                    const GError      *error,
                    BtlTrainPage      *self)
{
  g_autofree char *took = format_duration (btl_training_worker_get_seconds (worker));
  g_autofree char *status = NULL;

  _btl_train_page_set_state (self, BTL_TRAIN_STATE_IDLE);

  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    status = g_strdup_printf (_("Stopped at step %lld in epoch %d (%s)"),
                              (self->have_last ? (long long) self->last.step : 0LL) + self->step_base,
                              (self->have_last ? self->last.epoch + 1 : 1) + self->epoch_base, took);
  else if (error != NULL)
    {
      int done = btl_training_worker_epochs_done (worker) + self->epoch_base;

      status = g_strdup_printf (ngettext ("Training failed after %d epoch",
                                          "Training failed after %d epochs", done), done);
      btl_train_page_show_message (self, error->message);
    }
  else
    {
      int done = btl_training_worker_epochs_done (worker) + self->epoch_base;

      /* Translators: "Finished 5 epochs in 0:12" */
      status = g_strdup_printf (ngettext ("Finished %d epoch in %s", "Finished %d epochs in %s", done),
                                done, took);
    }

  gtk_inscription_set_text (self->status_label, status);
  gtk_widget_set_sensitive (GTK_WIDGET (self->restore_best),
                            btl_loss_history_get_best_epoch (self->history) >= 0);
  /* May say how a re-run compares with its saved run instead. */
  _btl_train_page_run_finished (self);

  /* The last snapshot may be a few steps old: show the final weights. */
  _btl_train_page_show_model_weights (self);
}

void
_btl_train_page_drop_worker (BtlTrainPage *self)
{
  if (self->worker == NULL)
    return;

  /* The thread may still run for one step; it keeps its own reference and
   * its late deliveries reach no handler of ours. */
  g_signal_handlers_disconnect_by_data (self->worker, self);
  /* Not stop(): that would measure latent statistics nobody will save. */
  btl_training_worker_abandon (self->worker);
  g_clear_object (&self->worker);
  g_clear_pointer (&self->decode_next, nn_snapshot_unref);
  /* The old model's weights: the next worker's model may not even fit them. */
  g_clear_pointer (&self->eval_next, nn_snapshot_unref);
}

void
_btl_train_page_adopt_model (BtlTrainPage *self,
             NnModel      *model)
{
  g_autoptr(GError) error = NULL;
  BtlDataset *train = self->train;
  int limit = btl_config_panel_get_train_limit (self->config_panel);
  g_autoptr(BtlDataset) subset = NULL;

  _btl_train_page_drop_worker (self);

  if (limit > 0 && limit < train->n)
    train = subset = btl_dataset_subset (self->train, 0, limit);

  self->worker = btl_training_worker_new_with_validation (model, train, self->val, &error);
  if (self->worker == NULL)
    {
      btl_train_page_show_message (self, error->message);
      return;
    }

  /* A model opened from a file brings its latent statistics. */
  if (self->opened_stats.latent_dim > 0)
    btl_training_worker_set_latent_stats (self->worker, &self->opened_stats);
  btl_model_info_clear (&self->opened_stats);
  /* An opened project's weights continue from its trainer state. */
  _btl_train_page_resume_project (self);

  g_signal_connect (self->worker, "progress", G_CALLBACK (on_worker_progress), self);
  g_signal_connect (self->worker, "snapshot", G_CALLBACK (on_worker_snapshot), self);
  g_signal_connect (self->worker, "finished", G_CALLBACK (on_worker_finished), self);
}

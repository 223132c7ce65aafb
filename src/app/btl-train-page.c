/* btl-train-page.c — the Train page.
 *
 * The page owns the loss history, the training worker and the small set of
 * showcase test images. The worker's coalesced "progress" feeds the history
 * (and through its "changed" signal the plot) and the status line; each new
 * parameter snapshot goes to the reconstruction grid and the test PSNR,
 * both computed off the main thread (btl-train-page-tasks.c); the handlers
 * are in btl-train-page-worker.c. Saving, opening and exporting live in
 * btl-train-page-files.c, projects and re-runs in btl-train-page-project.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-config-panel.h"
#include "btl-error.h"
#include "btl-evaluate.h"
#include "btl-image-grid.h"
#include "btl-loss-plot.h"
#include "btl-model-file.h"
#include "btl-train-page-private.h"

#define N_SHOWCASE   24

G_DEFINE_FINAL_TYPE (BtlTrainPage, btl_train_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATE,
  PROP_CAN_TRAIN,
  N_PROPS
};

enum {
  SNAPSHOT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];


NnModel *
_btl_train_page_current_model (BtlTrainPage *self)
{
  if (self->worker != NULL)
    return btl_training_worker_get_model (self->worker);
  return NULL;
}

/* "Restore best" and "Continue for N epochs" sit in the status bar and
 * show only between runs, when the status line is short: while training
 * the whole bar belongs to the progress text. Before any model the bar
 * would be empty: its room goes to the data set's line ("… — ready to
 * train" was cut at the default window size). */
void
_btl_train_page_update_run_actions (BtlTrainPage *self)
{
  gboolean idle = self->state == BTL_TRAIN_STATE_IDLE;
  gboolean show = idle && self->worker != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->restore_best), show);
  gtk_widget_set_visible (GTK_WIDGET (self->more_epochs), show);
  gtk_widget_set_visible (GTK_WIDGET (self->continue_button), show);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), !idle);
  /* No reconstructions before a model: Difference would change nothing. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->show_difference), self->worker != NULL);
}

void
_btl_train_page_set_state (BtlTrainPage  *self,
           BtlTrainState  state)
{
  gboolean idle = state == BTL_TRAIN_STATE_IDLE;

  if (self->state == state)
    return;

  self->state = state;
  btl_config_panel_set_training (self->config_panel, !idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->restore_best),
                            idle && self->worker != NULL &&
                            btl_loss_history_get_best_epoch (self->history) >= 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->continue_button), idle && self->worker != NULL);
  _btl_train_page_update_run_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_TRAIN]);
}

void
_btl_train_page_emit_snapshot (BtlTrainPage *self,
                               NnModel      *model,
                               NnSnapshot   *snapshot)
{
  g_signal_emit (self, signals[SNAPSHOT], 0, model, snapshot);
}

/* ------------------------------------------------------------ template callbacks */

/* Between runs the status line can be cut ("Finished 5 epochs in…" at the
 * 1024 px minimum window): its tooltip gives it whole. Not while training,
 * when it changes four times a second (a re-run's verdict sets its own
 * tooltip after its text). */
static void
on_status_text_changed (BtlTrainPage *self)
{
  if (self->state == BTL_TRAIN_STATE_IDLE)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label),
                                 gtk_inscription_get_text (self->status_label));
}

static void
on_config_changed (BtlTrainPage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_TRAIN]);
}

static void
on_live_changed (BtlTrainPage   *self,
                 const char     *key,
                 BtlConfigPanel *panel)
{
  NnConfig cfg;
  g_autofree char *label = NULL;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (self->worker == NULL || self->state == BTL_TRAIN_STATE_IDLE)
    return;

  btl_config_panel_get_config (self->config_panel, &cfg);

  if (g_str_equal (key, "lr"))
    {
      btl_training_worker_set_lr (self->worker, cfg.lr);
      /* Translators: a marker on the loss plot, e.g. "lr → 0.0003" */
      label = g_strdup_printf (_("lr → %s"), g_ascii_formatd (buf, sizeof buf, "%g", cfg.lr));
    }
  else if (g_str_equal (key, "noise"))
    {
      btl_training_worker_set_noise_level (self->worker, cfg.noise_level);
      label = g_strdup_printf (_("noise → %s"),
                               g_ascii_formatd (buf, sizeof buf, "%g", cfg.noise_level));
    }
  else if (g_str_equal (key, "beta"))
    {
      btl_training_worker_set_beta (self->worker, cfg.beta);
      label = g_strdup_printf (_("β → %s"), g_ascii_formatd (buf, sizeof buf, "%g", cfg.beta));
    }
  else
    return;

  btl_loss_history_add_marker (self->history, (self->have_last ? self->last.step : 0) + self->step_base, label);
}

static void
on_message_close (BtlTrainPage *self)
{
  btl_train_page_show_message (self, NULL);
}

static void
on_restore_best (BtlTrainPage *self)
{
  if (self->worker == NULL || self->state != BTL_TRAIN_STATE_IDLE)
    return;

  btl_training_worker_restore_best (self->worker);
  /* Not the weights saved, if any were. */
  self->unsaved = TRUE;
  gtk_inscription_set_text (self->status_label, _("Restored the weights of the best epoch"));
  _btl_train_page_forget_psnr (self);
  _btl_train_page_show_model_weights (self);
}

static void
on_continue (BtlTrainPage *self)
{
  g_autoptr(GError) error = NULL;

  if (!btl_train_page_continue (self, gtk_spin_button_get_value_as_int (self->more_epochs), &error))
    btl_train_page_show_message (self, error->message);
}

/* ------------------------------------------------------------ GObject */

static void
btl_train_page_dispose (GObject *object)
{
  BtlTrainPage *self = BTL_TRAIN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->eval_timeout_id, g_source_remove);
  g_clear_handle_id (&self->decode_timeout_id, g_source_remove);
  _btl_train_page_drop_worker (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), BTL_TYPE_TRAIN_PAGE);

  g_clear_object (&self->history);
  g_clear_object (&self->reference);
  g_clear_pointer (&self->project, btl_project_free);
  g_clear_pointer (&self->pending_model, nn_model_free);
  btl_model_info_clear (&self->opened_stats);
  g_clear_pointer (&self->eval_next, nn_snapshot_unref);
  g_clear_pointer (&self->decode_next, nn_snapshot_unref);
  g_clear_pointer (&self->train, btl_dataset_unref);
  g_clear_pointer (&self->test, btl_dataset_unref);
  g_clear_pointer (&self->val, btl_dataset_unref);

  G_OBJECT_CLASS (btl_train_page_parent_class)->dispose (object);
}

/* Leaving the window (it is closing) ends the run at once: other objects may
 * keep the page itself alive a little longer, the thread must not wait. */
static void
btl_train_page_unroot (GtkWidget *widget)
{
  BtlTrainPage *self = BTL_TRAIN_PAGE (widget);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->eval_timeout_id, g_source_remove);
  g_clear_handle_id (&self->decode_timeout_id, g_source_remove);
  _btl_train_page_drop_worker (self);

  GTK_WIDGET_CLASS (btl_train_page_parent_class)->unroot (widget);
}

static void
btl_train_page_finalize (GObject *object)
{
  BtlTrainPage *self = BTL_TRAIN_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->showcase_x, g_free);
  g_clear_pointer (&self->showcase_y, g_free);
  g_clear_pointer (&self->showcase_labels, g_strfreev);
  g_clear_pointer (&self->project_name, g_free);
  g_clear_pointer (&self->run_blas_core, g_free);
  g_clear_pointer (&self->run_blas_config, g_free);
  g_clear_pointer (&self->comparison, g_free);

  G_OBJECT_CLASS (btl_train_page_parent_class)->finalize (object);
}

static void
btl_train_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BtlTrainPage *self = BTL_TRAIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;

    case PROP_CAN_TRAIN:
      g_value_set_boolean (value, btl_train_page_can_train (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
btl_train_page_class_init (BtlTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = btl_train_page_dispose;
  object_class->finalize = btl_train_page_finalize;
  object_class->get_property = btl_train_page_get_property;
  widget_class->unroot = btl_train_page_unroot;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      BTL_TRAIN_STATE_IDLE, BTL_TRAIN_STATE_PAUSED, BTL_TRAIN_STATE_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_TRAIN] =
    g_param_spec_boolean ("can-train", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BtlTrainPage::snapshot:
   * @model: (type gpointer): the NnModel the parameters belong to
   * @snapshot: (type gpointer): an NnSnapshot; ref it to keep it
   *
   * New weights to show (live while training, and after a run or an open).
   */
  signals[SNAPSHOT] =
    g_signal_new ("snapshot", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_POINTER);

  g_type_ensure (BTL_TYPE_CONFIG_PANEL);
  g_type_ensure (BTL_TYPE_LOSS_PLOT);
  g_type_ensure (BTL_TYPE_IMAGE_GRID);
  g_type_ensure (BTL_TYPE_PROGRESS_LINE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/btl-train-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "btltrainpage");

  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, root);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, config_panel);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, message_icon);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, message_bar);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, paned);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, plot);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, grid);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, smoothing);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, smoothing_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, log_scale);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, x_by_epoch);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, show_difference);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, grid_caption);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, restore_best);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, continue_button);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, more_epochs);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, psnr_label);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, progress);
  gtk_widget_class_bind_template_child (widget_class, BtlTrainPage, rerun_button);
  gtk_widget_class_bind_template_callback (widget_class, on_config_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_live_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_message_close);
  gtk_widget_class_bind_template_callback (widget_class, on_restore_best);
  gtk_widget_class_bind_template_callback (widget_class, on_continue);
}

static void
btl_train_page_init (BtlTrainPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  btl_model_info_init (&self->opened_stats);
  self->history = btl_loss_history_new ();
  self->test_psnr = NAN;
  self->test_psnr_step = -1;
  self->target_epochs = 1;
  btl_loss_plot_set_history (self->plot, self->history);
  /* It grows while training: drawn in a thread, shown as a texture. */
  btl_loss_plot_set_live (self->plot, TRUE);

  g_object_bind_property (self->smoothing_adjustment, "value", self->plot, "smoothing",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->log_scale, "active", self->plot, "log-scale",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->x_by_epoch, "active", self->plot, "x-by-epoch",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->show_difference, "active", self->grid, "show-difference",
                          G_BINDING_SYNC_CREATE);
  /* Training starts by filling the reconstructions in, not by moving every
   * tile and label. */
  btl_image_grid_set_reserve_bottom (self->grid, TRUE);

  g_signal_connect_swapped (self->status_label, "notify::text",
                            G_CALLBACK (on_status_text_changed), self);
  gtk_inscription_set_text (self->status_label, _("Loading the data set…"));
  _btl_train_page_update_run_actions (self);
  _btl_train_page_update_psnr_label (self);
}

/* ------------------------------------------------------------ public API */

gboolean
btl_train_page_get_latent_stats (BtlTrainPage *self,
                                 BtlModelInfo *info)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);

  return self->worker != NULL && btl_training_worker_get_latent_stats (self->worker, info);
}

void
btl_train_page_set_validation (BtlTrainPage *self,
                               BtlDataset   *val)
{
  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));

  g_clear_pointer (&self->val, btl_dataset_unref);
  if (val != NULL)
    self->val = btl_dataset_ref (val);
}

void
btl_train_page_set_dataset (BtlTrainPage *self,
                            BtlDataset   *train,
                            BtlDataset   *test)
{
  int idx[N_SHOWCASE];
  int dim;

  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));
  g_return_if_fail (train != NULL && test != NULL);

  if (self->state != BTL_TRAIN_STATE_IDLE)
    btl_train_page_stop (self);
  _btl_train_page_drop_worker (self);

  g_clear_pointer (&self->train, btl_dataset_unref);
  g_clear_pointer (&self->test, btl_dataset_unref);
  self->train = btl_dataset_ref (train);
  self->test = btl_dataset_ref (test);

  /* A fixed showcase that covers the classes. */
  dim = btl_dataset_dim (test);
  self->n_showcase = btl_dataset_pick_showcase (test, N_SHOWCASE, idx);
  g_free (self->showcase_x);
  g_free (self->showcase_y);
  self->grid_pending = FALSE;
  g_strfreev (self->showcase_labels);
  self->showcase_x = g_new (float, (gsize) self->n_showcase * dim);
  self->showcase_y = g_new0 (float, (gsize) self->n_showcase * dim);
  self->showcase_labels = g_new0 (char *, self->n_showcase + 1);
  for (int i = 0; i < self->n_showcase; i++)
    {
      memcpy (self->showcase_x + (gsize) i * dim, btl_dataset_image (test, idx[i]),
              sizeof (float) * dim);
      if (test->labels != NULL)
        self->showcase_labels[i] = g_strdup (btl_dataset_class_name (test, test->labels[idx[i]]));
      else
        self->showcase_labels[i] = g_strdup_printf (_("Test image %d"), idx[i] + 1);
    }

  btl_image_grid_set_images (self->grid, self->showcase_x, NULL, self->n_showcase,
                             test->channels, test->height, test->width);
  btl_image_grid_set_labels (self->grid, (const char *const *) self->showcase_labels);

  btl_config_panel_set_input_shape (self->config_panel, train->channels, train->height,
                                    train->width);

  {
    g_autofree char *status =
      /* "Ready to train" first: at the narrowest window the end is cut. */
      g_strdup_printf (_("Ready to train — %s: %d training and %d test images of %d×%d"),
                       train->name, train->n, test->n, train->width, train->height);

    if (self->pending_model == NULL)
      gtk_inscription_set_text (self->status_label, status);
  }

  if (self->pending_model != NULL)
    {
      /* A model opened while the data set loaded: it says what it is. */
      g_autofree char *opened = g_strdup (self->project != NULL && self->project->status != NULL
                                          ? self->project->status
                                          : gtk_inscription_get_text (self->status_label));

      _btl_train_page_adopt_model (self, g_steal_pointer (&self->pending_model));
      _btl_train_page_show_model_weights (self);
      gtk_inscription_set_text (self->status_label, opened);
      gtk_widget_set_sensitive (GTK_WIDGET (self->continue_button), self->worker != NULL);
      _btl_train_page_update_run_actions (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_TRAIN]);
}

BtlDataset *
btl_train_page_get_test_dataset (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), NULL);

  return self->test;
}

void
btl_train_page_set_settings (BtlTrainPage *self,
                             GSettings    *settings)
{
  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));

  if (settings == NULL)
    return;

  g_settings_bind (settings, "smoothing", self->smoothing_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "log-scale", self->log_scale, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "x-by-epoch", self->x_by_epoch, "active", G_SETTINGS_BIND_DEFAULT);
}

BtlTrainState
btl_train_page_get_state (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), BTL_TRAIN_STATE_IDLE);

  return self->state;
}

gboolean
btl_train_page_can_train (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);

  return self->train != NULL && self->state == BTL_TRAIN_STATE_IDLE &&
         btl_config_panel_is_valid (self->config_panel);
}

gboolean
btl_train_page_train (BtlTrainPage  *self,
                      GError       **error)
{
  NnConfig cfg;
  NnError nerr = { 0 };
  NnModel *model;

  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);

  if (self->state != BTL_TRAIN_STATE_IDLE)
    return TRUE;

  btl_config_panel_commit (self->config_panel);
  if (self->train == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID, _("No data set is loaded yet"));
      return FALSE;
    }
  if (!btl_config_panel_get_config (self->config_panel, &cfg))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("The configuration is not valid: see the sidebar"));
      return FALSE;
    }

  g_strlcpy (cfg.dataset, self->train->name, sizeof cfg.dataset);
  model = nn_model_new (&cfg, &nerr);
  if (model == NULL)
    return btl_error_from_nn (nerr.code != NN_OK ? nerr.code : NN_ERR_INVALID, &nerr, error);
  /* nn_model_new has initialised the weights from cfg.seed already. */

  btl_train_page_show_message (self, NULL);
  _btl_train_page_adopt_model (self, model);
  if (self->worker == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_SHAPE, "%s",
                   gtk_label_get_text (self->message_label));
      return FALSE;
    }

  /* A run of its own (not a re-run) is compared with nothing. */
  if (!self->rerunning)
    {
      g_clear_object (&self->reference);
      btl_loss_plot_set_reference (self->plot, NULL, NULL);
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), NULL);
  self->run_config = cfg;
  self->have_run_config = TRUE;

  btl_loss_history_clear (self->history);
  self->have_last = FALSE;
  _btl_train_page_forget_psnr (self);
  self->target_epochs = cfg.epochs;
  self->epoch_base = 0;
  self->step_base = 0;
  self->step_base_pending = FALSE;
  btl_progress_line_set_fraction (self->progress, 0);
  gtk_inscription_set_text (self->status_label, _("Starting…"));

  btl_training_worker_start (self->worker, 0);
  self->unsaved = TRUE;
  _btl_train_page_set_state (self, BTL_TRAIN_STATE_RUNNING);

  return TRUE;
}

gboolean
btl_train_page_continue (BtlTrainPage  *self,
                         int            extra_epochs,
                         GError       **error)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);
  g_return_val_if_fail (extra_epochs > 0, FALSE);

  if (self->state != BTL_TRAIN_STATE_IDLE)
    return TRUE;
  if (self->worker == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID, _("There is no model to continue training"));
      return FALSE;
    }

  btl_train_page_show_message (self, NULL);
  _btl_train_page_forget_psnr (self);
  self->target_epochs = btl_training_worker_epochs_done (self->worker) + extra_epochs;
  /* An opened .btl's trainer starts at epoch 0 below epochs of its own. */
  self->epoch_base = MAX (0, (int) btl_loss_history_get_n_epochs (self->history)
                             - btl_training_worker_epochs_done (self->worker));
  self->step_base_pending = TRUE;
  btl_training_worker_start (self->worker, extra_epochs);
  self->unsaved = TRUE;
  _btl_train_page_set_state (self, BTL_TRAIN_STATE_RUNNING);

  return TRUE;
}

gboolean
btl_train_page_has_model (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);

  return self->worker != NULL;
}

gboolean
btl_train_page_has_unsaved_run (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);

  return self->worker != NULL && (self->unsaved || self->state != BTL_TRAIN_STATE_IDLE);
}

void
btl_train_page_set_paused (BtlTrainPage *self,
                           gboolean      paused)
{
  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));

  if (self->worker == NULL || self->state == BTL_TRAIN_STATE_IDLE)
    return;

  btl_training_worker_set_paused (self->worker, paused);
  _btl_train_page_set_state (self, paused ? BTL_TRAIN_STATE_PAUSED : BTL_TRAIN_STATE_RUNNING);
  _btl_train_page_update_status (self);
}

void
btl_train_page_single_step (BtlTrainPage *self)
{
  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));

  if (self->worker != NULL && self->state == BTL_TRAIN_STATE_PAUSED)
    btl_training_worker_single_step (self->worker);
}

void
btl_train_page_stop (BtlTrainPage *self)
{
  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));

  if (self->worker != NULL && self->state != BTL_TRAIN_STATE_IDLE)
    {
      gtk_inscription_set_text (self->status_label, _("Stopping…"));
      btl_training_worker_stop (self->worker);
    }
}

void
btl_train_page_show_message (BtlTrainPage *self,
                             const char   *message)
{
  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));

  if (message != NULL)
    {
      gtk_image_set_from_icon_name (self->message_icon, "dialog-error-symbolic");
      gtk_widget_remove_css_class (self->message_bar, "note");
      gtk_widget_remove_css_class (self->message_bar, "warning");
      gtk_label_set_text (self->message_label, message);
      g_printerr ("bottleneck: %s\n", message);
    }
  gtk_revealer_set_reveal_child (self->message_revealer, message != NULL);
}

void
btl_train_page_show_note (BtlTrainPage *self,
                          const char   *note)
{
  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));
  g_return_if_fail (note != NULL);

  gtk_image_set_from_icon_name (self->message_icon, "emblem-ok-symbolic");
  gtk_widget_add_css_class (self->message_bar, "note");
  gtk_widget_remove_css_class (self->message_bar, "warning");
  gtk_label_set_text (self->message_label, note);
  gtk_revealer_set_reveal_child (self->message_revealer, TRUE);
}

const char *
btl_train_page_get_message (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->message_revealer))
    return NULL;
  return gtk_label_get_text (self->message_label);
}

void
btl_train_page_set_status (BtlTrainPage *self,
                           const char   *status)
{
  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));

  gtk_inscription_set_text (self->status_label, status ? status : "");
}

const char *
btl_train_page_get_status (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), NULL);

  return gtk_inscription_get_text (self->status_label);
}

BtlLossHistory *
btl_train_page_get_history (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), NULL);

  return self->history;
}

BtlTrainingWorker *
btl_train_page_get_worker (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), NULL);

  return self->worker;
}

GtkWidget *
btl_train_page_get_config_panel (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), NULL);

  return GTK_WIDGET (self->config_panel);
}

BtlLossPlot *
btl_train_page_get_loss_plot (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), NULL);

  return self->plot;
}

guint
btl_train_page_get_n_grid_refreshes (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), 0);

  return self->n_grid_refreshes;
}

void
btl_train_page_get_grid_timing (BtlTrainPage *self,
                                double       *mean_us,
                                double       *max_us)
{
  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));

  if (mean_us != NULL)
    *mean_us = self->n_grid_refreshes ? (double) self->grid_us_total / self->n_grid_refreshes : 0;
  if (max_us != NULL)
    *max_us = (double) self->grid_us_max;
}

void
btl_train_page_get_decode_timing (BtlTrainPage *self,
                                  double       *mean_us,
                                  double       *max_us)
{
  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));

  if (mean_us != NULL)
    *mean_us = self->n_grid_refreshes ? (double) self->decode_us_total / self->n_grid_refreshes : 0;
  if (max_us != NULL)
    *max_us = (double) self->decode_us_max;
}

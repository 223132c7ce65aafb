/* btl-train-page-project.c — the Train page's projects: save the run as a
 * .btlproj, restore the page from one, and "Re-run and compare": train
 * again from the saved start configuration, seed and BLAS threads with
 * the saved curves drawn underneath, then say whether the losses match
 * bit for bit — and if not, what differs (threads, BLAS core or build,
 * data set, live changes the re-run cannot replay).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-blas.h"
#include "btl-error.h"
#include "btl-train-page-private.h"
#include "nn-blas.h"

static void
set_run_blas (BtlTrainPage *self,
              const char   *core,
              const char   *config)
{
  g_free (self->run_blas_core);
  g_free (self->run_blas_config);
  self->run_blas_core = g_strdup (core);
  self->run_blas_config = g_strdup (config);
  if (self->run_blas_core != NULL)
    g_strchomp (self->run_blas_core);
  if (self->run_blas_config != NULL)
    g_strchomp (self->run_blas_config);
}

static void
update_rerun_button (BtlTrainPage *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->rerun_button), self->project != NULL);
}

static void
set_project (BtlTrainPage *self,
             BtlProject   *project,
             const char   *name)
{
  if (self->project != project)
    g_clear_pointer (&self->project, btl_project_free);
  self->project = project;
  g_free (self->project_name);
  self->project_name = g_strdup (name);
  update_rerun_button (self);
}

void
_btl_train_page_forget_project (BtlTrainPage *self)
{
  set_project (self, NULL, NULL);
  g_clear_object (&self->reference);
  btl_loss_plot_set_reference (self->plot, NULL, NULL);
  self->rerunning = FALSE;
  self->verdict = BTL_RERUN_NONE;
  g_clear_pointer (&self->comparison, g_free);
  self->have_run_config = FALSE;
  self->run_threads = 0;
  set_run_blas (self, NULL, NULL);
  self->resume_project = FALSE;
}

/* ------------------------------------------------------------ save */

gboolean
btl_train_page_save_project (BtlTrainPage  *self,
                             const char    *path,
                             const char    *dataset_spec,
                             GError       **error)
{
  g_autoptr(BtlProject) p = NULL;
  NnModel *model;
  const NnConfig *cfg;

  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  model = _btl_train_page_current_model (self);
  if (model == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("There is no model to save yet: train one first"));
      return FALSE;
    }
  if (self->state != BTL_TRAIN_STATE_IDLE)
    {
      /* Weights, history and status must be of one moment. */
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("Stop training before saving a project"));
      return FALSE;
    }

  p = btl_project_new ();
  cfg = nn_model_get_config (model);
  btl_project_set_model (p, cfg, nn_model_params (model), nn_model_n_params (model),
                         nn_model_stats (model), nn_model_n_stats (model));
  btl_model_info_clear (&p->info);
  btl_model_info_init (&p->info);
  _btl_train_page_fill_model_info (self, &p->info);

  g_clear_object (&p->history);
  p->history = btl_loss_history_copy (self->history);
  p->run_config = self->have_run_config ? self->run_config : *cfg;
  p->has_run_config = TRUE;
  p->dataset_spec = g_strdup (dataset_spec);
  p->dataset_name = self->train != NULL ? g_strdup (self->train->name) : NULL;
  p->train_limit = btl_config_panel_get_train_limit (self->config_panel);
  p->threads = self->run_threads;
  if (self->run_blas_core != NULL)
    {
      p->blas_core = g_strdup (self->run_blas_core);
      p->blas_config = g_strdup (self->run_blas_config);
    }
  else
    btl_project_set_blas_from_runtime (p);
  p->created = g_get_real_time () / G_USEC_PER_SEC;
  /* Optimizer moments, step counts, data order, random streams: Continue
   * after opening goes on as if training had never stopped. */
  if (self->worker != NULL)
    p->trainer_state = btl_training_worker_dup_trainer_state (self->worker);

  p->smoothing = gtk_adjustment_get_value (self->smoothing_adjustment);
  p->log_scale = gtk_toggle_button_get_active (self->log_scale);
  p->x_by_epoch = gtk_toggle_button_get_active (self->x_by_epoch);
  p->show_difference = gtk_toggle_button_get_active (self->show_difference);
  p->status = g_strdup (gtk_inscription_get_text (self->status_label));

  if (!btl_project_save (p, path, error))
    return FALSE;
  self->unsaved = FALSE;

  /* The saved run becomes what a re-run compares with. */
  {
    g_autofree char *base = g_path_get_basename (path);

    if (g_str_has_suffix (base, BTL_PROJECT_EXTENSION))
      base[strlen (base) - strlen (BTL_PROJECT_EXTENSION)] = '\0';
    set_project (self, g_steal_pointer (&p), base);
  }
  return TRUE;
}

/* ------------------------------------------------------------ open */

/* Whether the project's trainer state holds the best epoch's weights. */
static gboolean
state_has_best (BtlProject *project)
{
  NnTrainerStateInfo info;

  return project->trainer_state != NULL &&
         nn_trainer_state_inspect (g_bytes_get_data (project->trainer_state, NULL),
                                   g_bytes_get_size (project->trainer_state), &info, NULL) == NN_OK &&
         info.best_weights;
}

void
btl_train_page_open_project (BtlTrainPage *self,
                             BtlProject   *project,
                             const char   *name,
                             gboolean      wait_for_dataset)
{
  g_autoptr(GError) error = NULL;
  NnModel *model;

  g_return_if_fail (BTL_IS_TRAIN_PAGE (self));
  g_return_if_fail (project != NULL);

  model = btl_project_dup_model (project, &error);
  if (model == NULL)
    {
      /* The reader checked the counts: this is not expected. */
      btl_train_page_show_message (self, error->message);
      btl_project_free (project);
      return;
    }

  _btl_train_page_begin_open (self, btl_loss_history_copy (project->history));

  btl_config_panel_set_config (self->config_panel, &project->config);
  btl_config_panel_set_train_limit (self->config_panel, project->train_limit);
  gtk_adjustment_set_value (self->smoothing_adjustment, project->smoothing);
  gtk_toggle_button_set_active (self->log_scale, project->log_scale);
  gtk_toggle_button_set_active (self->x_by_epoch, project->x_by_epoch);
  gtk_toggle_button_set_active (self->show_difference, project->show_difference);

  self->run_config = project->has_run_config ? project->run_config : project->config;
  self->have_run_config = TRUE;
  self->run_threads = project->threads;
  set_run_blas (self, project->blas_core, project->blas_config);

  /* Where the run stopped, for the grid's caption and a later save. */
  memset (&self->last, 0, sizeof self->last);
  self->have_last = btl_loss_history_get_n_steps (self->history) > 0;
  if (self->have_last)
    {
      BtlLossStep st;

      btl_loss_history_get_step (self->history, btl_loss_history_get_n_steps (self->history) - 1, &st);
      self->last.step = st.step;
      self->last.epoch = st.epoch;
      self->last.train_loss = (float) st.train;
      self->last.best_epoch = btl_loss_history_get_best_epoch (self->history);
      self->last.samples_per_s = isfinite (project->info.samples_per_s) ? project->info.samples_per_s : 0;
    }
  self->test_psnr = project->info.test_psnr_db;
  self->test_psnr_step = -1;
  self->target_epochs = MAX (project->info.epochs_trained, 1);
  _btl_train_page_update_psnr_label (self);
  btl_progress_line_set_fraction (self->progress, 0);
  if (project->status != NULL && project->status[0] != '\0')
    gtk_inscription_set_text (self->status_label, project->status);
  else
    {
      g_autofree char *status = g_strdup_printf (_("Opened project “%s”"), name);

      gtk_inscription_set_text (self->status_label, status);
    }

  /* The weights' codec ranges and the trainer's state go to the worker
   * that adopts the model (now, or when the data set arrives). */
  btl_model_info_clear (&self->opened_stats);
  btl_model_info_set_latent_stats (&self->opened_stats, project->info.latent_dim,
                                   project->info.latent_min, project->info.latent_max,
                                   project->info.latent_mean, project->info.latent_std);
  set_project (self, project, name);
  self->resume_project = project->trainer_state != NULL;
  _btl_train_page_finish_open (self, model, wait_for_dataset);
  /* Adopted now (not waiting for a data set): opening turned Restore Best
   * off, but a state that went in brings the best epoch's weights. */
  if (self->worker != NULL && btl_training_worker_epochs_done (self->worker) > 0)
    gtk_widget_set_sensitive (GTK_WIDGET (self->restore_best), state_has_best (project));
}

/* Called when a worker adopts the opened project's weights: it continues
 * from the saved trainer state. When that does not fit (the data set or
 * training-image limit differs from the run's), Continue starts a fresh
 * optimizer, and the window says so. */
void
_btl_train_page_resume_project (BtlTrainPage *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->resume_project)
    return;
  self->resume_project = FALSE;
  if (self->worker == NULL || self->project == NULL || self->project->trainer_state == NULL)
    return;
  if (!btl_training_worker_set_trainer_state (self->worker, self->project->trainer_state, &error))
    {
      g_autofree char *message =
        g_strdup_printf (_("The project’s optimizer state does not fit (%s): Continue starts a fresh optimizer"),
                         error->message);

      btl_train_page_show_message (self, message);
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->restore_best), state_has_best (self->project));
}

BtlProject *
btl_train_page_get_project (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), NULL);

  return self->project;
}

const char *
btl_train_page_get_project_name (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), NULL);

  return self->project_name;
}

/* ------------------------------------------------------------ re-run */

gboolean
btl_train_page_can_rerun (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);

  return self->project != NULL && self->train != NULL && self->pending_model == NULL &&
         self->state == BTL_TRAIN_STATE_IDLE;
}

gboolean
btl_train_page_rerun (BtlTrainPage  *self,
                      GError       **error)
{
  BtlProject *p;
  NnConfig cfg;

  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), FALSE);

  if (!btl_train_page_can_rerun (self))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("Open or save a project first, and wait for its data set"));
      return FALSE;
    }

  p = self->project;
  cfg = p->has_run_config ? p->run_config : p->config;
  /* As long as the saved run went (it may have been continued) … */
  if (p->info.epochs_trained > 0)
    cfg.epochs = p->info.epochs_trained;
  /* … and on as many BLAS threads: summation order depends on them. */
  if (p->threads > 0)
    cfg.threads = p->threads;
  btl_config_panel_set_config (self->config_panel, &cfg);
  btl_config_panel_set_train_limit (self->config_panel, p->train_limit);

  g_set_object (&self->reference, p->history);
  btl_loss_plot_set_reference (self->plot, self->reference, _("Saved run"));
  g_clear_pointer (&self->comparison, g_free);
  self->rerunning = TRUE;
  self->verdict = BTL_RERUN_RUNNING;

  if (!btl_train_page_train (self, error))
    {
      self->rerunning = FALSE;
      self->verdict = BTL_RERUN_NONE;
      return FALSE;
    }
  return TRUE;
}

BtlLossHistory *
btl_train_page_get_reference (BtlTrainPage *self)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), NULL);

  return self->reference;
}

BtlRerunVerdict
btl_train_page_get_rerun_verdict (BtlTrainPage  *self,
                                  const char   **text)
{
  g_return_val_if_fail (BTL_IS_TRAIN_PAGE (self), BTL_RERUN_NONE);

  if (text != NULL)
    *text = self->comparison;
  return self->verdict;
}

static gboolean
same_double (double a,
             double b)
{
  return memcmp (&a, &b, sizeof a) == 0;
}

/* What differs between the saved run's conditions and the re-run's, as
 * reasons for different losses ("" when nothing we know of differs). */
static char *
list_differences (BtlTrainPage *self)
{
  BtlProject *p = self->project;
  g_autoptr(GPtrArray) why = g_ptr_array_new_with_free_func (g_free);
  guint n_markers = btl_loss_history_get_n_markers (self->reference);

  if (p->threads > 0 && self->run_threads > 0 && p->threads != self->run_threads)
    g_ptr_array_add (why, g_strdup_printf (_("saved with %d BLAS threads, re-run with %d"),
                                           p->threads, self->run_threads));
  if (p->blas_core != NULL && self->run_blas_core != NULL &&
      g_strcmp0 (p->blas_core, self->run_blas_core) != 0)
    g_ptr_array_add (why, g_strdup_printf (_("BLAS core %s, now %s"),
                                           p->blas_core, self->run_blas_core));
  else if (p->blas_config != NULL && self->run_blas_config != NULL &&
           g_strcmp0 (p->blas_config, self->run_blas_config) != 0)
    g_ptr_array_add (why, g_strdup_printf (_("another BLAS build (%s)"), self->run_blas_config));
  if (p->dataset_name != NULL && self->train != NULL &&
      g_strcmp0 (p->dataset_name, self->train->name) != 0)
    g_ptr_array_add (why, g_strdup_printf (_("data set “%s”, now “%s”"),
                                           p->dataset_name, self->train->name));
  if (n_markers > 0)
    g_ptr_array_add (why, g_strdup_printf (ngettext ("the saved run had %u live change, which a re-run does not repeat",
                                                     "the saved run had %u live changes, which a re-run does not repeat",
                                                     n_markers), n_markers));
  if (p->app_version != NULL && g_strcmp0 (p->app_version, PACKAGE_VERSION) != 0)
    g_ptr_array_add (why, g_strdup_printf (_("saved by Bottleneck %s"), p->app_version));

  g_ptr_array_add (why, NULL);
  return g_strjoinv ("; ", (char **) why->pdata);
}

static void
compare_rerun (BtlTrainPage *self)
{
  BtlLossHistory *ref = self->reference;
  BtlLossHistory *cur = self->history;
  const BtlLossStep *a = btl_loss_history_peek_steps (cur);
  const BtlLossStep *b = btl_loss_history_peek_steps (ref);
  guint na = btl_loss_history_get_n_steps (cur);
  guint nb = btl_loss_history_get_n_steps (ref);
  guint ea = btl_loss_history_get_n_epochs (cur);
  guint eb = btl_loss_history_get_n_epochs (ref);
  guint n = MIN (na, nb), first = G_MAXUINT, epoch_diff = G_MAXUINT;
  g_autofree char *why = NULL;

  for (guint i = 0; i < n; i++)
    if (a[i].step != b[i].step || !same_double (a[i].train, b[i].train))
      {
        first = i;
        break;
      }
  for (guint i = 0; i < MIN (ea, eb); i++)
    {
      BtlLossEpoch x, y;

      btl_loss_history_get_epoch (cur, i, &x);
      btl_loss_history_get_epoch (ref, i, &y);
      /* Test PSNR is sampled asynchronously: not part of the verdict. */
      if (x.step != y.step || !same_double (x.train, y.train) || !same_double (x.val, y.val))
        {
          epoch_diff = i;
          break;
        }
    }

  g_free (self->comparison);
  if (first == G_MAXUINT && epoch_diff == G_MAXUINT && na == nb && ea == eb)
    {
      self->verdict = BTL_RERUN_IDENTICAL;
      self->comparison = g_strdup_printf (_("Re-run matches the saved run bit for bit: %u steps, %u epochs"),
                                          na, ea);
    }
  else if (first == G_MAXUINT && epoch_diff == G_MAXUINT)
    {
      self->verdict = BTL_RERUN_PREFIX;
      self->comparison = g_strdup_printf (_("Re-run matches the saved run bit for bit over the %u steps both have (saved %u, re-run %u)"),
                                          n, nb, na);
    }
  else
    {
      self->verdict = BTL_RERUN_DIFFERENT;
      why = list_differences (self);
      if (first != G_MAXUINT)
        self->comparison = g_strdup_printf (_("Re-run differs from the saved run from step %lld on (loss %.9g, saved %.9g)"),
                                            (long long) a[first].step, a[first].train, b[first].train);
      else
        self->comparison = g_strdup_printf (_("Re-run differs from the saved run in the validation loss of epoch %u"),
                                            epoch_diff + 1);
      if (why[0] != '\0')
        {
          char *longer = g_strdup_printf ("%s: %s", self->comparison, why);

          g_free (self->comparison);
          self->comparison = longer;
        }
      else
        {
          char *longer = g_strdup_printf (_("%s, although seed, threads and BLAS are the same"),
                                          self->comparison);

          g_free (self->comparison);
          self->comparison = longer;
        }
    }

  /* The whole verdict in the message bar (not an error: its own icon, not
   * on stderr), a short one in the status line. */
  gtk_image_set_from_icon_name (self->message_icon,
                                self->verdict == BTL_RERUN_DIFFERENT ? "dialog-warning-symbolic"
                                                                     : "emblem-ok-symbolic");
  gtk_widget_add_css_class (self->message_bar, "note");
  if (self->verdict == BTL_RERUN_DIFFERENT)
    gtk_widget_add_css_class (self->message_bar, "warning");
  else
    gtk_widget_remove_css_class (self->message_bar, "warning");
  gtk_label_set_text (self->message_label, self->comparison);
  gtk_revealer_set_reveal_child (self->message_revealer, TRUE);
  gtk_inscription_set_text (self->status_label,
                      self->verdict == BTL_RERUN_IDENTICAL ? _("Re-run: identical to the saved run")
                      : self->verdict == BTL_RERUN_PREFIX ? _("Re-run: identical as far as both go")
                      : _("Re-run: differs from the saved run"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), self->comparison);
}

void
_btl_train_page_run_finished (BtlTrainPage *self)
{
  g_autofree char *config = btl_blas_config ();   /* not OpenBLAS: the library */

  /* The worker set the BLAS threads for its run; nothing else sets them. */
  self->run_threads = MAX (nn_blas_get_threads (), 0);   /* 0: unknown */
  set_run_blas (self, nn_blas_openblas_corename (), config);

  if (self->rerunning && self->reference != NULL && self->project != NULL)
    compare_rerun (self);
  self->rerunning = FALSE;
}

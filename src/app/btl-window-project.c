/* btl-window-project.c — the window's project files.
 *
 * "Save Project…" (Ctrl+Shift+S) writes the Train page's run as a
 * .btlproj; opening one (menu, command line, drop of a file name) loads the
 * project's data set when another is in use and hands the project to the
 * Train page, which restores itself once the data is there. "Re-run and
 * Compare" trains the project again beside its saved curves. The header
 * bar shows the project's name over what it is, beside the page switcher.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "btl-window-private.h"

/* ------------------------------------------------------------ title */

static void
ensure_title_box (BtlWindow *self)
{
  GtkWidget *box;

  if (self->title_box != NULL)
    return;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  self->subtitle_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_ellipsize (self->title_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_ellipsize (self->subtitle_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "title");
  gtk_widget_add_css_class (GTK_WIDGET (self->subtitle_label), "subtitle");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->title_label));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->subtitle_label));
  self->title_box = g_object_ref_sink (box);
  /* Beside the page switcher, never instead of it: the switcher is the
   * only way to the other pages. */
  gtk_header_bar_pack_end (self->header_bar, box);
}

void
_btl_window_update_title (BtlWindow *self)
{
  const char *name = btl_train_page_get_project_name (self->train_page);
  BtlProject *p = btl_train_page_get_project (self->train_page);
  g_autoptr(GString) sub = NULL;
  g_autofree char *title = NULL;

  if (name == NULL || p == NULL)
    {
      if (self->title_box != NULL)
        gtk_widget_set_visible (self->title_box, FALSE);
      gtk_window_set_title (GTK_WINDOW (self), _("Bottleneck"));
      return;
    }

  ensure_title_box (self);
  gtk_label_set_text (self->title_label, name);

  sub = g_string_new (NULL);
  if (p->dataset_name != NULL)
    g_string_append (sub, p->dataset_name);
  if (sub->len > 0)
    g_string_append (sub, " · ");
  g_string_append_printf (sub, ngettext ("%d epoch", "%d epochs", MAX (p->info.epochs_trained, 0)),
                          MAX (p->info.epochs_trained, 0));
  g_string_append (sub, " · ");
  g_string_append_printf (sub, _("seed %llu"), (unsigned long long) p->run_config.seed);
  if (p->threads > 0)
    {
      g_string_append (sub, " · ");
      g_string_append_printf (sub, ngettext ("%d thread", "%d threads", p->threads), p->threads);
    }
  if (p->blas_core != NULL)
    g_string_append_printf (sub, " · %s", p->blas_core);
  gtk_label_set_text (self->subtitle_label, sub->str);
  /* The subtitle is cut at the default window width ("seed 1 · 1 thr…"):
   * the tooltip gives it whole, then the BLAS build. */
  {
    g_autofree char *tip = p->blas_config != NULL ? g_strdup_printf ("%s\n%s", sub->str, p->blas_config)
                                                  : g_strdup (sub->str);

    gtk_widget_set_tooltip_text (self->title_box, tip);
  }
  gtk_widget_set_visible (self->title_box, TRUE);

  /* Translators: the window title, e.g. "my-run — Bottleneck" */
  title = g_strdup_printf (_("%s — Bottleneck"), name);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

/* ------------------------------------------------------------ open */

void
_btl_window_open_project_now (BtlWindow *self,
                              GFile     *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *base = NULL;
  BtlProject *project;
  g_autofree char *spec = NULL;
  gboolean wait = FALSE;

  path = g_file_get_path (file);
  base = g_file_get_basename (file);
  if (path == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not open “%s”: only local files are supported"), base);

      btl_train_page_show_message (self->train_page, message);
      return;
    }

  project = btl_project_load (path, &error);
  if (project == NULL)
    {
      g_autofree char *what = g_strdup_printf (_("Could not open “%s”"), base);

      _btl_window_show_error (self, what, error);
      return;
    }

  if (g_str_has_suffix (base, BTL_PROJECT_EXTENSION))
    base[strlen (base) - strlen (BTL_PROJECT_EXTENSION)] = '\0';

  /* The run's own data set (a picture folder cut with the run's seed and
   * split, as the CLI cuts it: the folder in use may have been cut for
   * another), loaded once the project has set the sidebar to its
   * configuration. */
  if (project->dataset_spec != NULL && project->dataset_spec[0] != '\0')
    {
      if (self->loading)
        wait = TRUE;
      else if (!self->dataset_loaded || g_strcmp0 (self->dataset_spec, project->dataset_spec) != 0
               || _btl_window_folder_cut_differs (self, &project->config))
        wait = TRUE;
      if (wait)
        spec = g_strdup (project->dataset_spec);
    }
  else if (self->loading)
    wait = TRUE;

  /* What the status line says once the data set is in (the CLI's projects
   * have no status line of their own; "Loading…" stayed). */
  if (project->status == NULL || project->status[0] == '\0')
    {
      g_free (project->status);
      project->status = g_strdup_printf (_("Opened project “%s”"), base);
    }
  btl_train_page_open_project (self->train_page, project, base, wait);
  if (spec != NULL)
    {
      /* Loading says so; the project's status comes back once it is in. */
      btl_window_load_dataset (self, spec);
    }
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->train_page));
  _btl_window_update_title (self);
  _btl_window_update_actions (self);
}

static void
open_project_now (BtlWindow *self,
                  gpointer   file)
{
  _btl_window_open_project_now (self, file);
}

void
btl_window_open_project (BtlWindow *self,
                         GFile     *file)
{
  g_return_if_fail (BTL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  _btl_window_confirm_open (self, file, open_project_now);
}

/* ------------------------------------------------------------ actions */

/* Saves the run as a project in file (".btlproj" added when missing);
 * errors show in the window. */
gboolean
_btl_window_save_project_file (BtlWindow *self,
                               GFile     *file)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_basename (file);

  if (path != NULL && !g_str_has_suffix (path, BTL_PROJECT_EXTENSION))
    {
      char *with = g_strconcat (path, BTL_PROJECT_EXTENSION, NULL);

      g_free (path);
      path = with;
    }
  if (path == NULL ||
      !btl_train_page_save_project (self->train_page, path, self->dataset_spec, &error))
    {
      g_autofree char *what = g_strdup_printf (_("Could not save “%s”"), name);

      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                             _("only local files are supported"));
      _btl_window_show_error (self, what, error);
    }
  else
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *status = g_strdup_printf (_("Saved project “%s”"), base);

      btl_train_page_set_status (self->train_page, status);
      _btl_window_update_title (self);
      ok = TRUE;
    }
  _btl_window_update_actions (self);
  return ok;
}

static void
project_chosen (BtlWindow  *self,
                GFile      *file,
                const char *kind)
{
  _btl_window_save_project_file (self, file);
}

void
btl_window_save_project (BtlWindow *self,
                         GFile     *file)
{
  g_return_if_fail (BTL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  project_chosen (self, file, "project");
}

static void
save_project_action (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       user_data)
{
  BtlWindow *self = user_data;
  const char *name = btl_train_page_get_project_name (self->train_page);
  g_autofree char *current = g_strconcat (name != NULL ? name : _("run"), BTL_PROJECT_EXTENSION, NULL);

  _btl_window_run_chooser (self, _("Save Project"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                           current, _("Bottleneck projects"), "*" BTL_PROJECT_EXTENSION,
                           project_chosen, "project");
}

static void
rerun_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  BtlWindow *self = user_data;
  BtlProject *p = btl_train_page_get_project (self->train_page);
  g_autoptr(GError) error = NULL;

  /* The saved run's data set, or the comparison means nothing. */
  if (p != NULL && p->dataset_spec != NULL && self->dataset_spec != NULL &&
      !g_str_equal (p->dataset_spec, self->dataset_spec))
    {
      g_autofree char *message =
        g_strdup_printf (_("The project was trained on “%s”: open that data set first"),
                         p->dataset_name != NULL ? p->dataset_name : p->dataset_spec);

      btl_train_page_show_message (self->train_page, message);
      return;
    }

  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->train_page));
  if (!btl_train_page_rerun (self->train_page, &error))
    _btl_window_show_error (self, _("Could not re-run the project"), error);
  _btl_window_update_actions (self);
}

static const GActionEntry project_entries[] = {
  { "save-project", save_project_action },
  { "rerun", rerun_action },
};

void
_btl_window_add_project_actions (BtlWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), project_entries,
                                   G_N_ELEMENTS (project_entries), self);
}

/* btl-window-actions.c — the explorer window's actions.
 *
 * Training controls delegate to the Train page; file actions go through
 * GtkFileChooserNative (GTK 4.8 has no GtkFileDialog) and report failures
 * in the window. Space and Escape are window shortcuts in the bubble phase,
 * so text fields and buttons see the keys first.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "btl-config-panel.h"
#include "btl-window-private.h"

/* ------------------------------------------------------------ file choosers */

typedef void (*FileChosenFunc) (BtlWindow *self, GFile *file, const char *kind);

typedef struct
{
  BtlWindow      *self;
  FileChosenFunc  func;
  char           *kind;
} ChooserData;

static void
chooser_response (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  ChooserData *d = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        d->func (d->self, file, d->kind);
    }

  g_object_unref (d->self);
  g_free (d->kind);
  g_free (d);
  g_object_unref (dialog);
}

/* pattern: one glob or several separated by ';'. */
void
_btl_window_run_chooser (BtlWindow            *self,
             const char           *title,
             GtkFileChooserAction  action,
             const char           *accept,
             const char           *current_name,
             const char           *filter_name,
             const char           *pattern,
             FileChosenFunc        func,
             const char           *kind)
{
  GtkFileChooserNative *native;
  ChooserData *d;

  native = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept, _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  if (current_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), current_name);
  if (pattern != NULL)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

      g_auto(GStrv) patterns = g_strsplit (pattern, ";", -1);

      gtk_file_filter_set_name (filter, filter_name);
      for (guint i = 0; patterns[i] != NULL; i++)
        gtk_file_filter_add_pattern (filter, patterns[i]);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
    }

  d = g_new0 (ChooserData, 1);
  d->self = g_object_ref (self);
  d->func = func;
  d->kind = g_strdup (kind);
  g_signal_connect (native, "response", G_CALLBACK (chooser_response), d);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static char *
file_display_name (GFile *file)
{
  return g_file_get_basename (file);
}

static void
open_model_now (BtlWindow *self,
                gpointer   data)
{
  GFile *file = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;

  path = g_file_get_path (file);
  name = file_display_name (file);
  if (path == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not open “%s”: only local files are supported"), name);

      btl_train_page_show_message (self->train_page, message);
      return;
    }
  if (g_str_has_suffix (path, BTL_PROJECT_EXTENSION) || btl_project_file_sniff (path))
    {
      _btl_window_open_project_now (self, file);
      return;
    }

  if (!btl_train_page_open_model (self->train_page, path, &error))
    {
      g_autofree char *what = g_strdup_printf (_("Could not open “%s”"), name);

      _btl_window_show_error (self, what, error);
    }
  _btl_window_update_title (self);
  _btl_window_update_actions (self);
}

void
btl_window_open_model (BtlWindow *self,
                       GFile     *file)
{
  g_return_if_fail (BTL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  _btl_window_confirm_open (self, file, open_model_now);
}

static void
open_chosen (BtlWindow  *self,
             GFile      *file,
             const char *kind)
{
  btl_window_open_model (self, file);
}

/* Saves (kind "model") or exports (grid, png, svg, csv) into file; errors
 * show in the window. */
gboolean
_btl_window_save_file (BtlWindow  *self,
                       GFile      *file,
                       const char *kind)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = file_display_name (file);
  gboolean ok;

  if (g_str_equal (kind, "model"))
    ok = btl_train_page_save_model (self->train_page, path, &error);
  else if (g_str_equal (kind, "project"))
    ok = btl_train_page_save_project (self->train_page, path, self->dataset_spec, &error);
  else if (g_str_equal (kind, "grid"))
    ok = btl_train_page_export_grid (self->train_page, path, &error);
  else
    ok = btl_train_page_export_plot (self->train_page, path, &error);

  if (!ok)
    {
      g_autofree char *what = g_strdup_printf (_("Could not save “%s”"), name);

      _btl_window_show_error (self, what, error);
    }
  else
    {
      g_autofree char *status = g_strdup_printf (_("Saved “%s”"), name);

      /* While training the status line is the run's: it would say this
       * for a quarter of a second. */
      if (btl_train_page_get_state (self->train_page) == BTL_TRAIN_STATE_IDLE)
        btl_train_page_set_status (self->train_page, status);
      else
        btl_train_page_show_note (self->train_page, status);
      _btl_window_update_title (self);
      _btl_window_update_actions (self);
    }
  return ok;
}

static void
save_chosen (BtlWindow  *self,
             GFile      *file,
             const char *kind)
{
  _btl_window_save_file (self, file, kind);
}

/* Choosing the data set in use again would load it again, and loading a
 * data set drops the model trained on it: nothing to do instead. */
static gboolean
is_dataset_in_use (BtlWindow  *self,
                   const char *spec)
{
  return self->dataset_loaded && !self->loading && g_strcmp0 (self->dataset_spec, spec) == 0;
}

static void
load_dataset_now (BtlWindow *self,
                  gpointer   spec)
{
  btl_window_load_dataset (self, spec);
}

/* Another data set drops the model trained on this one: asks first. */
static void
choose_dataset (BtlWindow  *self,
                const char *spec,
                const char *name)
{
  g_autofree char *consequence = NULL;

  if (is_dataset_in_use (self, spec))
    return;
  consequence = g_strdup_printf (_("Loading the data set “%s” discards it."), name);
  _btl_window_confirm_discard (self, consequence, load_dataset_now, g_strdup (spec), g_free);
}

static void
folder_chosen (BtlWindow  *self,
               GFile      *file,
               const char *kind)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_basename (file);

  if (path != NULL)
    choose_dataset (self, path, name);
}

/* ------------------------------------------------------------ actions */

static void
train_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  BtlWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  NnConfig cfg;

  if (self->train_after_load)   /* already waiting for the folder */
    return;
  /* A picture folder is cut with the run's seed, as the CLI cuts it (a
   * project continued in either gets the same tiles): cut for another
   * seed, it is loaded again first, and the run starts once it is in. */
  if (!self->loading && btl_train_page_get_state (self->train_page) == BTL_TRAIN_STATE_IDLE
      && btl_config_panel_get_config (BTL_CONFIG_PANEL (btl_train_page_get_config_panel (self->train_page)), &cfg)
      && _btl_window_folder_cut_differs (self, &cfg))
    {
      btl_window_load_dataset (self, self->dataset_spec);
      self->train_after_load = self->loading;
      return;
    }

  if (!btl_train_page_train (self->train_page, &error))
    _btl_window_show_error (self, _("Could not start training"), error);
  _btl_window_update_actions (self);
}

static void
pause_action (GSimpleAction *action,
              GVariant      *state,
              gpointer       user_data)
{
  BtlWindow *self = user_data;

  btl_train_page_set_paused (self->train_page, g_variant_get_boolean (state));
  _btl_window_update_actions (self);
}

/* The header bar's Pause/Resume button: one button whose icon and
 * accessible name say what it will do. */
static void
pause_resume_action (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       user_data)
{
  BtlWindow *self = user_data;

  btl_train_page_set_paused (self->train_page,
                             btl_train_page_get_state (self->train_page) == BTL_TRAIN_STATE_RUNNING);
  _btl_window_update_actions (self);
}

static void
step_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  btl_train_page_single_step (BTL_WINDOW (user_data)->train_page);
}

static void
stop_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  btl_train_page_stop (BTL_WINDOW (user_data)->train_page);
}

static void
open_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  _btl_window_run_chooser (user_data, _("Open Model or Project"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
               NULL, _("Bottleneck models and projects"), "*.btl;*.btlproj", open_chosen, "model");
}

static void
save_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  _btl_window_run_chooser (user_data, _("Save Model"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
               "model.btl", _("Bottleneck models"), "*.btl", save_chosen, "model");
}

static void
export_plot_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  const char *format = g_variant_get_string (param, NULL);
  g_autofree char *name = g_strdup_printf ("loss.%s", format);
  g_autofree char *pattern = g_strdup_printf ("*.%s", format);
  const char *filter = g_str_equal (format, "csv") ? _("CSV files")
                     : g_str_equal (format, "svg") ? _("SVG images") : _("PNG images");

  _btl_window_run_chooser (user_data, _("Export Loss Plot"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
               name, filter, pattern, save_chosen, format);
}

static void
export_grid_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  _btl_window_run_chooser (user_data, _("Export Reconstructions"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
               "reconstructions.png", _("PNG images"), "*.png", save_chosen, "grid");
}

/* The data set menu's radio items: "fashion-mnist" or the folder in use
 * (the state is the data set in use, set when one has loaded). */
static void
dataset_action (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  const char *spec = g_variant_get_string (param, NULL);
  g_autofree char *name = NULL;

  if (spec[0] == '\0')
    return;
  name = g_str_equal (spec, "fashion-mnist") ? g_strdup (_("Fashion-MNIST")) : g_path_get_basename (spec);
  choose_dataset (user_data, spec, name);
}

static void
dataset_folder_action (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  _btl_window_run_chooser (user_data, _("Open Data Folder (IDX Files or Pictures)"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"),
               NULL, NULL, NULL, folder_chosen, "folder");
}

static const GActionEntry win_entries[] = {
  { "train", train_action },
  { "pause", NULL, NULL, "false", pause_action },
  { "pause-resume", pause_resume_action },
  { "step", step_action },
  { "stop", stop_action },
  { "open", open_action },
  { "save", save_action },
  { "export-plot", export_plot_action, "s" },
  { "export-grid", export_grid_action },
  { "dataset", dataset_action, "s", "''" },
  { "dataset-folder", dataset_folder_action },
};

/* Space trains, pauses or resumes — but only when the key is not meant for
 * the focused widget: the controller runs in the bubble phase, so entries
 * and buttons see Space first, and text widgets are skipped explicitly. */
static gboolean
toggle_training_cb (GtkWidget *widget,
                    GVariant  *args,
                    gpointer   user_data)
{
  BtlWindow *self = BTL_WINDOW (widget);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus)))
    return FALSE;

  switch (btl_train_page_get_state (self->train_page))
    {
    case BTL_TRAIN_STATE_IDLE:
      gtk_widget_activate_action (widget, "win.train", NULL);
      break;
    case BTL_TRAIN_STATE_RUNNING:
      btl_train_page_set_paused (self->train_page, TRUE);
      break;
    case BTL_TRAIN_STATE_PAUSED:
      btl_train_page_set_paused (self->train_page, FALSE);
      break;
    default:
      g_assert_not_reached ();
    }
  _btl_window_update_actions (self);
  return TRUE;
}

static gboolean
stop_cb (GtkWidget *widget,
         GVariant  *args,
         gpointer   user_data)
{
  BtlWindow *self = BTL_WINDOW (widget);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  /* Escape in a text field is not a request to stop training. */
  if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus)))
    return FALSE;
  if (btl_train_page_get_state (self->train_page) == BTL_TRAIN_STATE_IDLE)
    return FALSE;
  btl_train_page_stop (self->train_page);
  return TRUE;
}

static void
add_training_shortcuts (BtlWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_BUBBLE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_space, 0),
                      gtk_callback_action_new (toggle_training_cb, NULL, NULL)));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                      gtk_callback_action_new (stop_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

void
_btl_window_add_actions (BtlWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries,
                                   G_N_ELEMENTS (win_entries), self);
  add_training_shortcuts (self);
  _btl_window_add_project_actions (self);
}

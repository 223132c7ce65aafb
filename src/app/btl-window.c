/* btl-window.c — the explorer window.
 *
 * The window owns what is shared between pages: the data set (loaded in a
 * GTask thread so the window maps at once), the header bar's training
 * controls as window actions that delegate to the Train page, the main menu's
 * file actions, and the settings it remembers (size, configuration, data set).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "btl-compress-page.h"
#include "btl-config-panel.h"
#include "btl-inspect-page.h"
#include "btl-latent-page.h"
#include "btl-window.h"

struct _BtlWindow
{
  GtkApplicationWindow  parent_instance;

  /* template widgets */
  GtkHeaderBar         *header_bar;
  GtkMenuButton        *dataset_button;
  GtkButton            *train_button;
  GtkButton            *pause_button;
  GtkButton            *step_button;
  GtkButton            *stop_button;
  GtkStack             *stack;
  BtlTrainPage         *train_page;
  BtlCompressPage      *compress_page;
  BtlLatentPage        *latent_page;
  BtlInspectPage       *inspect_page;

  /* owned */
  GSettings            *settings;
  GCancellable         *cancellable;
  char                 *dataset_spec;
  BtlDataset           *train_data;     /* the Inspect page's threshold comes from it */

  /* state */
  gint64                created_us;
  guint                 dataset_loaded : 1;
  guint                 loading : 1;
};

G_DEFINE_FINAL_TYPE (BtlWindow, btl_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  DATASET_LOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_action_enabled (BtlWindow  *self,
                    const char *name,
                    gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
update_actions (BtlWindow *self)
{
  BtlTrainState state = btl_train_page_get_state (self->train_page);
  GAction *pause = g_action_map_lookup_action (G_ACTION_MAP (self), "pause");
  gboolean paused = state == BTL_TRAIN_STATE_PAUSED;

  set_action_enabled (self, "train", btl_train_page_can_train (self->train_page));
  set_action_enabled (self, "pause", state != BTL_TRAIN_STATE_IDLE);
  set_action_enabled (self, "pause-resume", state != BTL_TRAIN_STATE_IDLE);
  set_action_enabled (self, "step", paused);
  set_action_enabled (self, "stop", state != BTL_TRAIN_STATE_IDLE);
  set_action_enabled (self, "save", btl_train_page_has_model (self->train_page));
  set_action_enabled (self, "export-grid", self->dataset_loaded);
  set_action_enabled (self, "dataset-default", state == BTL_TRAIN_STATE_IDLE && !self->loading);
  set_action_enabled (self, "dataset-folder", state == BTL_TRAIN_STATE_IDLE && !self->loading);
  g_simple_action_set_state (G_SIMPLE_ACTION (pause), g_variant_new_boolean (paused));


  /* The pause button doubles as Resume. */
  gtk_button_set_icon_name (GTK_BUTTON (self->pause_button),
                            paused ? "media-playback-start-symbolic"
                                   : "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button),
                               paused ? _("Resume (Space)") : _("Pause (Space)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->pause_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  paused ? _("Resume") : _("Pause"),
                                  -1);
}

static void
on_train_state_changed (BtlWindow *self)
{
  update_actions (self);
}

static void
show_error (BtlWindow  *self,
            const char *what,
            GError     *error)
{
  g_autofree char *message = g_strdup_printf ("%s: %s", what, error->message);

  btl_train_page_show_message (self->train_page, message);
}

/* ------------------------------------------------------------ data set */

typedef struct
{
  char       *spec;
  BtlDataset *train;
  BtlDataset *test;
} LoadData;

static void
load_data_free (gpointer data)
{
  LoadData *d = data;

  g_free (d->spec);
  g_clear_pointer (&d->train, btl_dataset_unref);
  g_clear_pointer (&d->test, btl_dataset_unref);
  g_free (d);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *d = task_data;
  GError *error = NULL;

  if (!btl_dataset_open (d->spec, &d->train, &d->test, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static char *
dataset_display_name (const char *spec)
{
  if (g_strcmp0 (spec, "fashion-mnist") == 0)
    return g_strdup (_("Fashion-MNIST"));
  return g_path_get_basename (spec);
}

static void
load_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  BtlWindow *self = user_data;
  LoadData *d = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->loading = FALSE;

  if (g_cancellable_is_cancelled (self->cancellable))
    goto out;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *name = dataset_display_name (d->spec);
      g_autofree char *what = g_strdup_printf (_("Could not load the data set “%s”"), name);

      show_error (self, what, error);
      /* A data set loaded before stays in use. */
      if (!self->dataset_loaded)
        {
          gtk_menu_button_set_label (self->dataset_button, _("No Data Set"));
          btl_train_page_set_status (self->train_page, _("No data set: choose one from the data set menu"));
        }
    }
  else
    {
      g_autofree char *name = dataset_display_name (d->spec);

      g_debug ("Data set %s loaded %.0f ms after the window was created",
               d->spec, (g_get_monotonic_time () - self->created_us) / 1000.0);

      g_free (self->dataset_spec);
      self->dataset_spec = g_strdup (d->spec);
      gtk_menu_button_set_label (self->dataset_button, name);
      btl_train_page_show_message (self->train_page, NULL);
      /* Before the Train page gets the data: it may publish a snapshot at once. */
      g_clear_pointer (&self->train_data, btl_dataset_unref);
      self->train_data = d->train != NULL ? btl_dataset_ref (d->train) : NULL;
      btl_train_page_set_dataset (self->train_page, d->train, d->test);
      btl_compress_page_set_dataset (self->compress_page, d->train);
      self->dataset_loaded = TRUE;
      if (self->settings != NULL)
        g_settings_set_string (self->settings, "dataset", d->spec);
    }

  update_actions (self);
  if (self->dataset_loaded)
    g_signal_emit (self, signals[DATASET_LOADED], 0);

out:
  g_object_unref (self);
}

void
btl_window_load_dataset (BtlWindow  *self,
                         const char *spec)
{
  g_autoptr(GTask) task = NULL;
  LoadData *d;

  g_return_if_fail (BTL_IS_WINDOW (self));
  g_return_if_fail (spec != NULL);

  if (self->loading)
    return;

  d = g_new0 (LoadData, 1);
  d->spec = g_strdup (spec);
  self->loading = TRUE;

  {
    g_autofree char *name = dataset_display_name (spec);
    g_autofree char *status = g_strdup_printf (_("Loading %s…"), name);

    btl_train_page_set_status (self->train_page, status);
  }

  task = g_task_new (NULL, self->cancellable, load_done, g_object_ref (self));
  g_task_set_name (task, "[bottleneck] load data set");
  g_task_set_task_data (task, d, load_data_free);
  g_task_run_in_thread (task, load_thread);
  update_actions (self);
}

gboolean
btl_window_is_dataset_loaded (BtlWindow *self)
{
  g_return_val_if_fail (BTL_IS_WINDOW (self), FALSE);

  return self->dataset_loaded;
}

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

static void
run_chooser (BtlWindow            *self,
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

      gtk_file_filter_set_name (filter, filter_name);
      gtk_file_filter_add_pattern (filter, pattern);
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

void
btl_window_open_model (BtlWindow *self,
                       GFile     *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (BTL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  name = file_display_name (file);
  if (path == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not open “%s”: only local files are supported"), name);

      btl_train_page_show_message (self->train_page, message);
      return;
    }

  if (!btl_train_page_open_model (self->train_page, path, &error))
    {
      g_autofree char *what = g_strdup_printf (_("Could not open “%s”"), name);

      show_error (self, what, error);
    }
  update_actions (self);
}

static void
open_chosen (BtlWindow  *self,
             GFile      *file,
             const char *kind)
{
  btl_window_open_model (self, file);
}

static void
save_chosen (BtlWindow  *self,
             GFile      *file,
             const char *kind)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = file_display_name (file);
  gboolean ok;

  if (g_str_equal (kind, "model"))
    ok = btl_train_page_save_model (self->train_page, path, &error);
  else if (g_str_equal (kind, "grid"))
    ok = btl_train_page_export_grid (self->train_page, path, &error);
  else
    ok = btl_train_page_export_plot (self->train_page, path, &error);

  if (!ok)
    {
      g_autofree char *what = g_strdup_printf (_("Could not save “%s”"), name);

      show_error (self, what, error);
    }
  else
    {
      g_autofree char *status = g_strdup_printf (_("Saved “%s”"), name);

      btl_train_page_set_status (self->train_page, status);
    }
}

static void
folder_chosen (BtlWindow  *self,
               GFile      *file,
               const char *kind)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    btl_window_load_dataset (self, path);
}

/* ------------------------------------------------------------ actions */

static void
train_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  BtlWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!btl_train_page_train (self->train_page, &error))
    show_error (self, _("Could not start training"), error);
  update_actions (self);
}

static void
pause_action (GSimpleAction *action,
              GVariant      *state,
              gpointer       user_data)
{
  BtlWindow *self = user_data;

  btl_train_page_set_paused (self->train_page, g_variant_get_boolean (state));
  update_actions (self);
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
  update_actions (self);
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
  run_chooser (user_data, _("Open Model"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
               NULL, _("Bottleneck models"), "*.btl", open_chosen, "model");
}

static void
save_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  run_chooser (user_data, _("Save Model"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
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

  run_chooser (user_data, _("Export Loss Plot"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
               name, filter, pattern, save_chosen, format);
}

static void
export_grid_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  run_chooser (user_data, _("Export Reconstructions"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
               "reconstructions.png", _("PNG images"), "*.png", save_chosen, "grid");
}

static void
dataset_default_action (GSimpleAction *action,
                        GVariant      *param,
                        gpointer       user_data)
{
  btl_window_load_dataset (user_data, "fashion-mnist");
}

static void
dataset_folder_action (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  run_chooser (user_data, _("Open Data Folder (IDX Files or Pictures)"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"),
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
  { "dataset-default", dataset_default_action },
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
  update_actions (self);
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

/* ------------------------------------------------------------ settings */

static void
on_config_changed (BtlWindow      *self,
                   BtlConfigPanel *panel)
{
  NnConfig cfg;
  g_autofree char *text = NULL;
  size_t len;

  if (self->settings == NULL)
    return;

  g_settings_set_int (self->settings, "train-limit", btl_config_panel_get_train_limit (panel));
  if (!btl_config_panel_get_config (panel, &cfg))
    return;

  len = nn_config_format (&cfg, NULL, 0);
  text = g_malloc (len + 1);
  nn_config_format (&cfg, text, len + 1);
  g_settings_set_string (self->settings, "config", text);
}

static void
restore_settings (BtlWindow *self)
{
  BtlConfigPanel *panel = BTL_CONFIG_PANEL (btl_train_page_get_config_panel (self->train_page));
  g_autofree char *text = NULL;

  if (self->settings == NULL)
    return;

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  text = g_settings_get_string (self->settings, "config");
  if (text[0] != '\0')
    {
      NnConfig cfg;
      NnError err = { 0 };

      nn_config_init_default (&cfg);
      /* A configuration from an older version that no longer parses is
       * dropped quietly: the defaults are a fine start. */
      if (nn_config_parse (&cfg, text, &err) == NN_OK)
        btl_config_panel_set_config (panel, &cfg);
      else
        g_debug ("Ignoring the remembered configuration: %s", err.message);
    }
  btl_config_panel_set_train_limit (panel, g_settings_get_int (self->settings, "train-limit"));

  btl_train_page_set_settings (self->train_page, self->settings);
}

static gboolean
btl_window_close_request (GtkWindow *window)
{
  BtlWindow *self = BTL_WINDOW (window);
  int width, height;

  if (self->settings != NULL)
    {
      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
    }

  return GTK_WINDOW_CLASS (btl_window_parent_class)->close_request (window);
}

/* ------------------------------------------------------------ GObject */

/* The Compress page follows the Train page's model: every new snapshot
 * (opened, trained, finished) becomes the codec's weights. */
static void
on_train_snapshot (BtlTrainPage *page,
                   gpointer      model,
                   gpointer      snapshot,
                   BtlWindow    *self)
{
  BtlDataset *test = btl_train_page_get_test_dataset (page);

  btl_compress_page_set_model (self->compress_page, model, snapshot, NULL);
  /* The Latent and Inspect pages take the same weights (they re-encode and
   * re-score in their own threads, only while shown). */
  if (test != NULL)
    btl_latent_page_follow (self->latent_page, model, snapshot, test);
  if (test != NULL && self->train_data != NULL)
    btl_inspect_page_follow (self->inspect_page, model, snapshot, self->train_data, test);
}

/* A picture dropped anywhere on the window goes to the Compress page (the
 * page's own drop target takes drops on it first). */
static gboolean
on_window_drop (GtkDropTarget *target,
                const GValue  *value,
                double         x,
                double         y,
                BtlWindow     *self)
{
  if (!btl_compress_page_open_value (self->compress_page, value))
    return FALSE;
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->compress_page));
  return TRUE;
}

static void
btl_window_constructed (GObject *object)
{
  BtlWindow *self = BTL_WINDOW (object);
  GtkApplication *app;

  G_OBJECT_CLASS (btl_window_parent_class)->constructed (object);

  /* "application" is not a construct property: it is set after
   * constructed() runs, so ask the default application instead. */
  app = GTK_APPLICATION (g_application_get_default ());
  if (BTL_IS_APPLICATION (app) && btl_application_get_settings (BTL_APPLICATION (app)) != NULL)
    self->settings = g_object_ref (btl_application_get_settings (BTL_APPLICATION (app)));

  restore_settings (self);
  g_signal_connect_object (btl_train_page_get_config_panel (self->train_page), "changed",
                           G_CALLBACK (on_config_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->train_page, "snapshot", G_CALLBACK (on_train_snapshot),
                           self, 0);
  update_actions (self);
}

static void
btl_window_dispose (GObject *object)
{
  BtlWindow *self = BTL_WINDOW (object);

  /* No gtk_widget_dispose_template() here: GtkWindow already destroys its
   * titlebar and child, and unparenting them again is a critical. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (btl_window_parent_class)->dispose (object);
}

static void
btl_window_finalize (GObject *object)
{
  BtlWindow *self = BTL_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->dataset_spec, g_free);
  g_clear_pointer (&self->train_data, btl_dataset_unref);

  G_OBJECT_CLASS (btl_window_parent_class)->finalize (object);
}

static void
btl_window_class_init (BtlWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = btl_window_constructed;
  object_class->dispose = btl_window_dispose;
  object_class->finalize = btl_window_finalize;
  window_class->close_request = btl_window_close_request;

  /**
   * BtlWindow::dataset-loaded:
   *
   * A data set finished loading and the Train page has it.
   */
  signals[DATASET_LOADED] =
    g_signal_new ("dataset-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (BTL_TYPE_TRAIN_PAGE);
  g_type_ensure (BTL_TYPE_COMPRESS_PAGE);
  g_type_ensure (BTL_TYPE_LATENT_PAGE);
  g_type_ensure (BTL_TYPE_INSPECT_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/btl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, dataset_button);
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, train_button);
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, step_button);
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, stop_button);
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, train_page);
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, compress_page);
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, latent_page);
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, inspect_page);
  gtk_widget_class_bind_template_callback (widget_class, on_train_state_changed);
}

static void
btl_window_init (BtlWindow *self)
{
  self->created_us = g_get_monotonic_time ();
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  {
    GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
    GType types[] = BTL_COMPRESS_PAGE_DROP_TYPES;

    gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
    g_signal_connect (drop, "drop", G_CALLBACK (on_window_drop), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  }

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries,
                                   G_N_ELEMENTS (win_entries), self);
  add_training_shortcuts (self);
}

BtlWindow *
btl_window_new (BtlApplication *application)
{
  return g_object_new (BTL_TYPE_WINDOW, "application", application, NULL);
}

BtlTrainPage *
btl_window_get_train_page (BtlWindow *self)
{
  g_return_val_if_fail (BTL_IS_WINDOW (self), NULL);

  return self->train_page;
}

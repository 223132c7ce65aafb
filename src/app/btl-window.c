/* btl-window.c — the explorer window.
 *
 * The window owns what is shared between pages: the data set (loaded in a
 * GTask thread so the window maps at once), the header bar's training
 * controls as window actions that delegate to the Train page, the main menu's
 * file actions, and the settings it remembers (size, configuration, data set).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "btl-a11y.h"
#include "btl-compress-page.h"
#include "btl-config-panel.h"
#include "btl-image-folder.h"
#include "btl-inspect-page.h"
#include "btl-latent-page.h"
#include "btl-window-private.h"

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

void
_btl_window_update_actions (BtlWindow *self)
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
  set_action_enabled (self, "save-project", btl_train_page_has_model (self->train_page) &&
                                            state == BTL_TRAIN_STATE_IDLE);
  set_action_enabled (self, "rerun", btl_train_page_can_rerun (self->train_page) && !self->loading);
  set_action_enabled (self, "export-grid", self->dataset_loaded);
  /* Before any run (or after opening a bare .btl) the plot is only its
   * placeholder: nothing to export. Steps arrive once a run is started. */
  set_action_enabled (self, "export-plot",
                      state != BTL_TRAIN_STATE_IDLE ||
                      btl_loss_history_get_n_steps (btl_train_page_get_history (self->train_page)) > 0);
  set_action_enabled (self, "dataset", state == BTL_TRAIN_STATE_IDLE && !self->loading);
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
  _btl_window_update_actions (self);
  _btl_window_update_discard (self);
}

void
_btl_window_show_error (BtlWindow  *self,
            const char *what,
            GError     *error)
{
  g_autofree char *message = g_strdup_printf ("%s: %s", what, error->message);

  btl_train_page_show_message (self->train_page, message);
}

/* ------------------------------------------------------------ data set */

static char *dataset_display_name (const char *spec);

/* "my_pics" as a menu label, not "mypics" with a mnemonic. */
static char *
escape_mnemonic (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, "_", -1);

  return g_strjoinv ("__", parts);
}

/* The data set menu marks the data set in use (a radio item: the "dataset"
 * action's state), with a folder in use as a choice of its own; the header
 * button says what it is to a screen reader ("Data set: Fashion-MNIST",
 * not the name alone). The accessible name goes on the toggle button inside
 * the menu button too: that is what GTK 4.8 exposes and focuses. */
void
_btl_window_update_dataset_menu (BtlWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "dataset");
  const char *spec = self->dataset_loaded ? self->dataset_spec : NULL;
  /* Before the first data set is in, the button names the one loading. */
  const char *shown = spec != NULL ? spec : self->loading_spec;
  g_autofree char *name = shown != NULL ? dataset_display_name (shown) : NULL;
  g_autofree char *a11y = NULL;
  GtkWidget *toggle;

  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (spec != NULL ? spec : ""));

  /* Fashion-MNIST stays; a folder in use follows it. */
  while (g_menu_model_get_n_items (G_MENU_MODEL (self->dataset_choices)) > 1)
    g_menu_remove (self->dataset_choices, 1);
  if (spec != NULL && !g_str_equal (spec, "fashion-mnist"))
    {
      g_autofree char *label = escape_mnemonic (name);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "win.dataset", g_variant_new_string (spec));
      g_menu_append_item (self->dataset_choices, item);
    }

  gtk_menu_button_set_label (self->dataset_button, name != NULL ? name : _("No Data Set"));
  /* Translators: the header bar's data set button to a screen reader */
  a11y = g_strdup_printf (_("Data set: %s"), name != NULL ? name : _("none"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->dataset_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  toggle = gtk_widget_get_first_child (GTK_WIDGET (self->dataset_button));
  if (GTK_IS_TOGGLE_BUTTON (toggle))
    {
      /* Not also labelled by the name inside: GTK 4.8 reads both. */
      gtk_accessible_reset_relation (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
      gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
    }
}

typedef struct
{
  char       *spec;
  BtlDataset *train;
  BtlDataset *test;
  BtlDataset *val;        /* a picture folder's held-out validation, or NULL */
  int         tile;       /* a picture folder's options (config panel) */
  int         channels;
  double      val_fraction;
  guint64     seed;
  gboolean    folder;     /* out: spec was a folder of pictures */
} LoadData;

static void
load_data_free (gpointer data)
{
  LoadData *d = data;

  g_free (d->spec);
  g_clear_pointer (&d->train, btl_dataset_unref);
  g_clear_pointer (&d->test, btl_dataset_unref);
  g_clear_pointer (&d->val, btl_dataset_unref);
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

  /* A folder of pictures is cut with the tile size and colours chosen in
   * the configuration panel (anything else as btl_dataset_open() reads it). */
  d->folder = g_file_test (d->spec, G_FILE_TEST_IS_DIR) && btl_image_folder_detect (d->spec);
  if (d->folder)
    {
      BtlImageFolderOptions opts;

      /* Cut as the CLI cuts it for a run: the configuration's seed picks
       * the tiles, its split the held-out validation pictures. */
      btl_image_folder_options_init_for_run (&opts, d->tile, d->tile, d->channels,
                                             d->val_fraction, d->seed);
      if (!btl_image_folder_load_with_validation (d->spec, &opts, &d->train, &d->val, &d->test,
                                                  NULL, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
    }
  else if (!btl_dataset_open (d->spec, &d->train, &d->test, &error))
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
  gboolean train_after = self->train_after_load;

  self->loading = FALSE;
  self->train_after_load = FALSE;
  g_clear_pointer (&self->loading_spec, g_free);

  if (g_cancellable_is_cancelled (self->cancellable))
    goto out;

  /* Another data set was asked for meanwhile (a project's): this one is
   * not wanted any more. */
  if (self->next_dataset != NULL)
    {
      g_autofree char *next = g_steal_pointer (&self->next_dataset);

      if (!g_str_equal (next, d->spec))
        {
          btl_window_load_dataset (self, next);
          goto out;
        }
    }

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *name = dataset_display_name (d->spec);
      g_autofree char *what = g_strdup_printf (_("Could not load the data set “%s”"), name);

      _btl_window_show_error (self, what, error);
      /* A data set loaded before stays in use, and so does its status line
       * (it said "Loading …" for good). */
      if (!self->dataset_loaded)
        {
          _btl_window_update_dataset_menu (self);
          btl_train_page_set_status (self->train_page, _("No data set: choose one from the data set menu"));
        }
      else
        {
          btl_train_page_set_status (self->train_page, self->status_before_load);
          /* A project opened for that data set has set the sidebar to its
           * input (3×32×32 tiles): Train then said the model does not fit
           * the data in use. The sidebar follows the data in use again. */
          if (self->train_data != NULL)
            btl_config_panel_set_input_shape (BTL_CONFIG_PANEL (btl_train_page_get_config_panel (self->train_page)),
                                              self->train_data->channels, self->train_data->height,
                                              self->train_data->width);
        }
    }
  else
    {
      g_debug ("Data set %s loaded %.0f ms after the window was created",
               d->spec, (g_get_monotonic_time () - self->created_us) / 1000.0);

      g_free (self->dataset_spec);
      self->dataset_spec = g_strdup (d->spec);
      btl_train_page_show_message (self->train_page, NULL);
      /* Before the Train page gets the data: it may publish a snapshot at once. */
      g_clear_pointer (&self->train_data, btl_dataset_unref);
      self->train_data = d->train != NULL ? btl_dataset_ref (d->train) : NULL;
      btl_train_page_set_validation (self->train_page, d->val);
      btl_train_page_set_dataset (self->train_page, d->train, d->test);
      btl_config_panel_set_picture_folder (BTL_CONFIG_PANEL (btl_train_page_get_config_panel (self->train_page)),
                                           d->folder);
      btl_compress_page_set_dataset (self->compress_page, d->train);
      self->dataset_loaded = TRUE;
      self->dataset_is_folder = d->folder;
      self->dataset_seed = d->seed;
      self->dataset_val_split = d->val_fraction;
      _btl_window_update_dataset_menu (self);
      if (self->settings != NULL)
        g_settings_set_string (self->settings, "dataset", d->spec);
    }

  _btl_window_update_actions (self);
  if (self->dataset_loaded)
    g_signal_emit (self, signals[DATASET_LOADED], 0);

  /* A picture folder's tile size or colours changed while it loaded. */
  if (d->folder && g_strcmp0 (self->dataset_spec, d->spec) == 0)
    {
      int tile, channels;

      btl_config_panel_get_folder_options (BTL_CONFIG_PANEL (btl_train_page_get_config_panel (self->train_page)),
                                           &tile, &channels);
      if (tile != d->tile || channels != d->channels)
        btl_window_load_dataset (self, d->spec);
    }

  /* Train waited for the folder cut with its seed. */
  if (train_after && !self->loading && g_strcmp0 (self->dataset_spec, d->spec) == 0)
    g_action_group_activate_action (G_ACTION_GROUP (self), "train", NULL);

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
    {
      /* Loaded next, unless it is the one on its way. */
      g_free (self->next_dataset);
      self->next_dataset = g_strcmp0 (spec, self->loading_spec) != 0 ? g_strdup (spec) : NULL;
      return;
    }

  d = g_new0 (LoadData, 1);
  d->spec = g_strdup (spec);
  {
    BtlConfigPanel *panel = BTL_CONFIG_PANEL (btl_train_page_get_config_panel (self->train_page));
    NnConfig cfg;

    btl_config_panel_get_folder_options (panel, &d->tile, &d->channels);
    btl_config_panel_get_config (panel, &cfg);
    d->val_fraction = cfg.val_split;
    d->seed = cfg.seed;
  }
  self->loading = TRUE;
  g_free (self->loading_spec);
  self->loading_spec = g_strdup (spec);

  {
    g_autofree char *name = dataset_display_name (spec);
    g_autofree char *status = g_strdup_printf (_("Loading %s…"), name);

    g_free (self->status_before_load);
    self->status_before_load = g_strdup (btl_train_page_get_status (self->train_page));
    btl_train_page_set_status (self->train_page, status);
  }
  if (!self->dataset_loaded)
    _btl_window_update_dataset_menu (self);

  task = g_task_new (NULL, self->cancellable, load_done, g_object_ref (self));
  g_task_set_name (task, "[bottleneck] load data set");
  g_task_set_task_data (task, d, load_data_free);
  g_task_run_in_thread (task, load_thread);
  _btl_window_update_actions (self);
}

gboolean
_btl_window_folder_cut_differs (BtlWindow      *self,
                                const NnConfig *cfg)
{
  return self->dataset_loaded && self->dataset_is_folder
         && (cfg->seed != self->dataset_seed || cfg->val_split != self->dataset_val_split);
}

gboolean
btl_window_is_dataset_loaded (BtlWindow *self)
{
  g_return_val_if_fail (BTL_IS_WINDOW (self), FALSE);

  return self->dataset_loaded;
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

static void
close_now (BtlWindow *self,
           gpointer   data)
{
  self->close_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

/* Closing drops the run like opening another model would: it asks first
 * (Discard closes; the training thread then stops within a step, see the
 * Train page's unroot). Quitting the application closes windows this way. */
static gboolean
btl_window_close_request (GtkWindow *window)
{
  BtlWindow *self = BTL_WINDOW (window);
  int width, height;

  if (!self->close_confirmed && btl_train_page_has_unsaved_run (self->train_page))
    {
      _btl_window_confirm_discard (self, _("Closing the window discards it."), close_now, NULL, NULL);
      return TRUE;
    }

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
  g_auto(BtlModelInfo) stats = BTL_MODEL_INFO_INIT;

  /* The codec quantises with the model's own latent ranges when the
   * weights have them (a finished run, an opened file); otherwise the
   * Compress page measures them on training images. */
  btl_compress_page_set_model (self->compress_page, model, snapshot,
                               btl_train_page_get_latent_stats (page, &stats) ? &stats : NULL);
  /* The Latent and Inspect pages take the same weights (they re-encode and
   * re-score in their own threads, only while shown). */
  if (test != NULL)
    btl_latent_page_follow (self->latent_page, model, snapshot, test);
  if (test != NULL && self->train_data != NULL)
    btl_inspect_page_follow (self->inspect_page, model, snapshot, self->train_data, test);
}

/* A model or project file dropped on the window opens it (asking first
 * when that drops an unsaved run). */
static gboolean
open_dropped_model (BtlWindow    *self,
                    const GValue *value)
{
  GFile *file = NULL;
  g_autofree char *path = NULL;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));

      file = files != NULL ? files->data : NULL;
      g_slist_free (files);
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    file = g_value_get_object (value);
  if (file == NULL || (path = g_file_get_path (file)) == NULL)
    return FALSE;
  if (!g_str_has_suffix (path, ".btl") && !g_str_has_suffix (path, BTL_PROJECT_EXTENSION)
      && !btl_project_file_sniff (path))
    return FALSE;
  btl_window_open_model (self, file);
  return TRUE;
}

/* A picture dropped anywhere on the window goes to the Compress page (the
 * page's own drop target takes drops on it first); a model or project file
 * is opened. */
static gboolean
on_window_drop (GtkDropTarget *target,
                const GValue  *value,
                double         x,
                double         y,
                BtlWindow     *self)
{
  if (open_dropped_model (self, value))
    return TRUE;
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
  _btl_window_update_actions (self);
}

static void
btl_window_dispose (GObject *object)
{
  BtlWindow *self = BTL_WINDOW (object);

  /* No gtk_widget_dispose_template() here: GtkWindow already destroys its
   * titlebar and child, and unparenting them again is a critical. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->settings);
  _btl_window_clear_discard (self);

  G_OBJECT_CLASS (btl_window_parent_class)->dispose (object);
}

static void
btl_window_finalize (GObject *object)
{
  BtlWindow *self = BTL_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->dataset_spec, g_free);
  g_clear_pointer (&self->loading_spec, g_free);
  g_clear_pointer (&self->next_dataset, g_free);
  g_clear_pointer (&self->status_before_load, g_free);
  g_clear_pointer (&self->train_data, btl_dataset_unref);
  g_clear_object (&self->title_box);

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
  gtk_widget_class_bind_template_child (widget_class, BtlWindow, dataset_choices);
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

/* A new tile size or colour choice for the picture folder in use: load it
 * again, and the Train page takes the new input shape (the panel freezes
 * these controls while a run uses the folder). */
static void
on_folder_options_changed (BtlWindow *self)
{
  /* While loading, load_done() notices the options changed meanwhile. */
  if (!self->loading && self->dataset_spec != NULL
      && btl_train_page_get_state (self->train_page) == BTL_TRAIN_STATE_IDLE)
    btl_window_load_dataset (self, self->dataset_spec);
}

static void
btl_window_init (BtlWindow *self)
{
  self->created_us = g_get_monotonic_time ();
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  btl_a11y_fix_mnemonic_names (GTK_WIDGET (self));

  {
    GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
    GType types[] = BTL_COMPRESS_PAGE_DROP_TYPES;

    gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
    g_signal_connect (drop, "drop", G_CALLBACK (on_window_drop), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  }

  _btl_window_add_actions (self);
  _btl_window_update_dataset_menu (self);
  g_signal_connect_swapped (btl_train_page_get_config_panel (self->train_page),
                            "folder-options-changed", G_CALLBACK (on_folder_options_changed), self);
}

BtlWindow *
btl_window_new (BtlApplication *application)
{
  static const char *save_project_accels[] = { "<Primary><Shift>s", NULL };

  /* The project's shortcut lives with the project actions (this file
   * family) rather than in the application's table. */
  if (application != NULL)
    gtk_application_set_accels_for_action (GTK_APPLICATION (application), "win.save-project",
                                            save_project_accels);
  return g_object_new (BTL_TYPE_WINDOW, "application", application, NULL);
}

BtlTrainPage *
btl_window_get_train_page (BtlWindow *self)
{
  g_return_val_if_fail (BTL_IS_WINDOW (self), NULL);

  return self->train_page;
}

/* btl-application.c — BtlApplication.
 *
 * Besides the usual (actions, accelerators, settings, About) it carries three
 * hidden command-line options used by tests, the README screenshot and the
 * frame-interval benchmark: --train (start training once the data set is
 * loaded), --screenshot FILE (render the window to a PNG, then quit) and
 * --bench-frames SECONDS (train at full speed while the window redraws every
 * frame; print the frame-interval percentiles, then quit). They live in
 * btl-automation.c.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "btl-application.h"
#include "btl-automation.h"
#include "btl-config-panel.h"
#include "btl-training-worker.h"
#include "btl-window.h"

struct _BtlApplication
{
  GtkApplication  parent_instance;

  /* owned */
  GSettings      *settings;
  BtlAutomation  *automation;    /* hidden options, NULL when none given */
  char           *dataset;       /* --dataset, overrides the setting */
  int             train_limit;   /* --train-limit, -1 = setting */
};

G_DEFINE_FINAL_TYPE (BtlApplication, btl_application, GTK_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "dataset", 'd', 0, G_OPTION_ARG_STRING, NULL,
    N_("Data set: “fashion-mnist” or a folder of IDX files"), N_("SPEC") },
  { "train-limit", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("Train on the first N training images only"), N_("N") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { "train", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL, NULL, NULL },
  { "screenshot", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL, NULL, NULL },
  { "screenshot-delay", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_DOUBLE, NULL, NULL, NULL },
  { "bench-frames", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_DOUBLE, NULL, NULL, NULL },
  { "bench-idle", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL, NULL, NULL },
  { NULL }
};

static GSettings *
create_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* An uninstalled build without GSETTINGS_SCHEMA_DIR has no schema:
   * g_settings_new() would abort, so run without memory instead. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_printerr (_("bottleneck: settings schema %s not installed; nothing will be remembered\n"),
                  APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static int
btl_application_handle_local_options (GApplication *app,
                                      GVariantDict *options)
{
  BtlApplication *self = BTL_APPLICATION (app);
  const char *screenshot = NULL;
  const char *dataset = NULL;
  double delay = 0, bench = 0;
  gboolean train = FALSE;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "dataset", "&s", &dataset))
    self->dataset = g_strdup (dataset);
  if (!g_variant_dict_lookup (options, "train-limit", "i", &self->train_limit))
    self->train_limit = -1;
  else if (self->train_limit < 0)
    {
      g_printerr ("%s\n", _("bottleneck: --train-limit must be 0 or more"));
      return 1;
    }

  train = g_variant_dict_contains (options, "train");
  g_variant_dict_lookup (options, "screenshot", "^&ay", &screenshot);
  g_variant_dict_lookup (options, "screenshot-delay", "d", &delay);
  g_variant_dict_lookup (options, "bench-frames", "d", &bench);

  if (train || screenshot != NULL || bench > 0)
    {
      self->automation = btl_automation_new (train, screenshot, delay, bench,
                                             g_variant_dict_contains (options, "bench-idle"));
      /* Automation must own its window, not hand it to a running instance. */
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }

  return -1;
}

static BtlWindow *
get_window (BtlApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  BtlWindow *win;
  BtlConfigPanel *panel;

  if (BTL_IS_WINDOW (window))
    return BTL_WINDOW (window);

  win = btl_window_new (self);
  panel = BTL_CONFIG_PANEL (btl_train_page_get_config_panel (btl_window_get_train_page (win)));
  if (self->train_limit >= 0)
    btl_config_panel_set_train_limit (panel, self->train_limit);

  if (self->dataset != NULL)
    btl_window_load_dataset (win, self->dataset);
  else if (self->settings != NULL)
    {
      g_autofree char *spec = g_settings_get_string (self->settings, "dataset");

      btl_window_load_dataset (win, spec[0] ? spec : "fashion-mnist");
    }
  else
    btl_window_load_dataset (win, "fashion-mnist");

  if (self->automation != NULL)
    btl_automation_attach (self->automation, win);

  return win;
}

static void
btl_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (get_window (BTL_APPLICATION (app))));
}

static void
btl_application_open (GApplication  *app,
                      GFile        **files,
                      int            n_files,
                      const char    *hint)
{
  BtlWindow *win = get_window (BTL_APPLICATION (app));

  /* One window shows one model: the last file named wins. Presented
   * first: opening may ask about an unsaved run, above the window. */
  gtk_window_present (GTK_WINDOW (win));
  if (n_files > 0)
    btl_window_open_model (win, files[n_files - 1]);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  const char *developers[] = { _("The Bottleneck developers"), NULL };
  GtkApplication *app = user_data;

  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "program-name", _("Bottleneck"),
                         "logo-icon-name", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Train autoencoders and watch them learn"),
                         "website", "https://github.com/bottleneck/bottleneck",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", developers,
                         /* Translators: your names, one per line */
                         "translator-credits", _("translator-credits"),
                         "copyright", _("© 2026 The Bottleneck developers"),
                         NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows;

  /* A window with an unsaved run is closed as a person closes it: it asks
   * first, and Discard closes it (Cancel keeps the application running).
   * Not under automation (--screenshot, --bench-frames), which must never
   * wait for an answer. */
  if (BTL_APPLICATION (app)->automation == NULL)
    {
      g_autolist(GtkWindow) all = NULL;

      for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
        all = g_list_prepend (all, g_object_ref (l->data));

      /* (Destroying a window twice, as a transient of one before, is a no-op.) */
      for (GList *l = all; l != NULL; l = l->next)
        if (BTL_IS_WINDOW (l->data) && btl_window_has_unsaved_run (l->data))
          gtk_window_close (l->data);
        else
          gtk_window_destroy (l->data);
      return;
    }

  /* Destroying the windows stops their training threads; each worker holds
   * the application until its thread has been joined, so the process exits
   * cleanly a step later instead of killing a thread mid-GEMM. */
  while ((windows = gtk_application_get_windows (app)) != NULL)
    gtk_window_destroy (windows->data);
}

static const GActionEntry app_entries[] = {
  { "about", about_action },
  { "quit", quit_action },
};

static void
btl_application_startup (GApplication *app)
{
  BtlApplication *self = BTL_APPLICATION (app);
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Primary>q", NULL } },
    { "win.open", { "<Primary>o", NULL } },
    { "win.save", { "<Primary>s", NULL } },
    { "win.train", { "<Primary>Return", NULL } },
    { "win.step", { "<Primary>period", NULL } },
    { "win.show-help-overlay", { "<Primary>question", NULL } },
    { "window.close", { "<Primary>w", NULL } },
  };

  G_APPLICATION_CLASS (btl_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries, G_N_ELEMENTS (app_entries), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);

  gtk_css_provider_load_from_resource (css, RESOURCE_PREFIX "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_window_set_default_icon_name (APP_ID);

  self->settings = create_settings ();
}

static void
btl_application_shutdown (GApplication *app)
{
  /* Normally every run has ended by now (each holds the application); after
   * g_application_quit() or a signal some may not have: join them, so no
   * training thread is inside BLAS while the process exits. */
  btl_training_worker_join_all ();

  G_APPLICATION_CLASS (btl_application_parent_class)->shutdown (app);
}

static void
btl_application_finalize (GObject *object)
{
  BtlApplication *self = BTL_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->automation, btl_automation_free);
  g_clear_pointer (&self->dataset, g_free);

  G_OBJECT_CLASS (btl_application_parent_class)->finalize (object);
}

static void
btl_application_class_init (BtlApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = btl_application_finalize;
  app_class->handle_local_options = btl_application_handle_local_options;
  app_class->startup = btl_application_startup;
  app_class->shutdown = btl_application_shutdown;
  app_class->activate = btl_application_activate;
  app_class->open = btl_application_open;
}

static void
btl_application_init (BtlApplication *self)
{
  self->train_limit = -1;
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[MODEL.btl]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Train autoencoders and watch them learn."));
}

BtlApplication *
btl_application_new (void)
{
  return g_object_new (BTL_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", RESOURCE_PREFIX,
                       NULL);
}

GSettings *
btl_application_get_settings (BtlApplication *self)
{
  g_return_val_if_fail (BTL_IS_APPLICATION (self), NULL);

  return self->settings;
}

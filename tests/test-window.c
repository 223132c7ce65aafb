/* test-window.c — the explorer window, in process, under Xvfb.
 *
 * Builds the real application and window, loads the data set from
 * BTL_DATA_DIR, trains on a small subset, and checks what a person would see:
 * loss points arrive, the reconstruction grid refreshes from snapshots,
 * pause holds the step count, single step advances it by one, a live
 * learning-rate change is marked on the plot, a bad value is refused in
 * place, Stop ends the run, a model round-trips through a .btl file, and
 * closing the window mid-training stops the worker thread cleanly.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <math.h>

#include "btl-application.h"
#include "btl-config-panel.h"
#include "btl-image-folder.h"
#include "btl-model-file.h"
#include "btl-train-page.h"
#include "btl-window.h"
#include "ui-test-util.h"

#define TIMEOUT_MS 20000

typedef struct
{
  BtlApplication *app;
  BtlWindow      *window;
  BtlTrainPage   *page;
  BtlConfigPanel *panel;
} Fixture;

static gboolean
dataset_loaded (gpointer data)
{
  return btl_window_is_dataset_loaded (data);
}

static guint
n_steps (Fixture *f)
{
  return btl_loss_history_get_n_steps (btl_train_page_get_history (f->page));
}

typedef struct { Fixture *f; guint n; } StepsAtLeast;

static gboolean
steps_at_least (gpointer data)
{
  StepsAtLeast *s = data;

  return n_steps (s->f) >= s->n;
}

static gboolean
grid_refreshed (gpointer data)
{
  Fixture *f = data;

  return btl_train_page_get_n_grid_refreshes (f->page) >= 2;
}

static gboolean
is_idle (gpointer data)
{
  Fixture *f = data;

  return btl_train_page_get_state (f->page) == BTL_TRAIN_STATE_IDLE;
}

static gboolean
psnr_measured (gpointer label)
{
  return g_str_has_suffix (gtk_label_get_text (label), " dB");
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
set_spin (Fixture *f, const char *key, double value)
{
  GtkWidget *w = btl_config_panel_get_control (f->panel, key);

  g_assert_true (GTK_IS_SPIN_BUTTON (w));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), value);
}

static void
set_text (Fixture *f, const char *key, const char *text)
{
  GtkWidget *w = btl_config_panel_get_control (f->panel, key);

  g_assert_true (GTK_IS_EDITABLE (w));
  gtk_editable_set_text (GTK_EDITABLE (w), text);
}

static gboolean
action_enabled (Fixture *f, const char *name)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (f->window), name);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;

  /* A small, quick run; the memory backend is shared with the app. */
  g_settings_reset (settings, "config");
  g_settings_set_int (settings, "train-limit", 3000);

  f->app = btl_application_new ();
  g_application_set_flags (G_APPLICATION (f->app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_assert_true (g_application_register (G_APPLICATION (f->app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (f->app));

  f->window = BTL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  g_assert_true (BTL_IS_WINDOW (f->window));
  f->page = btl_window_get_train_page (f->window);
  f->panel = BTL_CONFIG_PANEL (btl_train_page_get_config_panel (f->page));

  g_assert_true (spin_until (dataset_loaded, f->window, TIMEOUT_MS));
  set_spin (f, "epochs", 3);
  set_spin (f, "batch", 32);
  g_assert_true (btl_config_panel_is_valid (f->panel));
  g_assert_true (action_enabled (f, "train"));
}

static gboolean
both_null (gpointer data)
{
  gpointer *p = data;

  return p[0] == NULL && p[1] == NULL;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gpointer gone[2] = { f->window, f->page };
  GList *windows;

  /* Background work (data set loading, PSNR evaluation, the training
   * thread) holds the window or the page: wait until both are finalized,
   * so no thread is still inside BLAS when the process exits. */
  for (guint i = 0; i < 2; i++)
    if (gone[i] != NULL)
      g_object_add_weak_pointer (G_OBJECT (gone[i]), &gone[i]);
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (f->app))) != NULL)
    gtk_window_destroy (windows->data);
  g_assert_true (spin_until (both_null, gone, TIMEOUT_MS));
  g_clear_object (&f->app);
}

/* The data set menu marks spec as the one in use (its radio item's state)
 * and lists n choices; the header button reads "Data set: name". */
static void
assert_dataset_menu (Fixture *f, const char *spec, int n, const char *name)
{
  GtkMenuButton *button = GTK_MENU_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (f->window), BTL_TYPE_WINDOW, "dataset_button"));
  GMenuModel *choices = G_MENU_MODEL (gtk_widget_get_template_child (GTK_WIDGET (f->window), BTL_TYPE_WINDOW, "dataset_choices"));
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (f->window), "dataset");
  g_autoptr(GVariant) target = NULL;
  g_autofree char *a11y = g_strdup_printf ("Data set: %s", name);
  GtkWidget *toggle = gtk_widget_get_first_child (GTK_WIDGET (button));

  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, spec);
  g_assert_cmpint (g_menu_model_get_n_items (choices), ==, n);
  target = g_menu_model_get_item_attribute_value (choices, n - 1, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE_STRING);
  g_assert_nonnull (target);
  /* The last choice is the one in use (Fashion-MNIST, or the folder after it). */
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, spec);
  g_assert_cmpstr (gtk_menu_button_get_label (button), ==, name);
  gtk_test_accessible_assert_property (button, GTK_ACCESSIBLE_PROPERTY_LABEL, a11y);
  g_assert_true (GTK_IS_TOGGLE_BUTTON (toggle));
  gtk_test_accessible_assert_property (toggle, GTK_ACCESSIBLE_PROPERTY_LABEL, a11y);
  /* …and not labelled by the name as well (read "Data set: X X"). */
  g_assert_false (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (toggle),
                                                    GTK_ACCESSIBLE_RELATION_LABELLED_BY));
}

static void
test_window_shell (Fixture *f, gconstpointer data)
{
  GtkWidget *w = GTK_WIDGET (f->window);

  gtk_widget_set_visible (w, TRUE);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (w)), ==, "Bottleneck");
  /* Nothing to pause, step or stop before training. */
  g_assert_false (action_enabled (f, "pause"));
  g_assert_false (action_enabled (f, "step"));
  g_assert_false (action_enabled (f, "stop"));
  g_assert_false (action_enabled (f, "save"));
  /* No Difference before any model (nothing to compare). */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page), BTL_TYPE_TRAIN_PAGE, "show_difference"))));
  /* No empty progress bar before any model: the status line has its room. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page), BTL_TYPE_TRAIN_PAGE, "progress"))));
  /* No curve to export yet (it exported the placeholder text). */
  g_assert_false (action_enabled (f, "export-plot"));
  g_assert_true (action_enabled (f, "export-grid"));
  g_assert_true (action_enabled (f, "open"));
  g_assert_null (btl_train_page_get_message (f->page));
  assert_dataset_menu (f, "fashion-mnist", 1, "Fashion-MNIST");
  /* Spin buttons in the sidebar pass the wheel to the sidebar until
   * focused (scrolling past Epochs changed it): a capture-phase scroll
   * controller before their own. */
  g_assert_true (has_capture_scroll (btl_config_panel_get_control (f->panel, "epochs")));
  /* A note (a file saved while training) uses the message bar. */
  btl_train_page_show_note (f->page, "Saved “m.btl”");
  g_assert_cmpstr (btl_train_page_get_message (f->page), ==, "Saved “m.btl”");
  btl_train_page_show_message (f->page, NULL);
  g_assert_null (btl_train_page_get_message (f->page));
  /* The shortcuts window comes from the resource bundle. */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (f->window), "show-help-overlay"));
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (f->window)));
}

/* GTK 4.8 names a button "_Log Log" from its label property and its
 * mnemonic label: the window leaves only the label (buttons) or sets the
 * label without the underscore (check buttons); and it leaves the button
 * inside a drop-down unnamed. Returns how many it saw. */
static guint
check_mnemonic_names (GtkWidget *widget)
{
  guint n = 0;

  /* A widget named by a label (mnemonic-widget) and by a label property
   * of its own is read with both ("Picture colours Picture colours"). */
  if (!GTK_IS_BUTTON (widget) && !GTK_IS_CHECK_BUTTON (widget))
    {
      GList *labels = gtk_widget_list_mnemonic_labels (widget);

      if (labels != NULL && gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget),
                                                              GTK_ACCESSIBLE_PROPERTY_LABEL))
        g_error ("%s (labelled “%s”) also has a label property", G_OBJECT_TYPE_NAME (widget),
                 gtk_label_get_text (labels->data));
      g_list_free (labels);
    }

  if (GTK_IS_BUTTON (widget) && gtk_button_get_use_underline (GTK_BUTTON (widget))
      && gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
    {
      g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget),
                                                        GTK_ACCESSIBLE_PROPERTY_LABEL));
      n++;
    }
  else if (GTK_IS_CHECK_BUTTON (widget) && gtk_check_button_get_use_underline (GTK_CHECK_BUTTON (widget))
           && gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)) != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)), "_", -1);
      g_autofree char *plain = g_strjoinv ("", parts);

      gtk_test_accessible_assert_property (widget, GTK_ACCESSIBLE_PROPERTY_LABEL, plain);
      n++;
    }
  else if (GTK_IS_DROP_DOWN (widget))
    {
      /* The toggle button inside has the focus: it is named like the
       * drop-down, not "GtkToggleButton". */
      GtkWidget *toggle = gtk_widget_get_first_child (widget);

      g_assert_true (GTK_IS_TOGGLE_BUTTON (toggle));
      g_assert_true (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (toggle),
                                                       GTK_ACCESSIBLE_RELATION_LABELLED_BY));
      n++;
    }
  else if (GTK_IS_NOTEBOOK (widget))
    {
      /* Each tab is named like its label, not "Tab". */
      for (int i = 0; i < gtk_notebook_get_n_pages (GTK_NOTEBOOK (widget)); i++)
        {
          GtkWidget *label = gtk_notebook_get_tab_label (GTK_NOTEBOOK (widget),
                                                         gtk_notebook_get_nth_page (GTK_NOTEBOOK (widget), i));

          gtk_test_accessible_assert_property (gtk_widget_get_parent (label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                               gtk_label_get_text (GTK_LABEL (label)));
          n++;
        }
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    n += check_mnemonic_names (c);
  return n;
}

static void
test_window_accessible_names (Fixture *f, gconstpointer data)
{
  GtkWidget *log_scale = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page), BTL_TYPE_TRAIN_PAGE, "log_scale"));

  /* Train, Latent, Compress and Inspect pages all have some (12 drop-downs). */
  g_assert_cmpuint (check_mnemonic_names (GTK_WIDGET (f->window)), >=, 25);
  /* A label set later is named right too. */
  g_assert_true (GTK_IS_TOGGLE_BUTTON (log_scale));
  gtk_button_set_label (GTK_BUTTON (log_scale), "_Logarithmic");
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (log_scale),
                                                    GTK_ACCESSIBLE_PROPERTY_LABEL));
}

static void
test_window_refuses_bad_values (Fixture *f, gconstpointer data)
{
  NnConfig cfg;

  set_text (f, "lr", "-1");
  /* The old value stays, but the sidebar no longer shows what would be
   * trained: Train is off until the field is corrected. */
  g_assert_false (btl_config_panel_get_config (f->panel, &cfg));
  g_assert_cmpfloat (cfg.lr, >, 0);
  g_assert_true (gtk_widget_has_css_class (btl_config_panel_get_control (f->panel, "lr"), "error"));
  g_assert_false (action_enabled (f, "train"));

  set_text (f, "lr", "2e-3");
  g_assert_true (btl_config_panel_get_config (f->panel, &cfg));
  g_assert_cmpfloat_with_epsilon (cfg.lr, 2e-3, 1e-9);
  g_assert_false (gtk_widget_has_css_class (btl_config_panel_get_control (f->panel, "lr"), "error"));
  g_assert_true (action_enabled (f, "train"));

  /* A sparsity weight that cannot be read: the weight field is marked
   * (the drop-down beside it showed nothing), Train is off. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (btl_config_panel_get_control (f->panel, "sparsity")), 1);
  set_text (f, "sparsity_param", "abc");
  g_assert_true (gtk_widget_has_css_class (btl_config_panel_get_control (f->panel, "sparsity_param"), "error"));
  g_assert_false (action_enabled (f, "train"));
  set_text (f, "sparsity_param", "1e-3");
  g_assert_false (gtk_widget_has_css_class (btl_config_panel_get_control (f->panel, "sparsity_param"), "error"));
  g_assert_true (action_enabled (f, "train"));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (btl_config_panel_get_control (f->panel, "sparsity")), 0);

  /* An architecture that does not fit the 28×28 input: Train is off and
   * the reason shows under the architecture. */
  set_text (f, "arch", "100-50-10");
  g_assert_false (btl_config_panel_is_valid (f->panel));
  g_assert_false (action_enabled (f, "train"));
  g_assert_true (gtk_widget_has_css_class (btl_config_panel_get_control (f->panel, "arch"), "error"));
  /* Not even the syntax: refused, the old value stays. */
  set_text (f, "arch", "784-abc");
  btl_config_panel_get_config (f->panel, &cfg);
  g_assert_cmpstr (cfg.arch, ==, "100-50-10");
  /* A refused syntax after a valid architecture: still no Train with the
   * old one while the field shows another. */
  set_text (f, "arch", "784-32");
  g_assert_true (action_enabled (f, "train"));
  set_text (f, "arch", "784-abc");
  g_assert_false (action_enabled (f, "train"));

  set_text (f, "arch", "784-64-16");
  g_assert_true (btl_config_panel_get_config (f->panel, &cfg));
  g_assert_cmpstr (cfg.arch, ==, "784-64-16");
  /* The latent spin follows the architecture, and the other way round. */
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (btl_config_panel_get_control (f->panel, "latent"))), ==, 16);
  set_spin (f, "latent", 8);
  btl_config_panel_get_config (f->panel, &cfg);
  g_assert_cmpstr (cfg.arch, ==, "784-64-8");
  g_assert_true (action_enabled (f, "train"));
}

static void
test_window_train_pause_step_stop (Fixture *f, gconstpointer data)
{
  StepsAtLeast s = { f, 5 };
  BtlLossHistory *history = btl_train_page_get_history (f->page);
  BtlLossMarker marker;
  NnConfig cfg;
  float lr_before;
  guint before, after;

  /* A run long enough to be paused, stepped, resumed and stopped while it
   * trains: 3 epochs of 3,000 images end in well under a second on a quiet
   * machine (before the second grid refresh). */
  set_spin (f, "epochs", 200);

  /* Typed in Batch size, not entered yet, then Ctrl+Return: the run takes
   * what the field shows, and the field, now frozen, loses the focus. */
  {
    GtkWidget *batch = btl_config_panel_get_control (f->panel, "batch");
    GtkWidget *focus;

    g_assert_true (gtk_widget_grab_focus (batch));
    gtk_editable_set_text (GTK_EDITABLE (batch), "48");
    btl_config_panel_get_config (f->panel, &cfg);
    g_assert_cmpint (cfg.batch, ==, 32);
    g_action_group_activate_action (G_ACTION_GROUP (f->window), "train", NULL);
    g_assert_cmpint (nn_model_get_config (btl_training_worker_get_model (btl_train_page_get_worker (f->page)))->batch, ==, 48);
    focus = gtk_root_get_focus (GTK_ROOT (f->window));
    g_assert_true (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (f->panel)));
  }
  g_assert_cmpint (btl_train_page_get_state (f->page), ==, BTL_TRAIN_STATE_RUNNING);
  g_assert_false (action_enabled (f, "train"));
  g_assert_true (action_enabled (f, "stop"));
  g_assert_true (action_enabled (f, "pause"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page), BTL_TYPE_TRAIN_PAGE, "progress"))));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page), BTL_TYPE_TRAIN_PAGE, "show_difference"))));

  /* Plot points and at least two grid refreshes from snapshots. */
  g_assert_true (spin_until (steps_at_least, &s, TIMEOUT_MS));
  g_assert_true (spin_until (grid_refreshed, f, TIMEOUT_MS));

  /* Pause: the step count holds once the last queued records are in. */
  g_action_group_change_action_state (G_ACTION_GROUP (f->window), "pause", g_variant_new_boolean (TRUE));
  g_assert_cmpint (btl_train_page_get_state (f->page), ==, BTL_TRAIN_STATE_PAUSED);
  g_assert_true (action_enabled (f, "step"));
  spin_for (300);
  before = n_steps (f);
  spin_for (300);
  g_assert_cmpuint (n_steps (f), ==, before);

  /* Single step: exactly one more. */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "step", NULL);
  s.n = before + 1;
  g_assert_true (spin_until (steps_at_least, &s, TIMEOUT_MS));
  spin_for (200);
  g_assert_cmpuint (n_steps (f), ==, before + 1);

  /* Resume. */
  g_action_group_change_action_state (G_ACTION_GROUP (f->window), "pause", g_variant_new_boolean (FALSE));
  g_assert_cmpint (btl_train_page_get_state (f->page), ==, BTL_TRAIN_STATE_RUNNING);
  s.n = before + 4;
  g_assert_true (spin_until (steps_at_least, &s, TIMEOUT_MS));

  /* Live learning-rate change: accepted, marked on the plot. */
  g_assert_cmpuint (btl_loss_history_get_n_markers (history), ==, 0);
  btl_config_panel_get_config (f->panel, &cfg);
  lr_before = cfg.lr;
  set_text (f, "lr", "3");
  set_text (f, "lr", "3e-4");
  /* Typing alone does not reach the run (no stop at lr = 3 on the way)… */
  g_assert_cmpuint (btl_loss_history_get_n_markers (history), ==, 0);
  btl_config_panel_get_config (f->panel, &cfg);
  g_assert_cmpfloat (cfg.lr, ==, lr_before);
  /* …Enter does. */
  g_signal_emit_by_name (btl_config_panel_get_control (f->panel, "lr"), "activate");
  btl_config_panel_get_config (f->panel, &cfg);
  g_assert_cmpfloat_with_epsilon (cfg.lr, 3e-4, 1e-9);
  g_assert_cmpuint (btl_loss_history_get_n_markers (history), ==, 1);
  btl_loss_history_get_marker (history, 0, &marker);
  g_assert_nonnull (strstr (marker.label, "0.0003"));
  g_assert_cmpint (marker.step, >=, (gint64) before);
  /* A refused value changes nothing and adds no marker. */
  set_text (f, "lr", "fast");
  g_signal_emit_by_name (btl_config_panel_get_control (f->panel, "lr"), "activate");
  g_assert_cmpuint (btl_loss_history_get_n_markers (history), ==, 1);
  g_assert_true (gtk_widget_has_css_class (btl_config_panel_get_control (f->panel, "lr"), "error"));
  set_text (f, "lr", "3e-4");
  /* The frozen keys are frozen. */
  g_assert_false (gtk_widget_get_sensitive (btl_config_panel_get_control (f->panel, "arch")));
  g_assert_true (gtk_widget_get_sensitive (btl_config_panel_get_control (f->panel, "lr")));

  /* Stop acts within a step. */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "stop", NULL);
  g_assert_true (spin_until (is_idle, f, 5000));
  after = n_steps (f);
  spin_for (200);
  g_assert_cmpuint (n_steps (f), ==, after);
  g_assert_true (action_enabled (f, "train"));
  g_assert_true (action_enabled (f, "save"));
  g_assert_null (btl_train_page_get_message (f->page));

  /* Between runs the status line's tooltip has it whole (it can be cut). */
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page), BTL_TYPE_TRAIN_PAGE, "status_label"))),
                   ==, btl_train_page_get_status (f->page));

  /* Continue the same model for one more epoch: the history grows on. */
  {
    g_autoptr(GError) error = NULL;
    BtlTrainingWorker *worker = btl_train_page_get_worker (f->page);
    int done = btl_training_worker_epochs_done (worker);

    GtkLabel *psnr = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (f->page), BTL_TYPE_TRAIN_PAGE, "psnr_label"));
    gint64 t0;

    /* The finished run's weights have been measured (or are being). */
    g_assert_true (spin_until (psnr_measured, psnr, 10000));
    g_assert_true (btl_train_page_continue (f->page, 1, &error));
    g_assert_no_error (error);
    g_assert_cmpint (btl_train_page_get_state (f->page), ==, BTL_TRAIN_STATE_RUNNING);
    /* The test PSNR is of the current run's weights only: none for the
     * first second (the next measurement starts 3 s after the last one
     * did; a measurement of the previous weights that lands meanwhile is
     * not shown). */
    t0 = g_get_monotonic_time ();
    while (btl_train_page_get_state (f->page) != BTL_TRAIN_STATE_IDLE
           && g_get_monotonic_time () - t0 < G_USEC_PER_SEC)
      {
        g_assert_cmpstr (gtk_label_get_text (psnr), ==, "Test PSNR —");
        g_main_context_iteration (NULL, FALSE);
      }
    g_assert_true (spin_until (is_idle, f, 60000));
    g_assert_true (spin_until (psnr_measured, psnr, 10000));
    g_assert_true (btl_train_page_get_worker (f->page) == worker);
    g_assert_cmpint (btl_training_worker_epochs_done (worker), ==, done + 1);
    g_assert_cmpuint (n_steps (f), >, after);
    g_assert_cmpuint (btl_loss_history_get_n_epochs (history), >=, 1);
    g_assert_cmpint (btl_loss_history_get_best_epoch (history), >=, 0);
  }

  /* Fashion-MNIST chosen again from the data set menu: nothing to load,
   * and the model trained on it stays (loading dropped it). */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "dataset",
                                  g_variant_new_string ("fashion-mnist"));
  g_assert_true (btl_train_page_has_model (f->page));
  g_assert_true (action_enabled (f, "save"));
  g_assert_true (action_enabled (f, "dataset"));
}

static gboolean
has_epoch (gpointer data)
{
  Fixture *f = data;

  return btl_loss_history_get_n_epochs (btl_train_page_get_history (f->page)) >= 1;
}

static void
test_window_save_open (Fixture *f, gconstpointer data)
{
  StepsAtLeast s = { f, 20 };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bottleneck-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "m.btl", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.btl", NULL);
  g_autofree char *csv = g_build_filename (dir, "loss.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bad_file = g_file_new_for_path (bad);
  guint steps;

  g_assert_no_error (error);
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "train", NULL);
  g_assert_true (spin_until (steps_at_least, &s, TIMEOUT_MS));
  g_assert_true (action_enabled (f, "export-plot"));

  /* Saving while training takes the latest snapshot. */
  g_assert_true (btl_train_page_save_model (f->page, path, &error));
  g_assert_no_error (error);
  /* A finished epoch, for the epoch count a re-save must keep (below). */
  g_assert_true (spin_until (has_epoch, f, TIMEOUT_MS));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "stop", NULL);
  g_assert_true (spin_until (is_idle, f, 5000));
  /* Each epoch's test PSNR was measured on that epoch's weights: never the
   * one before it again (short epochs repeated a stale value). */
  {
    BtlLossHistory *h = btl_train_page_get_history (f->page);

    for (guint i = 1; i < btl_loss_history_get_n_epochs (h); i++)
      {
        BtlLossEpoch a, b;

        btl_loss_history_get_epoch (h, i - 1, &a);
        btl_loss_history_get_epoch (h, i, &b);
        g_assert_true (isnan (b.test_psnr) || b.test_psnr != a.test_psnr);
      }
  }
  g_assert_true (btl_train_page_save_model (f->page, path, &error));
  g_assert_no_error (error);
  /* …and, stopped, it carries the latent statistics the worker measured
   * when the run ended (the codec's quantiser ranges), like the CLI's. */
  {
    g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
    NnModel *saved = btl_model_file_load (path, NULL, &info, &error);

    g_assert_no_error (error);
    g_assert_cmpint (info.latent_dim, ==, nn_model_latent_dim (saved));
    for (int d = 0; d < info.latent_dim; d++)
      {
        g_assert_true (isfinite (info.latent_mean[d]) && isfinite (info.latent_std[d]));
        g_assert_cmpfloat (info.latent_min[d], <=, info.latent_mean[d]);
        g_assert_cmpfloat (info.latent_mean[d], <=, info.latent_max[d]);
        g_assert_cmpfloat (info.latent_std[d], >=, 0);
      }
    nn_model_free (saved);
  }
  g_assert_true (btl_train_page_export_plot (f->page, csv, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (csv, G_FILE_TEST_IS_REGULAR));
  steps = n_steps (f);

  /* A damaged file: a message in the window, the app keeps its model. */
  g_assert_true (g_file_set_contents (bad, "BTLMODEL and then nonsense", -1, NULL));
  btl_window_open_model (f->window, bad_file);
  g_assert_nonnull (btl_train_page_get_message (f->page));
  g_assert_nonnull (strstr (btl_train_page_get_message (f->page), "bad.btl"));
  g_assert_cmpuint (n_steps (f), ==, steps);

  /* The good file brings back its history and shows reconstructions. */
  btl_window_open_model (f->window, file);
  g_assert_null (btl_train_page_get_message (f->page));
  /* …and its latent statistics, which the Compress page quantises with. */
  {
    g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;

    g_assert_true (btl_train_page_get_latent_stats (f->page, &info));
    g_assert_cmpint (info.latent_dim, >, 0);
  }
  g_assert_cmpuint (n_steps (f), ==, steps);
  g_assert_true (btl_train_page_has_model (f->page));
  g_assert_true (action_enabled (f, "save"));
  g_assert_true (action_enabled (f, "export-plot"));

  /* Saved again, the opened model keeps its epoch count (the worker that
   * took it over had trained none itself: it said "0 epochs"). */
  {
    g_auto(BtlModelInfo) first = BTL_MODEL_INFO_INIT;
    g_auto(BtlModelInfo) again = BTL_MODEL_INFO_INIT;
    g_autofree char *path2 = g_build_filename (dir, "m2.btl", NULL);
    NnModel *m;

    m = btl_model_file_load (path, NULL, &first, &error);
    g_assert_no_error (error);
    nn_model_free (m);
    g_assert_cmpint (first.epochs_trained, >=, 1);
    g_assert_true (btl_train_page_save_model (f->page, path2, &error));
    g_assert_no_error (error);
    m = btl_model_file_load (path2, NULL, &again, &error);
    g_assert_no_error (error);
    nn_model_free (m);
    g_assert_cmpint (again.epochs_trained, ==, first.epochs_trained);
    g_unlink (path2);
  }

  /* Continued, the opened model (no trainer state: its trainer counts
   * from 0) goes on from the file's epochs and steps, in the status line
   * as on the plot: "Epoch 3 of 3", not "Epoch 1 of 1" after 2 epochs. */
  {
    BtlLossHistory *h = btl_train_page_get_history (f->page);
    guint e0 = btl_loss_history_get_n_epochs (h), n0 = btl_loss_history_get_n_steps (h);
    g_autofree char *epoch_text = g_strdup_printf ("Epoch %u of %u", e0 + 1, e0 + 1);
    g_autofree char *finished = g_strdup_printf ("Finished %u epochs", e0 + 1);
    BtlLossEpoch e;
    BtlLossStep a, b;
    gboolean seen = FALSE;

    g_assert_cmpuint (e0, >=, 1);
    g_assert_true (btl_train_page_continue (f->page, 1, &error));
    g_assert_no_error (error);
    while (btl_train_page_get_state (f->page) != BTL_TRAIN_STATE_IDLE)
      {
        const char *status = btl_train_page_get_status (f->page);

        if (g_str_has_prefix (status, "Epoch"))
          {
            g_assert_true (g_str_has_prefix (status, epoch_text));
            seen = TRUE;
          }
        g_main_context_iteration (NULL, TRUE);
      }
    g_assert_true (seen);
    g_assert_true (g_str_has_prefix (btl_train_page_get_status (f->page), finished));
    g_assert_cmpuint (btl_loss_history_get_n_epochs (h), ==, e0 + 1);
    btl_loss_history_get_epoch (h, e0, &e);
    g_assert_cmpint (e.epoch, ==, e0);
    /* The steps go on too (they started again at 1 on the plot). */
    g_assert_cmpuint (btl_loss_history_get_n_steps (h), >, n0);
    btl_loss_history_get_step (h, n0 - 1, &a);
    btl_loss_history_get_step (h, n0, &b);
    g_assert_cmpint (b.step, ==, a.step + 1);
    g_assert_cmpint (b.epoch, ==, e0);
  }

  g_unlink (path);
  g_unlink (bad);
  g_unlink (csv);
  g_rmdir (dir);
}

static void
test_window_vae_beta_live (Fixture *f, gconstpointer data)
{
  StepsAtLeast s = { f, 5 };
  BtlLossHistory *history = btl_train_page_get_history (f->page);
  GtkWidget *kind = btl_config_panel_get_control (f->panel, "kind");
  BtlLossMarker marker;
  BtlLossStep step;
  NnConfig cfg;

  /* Variational: the regulariser (KL) is reported beside the reconstruction. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (kind), 3);
  g_assert_true (btl_config_panel_get_config (f->panel, &cfg));
  g_assert_cmpint (cfg.kind, ==, NN_KIND_VAE);

  g_action_group_activate_action (G_ACTION_GROUP (f->window), "train", NULL);
  g_assert_true (spin_until (steps_at_least, &s, TIMEOUT_MS));
  btl_loss_history_get_step (history, btl_loss_history_get_n_steps (history) - 1, &step);
  g_assert_cmpfloat (step.reg, >, 0);
  g_assert_cmpfloat_with_epsilon (step.recon + step.reg, step.train, 1e-4 * step.train + 1e-6);

  /* β changes live, marked on the plot. */
  set_text (f, "beta", "0.5");
  g_signal_emit_by_name (btl_config_panel_get_control (f->panel, "beta"), "activate");
  g_assert_cmpuint (btl_loss_history_get_n_markers (history), ==, 1);
  btl_loss_history_get_marker (history, 0, &marker);
  g_assert_nonnull (strstr (marker.label, "0.5"));

  g_action_group_activate_action (G_ACTION_GROUP (f->window), "stop", NULL);
  g_assert_true (spin_until (is_idle, f, 10000));
  g_assert_null (btl_train_page_get_message (f->page));
}


static gboolean
input_height_is (gpointer data)
{
  gpointer *p = data;
  NnConfig cfg;

  btl_config_panel_get_config (((Fixture *) p[0])->panel, &cfg);
  return cfg.in_height == GPOINTER_TO_INT (p[1]);
}

/* A folder of pictures: the panel shows its tile size and colours, and a new
 * tile size or colour choice reloads the folder with the new input shape. */
static gboolean
has_message (gpointer data)
{
  Fixture *f = data;

  return btl_train_page_get_message (f->page) != NULL;
}

/* Whether the Train page's test images are the folder's tiles as the CLI
 * cuts them for a run of this configuration (its seed, its split), seed
 * given; 0 = the configuration's. */
static gboolean
cut_like_cli (Fixture    *f,
              const char *dir,
              guint64     seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) train = NULL;
  g_autoptr(BtlDataset) val = NULL;
  g_autoptr(BtlDataset) test = NULL;
  BtlDataset *shown = btl_train_page_get_test_dataset (f->page);
  BtlImageFolderOptions opts;
  NnConfig cfg;
  int tile, channels;

  g_assert_true (btl_config_panel_get_config (f->panel, &cfg));
  btl_config_panel_get_folder_options (f->panel, &tile, &channels);
  btl_image_folder_options_init_for_run (&opts, tile, tile, channels, cfg.val_split,
                                         seed != 0 ? seed : cfg.seed);
  g_assert_true (btl_image_folder_load_with_validation (dir, &opts, &train, &val, &test, NULL, &error));
  g_assert_no_error (error);
  return shown != NULL && shown->n == test->n && btl_dataset_dim (shown) == btl_dataset_dim (test)
         && memcmp (shown->images, test->images, sizeof (float) * (gsize) test->n * btl_dataset_dim (test)) == 0;
}

/* The data set is in and nothing else is on its way. */
static gboolean
is_loaded_not_loading (gpointer data)
{
  Fixture *f = data;
  const char *status = btl_train_page_get_status (f->page);

  return btl_window_is_dataset_loaded (f->window) && !g_str_has_prefix (status, "Loading");
}

static gboolean
is_training (gpointer data)
{
  Fixture *f = data;

  return btl_train_page_get_state (f->page) != BTL_TRAIN_STATE_IDLE;
}

static void
test_window_picture_folder (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bottleneck-pics-XXXXXX", &error);
  GtkWidget *tile = btl_config_panel_get_control (f->panel, "folder_tile");
  GtkWidget *colours = btl_config_panel_get_control (f->panel, "folder_channels");
  gpointer wait[2] = { f, GINT_TO_POINTER (32) };
  NnConfig cfg;

  g_assert_no_error (error);
  g_assert_false (gtk_widget_get_visible (tile));
  for (int i = 0; i < 6; i++)
    {
      g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 80, 64);
      g_autofree char *name = g_strdup_printf ("p%d.png", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      guchar *px = gdk_pixbuf_get_pixels (pb);
      int stride = gdk_pixbuf_get_rowstride (pb);

      for (int y = 0; y < 64; y++)
        for (int x = 0; x < 80; x++)
          {
            px[y * stride + 3 * x] = (guchar) (x * 3 + i * 20);
            px[y * stride + 3 * x + 1] = (guchar) (y * 4);
            px[y * stride + 3 * x + 2] = (guchar) ((x + y) * 2);
          }
      g_assert_true (gdk_pixbuf_save (pb, path, "png", &error, NULL));
      g_assert_no_error (error);
    }

  /* Cut with the configuration's seed, as the CLI cuts it for a run (it
   * was cut with seed 1 whatever the configuration said). */
  set_spin (f, "seed", 7);
  btl_window_load_dataset (f->window, dir);
  g_assert_true (spin_until (input_height_is, wait, TIMEOUT_MS));
  g_assert_true (cut_like_cli (f, dir, 0));
  g_assert_false (cut_like_cli (f, dir, 1));
  g_assert_true (gtk_widget_get_visible (tile));
  g_assert_true (gtk_widget_get_visible (colours));
  btl_config_panel_get_config (f->panel, &cfg);
  g_assert_cmpint (cfg.in_width, ==, 32);
  g_assert_cmpint (cfg.in_channels, ==, 3);   /* automatic: colour pictures */
  {
    g_autofree char *base = g_path_get_basename (dir);

    assert_dataset_menu (f, dir, 2, base);
  }

  /* Gray 16×16 tiles. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (colours), 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (tile), 16);
  wait[1] = GINT_TO_POINTER (16);
  g_assert_true (spin_until (input_height_is, wait, TIMEOUT_MS));
  btl_config_panel_get_config (f->panel, &cfg);
  g_assert_cmpint (cfg.in_width, ==, 16);
  g_assert_cmpint (cfg.in_channels, ==, 1);
  g_assert_null (btl_train_page_get_message (f->page));

  g_assert_true (cut_like_cli (f, dir, 0));

  /* It trains, validating on held-out pictures (one epoch). With another
   * seed, Train cuts the folder for it first (a project made here then
   * continues on the same tiles in the CLI, and the other way round). */
  set_spin (f, "epochs", 1);
  set_spin (f, "seed", 9);
  g_assert_false (cut_like_cli (f, dir, 0));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "train", NULL);
  g_assert_true (g_str_has_prefix (btl_train_page_get_status (f->page), "Loading"));
  g_assert_true (spin_until (is_training, f, TIMEOUT_MS));
  g_assert_true (spin_until (is_idle, f, 60000));
  g_assert_true (cut_like_cli (f, dir, 0));

  /* Saved as a project, and opened while the folder in use was cut for
   * another seed: the project's cut (seed 9) comes back. */
  {
    g_autofree char *proj = g_build_filename (dir, "run.btlproj", NULL);
    g_autoptr(GFile) proj_file = g_file_new_for_path (proj);

    btl_window_save_project (f->window, proj_file);
    g_assert_true (g_file_test (proj, G_FILE_TEST_IS_REGULAR));
    set_spin (f, "seed", 3);
    btl_window_load_dataset (f->window, dir);
    g_assert_true (spin_until (is_loaded_not_loading, f, TIMEOUT_MS));
    g_assert_true (cut_like_cli (f, dir, 3));
    btl_window_open_project (f->window, proj_file);
    g_assert_null (btl_window_get_discard_dialog (f->window));
    g_assert_true (spin_until (is_loaded_not_loading, f, TIMEOUT_MS));
    g_assert_true (btl_train_page_has_model (f->page));
    g_assert_true (cut_like_cli (f, dir, 9));
    g_unlink (proj);
  }
  g_assert_null (btl_train_page_get_message (f->page));
  {
    BtlLossHistory *history = btl_train_page_get_history (f->page);
    BtlLossEpoch e;

    g_assert_cmpuint (btl_loss_history_get_n_epochs (history), ==, 1);
    btl_loss_history_get_epoch (history, 0, &e);
    g_assert_true (isfinite (e.val));
  }

  /* Back to the IDX data set: the folder's controls go away. */
  btl_window_load_dataset (f->window, "fashion-mnist");
  wait[1] = GINT_TO_POINTER (28);
  g_assert_true (spin_until (input_height_is, wait, TIMEOUT_MS));
  g_assert_false (gtk_widget_get_visible (tile));
  assert_dataset_menu (f, "fashion-mnist", 1, "Fashion-MNIST");

  for (int i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%d.png", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }

  /* The folder, now empty, cannot be loaded: a message, and the data set
   * in use stays, status line included (it said "Loading …" for good). */
  {
    g_autofree char *status = g_strdup (btl_train_page_get_status (f->page));

    g_assert_null (btl_train_page_get_message (f->page));
    /* As a project made on 32×32 colour tiles sets it, before its data set
     * (here the empty folder) is loaded. */
    btl_config_panel_set_input_shape (f->panel, 3, 32, 32);
    btl_window_load_dataset (f->window, dir);
    g_assert_cmpstr (btl_train_page_get_status (f->page), !=, status);
    g_assert_true (spin_until (has_message, f, TIMEOUT_MS));
    g_assert_cmpstr (btl_train_page_get_status (f->page), ==, status);
    btl_config_panel_get_config (f->panel, &cfg);
    g_assert_cmpint (cfg.in_height, ==, 28);
    g_assert_true (action_enabled (f, "train"));
  }
  g_rmdir (dir);
}

/* A diverging run ends with an in-window message naming the cause, the
 * window keeps working, and training can be started again. */
static void
test_window_diverged (Fixture *f, gconstpointer data)
{
  const char *message;

  set_text (f, "lr", "1e6");
  g_assert_true (btl_config_panel_is_valid (f->panel));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "train", NULL);
  g_assert_true (spin_until (is_idle, f, 60000));
  message = btl_train_page_get_message (f->page);
  g_assert_nonnull (message);
  g_test_message ("message: %s", message);
  g_assert_nonnull (strstr (message, "diverged"));
  g_assert_nonnull (strstr (message, "learning rate"));

  /* A sane rate trains again. */
  set_text (f, "lr", "1e-3");
  g_assert_true (action_enabled (f, "train"));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "train", NULL);
  g_assert_cmpint (btl_train_page_get_state (f->page), ==, BTL_TRAIN_STATE_RUNNING);
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "stop", NULL);
  g_assert_true (spin_until (is_idle, f, 10000));
}

/* The button labelled label (with its mnemonic) below widget, or NULL. */
static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Answers the window's question about its unsaved run as a person would:
 * the button labelled label ("_Cancel", "_Discard", "_Save…"). */
static void
answer (BtlWindow  *window,
        const char *label)
{
  GtkWindow *dialog = btl_window_get_discard_dialog (window);
  GtkWidget *button;

  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_modal (dialog));
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (window));
  button = find_button (GTK_WIDGET (dialog), label);
  g_assert_nonnull (button);
  /* (Discard may close the window.) */
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  g_signal_emit_by_name (button, "clicked");
  if (window != NULL)
    {
      g_assert_null (btl_window_get_discard_dialog (window));
      g_object_remove_weak_pointer (G_OBJECT (window), (gpointer *) &window);
    }
}

/* The question's explanation ("The trained model has not been saved.
 * Opening “m.btl” discards it."). */
static char *
question_text (BtlWindow *window)
{
  char *text = NULL;

  g_assert_nonnull (btl_window_get_discard_dialog (window));
  g_object_get (btl_window_get_discard_dialog (window), "secondary-text", &text, NULL);
  return text;
}

static gboolean
file_chooser_shown (gpointer data)
{
  GtkWindow **out = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        {
          *out = w;
          return TRUE;
        }
    }
  return FALSE;
}

/* Drops file on the window as a file manager would. */
static gboolean
drop_file (Fixture *f,
           GFile   *file)
{
  GListModel *controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->window));
  GValue value = G_VALUE_INIT;
  gboolean handled = FALSE, found = FALSE;

  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, file);
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !found; i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (c))
        {
          g_signal_emit_by_name (c, "drop", &value, 10.0, 10.0, &handled);
          found = TRUE;
        }
    }
  g_object_unref (controllers);
  g_value_unset (&value);
  g_assert_true (found);
  return handled;
}

/* Opening, another data set, closing or quitting would drop a run that is
 * training or has not been saved since: the window asks first (Cancel,
 * Discard, Save…); nothing is asked when nothing would be lost. */
static void
test_window_ask_before_discarding (Fixture *f, gconstpointer data)
{
  StepsAtLeast s = { f, 5 };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bottleneck-ask-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "m.btl", NULL);
  g_autofree char *saved = g_build_filename (dir, "saved.btl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  BtlTrainingWorker *worker;
  GtkWindow *chooser = NULL;
  gpointer gone[2];

  g_assert_no_error (error);
  g_assert_false (btl_window_has_unsaved_run (f->window));

  /* Training: unsaved, even once saved (the run goes on). */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "train", NULL);
  g_assert_true (spin_until (steps_at_least, &s, TIMEOUT_MS));
  g_assert_true (btl_train_page_save_model (f->page, path, &error));
  g_assert_no_error (error);
  g_assert_true (btl_window_has_unsaved_run (f->window));
  worker = btl_train_page_get_worker (f->page);

  /* Open… asks; Cancel keeps the run training. */
  btl_window_open_model (f->window, file);
  {
    g_autofree char *text = question_text (f->window);

    g_assert_cmpstr (text, ==, "The model in training has not been saved. Opening “m.btl” discards it.");
  }
  g_assert_true (btl_train_page_get_worker (f->page) == worker);
  answer (f->window, "_Cancel");
  g_assert_cmpint (btl_train_page_get_state (f->page), !=, BTL_TRAIN_STATE_IDLE);
  g_assert_true (btl_train_page_get_worker (f->page) == worker);

  /* A model file dropped on the window asks too; Discard opens it. */
  g_assert_true (drop_file (f, file));
  g_assert_nonnull (btl_window_get_discard_dialog (f->window));
  answer (f->window, "_Discard");
  g_assert_true (btl_train_page_get_worker (f->page) != worker);
  g_assert_cmpint (btl_train_page_get_state (f->page), ==, BTL_TRAIN_STATE_IDLE);
  g_assert_true (g_str_has_prefix (btl_train_page_get_status (f->page), "Opened m.btl"));
  /* Just opened: nothing to lose, nothing asked. */
  g_assert_false (btl_window_has_unsaved_run (f->window));
  btl_window_open_model (f->window, file);
  g_assert_null (btl_window_get_discard_dialog (f->window));

  /* Continued and finished: unsaved. Another data set asks; Cancel loads
   * nothing. */
  g_assert_true (btl_train_page_continue (f->page, 1, &error));
  g_assert_true (spin_until (is_idle, f, 60000));
  g_assert_true (btl_window_has_unsaved_run (f->window));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "dataset", g_variant_new_string (dir));
  g_assert_nonnull (btl_window_get_discard_dialog (f->window));
  answer (f->window, "_Cancel");
  g_assert_true (btl_window_is_dataset_loaded (f->window));
  g_assert_false (g_str_has_prefix (btl_train_page_get_status (f->page), "Loading"));
  g_assert_true (btl_train_page_has_model (f->page));

  /* Save… opens the Save Model chooser; the data set is loaded only once
   * the model is saved (cancelled here: nothing happens). The saving itself
   * was looked at in the real window (a chooser driven from here does not
   * respond under Xvfb). */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "dataset", g_variant_new_string (dir));
  answer (f->window, "_Save…");
  g_assert_true (spin_until (file_chooser_shown, &chooser, 5000));
  g_assert_cmpstr (gtk_window_get_title (chooser), ==, "Save Model");
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  spin_for (200);
  g_assert_false (g_str_has_prefix (btl_train_page_get_status (f->page), "Loading"));
  g_assert_true (btl_window_has_unsaved_run (f->window));
  /* Saved from the menu instead, nothing is asked. */
  g_assert_true (btl_train_page_save_model (f->page, saved, &error));
  g_assert_no_error (error);
  g_assert_false (btl_window_has_unsaved_run (f->window));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "dataset", g_variant_new_string (dir));
  g_assert_null (btl_window_get_discard_dialog (f->window));
  g_assert_true (spin_until (has_message, f, TIMEOUT_MS));   /* no pictures there */
  g_assert_true (btl_train_page_has_model (f->page));
  btl_train_page_show_message (f->page, NULL);

  /* Trained again: Quit asks; Cancel keeps the window, Discard closes it.
   * (A question asked while the run trains says so, and follows it when
   * the run ends meanwhile.) */
  g_assert_true (btl_train_page_continue (f->page, 1, &error));
  btl_window_open_model (f->window, file);
  {
    g_autofree char *text = question_text (f->window);

    g_assert_true (g_str_has_prefix (text, "The model in training"));
  }
  g_assert_true (spin_until (is_idle, f, 60000));
  {
    g_autofree char *text = question_text (f->window);

    g_assert_true (g_str_has_prefix (text, "The trained model has not been saved."));
  }
  answer (f->window, "_Cancel");
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  {
    g_autofree char *text = question_text (f->window);

    g_assert_cmpstr (text, ==, "The trained model has not been saved. Closing the window discards it.");
  }
  answer (f->window, "_Cancel");
  g_assert_nonnull (gtk_application_get_windows (GTK_APPLICATION (f->app)));
  gone[0] = f->window;
  gone[1] = f->page;
  g_object_add_weak_pointer (G_OBJECT (f->window), &gone[0]);
  g_object_add_weak_pointer (G_OBJECT (f->page), &gone[1]);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  answer (f->window, "_Discard");
  f->window = NULL;
  f->page = NULL;
  g_assert_true (spin_until (both_null, gone, TIMEOUT_MS));
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (f->app)));

  g_unlink (path);
  g_unlink (saved);
  g_rmdir (dir);
}

static void
test_window_close_mid_training (Fixture *f, gconstpointer data)
{
  StepsAtLeast s = { f, 3 };
  BtlTrainingWorker *worker;
  BtlTrainPage *page;

  g_action_group_activate_action (G_ACTION_GROUP (f->window), "train", NULL);
  g_assert_true (spin_until (steps_at_least, &s, TIMEOUT_MS));

  worker = btl_train_page_get_worker (f->page);
  g_assert_true (BTL_IS_TRAINING_WORKER (worker));
  g_object_add_weak_pointer (G_OBJECT (worker), (gpointer *) &worker);

  page = f->page;
  g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &page);
  /* Closed as a person closes it: the window asks about the run in
   * training; Cancel keeps it going, Discard closes. */
  gtk_window_close (GTK_WINDOW (f->window));
  {
    g_autofree char *text = question_text (f->window);

    g_assert_true (g_str_has_prefix (text, "The model in training has not been saved."));
  }
  answer (f->window, "_Cancel");
  g_assert_true (btl_training_worker_is_running (worker));
  g_assert_nonnull (gtk_application_get_windows (GTK_APPLICATION (f->app)));
  gtk_window_close (GTK_WINDOW (f->window));
  answer (f->window, "_Discard");
  f->window = NULL;
  f->page = NULL;

  /* The thread stops within a step and the worker is freed. */
  {
    gint64 t0 = g_get_monotonic_time ();
    gboolean ok;

    /* Within a step (plus a grid decode or PSNR run in flight); the
     * generous limit is for machines far busier than ours. */
    while (worker != NULL && g_get_monotonic_time () - t0 < 2 * G_USEC_PER_SEC)
      g_main_context_iteration (NULL, FALSE);
    if (worker != NULL)
      g_test_message ("after 2 s the worker is still %s with %u references",
                      btl_training_worker_is_running (worker) ? "running" : "stopped",
                      G_OBJECT (worker)->ref_count);
    ok = spin_until (is_null, &worker, 30000);
    g_test_message ("worker freed %.1f s after the window closed",
                    (g_get_monotonic_time () - t0) / 1e6);
    g_assert_true (ok);
  }
  /* …and nothing keeps the page (and its buffers) alive. */
  g_assert_true (spin_until (is_null, &page, 5000));
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (f->app)));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/app/window/shell", test_window_shell);
  ADD ("/app/window/accessible-names", test_window_accessible_names);
  ADD ("/app/window/refuses-bad-values", test_window_refuses_bad_values);
  ADD ("/app/window/train-pause-step-stop", test_window_train_pause_step_stop);
  ADD ("/app/window/save-open", test_window_save_open);
  ADD ("/app/window/vae-beta-live", test_window_vae_beta_live);
  ADD ("/app/window/picture-folder", test_window_picture_folder);
  ADD ("/app/window/diverged", test_window_diverged);
  ADD ("/app/window/ask-before-discarding", test_window_ask_before_discarding);
  ADD ("/app/window/close-mid-training", test_window_close_mid_training);
#undef ADD

  return g_test_run ();
}

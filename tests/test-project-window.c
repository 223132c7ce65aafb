/* test-project-window.c — project files in the real window, under Xvfb.
 *
 * Trains a tiny run, saves it as a .btlproj, opens it in a second window
 * (which loads the project's data set itself) and checks that the window
 * comes back as it was: configuration, training-image limit, plot points,
 * markers and best epoch, status line, title, weights (bit for bit) and a
 * reconstruction grid drawn from them. Then "Re-run and Compare": the new
 * curve is drawn over the saved one and, with the same seed, threads and
 * BLAS, matches it bit for bit; the CSV export carries both. A run with a
 * live learning-rate change re-runs differently, and the verdict says why.
 * A damaged project is refused with a message naming it. A project of
 * another data set, opened as from the command line, loads that first.
 *
 * By hand: BTL_SHOT_LIMIT / BTL_SHOT_EPOCHS make the run longer (for the
 * README screenshot, rerun-compare*.png in the build directory) and
 * BTL_PROJECT_KEEP=FILE keeps a copy of the saved project.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "btl-application.h"
#include "btl-automation.h"
#include "btl-config-panel.h"
#include "btl-latent-page.h"
#include "btl-loss-plot.h"
#include "btl-train-page.h"
#include "btl-window.h"
#include "btl-window-private.h"
#include "ui-test-util.h"

#define TIMEOUT_MS 60000

typedef struct
{
  BtlApplication *app;
  BtlWindow      *window;
  BtlTrainPage   *page;
  BtlConfigPanel *panel;
  char           *dir;
} Fixture;

static gboolean
dataset_loaded (gpointer data)
{
  return btl_window_is_dataset_loaded (data);
}

static gboolean
page_idle (gpointer data)
{
  return btl_train_page_get_state (data) == BTL_TRAIN_STATE_IDLE;
}

/* A re-run may start a moment after its action (the window can queue it
 * behind work still finishing): wait for its verdict, not just for idleness. */
static gboolean
rerun_decided (gpointer data)
{
  return btl_train_page_get_state (data) == BTL_TRAIN_STATE_IDLE &&
         btl_train_page_get_rerun_verdict (data, NULL) != BTL_RERUN_RUNNING;
}

static gboolean
page_has_model_and_grid (gpointer data)
{
  return btl_train_page_has_model (data) && btl_train_page_get_n_grid_refreshes (data) >= 1;
}

static gboolean
steps_at_least_5 (gpointer data)
{
  return btl_loss_history_get_n_steps (btl_train_page_get_history (data)) >= 5;
}

typedef struct { BtlTrainPage *page; guint n; } StepsAtLeast;

static gboolean
steps_at_least (gpointer data)
{
  StepsAtLeast *s = data;

  return btl_loss_history_get_n_steps (btl_train_page_get_history (s->page)) >= s->n;
}

/* The run's size: tiny by default; BTL_SHOT_LIMIT and BTL_SHOT_EPOCHS make
 * a longer one for the README screenshot. */
static int
env_int (const char *name,
         int         fallback)
{
  const char *v = g_getenv (name);

  return v != NULL && atoi (v) > 0 ? atoi (v) : fallback;
}

typedef struct
{
  GtkWidget *window;
  char      *path;
  GError    *error;
  gboolean   done;
} Shot;

/* Right after a frame is painted the window's render node is complete:
 * render it then (while a run redraws the plot, a snapshot taken at a
 * random moment may find nothing drawn). */
static void
shot_after_paint (GdkFrameClock *clock,
                  Shot          *shot)
{
  if (shot->done)
    return;
  btl_widget_save_png (shot->window, shot->path, &shot->error);
  shot->done = TRUE;
}

static gboolean
shot_done (gpointer data)
{
  return ((Shot *) data)->done;
}

static void
save_shot (BtlWindow  *window,
           const char *name)
{
  Shot shot = { GTK_WIDGET (window), NULL, NULL, FALSE };
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  gulong id;

  shot.path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                name, NULL);
  g_assert_nonnull (clock);
  spin_for (300);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (shot_after_paint), &shot);
  gtk_widget_queue_draw (GTK_WIDGET (window));
  g_assert_true (spin_until (shot_done, &shot, 5000));
  g_signal_handler_disconnect (clock, id);
  g_assert_no_error (shot.error);
  g_free (shot.path);
}

static gboolean
latent_has_code (gpointer data)
{
  return btl_latent_page_get_latent_dim (data) == 32;
}

static void
set_spin (BtlConfigPanel *panel, const char *key, double value)
{
  GtkWidget *w = btl_config_panel_get_control (panel, key);

  g_assert_true (GTK_IS_SPIN_BUTTON (w));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), value);
}

static char *
panel_config_text (BtlConfigPanel *panel)
{
  NnConfig cfg;
  size_t len;
  char *text;

  g_assert_true (btl_config_panel_get_config (panel, &cfg));
  len = nn_config_format (&cfg, NULL, 0);
  text = g_malloc (len + 1);
  nn_config_format (&cfg, text, len + 1);
  return text;
}

static GBytes *
history_bytes (BtlTrainPage *page)
{
  return btl_loss_history_to_bytes (btl_train_page_get_history (page));
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;

  g_settings_reset (settings, "config");
  g_settings_set_int (settings, "train-limit", env_int ("BTL_SHOT_LIMIT", 1500));

  f->dir = g_dir_make_tmp ("bottleneck-project-XXXXXX", &error);
  g_assert_no_error (error);

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
  set_spin (f->panel, "epochs", env_int ("BTL_SHOT_EPOCHS", 2));
  set_spin (f->panel, "batch", 50);
  set_spin (f->panel, "seed", 7);
  g_assert_true (btl_config_panel_is_valid (f->panel));
}

static gboolean
all_null (gpointer data)
{
  GPtrArray *gone = data;

  for (guint i = 0; i < gone->len; i++)
    if (g_ptr_array_index (gone, i) != NULL)
      return FALSE;
  return TRUE;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  g_autoptr(GDir) dir = NULL;
  const char *name;
  GList *windows;

  /* Wait until every window and page is finalized: no thread may still be
   * inside BLAS when the process exits. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l; l = l->next)
    {
      g_ptr_array_add (gone, l->data);
      g_ptr_array_add (gone, btl_window_get_train_page (l->data));
    }
  for (guint i = 0; i < gone->len; i++)
    g_object_add_weak_pointer (G_OBJECT (g_ptr_array_index (gone, i)), &gone->pdata[i]);
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (f->app))) != NULL)
    gtk_window_destroy (windows->data);
  g_assert_true (spin_until (all_null, gone, TIMEOUT_MS));
  g_clear_object (&f->app);

  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static void
train_to_end (BtlWindow *window, BtlTrainPage *page)
{
  g_action_group_activate_action (G_ACTION_GROUP (window), "train", NULL);
  g_assert_cmpint (btl_train_page_get_state (page), ==, BTL_TRAIN_STATE_RUNNING);
  g_assert_true (spin_until (page_idle, page, TIMEOUT_MS));
  g_assert_null (btl_train_page_get_message (page));
}

static gboolean
action_enabled (BtlWindow *window, const char *name)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (window), name);
}

static GtkWidget *
template_child (GtkWidget *widget, GType type, const char *name)
{
  GObject *child = gtk_widget_get_template_child (widget, type, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static void
test_save_open_rerun (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "tiny-run.btlproj", NULL);
  g_autofree char *csv = g_build_filename (f->dir, "loss.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GBytes) saved_history = NULL;
  g_autoptr(GBytes) opened_history = NULL;
  g_autofree char *saved_config = NULL;
  g_autofree char *opened_config = NULL;
  g_autofree char *saved_status = NULL;
  g_autofree float *saved_params = NULL;
  g_autofree char *csv_text = NULL;
  g_autoptr(GError) error = NULL;
  BtlWindow *win2;
  BtlTrainPage *page2;
  BtlConfigPanel *panel2;
  NnModel *model;
  size_t n_params;
  const char *verdict_text = NULL;
  GtkWidget *title;
  int min_before = 0;

  g_assert_false (action_enabled (f->window, "save-project"));
  g_assert_false (action_enabled (f->window, "rerun"));
  train_to_end (f->window, f->page);
  g_assert_true (action_enabled (f->window, "save-project"));

  /* Smoothing and the log axis are part of the window that comes back. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (template_child (GTK_WIDGET (f->page), BTL_TYPE_TRAIN_PAGE, "log_scale")), TRUE);

  gtk_widget_measure (GTK_WIDGET (f->window), GTK_ORIENTATION_HORIZONTAL, -1, &min_before, NULL, NULL, NULL);
  /* The status line as it was before "Saved project …" replaced it. */
  saved_status = g_strdup (gtk_inscription_get_text (GTK_INSCRIPTION (template_child (GTK_WIDGET (f->page), BTL_TYPE_TRAIN_PAGE, "status_label"))));
  btl_window_save_project (f->window, file);
  g_assert_null (btl_train_page_get_message (f->page));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (btl_train_page_get_project_name (f->page), ==, "tiny-run");
  if (g_getenv ("BTL_PROJECT_KEEP") != NULL)
    {
      /* A copy to try by hand: bottleneck "$BTL_PROJECT_KEEP". */
      g_autoptr(GFile) keep = g_file_new_for_path (g_getenv ("BTL_PROJECT_KEEP"));

      g_assert_true (g_file_copy (file, keep, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "tiny-run — Bottleneck");
  /* The subtitle is cut at the default width: the tooltip has it whole. */
  g_assert_true (g_str_has_prefix (gtk_widget_get_tooltip_text (f->window->title_box),
                                   gtk_label_get_text (f->window->subtitle_label)));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (f->window->title_box), "seed "));

  saved_history = history_bytes (f->page);
  saved_config = panel_config_text (f->panel);
  model = btl_training_worker_get_model (btl_train_page_get_worker (f->page));
  n_params = nn_model_n_params (model);
  saved_params = g_memdup2 (nn_model_params (model), n_params * sizeof (float));
  g_assert_cmpuint (btl_loss_history_get_n_steps (btl_train_page_get_history (f->page)), >, 20);
  g_assert_cmpint (btl_loss_history_get_best_epoch (btl_train_page_get_history (f->page)), >=, 0);

  /* A second window, with no data set yet: opening loads the project's. */
  win2 = btl_window_new (f->app);
  gtk_window_present (GTK_WINDOW (win2));
  page2 = btl_window_get_train_page (win2);
  panel2 = BTL_CONFIG_PANEL (btl_train_page_get_config_panel (page2));
  btl_window_open_model (win2, file);   /* told apart from a .btl by content */
  g_assert_null (btl_train_page_get_message (page2));
  g_assert_true (spin_until (dataset_loaded, win2, TIMEOUT_MS));
  g_assert_true (spin_until (page_has_model_and_grid, page2, TIMEOUT_MS));

  opened_history = history_bytes (page2);
  g_assert_true (g_bytes_equal (opened_history, saved_history));
  opened_config = panel_config_text (panel2);
  g_assert_cmpstr (opened_config, ==, saved_config);
  g_assert_cmpint (btl_config_panel_get_train_limit (panel2), ==, env_int ("BTL_SHOT_LIMIT", 1500));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (template_child (GTK_WIDGET (page2), BTL_TYPE_TRAIN_PAGE, "log_scale"))));
  g_assert_cmpstr (gtk_inscription_get_text (GTK_INSCRIPTION (template_child (GTK_WIDGET (page2), BTL_TYPE_TRAIN_PAGE, "status_label"))), ==, saved_status);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (win2)), ==, "tiny-run — Bottleneck");
  title = gtk_header_bar_get_title_widget (GTK_HEADER_BAR (template_child (GTK_WIDGET (win2), BTL_TYPE_WINDOW, "header_bar")));
  g_assert_nonnull (title);
  /* The weights, bit for bit, are what the other pages get. */
  model = btl_training_worker_get_model (btl_train_page_get_worker (page2));
  g_assert_cmpuint (nn_model_n_params (model), ==, n_params);
  g_assert_cmpmem (nn_model_params (model), n_params * sizeof (float), saved_params, n_params * sizeof (float));
  g_assert_true (action_enabled (win2, "rerun"));
  {
    int min1 = 0, min2 = 0;

    gtk_widget_measure (GTK_WIDGET (f->window), GTK_ORIENTATION_HORIZONTAL, -1, &min1, NULL, NULL, NULL);
    gtk_widget_measure (GTK_WIDGET (win2), GTK_ORIENTATION_HORIZONTAL, -1, &min2, NULL, NULL, NULL);
    g_test_message ("minimum width: %d px before saving, %d px (saved), %d px (opened)",
                    min_before, min1, min2);
  }
  /* The Latent page has the opened weights too (784-512-128-32: a 32-d code). */
  {
    GtkWidget *stack = template_child (GTK_WIDGET (win2), BTL_TYPE_WINDOW, "stack");
    GtkWidget *latent = template_child (GTK_WIDGET (win2), BTL_TYPE_WINDOW, "latent_page");

    gtk_stack_set_visible_child (GTK_STACK (stack), latent);
    g_assert_true (spin_until (latent_has_code, latent, TIMEOUT_MS));
    gtk_stack_set_visible_child (GTK_STACK (stack), GTK_WIDGET (page2));
  }

  /* Re-run and compare: the saved curve stays, the new one is drawn over it. */
  g_action_group_activate_action (G_ACTION_GROUP (win2), "rerun", NULL);
  g_assert_null (btl_train_page_get_message (page2));
  g_assert_cmpint (btl_train_page_get_state (page2), ==, BTL_TRAIN_STATE_RUNNING);
  g_assert_nonnull (btl_train_page_get_reference (page2));
  {
    /* Halfway: the new curve runs along the whole saved one. */
    StepsAtLeast half = { page2, btl_loss_history_get_n_steps (btl_train_page_get_reference (page2)) / 2 };

    g_assert_true (spin_until (steps_at_least, &half, TIMEOUT_MS));
    /* (One main-loop iteration can deliver the last steps and the end of a
     * short run together: then it has its verdict already.) */
    if (btl_train_page_get_state (page2) != BTL_TRAIN_STATE_IDLE)
      g_assert_cmpint (btl_train_page_get_rerun_verdict (page2, NULL), ==, BTL_RERUN_RUNNING);
    save_shot (win2, "rerun-compare-running.png");
  }
  g_assert_true (spin_until (rerun_decided, page2, TIMEOUT_MS));
  g_assert_cmpint (btl_train_page_get_rerun_verdict (page2, &verdict_text), ==, BTL_RERUN_IDENTICAL);
  g_test_message ("verdict: %s", verdict_text);
  g_assert_nonnull (strstr (verdict_text, "bit for bit"));
  {
    g_autoptr(GBytes) rerun_history = history_bytes (page2);
    BtlLossHistory *ref = btl_train_page_get_reference (page2);

    g_assert_cmpuint (btl_loss_history_get_n_steps (ref), >, 20);
    g_assert_true (btl_loss_plot_get_reference (BTL_LOSS_PLOT (template_child (GTK_WIDGET (page2), BTL_TYPE_TRAIN_PAGE, "plot"))) == ref);
    g_assert_true (g_bytes_equal (rerun_history, saved_history) ||
                   btl_loss_history_get_n_steps (btl_train_page_get_history (page2)) ==
                   btl_loss_history_get_n_steps (ref));
  }
  /* Same seed, same threads: the same weights. */
  model = btl_training_worker_get_model (btl_train_page_get_worker (page2));
  g_assert_cmpmem (nn_model_params (model), n_params * sizeof (float), saved_params, n_params * sizeof (float));

  /* The CSV has the saved run's rows too. */
  g_assert_true (btl_train_page_export_plot (page2, csv, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &csv_text, NULL, NULL));
  g_assert_nonnull (strstr (csv_text, "\nstep,"));
  g_assert_nonnull (strstr (csv_text, "\nsaved_step,"));
  g_assert_nonnull (strstr (csv_text, "saved_best_epoch,"));

  /* What a person sees: the overlay and the verdict (kept in the build
   * directory). */
  g_assert_nonnull (strstr (btl_train_page_get_message (page2), "bit for bit"));
  save_shot (win2, "rerun-compare.png");
}

static void
test_live_change_differs (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "live.btlproj", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GtkWidget *lr = btl_config_panel_get_control (f->panel, "lr");
  const char *verdict_text = NULL;

  /* A live learning-rate change is a marker a re-run cannot repeat. */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "train", NULL);
  g_assert_true (spin_until (steps_at_least_5, f->page, TIMEOUT_MS));
  gtk_editable_set_text (GTK_EDITABLE (lr), "0.01");
  g_signal_emit_by_name (lr, "activate");
  g_assert_cmpuint (btl_loss_history_get_n_markers (btl_train_page_get_history (f->page)), ==, 1);
  g_assert_true (spin_until (page_idle, f->page, TIMEOUT_MS));

  btl_window_save_project (f->window, file);
  g_assert_null (btl_train_page_get_message (f->page));

  /* Re-run in the same window: it starts from the saved start lr. */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "rerun", NULL);
  g_assert_true (spin_until (rerun_decided, f->page, TIMEOUT_MS));
  g_assert_cmpint (btl_train_page_get_rerun_verdict (f->page, &verdict_text), ==, BTL_RERUN_DIFFERENT);
  g_test_message ("verdict: %s", verdict_text);
  g_assert_nonnull (strstr (verdict_text, "live change"));
  save_shot (f->window, "rerun-differs.png");
  {
    NnConfig cfg;

    btl_config_panel_get_config (f->panel, &cfg);
    g_assert_cmpfloat (cfg.lr, !=, 0.01f);
  }
}

static void
test_damaged (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "damaged.btlproj", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *contents = NULL;
  gsize len;

  train_to_end (f->window, f->page);
  btl_window_save_project (f->window, file);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  contents[len / 2] ^= 0x40;
  g_assert_true (g_file_set_contents (path, contents, len, NULL));

  /* Refused with a message that names the file; the window keeps its run. */
  btl_window_open_model (f->window, file);
  g_assert_nonnull (btl_train_page_get_message (f->page));
  g_assert_nonnull (strstr (btl_train_page_get_message (f->page), "damaged.btlproj"));
  g_assert_nonnull (strstr (btl_train_page_get_message (f->page), "checksum"));
  g_assert_true (btl_train_page_has_model (f->page));
}

static void
count_loaded (BtlWindow *window,
              guint     *n)
{
  (*n)++;
}

static void
test_other_dataset (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "a.btlproj", NULL);
  g_autofree char *other = g_build_filename (f->dir, "folder-run.btlproj", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) other_file = g_file_new_for_path (other);
  g_autoptr(BtlProject) p = NULL;
  g_autoptr(GError) error = NULL;
  guint loaded = 0;

  if (g_getenv ("BTL_DATA_DIR") == NULL || !g_file_test (g_getenv ("BTL_DATA_DIR"), G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("BTL_DATA_DIR is not a folder");
      return;
    }

  /* The same images by another name (the IDX folder instead of
   * "fashion-mnist"): opening the project loads them first. */
  train_to_end (f->window, f->page);
  btl_window_save_project (f->window, file);
  p = btl_project_load (path, &error);
  g_assert_no_error (error);
  g_free (p->dataset_spec);
  p->dataset_spec = g_strdup (g_getenv ("BTL_DATA_DIR"));
  g_assert_true (btl_project_save (p, other, &error));
  g_assert_no_error (error);

  g_signal_connect (f->window, "dataset-loaded", G_CALLBACK (count_loaded), &loaded);
  /* As from the command line: the application's "open". */
  g_application_open (G_APPLICATION (f->app), &other_file, 1, "");
  g_assert_false (btl_train_page_has_model (f->page));   /* waits for its data */
  g_assert_true (spin_until (page_has_model_and_grid, f->page, TIMEOUT_MS));
  g_assert_cmpuint (loaded, ==, 1);
  g_assert_null (btl_train_page_get_message (f->page));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "folder-run — Bottleneck");
  g_assert_cmpuint (btl_loss_history_get_n_steps (btl_train_page_get_history (f->page)), ==,
                    btl_loss_history_get_n_steps (p->history));
  g_assert_true (action_enabled (f->window, "rerun"));
}

/* The curve of a run: every step's training loss, every epoch's training
 * and validation loss (test PSNR is sampled asynchronously: left out). */
static void
assert_same_curve (BtlLossHistory *a,
                   BtlLossHistory *b)
{
  guint n = btl_loss_history_get_n_steps (a);
  const BtlLossStep *sa = btl_loss_history_peek_steps (a);
  const BtlLossStep *sb = btl_loss_history_peek_steps (b);

  g_assert_cmpuint (btl_loss_history_get_n_steps (b), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (sa[i].step, ==, sb[i].step);
      g_assert_cmpint (sa[i].epoch, ==, sb[i].epoch);
      if (memcmp (&sa[i].train, &sb[i].train, sizeof (double)) != 0)
        g_error ("step %lld: loss %.9g, continued from the project %.9g",
                 (long long) sa[i].step, sa[i].train, sb[i].train);
    }
  g_assert_cmpuint (btl_loss_history_get_n_epochs (b), ==, btl_loss_history_get_n_epochs (a));
  for (guint i = 0; i < btl_loss_history_get_n_epochs (a); i++)
    {
      BtlLossEpoch x, y;

      btl_loss_history_get_epoch (a, i, &x);
      btl_loss_history_get_epoch (b, i, &y);
      g_assert_cmpint (x.step, ==, y.step);
      g_assert_cmpmem (&x.train, sizeof x.train, &y.train, sizeof y.train);
      g_assert_cmpmem (&x.val, sizeof x.val, &y.val, sizeof y.val);
    }
}

/* Opens path in a new window and continues it for `more` epochs. */
static BtlWindow *
open_and_continue (Fixture    *f,
                   GFile      *file,
                   int         more,
                   gboolean    restore_best)
{
  g_autoptr(GError) error = NULL;
  BtlWindow *win = btl_window_new (f->app);
  BtlTrainPage *page = btl_window_get_train_page (win);

  gtk_window_present (GTK_WINDOW (win));
  btl_window_open_model (win, file);
  g_assert_true (spin_until (dataset_loaded, win, TIMEOUT_MS));
  g_assert_true (spin_until (page_has_model_and_grid, page, TIMEOUT_MS));
  g_assert_null (btl_train_page_get_message (page));
  /* Restore Best needs the best epoch's weights, which only the state has. */
  g_assert_true (gtk_widget_get_sensitive (template_child (GTK_WIDGET (page), BTL_TYPE_TRAIN_PAGE,
                                                           "restore_best")) == restore_best);
  g_assert_true (btl_train_page_continue (page, more, &error));
  g_assert_no_error (error);
  g_assert_true (spin_until (page_idle, page, TIMEOUT_MS));
  g_assert_null (btl_train_page_get_message (page));
  return win;
}

/* Train 2 epochs, save, continue 1 in the same window; open the project in
 * another window and continue 1 there: the same curve and weights, bit for
 * bit (the project carries the optimizer state). A project without it (as
 * older files are) continues with a fresh optimizer: the curve jumps. */
static void
test_continue_opened (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "continue.btlproj", NULL);
  g_autofree char *old_path = g_build_filename (f->dir, "no-state.btlproj", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) old_file = g_file_new_for_path (old_path);
  g_autoptr(BtlProject) p = NULL;
  g_autoptr(GError) error = NULL;
  BtlWindow *win2, *win3;
  BtlTrainPage *page2, *page3;
  NnModel *m1, *m2, *m3;
  guint n_saved;
  const BtlLossStep *s1, *s3;

  train_to_end (f->window, f->page);
  btl_window_save_project (f->window, file);
  g_assert_null (btl_train_page_get_message (f->page));
  n_saved = btl_loss_history_get_n_steps (btl_train_page_get_history (f->page));

  p = btl_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (p->trainer_state);
  g_test_message ("project %s: %" G_GSIZE_FORMAT " bytes of trainer state", path,
                  g_bytes_get_size (p->trainer_state));
  g_clear_pointer (&p->trainer_state, g_bytes_unref);
  g_assert_true (btl_project_save (p, old_path, &error));
  g_assert_no_error (error);

  /* The run that never stopped (Continue in the same window). */
  g_assert_true (btl_train_page_continue (f->page, 1, &error));
  g_assert_no_error (error);
  g_assert_true (spin_until (page_idle, f->page, TIMEOUT_MS));

  win2 = open_and_continue (f, file, 1, TRUE);
  page2 = btl_window_get_train_page (win2);
  assert_same_curve (btl_train_page_get_history (f->page), btl_train_page_get_history (page2));
  m1 = btl_training_worker_get_model (btl_train_page_get_worker (f->page));
  m2 = btl_training_worker_get_model (btl_train_page_get_worker (page2));
  g_assert_cmpmem (nn_model_params (m1), nn_model_n_params (m1) * sizeof (float),
                   nn_model_params (m2), nn_model_n_params (m2) * sizeof (float));
  save_shot (win2, "continue-opened.png");
  /* Restore Best: the same epoch's weights in both windows. */
  gtk_widget_activate (template_child (GTK_WIDGET (f->page), BTL_TYPE_TRAIN_PAGE, "restore_best"));
  gtk_widget_activate (template_child (GTK_WIDGET (page2), BTL_TYPE_TRAIN_PAGE, "restore_best"));
  g_assert_cmpmem (nn_model_params (m1), nn_model_n_params (m1) * sizeof (float),
                   nn_model_params (m2), nn_model_n_params (m2) * sizeof (float));

  /* Without the state the loss jumps (a fresh optimizer); the steps go on
   * from the saved ones all the same (the fresh trainer counts from 1, and
   * the plot went back to step 1). */
  win3 = open_and_continue (f, old_file, 1, FALSE);
  page3 = btl_window_get_train_page (win3);
  m3 = btl_training_worker_get_model (btl_train_page_get_worker (page3));
  g_assert_true (memcmp (nn_model_params (m1), nn_model_params (m3),
                         nn_model_n_params (m1) * sizeof (float)) != 0);
  s1 = btl_loss_history_peek_steps (btl_train_page_get_history (f->page));
  s3 = btl_loss_history_peek_steps (btl_train_page_get_history (page3));
  g_test_message ("last saved step %lld: loss %.6f; next step with the state %lld: %.6f; "
                  "with a fresh optimizer (step %lld): %.6f",
                  (long long) s1[n_saved - 1].step, s1[n_saved - 1].train,
                  (long long) s1[n_saved].step, s1[n_saved].train,
                  (long long) s3[n_saved].step, s3[n_saved].train);
  {
    /* The continued epoch, with the state and with a fresh optimizer. */
    guint n1 = btl_loss_history_get_n_steps (btl_train_page_get_history (f->page));
    guint n3 = btl_loss_history_get_n_steps (btl_train_page_get_history (page3));
    double sum1 = 0, sum3 = 0, max1 = 0, max3 = 0, last10 = 0;

    for (guint i = n_saved; i < n1; i++)
      sum1 += s1[i].train, max1 = MAX (max1, s1[i].train);
    for (guint i = n_saved; i < n3; i++)
      sum3 += s3[i].train, max3 = MAX (max3, s3[i].train);
    for (guint i = n_saved - 10; i < n_saved; i++)
      last10 += s1[i].train / 10;
    g_test_message ("continued epoch (%u steps): mean loss %.6f, max %.6f with the state; "
                    "mean %.6f, max %.6f with a fresh optimizer; last 10 saved steps %.6f",
                    n1 - n_saved, sum1 / (n1 - n_saved), max1, sum3 / (n3 - n_saved), max3, last10);
  }
  g_assert_cmpint (s1[n_saved].step, ==, s1[n_saved - 1].step + 1);
  g_assert_cmpint (s3[n_saved].step, ==, s3[n_saved - 1].step + 1);
  save_shot (win3, "continue-opened-fresh.png");

  /* A state for other data (here: another training-image limit) is not
   * applied; the window says so and Continue starts a fresh optimizer. */
  {
    g_autofree char *limit_path = g_build_filename (f->dir, "other-limit.btlproj", NULL);
    g_autoptr(GFile) limit_file = g_file_new_for_path (limit_path);
    g_autoptr(BtlProject) q = btl_project_load (path, &error);
    BtlWindow *win4;
    BtlTrainPage *page4;

    g_assert_no_error (error);
    q->train_limit -= 100;
    g_assert_true (btl_project_save (q, limit_path, &error));
    g_assert_no_error (error);
    win4 = btl_window_new (f->app);
    page4 = btl_window_get_train_page (win4);
    gtk_window_present (GTK_WINDOW (win4));
    btl_window_open_model (win4, limit_file);
    g_assert_true (spin_until (dataset_loaded, win4, TIMEOUT_MS));
    g_assert_true (spin_until (page_has_model_and_grid, page4, TIMEOUT_MS));
    g_assert_nonnull (btl_train_page_get_message (page4));
    g_test_message ("%s", btl_train_page_get_message (page4));
    g_assert_nonnull (strstr (btl_train_page_get_message (page4), "optimizer state does not fit"));
    g_assert_true (btl_train_page_continue (page4, 1, &error));
    g_assert_no_error (error);
    g_assert_true (spin_until (page_idle, page4, TIMEOUT_MS));
    /* A fresh trainer, its steps after the saved ones. */
    g_assert_cmpint (btl_loss_history_peek_steps (btl_train_page_get_history (page4))[n_saved].step, ==,
                     btl_loss_history_peek_steps (btl_train_page_get_history (page4))[n_saved - 1].step + 1);
    g_assert_cmpint (btl_training_worker_epochs_done (btl_train_page_get_worker (page4)), ==, 1);
  }
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/app/project/save-open-rerun", test_save_open_rerun);
  ADD ("/app/project/live-change-differs", test_live_change_differs);
  ADD ("/app/project/damaged", test_damaged);
  ADD ("/app/project/other-dataset", test_other_dataset);
  ADD ("/app/project/continue-opened", test_continue_opened);
#undef ADD

  return g_test_run ();
}

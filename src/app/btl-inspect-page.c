/* btl-inspect-page.c — the Inspect page (see btl-inspect-page.h).
 *
 * Scoring 10 000 test and 10 000 training images takes a second or two of
 * CPU, so it runs in a GTask thread on a private model structure and a
 * snapshot; while training publishes snapshots it is repeated at most every
 * RESCORE_INTERVAL_US and only while the page is on screen. What one
 * threshold shows (summary, per-class rows, gallery) is in
 * btl-inspect-page-views.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-anomaly.h"
#include "btl-app-hold.h"
#include "btl-error.h"
#include "btl-inspect-page-private.h"
#include "btl-latent.h"
#include "btl-metrics.h"

#define RESCORE_INTERVAL_US (10 * G_USEC_PER_SEC)
#define OWN_SIZE 56


G_DEFINE_FINAL_TYPE (BtlInspectPage, btl_inspect_page, GTK_TYPE_WIDGET)

static void request_score (BtlInspectPage *self);

/* ------------------------------------------------------------ helpers */

void
btl_inspect_page_show_message (BtlInspectPage *self,
              const char     *message)
{
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->message_revealer, message != NULL);
  gtk_widget_remove_css_class (gtk_revealer_get_child (self->message_revealer), "note");
}

/* A file written: said in the message bar in its note colours, so a click
 * on Export is not followed by nothing at all. */
static void
show_saved (BtlInspectPage *self,
            const char     *path)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *text = g_strdup_printf (_("Saved “%s”"), name);

  btl_inspect_page_show_message (self, text);
  gtk_widget_add_css_class (gtk_revealer_get_child (self->message_revealer), "note");
}

static void
on_message_close (BtlInspectPage *self)
{
  btl_inspect_page_show_message (self, NULL);
}

/* An RGB texture of a CHW float image, pixels enlarged scale× (nearest). */
static GdkTexture *
texture_from_floats (const float *x,
                     int          channels,
                     int          height,
                     int          width,
                     int          scale)
{
  int w = width * scale, h = height * scale, plane = height * width;
  g_autofree guint8 *rgb = g_new (guint8, (size_t) w * h * 3);
  g_autoptr(GBytes) bytes = NULL;

  for (int yy = 0; yy < h; yy++)
    for (int xx = 0; xx < w; xx++)
      for (int c = 0; c < 3; c++)
        {
          float v = x[(channels == 3 ? c * plane : 0) + (yy / scale) * width + xx / scale];

          rgb[((size_t) yy * w + xx) * 3 + c] = (guint8) ((v >= 0.0f ? MIN (v, 1.0f) : 0.0f) * 255.0f + 0.5f);
        }
  bytes = g_bytes_new_take (g_steal_pointer (&rgb), (size_t) w * h * 3);
  return gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8, bytes, (size_t) w * 3);
}

/* ------------------------------------------------------------ file chooser */

typedef void (*FileFunc) (BtlInspectPage *self, const char *path);

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     BtlInspectPage  *self)
{
  FileFunc func = (FileFunc) g_object_get_data (G_OBJECT (dialog), "func");

  /* A page closed while the dialog was up has nothing left to show it in. */
  if (response == GTK_RESPONSE_ACCEPT && gtk_widget_get_root (GTK_WIDGET (self)) != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        func (self, path);
      else
        btl_inspect_page_show_message (self, _("Only local files can be used"));
    }
  g_object_unref (self);
  g_object_unref (dialog);
}

static void
choose_file (BtlInspectPage *self,
             const char     *title,
             gboolean        save,
             FileFunc        func)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        save ? GTK_FILE_CHOOSER_ACTION_SAVE
                                             : GTK_FILE_CHOOSER_ACTION_OPEN,
                                        save ? _("_Export") : _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  if (save)
    {
      gtk_file_filter_set_name (filter, _("CSV files"));
      gtk_file_filter_add_mime_type (filter, "text/csv");
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "flagged.csv");
    }
  else
    {
      gtk_file_filter_set_name (filter, _("Images"));
      gtk_file_filter_add_pixbuf_formats (filter);
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_set_data (G_OBJECT (dialog), "func", func);
  g_signal_connect (dialog, "response", G_CALLBACK (on_chooser_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ------------------------------------------------------------ scoring task */

typedef struct
{
  NnConfig          cfg;
  NnSnapshot       *snap;
  BtlDataset       *train;
  BtlDataset       *test;
  BtlAnomalyScores *train_scores;
  BtlAnomalyScores *test_scores;
  GApplication     *held;         /* released by score_done */
} ScoreData;

static void
score_data_free (gpointer p)
{
  ScoreData *sd = p;

  nn_snapshot_unref (sd->snap);
  btl_dataset_unref (sd->train);
  btl_dataset_unref (sd->test);
  g_clear_pointer (&sd->train_scores, btl_anomaly_scores_free);
  g_clear_pointer (&sd->test_scores, btl_anomaly_scores_free);
  g_free (sd);
}

static void
score_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ScoreData *sd = task_data;
  NnError nerr = { 0 };
  GError *error = NULL;
  NnModel *model;

  model = nn_model_new (&sd->cfg, &nerr);
  if (model == NULL)
    {
      btl_error_from_nn (nerr.code, &nerr, &error);
      g_task_return_error (task, error);
      return;
    }
  sd->train_scores = btl_anomaly_scores_new (model, sd->snap->params, sd->snap->stats, sd->train,
                                             BTL_ANOMALY_DEFAULT_TRAIN_LIMIT, &error);
  if (sd->train_scores != NULL && !g_cancellable_is_cancelled (cancellable))
    sd->test_scores = btl_anomaly_scores_new (model, sd->snap->params, sd->snap->stats,
                                              sd->test, 0, &error);
  nn_model_free (model);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
score_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(BtlInspectPage) self = user_data;
  ScoreData *sd = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  btl_app_release (g_steal_pointer (&sd->held));
  if (!g_task_propagate_boolean (G_TASK (result), &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    return;   /* from a model that is gone */

  self->scoring = FALSE;
  self->last_score_us = g_get_monotonic_time ();
  gtk_spinner_stop (self->spinner);
  if (error != NULL)
    {
      btl_inspect_page_show_message (self, error->message);
      return;
    }

  g_clear_pointer (&self->train_scores, btl_anomaly_scores_free);
  g_clear_pointer (&self->test_scores, btl_anomaly_scores_free);
  self->train_scores = g_steal_pointer (&sd->train_scores);
  self->test_scores = g_steal_pointer (&sd->test_scores);
  self->default_threshold = btl_anomaly_scores_percentile (self->train_scores,
                                                           BTL_ANOMALY_DEFAULT_PERCENTILE);
  if (!self->threshold_moved)
    self->threshold = self->default_threshold;

  self->updating = TRUE;
  btl_histogram_set_values (self->histogram, self->test_scores->errors, self->test_scores->n, 0);
  btl_histogram_set_threshold (self->histogram, self->threshold);
  self->updating = FALSE;
  gtk_widget_set_sensitive (self->export_button, TRUE);
  gtk_widget_set_sensitive (self->reset_button, TRUE);
  btl_inspect_page_update_threshold_views (self);

  if (self->score_pending)
    request_score (self);
}

static void
start_score (BtlInspectPage *self)
{
  g_autoptr(GTask) task = NULL;
  ScoreData *sd = g_new0 (ScoreData, 1);

  self->score_pending = FALSE;
  self->scoring = TRUE;
  gtk_spinner_start (self->spinner);
  sd->cfg = *nn_model_get_config (self->model);
  sd->snap = nn_snapshot_ref (self->snap);
  sd->train = btl_dataset_ref (self->train);
  sd->test = btl_dataset_ref (self->test);
  /* The page rides in the callback's data, not as the task's source: the
   * task's last reference may go in the pool thread, and a widget must be
   * finalized on the main thread. The process must not exit while the
   * thread is inside BLAS. */
  sd->held = btl_app_hold ();
  task = g_task_new (NULL, self->cancellable, score_done, g_object_ref (self));
  g_task_set_task_data (task, sd, score_data_free);
  g_task_set_name (task, "btl-inspect-score");
  g_task_run_in_thread (task, score_thread);
}

static gboolean
score_timeout_cb (gpointer data)
{
  BtlInspectPage *self = data;

  self->score_timeout_id = 0;
  request_score (self);
  return G_SOURCE_REMOVE;
}

static void
request_score (BtlInspectPage *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->model == NULL)
    return;
  self->score_pending = TRUE;
  if (self->scoring || self->score_timeout_id != 0)
    return;
  /* Hidden pages cost nothing, even for a new model: map () asks again. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  if (self->test_scores != NULL && now - self->last_score_us < RESCORE_INTERVAL_US)
    {
      guint ms = (guint) ((RESCORE_INTERVAL_US - (now - self->last_score_us)) / 1000) + 1;

      self->score_timeout_id = g_timeout_add (ms, score_timeout_cb, self);
      return;
    }
  start_score (self);
}

/* ------------------------------------------------------------ own image, CSV */

gboolean
btl_inspect_page_score_image (BtlInspectPage  *self,
                              const char      *path,
                              double          *error_out,
                              GError         **error)
{
  const NnConfig *cfg;
  g_autofree float *x = NULL;
  g_autofree float *y = NULL;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  NnError nerr = { 0 };
  double mse;
  int scale;

  g_return_val_if_fail (BTL_IS_INSPECT_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->model == NULL)
    {
      g_set_error_literal (error, BTL_ERROR, BTL_ERROR_INVALID, _("There is no model yet"));
      return FALSE;
    }
  cfg = nn_model_get_config (self->model);
  x = btl_latent_load_input (path, cfg->in_channels, cfg->in_height, cfg->in_width, error);
  if (x == NULL)
    return FALSE;
  y = g_new (float, nn_model_input_dim (self->model));
  if (nn_inference_reconstruct (self->inf, self->snap->params, self->snap->stats, x, 1, y,
                                &nerr) != NN_OK)
    return btl_error_from_nn (nerr.code, &nerr, error);
  mse = btl_mse (x, y, (size_t) nn_model_input_dim (self->model));

  scale = MAX (1, OWN_SIZE / MAX (cfg->in_height, cfg->in_width));
  gtk_picture_set_paintable (self->own_picture, NULL);
  {
    g_autoptr(GdkTexture) tx = texture_from_floats (x, cfg->in_channels, cfg->in_height,
                                                    cfg->in_width, scale);
    g_autoptr(GdkTexture) ty = texture_from_floats (y, cfg->in_channels, cfg->in_height,
                                                    cfg->in_width, scale);

    gtk_picture_set_paintable (self->own_picture, GDK_PAINTABLE (tx));
    gtk_picture_set_paintable (self->own_recon_picture, GDK_PAINTABLE (ty));
  }
  g_free (self->own_x);
  self->own_x = g_steal_pointer (&x);
  g_free (self->own_name);
  self->own_name = g_path_get_basename (path);
  g_object_set_data_full (G_OBJECT (self->own_label), "mse",
                          g_strdup (g_ascii_dtostr (buf, sizeof buf, mse)), g_free);
  gtk_widget_set_visible (self->own_box, TRUE);
  btl_inspect_page_update_own_label (self, mse);
  if (error_out != NULL)
    *error_out = mse;
  return TRUE;
}

static void
open_chosen (BtlInspectPage *self,
             const char     *path)
{
  g_autoptr(GError) error = NULL;

  if (!btl_inspect_page_score_image (self, path, NULL, &error))
    btl_inspect_page_show_message (self, error->message);
}

static void
on_open_clicked (BtlInspectPage *self)
{
  if (self->model != NULL)
    choose_file (self, _("Score an Image"), FALSE, open_chosen);
}

gboolean
btl_inspect_page_export_csv (BtlInspectPage  *self,
                             const char      *path,
                             GError         **error)
{
  g_return_val_if_fail (BTL_IS_INSPECT_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->test_scores == NULL)
    {
      g_set_error_literal (error, BTL_ERROR, BTL_ERROR_INVALID,
                           _("The test images have not been scored yet"));
      return FALSE;
    }
  return btl_anomaly_scores_save_csv (self->test_scores, self->threshold, path, error);
}

static void
export_chosen (BtlInspectPage *self,
               const char     *path)
{
  g_autoptr(GError) error = NULL;

  if (!btl_inspect_page_export_csv (self, path, &error))
    btl_inspect_page_show_message (self, error->message);
  else
    show_saved (self, path);
}

static void
on_export_clicked (BtlInspectPage *self)
{
  if (self->test_scores != NULL)
    choose_file (self, _("Export Flagged Images"), TRUE, export_chosen);
}

/* ------------------------------------------------------------ public */

static void
clear_model (BtlInspectPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_handle_id (&self->score_timeout_id, g_source_remove);
  g_clear_handle_id (&self->gallery_idle_id, g_source_remove);
  self->scoring = self->score_pending = FALSE;
  self->threshold_moved = FALSE;
  self->n_flagged = 0;
  gtk_spinner_stop (self->spinner);
  g_clear_pointer (&self->inf, nn_inference_free);
  g_clear_pointer (&self->model, nn_model_free);
  g_clear_pointer (&self->snap, nn_snapshot_unref);
  g_clear_pointer (&self->train, btl_dataset_unref);
  g_clear_pointer (&self->test, btl_dataset_unref);
  g_clear_pointer (&self->train_scores, btl_anomaly_scores_free);
  g_clear_pointer (&self->test_scores, btl_anomaly_scores_free);
  g_clear_pointer (&self->own_x, g_free);
  g_clear_pointer (&self->own_name, g_free);
}

/* Starts over with a model of configuration cfg and weights snap. */
static void
setup (BtlInspectPage *self,
       const NnConfig *cfg,
       NnSnapshot     *snap,
       BtlDataset     *train,
       BtlDataset     *test)
{
  NnError nerr = { 0 };

  clear_model (self);
  btl_inspect_page_show_message (self, NULL);
  gtk_widget_set_visible (self->own_box, FALSE);
  btl_histogram_set_values (self->histogram, NULL, 0, 0);
  btl_image_grid_set_images (self->gallery, NULL, NULL, 0, 1, 1, 1);
  gtk_label_set_text (self->threshold_label, "");
  gtk_widget_set_sensitive (self->export_button, FALSE);
  gtk_widget_set_sensitive (self->reset_button, FALSE);
  btl_inspect_page_build_class_rows (self);
  gtk_widget_set_sensitive (self->root, cfg != NULL && train != NULL && test != NULL);
  if (cfg == NULL || train == NULL || test == NULL || train->n == 0 || test->n == 0)
    {
      gtk_label_set_text (self->gallery_label,
                          _("Train a model or open one to see which images it finds unusual."));
      return;
    }

  if (cfg->in_channels != test->channels || cfg->in_height != test->height
      || cfg->in_width != test->width)
    {
      g_autofree char *text =
        g_strdup_printf (_("The model expects %d×%d×%d images but the data set has %d×%d×%d"),
                         cfg->in_channels, cfg->in_height, cfg->in_width,
                         test->channels, test->height, test->width);

      btl_inspect_page_show_message (self, text);
      return;
    }
  self->model = nn_model_new (cfg, &nerr);
  if (self->model != NULL)
    self->inf = nn_inference_new (self->model, BTL_INSPECT_PAGE_GALLERY_MAX, &nerr);
  if (self->inf == NULL || snap->n_params != nn_model_n_params (self->model)
      || snap->n_stats != nn_model_n_stats (self->model))
    {
      btl_inspect_page_show_message (self, self->inf == NULL
                                           ? nerr.message : _("The weights do not fit the model"));
      g_clear_pointer (&self->inf, nn_inference_free);
      g_clear_pointer (&self->model, nn_model_free);
      return;
    }
  self->snap = nn_snapshot_ref (snap);
  self->train = btl_dataset_ref (train);
  self->test = btl_dataset_ref (test);
  btl_inspect_page_build_class_rows (self);
  gtk_label_set_text (self->gallery_label, _("Scoring the test images…"));
  request_score (self);
}

void
btl_inspect_page_set_model (BtlInspectPage *self,
                            NnModel        *model,
                            BtlDataset     *train,
                            BtlDataset     *test)
{
  NnSnapshot *snap;

  g_return_if_fail (BTL_IS_INSPECT_PAGE (self));

  btl_pending_weights_clear (&self->pending);
  if (model == NULL)
    {
      setup (self, NULL, NULL, train, test);
      return;
    }
  snap = nn_snapshot_new_from_model (model, 0, 0);
  setup (self, nn_model_get_config (model), snap, train, test);
  nn_snapshot_unref (snap);
}

static void
follow_config (BtlInspectPage *self,
               const NnConfig *cfg,
               NnSnapshot     *snap,
               BtlDataset     *train,
               BtlDataset     *test)
{
  if (self->model != NULL && self->train == train && self->test == test
      && nn_config_equal (nn_model_get_config (self->model), cfg))
    btl_inspect_page_set_snapshot (self, snap);
  else
    setup (self, cfg, snap, train, test);
}

void
btl_inspect_page_follow (BtlInspectPage *self,
                         NnModel        *model,
                         NnSnapshot     *snap,
                         BtlDataset     *train,
                         BtlDataset     *test)
{
  g_return_if_fail (BTL_IS_INSPECT_PAGE (self));
  g_return_if_fail (model != NULL && snap != NULL);

  /* Hidden: keep only the newest weights; map () takes them up. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      btl_pending_weights_hold (&self->pending, nn_model_get_config (model), snap, train, test);
      return;
    }
  btl_pending_weights_clear (&self->pending);
  follow_config (self, nn_model_get_config (model), snap, train, test);
}

void
btl_inspect_page_set_snapshot (BtlInspectPage *self,
                               NnSnapshot     *snap)
{
  g_return_if_fail (BTL_IS_INSPECT_PAGE (self));
  g_return_if_fail (snap != NULL);

  if (self->model == NULL || snap == self->snap)
    return;
  if (snap->n_params != nn_model_n_params (self->model)
      || snap->n_stats != nn_model_n_stats (self->model))
    {
      g_warning ("inspect page: ignoring a snapshot of another model");
      return;
    }
  nn_snapshot_unref (self->snap);
  self->snap = nn_snapshot_ref (snap);
  request_score (self);
}

void
btl_inspect_page_set_threshold (BtlInspectPage *self,
                                double          threshold)
{
  g_return_if_fail (BTL_IS_INSPECT_PAGE (self));

  /* Through the histogram, so the line and everything else follow. */
  btl_histogram_set_threshold (self->histogram, threshold);
  if (self->test_scores == NULL)
    self->threshold = threshold;
}

double
btl_inspect_page_get_threshold (BtlInspectPage *self)
{
  g_return_val_if_fail (BTL_IS_INSPECT_PAGE (self), NAN);
  return self->threshold;
}

double
btl_inspect_page_get_default_threshold (BtlInspectPage *self)
{
  g_return_val_if_fail (BTL_IS_INSPECT_PAGE (self), NAN);
  return self->default_threshold;
}

gboolean
btl_inspect_page_is_ready (BtlInspectPage *self)
{
  g_return_val_if_fail (BTL_IS_INSPECT_PAGE (self), FALSE);
  return self->test_scores != NULL && !self->scoring && self->gallery_idle_id == 0;
}

int
btl_inspect_page_get_n_flagged (BtlInspectPage *self)
{
  g_return_val_if_fail (BTL_IS_INSPECT_PAGE (self), 0);
  return self->n_flagged;
}

int
btl_inspect_page_get_n_scored (BtlInspectPage *self)
{
  g_return_val_if_fail (BTL_IS_INSPECT_PAGE (self), 0);
  return self->test_scores != NULL ? self->test_scores->n : 0;
}

BtlHistogram *
btl_inspect_page_get_histogram (BtlInspectPage *self)
{
  g_return_val_if_fail (BTL_IS_INSPECT_PAGE (self), NULL);
  return self->histogram;
}

GtkWidget *
btl_inspect_page_get_gallery (BtlInspectPage *self)
{
  g_return_val_if_fail (BTL_IS_INSPECT_PAGE (self), NULL);
  return GTK_WIDGET (self->gallery);
}

gboolean
btl_inspect_page_get_class_flagged (BtlInspectPage *self,
                                    int             k,
                                    int            *flagged,
                                    int            *total)
{
  g_autofree int *f = NULL;
  g_autofree int *t = NULL;

  g_return_val_if_fail (BTL_IS_INSPECT_PAGE (self), FALSE);

  if (self->test_scores == NULL || self->test->labels == NULL || k < 0
      || k >= self->test->n_classes)
    return FALSE;
  f = g_new0 (int, self->test->n_classes);
  t = g_new0 (int, self->test->n_classes);
  btl_anomaly_scores_per_class (self->test_scores, self->threshold, f, t);
  *flagged = f[k];
  *total = t[k];
  return TRUE;
}

GtkWidget *
btl_inspect_page_new (void)
{
  return g_object_new (BTL_TYPE_INSPECT_PAGE, NULL);
}

/* ------------------------------------------------------------ GObject */

static void
btl_inspect_page_map (GtkWidget *widget)
{
  BtlInspectPage *self = BTL_INSPECT_PAGE (widget);

  GTK_WIDGET_CLASS (btl_inspect_page_parent_class)->map (widget);
  {
    BtlPendingWeights p;

    if (btl_pending_weights_take (&self->pending, &p))
      {
        follow_config (self, &p.cfg, p.snap, p.train, p.test);
        btl_pending_weights_clear (&p);
      }
  }
  if (self->score_pending)
    request_score (self);
}

static void
btl_inspect_page_dispose (GObject *object)
{
  BtlInspectPage *self = BTL_INSPECT_PAGE (object);

  clear_model (self);
  btl_pending_weights_clear (&self->pending);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->class_bars, g_ptr_array_unref);
  g_clear_pointer (&self->class_counts, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), BTL_TYPE_INSPECT_PAGE);

  G_OBJECT_CLASS (btl_inspect_page_parent_class)->dispose (object);
}

static void
btl_inspect_page_class_init (BtlInspectPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = btl_inspect_page_dispose;
  widget_class->map = btl_inspect_page_map;

  g_type_ensure (BTL_TYPE_HISTOGRAM);
  g_type_ensure (BTL_TYPE_IMAGE_GRID);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/btl-inspect-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "btlinspectpage");

  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, root);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, log_check);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, reset_button);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, open_button);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, export_button);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, histogram);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, threshold_label);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, class_grid);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, own_box);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, own_picture);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, own_recon_picture);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, own_label);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, gallery_label);
  gtk_widget_class_bind_template_child (widget_class, BtlInspectPage, gallery);

  gtk_widget_class_bind_template_callback (widget_class, on_message_close);
  btl_inspect_page_views_class_init (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, on_open_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked);
}

static void
btl_inspect_page_init (BtlInspectPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->class_bars = g_ptr_array_new ();
  self->class_counts = g_ptr_array_new ();
  self->threshold = NAN;
  self->default_threshold = NAN;
  btl_histogram_set_x_label (self->histogram, _("reconstruction error (MSE per image)"));
  gtk_widget_set_sensitive (self->root, FALSE);
  gtk_label_set_text (self->gallery_label,
                      _("Train a model or open one to see which images it finds unusual."));
}

/* btl-inspect-page-views.c — the Inspect page's views of one threshold:
 * the summary line, the per-class rows and the gallery of flagged images.
 *
 * Moving the threshold is cheap (a binary search on the sorted errors); the
 * gallery's reconstructions (at most BTL_INSPECT_PAGE_GALLERY_MAX images)
 * are decoded in the main thread from an idle, so a drag redraws it at most
 * once per frame.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-inspect-page-private.h"
#include "btl-metrics.h"

/* ------------------------------------------------------------ views */

static gboolean
gallery_idle_cb (gpointer data)
{
  BtlInspectPage *self = data;
  const NnConfig *cfg;
  int n, dim;
  g_autofree float *x = NULL;
  g_autofree float *y = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  NnError nerr = { 0 };

  self->gallery_idle_id = 0;
  if (self->test_scores == NULL)
    return G_SOURCE_REMOVE;

  cfg = nn_model_get_config (self->model);
  dim = self->test_scores->data != NULL ? btl_dataset_dim (self->test) : 0;
  n = MIN (self->n_flagged, BTL_INSPECT_PAGE_GALLERY_MAX);
  x = g_new (float, (size_t) MAX (n, 1) * dim);
  y = g_new (float, (size_t) MAX (n, 1) * dim);
  for (int r = 0; r < n; r++)
    {
      int i = self->test_scores->by_error[r];

      memcpy (x + (size_t) r * dim, btl_dataset_image (self->test, i), (size_t) dim * sizeof (float));
      /* Tiles are small: the error alone; classes have their own list. */
      g_ptr_array_add (labels, g_strdup_printf ("%.3f", self->test_scores->errors[i]));
    }
  g_ptr_array_add (labels, NULL);
  if (n > 0 && nn_inference_reconstruct (self->inf, self->snap->params, self->snap->stats,
                                         x, n, y, &nerr) != NN_OK)
    {
      btl_inspect_page_show_message (self, nerr.message);
      return G_SOURCE_REMOVE;
    }
  btl_image_grid_set_images (self->gallery, x, y, n, cfg->in_channels, cfg->in_height,
                             cfg->in_width);
  btl_image_grid_set_labels (self->gallery, n > 0 ? (const char * const *) labels->pdata : NULL);

  if (self->n_flagged == 0)
    text = g_strdup (_("No test image is above the threshold"));
  else if (n < self->n_flagged)
    text = g_strdup_printf (_("The worst %d of %d flagged images, each above its reconstruction"),
                            n, self->n_flagged);
  else
    text = g_strdup_printf (ngettext ("The flagged image above its reconstruction",
                                      "All %d flagged images, worst first, each above its reconstruction",
                                      n), n);
  gtk_label_set_text (self->gallery_label, text);
  return G_SOURCE_REMOVE;
}

static void
queue_gallery (BtlInspectPage *self)
{
  if (self->gallery_idle_id == 0)
    self->gallery_idle_id = g_idle_add (gallery_idle_cb, self);
}

void
btl_inspect_page_build_class_rows (BtlInspectPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->class_grid))) != NULL)
    gtk_grid_remove (self->class_grid, child);
  g_ptr_array_set_size (self->class_bars, 0);
  g_ptr_array_set_size (self->class_counts, 0);
  if (self->test == NULL || self->test->labels == NULL)
    return;

  for (int k = 0; k < self->test->n_classes; k++)
    {
      GtkWidget *name = gtk_label_new (btl_dataset_class_name (self->test, k));
      GtkWidget *bar = gtk_level_bar_new ();
      GtkWidget *count = gtk_label_new ("");

      gtk_label_set_xalign (GTK_LABEL (name), 0.0f);
      gtk_label_set_xalign (GTK_LABEL (count), 1.0f);
      gtk_widget_add_css_class (count, "numeric");
      gtk_widget_set_hexpand (bar, TRUE);
      gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
      /* Colour is no cue here: one bar per class, longer = more flagged. */
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW);
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH);
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_FULL);
      gtk_grid_attach (self->class_grid, name, 0, k, 1, 1);
      gtk_grid_attach (self->class_grid, bar, 1, k, 1, 1);
      gtk_grid_attach (self->class_grid, count, 2, k, 1, 1);
      g_ptr_array_add (self->class_bars, bar);
      g_ptr_array_add (self->class_counts, count);
    }
}

static void
update_class_rows (BtlInspectPage *self)
{
  int n_classes = (int) self->class_bars->len;
  g_autofree int *flagged = g_new0 (int, MAX (n_classes, 1));
  g_autofree int *total = g_new0 (int, MAX (n_classes, 1));
  double worst = 0.0;

  if (n_classes == 0
      || !btl_anomaly_scores_per_class (self->test_scores, self->threshold, flagged, total))
    return;
  for (int k = 0; k < n_classes; k++)
    if (total[k] > 0)
      worst = MAX (worst, (double) flagged[k] / total[k]);
  for (int k = 0; k < n_classes; k++)
    {
      double f = total[k] > 0 ? (double) flagged[k] / total[k] : 0.0;
      g_autofree char *text = g_strdup_printf ("%d / %d  %5.1f %%", flagged[k], total[k],
                                               100.0 * f);

      /* Scaled to the worst class (at least 5 %) so small fractions still show. */
      gtk_level_bar_set_max_value (g_ptr_array_index (self->class_bars, k), MAX (worst, 0.05));
      gtk_level_bar_set_value (g_ptr_array_index (self->class_bars, k), f);
      gtk_label_set_text (g_ptr_array_index (self->class_counts, k), text);
    }
}

void
btl_inspect_page_update_own_label (BtlInspectPage *self,
                  double          mse)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf (_("%s: error %.4f (PSNR %.1f dB), %s the threshold — %s"),
                          self->own_name, mse, btl_psnr_from_mse (mse),
                          mse > self->threshold ? _("above") : _("below"),
                          mse > self->threshold ? _("flagged as unusual") : _("looks normal"));
  gtk_label_set_text (self->own_label, text);
}

void
btl_inspect_page_update_threshold_views (BtlInspectPage *self)
{
  g_autofree char *text = NULL;
  g_autofree char *rule = NULL;
  int n;

  if (self->test_scores == NULL)
    return;
  n = self->test_scores->n;
  self->n_flagged = btl_anomaly_scores_count_above (self->test_scores, self->threshold);
  if (!self->threshold_moved)
    rule = g_strdup_printf (_("the %gth percentile of %d training errors"),
                            BTL_ANOMALY_DEFAULT_PERCENTILE, self->train_scores->n);
  else
    rule = g_strdup_printf (_("set by hand; the default is %.4f"), self->default_threshold);
  text = g_strdup_printf (_("Threshold %.4f (%s): %d of %d test images flagged (%.1f %%)"),
                          self->threshold, rule, self->n_flagged, n,
                          100.0 * self->n_flagged / MAX (n, 1));
  gtk_label_set_text (self->threshold_label, text);
  update_class_rows (self);
  queue_gallery (self);
  if (self->own_x != NULL && gtk_widget_get_visible (self->own_box))
    {
      const char *mse_text = g_object_get_data (G_OBJECT (self->own_label), "mse");

      if (mse_text != NULL)
        btl_inspect_page_update_own_label (self, g_ascii_strtod (mse_text, NULL));
    }
}

static void
on_threshold_changed (BtlInspectPage *self)
{
  if (self->updating || self->test_scores == NULL)
    return;
  self->threshold = btl_histogram_get_threshold (self->histogram);
  self->threshold_moved = TRUE;
  btl_inspect_page_update_threshold_views (self);
}

static void
on_reset_clicked (BtlInspectPage *self)
{
  if (self->test_scores == NULL)
    return;
  self->updating = TRUE;
  btl_histogram_set_threshold (self->histogram, self->default_threshold);
  self->updating = FALSE;
  self->threshold = self->default_threshold;
  self->threshold_moved = FALSE;
  btl_inspect_page_update_threshold_views (self);
}

static void
on_log_toggled (BtlInspectPage *self)
{
  btl_histogram_set_log_x (self->histogram, gtk_check_button_get_active (self->log_check));
}

void
btl_inspect_page_views_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_threshold_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_log_toggled);
}

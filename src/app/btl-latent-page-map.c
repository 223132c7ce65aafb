/* btl-latent-page-map.c — the Latent page's 2-D map: hover, click, drag,
 * and the GTask that encodes the test set for it.
 *
 * Encoding thousands of images runs in a thread on a private model
 * structure and a snapshot, so the UI never waits; while training publishes
 * snapshots it is repeated at most every ENCODE_INTERVAL_US and skipped while
 * the page is not shown (map () asks again).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "btl-app-hold.h"
#include "btl-error.h"
#include "btl-latent-page-private.h"

/* While training, re-encode the map at most this often. */
#define ENCODE_INTERVAL_US (2 * G_USEC_PER_SEC)
/* The hovered image is drawn at about this many pixels across. */
#define HOVER_SIZE 84

/* ------------------------------------------------------------ map */

static void
on_map_hovered (BtlLatentPage *self,
                int            index)
{
  const NnConfig *cfg;
  g_autofree char *text = NULL;

  if (self->model == NULL || self->space == NULL || index < 0 || index >= self->space->n)
    return;
  cfg = nn_model_get_config (self->model);
  btl_latent_page_set_picture (self->hover_picture,
               btl_latent_page_texture (btl_dataset_image (self->test, index), cfg->in_channels,
                                        cfg->in_height, cfg->in_width,
                                        btl_latent_page_scale_for (self, HOVER_SIZE)));
  text = btl_latent_page_describe_image (self, index);
  gtk_label_set_text (self->hover_label, text);
}

static void
on_map_activated (BtlLatentPage *self,
                  int            index)
{
  btl_latent_page_select_image (self, index);
}

static void
on_map_dragged (BtlLatentPage *self,
                double         x,
                double         y)
{
  if (self->model == NULL || self->space == NULL)
    return;
  /* Inverse PCA (or the two map dimensions): the code at that point. */
  btl_latent_space_from_map (self->space, x, y, self->z);
  self->following = FALSE;
  btl_latent_page_sync_sliders (self);
  btl_latent_page_decode_current (self);
  btl_scatter_map_set_marker (self->map, x, y, TRUE);
  btl_latent_page_tools_queue_update (self);
}

/* Whether every code is the same (a dead ReLU code is 0 for every image):
 * the map is then one point and its principal components mean nothing. */
static gboolean
codes_are_constant (const BtlLatentSpace *space,
                    gboolean             *all_zero)
{
  *all_zero = TRUE;
  for (int d = 0; d < space->dim; d++)
    {
      if (space->min[d] != space->max[d])
        return FALSE;
      *all_zero &= space->min[d] == 0.0f;
    }
  return TRUE;
}

static void
show_space (BtlLatentPage *self)
{
  BtlLatentSpace *space = self->space;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree char *text = NULL;
  gboolean all_zero;

  for (int k = 0; self->test->labels != NULL && k < self->test->n_classes; k++)
    g_ptr_array_add (names, (gpointer) btl_dataset_class_name (self->test, k));
  g_ptr_array_add (names, NULL);
  btl_scatter_map_set_points (self->map, space->map_xy, space->labels, space->n,
                              self->test->labels != NULL
                              ? (const char * const *) names->pdata : NULL);
  if (codes_are_constant (space, &all_zero))
    {
      /* Not "100 % of the variance": there is none. */
      btl_scatter_map_set_axis_labels (self->map, "", "");
      if (all_zero)
        text = g_strdup_printf (_("All %d test codes are 0: the latent units are dead (they never "
                                  "fire), so there is no variance to show. Train again, perhaps "
                                  "with another seed, activation or a lower learning rate."),
                                space->n);
      else
        text = g_strdup_printf (_("All %d test codes are the same, so there is no variance to show."),
                                space->n);
    }
  else if (space->pca != NULL)
    {
      btl_scatter_map_set_axis_labels (self->map, _("principal component 1"),
                                       _("principal component 2"));
      text = g_strdup_printf (_("%d test codes projected on their first two principal components "
                                "(%.0f %% of the variance). Drag on the map to decode any point."),
                              space->n, 100.0 * btl_pca_explained_ratio (space->pca, 2));
    }
  else
    {
      g_autofree char *xl = g_strdup_printf ("z%d", space->map_axes[0]);
      g_autofree char *yl = space->map_axes[1] >= 0 ? g_strdup_printf ("z%d", space->map_axes[1])
                                                    : g_strdup ("");

      btl_scatter_map_set_axis_labels (self->map, xl, yl);
      text = g_strdup_printf (_("%d test codes. Drag on the map to decode any point."), space->n);
    }
  gtk_label_set_text (self->map_label, text);
  btl_scatter_map_set_selected (self->map, self->start_index >= 0 && self->start_index < space->n
                                           ? self->start_index : -1);
}

/* ------------------------------------------------------------ encoding task */

typedef struct
{
  NnConfig    cfg;
  NnSnapshot *snap;
  BtlDataset *test;
  GApplication *held;     /* released by encode_done */
} EncodeData;

static void
encode_data_free (gpointer p)
{
  EncodeData *ed = p;

  nn_snapshot_unref (ed->snap);
  btl_dataset_unref (ed->test);
  g_free (ed);
}

static void
encode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  EncodeData *ed = task_data;
  NnError nerr = { 0 };
  GError *error = NULL;
  NnModel *model;
  BtlLatentSpace *space;

  /* A private structure: the page may drop or replace its own meanwhile. */
  model = nn_model_new (&ed->cfg, &nerr);
  if (model == NULL)
    {
      btl_error_from_nn (nerr.code, &nerr, &error);
      g_task_return_error (task, error);
      return;
    }
  space = btl_latent_space_encode (model, ed->snap->params, ed->snap->stats, ed->test,
                                   BTL_LATENT_PAGE_MAX_POINTS, &error);
  nn_model_free (model);
  if (space == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, space, (GDestroyNotify) btl_latent_space_free);
}

static void
encode_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(BtlLatentPage) self = user_data;
  g_autoptr(GError) error = NULL;
  BtlLatentSpace *space;
  gboolean first;

  btl_app_release (g_steal_pointer (&((EncodeData *) g_task_get_task_data (G_TASK (result)))->held));
  space = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* From a model that is gone. */
      g_clear_pointer (&space, btl_latent_space_free);
      return;
    }
  self->encoding = FALSE;
  self->last_encode_us = g_get_monotonic_time ();
  gtk_spinner_stop (self->spinner);
  if (space == NULL)
    {
      btl_latent_page_show_message (self, error->message);
      return;
    }

  first = self->space == NULL;
  g_clear_pointer (&self->space, btl_latent_space_free);
  self->space = space;
  show_space (self);
  /* Wide codes get their sliders ordered by spread once, when it is known:
   * re-ordering under the pointer on every snapshot would be unusable. */
  if (!self->sliders_ordered && self->latent > BTL_LATENT_PAGE_MAX_SLIDERS)
    {
      self->sliders_ordered = TRUE;
      btl_latent_page_rebuild_sliders (self);
    }
  else
    btl_latent_page_sync_sliders (self);
  btl_latent_page_decode_current (self);
  btl_latent_page_tools_space_changed (self, first);

  if (self->encode_pending)
    btl_latent_page_request_encode (self);
}

static void
start_encode (BtlLatentPage *self)
{
  g_autoptr(GTask) task = NULL;
  EncodeData *ed;

  self->encode_pending = FALSE;
  self->encoding = TRUE;
  gtk_spinner_start (self->spinner);
  ed = g_new0 (EncodeData, 1);
  ed->cfg = *nn_model_get_config (self->model);
  ed->snap = nn_snapshot_ref (self->snap);
  ed->test = btl_dataset_ref (self->test);
  /* The page rides in the callback's data, not as the task's source: the
   * task's last reference may go in the pool thread, and a widget must be
   * finalized on the main thread. The process must not exit while the
   * thread is inside BLAS. */
  ed->held = btl_app_hold ();
  task = g_task_new (NULL, self->cancellable, encode_done, g_object_ref (self));
  g_task_set_task_data (task, ed, encode_data_free);
  g_task_set_name (task, "btl-latent-encode");
  g_task_run_in_thread (task, encode_thread);
}

static gboolean
encode_timeout_cb (gpointer data)
{
  BtlLatentPage *self = data;

  self->encode_timeout_id = 0;
  btl_latent_page_request_encode (self);
  return G_SOURCE_REMOVE;
}

/* Encodes now, or as soon as allowed: one task at a time, one per
 * ENCODE_INTERVAL_US, and only while the page is on screen. */
void
btl_latent_page_request_encode (BtlLatentPage *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->model == NULL || self->test == NULL)
    return;
  self->encode_pending = TRUE;
  if (self->encoding || self->encode_timeout_id != 0)
    return;
  /* Hidden pages cost nothing, even for a new model: map () asks again. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  if (self->space != NULL && now - self->last_encode_us < ENCODE_INTERVAL_US)
    {
      guint ms = (guint) ((ENCODE_INTERVAL_US - (now - self->last_encode_us)) / 1000) + 1;

      self->encode_timeout_id = g_timeout_add (ms, encode_timeout_cb, self);
      return;
    }
  start_encode (self);
}

void
btl_latent_page_map_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_map_hovered);
  gtk_widget_class_bind_template_callback (widget_class, on_map_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_map_dragged);
}
